"""The inventory API (/api/v1/inventory/): searches and filters, masked contacts, region scoping, the
survey review chain and curation through the services, permissions per role, fixed query counts."""
import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from inventory.models import (
    Enterprise,
    Industry,
    ReviewRecord,
    Substance,
    SubstanceGroup,
    SurveyCampaign,
    SurveyLine,
    SurveyReport,
)
from portal.models import AuditEvent
from portal.utils import mask_name, mask_phone
from tests.conftest import CODE_COUNTY, assert_statuses

from .api_matrix import INVENTORY_API_MATRIX


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


def names(response, key="name"):
    return [item[key] for item in results(response)]


# ---------------------------------------------------------------- permission matrix
@pytest.mark.parametrize("name", sorted(INVENTORY_API_MATRIX))
def test_inventory_api_permission_matrix(name, client_for, inventory):
    method, kwargs, expected, data = INVENTORY_API_MATRIX[name]
    f = {"inv": inventory}
    url = reverse(name, kwargs=kwargs(f) if kwargs else None)
    assert_statuses(client_for, method, url, expected, data=data(f) if data else None)


WRITES = {
    "create substance": ("post", "substance-list", None, lambda inv: {"cas": "67-66-3", "name_zh": "三氯甲烷"}),
    "update substance": ("patch", "substance-detail", "dcm", lambda inv: {"name_en": "Methylene chloride"}),
    "create group": ("post", "substancegroup-list", None, lambda inv: {"name": "氯代烃", "members": [inv["dcm"].pk]}),
    "create enterprise": ("post", "enterprise-list", None,
                          lambda inv: {"credit_code": "91140602MA0K00002A", "name": "新企业", "region": "140602"}),
    "update enterprise": ("patch", "enterprise-detail", "enterprise", lambda inv: {"name": "改名公司"}),
    "create campaign": ("post", "surveycampaign-list", None,
                        lambda inv: {"title": "2024年调查", "year": 2024, "kind": "basic", "region": "140600"}),
    "update campaign": ("patch", "surveycampaign-detail", "campaign", lambda inv: {"title": "改名调查"}),
    "open report": ("post", "surveyreport-list", None,
                    lambda inv: {"campaign": inv["campaign"].pk, "enterprise": inv["other_enterprise"].pk}),
    "submit report": ("post", "surveyreport-submit", "report", lambda inv: {}),
    "review report": ("post", "surveyreport-review", "report", lambda inv: {"approve": True}),
    "add line": ("post", "surveyline-list", None,
                 lambda inv: {"report": inv["report"].pk, "raw_name": "甲苯", "activity": "use", "quantity": "1"}),
    "correct line": ("patch", "surveyline-detail", "line", lambda inv: {"quantity": "1"}),
    "delete line": ("delete", "surveyline-detail", "line", lambda inv: {}),
    "resolve line": ("post", "surveyline-resolve", "unresolved", lambda inv: {"substance": inv["pfos"].pk}),
}


@pytest.mark.parametrize("case", sorted(WRITES))
def test_writes_are_refused_to_leaders_officers_admins_and_anonymous(case, api, inventory):
    method, name, obj, data = WRITES[case]
    url = reverse(name, kwargs={"pk": inventory[obj].pk} if obj else None)
    before = AuditEvent.objects.count()
    got = {who: getattr(api(who), method)(url, data(inventory), format="json").status_code
           for who in ("anonymous", "leader", "department_officer", "system_admin")}
    assert got == {"anonymous": 401, "leader": 403, "department_officer": 403, "system_admin": 403}
    assert AuditEvent.objects.count() == before
    assert Substance.objects.count() == 2 and Enterprise.objects.count() == 2
    assert SurveyLine.objects.count() == 2 and SurveyReport.objects.get().state == "draft"
    assert SurveyLine.objects.filter(substance__isnull=True).count() == 1


