"""双随机、一公开: enterprises and inspectors drawn at random from a recorded seed (the same seed always gives the
same result, a recorded draw is never redrawn with another seed), stratified by county or risk with proportional
allocation, conflicts of interest taken out before the inspectors are drawn; inspections recorded by a drawn
inspector or the bureau, each rectification a task of the plan that reminders cover; approval by someone other
than the recorder; only approved results published, and only their public fields."""
import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.loader import render_to_string
from django.utils import timezone

from controls import selectors, services
from controls.models import Inspection, InspectionDraw, InspectionFinding, Rectification
from portal.models import AuditEvent
from tasks import reminders
from tasks.models import ReminderDispatch, Task
from tests.factories import UserFactory

from .inspection_setup import TODAY, drawn, inspection_world, make_draw, record

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture
def world(users, departments, regions):
    return inspection_world(users, departments, regions)


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def messages_of(exc):
    return " ".join(m for values in exc.message_dict.values() for m in values) if hasattr(exc, "error_dict") \
        else " ".join(exc.messages)


def picks(draw):
    return [(d["enterprise"], d["inspectors"]) for d in draw.result["drawn"]]


def names(ids):
    return set(selectors.enterprise_names(ids).values())


# ---------------------------------------------------------------- the draw

def test_the_same_seed_returns_the_recorded_result_and_another_seed_is_refused(users, world):
    staff = users["bureau_staff"]
    draw = services.draw_run(actor=staff, draw=make_draw(world, staff, n_enterprises=3), seed="2024-05-10-公证")
    first = (draw.seed, picks(draw), draw.drawn_at)
    assert draw.status == "drawn" and draw.drawn_by == staff and len(first[1]) == 3
    assert Inspection.objects.filter(draw=draw).count() == 3
    again = services.draw_run(actor=staff, draw=draw, seed="2024-05-10-公证")
    assert (again.seed, picks(again), again.drawn_at) == first
    assert services.draw_run(actor=staff, draw=draw).result == draw.result  # no seed: the recorded draw
    with pytest.raises(ValidationError) as refused:
        services.draw_run(actor=staff, draw=draw, seed="another")
    assert refused.value.error_dict["seed"][0].code == "seed_mismatch"
    assert Inspection.objects.filter(draw=draw).count() == 3
    assert InspectionDraw.objects.get(pk=draw.pk).result == draw.result


def test_two_draws_with_the_same_inputs_and_seed_give_the_same_result(users, world):
    staff = users["bureau_staff"]
    one = services.draw_run(actor=staff, draw=make_draw(world, staff, n_enterprises=3), seed="s-42")
    two = services.draw_run(actor=staff, draw=make_draw(world, staff, n_enterprises=3, pool=world["pool"][::-1]),
                            seed="s-42")
    three = services.draw_run(actor=staff, draw=make_draw(world, staff, n_enterprises=3), seed="s-43")
    assert picks(one) == picks(two)  # the pool's order as given does not matter: inputs are sorted by id
    assert picks(one) != picks(three)


def test_the_sampling_is_pinned_so_it_is_the_same_in_every_process():
    """The same seed and inputs give these exact ids in any run, process or machine (random.Random seeded with a
    string hashes it with SHA-512; no set or dict order is involved)."""
    import random

    rng = random.Random("抽查-2024-001")
    enterprises = services._sample_enterprises(rng, [([11, 12, 13, 14, 15], 2), ([21, 22, 23], 1)])
    inspectors, short = services._sample_inspectors(rng, enterprises, [101, 102, 103, 104, 105], {11: {101}}, 2)
    assert enterprises == [13, 15, 23]
    assert (inspectors, short) == ({13: [101, 105], 15: [103, 102], 23: [104, 101]}, [])


def test_a_seed_is_generated_and_recorded_when_none_is_given(users, world):
    staff = users["bureau_staff"]
    draw = services.draw_run(actor=staff, draw=make_draw(world, staff))
    assert len(draw.seed) == 16 and draw.result["seed"] == draw.seed
    assert services.draw_verify(draw)["matches"] is True
    with pytest.raises(ValidationError):
        services.draw_run(actor=staff, draw=make_draw(world, staff), seed="x" * 65)


