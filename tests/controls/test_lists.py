"""Editing control lists: editions copied and compared, entries with their CAS numbers (duplicates flagged for
single substances, allowed for groups), proposals from risk assessments as draft entries, a new edition put in
force superseding the old one with the bureau's decisions carried over, and dated measures that create tasks."""
import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from controls import selectors, services
from controls.choices import Jurisdiction, ListKind, MeasureType
from controls.models import ControlEntry, ControlledEnterprise, ControlList
from portal.models import AuditEvent
from tasks.models import TaskLink
from tests.factories import ActionPlanFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def national(db, inventory):
    services.reference_lists_load()
    return ControlList.objects.get(kind="national_key")


@pytest.fixture
def staff(users):
    return users["bureau_staff"]


@pytest.fixture
def supplement(staff, regions, national):
    return services.list_save(actor=staff, kind=ListKind.LOCAL_SUPPLEMENT, name="朔州市重点管控新污染物补充清单",
                              edition="2024年版", year=2024, jurisdiction=Jurisdiction.CITY, region=regions["city"],
                              base=national, effective_on=datetime.date(2024, 7, 1))


def test_a_city_list_is_created_as_a_draft_in_scope_only(staff, users, regions, supplement):
    assert supplement.status == "draft" and supplement.base.kind == "national_key"
    with pytest.raises(ValidationError) as exc:
        services.list_save(actor=users["county_staff"], kind=ListKind.LOCAL_SUPPLEMENT, name="补充清单",
                           edition="2024年版", year=2024, jurisdiction=Jurisdiction.CITY, region=regions["city"])
    assert "region" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.list_save(actor=staff, kind=ListKind.NATIONAL_KEY, name="清单", edition="x", year=2024,
                           jurisdiction=Jurisdiction.NATIONAL)
    assert "jurisdiction" in exc.value.message_dict
    with pytest.raises(PermissionDenied):
        services.list_save(actor=users["leader"], kind=ListKind.LOCAL_SUPPLEMENT, name="补充清单", edition="x",
                           year=2024, jurisdiction=Jurisdiction.CITY, region=regions["city"])


def test_entry_cas_numbers_are_checked_and_a_duplicate_substance_is_flagged_but_groups_may_overlap(
        staff, supplement):
    entry, warnings = services.entry_save(actor=staff, clist=supplement, name="二氯甲烷", category="toxic",
                                          cas_text="75-09-2")
    assert warnings == [] and entry.number == 1
    _dup, warnings = services.entry_save(actor=staff, clist=supplement, name="二氯甲烷（重复）", category="toxic",
                                         cas_text="75092")
    assert len(warnings) == 1 and "75-09-2" in warnings[0] and "1（二氯甲烷）" in warnings[0]
    group_a, warnings = services.entry_save(actor=staff, clist=supplement, name="全氟化合物A类", is_group=True,
                                            category="pop", cas_text="1763-23-1, 335-67-1")
    assert warnings == []
    _group_b, warnings = services.entry_save(actor=staff, clist=supplement, name="全氟化合物B类", is_group=True,
                                             category="pop", cas_text="335-67-1")
    assert warnings == []  # two groups may cover the same compound
    with pytest.raises(ValidationError) as exc:
        services.entry_save(actor=staff, clist=supplement, name="坏号", category="toxic", cas_text="75-09-3")
    assert "75-09-3" in exc.value.message_dict["cas"][0]
    with pytest.raises(ValidationError) as exc:
        services.entry_save(actor=staff, clist=supplement, name="两个号", category="toxic",
                            cas_text="75-09-2 67-66-3")
    assert "cas" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.entry_save(actor=staff, clist=supplement, number=1, name="同号", category="toxic")
    assert "number" in exc.value.message_dict
    assert ControlEntry.objects.filter(list=supplement).count() == 4  # nothing half-saved
    assert sorted(group_a.entry_substances.values_list("cas", flat=True)) == ["1763-23-1", "335-67-1"]


