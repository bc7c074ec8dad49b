"""The Shuozhou screening demo: hazard records for the demo substances, a 2023 monitoring pilot and one run per
profile over 朔州市 2023 — idempotent, with PFOS and SCCPs on top of the HJ 1229 run and one substance left
without any hazard data."""
from django.core.management import call_command

from inventory.demo import inventory_demo_seed
from inventory.models import MonitoringResult, SamplingEvent
from portal.demo import demo_users_seed
from portal.models import AuditEvent
from screening.demo import DEMO, RUN_TITLES, screening_demo_seed
from screening.models import HazardRecord, ScreeningResult, ScreeningRun

MODELS = (HazardRecord, ScreeningRun, ScreeningResult, SamplingEvent, MonitoringResult, AuditEvent)


def snapshot():
    return {
        "counts": [m.objects.count() for m in MODELS],
        "records": list(HazardRecord.objects.order_by("pk").values_list("pk", "updated_at")),
        "runs": list(ScreeningRun.objects.order_by("pk").values_list("pk", "status", "finished_at")),
    }


def test_demo_screening(db):
    """One test, so that the reference data and the demo inventory are loaded once."""
    call_command("load_reference")
    demo_users_seed()
    inventory_demo_seed()
    first = screening_demo_seed()
    before = snapshot()
    second = screening_demo_seed()
    assert snapshot() == before
    assert "新建 0" in second[0] and all("已存在" in line for line in second if "筛查（演示）" in line)
    assert "新建并计算" in first[-1]
    check_records_are_marked_as_demo_data()
    check_one_run_per_profile_done()
    check_pfos_and_sccps_are_priority_for_p_and_b()
    check_a_substance_without_any_hazard_data()


def check_records_are_marked_as_demo_data():
    assert HazardRecord.objects.count() > 80
    assert not HazardRecord.objects.exclude(reference__endswith=DEMO).exists()
    sccp_bcf = HazardRecord.objects.get(substance__cas="85535-84-8", endpoint="bcf", entered_value="≥5000")
    assert (sccp_bcf.qualifier, sccp_bcf.value, sccp_bcf.reliability) == (">=", 5000, 3)
    water = HazardRecord.objects.get(substance__cas="1763-23-1", endpoint="half_life", compartment="fresh_water")
    assert (water.qualifier, water.value) == (">", 41 * 365)  # entered as ">41" 年


def check_one_run_per_profile_done():
    runs = ScreeningRun.objects.filter(title__in=RUN_TITLES.values())
    assert sorted(runs.values_list("version__profile__code", flat=True)) == sorted(RUN_TITLES)
    for run in runs.select_related("region", "created_by"):
        assert (run.status, run.year, run.region.code, run.created_by.username) == ("done", 2023, "140600", "wangmin")
        assert run.substances == run.results.count() == 20


def check_pfos_and_sccps_are_priority_for_p_and_b():
    run = ScreeningRun.objects.get(title=RUN_TITLES["hj1229"])
    results = {r.substance.cas: r for r in run.results.select_related("substance")}
    ranks = sorted(r.rank for r in results.values() if r.tier == "优先评估")
    for cas in ("1763-23-1", "85535-84-8"):
        result = results[cas]
        assert result.tier == "优先评估", result.tier_reason
        assert result.rank in ranks[:2]  # PBT (and vPvB) rank above the other priority substances
        criteria = {c["code"]: c for c in result.criteria}
        for code in ("P", "B"):
            assert criteria[code]["outcome"] == "met"
            assert criteria[code]["reason"].startswith(f"{code}：")
        assert "PBT" in result.flags
    # SCCPs by its 2023 tonnage (196 t), PFOS by the 2023 monitoring pilot (no tonnage of PFOS acid in 2023)
    assert "100–1000 吨/年" in results["85535-84-8"].tier_reason
    assert "环境检出率高" in results["1763-23-1"].tier_reason
    sccp = {c["code"]: c for c in results["85535-84-8"].criteria}
    assert "7816" in sccp["B"]["reason"] and "共 2 条记录" in sccp["B"]["reason"]


def check_a_substance_without_any_hazard_data():
    run = ScreeningRun.objects.get(title=RUN_TITLES["hj1229"])
    tce = run.results.get(substance__cas="79-01-6")
    hazard = [c for c in tce.criteria if c["code"] not in ("TONNAGE", "DISPERSIVE", "DETECTION")]
    assert len(hazard) == 10
    assert all(c["outcome"] == "missing" and "数据缺失" in c["reason"] for c in hazard)
    assert tce.tier == "数据不足" and "无任何危害数据" in tce.tier_reason
