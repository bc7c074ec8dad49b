"""The screening API (/api/v1/screening/): hazard records entered with qualifiers and units, profile
versions, runs with ranked and filtered results and their comparison, tier overrides, the assessment
through approval to a control proposal, region scoping, permissions per role, fixed query counts."""
from decimal import Decimal

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import translation

from inventory.models import Substance
from portal.models import AuditEvent
from screening import services
from screening.models import (
    AssessmentAttachment,
    ControlProposal,
    CriteriaProfile,
    HazardRecord,
    ProfileVersion,
    RiskAssessment,
    ScreeningResult,
    ScreeningRun,
)
from screening.runs import run_execute
from tests.conftest import assert_statuses

from .api_matrix import SCREENING_API_MATRIX, screening_matrix_objects


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def scr(users, regions, inventory):
    return screening_matrix_objects(users, regions, inventory)


@pytest.fixture
def profiles(db):
    services.profiles_load()
    return {p.code: p for p in CriteriaProfile.objects.all()}


def results(response):
    assert response.status_code == 200, response.content
    return response.json()["results"]


def record(actor, substance, endpoint, value="", unit="", **kw):
    return services.hazard_record_save(actor=actor, substance=substance, endpoint=endpoint, entered_value=value,
                                       entered_unit=unit, **kw)


def run_now(users, regions, profile, year=2023, region="city"):
    """A run created as the API does, computed at once (the queued job does not run in tests)."""
    run = services.run_create(actor=users["bureau_staff"], version=profile.current, region=regions[region],
                              year=year)
    return run_execute(run.pk)


# ---------------------------------------------------------------- permission matrix
@pytest.mark.parametrize("name", sorted(SCREENING_API_MATRIX))
def test_screening_api_permission_matrix(name, client_for, users, regions, inventory):
    method, kwargs, expected, data = SCREENING_API_MATRIX[name]
    f = {"inv": inventory, "scr": screening_matrix_objects(users, regions, inventory)}
    url = reverse(name, kwargs=kwargs(f) if kwargs else None)
    assert_statuses(client_for, method, url, expected, data=data(f) if data else None)


def test_the_matrix_covers_every_url_of_the_router():
    from screening.api.urls import urlpatterns

    assert {p.name for p in urlpatterns} == set(SCREENING_API_MATRIX)


WRITES = {
    "create hazard record": ("post", "hazardrecord-list", None,
                             lambda s, inv: {"substance": inv["dcm"].pk, "endpoint": "bcf", "entered_value": "10",
                                             "entered_unit": "L/kg"}),
    "update hazard record": ("patch", "hazardrecord-detail", "record", lambda s, inv: {"entered_value": "1"}),
    "delete hazard record": ("delete", "hazardrecord-detail", "record", lambda s, inv: {}),
    "new profile version": ("post", "criteriaprofile-versions", "profile",
                            lambda s, inv: {"thresholds": s["profiles"]["hj1229"].current.thresholds, "note": "试"}),
    "create run": ("post", "screeningrun-list", None,
                   lambda s, inv: {"version": s["profiles"]["hj1229"].current.pk, "region": "140600", "year": 2023}),
    "override": ("post", "screeningresult-override", "result", lambda s, inv: {"tier": "一般", "reason": "研判"}),
    "create assessment": ("post", "riskassessment-list", None,
                          lambda s, inv: {"substance": inv["dcm"].pk, "region": "140600"}),
    "update assessment": ("patch", "riskassessment-detail", "assessment", lambda s, inv: {"dose_response": "改"}),
    "submit assessment": ("post", "riskassessment-submit", "assessment", lambda s, inv: {}),
}


@pytest.mark.parametrize("case", sorted(WRITES))
def test_writes_are_refused_to_leaders_officers_admins_and_anonymous(case, api, scr, inventory):
    method, name, obj, data = WRITES[case]
    scr = {**scr, "profile": scr["profiles"]["hj1229"]}
    url = reverse(name, kwargs={"pk": scr[obj].pk} if obj else None)
    before = AuditEvent.objects.count()
    got = {who: getattr(api(who), method)(url, data(scr, inventory), format="json").status_code
           for who in ("anonymous", "leader", "department_officer", "system_admin", "audit_admin")}
    assert got == {"anonymous": 401, "leader": 403, "department_officer": 403, "system_admin": 403,
                   "audit_admin": 403}
    assert AuditEvent.objects.count() == before
    assert HazardRecord.objects.count() == 5 and ScreeningRun.objects.count() == 2
    assert ProfileVersion.objects.count() == 3 and RiskAssessment.objects.count() == 2


