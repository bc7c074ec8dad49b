"""The controls API (/api/v1/controls/): lists with their entries, CAS numbers and measures, editions and their
diff, the controlled-enterprise list with its basis (survey figures hidden from those who may not read surveys),
decisions, implementation status and publications, measure tasks, draws and inspections; the bad inputs each
answered by the services' rule (400 naming the field, 403), region scoping, permissions per role, fixed query
counts."""
import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation
from rest_framework.test import APIClient

from controls import services
from controls.choices import ListKind
from controls.models import ControlEntry, ControlledEnterprise, ControlList, ControlMeasure, Inspection
from inventory.models import Enterprise
from portal.models import AuditEvent
from tasks.models import Task
from tests.conftest import assert_statuses
from tests.factories import DepartmentFactory, UserFactory

from .api_matrix import CONTROLS_API_MATRIX
from .inspection_setup import credit_code, inspection_world, make_draw, record
from .matrix import controls_matrix_objects

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def national(db):
    return ControlList.objects.create(kind="national_key", name="重点管控新污染物清单", edition="2023年版", year=2023,
                                      jurisdiction="national", status="in_force",
                                      effective_on=datetime.date(2023, 3, 1))


@pytest.fixture
def ctl(users, regions, inventory, national):
    return controls_matrix_objects(users, regions, inventory, national)


def results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


def city_list(users, regions, name="朔州市新污染物补充管控清单", edition="2024年版", **kw):
    return services.list_save(actor=users["bureau_staff"], kind=ListKind.LOCAL_SUPPLEMENT, name=name, edition=edition,
                              year=2024, jurisdiction="city", region=regions["city"],
                              effective_on=datetime.date(2024, 1, 1), **kw)


# ---------------------------------------------------------------- permission matrix
@pytest.mark.parametrize("name", sorted(CONTROLS_API_MATRIX))
def test_controls_api_permission_matrix(name, client_for, users, regions, inventory, national):
    method, kwargs, expected, data = CONTROLS_API_MATRIX[name]
    f = {"inv": inventory, "ctl": controls_matrix_objects(users, regions, inventory, national)}
    url = reverse(name, kwargs=kwargs(f) if kwargs else None)
    assert_statuses(client_for, method, url, expected, data=data(f) if data else None)


def test_the_matrix_covers_every_url_of_the_router():
    from controls.api.urls import urlpatterns

    assert {p.name for p in urlpatterns} == set(CONTROLS_API_MATRIX)


WRITES = {
    "create list": ("post", "control-list-list", None,
                    lambda c: {"name": "补充清单", "edition": "2025年版", "year": 2025, "jurisdiction": "city",
                               "region": "140600"}),
    "new edition": ("post", "control-list-edition", "list", lambda c: {"edition": "2026年版", "year": 2026}),
    "in force": ("post", "control-list-in-force", "draft", lambda c: {}),
    "take proposals": ("post", "control-list-take-proposals", "draft", lambda c: {}),
    "create entry": ("post", "control-entry-list", None, lambda c: {"list": c["draft"].pk, "name": "三氯甲烷"}),
    "update entry": ("patch", "control-entry-detail", "draft_entry", lambda c: {"name": "改名"}),
    "delete entry": ("delete", "control-entry-detail", "draft_entry", lambda c: {}),
    "create measure": ("post", "control-measure-list", None, lambda c: {"entry": c["draft_entry"].pk,
                                                                        "type": "monitoring"}),
    "update measure": ("patch", "control-measure-detail", "draft_measure", lambda c: {"scope": "改"}),
    "delete measure": ("delete", "control-measure-detail", "draft_measure", lambda c: {}),
    "measure task": ("post", "control-measure-task", "exemption", lambda c: {"plan": 1}),
    "add enterprise": ("post", "control-controlled-enterprise-list", None,
                       lambda c: {"list": c["list"].pk, "enterprise": "91140603MA0K00001C", "entries": [1],
                                  "evidence": "排污许可证"}),
    "decide": ("post", "control-controlled-enterprise-decide", "controlled", lambda c: {"action": "confirm"}),
    "publish": ("post", "control-controlled-publication-publish", None,
                lambda c: {"list": c["list"].pk, "region": "140600"}),
}


