"""seed_scale writes synthetic data with valid identifiers, quickly, and replaces it on a second run."""
from collections import Counter
from decimal import Decimal

from django.core.management import call_command
from django.db.models import Count

from inventory.identifiers import cas_normalise, uscc_parse
from inventory.models import Enterprise, MonitoringResult, Substance, SurveyLine, SurveyReport
from portal.models import Region
from portal.services import reference_load
from screening import engine
from screening.choices import Endpoint
from screening.models import CriteriaProfile, HazardRecord, ScreeningRun
from screening.runs import run_execute
from screening.services import hazard_value_parse, profiles_load


def test_seed_scale_small_and_repeatable(db, capsys):
    reference_load()
    call_command("seed_scale", "--enterprises", "50", "--substances", "120", "--records", "2000",
                 "--monitoring", "900")
    assert Enterprise.objects.filter(name__startswith="规模测试").count() == 50
    assert SurveyReport.objects.count() == 50 and SurveyLine.objects.count() == 2000
    assert MonitoringResult.objects.count() == 900
    for e in Enterprise.objects.all()[:20]:
        assert uscc_parse(e.credit_code).check_ok
    for s in Substance.objects.all()[:20]:
        assert cas_normalise(s.cas) == s.cas
    check_hazard_records(120)
    check_a_run_over_the_data()
    call_command("seed_scale", "--enterprises", "10", "--substances", "20", "--records", "100", "--monitoring", "50")
    assert (Enterprise.objects.count(), SurveyLine.objects.count(), MonitoringResult.objects.count()) == (10, 100, 50)
    assert not ScreeningRun.objects.exists()
    per_substance = HazardRecord.objects.values("substance").annotate(n=Count("pk")).values_list("n", flat=True)
    assert len(per_substance) == 20 and all(2 <= n <= 6 for n in per_substance)
    out = capsys.readouterr().out
    assert "规模数据" in out and "危害记录" in out


def check_hazard_records(substances):
    """2–6 records for every substance, a mix of endpoints, as the portal itself would store what was entered."""
    per_substance = Counter(HazardRecord.objects.values_list("substance_id", flat=True))
    assert len(per_substance) == substances and set(per_substance.values()) <= {2, 3, 4, 5, 6}
    records = list(HazardRecord.objects.all())
    assert {r.endpoint for r in records} >= {"half_life", "bcf", "log_kow", "chronic_noec", "carcinogenicity",
                                             "endocrine_disruptor"}
    assert {r.endpoint for r in records} <= set(Endpoint.values)
    assert {r.reliability for r in records} == {1, 2, 3, 4}
    assert {">=", "<"} <= {r.qualifier for r in records}
    for r in records:
        engine.Record(id=r.pk, endpoint=r.endpoint, compartment=r.compartment, value=r.value, qualifier=r.qualifier,
                      category=r.category, reliability=r.reliability)  # valid for the engine
        parsed = hazard_value_parse(endpoint=r.endpoint, entered_value=r.entered_value, unit=r.entered_unit,
                                    category=r.category)
        assert (parsed["qualifier"], parsed["category"]) == (r.qualifier, r.category)
        if r.value is not None:
            assert abs(parsed["value"] - r.value) <= abs(r.value) * Decimal("1e-6"), (r.entered_value, r.value)


def check_a_run_over_the_data():
    """Accepted 2023 reports exist, so a run has tonnage to work with; the next seed_scale removes the run."""
    assert SurveyReport.objects.filter(state="accepted", campaign__year=2023).exists()
    profiles_load()
    region = Region.objects.filter(level="province").order_by("code").first()
    run = ScreeningRun.objects.create(version=CriteriaProfile.objects.get(code="hj1229").current, region=region,
                                      year=2023, title="规模测试筛查")
    run = run_execute(run.pk)
    assert run.status == "done" and run.substances == 120
    assert any(result.exposure for result in run.results.only("exposure"))