# ---------------------------------------------------------------- hazard records
def test_hazard_records_are_listed_and_filtered(api, scr, inventory):
    client = api("leader")
    url = reverse("hazardrecord-list")
    everything = results(client.get(url))
    assert len(everything) == 5
    pfos = results(client.get(url, {"substance": inventory["pfos"].pk}))
    assert {r["endpoint"] for r in pfos} == {"bcf", "half_life", "stockholm_listed"}
    assert {r["substance_name"] for r in pfos} == {"全氟辛基磺酸"}
    bcf = results(client.get(url, {"endpoint": "bcf"}))
    assert sorted(Decimal(r["value"]) for r in bcf) == [Decimal("2"), Decimal("2796")]
    assert results(client.get(url, {"endpoint": "bcf", "substance": inventory["dcm"].pk}))[0]["entered_value"] == "2.0"
    assert client.get(url, {"endpoint": "nonsense"}).status_code == 400
    detail = client.get(reverse("hazardrecord-detail", args=[scr["record"].pk])).json()
    assert (detail["substance_cas"], detail["qualifier"], Decimal(detail["value"])) == ("1763-23-1", "=", 2796)


def test_hazard_record_created_with_qualifier_and_converted_unit(api, profiles, inventory):
    client = api("bureau_staff")
    url = reverse("hazardrecord-list")
    bcf = client.post(url, {"substance": inventory["pfos"].pk, "endpoint": "bcf", "entered_value": "≥2000",
                            "entered_unit": "L/kg", "reliability": 1, "source": "test_report",
                            "reference": "OECD 305"}, format="json")
    assert bcf.status_code == 201, bcf.content
    body = bcf.json()
    assert (body["qualifier"], Decimal(body["value"]), body["entered_value"], body["reliability"]) == \
        (">=", Decimal(2000), "≥2000", 1)
    hours = client.post(url, {"substance": inventory["pfos"].pk, "endpoint": "half_life", "entered_value": "48",
                              "entered_unit": "小时", "compartment": "air"}, format="json")
    assert hours.status_code == 201 and Decimal(hours.json()["value"]) == 2
    noec = client.post(url, {"substance": inventory["dcm"].pk, "endpoint": "chronic_noec", "entered_value": "5",
                             "entered_unit": "μg/L"}, format="json")
    assert Decimal(noec.json()["value"]) == Decimal("0.005")
    category = client.post(url, {"substance": inventory["dcm"].pk, "endpoint": "carcinogenicity",
                                 "category": "1B"}, format="json")
    assert category.status_code == 201 and category.json()["category"] == "1B" and category.json()["value"] is None
    # corrected and removed through the service too
    detail = reverse("hazardrecord-detail", args=[hours.json()["id"]])
    patched = client.patch(detail, {"entered_value": "3", "entered_unit": "d"}, format="json")
    assert patched.status_code == 200 and Decimal(patched.json()["value"]) == 3
    assert patched.json()["compartment"] == "air"
    assert client.delete(detail).status_code == 204
    assert HazardRecord.objects.count() == 3
    assert AuditEvent.objects.filter(action__startswith="hazard.").count() == 6


def test_hazard_record_errors_name_the_field(api, profiles, inventory):
    client = api("bureau_staff")
    url = reverse("hazardrecord-list")
    pfos = inventory["pfos"].pk
    unit = client.post(url, {"substance": pfos, "endpoint": "half_life", "entered_value": "3",
                             "entered_unit": "fortnight", "compartment": "soil"}, format="json")
    assert unit.status_code == 400 and set(unit.json()) == {"entered_unit"}
    assert "fortnight" in unit.json()["entered_unit"][0]
    value = client.post(url, {"substance": pfos, "endpoint": "bcf", "entered_value": "很高", "entered_unit": "L/kg"},
                        format="json")
    assert value.status_code == 400 and set(value.json()) == {"entered_value"}
    compartment = client.post(url, {"substance": pfos, "endpoint": "half_life", "entered_value": "3",
                                    "entered_unit": "d"}, format="json")
    assert compartment.status_code == 400 and set(compartment.json()) == {"compartment"}
    category = client.post(url, {"substance": pfos, "endpoint": "stot_re"}, format="json")
    assert category.status_code == 400 and set(category.json()) == {"category"}
    endpoint = client.post(url, {"substance": pfos, "endpoint": "colour"}, format="json")
    assert endpoint.status_code == 400 and set(endpoint.json()) == {"endpoint"}
    assert HazardRecord.objects.count() == 0