@pytest.mark.parametrize("case", sorted(WRITES))
def test_writes_are_refused_to_leaders_officers_admins_and_anonymous(case, api, ctl):
    method, name, obj, data = WRITES[case]
    url = reverse(name, kwargs={"pk": ctl[obj].pk} if obj else None)
    before = AuditEvent.objects.count()
    got = {who: getattr(api(who), method)(url, data(ctl), format="json").status_code
           for who in ("anonymous", "leader", "department_officer", "system_admin", "audit_admin")}
    assert got == {"anonymous": 401, "leader": 403, "department_officer": 403, "system_admin": 403,
                   "audit_admin": 403}
    assert AuditEvent.objects.count() == before
    assert ControlList.objects.count() == 3 and ControlEntry.objects.count() == 2
    assert ControlMeasure.objects.count() == 2 and ControlledEnterprise.objects.count() == 1


# ---------------------------------------------------------------- lists, entries, measures
def test_lists_are_filtered_and_read_with_entries_cas_numbers_and_measures(api, users, departments, ctl):
    services.measure_save(actor=None, entry=ctl["entry"], measure=ctl["exemption"],
                          departments=[departments["agri"]], verified=True)
    client = api("department_officer")
    listed = results(client.get(reverse("control-list-list")))
    assert {row["name"] for row in listed} == {"重点管控新污染物清单", "朔州市补充清单"}
    assert len(listed) == 3
    draft = next(row for row in listed if row["status"] == "draft")
    assert (draft["edition"], draft["region"], draft["previous"], draft["n_entries"]) == \
        ("2025年版", "140600", ctl["city"].pk, 1)
    assert [r["id"] for r in results(client.get(reverse("control-list-list"), {"kind": "national_key"}))] == \
        [ctl["list"].pk]
    assert {r["id"] for r in results(client.get(reverse("control-list-list"), {"status": "in_force"}))} == \
        {ctl["list"].pk, ctl["city"].pk}
    assert client.get(reverse("control-list-list"), {"status": "nonsense"}).status_code == 400

    detail = client.get(reverse("control-list-detail", args=[ctl["list"].pk])).json()
    assert (detail["jurisdiction"], detail["region"], detail["n_entries"]) == ("national", None, 1)
    (entry,) = detail["entries"]
    assert (entry["number"], entry["is_group"], entry["cas"]) == (1, True, [])
    (measure,) = entry["measures"]
    assert (measure["type"], measure["scope"], measure["effective_on"], measure["ends_on"], measure["verified"]) == \
        ("exemption", "灭火泡沫", "2023-03-01", "2023-12-31", True)
    assert [d["name"] for d in measure["departments"]] == ["朔州市农业农村局"]
    draft_detail = client.get(reverse("control-list-detail", args=[ctl["draft"].pk])).json()
    assert draft_detail["entries"][0]["cas"] == ["75-09-2"]
    assert client.get(reverse("control-entry-detail", args=[ctl["draft_entry"].pk])).json()["cas"] == ["75-09-2"]
    assert client.get(reverse("control-measure-detail", args=[ctl["exemption"].pk])).json()["type"] == "exemption"


