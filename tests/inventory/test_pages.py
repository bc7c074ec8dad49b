"""The inventory pages as bureau staff, county reviewers and leaders use them: the survey report's
review chain through the forms, contacts masked for those without the right, region scoping,
exports protected against formula injection, the curation queue."""
import csv
import io
from decimal import Decimal

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import translation

from inventory.models import Enterprise, ReviewRecord, SurveyLine
from portal.models import AuditEvent


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def login(users, role):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(users[role])
    return client


def flashed(response):
    return [str(m) for m in response.context["messages"]] if response.context else []


def post(client, url, data=None):
    return client.post(url, data or {}, follow=True)


def test_survey_report_goes_up_the_review_chain_through_the_pages(users, inventory):
    report, line = inventory["report"], inventory["line"]
    staff, county = login(users, "bureau_staff"), login(users, "county_staff")
    detail = reverse("inventory:report_detail", args=[report.pk])

    # A line with a wrong CAS check digit is refused with the reason; nothing is added.
    response = post(staff, reverse("inventory:line_add", args=[report.pk]),
                    {"new-raw_name": "三氯甲烷", "new-raw_cas": "67-66-4", "new-activity": "use", "new-quantity": "2"})
    assert any("67-66-4" in m and "校验位" in m for m in flashed(response)), flashed(response)
    assert report.lines.count() == 2
    # Full-width digits are normalised, and the line is linked to the substance with that CAS.
    post(staff, reverse("inventory:line_add", args=[report.pk]),
         {"new-raw_name": "二氯甲烷（二车间）", "new-raw_cas": "７５－０９－２", "new-activity": "produce",
          "new-quantity": "40"})
    added = report.lines.get(raw_name="二氯甲烷（二车间）")
    assert (added.raw_cas, added.substance_id) == ("75-09-2", inventory["dcm"].pk)

    response = post(staff, reverse("inventory:report_submit", args=[report.pk]))
    assert "已提交审核。" in flashed(response)
    report.refresh_from_db()
    assert report.state == "submitted"

    # The city cannot review before the county; the county sees the review panel and returns one line.
    page = staff.get(detail)
    assert page.context["review_level"] is None
    page = county.get(detail)
    assert page.context["review_level"] == "county"
    response = post(county, reverse("inventory:report_review", args=[report.pk]),
                    {"decision": "return", f"line_reason_{line.pk}": "数量与台账不符，请核实"})
    report.refresh_from_db()
    line.refresh_from_db()
    assert report.state == "returned"
    assert (line.returned, line.return_reason) == (True, "数量与台账不符，请核实")
    page = staff.get(detail)
    assert "数量与台账不符，请核实" in page.content.decode()

    # Bureau staff correct the line and submit again.
    response = post(staff, reverse("inventory:line_edit", args=[report.pk, line.pk]),
                    {f"l{line.pk}-raw_name": "二氯甲烷", f"l{line.pk}-raw_cas": "75-09-2",
                     f"l{line.pk}-activity": "use", f"l{line.pk}-quantity": "10.5",
                     f"l{line.pk}-emission_air": "0.8"})
    line.refresh_from_db()
    assert (line.quantity, line.returned) == (Decimal("10.5"), False)
    post(staff, reverse("inventory:report_submit", args=[report.pk]))
    report.refresh_from_db()
    assert report.state == "submitted"

    post(county, reverse("inventory:report_review", args=[report.pk]), {"decision": "approve"})
    report.refresh_from_db()
    assert report.state == "county_reviewed"
    # Lines cannot be changed while the report is under review.
    response = post(staff, reverse("inventory:line_delete", args=[report.pk, line.pk]))
    assert SurveyLine.objects.filter(pk=line.pk).exists()
    assert any("审核" in m for m in flashed(response))

    post(staff, reverse("inventory:report_review", args=[report.pk]), {"decision": "approve", "on_site": "on",
                                                                      "note": "现场核查台账一致"})
    report.refresh_from_db()
    assert report.state == "city_reviewed"
    post(staff, reverse("inventory:report_review", args=[report.pk]), {"decision": "approve"})
    report.refresh_from_db()
    assert report.state == "accepted" and report.accepted_at is not None
    assert list(ReviewRecord.objects.filter(report=report).values_list("level", "outcome")) == [
        ("county", "returned"), ("county", "approved"), ("city", "approved"), ("accept", "approved")]
    assert ReviewRecord.objects.get(report=report, level="city").on_site is True
    assert AuditEvent.objects.filter(action="survey_line.update", object_id=str(line.pk)).exists()


def test_returning_without_a_reason_is_refused(users, inventory):
    report = inventory["report"]
    report.state = "submitted"
    report.save()
    response = post(login(users, "county_staff"), reverse("inventory:report_review", args=[report.pk]),
                    {"decision": "return"})
    report.refresh_from_db()
    assert report.state == "submitted"
    assert any("原因" in m for m in flashed(response)), flashed(response)