# ---------------------------------------------------------------- profiles
def test_profiles_list_their_versions_and_a_new_version_is_checked(api, profiles):
    listed = api("leader").get(reverse("criteriaprofile-list"))
    assert listed.status_code == 200
    assert [p["code"] for p in listed.json()] == ["gbt24782", "hj1229", "stockholm"]
    gbt = listed.json()[0]
    assert [v["number"] for v in gbt["versions"]] == [1] and gbt["current"] == gbt["versions"][0]["id"]
    assert gbt["versions"][0]["thresholds"]["b_bcf"] == "2000"

    client = api("bureau_staff")
    profile = profiles["gbt24782"]
    url = reverse("criteriaprofile-versions", args=[profile.pk])
    thresholds = profile.current.thresholds
    negative = client.post(url, {"thresholds": {**thresholds, "b_bcf": "-1"}, "note": "试"}, format="json")
    assert negative.status_code == 400 and set(negative.json()) == {"thresholds"}
    assert any("b_bcf" in message for message in negative.json()["thresholds"])
    assert client.post(url, {"thresholds": thresholds, "note": " "}, format="json").status_code == 400
    assert client.post(url, {"thresholds": "{not json", "note": "试"}, format="json").status_code == 400
    made = client.post(url, {"thresholds": {**thresholds, "b_bcf": "1000"}, "note": "按新导则调整"}, format="json")
    assert made.status_code == 201, made.content
    assert (made.json()["number"], made.json()["thresholds"]["b_bcf"]) == (2, "1000")
    detail = client.get(reverse("criteriaprofile-detail", args=[profile.pk])).json()
    assert [v["number"] for v in detail["versions"]] == [2, 1] and detail["current"] == made.json()["id"]
    assert ProfileVersion.objects.get(profile=profile, number=1).thresholds["b_bcf"] == "2000"


# ---------------------------------------------------------------- runs and results
@pytest.fixture
def screened(users, regions, inventory, profiles):
    """PFOS and SCCPs with hazard data (PFOS used, dispersively, in the county in 2023); DCM made in
    quantity but of low concern; a substance with no data of concern."""
    staff = users["bureau_staff"]
    pfos, dcm = inventory["pfos"], inventory["dcm"]
    sccp = Substance.objects.create(cas="85535-84-8", name_zh="短链氯化石蜡")
    for substance in (pfos, sccp):
        record(staff, substance, "half_life", "1", "年", compartment="fresh_water")
        record(staff, substance, "stockholm_listed", category="yes")
    record(staff, pfos, "bcf", "2796", "L/kg")
    record(staff, sccp, "bcf", "7816", "L/kg")
    record(staff, dcm, "bcf", "2.0", "L/kg")
    record(staff, dcm, "half_life", "20", "d", compartment="fresh_water")
    report = inventory["report"]
    report.state = "accepted"
    report.save()
    report.lines.create(substance=pfos, raw_name="PFOS", raw_cas="1763-23-1", activity="use", quantity=Decimal("150"),
                        dispersive_use=True)
    return {"pfos": pfos, "sccp": sccp, "dcm": dcm}