def test_a_supplement_is_created_edited_put_in_force_and_its_next_edition_diffed(api, users, departments):
    client = api("bureau_staff")
    created = client.post(reverse("control-list-list"), {
        "name": "朔州市新污染物补充管控清单", "edition": "2024年版", "year": 2024, "jurisdiction": "city",
        "region": "140600", "effective_on": "2024-07-01"}, format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["kind"], body["status"], body["region"], body["entries"]) == ("local_supplement", "draft", "140600", [])
    pk = body["id"]
    dcm = client.post(reverse("control-entry-list"), {"list": pk, "code": "L1", "name": "二氯甲烷", "category": "toxic",
                                                      "cas": ["75-09-2"]}, format="json")
    assert dcm.status_code == 201, dcm.content
    assert (dcm.json()["number"], dcm.json()["cas"], dcm.json()["warnings"]) == (1, ["75-09-2"], [])
    measure = client.post(reverse("control-measure-list"), {
        "entry": dcm.json()["id"], "type": "emission_limit", "scope": "废气排放",
        "departments": [departments["bureau"].pk]}, format="json")
    assert measure.status_code == 201, measure.content
    assert [d["id"] for d in measure.json()["departments"]] == [departments["bureau"].pk]
    # a partial change keeps the departments it does not name
    patched = client.patch(reverse("control-measure-detail", args=[measure.json()["id"]]), {"scope": "废气和废水排放"},
                           format="json")
    assert patched.status_code == 200 and patched.json()["departments"] == measure.json()["departments"]
    in_force = client.post(reverse("control-list-in-force", args=[pk]))
    assert in_force.status_code == 200 and in_force.json()["status"] == "in_force"

    edition = client.post(reverse("control-list-edition", args=[pk]),
                          {"edition": "2025年版", "year": 2025, "effective_on": "2025-07-01"}, format="json")
    assert edition.status_code == 201, edition.content
    new = edition.json()
    assert (new["status"], new["previous"], [e["code"] for e in new["entries"]]) == ("draft", pk, ["L1"])
    copied = new["entries"][0]["id"]
    changed = client.patch(reverse("control-entry-detail", args=[copied]),
                           {"is_group": True, "cas_text": "75-09-2, 56-23-5"}, format="json")
    assert changed.status_code == 200 and changed.json()["cas"] == ["75-09-2", "56-23-5"]
    added = client.post(reverse("control-entry-list"), {"list": new["id"], "code": "L2", "name": "壬基酚",
                                                        "category": "edc", "cas_text": "25154-52-3"}, format="json")
    assert added.status_code == 201 and added.json()["number"] == 2
    diff = client.get(reverse("control-list-diff", args=[new["id"]])).json()
    assert (diff["list"], diff["previous"]) == (new["id"], pk)
    assert [e["code"] for e in diff["added"]] == ["L2"] and diff["removed"] == []
    (change,) = diff["changed"]
    assert change["entry"]["code"] == "L1" and change["cas_added"] == ["56-23-5"]
    assert [(c["before"], c["after"]) for c in change["changes"]] == [(False, True)]
    # a first edition has nothing to compare with
    assert client.get(reverse("control-list-diff", args=[pk])).status_code == 404
    assert client.delete(reverse("control-entry-detail", args=[added.json()["id"]])).status_code == 204
    assert AuditEvent.objects.filter(action__in=["control_list.create", "control_entry.create",
                                                 "control_measure.create", "control_list.in_force",
                                                 "control_list.edition", "control_entry.delete"]).count() == 7