def test_contacts_are_masked_for_leaders_and_shown_to_bureau_staff(users, inventory):
    url = reverse("inventory:enterprise_list")
    staff_page = login(users, "bureau_staff").get(url).content.decode()
    leader_page = login(users, "leader").get(url).content.decode()
    assert "13800001234" in staff_page and "张三" in staff_page
    assert "13800001234" not in leader_page and "138****1234" in leader_page and "张*" in leader_page
    export = login(users, "leader").get(url, {"export": "csv"}).content.decode("utf-8-sig")
    assert "13800001234" not in export and "138****1234" in export


def test_county_users_see_only_their_county(users, inventory):
    county = login(users, "county_staff")
    names = {e.name for e in county.get(reverse("inventory:enterprise_list")).context["page"]}
    assert names == {"朔城某化工有限公司"}
    assert county.get(reverse("inventory:enterprise_detail", args=[inventory["other_enterprise"].pk])).status_code == 404


def test_export_cells_cannot_carry_formulas(users, inventory):
    Enterprise.objects.filter(pk=inventory["enterprise"].pk).update(name='=HYPERLINK("http://x","点我")')
    response = login(users, "bureau_staff").get(reverse("inventory:enterprise_list"), {"export": "csv"})
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig"))))
    assert rows[0][0] == "统一社会信用代码"
    assert rows[1][1].startswith("'=")


def test_enterprise_form_names_the_wrong_credit_code_and_keeps_nothing(users, regions, inventory):
    client = login(users, "bureau_staff")
    data = {"credit_code": "91110000600037341I", "name": "某新企业", "region": regions["county"].pk}
    response = client.post(reverse("inventory:enterprise_create"), data)
    assert response.status_code == 200
    assert response.context["form"].errors["credit_code"]
    assert not Enterprise.objects.filter(name="某新企业").exists()
    # A legacy code failing only the check is kept once the user confirms it, and the override is audited.
    data.update(credit_code="91110000600037341X", confirm_legacy_code="on")
    response = client.post(reverse("inventory:enterprise_create"), data, follow=True)
    created = Enterprise.objects.get(name="某新企业")
    assert created.credit_code_override is True
    assert AuditEvent.objects.filter(action="enterprise.create", object_id=str(created.pk)).exists()
    # A region outside the user's scope cannot be chosen.
    response = login(users, "county_staff").post(reverse("inventory:enterprise_create"), {
        "credit_code": "91140603MA0K00001C", "name": "越权", "region": regions["sibling"].pk})
    assert "region" in response.context["form"].errors


def test_curation_links_every_line_reported_under_the_same_name(users, inventory):
    other = inventory["report"].lines.create(raw_name="某助剂", raw_cas="", activity="produce", quantity=Decimal(1))
    client = login(users, "bureau_staff")
    queue = client.get(reverse("inventory:curation")).context["page"].object_list
    assert [(r["raw_name"], r["n"]) for r in queue] == [("某助剂", 2)]
    response = post(client, reverse("inventory:line_resolve", args=[inventory["unresolved"].pk]),
                    {"cas": "75092", "apply_to_same": "on"})
    assert SurveyLine.objects.filter(pk__in=[other.pk, inventory["unresolved"].pk], substance=inventory["dcm"]).count() == 2
    assert SurveyLine.objects.get(pk=other.pk).raw_name == "某助剂"
    assert not client.get(reverse("inventory:curation")).context["page"].object_list
    assert any("2" in m for m in flashed(response))


def test_search_finds_substances_by_cas_without_hyphens_and_by_synonym(users, inventory):
    client = login(users, "leader")
    found = lambda q: {s.name_zh for s in client.get(reverse("inventory:substance_list"), {"q": q}).context["page"]}  # noqa: E731
    assert found("75092") == {"二氯甲烷"}
    assert found("DCM") == {"二氯甲烷"}
    assert found("1763-23-1") == {"全氟辛基磺酸"}
    group = {s.name_zh for s in client.get(reverse("inventory:substance_list"),
                                           {"group": inventory["group"].pk}).context["page"]}
    assert group == {"全氟辛基磺酸"}


def test_review_queue_shows_each_level_its_own_reports(users, inventory):
    report = inventory["report"]
    report.state = "submitted"
    report.save()
    queue = lambda role: [r.pk for r in login(users, role).get(reverse("inventory:report_list"), {"queue": "review"}  # noqa: E731
                                                               ).context["page"]]
    assert queue("county_staff") == [report.pk]
    assert queue("bureau_staff") == []
    report.state = "county_reviewed"
    report.save()
    assert (queue("county_staff"), queue("bureau_staff")) == ([], [report.pk])


def test_quantities_are_shown_as_written(users, inventory):
    page = login(users, "bureau_staff").get(reverse("inventory:report_detail", args=[inventory["report"].pk]))
    text = page.content.decode()
    assert ">12.5<" in text and "12.5000" not in text
    from inventory.templatetags.inventory_tags import plain_number

    assert [plain_number(Decimal(v)) for v in ("100.0000", "0.0000", "0.0120", "1E+2")] == ["100", "0", "0.012", "100"]


def test_number_filters_accept_text_and_decimals():
    from inventory.templatetags.inventory_tags import percent, plain_number

    assert (plain_number("196.0000"), plain_number("abc"), plain_number(None)) == ("196", "abc", "")
    assert (percent("0.7500"), percent(Decimal("0.0833")), percent("")) == ("75%", "8.3%", "")