def test_a_list_in_force_is_not_edited_in_place(staff, supplement):
    entry, _ = services.entry_save(actor=staff, clist=supplement, name="二氯甲烷", category="toxic", cas_text="75-09-2")
    services.list_put_in_force(actor=staff, clist=supplement)
    with pytest.raises(ValidationError):
        services.entry_save(actor=staff, clist=supplement, entry=entry, name="改名", category="toxic")
    with pytest.raises(ValidationError):
        services.measure_save(actor=staff, entry=entry, type=MeasureType.BAN_USE)


def test_a_new_edition_copies_the_entries_and_the_diff_shows_what_changed(staff, departments, supplement):
    dcm, _ = services.entry_save(actor=staff, clist=supplement, name="二氯甲烷", code="L1", category="toxic",
                                 cas_text="75-09-2")
    services.measure_save(actor=staff, entry=dcm, type=MeasureType.EMISSION_LIMIT, scope="废气排放",
                          departments=[departments["bureau"]])
    services.entry_save(actor=staff, clist=supplement, name="三氯甲烷", code="L2", category="toxic", cas_text="67-66-3")
    services.list_put_in_force(actor=staff, clist=supplement)
    with pytest.raises(ValidationError):
        services.list_edition_create(actor=staff, clist=supplement, edition="2024年版", year=2024)
    new = services.list_edition_create(actor=staff, clist=supplement, edition="2025年版", year=2025,
                                       effective_on=datetime.date(2025, 7, 1))
    assert new.status == "draft" and new.previous == supplement
    copied = {e.code: e for e in new.entries.all()}
    assert set(copied) == {"L1", "L2"} and list(copied["L1"].measures.get().departments.all()) == [departments["bureau"]]
    with pytest.raises(ValidationError):
        services.list_edition_create(actor=staff, clist=supplement, edition="2026年版", year=2026)  # one draft
    services.entry_save(actor=staff, clist=new, entry=copied["L1"], name="二氯甲烷", code="L1", category="toxic",
                        cas_text="75-09-2\n56-23-5", is_group=True)
    services.entry_delete(actor=staff, entry=copied["L2"])
    services.entry_save(actor=staff, clist=new, name="壬基酚", code="L3", category="edc", cas_text="25154-52-3")
    diff = selectors.list_diff(old=supplement, new=new)
    assert [e.code for e in diff["added"]] == ["L3"] and [e.code for e in diff["removed"]] == ["L2"]
    (change,) = diff["changed"]
    assert change["cas_added"] == ["56-23-5"] and [c["after"] for c in change["changes"]] == [True]
    assert AuditEvent.objects.filter(action="control_list.edition", object_id=str(new.pk)).exists()


def test_putting_an_edition_in_force_supersedes_the_old_one_and_keeps_the_bureaus_decisions(
        staff, inventory, supplement):
    services.entry_save(actor=staff, clist=supplement, name="二氯甲烷", category="toxic", cas_text="75-09-2")
    services.list_put_in_force(actor=staff, clist=supplement)
    report = inventory["report"]
    report.state = "accepted"
    report.save()
    services.controlled_enterprises_derive(actor=staff, clist=supplement)
    listed = ControlledEnterprise.objects.get(list=supplement, enterprise=inventory["enterprise"])
    services.controlled_enterprise_decide(actor=staff, controlled=listed, action="confirm", evidence="现场核实")
    new = services.list_edition_create(actor=staff, clist=supplement, edition="2025年版", year=2025,
                                       effective_on=datetime.date(2025, 1, 1))
    services.list_put_in_force(actor=staff, clist=new)
    supplement.refresh_from_db()
    assert supplement.status == "superseded"
    carried = ControlledEnterprise.objects.get(list=new, enterprise=inventory["enterprise"])
    assert carried.status == "confirmed" and carried.evidence == "现场核实"
    assert carried.basis["entries"][0]["cas"] == "75-09-2"  # recomputed for the new edition