def test_verification_recomputes_the_draw_and_notices_a_changed_record(users, world):
    staff = users["bureau_staff"]
    draw = drawn(world, staff, strata={"by": "county"}, exclude_same_county=True, n_enterprises=3)
    check = services.draw_verify(draw)
    assert check["matches"] and check["allocation_ok"] and check["sample_ok"] and check["records_ok"]
    inspection = draw.inspections.first()
    outsider = next(u for u in world["pool"] if u not in inspection.inspectors.all())
    inspection.inspectors.add(outsider)  # someone slips into an inspection
    check = services.draw_verify(draw)
    assert not check["matches"] and not check["records_ok"] and check["sample_ok"]
    draw.result["seed"] = "forged"
    assert services.draw_verify(draw)["sample_ok"] is False
    assert services.draw_verify(make_draw(world, staff)) == {"drawn": False, "matches": False}


@pytest.mark.parametrize("sizes, n, expected", [
    ([3, 2], 3, [2, 1]),          # quotas 1.8 / 1.2: floors 1 / 1, the remainder to the larger fraction
    ([3, 2], 2, [1, 1]),          # 1.2 / 0.8
    ([2, 3], 4, [2, 2]),          # 1.6 / 2.4: the 0.6 beats the 0.4
    ([10, 1, 1], 3, [1, 1, 1]),   # 2.5 / 0.25 / 0.25: each non-empty stratum gets one when n allows
    ([10, 1, 1], 2, [2, 0, 0]),   # n smaller than the number of strata: plain largest remainder
    ([5, 5], 3, [2, 1]),          # a tie goes to the earlier stratum
    ([4], 4, [4]),
])
def test_allocation_is_proportional_by_largest_remainder(sizes, n, expected):
    alloc, quotas = services._allocate(sizes, n)
    assert alloc == expected and sum(alloc) == n and all(a <= s for a, s in zip(alloc, sizes, strict=True))


def test_stratified_by_county_each_county_gets_its_proportional_share(users, world, regions):
    staff = users["bureau_staff"]
    draw = services.draw_run(actor=staff, draw=make_draw(world, staff, n_enterprises=3, strata={"by": "county"}),
                             seed="county-1")
    strata = {s["label"]: (len(s["members"]), s["quota"], s["n"]) for s in draw.result["strata"]}
    assert strata == {"朔城区": (3, "1.80", 2), "平鲁区": (2, "1.20", 1)}
    regions_drawn = [i.enterprise.region.name for i in draw.inspections.select_related("enterprise__region")]
    assert sorted(regions_drawn) == ["平鲁区", "朔城区", "朔城区"]


def test_stratified_by_risk_enterprises_on_two_or_more_entries_are_higher_risk(users, world):
    staff = users["bureau_staff"]
    draw = services.draw_run(actor=staff, draw=make_draw(world, staff, n_enterprises=2, strata={"by": "risk"}),
                             seed="risk-1")
    high, normal = draw.result["strata"]
    assert high["key"] == "high" and names(high["members"]) == {"朔城甲化工有限公司", "平鲁丁化工有限公司"}
    assert normal["key"] == "normal" and len(normal["members"]) == 3
    assert (high["n"], normal["n"]) == (1, 1)
    assert len({d["enterprise"] for d in draw.result["drawn"]} & set(high["members"])) == 1


def test_only_listed_enterprises_of_the_region_are_drawn_never_removed_ones(users, world, regions):
    staff = users["bureau_staff"]
    draw = drawn(world, staff)
    assert set(draw.result["candidates"]) == {e.pk for e in world["enterprises"]}
    assert world["removed"].pk not in draw.result["candidates"]
    county = services.draw_run(actor=staff, draw=make_draw(world, staff, region=regions["county"], n_enterprises=3,
                                                           n_inspectors=1, pool=[users["county_staff"]]), seed="c")
    assert names(county.result["candidates"]) == {"朔城甲化工有限公司", "朔城乙材料有限公司", "朔城丙制药有限公司"}