# ---------------------------------------------------------------- substances
def test_substance_search_by_name_synonym_and_cas_with_or_without_hyphens(api, inventory):
    client = api("leader")
    url = reverse("substance-list")
    for q in ("75-09-2", "75092", "7509", "７５－０９－２", "二氯", "methane", "DCM", "亚甲基"):
        assert names(client.get(url, {"q": q}), "name_zh") == ["二氯甲烷"], q
    assert names(client.get(url, {"q": "1763231"}), "name_zh") == ["全氟辛基磺酸"]
    assert names(client.get(url, {"q": "99-99-9"}), "name_zh") == []
    assert names(client.get(url), "name_zh") == ["二氯甲烷", "全氟辛基磺酸"]
    dcm = results(client.get(url, {"q": "75092"}))[0]
    assert dcm["cas"] == "75-09-2" and dcm["synonyms"] == ["亚甲基氯", "DCM"]


def test_substance_filter_by_group_and_groups_with_members(api, inventory):
    group = inventory["group"]
    client = api("leader")
    assert names(client.get(reverse("substance-list"), {"group": group.pk}), "name_zh") == ["全氟辛基磺酸"]
    detail = client.get(reverse("substancegroup-detail", args=[group.pk])).json()
    assert [m["cas"] for m in detail["members"]] == ["1763-23-1"] and detail["example_cas"] == ["307-35-7"]
    pfos = client.get(reverse("substance-detail", args=[inventory["pfos"].pk])).json()
    assert pfos["groups"] == [{"id": group.pk, "name": group.name}]
    assert client.get(reverse("substance-detail", args=[inventory["dcm"].pk])).json()["groups"] == []


def test_lists_paginate_without_counting(api, inventory):
    client = api("bureau_staff")
    url = reverse("substance-list")
    with CaptureQueriesContext(connection) as queries:
        first = client.get(url, {"page_size": 1}).json()
    assert "count" not in first and first["previous"] is None
    assert not any("COUNT(" in q["sql"].upper() for q in queries.captured_queries)
    assert [s["name_zh"] for s in first["results"]] == ["二氯甲烷"]
    second = client.get(first["next"]).json()
    assert [s["name_zh"] for s in second["results"]] == ["全氟辛基磺酸"]
    assert second["next"] is None and second["previous"] is not None
    assert client.get(url, {"page": 3, "page_size": 1}).status_code == 404


def test_bureau_staff_create_and_update_substances_through_the_upsert(api, inventory):
    client = api("bureau_staff")
    created = client.post(reverse("substance-list"), {"cas": "67663", "name_zh": "三氯甲烷"}, format="json")
    assert created.status_code == 201 and created.json()["cas"] == "67-66-3"
    again = client.post(reverse("substance-list"), {"cas": "67-66-3", "name_zh": "氯仿"}, format="json")
    assert again.status_code == 200 and again.json()["id"] == created.json()["id"]
    assert Substance.objects.get(cas="67-66-3").name_zh == "氯仿"
    bad = client.post(reverse("substance-list"), {"cas": "67-66-4", "name_zh": "三氯甲烷"}, format="json")
    assert bad.status_code == 400 and "校验位错误" in bad.json()["cas"][0] and "67-66-3" in bad.json()["cas"][0]
    url = reverse("substance-detail", args=[inventory["dcm"].pk])
    patched = client.patch(url, {"name_en": "Methylene chloride"}, format="json")
    assert patched.status_code == 200
    inventory["dcm"].refresh_from_db()
    assert (inventory["dcm"].name_en, inventory["dcm"].name_zh) == ("Methylene chloride", "二氯甲烷")
    assert client.patch(url, {"cas": "1763-23-1"}, format="json").status_code == 400
    no_cas = Substance.objects.create(name_zh="某混合物")
    refused = client.patch(reverse("substance-detail", args=[no_cas.pk]), {"name_en": "x"}, format="json")
    assert refused.status_code == 400 and list(refused.json()) == ["cas"]
    assert Substance.objects.filter(name_zh="某混合物").count() == 1
    assert AuditEvent.objects.filter(action="substance.update").count() == 2