def test_an_empty_or_undated_edition_cannot_come_into_force(staff, supplement):
    supplement.effective_on = None
    supplement.save()
    with pytest.raises(ValidationError) as exc:
        services.list_put_in_force(actor=staff, clist=supplement)
    assert len(exc.value.messages) == 2
    supplement.refresh_from_db()
    assert supplement.status == "draft"


def test_proposals_from_approved_assessments_arrive_as_draft_entries(staff, users, regions, inventory, supplement):
    from screening.models import ControlProposal, RiskAssessment
    assessment = RiskAssessment.objects.create(substance=inventory["dcm"], region=regions["city"], title="二氯甲烷风险评估",
                                               created_by=staff)
    proposal = ControlProposal.objects.create(assessment=assessment, substance=inventory["dcm"], region=regions["city"],
                                              measures="限制在清洗剂中的使用")
    (entry,) = services.proposals_take(actor=staff, clist=supplement)
    assert entry.proposal == proposal and entry.summary == "限制在清洗剂中的使用" and entry.to_confirm
    assert list(entry.entry_substances.values_list("cas", flat=True)) == ["75-09-2"]
    proposal.refresh_from_db()
    assert proposal.status == "accepted"
    assert services.proposals_take(actor=staff, clist=supplement) == []  # taken once
    services.entry_delete(actor=staff, entry=entry)
    proposal.refresh_from_db()
    assert proposal.status == "open"  # back in the queue


def test_an_exemption_end_date_creates_a_task_for_the_responsible_departments(staff, users, departments, regions,
                                                                            national):
    plan = ActionPlanFactory(region=regions["city"])
    pfos = national.entries.get(number=1)
    exemption = pfos.measures.get(type=MeasureType.EXEMPTION, ends_on__isnull=False)
    task, created = services.measure_task_create(actor=staff, measure=exemption, plan=plan,
                                                 departments=[departments["bureau"], departments["agri"]],
                                                 days_after=30)
    assert created and task.deadline == exemption.ends_on + datetime.timedelta(days=30)
    assert "豁免用途" in task.title and exemption.ends_on.isoformat() in task.title
    assert [(a.department, a.is_lead) for a in task.assignments.order_by("order")] == [
        (departments["bureau"], True), (departments["agri"], False)]
    assert TaskLink.objects.filter(task=task, object_id=exemption.pk).exists()
    again, created = services.measure_task_create(actor=staff, measure=exemption, plan=plan,
                                                  departments=[departments["bureau"]])
    assert again == task and not created
    from tasks.models import Task
    assert Task.objects.visible_to(users["department_officer"]).filter(pk=task.pk).exists()
    assert departments["agri"].pk in services.measure_departments(exemption)


def test_measure_task_bad_inputs(staff, users, departments, regions, national):
    pfos = national.entries.get(number=1)
    exemption = pfos.measures.get(type=MeasureType.EXEMPTION, ends_on__isnull=False)
    draft_plan = ActionPlanFactory(region=regions["city"], status="draft")
    with pytest.raises(ValidationError) as exc:
        services.measure_task_create(actor=staff, measure=exemption, plan=draft_plan, departments=[departments["bureau"]])
    assert "plan" in exc.value.message_dict
    plan = ActionPlanFactory(region=regions["city"])
    with pytest.raises(ValidationError) as exc:
        services.measure_task_create(actor=staff, measure=exemption, plan=plan, departments=[])
    assert "departments" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.measure_task_create(actor=staff, measure=exemption, plan=plan, departments=[departments["other_bureau"]])
    assert "departments" in exc.value.message_dict
    undated = pfos.measures.filter(effective_on__isnull=True, ends_on__isnull=True).first()
    if undated is None:
        undated = pfos.measures.create(type=MeasureType.MONITORING)
    with pytest.raises(ValidationError):
        services.measure_task_create(actor=staff, measure=undated, plan=plan, departments=[departments["bureau"]])
    with pytest.raises(PermissionDenied):
        services.measure_task_create(actor=users["leader"], measure=exemption, plan=plan,
                                     departments=[departments["bureau"]])
    assert not TaskLink.objects.exists()