def test_a_run_is_created_queued_and_read_with_its_counts(api, users, screened, profiles,
                                                          django_capture_on_commit_callbacks):
    client = api("bureau_staff")
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        created = client.post(reverse("screeningrun-list"), {"version": profiles["hj1229"].current.pk,
                                                             "region": "140600", "year": 2023, "title": "年度筛查"},
                              format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["status"], body["progress"], body["profile"], body["region"], body["title"]) == \
        ("queued", 0, "hj1229", "140600", "年度筛查")
    assert len(callbacks) == 1  # the job is queued when the transaction commits
    run_execute(body["id"])
    detail = client.get(reverse("screeningrun-detail", args=[body["id"]])).json()
    assert (detail["status"], detail["progress"], detail["substances"]) == ("done", 100, 3)
    assert [c["tier"] for c in detail["tier_counts"]] == ["优先评估", "关注", "数据不足", "一般"]
    assert sum(c["count"] for c in detail["tier_counts"]) == 3
    assert {c["tier"]: c["count"] for c in detail["tier_counts"]}["优先评估"] >= 1
    listed = results(client.get(reverse("screeningrun-list")))
    assert [r["id"] for r in listed] == [body["id"]] and "tier_counts" not in listed[0]
    assert results(client.get(reverse("screeningrun-list"), {"profile": "gbt24782"})) == []
    # refused: outside the user's region, unknown version, bad year
    outside = client.post(reverse("screeningrun-list"), {"version": profiles["hj1229"].current.pk,
                                                         "region": "150000", "year": 2023}, format="json")
    assert outside.status_code == 403
    bad = client.post(reverse("screeningrun-list"), {"version": 0, "region": "140600", "year": 20}, format="json")
    assert bad.status_code == 400 and set(bad.json()) == {"version", "year"}


def test_results_are_ranked_and_filtered_by_tier_flag_and_substance(api, users, regions, screened, profiles):
    run = run_now(users, regions, profiles["hj1229"])
    client = api("leader")
    url = reverse("screeningrun-results", args=[run.pk])
    everything = results(client.get(url))
    assert [r["rank"] for r in everything] == [1, 2, 3]
    assert everything[-1]["substance_name"] == "二氯甲烷" and everything[0]["tier"] == "优先评估"
    assert "criteria" not in everything[0] and everything[0]["exposure"] is not None
    first = client.get(url, {"page_size": 1}).json()
    assert "count" not in first and [r["rank"] for r in first["results"]] == [1] and first["next"]
    assert [r["substance_name"] for r in results(client.get(url, {"tier": "一般"}))] == ["二氯甲烷"]
    top = {r["substance"] for r in results(client.get(url, {"tier": "优先评估"}))}
    assert screened["pfos"].pk in top
    flagged = results(client.get(url, {"flag": "INTL"}))
    assert {r["substance"] for r in flagged} == {screened["pfos"].pk, screened["sccp"].pk}
    assert all("INTL" in r["flags"] for r in flagged)
    assert results(client.get(url, {"flag": "no-such-flag"})) == []
    assert [r["substance_name"] for r in results(client.get(url, {"q": "氯化石蜡"}))] == ["短链氯化石蜡"]
    assert [r["substance_cas"] for r in results(client.get(url, {"q": "1763231"}))] == ["1763-23-1"]
    assert [r["substance_cas"] for r in results(client.get(url, {"q": "75-09-2", "tier": "一般"}))] == ["75-09-2"]
    one = client.get(reverse("screeningresult-detail", args=[everything[0]["id"]])).json()
    assert one["criteria"] and one["inputs"] and one["override_reason"] == ""