def test_substance_group_create_and_update(api, inventory):
    client = api("bureau_staff")
    response = client.post(reverse("substancegroup-list"), {"name": "氯代烃", "members": [inventory["dcm"].pk],
                                                             "example_cas": ["67663"]}, format="json")
    assert response.status_code == 201, response.content
    group = SubstanceGroup.objects.get(name="氯代烃")
    assert group.example_cas == ["67-66-3"] and list(group.members.all()) == [inventory["dcm"]]
    response = client.patch(reverse("substancegroup-detail", args=[group.pk]), {"description": "含氯有机溶剂"},
                            format="json")
    assert response.status_code == 200 and [m["id"] for m in response.json()["members"]] == [inventory["dcm"].pk]
    group.refresh_from_db()
    assert group.description == "含氯有机溶剂" and group.name == "氯代烃"


# ---------------------------------------------------------------- industries
@pytest.fixture
def industries(db):
    c = Industry.objects.create(code="C", name="制造业", level="section", section="C")
    d26 = Industry.objects.create(code="26", name="化学原料和化学制品制造业", level="division", parent=c,
                                  section="C")
    g261 = Industry.objects.create(code="261", name="基础化学原料制造", level="group", parent=d26, section="C")
    Industry.objects.create(code="2614", name="有机化学原料制造", level="class", parent=g261, section="C")
    Industry.objects.create(code="2619", name="其他基础化学原料制造", level="class", parent=g261, section="C")
    return Industry.objects.in_bulk()


def test_industries_list_classes_by_default_and_search(api, industries):
    client = api("leader")
    url = reverse("industry-list")
    assert names(client.get(url), "code") == ["2614", "2619"]
    assert names(client.get(url, {"level": "division"}), "code") == ["26"]
    assert names(client.get(url, {"q": "有机"}), "code") == ["2614"]
    assert names(client.get(url, {"q": "2619"}), "code") == ["2619"]
    detail = client.get(reverse("industry-detail", args=["26"])).json()
    assert detail == {"code": "26", "name": "化学原料和化学制品制造业", "level": "division", "section": "C",
                      "parent": "C"}


# ---------------------------------------------------------------- enterprises
def test_mask_functions():
    assert (mask_name("张三"), mask_name("欧阳娜娜"), mask_name("李"), mask_name("")) == ("张*", "欧***", "李*", "")
    assert (mask_phone("13800001234"), mask_phone("0349-1234567"), mask_phone("12345"), mask_phone("")) == (
        "138****1234", "034*****4567", "12*45", "")


def test_contacts_masked_for_leaders_and_plain_for_bureau_staff(api, inventory):
    pk = inventory["enterprise"].pk
    for who, expected in (("leader", ("张*", "138****1234")), ("bureau_staff", ("张三", "13800001234"))):
        detail = api(who).get(reverse("enterprise-detail", args=[pk])).json()
        listed = next(e for e in results(api(who).get(reverse("enterprise-list"))) if e["id"] == pk)
        assert (detail["contact_name"], detail["contact_phone"]) == expected, who
        assert (listed["contact_name"], listed["contact_phone"]) == expected, who


def test_county_staff_see_only_their_county(api, inventory):
    county = api("county_staff")
    assert names(county.get(reverse("enterprise-list"))) == ["朔城某化工有限公司"]
    assert county.get(reverse("enterprise-detail", args=[inventory["other_enterprise"].pk])).status_code == 404
    assert county.get(reverse("enterprise-detail", args=[inventory["enterprise"].pk])).status_code == 200
    assert sorted(names(api("bureau_staff").get(reverse("enterprise-list")))) == ["平鲁某材料有限公司",
                                                                                 "朔城某化工有限公司"]
    # the city's campaign covers the county: county staff see it, and the sibling county's data stays hidden
    assert names(county.get(reverse("surveycampaign-list")), "title") == ["2023年化学物质环境信息调查"]
    other_report = SurveyReport.objects.create(campaign=inventory["campaign"], enterprise=inventory["other_enterprise"])
    assert [r["id"] for r in results(county.get(reverse("surveyreport-list")))] == [inventory["report"].pk]
    assert county.get(reverse("surveyreport-detail", args=[other_report.pk])).status_code == 404
    other_line = SurveyLine.objects.create(report=other_report, raw_name="某助剂", activity="use", quantity=1)
    assert county.get(reverse("surveyline-detail", args=[other_line.pk])).status_code == 404
    assert other_line.pk not in [x["id"] for x in results(county.get(reverse("surveyline-list")))]