def test_a_cas_number_already_in_another_entry_is_saved_and_flagged_in_the_warnings(api, ctl):
    response = api("bureau_staff").post(reverse("control-entry-list"), {
        "list": ctl["draft"].pk, "name": "二氯甲烷（另列）", "cas": ["75092"]}, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["cas"] == ["75-09-2"]
    (warning,) = body["warnings"]
    assert "75-09-2" in warning and "二氯甲烷" in warning
    assert AuditEvent.objects.get(action="control_entry.create").detail == warning


def test_bad_cas_numbers_and_both_forms_at_once_are_refused_naming_cas(api, ctl):
    client = api("bureau_staff")
    url = reverse("control-entry-list")
    wrong = client.post(url, {"list": ctl["draft"].pk, "name": "某物质", "cas_text": "75-09-3"}, format="json")
    assert wrong.status_code == 400 and set(wrong.json()) == {"cas"} and "75-09-3" in wrong.json()["cas"][0]
    several = client.post(url, {"list": ctl["draft"].pk, "name": "某物质", "cas": ["75-09-2", "67-66-3"]}, format="json")
    assert several.status_code == 400 and set(several.json()) == {"cas"}
    both = client.post(url, {"list": ctl["draft"].pk, "name": "某物质", "cas": ["67-66-3"], "cas_text": "67-66-3"},
                       format="json")
    assert both.status_code == 400 and set(both.json()) == {"cas"}
    assert ControlEntry.objects.filter(list=ctl["draft"]).count() == 1


def test_an_exemption_ending_before_it_takes_effect_is_refused_naming_ends_on(api, ctl):
    client = api("bureau_staff")
    url = reverse("control-measure-list")
    early = client.post(url, {"entry": ctl["draft_entry"].pk, "type": "exemption", "scope": "实验室用途",
                              "effective_on": "2025-06-01", "ends_on": "2025-01-01"}, format="json")
    assert early.status_code == 400 and set(early.json()) == {"ends_on"}
    open_ended = client.post(url, {"entry": ctl["draft_entry"].pk, "type": "exemption"}, format="json")
    assert open_ended.status_code == 400 and set(open_ended.json()) == {"ends_on"}
    patched = client.patch(reverse("control-measure-detail", args=[ctl["draft_measure"].pk]),
                           {"effective_on": "2025-06-01", "ends_on": "2025-01-01"}, format="json")
    assert patched.status_code == 400 and set(patched.json()) == {"ends_on"}
    assert ctl["draft_entry"].measures.count() == 1


def test_a_list_in_force_is_not_edited_and_a_national_list_not_at_all(api, ctl):
    client = api("bureau_staff")
    entry = client.post(reverse("control-entry-list"), {"list": ctl["city"].pk, "name": "三氯甲烷"}, format="json")
    assert entry.status_code == 400 and set(entry.json()) == {"non_field_errors"}
    assert client.post(reverse("control-list-in-force", args=[ctl["draft"].pk])).status_code == 200
    rename = client.patch(reverse("control-entry-detail", args=[ctl["draft_entry"].pk]), {"name": "改名"},
                          format="json")
    assert rename.status_code == 400 and rename.json()["non_field_errors"]
    measure = client.post(reverse("control-measure-list"), {"entry": ctl["draft_entry"].pk, "type": "ban_use"},
                          format="json")
    assert measure.status_code == 400
    assert client.delete(reverse("control-measure-detail", args=[ctl["draft_measure"].pk])).status_code == 400
    # national lists are reference data
    assert client.patch(reverse("control-entry-detail", args=[ctl["entry"].pk]), {"name": "改名"},
                        format="json").status_code == 403
    assert client.post(reverse("control-list-list"), {"name": "国家清单", "edition": "2026年版", "year": 2026,
                                                      "jurisdiction": "national", "region": "140600"},
                       format="json").status_code == 400
    ctl["draft_entry"].refresh_from_db()
    assert ctl["draft_entry"].name == "二氯甲烷"


def test_a_list_outside_the_users_region_is_refused_naming_region(api, regions):
    response = api("county_staff").post(reverse("control-list-list"), {
        "name": "朔州市补充清单", "edition": "2025年版", "year": 2025, "jurisdiction": "city", "region": "140600"},
        format="json")
    assert response.status_code == 400 and set(response.json()) == {"region"}
    assert not ControlList.objects.exists()


def test_proposals_of_approved_assessments_become_draft_entries(api, users, regions, inventory, ctl):
    from tests.screening.api_matrix import screening_matrix_objects

    screening_matrix_objects(users, regions, inventory)  # an approved assessment of DCM in the city proposes it
    response = api("bureau_staff").post(reverse("control-list-take-proposals", args=[ctl["city"].pk]))
    assert response.status_code == 400  # a list in force
    draft = city_list(users, regions, name="朔州市补充清单（草案）")
    response = api("bureau_staff").post(reverse("control-list-take-proposals", args=[draft.pk]))
    assert response.status_code == 200, response.content
    (entry,) = response.json()["created"]
    assert (entry["name"], entry["cas"], entry["number"]) == ("二氯甲烷", ["75-09-2"], 1)
    assert entry["proposal"] is not None and entry["to_confirm"]


def test_a_dated_measure_becomes_a_task_once_per_plan(api, users, departments, regions, ctl):
    from tests.factories import ActionPlanFactory

    plan = ActionPlanFactory(region=regions["city"])
    client = api("bureau_staff")
    url = reverse("control-measure-task", args=[ctl["exemption"].pk])
    no_department = client.post(url, {"plan": plan.pk}, format="json")
    assert no_department.status_code == 400 and set(no_department.json()) == {"departments"}
    first = client.post(url, {"plan": plan.pk, "departments": [departments["agri"].pk], "days_after": 15},
                        format="json")
    assert first.status_code == 201, first.content
    body = first.json()
    assert (body["deadline"], body["created"]) == ("2024-01-15", True)
    task = Task.objects.get(pk=body["task"])
    assert [a.department for a in task.assignments.all()] == [departments["agri"]]
    again = client.post(url, {"plan": plan.pk, "departments": [departments["agri"].pk]}, format="json")
    assert again.status_code == 200 and again.json() == {**body, "created": False}
    days = client.post(url, {"plan": plan.pk, "departments": [departments["agri"].pk], "days_after": -1},
                       format="json")
    assert days.status_code == 400 and set(days.json()) == {"days_after"}
    draft = client.post(reverse("control-measure-task", args=[ctl["draft_measure"].pk]),
                        {"plan": plan.pk, "departments": [departments["agri"].pk]}, format="json")
    assert draft.status_code == 400  # only the measures of a list in force create tasks
    assert client.post(url, {"plan": 999999}, format="json").status_code == 400


# ---------------------------------------------------------------- the controlled-enterprise list
@pytest.fixture
def derived(users, regions, inventory):
    """A city list in force whose entry (二氯甲烷) the county enterprise's accepted survey line uses: 12.5 t/a."""
    staff = users["bureau_staff"]
    clist = city_list(users, regions)
    services.entry_save(actor=staff, clist=clist, name="二氯甲烷", category="toxic", cas_text="75-09-2")
    report = inventory["report"]
    report.state = "accepted"
    report.save()
    services.list_put_in_force(actor=staff, clist=clist)
    return ControlledEnterprise.objects.get(list=clist, enterprise=inventory["enterprise"])


def test_survey_quantities_of_the_basis_are_hidden_from_those_who_may_not_read_surveys(api, derived):
    url = reverse("control-controlled-enterprise-list")
    detail = reverse("control-controlled-enterprise-detail", args=[derived.pk])
    for who in ("bureau_staff", "leader"):
        (row,) = results(api(who).get(url, {"list": derived.list_id}))
        (basis,) = row["basis"]
        assert (basis["entry"], basis["cas"], basis["activity"], basis["quantity"], basis["year"], basis["lines"]) == \
            (1, "75-09-2", "use", 12.5, 2023, 1)
        assert api(who).get(detail).json()["basis"] == row["basis"]
    (row,) = results(api("department_officer").get(url, {"list": derived.list_id}))
    assert row["basis"] == [{"entry": 1, "entry_name": "二氯甲烷", "cas": "75-09-2", "substance": "二氯甲烷"}]
    assert (row["enterprise_name"], row["region"], row["status"], row["entries"]) == \
        ("朔城某化工有限公司", "140602", "derived", [1])
    assert "张三" not in str(row) and "13800001234" not in str(row)
    officer_detail = api("department_officer").get(detail).json()
    assert officer_detail["basis"] == row["basis"] and "quantity" not in str(officer_detail)


def test_the_controlled_list_is_filtered_and_needs_its_list(api, users, inventory, derived):
    client = api("bureau_staff")
    url = reverse("control-controlled-enterprise-list")
    missing = client.get(url)
    assert missing.status_code == 400 and set(missing.json()) == {"list"}
    assert client.get(url, {"list": "x"}).status_code == 404
    services.controlled_enterprise_add(actor=users["bureau_staff"], clist=derived.list,
                                       enterprise=inventory["other_enterprise"], entries=[1], evidence="排污许可证")

    def ids(**params):
        return {r["enterprise"] for r in results(client.get(url, {"list": derived.list_id, **params}))}

    county, sibling = inventory["enterprise"].pk, inventory["other_enterprise"].pk
    assert ids() == {sibling, county} and ids(entry=1) == {sibling, county}
    assert ids(status="added") == {sibling} and ids(region="140602") == {county}
    assert ids(q="朔城") == {county} and ids(q="91140603") == {sibling}
    assert ids(entry=2) == set() and ids(measure_status="replaced") == set()
    manual = results(client.get(url, {"list": derived.list_id, "status": "added"}))[0]["manual"]
    assert manual == [{"entry": 1, "entry_name": "二氯甲烷"}]


def test_an_enterprise_is_added_by_credit_code_or_id_with_entries_and_evidence(api, inventory, ctl):
    client = api("bureau_staff")
    url = reverse("control-controlled-enterprise-list")
    other = inventory["other_enterprise"]
    empty = client.post(url, {"list": ctl["list"].pk, "enterprise": other.credit_code.lower()}, format="json")
    assert empty.status_code == 400 and set(empty.json()) == {"entries", "evidence"}
    unknown = client.post(url, {"list": ctl["list"].pk, "enterprise": "91110000600037341X", "entries": [1],
                                "evidence": "许可证"}, format="json")
    assert unknown.status_code == 400 and set(unknown.json()) == {"enterprise"}
    added = client.post(url, {"list": ctl["list"].pk, "enterprise": other.credit_code.lower(), "entries": [1],
                              "evidence": "排污许可证"}, format="json")
    assert added.status_code == 201, added.content
    body = added.json()
    assert (body["enterprise"], body["status"], body["manual"], body["evidence"]) == \
        (other.pk, "added", [{"entry": 1, "entry_name": ctl["entry"].name}], "排污许可证")
    assert [m["type"] for e in body["applicable"] for m in e["measures"]] == ["exemption"]
    twice = client.post(url, {"list": ctl["list"].pk, "enterprise": str(other.pk), "entries": [1], "evidence": "再次"},
                        format="json")
    assert twice.status_code == 400 and set(twice.json()) == {"enterprise"}
    # the county staff do not see the sibling county's enterprise
    county = api("county_staff").post(url, {"list": ctl["list"].pk, "enterprise": str(other.pk), "entries": [1],
                                            "evidence": "许可证"}, format="json")
    assert county.status_code == 400 and set(county.json()) == {"enterprise"}


def test_removing_needs_a_reason_and_officers_cannot_decide(api, users, ctl):
    url = reverse("control-controlled-enterprise-decide", args=[ctl["controlled"].pk])
    assert api("department_officer").post(url, {"action": "confirm"}, format="json").status_code == 403
    client = api("bureau_staff")
    no_reason = client.post(url, {"action": "remove", "reason": "  "}, format="json")
    assert no_reason.status_code == 400 and set(no_reason.json()) == {"reason"}
    assert client.post(url, {"action": "archive"}, format="json").status_code == 400
    removed = client.post(url, {"action": "remove", "reason": "已停产并注销"}, format="json")
    assert removed.status_code == 200
    assert (removed.json()["status"], removed.json()["removed_reason"], removed.json()["decided_by"]) == \
        ("removed", "已停产并注销", users["bureau_staff"].real_name)
    confirm = client.post(url, {"action": "confirm"}, format="json")
    assert confirm.status_code == 400 and confirm.json()["non_field_errors"]
    restored = client.post(url, {"action": "restore"}, format="json")
    assert restored.json()["status"] == "confirmed"
    assert AuditEvent.objects.filter(action="controlled.remove", object_id=str(ctl["controlled"].pk)).exists()


def test_measure_status_is_set_by_the_responsible_department_only(api, users, departments, regions, ctl):
    services.measure_save(actor=None, entry=ctl["entry"], measure=ctl["exemption"], departments=[departments["agri"]])
    industry = DepartmentFactory(name="朔州市工业和信息化局", short_name="市工信局", region=regions["city"])
    users["other_officer"] = UserFactory(username="other_officer", department=industry,
                                         roles=["department_officer"])
    url = reverse("control-controlled-enterprise-measure-status", args=[ctl["controlled"].pk])
    data = {"measure": ctl["exemption"].pk, "status": "exempt", "note": "灭火泡沫库存，2023年底前使用完毕"}
    assert api("other_officer").post(url, data, format="json").status_code == 403
    assert api("leader").post(url, data, format="json").status_code == 403
    no_note = api("department_officer").post(url, {**data, "note": ""}, format="json")
    assert no_note.status_code == 400 and set(no_note.json()) == {"note"}
    saved = api("department_officer").post(url, data, format="json")
    assert saved.status_code == 200, saved.content
    assert (saved.json()["status"], saved.json()["note"], saved.json()["measure"]) == \
        ("exempt", data["note"], ctl["exemption"].pk)
    detail = api("other_officer").get(reverse("control-controlled-enterprise-detail", args=[ctl["controlled"].pk]))
    (measure,) = detail.json()["applicable"][0]["measures"]
    assert (measure["status"], measure["note"], measure["status_updated_by"]) == \
        ("exempt", data["note"], users["department_officer"].real_name)
    # a measure of another list does not apply to the enterprise
    other = api("bureau_staff").post(url, {"measure": ctl["draft_measure"].pk, "status": "replaced"}, format="json")
    assert other.status_code == 400 and set(other.json()) == {"measure"}
    bad = api("bureau_staff").post(url, {"measure": ctl["exemption"].pk, "status": "done"}, format="json")
    assert bad.status_code == 400 and set(bad.json()) == {"status"}


def test_a_publication_holds_only_the_public_part_and_is_numbered(api, ctl, inventory):
    client = api("bureau_staff")
    url = reverse("control-controlled-publication-publish")
    published = client.post(url, {"list": ctl["list"].pk, "region": "140600", "note": "首次公开"}, format="json")
    assert published.status_code == 201, published.content
    body = published.json()
    assert (body["number"], body["region"], body["note"]) == (2, "140600", "首次公开")  # after the fixture's
    (row,) = body["snapshot"]["enterprises"]
    assert row["credit_code"] == inventory["enterprise"].credit_code and row["entries"][0]["entry"] == 1
    assert "张三" not in str(body) and "13800001234" not in str(body)
    assert client.post(url, {"list": ctl["draft"].pk, "region": "140600"}, format="json").status_code == 400
    assert client.post(url, {"list": ctl["list"].pk, "region": "150000"}, format="json").status_code == 403
    listed = results(api("department_officer").get(reverse("control-controlled-publication-list"),
                                                    {"list": ctl["list"].pk}))
    assert [p["number"] for p in listed] == [2, 1] and "snapshot" not in listed[0]
    assert results(api("leader").get(reverse("control-controlled-publication-list"), {"region": "140602"})) == []


def test_rows_outside_the_users_region_answer_404(users, departments, ctl):
    nmg = UserFactory(username="nmg_staff", department=departments["other_bureau"], roles=["bureau_staff"])
    client = APIClient()
    client.force_login(nmg)
    assert client.get(reverse("control-list-detail", args=[ctl["list"].pk])).status_code == 200  # national
    for url in (reverse("control-list-detail", args=[ctl["city"].pk]),
                reverse("control-list-diff", args=[ctl["draft"].pk]),
                reverse("control-entry-detail", args=[ctl["draft_entry"].pk]),
                reverse("control-measure-detail", args=[ctl["draft_measure"].pk]),
                reverse("control-controlled-enterprise-detail", args=[ctl["controlled"].pk]),
                reverse("control-controlled-publication-detail", args=[ctl["publication"].pk])):
        assert client.get(url).status_code == 404, url
    assert client.post(reverse("control-controlled-enterprise-decide", args=[ctl["controlled"].pk]),
                       {"action": "confirm"}, format="json").status_code == 404
    assert client.post(reverse("control-list-in-force", args=[ctl["draft"].pk])).status_code == 404
    assert results(client.get(reverse("control-controlled-enterprise-list"), {"list": ctl["list"].pk})) == []
    assert [r["id"] for r in results(client.get(reverse("control-list-list")))] == [ctl["list"].pk]
    entry = client.post(reverse("control-entry-list"), {"list": ctl["draft"].pk, "name": "某物质"}, format="json")
    assert entry.status_code == 400 and set(entry.json()) == {"list"}


def test_token_authentication_reads_the_lists(users, ctl):
    from portal.services import api_token_issue

    _token, key = api_token_issue(user=users["leader"])
    client = APIClient()
    response = client.get(reverse("control-list-list"), HTTP_AUTHORIZATION=f"Token {key}")
    assert response.status_code == 200 and len(response.json()["results"]) == 3
    assert client.get(reverse("control-list-list")).status_code == 401


# ---------------------------------------------------------------- 双随机、一公开
def test_a_draw_is_run_from_its_seed_and_its_approved_inspections_published(api, users, departments, regions):
    world = inspection_world(users, departments, regions)
    draw = make_draw(world, users["bureau_staff"])
    client = api("bureau_staff")
    run = client.post(reverse("control-draw-run", args=[draw.pk]), {"seed": "抽查-2024-001"}, format="json")
    assert run.status_code == 200, run.content
    body = run.json()
    assert (body["status"], body["seed"], body["n_inspections"], len(body["inspections"])) == \
        ("drawn", "抽查-2024-001", 2, 2)
    assert [d["enterprise"] for d in body["result"]["drawn"]] == [i["enterprise"] for i in body["inspections"]]
    same = client.post(reverse("control-draw-run", args=[draw.pk]), {"seed": "抽查-2024-001"}, format="json")
    assert same.status_code == 200 and same.json()["result"] == body["result"]
    other = client.post(reverse("control-draw-run", args=[draw.pk]), {"seed": "另一个"}, format="json")
    assert other.status_code == 400 and set(other.json()) == {"seed"}
    publish = reverse("control-draw-publish", args=[draw.pk])
    assert client.post(publish).status_code == 400  # nothing approved yet

    inspection = Inspection.objects.filter(draw=draw).order_by("pk").first()
    record(inspection, users["bureau_staff"])
    services.inspection_approve(actor=world["city_inspector"], inspection=inspection)
    published = client.post(publish)
    assert published.status_code == 200, published.content
    assert (published.json()["status"], published.json()["published_now"], published.json()["n_published"]) == \
        ("published", 1, 1)

    listed = results(api("leader").get(reverse("control-inspection-list"), {"draw": draw.pk}))
    assert len(listed) == 2 and {i["result"] for i in listed} == {"rectify", ""}
    assert [i["id"] for i in results(client.get(reverse("control-inspection-list"), {"published": "true"}))] == \
        [inspection.pk]
    detail = api("leader").get(reverse("control-inspection-detail", args=[inspection.pk])).json()
    (finding,) = detail["findings"]
    (rectification,) = finding["rectifications"]
    assert (finding["text"], rectification["status"], detail["approved"], detail["published"]) == \
        ("危险废物贮存场所未设置标识", "open", True, True)
    assert rectification["task"] is not None and len(detail["inspectors"]) == 2
    assert results(client.get(reverse("control-draw-list"), {"status": "published"}))[0]["id"] == draw.pk
    assert results(client.get(reverse("control-draw-list"), {"q": "不存在"})) == []
    assert api("department_officer").get(reverse("control-inspection-list")).status_code == 403


# ---------------------------------------------------------------- query counts
def add_lists(users, regions, n, start):
    for i in range(start, start + n):
        city_list(users, regions, name=f"补充清单{i:02d}")


def add_controlled(users, regions, clist, n, start):
    for i in range(start, start + n):
        enterprise = Enterprise.objects.create(credit_code=credit_code(regions["county"], 100 + i),
                                               name=f"企业{i:02d}", region=regions["county"])
        services.controlled_enterprise_add(actor=users["bureau_staff"], clist=clist, enterprise=enterprise,
                                           entries=[1], evidence="排污许可证")


def in_force_list(users, regions):
    clist = city_list(users, regions)
    services.entry_save(actor=users["bureau_staff"], clist=clist, name="二氯甲烷", cas_text="75-09-2")
    return services.list_put_in_force(actor=users["bureau_staff"], clist=clist)


def measure(client, url, params=None):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url, params or {})
    assert response.status_code == 200, response.content
    return len(queries), len(response.json()["results"])


