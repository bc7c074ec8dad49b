"""Screening with the database: hazard records as entered (qualifiers, units), profile versions that
never change under a run, runs over a region's survey and monitoring data with reasons and ranks,
tier overrides with a justification, and the assessment that ends in a control proposal."""
import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import translation

from inventory.models import Enterprise, MonitoringResult, SamplingEvent, Substance, SurveyLine, SurveyReport
from portal.models import AuditEvent
from screening import services
from screening.models import ControlProposal, CriteriaProfile, HazardRecord, ProfileVersion, ScreeningResult
from screening.runs import run_execute
from tests.conftest import CODE_SIBLING


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def profiles(db):
    services.profiles_load()
    return {p.code: p for p in CriteriaProfile.objects.all()}


def record(actor, substance, endpoint, value="", unit="", **kw):
    return services.hazard_record_save(actor=actor, substance=substance, endpoint=endpoint, entered_value=value,
                                       entered_unit=unit, **kw)


@pytest.fixture
def screened(users, regions, inventory, profiles):
    """PFOS and SCCPs with hazard data, used in the county in 2023; DCM used widely but of low concern."""
    staff = users["bureau_staff"]
    pfos, dcm = inventory["pfos"], inventory["dcm"]
    sccp = Substance.objects.create(cas="85535-84-8", name_zh="短链氯化石蜡")
    for substance in (pfos, sccp):
        record(staff, substance, "half_life", "1", "年", compartment="fresh_water", reference="文献")
        record(staff, substance, "stockholm_listed", category="yes")
    record(staff, pfos, "bcf", "2796", "L/kg")
    record(staff, pfos, "stot_re", category="1")
    record(staff, sccp, "bcf", "≥5000", "L/kg")
    record(staff, sccp, "bcf", "7816", "L/kg", reliability=1)
    record(staff, sccp, "aquatic_chronic", category="1")
    record(staff, dcm, "bcf", "2.0", "L/kg")
    record(staff, dcm, "half_life", "20", "d", compartment="fresh_water")
    report = inventory["report"]
    report.state = "accepted"
    report.save()
    report.lines.create(substance=pfos, raw_name="PFOS", raw_cas="1763-23-1", activity="use", quantity=Decimal("150"),
                        dispersive_use=True)
    other = SurveyReport.objects.create(campaign=inventory["campaign"], enterprise=inventory["other_enterprise"],
                                        state="accepted")
    other.lines.create(substance=dcm, raw_name="二氯甲烷", raw_cas="75-09-2", activity="produce",
                       quantity=Decimal("1500"))
    other.lines.create(substance=dcm, raw_name="二氯甲烷", raw_cas="75-09-2", activity="use", quantity=Decimal("900"))
    other.lines.create(substance=sccp, raw_name="氯化石蜡", raw_cas="85535-84-8", activity="use",
                       quantity=Decimal("20"))
    sampling = SamplingEvent.objects.create(site=inventory["site"], sampled_on=datetime.date(2023, 9, 1))
    MonitoringResult.objects.create(sampling=sampling, substance=dcm, unit="μg/L", detected=False)
    return {"pfos": pfos, "sccp": sccp, "dcm": dcm}


def test_profiles_are_loaded_once_with_the_published_thresholds(profiles):
    assert set(profiles) == {"gbt24782", "stockholm", "hj1229"}
    assert services.profiles_load() == 0
    pbt = profiles["gbt24782"].current.thresholds
    assert pbt["p_half_life_days"]["fresh_water"] == "40" and pbt["b_bcf"] == "2000"