def test_two_runs_are_compared_by_substance(api, users, regions, screened, profiles):
    staff = users["bureau_staff"]
    before = run_now(users, regions, profiles["hj1229"])
    # New data: DCM turns out to be a carcinogen (1B); a new substance enters with data; SCCPs lose theirs.
    record(staff, screened["dcm"], "carcinogenicity", category="1B")
    newcomer = Substance.objects.create(cas="335-67-1", name_zh="全氟辛酸")
    record(staff, newcomer, "stockholm_listed", category="yes")
    HazardRecord.objects.filter(substance=screened["sccp"]).delete()
    after = run_now(users, regions, profiles["hj1229"])
    client = api("bureau_staff")
    answer = client.get(reverse("screeningrun-compare", args=[after.pk]), {"other": before.pk})
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert (body["run"], body["other"]) == (after.pk, before.pk)
    assert [r["substance"] for r in body["only_in_run"]] == [newcomer.pk]
    assert body["only_in_run"][0]["other_rank"] is None and body["only_in_run"][0]["rank_change"] is None
    assert [r["name_zh"] for r in body["only_in_other"]] == ["短链氯化石蜡"]
    both = {r["substance"]: r for r in body["both"]}
    assert set(both) == {screened["pfos"].pk, screened["dcm"].pk}
    dcm = both[screened["dcm"].pk]
    new_rank = ScreeningResult.objects.get(run=after, substance=screened["dcm"]).rank
    old_rank = ScreeningResult.objects.get(run=before, substance=screened["dcm"]).rank
    assert (dcm["rank"], dcm["other_rank"], dcm["rank_change"]) == (new_rank, old_rank, old_rank - new_rank)
    assert (dcm["other_tier"], dcm["tier"], dcm["tier_changed"], dcm["tier_change"]) == ("一般", "关注", True, "up")
    pfos = both[screened["pfos"].pk]
    assert (pfos["tier"], pfos["other_tier"], pfos["tier_changed"], pfos["tier_change"]) == \
        ("优先评估", "优先评估", False, "same")
    assert client.get(reverse("screeningrun-compare", args=[after.pk])).status_code == 400
    assert client.get(reverse("screeningrun-compare", args=[after.pk]), {"other": "x"}).status_code == 404
    assert client.get(reverse("screeningrun-compare", args=[after.pk]), {"other": 0}).status_code == 404


def test_a_tier_override_needs_a_tier_of_the_profile_and_a_reason(api, users, regions, screened, profiles):
    run = run_now(users, regions, profiles["hj1229"])
    dcm = ScreeningResult.objects.get(run=run, substance=screened["dcm"])
    client = api("bureau_staff")
    url = reverse("screeningresult-override", args=[dcm.pk])
    no_reason = client.post(url, {"tier": "关注"}, format="json")
    assert no_reason.status_code == 400 and set(no_reason.json()) == {"reason"}
    wrong_tier = client.post(url, {"tier": "PBT/vPvB", "reason": "研判"}, format="json")
    assert wrong_tier.status_code == 400 and set(wrong_tier.json()) == {"tier"}
    dcm.refresh_from_db()
    assert dcm.override_tier == ""
    done = client.post(url, {"tier": "关注", "reason": "本地用量大，专家研判提级"}, format="json")
    assert done.status_code == 200, done.content
    body = done.json()
    assert (body["tier"], body["override_tier"], body["effective_tier"]) == ("一般", "关注", "关注")
    assert body["override_reason"] == "本地用量大，专家研判提级" and body["overridden_by"]
    listed = results(client.get(reverse("screeningrun-results", args=[run.pk]), {"tier": "关注"}))
    assert screened["dcm"].pk in {r["substance"] for r in listed}
    assert results(client.get(reverse("screeningrun-results", args=[run.pk]), {"tier": "一般"})) == []
    counts = client.get(reverse("screeningrun-detail", args=[run.pk])).json()["tier_counts"]
    assert {c["tier"]: c["count"] for c in counts}["一般"] == 0
    back = client.post(url, {"tier": "一般", "reason": "撤销"}, format="json")
    assert back.json()["override_tier"] == "" and back.json()["effective_tier"] == "一般"


# ---------------------------------------------------------------- assessments and proposals
STEPS = {"hazard_identification": "PBT，列入公约", "dose_response": "NOAEL 0.025 mg/kg·d",
         "exposure_assessment": "地表水检出率 50%", "risk_characterisation": "RQ = 3.2 > 1",
         "conclusion": "needs_control", "recommended_measures": "禁止在消防泡沫中使用"}