def _lists(users, regions, departments, state, total):
    add_lists(users, regions, total - ControlList.objects.count(), ControlList.objects.count())
    return reverse("control-list-list"), {}


def _controlled(users, regions, departments, state, total):
    if "list" not in state:
        state["list"] = in_force_list(users, regions)
    add_controlled(users, regions, state["list"], total - ControlledEnterprise.objects.count(),
                   ControlledEnterprise.objects.count())
    return reverse("control-controlled-enterprise-list"), {"list": state["list"].pk}


def _publications(users, regions, departments, state, total):
    from controls.models import ControlledEnterpriseListPublication

    if "list" not in state:
        state["list"] = in_force_list(users, regions)
        add_controlled(users, regions, state["list"], 2, 0)
    for _i in range(total - ControlledEnterpriseListPublication.objects.count()):
        services.controlled_list_publish(actor=users["bureau_staff"], clist=state["list"], region=regions["city"])
    return reverse("control-controlled-publication-list"), {}


def _draws(users, regions, departments, state, total):
    from controls.models import InspectionDraw

    if "world" not in state:
        state["world"] = inspection_world(users, departments, regions)
    for i in range(total - InspectionDraw.objects.count()):
        draw = make_draw(state["world"], users["bureau_staff"], title=f"抽查{i}")
        if i % 2:
            services.draw_run(actor=users["bureau_staff"], draw=draw, seed=f"种子{i}")
    return reverse("control-draw-list"), {}