def test_too_many_enterprises_asked_for_is_refused(users, world):
    staff = users["bureau_staff"]
    with pytest.raises(ValidationError) as refused:
        services.draw_run(actor=staff, draw=make_draw(world, staff, n_enterprises=6), seed="x")
    assert refused.value.code == "too_few_enterprises"


# ---------------------------------------------------------------- conflicts of interest

def test_the_enterprises_contact_person_is_never_drawn_to_inspect_it(users, world):
    staff = users["bureau_staff"]
    draw = drawn(world, staff, n_inspectors=4)
    jia = world["enterprises"][0]
    exclusions = [(x["enterprise"], x["inspector"], x["reasons"]) for x in draw.result["exclusions"]]
    assert exclusions == [(jia.pk, world["contact_inspector"].pk, ["contact_name", "contact_phone"])]
    inspection = draw.inspections.get(enterprise=jia)
    assert world["contact_inspector"] not in inspection.inspectors.all() and inspection.inspectors.count() == 4
    # phone alone is enough
    world["contact_inspector"].real_name = "李明明"
    world["contact_inspector"].save()
    again = drawn(world, staff, seed="other")
    assert [x["reasons"] for x in again.result["exclusions"]] == [["contact_phone"]]


def test_inspectors_of_the_enterprises_county_are_excluded_when_the_draw_says_so(users, world):
    staff = users["bureau_staff"]
    draw = drawn(world, staff, exclude_same_county=True, n_inspectors=3)
    county_ids = {e.pk for e in world["enterprises"][:3]}
    sibling_ids = {e.pk for e in world["enterprises"][3:]}
    same_county = {(x["enterprise"], x["inspector"]) for x in draw.result["exclusions"] if "same_county" in x["reasons"]}
    assert same_county == ({(e, users["county_staff"].pk) for e in county_ids}
                           | {(e, world["sibling_inspector"].pk) for e in sibling_ids})
    for inspection in draw.inspections.prefetch_related("inspectors"):
        chosen = {u.pk for u in inspection.inspectors.all()}
        assert not chosen & {x["inspector"] for x in draw.result["exclusions"]
                             if x["enterprise"] == inspection.enterprise_id}
    assert not any("same_county" in x["reasons"] for x in drawn(world, staff, seed="no").result["exclusions"])


def test_an_enterprise_with_too_few_eligible_inspectors_is_named(users, world):
    staff = users["bureau_staff"]
    draw = make_draw(world, staff, n_enterprises=5, n_inspectors=4, exclude_same_county=True)
    with pytest.raises(ValidationError) as refused:
        services.draw_run(actor=staff, draw=draw, seed="x")
    text = messages_of(refused.value)
    assert refused.value.code == "too_few_inspectors"
    assert "朔城甲化工有限公司" in text and "朔城乙材料有限公司" not in text and "平鲁丁化工有限公司" not in text
    draw.refresh_from_db()
    assert draw.status == "draft" and not draw.inspections.exists()


# ---------------------------------------------------------------- creating a draw

def test_a_draw_needs_a_list_in_force_a_published_plan_and_an_active_pool_of_its_region(users, world, departments):
    staff = users["bureau_staff"]
    cases = {
        "n_enterprises": {"n_enterprises": 0},
        "n_inspectors": {"n_inspectors": 0},
        "pool": {"pool": []},
        "title": {"title": " "},
        "strata": {"strata": {"by": "industry"}},
    }
    for field, change in cases.items():
        with pytest.raises(ValidationError) as refused:
            make_draw(world, staff, **change)
        assert field in refused.value.error_dict, field
    outsider = UserFactory(department=departments["other_bureau"], real_name="巴特尔", roles=["bureau_staff"])
    gone = UserFactory(department=departments["bureau"], real_name="离职者", roles=["bureau_staff"])
    gone.is_active = False
    gone.save()
    with pytest.raises(ValidationError) as refused:
        make_draw(world, staff, pool=[*world["pool"], outsider, gone])
    assert "巴特尔" in messages_of(refused.value) and "离职者" in messages_of(refused.value)
    with pytest.raises(ValidationError) as refused:
        make_draw(world, staff, n_inspectors=6)
    assert "pool" in refused.value.error_dict
    world["list"].status = "draft"
    world["list"].save()
    world["plan"].status = "draft"
    world["plan"].save()
    with pytest.raises(ValidationError) as refused:
        make_draw(world, staff)
    assert {"list", "plan"} <= set(refused.value.error_dict)