def test_enterprise_filters(api, inventory, industries):
    Enterprise.objects.filter(pk=inventory["enterprise"].pk).update(industry_id="2614")
    group = SubstanceGroup.objects.create(name="氯代烃")
    group.members.add(inventory["dcm"])
    client = api("bureau_staff")
    url = reverse("enterprise-list")
    pfos_group = inventory["group"]
    campaign = inventory["campaign"].pk
    cases = {
        (("region", "140603"),): ["平鲁某材料有限公司"],
        (("region", "140600"),): ["平鲁某材料有限公司", "朔城某化工有限公司"],
        (("industry", "2614"),): ["朔城某化工有限公司"],
        (("industry", "26"),): ["朔城某化工有限公司"],
        (("industry", "C"),): ["朔城某化工有限公司"],
        (("industry", "2619"),): [],
        (("q", "平鲁"),): ["平鲁某材料有限公司"],
        (("q", CODE_COUNTY[:10].lower()),): ["朔城某化工有限公司"],
        (("campaign", campaign),): ["朔城某化工有限公司"],
        (("campaign", campaign), ("state", "draft")): ["朔城某化工有限公司"],
        (("campaign", campaign), ("state", "submitted")): [],
        (("group", group.pk),): ["朔城某化工有限公司"],
        (("group", pfos_group.pk),): [],
    }
    for params, expected in cases.items():
        assert sorted(names(client.get(url, dict(params)))) == expected, params


def test_create_enterprise_with_a_bad_credit_code_is_400_naming_the_field(api, regions):
    client = api("bureau_staff")
    url = reverse("enterprise-list")
    response = client.post(url, {"credit_code": "9114060212345", "name": "新企业", "region": "140602"}, format="json")
    assert response.status_code == 400
    assert list(response.json()) == ["credit_code"]
    assert response.json()["credit_code"] == ["统一社会信用代码 9114060212345 为13位，应为18位。"]
    legacy = CODE_COUNTY[:-1] + "M"  # the check character should be L
    response = client.post(url, {"credit_code": legacy, "name": "老企业", "region": "140602"}, format="json")
    assert response.status_code == 400 and "统一社会信用代码" in response.json()["credit_code"][0]
    assert not Enterprise.objects.exists()
    response = client.post(url, {"credit_code": legacy, "name": "老企业", "region": "140602",
                                 "confirm_legacy_code": True, "contact_name": "李四"}, format="json")
    assert response.status_code == 201, response.content
    assert response.json()["credit_code_override"] is True and response.json()["region"] == "140602"
    assert Enterprise.objects.get().created_by.username == "bureau_staff"
    assert AuditEvent.objects.filter(action="enterprise.create").count() == 1


def test_enterprise_update_and_region_outside_scope(api, inventory):
    county = api("county_staff")
    url = reverse("enterprise-detail", args=[inventory["enterprise"].pk])
    response = county.patch(url, {"address": "朔城区开发区1号", "contact_phone": "13900001111"}, format="json")
    assert response.status_code == 200, response.content
    enterprise = Enterprise.objects.get(pk=inventory["enterprise"].pk)
    assert (enterprise.address, enterprise.contact_phone, enterprise.name) == (
        "朔城区开发区1号", "13900001111", "朔城某化工有限公司")
    other = reverse("enterprise-detail", args=[inventory["other_enterprise"].pk])
    assert county.patch(other, {"address": "x"}, format="json").status_code == 404
    moved = county.patch(url, {"region": "140603"}, format="json")
    assert moved.status_code == 403 and moved.json()["detail"] == "该行政区划不在您的管辖范围内。"
    created = county.post(reverse("enterprise-list"), {"credit_code": "91140603MA0K00003X", "name": "平鲁新企业",
                                                       "region": "140603"}, format="json")
    assert created.status_code in (400, 403) and Enterprise.objects.count() == 2
    unknown = county.post(reverse("enterprise-list"), {"credit_code": CODE_COUNTY, "name": "x", "region": "999999"},
                          format="json")
    assert unknown.status_code == 400 and "region" in unknown.json()