def _inspections(users, regions, departments, state, total):
    if "world" not in state:
        state["world"] = inspection_world(users, departments, regions)
    missing = total - Inspection.objects.count()
    while missing:
        n = min(missing, 5)
        draw = make_draw(state["world"], users["bureau_staff"], n_enterprises=n, title=f"抽查{missing}")
        services.draw_run(actor=users["bureau_staff"], draw=draw, seed=f"种子{missing}")
        missing -= n
    return reverse("control-inspection-list"), {}


# list: (role, rows builder, exact number of queries)
QUERIES = {
    "lists": ("department_officer", _lists, 6),  # session, user, roles, department, region, page
    # session, user, roles, department, region, the list, page, permissions ×2 (survey figures), entry names
    "controlled": ("leader", _controlled, 10),
    "publications": ("leader", _publications, 6),  # session, user, roles, department, region, page
    "draws": ("bureau_staff", _draws, 8),  # session, user, roles, permissions ×2, department, region, page
    # session, user, roles, permissions ×2 (view_inspection), department, region, page, inspectors
    "inspections": ("leader", _inspections, 9),
}


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_lists_issue_a_fixed_number_of_queries(name, api, users, regions, departments, inventory):
    role, build, expected = QUERIES[name]
    client = api(role)
    state, counts = {}, []
    for total in (2, 20):
        url, params = build(users, regions, departments, state, total)
        client.get(url, params)
        counts.append(measure(client, url, params))
    assert [rows for _queries, rows in counts] == [2, 20]
    assert [queries for queries, _rows in counts] == [expected, expected]