def test_leaders_officers_and_other_regions_may_not_draw(users, world, regions):
    for who in ("leader", "department_officer"):
        with pytest.raises(PermissionDenied):
            make_draw(world, users[who])
    with pytest.raises(PermissionDenied):  # the county's staff cannot draw for the city
        make_draw(world, users["county_staff"])
    draw = make_draw(world, users["bureau_staff"])
    for who in ("leader", "department_officer", "county_staff"):
        with pytest.raises(PermissionDenied):
            services.draw_run(actor=users[who], draw=draw, seed="x")


def test_every_step_is_audited(users, world, media):
    staff, other = users["bureau_staff"], world["city_inspector"]
    draw = drawn(world, staff, n_inspectors=1)
    inspection = draw.inspections.first()
    recorder = inspection.inspectors.first()
    record(inspection, recorder)
    services.inspection_approve(actor=staff if recorder != staff else other, inspection=inspection)
    rectification = Rectification.objects.get(finding__inspection=inspection)
    services.rectification_verify(actor=staff, rectification=rectification, note="复查已整改")
    services.draw_publish(actor=staff, draw=draw)
    actions = list(AuditEvent.objects.filter(object_type__startswith="controls.").values_list("action", flat=True))
    for action in ("inspection_draw.create", "inspection_draw.run", "inspection.record", "inspection.approve",
                   "rectification.verify", "inspection_draw.publish"):
        assert action in actions, action
    run = AuditEvent.objects.get(action="inspection_draw.run")
    assert run.actor == staff and run.after["seed"] == draw.seed


# ---------------------------------------------------------------- recording and rectification

def test_a_rectification_becomes_a_task_of_the_plan_that_reminders_cover_and_verification_closes_it(
        users, world, departments):
    staff = users["bureau_staff"]
    officer = UserFactory(username="bureau_officer", department=departments["bureau"], roles=["department_officer"])
    draw = drawn(world, staff)
    inspection = draw.inspections.select_related("enterprise").first()
    deadline = TODAY() + datetime.timedelta(days=20)
    record(inspection, inspection.inspectors.first(), findings=[
        {"measure": None, "text": "危险废物台账不完整", "requirement": "完善危险废物管理台账", "deadline": deadline}])
    rectification = Rectification.objects.select_related("task").get(finding__inspection=inspection)
    task = rectification.task
    assert task.plan == world["plan"] and task.deadline == deadline
    assert [(a.department, a.is_lead) for a in task.assignments.all()] == [(departments["bureau"], True)]
    assert inspection.enterprise.name in task.title and "危险废物台账不完整" in task.title
    assert "完善危险废物管理台账" in task.text

    def at(day):
        return timezone.make_aware(datetime.datetime.combine(day, datetime.time(9, 0)))

    reminders.reminders_scan(now=at(deadline - datetime.timedelta(days=7)))
    assert ReminderDispatch.objects.filter(task=task, kind="deadline", recipient=officer).exists()
    reminders.reminders_scan(now=at(deadline + datetime.timedelta(days=1)))
    assert ReminderDispatch.objects.filter(task=task, kind="overdue", recipient=officer).exists()

    rectification = services.rectification_verify(actor=staff, rectification=rectification, note="现场复查，台账已完善")
    assert (rectification.status, rectification.verified_by) == ("closed", staff)
    assert Task.objects.get(pk=task.pk).status == "closed"
    with pytest.raises(ValidationError):
        services.rectification_verify(actor=staff, rectification=rectification, note="再次")


def test_verification_needs_a_note_and_the_bureaus_permission(users, world):
    staff = users["bureau_staff"]
    draw = drawn(world, staff)
    inspection = draw.inspections.first()
    record(inspection, staff)
    rectification = Rectification.objects.get(finding__inspection=inspection)
    with pytest.raises(ValidationError):
        services.rectification_verify(actor=staff, rectification=rectification, note=" ")
    for who in ("leader", "department_officer", "county_staff"):
        with pytest.raises(PermissionDenied):
            services.rectification_verify(actor=users[who], rectification=rectification, note="已整改")