def test_assessment_from_a_result_to_an_approved_proposal(api, users, regions, screened, profiles, settings,
                                                          tmp_path):
    settings.MEDIA_ROOT = tmp_path
    run = run_now(users, regions, profiles["hj1229"])
    result = ScreeningResult.objects.get(run=run, substance=screened["pfos"])
    staff = api("bureau_staff")
    created = staff.post(reverse("riskassessment-list"), {"result": result.pk, "title": "PFOS 风险评估"},
                         format="json")
    assert created.status_code == 201, created.content
    body = created.json()
    assert (body["substance"], body["region"], body["result"], body["status"]) == \
        (screened["pfos"].pk, "140600", result.pk, "draft")
    assert "优先评估" in body["hazard_identification"]  # starts from the screening's reasons
    detail = reverse("riskassessment-detail", args=[body["id"]])
    submit = reverse("riskassessment-submit", args=[body["id"]])
    review = reverse("riskassessment-review", args=[body["id"]])

    early = staff.post(submit)
    assert early.status_code == 400  # steps missing
    updated = staff.patch(detail, {k: v for k, v in STEPS.items() if k != "recommended_measures"}, format="json")
    assert updated.status_code == 200 and updated.json()["conclusion"] == "needs_control"
    assert staff.post(submit).status_code == 400  # needs control without measures
    assert staff.patch(detail, {"conclusion": "maybe"}, format="json").status_code == 400
    assert staff.patch(detail, {"recommended_measures": STEPS["recommended_measures"]}, format="json").status_code \
        == 200
    upload = SimpleUploadedFile("毒理数据.pdf", b"%PDF-1.4 data", content_type="application/pdf")
    attached = staff.post(reverse("riskassessment-attach", args=[body["id"]]), {"file": upload}, format="multipart")
    assert attached.status_code == 201, attached.content
    assert attached.json()["original_name"] == "毒理数据.pdf" and attached.json()["size"] == 13
    assert staff.post(reverse("riskassessment-attach", args=[body["id"]]), {}, format="multipart").status_code == 400
    submitted = staff.post(submit)
    assert submitted.status_code == 200 and submitted.json()["status"] == "submitted"
    assert [a["original_name"] for a in submitted.json()["attachments"]] == ["毒理数据.pdf"]
    assert staff.patch(detail, {"dose_response": "改"}, format="json").status_code == 400

    assert staff.post(review, {"approve": True}, format="json").status_code == 403  # the author
    leader = api("leader")
    assert leader.post(review, {"approve": False}, format="json").status_code == 400  # returning needs a note
    approved = leader.post(review, {"approve": True, "note": "同意"}, format="json")
    assert approved.status_code == 200, approved.content
    assert (approved.json()["status"], approved.json()["reviewed_by"]) == ("approved", str(users["leader"]))
    proposal = ControlProposal.objects.get()
    assert approved.json()["proposal"] == proposal.pk
    listed = results(leader.get(reverse("controlproposal-list")))
    assert [(p["id"], p["substance_name"], p["region"], p["measures"], p["status"]) for p in listed] == \
        [(proposal.pk, "全氟辛基磺酸", "140600", STEPS["recommended_measures"], "open")]
    assert leader.get(reverse("controlproposal-detail", args=[proposal.pk])).json()["assessment"] == body["id"]
    assert results(leader.get(reverse("riskassessment-list"), {"status": "approved"}))[0]["proposal"] == proposal.pk
    assert AssessmentAttachment.objects.count() == 1


def test_an_assessment_is_returned_with_a_note_and_created_without_a_result(api, users, inventory, profiles):
    staff = api("bureau_staff")
    missing = staff.post(reverse("riskassessment-list"), {"title": "无对象"}, format="json")
    assert missing.status_code == 400 and set(missing.json()) == {"substance", "region"}
    created = staff.post(reverse("riskassessment-list"), {"substance": inventory["dcm"].pk, "region": "140602"},
                         format="json")
    assert created.status_code == 201 and created.json()["region"] == "140602"
    assert created.json()["title"] and created.json()["hazard_identification"] == ""
    pk = created.json()["id"]
    staff.patch(reverse("riskassessment-detail", args=[pk]), {**STEPS, "conclusion": "acceptable"}, format="json")
    assert staff.post(reverse("riskassessment-submit", args=[pk])).status_code == 200
    returned = api("leader").post(reverse("riskassessment-review", args=[pk]), {"approve": False, "note": "补充数据"},
                                  format="json")
    assert returned.status_code == 200 and returned.json()["status"] == "returned"
    assert returned.json()["review_note"] == "补充数据" and returned.json()["proposal"] is None
    again = staff.patch(reverse("riskassessment-detail", args=[pk]), {"dose_response": "补充后"}, format="json")
    assert again.status_code == 200
    outside = staff.post(reverse("riskassessment-list"), {"substance": inventory["dcm"].pk, "region": "150000"},
                         format="json")
    assert outside.status_code == 403
    assert not ControlProposal.objects.exists()