# ---------------------------------------------------------------- campaigns and reports
def test_campaigns_create_and_update_in_scope_only(api, inventory, regions):
    staff = api("bureau_staff")
    response = staff.post(reverse("surveycampaign-list"), {"title": "2024年调查", "year": 2024, "kind": "detailed",
                                                            "region": "140600", "substances": [inventory["dcm"].pk],
                                                            "deadline": "2025-06-30"}, format="json")
    assert response.status_code == 201, response.content
    campaign = SurveyCampaign.objects.get(year=2024)
    assert (campaign.kind, campaign.deadline, list(campaign.substances.all())) == (
        "detailed", datetime.date(2025, 6, 30), [inventory["dcm"]])
    patched = staff.patch(reverse("surveycampaign-detail", args=[campaign.pk]), {"title": "2024年详细调查"},
                          format="json")
    assert patched.status_code == 200 and patched.json()["substances"] == [inventory["dcm"].pk]
    county = api("county_staff")
    assert county.patch(reverse("surveycampaign-detail", args=[campaign.pk]), {"title": "x"},
                        format="json").status_code == 403
    assert county.post(reverse("surveycampaign-list"), {"title": "省级调查", "year": 2024, "region": "140000"},
                       format="json").status_code == 403
    assert sorted(names(api("leader").get(reverse("surveycampaign-list"), {"year": 2024}), "title")) == [
        "2024年详细调查"]


def test_open_a_report_for_an_enterprise_in_scope(api, inventory):
    url = reverse("surveyreport-list")
    data = {"campaign": inventory["campaign"].pk, "enterprise": inventory["other_enterprise"].pk}
    assert api("county_staff").post(url, data, format="json").status_code == 404
    created = api("bureau_staff").post(url, data, format="json")
    assert created.status_code == 201 and created.json()["state"] == "draft" and created.json()["lines"] == []
    again = api("bureau_staff").post(url, data, format="json")
    assert again.status_code == 200 and again.json()["id"] == created.json()["id"]
    assert SurveyReport.objects.count() == 2


def test_report_list_filters(api, inventory):
    other = SurveyReport.objects.create(campaign=inventory["campaign"], enterprise=inventory["other_enterprise"],
                                        state="submitted")
    client = api("leader")
    url = reverse("surveyreport-list")
    ids = lambda params: sorted(r["id"] for r in results(client.get(url, params)))  # noqa: E731
    mine = inventory["report"].pk
    assert ids({}) == sorted([mine, other.pk])
    assert ids({"state": "submitted"}) == [other.pk]
    assert ids({"region": "140602"}) == [mine]
    assert ids({"enterprise": inventory["other_enterprise"].pk}) == [other.pk]
    assert ids({"campaign": inventory["campaign"].pk + 1}) == []
    report = results(client.get(url, {"region": "140602"}))[0]
    assert report["enterprise_name"] == "朔城某化工有限公司" and report["state_display"] == "草稿"


def test_lines_list_filters_and_curation_queue(api, inventory):
    client = api("leader")
    url = reverse("surveyline-list")
    assert [x["id"] for x in results(client.get(url, {"unresolved": "true"}))] == [inventory["unresolved"].pk]
    assert [x["id"] for x in results(client.get(url, {"unresolved": "false"}))] == [inventory["line"].pk]
    assert len(results(client.get(url, {"report": inventory["report"].pk}))) == 2
    line = client.get(reverse("surveyline-detail", args=[inventory["line"].pk])).json()
    assert (line["substance"], line["substance_cas"], line["substance_name"], line["enterprise_name"]) == (
        inventory["dcm"].pk, "75-09-2", "二氯甲烷", "朔城某化工有限公司")
    assert Decimal(line["emissions_total"]) == Decimal("0.8")