def test_a_finding_against_an_applicable_measure_is_kept_with_it(users, world, media):
    staff = users["bureau_staff"]
    draw = drawn(world, staff)
    jia = draw.inspections.get(enterprise=world["enterprises"][0])  # on entries 1 and 2
    pdf = SimpleUploadedFile("现场照片.pdf", PDF, content_type="application/pdf")
    record(jia, staff, result="compliant", findings=[
        {"measure": world["measures"][2].pk, "text": "危废标识齐全", "requirement": "", "deadline": None}],
        files=[pdf])
    jia.refresh_from_db()
    assert (jia.result, jia.recorded_by, jia.inspected_on) == ("compliant", staff, TODAY())
    finding = InspectionFinding.objects.get(inspection=jia)
    assert finding.measure == world["measures"][2] and not finding.rectifications.exists()
    attachment = jia.attachments.get()
    assert attachment.content_type == "application/pdf" and attachment.original_name == "现场照片.pdf"
    with pytest.raises(ValidationError) as refused:
        record(jia, staff)
    assert refused.value.code == "recorded"


@pytest.mark.parametrize("case", ["deadline before", "deadline same day", "future date", "no requirement",
                                  "no deadline", "inapplicable measure", "unknown measure", "unsupported file",
                                  "program", "no finding", "empty text", "compliant with rectification",
                                  "bad result"])
def test_bad_input_is_refused_and_nothing_is_saved(case, users, world, media):
    staff = users["bureau_staff"]
    draw = drawn(world, staff)
    inspection = draw.inspections.get(enterprise=world["enterprises"][1])  # 乙: on entry 1 only
    today = TODAY()
    good = {"measure": world["measures"][1].pk, "text": "替代进度滞后", "requirement": "限期完成替代",
            "deadline": today + datetime.timedelta(days=30)}
    kwargs = {"result": "rectify", "findings": [good], "files": [], "inspected_on": today}
    expect = "findings"
    if case == "deadline before":
        kwargs["findings"] = [{**good, "deadline": today - datetime.timedelta(days=1)}]
    elif case == "deadline same day":
        kwargs["findings"] = [{**good, "deadline": today}]
    elif case == "future date":
        kwargs["inspected_on"], expect = today + datetime.timedelta(days=1), "inspected_on"
    elif case == "no requirement":
        kwargs["findings"] = [{**good, "requirement": ""}]
    elif case == "no deadline":
        kwargs["findings"] = [{**good, "deadline": None}]
    elif case == "inapplicable measure":
        kwargs["findings"] = [{**good, "measure": world["measures"][3].pk}]  # entry 3: not in 乙's basis
    elif case == "unknown measure":
        kwargs["findings"] = [{**good, "measure": 999999}]
    elif case == "unsupported file":
        kwargs["files"], expect = [SimpleUploadedFile("照片.gif", b"GIF89a" + b"\x00" * 40)], "files"
    elif case == "program":
        kwargs["files"], expect = [SimpleUploadedFile("报告.pdf", b"MZ\x90\x00" + b"\x00" * 40)], "files"
    elif case == "no finding":
        kwargs["findings"] = []
    elif case == "empty text":
        kwargs["findings"] = [{**good, "text": "  "}]
    elif case == "compliant with rectification":
        kwargs["result"] = "compliant"
    elif case == "bad result":
        kwargs["result"], expect = "fine", "result"
    with pytest.raises(ValidationError) as refused:
        record(inspection, staff, **kwargs)
    assert expect in refused.value.error_dict, refused.value
    if case == "inapplicable measure":
        assert "壬基酚" in messages_of(refused.value) and "朔城乙材料有限公司" in messages_of(refused.value)
    inspection.refresh_from_db()
    assert inspection.recorded_at is None and inspection.result == ""
    assert not InspectionFinding.objects.exists() and not Rectification.objects.exists()
    assert not Task.objects.filter(plan=world["plan"]).exists() and not inspection.attachments.exists()