# ---------------------------------------------------------------- region scoping
def test_county_staff_do_not_see_the_citys_runs_results_or_assessments(api, scr, users, regions, profiles):
    county = api("county_staff")
    run, result, assessment = scr["run"], scr["result"], scr["assessment"]
    for url in (reverse("screeningrun-detail", args=[run.pk]), reverse("screeningrun-results", args=[run.pk]),
                reverse("screeningresult-detail", args=[result.pk]),
                reverse("riskassessment-detail", args=[assessment.pk]),
                reverse("controlproposal-detail", args=[scr["proposal"].pk])):
        assert county.get(url).status_code == 404, url
    assert county.post(reverse("screeningresult-override", args=[result.pk]),
                       {"tier": "一般", "reason": "x"}, format="json").status_code == 404
    assert county.post(reverse("riskassessment-submit", args=[assessment.pk])).status_code == 404
    assert county.post(reverse("riskassessment-list"), {"result": result.pk}, format="json").status_code == 404
    assert results(county.get(reverse("screeningrun-list"))) == []
    assert results(county.get(reverse("riskassessment-list"))) == []
    assert results(county.get(reverse("controlproposal-list"))) == []
    # their own county run is theirs; comparing it with the city's run is not
    own = services.run_create(actor=users["county_staff"], version=profiles["hj1229"].current,
                              region=regions["county"], year=2023)
    run_execute(own.pk)
    assert [r["id"] for r in results(county.get(reverse("screeningrun-list")))] == [own.pk]
    compare = reverse("screeningrun-compare", args=[own.pk])
    assert county.get(compare, {"other": run.pk}).status_code == 404
    assert api("bureau_staff").get(reverse("screeningrun-compare", args=[run.pk]), {"other": own.pk}).status_code \
        == 200
    # hazard records and profiles are not regional
    assert len(results(county.get(reverse("hazardrecord-list")))) == 5


# ---------------------------------------------------------------- query counts
def add_runs(users, regions, profiles, n):
    for _i in range(n):
        services.run_create(actor=users["bureau_staff"], version=profiles["hj1229"].current, region=regions["county"],
                            year=2023)


def add_substances_with_data(users, n, start):
    for i in range(start, start + n):
        substance = Substance.objects.create(name_zh=f"物质{i:03d}")
        record(users["bureau_staff"], substance, "bcf", str(100 + i), "L/kg")


def add_assessments(users, regions, inventory, n):
    for i in range(n):
        assessment = services.assessment_create(actor=users["bureau_staff"], substance=inventory["dcm"],
                                                region=regions["county"], title=f"评估{i}")
        if i % 2:
            services.assessment_update(actor=users["bureau_staff"], assessment=assessment, **STEPS)
            services.assessment_submit(actor=users["bureau_staff"], assessment=assessment)
            services.assessment_review(actor=users["leader"], assessment=assessment, approve=True, note="同意")


def measure(client, url):
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200, response.content
    return len(queries), len(response.json()["results"])


# list: (role, exact number of queries)
QUERIES = {
    "runs": ("leader", 6),  # session, user, roles, department, region, page
    "results": ("bureau_staff", 7),  # session, user, roles, department, region, the run, page
    "assessments": ("county_staff", 6),  # session, user, roles, department, region, page
}


@pytest.mark.parametrize("name", sorted(QUERIES))
def test_lists_issue_a_fixed_number_of_queries(name, api, users, regions, inventory, profiles):
    role, expected = QUERIES[name]
    client = api(role)
    counts = []
    for total in (2, 20):
        if name == "runs":
            add_runs(users, regions, profiles, total - ScreeningRun.objects.count())
            url = reverse("screeningrun-list")
        elif name == "results":
            # PFOS is screened too: it was monitored in the county in 2023 (the inventory fixture)
            add_substances_with_data(users, total - 1 - HazardRecord.objects.count(), HazardRecord.objects.count())
            url = reverse("screeningrun-results", args=[run_now(users, regions, profiles["hj1229"]).pk])
        else:
            add_assessments(users, regions, inventory, total - RiskAssessment.objects.count())
            url = reverse("riskassessment-list")
        client.get(url)
        counts.append(measure(client, url))
    assert [rows for _queries, rows in counts] == [2, 20]
    assert [queries for queries, _rows in counts] == [expected, expected]