def test_review_chain_over_the_api(api, inventory):
    staff, county, leader = api("bureau_staff"), api("county_staff"), api("leader")
    report = inventory["report"]
    report_url = reverse("surveyreport-detail", args=[report.pk])

    def state():
        return staff.get(report_url).json()["state"]

    added = staff.post(reverse("surveyline-list"), {"report": report.pk, "raw_name": "三氯甲烷", "raw_cas": "67663",
                                                   "activity": "use", "quantity": "3"}, format="json")
    assert added.status_code == 201, added.content
    tcm = added.json()["id"]
    assert added.json()["raw_cas"] == "67-66-3" and added.json()["substance"] is None
    assert leader.post(reverse("surveyreport-submit", args=[report.pk])).status_code == 403
    submitted = staff.post(reverse("surveyreport-submit", args=[report.pk]))
    assert submitted.status_code == 200 and submitted.json()["state"] == "submitted"
    # the city waits for the county; leaders never review
    assert staff.post(reverse("surveyreport-review", args=[report.pk]), {"approve": True},
                      format="json").status_code == 403
    assert leader.post(reverse("surveyreport-review", args=[report.pk]), {"approve": True},
                       format="json").status_code == 403
    returned = county.post(reverse("surveyreport-review", args=[report.pk]),
                           {"approve": False, "line_reasons": {str(tcm): "年使用量与台账不符，请核实"}}, format="json")
    assert returned.status_code == 200, returned.content
    lines = {x["id"]: x for x in returned.json()["lines"]}
    assert returned.json()["state"] == "returned"
    assert lines[tcm]["returned"] is True and lines[tcm]["return_reason"] == "年使用量与台账不符，请核实"
    assert lines[inventory["line"].pk]["returned"] is False
    corrected = staff.patch(reverse("surveyline-detail", args=[tcm]), {"quantity": "2.6"}, format="json")
    assert corrected.status_code == 200 and corrected.json()["returned"] is False
    assert Decimal(corrected.json()["quantity"]) == Decimal("2.6")
    assert staff.post(reverse("surveyreport-submit", args=[report.pk])).json()["state"] == "submitted"
    assert county.post(reverse("surveyreport-review", args=[report.pk]), {"approve": True},
                       format="json").json()["state"] == "county_reviewed"
    # the county cannot take the city's step
    assert county.post(reverse("surveyreport-review", args=[report.pk]), {"approve": True},
                       format="json").status_code == 403
    city = staff.post(reverse("surveyreport-review", args=[report.pk]),
                      {"approve": True, "on_site": True, "note": "现场核查无误"}, format="json")
    assert city.json()["state"] == "city_reviewed"
    accepted = staff.post(reverse("surveyreport-review", args=[report.pk]), {"approve": True}, format="json")
    assert accepted.status_code == 200 and accepted.json()["state"] == "accepted"
    assert accepted.json()["accepted_at"] is not None and state() == "accepted"
    assert [(r["level"], r["outcome"], r["on_site"]) for r in accepted.json()["reviews"]] == [
        ("county", "returned", False), ("county", "approved", False), ("city", "approved", True),
        ("accept", "approved", False)]
    assert ReviewRecord.objects.get(level="city").note == "现场核查无误"
    # an accepted report's lines are closed, and it cannot be reviewed again
    closed = staff.patch(reverse("surveyline-detail", args=[tcm]), {"quantity": "9"}, format="json")
    assert closed.status_code == 400 and "不能" in str(closed.json())
    again = staff.post(reverse("surveyreport-review", args=[report.pk]), {"approve": True}, format="json")
    assert again.status_code == 400 and again.json() == {"non_field_errors": ["该报告当前不在待审核状态。"]}