def test_only_a_drawn_inspector_or_the_bureau_records(users, world, departments):
    staff, officer = users["bureau_staff"], users["department_officer"]
    # the officer (no inspection permission of their own) is in the pool: drawn, they may record
    draw = drawn(world, staff, pool=[officer, world["city_inspector"]], n_inspectors=2, n_enterprises=2)
    inspection = draw.inspections.first()
    assert officer in inspection.inspectors.all()
    for who in ("leader", "county_staff"):
        with pytest.raises(PermissionDenied):
            record(inspection, users[who])
    record(inspection, officer)
    assert Inspection.objects.get(pk=inspection.pk).recorded_by == officer
    other = draw.inspections.exclude(pk=inspection.pk).first()
    other.inspectors.remove(officer)
    with pytest.raises(PermissionDenied):
        record(other, officer)
    record(other, staff)  # the bureau's staff of the region, not drawn


# ---------------------------------------------------------------- approval and publication

def test_the_recorder_cannot_approve_their_own_record(users, world):
    staff, colleague = users["bureau_staff"], world["city_inspector"]
    draw = drawn(world, staff)
    inspection = draw.inspections.first()
    with pytest.raises(ValidationError):
        services.inspection_approve(actor=colleague, inspection=inspection)  # not recorded yet
    record(inspection, staff)
    with pytest.raises(PermissionDenied):
        services.inspection_approve(actor=staff, inspection=inspection)
    for who in ("leader", "department_officer", "county_staff"):
        with pytest.raises(PermissionDenied):
            services.inspection_approve(actor=users[who], inspection=inspection)
    approved = services.inspection_approve(actor=colleague, inspection=inspection)
    assert approved.approved and approved.approved_by == colleague
    with pytest.raises(ValidationError):
        services.inspection_approve(actor=colleague, inspection=inspection)


def test_only_approved_results_are_published_with_only_their_public_fields(users, world, regions, media):
    staff, colleague = users["bureau_staff"], world["city_inspector"]
    draw = drawn(world, staff)
    with pytest.raises(ValidationError):
        services.draw_publish(actor=staff, draw=draw)  # nothing approved
    jia = draw.inspections.get(enterprise=world["enterprises"][0])
    yi = draw.inspections.get(enterprise=world["enterprises"][1])
    record(jia, staff, files=[SimpleUploadedFile("检查笔录.pdf", PDF)], summary="联系人李明陪同检查")
    record(yi, staff, result="compliant", findings=[])
    services.inspection_approve(actor=colleague, inspection=jia)
    for who in ("leader", "department_officer"):
        with pytest.raises(PermissionDenied):
            services.draw_publish(actor=users[who], draw=draw)
    draw, published = services.draw_publish(actor=staff, draw=draw)
    assert published == 1 and draw.status == "published" and draw.published_at is not None
    assert set(Inspection.objects.filter(draw=draw, published=True)) == {jia}

    rows = selectors.public_inspections(region=regions["city"])
    assert len(rows) == 1
    row = rows[0]
    assert set(row) == {"enterprise", "credit_code", "region", "inspected_on", "result", "findings"}
    assert (row["enterprise"], row["region"], row["inspected_on"]) == ("朔城甲化工有限公司", "朔城区", TODAY())
    assert row["findings"][0]["text"] == "危险废物贮存场所未设置标识"
    assert row["findings"][0]["rectifications"][0]["deadline"] == TODAY() + datetime.timedelta(days=30)
    assert selectors.public_inspections(region=regions["sibling"]) == []
    html = render_to_string("controls/partials/_public_inspections.html", {"inspections": rows})
    assert "朔城甲化工有限公司" in html and "危险废物贮存场所未设置标识" in html
    leaks = [*(u.real_name for u in jia.inspectors.all()), staff.real_name, colleague.real_name, "李明",
             "13900001111", "139-0000-1111", "检查笔录", "联系人"]
    assert not [leak for leak in leaks if leak in html or leak in str(rows)]
    assert "data-testid=\"public-inspections\"" not in render_to_string(
        "controls/partials/_public_inspections.html", {"inspections": []})

    services.inspection_approve(actor=colleague, inspection=yi)  # approved later: published by a second call
    assert services.draw_publish(actor=staff, draw=draw)[1] == 1
    assert len(selectors.public_inspections(region=regions["city"])) == 2