def test_hazard_values_keep_their_qualifier_and_are_converted(users, inventory, profiles):
    staff, pfos = users["bureau_staff"], inventory["pfos"]
    bcf = record(staff, pfos, "bcf", "≥2000", "L/kg")
    assert (bcf.qualifier, bcf.value, bcf.entered_value) == (">=", Decimal("2000"), "≥2000")
    hours = record(staff, pfos, "half_life", "48", "小时", compartment="air")
    assert hours.value == Decimal("2")
    noec = record(staff, pfos, "chronic_noec", "5", "μg/L")
    assert noec.value == Decimal("0.005")
    with pytest.raises(ValidationError) as unit:
        record(staff, pfos, "half_life", "3", "fortnight", compartment="soil")
    assert "entered_unit" in unit.value.message_dict
    with pytest.raises(ValidationError) as text:
        record(staff, pfos, "bcf", "很高", "L/kg")
    assert "entered_value" in text.value.message_dict
    with pytest.raises(ValidationError) as compartment:
        record(staff, pfos, "half_life", "3", "d")
    assert "compartment" in compartment.value.message_dict
    with pytest.raises(PermissionDenied):
        record(users["leader"], pfos, "bcf", "100", "L/kg")
    assert HazardRecord.objects.filter(substance=pfos).count() == 3


def test_a_threshold_edit_is_a_new_version_and_bad_values_are_refused(users, profiles):
    profile, staff = profiles["gbt24782"], users["bureau_staff"]
    thresholds = profile.current.thresholds
    with pytest.raises(ValidationError):
        services.profile_version_create(actor=staff, profile=profile, note="试", thresholds={**thresholds,
                                                                                            "b_bcf": "-1"})
    with pytest.raises(ValidationError):
        services.profile_version_create(actor=staff, profile=profile, note="试", thresholds={**thresholds,
                                                                                            "b_bcf": "两千"})
    version = services.profile_version_create(actor=staff, profile=profile, note="按新导则调整",
                                              thresholds={**thresholds, "b_bcf": "1000"})
    assert version.number == 2 and ProfileVersion.objects.get(profile=profile, number=1).thresholds["b_bcf"] == "2000"
    assert AuditEvent.objects.filter(action="profile.version", object_id=str(version.pk)).exists()


def test_hj1229_run_ranks_pfos_and_sccps_first_with_their_reasons(users, regions, screened, profiles,
                                                                 django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False):
        run = services.run_create(actor=users["bureau_staff"], version=profiles["hj1229"].current,
                                  region=regions["city"], year=2023)
    run = run_execute(run.pk)
    assert (run.status, run.progress) == ("done", 100)
    results = {r.substance_id: r for r in ScreeningResult.objects.filter(run=run)}
    pfos, sccp, dcm = results[screened["pfos"].pk], results[screened["sccp"].pk], results[screened["dcm"].pk]
    assert pfos.tier == "优先评估" and sccp.tier in ("优先评估", "关注")
    assert {pfos.rank, sccp.rank} <= {1, 2} or pfos.rank == 1
    assert dcm.rank > pfos.rank
    assert pfos.exposure["tonnage"] == "150.0000" and pfos.exposure["dispersive_share"] == "1.0000"
    # DCM: supply 1500 t/a vs use 900 t/a — counted once, as the larger; not detected in 1 sample.
    assert Decimal(dcm.exposure["tonnage"]) == Decimal(1500) and dcm.exposure["detection_frequency"] == "0.0000"
    reasons = " ".join(c["reason"] for c in pfos.criteria)
    assert "365" in reasons and "天" in reasons
    sccp_b = next(c for c in sccp.criteria if "BCF" in c["reason"])
    assert "7816" in sccp_b["reason"]  # the most reliable record decides
    assert pfos.inputs  # a snapshot to re-read the run later


def test_a_run_keeps_its_version_and_results_when_data_or_thresholds_change(users, regions, screened, profiles):
    staff, profile = users["bureau_staff"], profiles["gbt24782"]
    run = services.run_create(actor=staff, version=profile.current, region=regions["city"], year=2023)
    run_execute(run.pk)
    before = list(ScreeningResult.objects.filter(run=run).values_list("substance_id", "tier", "criteria"))
    services.profile_version_create(actor=staff, profile=profile, note="收紧",
                                    thresholds={**profile.current.thresholds, "b_bcf": "1"})
    HazardRecord.objects.filter(substance=screened["dcm"]).delete()
    run.refresh_from_db()
    assert run.version.number == 1
    assert list(ScreeningResult.objects.filter(run=run).values_list("substance_id", "tier", "criteria")) == before


def test_a_run_over_a_region_outside_scope_is_refused(users, regions, profiles):
    with pytest.raises(PermissionDenied):
        services.run_create(actor=users["county_staff"], version=profiles["hj1229"].current, region=regions["city"],
                            year=2023)