def test_submission_with_errors_is_400_with_the_problems_in_chinese(api, inventory):
    SurveyLine.objects.filter(pk=inventory["unresolved"].pk).update(raw_cas="67-66-4")
    response = api("bureau_staff").post(reverse("surveyreport-submit", args=[inventory["report"].pk]))
    assert response.status_code == 400
    [problem] = response.json()["problems"]
    assert problem.startswith("第 2 行（某助剂）填报CAS号：") and "67-66-3" in problem
    assert SurveyReport.objects.get().state == "draft"


def test_return_without_reason_is_400(api, inventory):
    api("bureau_staff").post(reverse("surveyreport-submit", args=[inventory["report"].pk]))
    response = api("county_staff").post(reverse("surveyreport-review", args=[inventory["report"].pk]),
                                        {"approve": False, "reason": " "}, format="json")
    assert response.status_code == 400 and response.json() == {"reason": ["请填写退回原因。"]}
    bad_keys = api("county_staff").post(reverse("surveyreport-review", args=[inventory["report"].pk]),
                                        {"approve": False, "line_reasons": {"x": "y"}}, format="json")
    assert bad_keys.status_code == 400 and "line_reasons" in bad_keys.json()
    assert SurveyReport.objects.get().state == "submitted"


def test_line_delete_and_bad_cas(api, inventory):
    staff = api("bureau_staff")
    bad = staff.post(reverse("surveyline-list"), {"report": inventory["report"].pk, "raw_name": "甲苯",
                                                 "raw_cas": "108-88-4", "activity": "use", "quantity": "1"},
                     format="json")
    assert bad.status_code == 400 and bad.json() == {"raw_cas": ["CAS号 108-88-4 校验位错误，应为 108-88-3。"]}
    linked = staff.post(reverse("surveyline-list"), {"report": inventory["report"].pk, "raw_name": "二氯甲烷",
                                                    "raw_cas": "75092", "activity": "produce", "quantity": "1"},
                        format="json")
    assert linked.status_code == 201 and linked.json()["substance"] == inventory["dcm"].pk
    assert staff.delete(reverse("surveyline-detail", args=[linked.json()["id"]])).status_code == 204
    assert SurveyLine.objects.count() == 2
    assert api("county_staff").post(reverse("surveyline-list"), {
        "report": SurveyReport.objects.create(campaign=inventory["campaign"],
                                              enterprise=inventory["other_enterprise"]).pk,
        "raw_name": "甲苯", "activity": "use", "quantity": "1"}, format="json").status_code == 404


def test_curation_resolve_links_lines_with_the_same_raw_name(api, inventory):
    other_report = SurveyReport.objects.create(campaign=inventory["campaign"], enterprise=inventory["other_enterprise"])
    same = SurveyLine.objects.create(report=other_report, raw_name="某助剂", raw_cas="", activity="use", quantity=2)
    different = SurveyLine.objects.create(report=other_report, raw_name="另一助剂", activity="use", quantity=2)
    url = reverse("surveyline-resolve", args=[inventory["unresolved"].pk])
    response = api("bureau_staff").post(url, {"substance": inventory["pfos"].pk, "apply_to_same": True},
                                        format="json")
    assert response.status_code == 200 and response.json() == {"linked": 2}
    linked = set(SurveyLine.objects.filter(substance=inventory["pfos"]).values_list("pk", flat=True))
    assert linked == {inventory["unresolved"].pk, same.pk}
    assert SurveyLine.objects.get(pk=different.pk).substance is None
    assert SurveyLine.objects.get(pk=same.pk).raw_name == "某助剂"  # as reported, kept
    queue = results(api("leader").get(reverse("surveyline-list"), {"unresolved": "true"}))
    assert [x["id"] for x in queue] == [different.pk]