def test_tier_override_needs_a_justification_and_is_audited(users, regions, screened, profiles):
    run = run_execute(services.run_create(actor=users["bureau_staff"], version=profiles["hj1229"].current,
                                          region=regions["city"], year=2023).pk)
    result = ScreeningResult.objects.get(run=run, substance=screened["dcm"])
    with pytest.raises(ValidationError):
        services.result_override(actor=users["bureau_staff"], result=result, tier="优先评估", reason="  ")
    with pytest.raises(ValidationError):
        services.result_override(actor=users["bureau_staff"], result=result, tier="极高", reason="理由")
    result = services.result_override(actor=users["bureau_staff"], result=result, tier="优先评估",
                                      reason="本地饮用水源地多次检出，提前评估")
    assert result.effective_tier == "优先评估" and result.tier != "优先评估"
    assert AuditEvent.objects.filter(action="screening.override", object_id=str(result.pk)).exists()


def test_assessment_ends_in_a_proposal_approved_by_someone_else(users, regions, screened, profiles):
    staff, leader = users["bureau_staff"], users["leader"]
    run = run_execute(services.run_create(actor=staff, version=profiles["hj1229"].current, region=regions["city"],
                                          year=2023).pk)
    result = ScreeningResult.objects.get(run=run, substance=screened["sccp"])
    assessment = services.assessment_create(actor=staff, substance=screened["sccp"], region=regions["city"],
                                            result=result)
    assert "依据筛查" in assessment.hazard_identification
    with pytest.raises(ValidationError) as missing:
        services.assessment_submit(actor=staff, assessment=assessment)
    assert "剂量" in str(missing.value)
    services.assessment_update(actor=staff, assessment=assessment, dose_response="PNEC 0.5 μg/L",
                               exposure_assessment="PEC 2 μg/L", risk_characterisation="RCR = 4 > 1",
                               conclusion="needs_control", recommended_measures="禁止生产和使用，豁免用途除外")
    services.assessment_submit(actor=staff, assessment=assessment)
    with pytest.raises(PermissionDenied):
        services.assessment_review(actor=staff, assessment=assessment, approve=True)
    with pytest.raises(ValidationError):
        services.assessment_update(actor=staff, assessment=assessment, dose_response="改")
    services.assessment_review(actor=leader, assessment=assessment, approve=True, note="同意")
    proposal = ControlProposal.objects.get(assessment=assessment)
    assert (proposal.substance, proposal.region, proposal.status) == (screened["sccp"], regions["city"], "open")


def test_county_runs_see_only_their_county(users, regions, screened, profiles):
    Enterprise.objects.filter(credit_code=CODE_SIBLING).update(region=regions["sibling"])
    run = run_execute(services.run_create(actor=users["county_staff"], version=profiles["hj1229"].current,
                                          region=regions["county"], year=2023).pk)
    dcm = ScreeningResult.objects.get(run=run, substance=screened["dcm"])
    # Only the county enterprise's 12.5 t/a, not the 1,500 t/a made in the sibling county.
    assert Decimal(dcm.exposure["tonnage"]) == Decimal("12.5")
    assert SurveyLine.objects.filter(substance=screened["dcm"], report__enterprise__region=regions["sibling"]).exists()


def test_reasons_keep_tabs_backslashes_and_quotes_written_through_copy(users, regions, inventory, profiles):
    reference = 'ECHA\t"注册卷宗"\\2023\n第2卷'
    services.hazard_record_save(actor=users["bureau_staff"], substance=inventory["pfos"], endpoint="bcf",
                                entered_value="5100", entered_unit="L/kg", reference=reference)
    run = run_execute(services.run_create(actor=users["bureau_staff"], version=profiles["gbt24782"].current,
                                          region=regions["city"], year=2023).pk)
    result = ScreeningResult.objects.get(run=run, substance=inventory["pfos"])
    reason = next(c["reason"] for c in result.criteria if c["code"] == "vB")
    assert reference in reason
    assert result.inputs["records"][0][result.inputs["fields"].index("reference")] == reference