def test_county_curation_links_only_its_own_lines(api, inventory):
    other_report = SurveyReport.objects.create(campaign=inventory["campaign"], enterprise=inventory["other_enterprise"])
    same = SurveyLine.objects.create(report=other_report, raw_name="某助剂", raw_cas="", activity="use", quantity=2)
    url = reverse("surveyline-resolve", args=[inventory["unresolved"].pk])
    response = api("county_staff").post(url, {"substance": inventory["pfos"].pk}, format="json")
    assert response.json() == {"linked": 1}
    assert SurveyLine.objects.get(pk=same.pk).substance is None


# ---------------------------------------------------------------- monitoring
def test_monitoring_results_filters_and_detection_frequency(api, inventory):
    from inventory.models import MonitoringResult, SamplingEvent

    later = SamplingEvent.objects.create(site=inventory["site"], sampled_on=datetime.date(2023, 8, 1))
    MonitoringResult.objects.create(sampling=later, substance=inventory["pfos"], unit="μg/L", detected=False,
                                    detection_limit=Decimal("0.001"))
    client = api("leader")
    url = reverse("monitoringresult-list")
    assert [r["sampled_on"] for r in results(client.get(url))] == ["2023-08-01", "2023-07-01"]
    assert [r["id"] for r in results(client.get(url, {"detected": "true"}))] == [inventory["result"].pk]
    assert results(client.get(url, {"site": inventory["site"].pk + 1})) == []
    assert len(results(client.get(url, {"substance": inventory["pfos"].pk}))) == 2
    freq = client.get(reverse("monitoringresult-detection-frequency"))
    assert freq.status_code == 200
    assert freq.json() == [{"substance": inventory["pfos"].pk, "cas": "1763-23-1", "name_zh": "全氟辛基磺酸",
                            "samples": 2, "detected": 1, "frequency": 0.5}]
    freq_url = reverse("monitoringresult-detection-frequency")
    assert client.get(freq_url, {"region": "140603"}).json() == []
    assert client.get(freq_url, {"substances": str(inventory["dcm"].pk)}).json() == []
    assert client.get(freq_url, {"region": "150000"}).status_code == 404
    assert client.get(freq_url, {"substances": "x"}).status_code == 400
    assert names(client.get(reverse("monitoringsite-list"), {"region": "140602"}), "code") == ["SZ-W-001"]
    assert names(client.get(reverse("monitoringsite-list"), {"region": "140603"}), "code") == []


# ---------------------------------------------------------------- query counts
def add_enterprises(inventory, regions, n, start):
    """n enterprises of the county, each with a report in the campaign and two lines."""
    for i in range(start, start + n):
        enterprise = Enterprise.objects.create(credit_code=f"91140602MA0K{i:06d}", name=f"企业{i:03d}",
                                               region=regions["county"], contact_name="王五",
                                               contact_phone="13700001111")
        report = SurveyReport.objects.create(campaign=inventory["campaign"], enterprise=enterprise)
        SurveyLine.objects.create(report=report, substance=inventory["dcm"], raw_name="二氯甲烷", activity="use",
                                  quantity=1)
        SurveyLine.objects.create(report=report, raw_name="某助剂", activity="use", quantity=1)


# list name: (role, exact number of queries)
LISTS = {
    "enterprise-list": ("leader", 8),  # session, user, roles, department, region, page, 2 × permissions (contacts)
    "surveyreport-list": ("bureau_staff", 6),  # session, user, roles, department, region, page
    "surveyline-list": ("county_staff", 6),
}


@pytest.mark.parametrize("name", sorted(LISTS))
def test_list_endpoints_issue_a_fixed_number_of_queries(name, api, inventory, regions):
    role, expected = LISTS[name]
    client = api(role)
    url = reverse(name)

    def measure():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
        assert response.status_code == 200
        return len(queries), len(response.json()["results"])

    client.get(url)
    add_enterprises(inventory, regions, 1, 0)  # with the fixture's: 2 enterprises, 2 reports
    few = measure()
    add_enterprises(inventory, regions, 18, 1)  # 20 enterprises, 20 reports, 40 lines
    many = measure()
    assert few[1] < many[1]
    assert (few[0], many[0]) == (expected, expected)
