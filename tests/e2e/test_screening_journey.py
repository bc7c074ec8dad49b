"""The bureau's screening day (issue “screening”), in a real browser: 王敏 runs each criteria profile
over 朔州市's 2023 survey, sees PFOS and SCCPs flagged with their reasons, compares two runs, sets one
tier by hand with a justification, and takes PFOS into a risk assessment; 赵局长 approves it and the
substance is proposed for the local supplementary list."""
import datetime
from decimal import Decimal

import pytest

from inventory.identifiers import uscc_check_char
from inventory.models import Enterprise, Substance, SurveyCampaign, SurveyReport
from portal.celery import app as celery_app
from portal.models import Department, Region
from portal.services import reference_load, roles_sync
from screening import services
from screening.models import ControlProposal, ScreeningResult, ScreeningRun
from tests.e2e.helpers import sign_in
from tests.factories import UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def eager_celery():
    old = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = old


@pytest.fixture
def data(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    roles_sync()
    reference_load()
    services.profiles_load()
    bureau = Department.objects.get(name="朔州市生态环境局")
    UserFactory(username="wangmin", real_name="王敏", department=bureau, roles=["bureau_staff"])
    UserFactory(username="zhaoju", real_name="赵局长", department=bureau, roles=["leader"])
    pfos = Substance.objects.create(cas="1763-23-1", name_zh="全氟辛基磺酸")
    sccp = Substance.objects.create(cas="85535-84-8", name_zh="短链氯化石蜡")
    dcm = Substance.objects.create(cas="75-09-2", name_zh="二氯甲烷")
    records = [
        (pfos, "half_life", ">41", "年", {"compartment": "fresh_water"}), (pfos, "bcf", "2796", "L/kg", {}),
        (pfos, "stot_re", "", "", {"category": "1"}), (pfos, "stockholm_listed", "", "", {"category": "是"}),
        (sccp, "half_life", "450", "d", {"compartment": "fresh_sediment"}), (sccp, "bcf", "7816", "L/kg", {}),
        (sccp, "aquatic_chronic", "", "", {"category": "1"}), (sccp, "stockholm_listed", "", "", {"category": "是"}),
        (dcm, "bcf", "2", "L/kg", {}), (dcm, "half_life", "20", "d", {"compartment": "fresh_water"}),
    ]
    for substance, endpoint, value, unit, extra in records:
        services.hazard_record_save(actor=None, substance=substance, endpoint=endpoint, entered_value=value,
                                    entered_unit=unit, reference="演示数据", **extra)
    city = Region.objects.get(code="140600")
    campaign = SurveyCampaign.objects.create(year=2023, kind="detailed", title="2023年度详细调查", region=city,
                                             deadline=datetime.date(2024, 6, 30))
    body = "91140602MA0K54321"
    enterprise = Enterprise.objects.create(credit_code=body + uscc_check_char(body), name="朔州市某氟化工有限公司",
                                           region=Region.objects.get(code="140602"))
    report = SurveyReport.objects.create(campaign=campaign, enterprise=enterprise, state="accepted")
    for substance, quantity, dispersive in ((pfos, "180", True), (sccp, "320", False), (dcm, "2400", False)):
        report.lines.create(substance=substance, raw_name=substance.name_zh, raw_cas=substance.cas, activity="use",
                            quantity=Decimal(quantity), dispersive_use=dispersive, emission_air=Decimal("0.1"))
    return {"pfos": pfos, "sccp": sccp, "dcm": dcm}



def start_run(page, profile_label, title):
    page.goto("/screening/runs/")
    page.select_option("#id_version", label=f"{profile_label} · v1")
    page.select_option("#id_region", label="朔州市")
    page.fill("#id_year", "2023")
    page.fill("#id_title", title)
    page.get_by_test_id("start-run").click()
    page.get_by_test_id("result-table").wait_for()


def test_bureau_screens_compares_overrides_and_assesses(page, data, eager_celery):
    sign_in(page, "wangmin")
    start_run(page, "GB/T 24782-2009 PBT/vPvB 判定", "PBT 判定")
    start_run(page, "《斯德哥尔摩公约》附件D 筛选标准", "POP 筛选")
    start_run(page, "HJ 1229-2021 优先评估化学物质筛选（三高一分）", "三高一分筛查")
    assert ScreeningRun.objects.filter(status="done").count() == 3

    # PFOS and SCCPs at the top, with their reasons.
    rows = page.get_by_test_id("result-row")
    top = [rows.nth(i).get_attribute("data-cas") for i in range(2)]
    assert set(top) == {"1763-23-1", "85535-84-8"}
    pfos = page.locator("[data-testid=result-row][data-cas='1763-23-1']")
    assert "优先评估" in pfos.get_by_test_id("result-tier").inner_text()
    pfos.locator("summary").click()
    reasons = pfos.get_by_test_id("reason").all_inner_texts()
    assert any(r.strip().startswith("P：") and "14965" in r for r in reasons), reasons
    sccp = page.locator("[data-testid=result-row][data-cas='85535-84-8']")
    sccp.locator("summary").click()
    assert any("7816" in r for r in sccp.get_by_test_id("reason").all_inner_texts())

    # Set DCM's tier by hand, with a justification.
    dcm = page.locator("[data-testid=result-row][data-cas='75-09-2']")
    dcm.locator("summary").click()
    dcm.locator("select[name=tier]").select_option("关注")
    dcm.locator("input[name=reason]").fill("城区饮用水源地多次检出，提前关注")
    dcm.get_by_text("调整档次").click()
    page.get_by_text("计算得出的档次及理由仍予保留").wait_for()
    hj = ScreeningRun.objects.get(title="三高一分筛查")
    assert ScreeningResult.objects.get(run=hj, substance=data["dcm"]).effective_tier == "关注"

    # Compare the Stockholm run with the HJ 1229 run.
    stockholm = ScreeningRun.objects.get(title="POP 筛选")
    page.goto(f"/screening/runs/{stockholm.pk}/compare/?other={hj.pk}")
    page.get_by_test_id("compare-table").wait_for()
    assert page.get_by_test_id("compare-row").count() >= 1
    assert page.get_by_test_id("compare-why").first.inner_text().strip()

    # PFOS into a risk assessment.
    page.goto(f"/screening/runs/{hj.pk}/?q=1763-23-1")
    pfos = page.locator("[data-testid=result-row][data-cas='1763-23-1']")
    pfos.locator("summary").click()
    pfos.get_by_test_id("start-assessment").click()
    form = page.get_by_test_id("assessment-form")
    form.wait_for()
    assert "依据筛查" in page.locator("#id_hazard_identification").input_value()
    page.fill("#id_dose_response", "PNEC（淡水）0.23 μg/L，评估因子 100")
    page.fill("#id_exposure_assessment", "桑干河断面 PEC 0.9 μg/L")
    page.fill("#id_risk_characterisation", "RCR = 3.9 > 1")
    page.select_option("#id_conclusion", "needs_control")
    page.fill("#id_recommended_measures", "禁止生产、加工使用和进出口；消防泡沫豁免用途到期后停止使用")
    page.get_by_test_id("save-assessment").click()
    page.get_by_test_id("submit-assessment").click()
    page.get_by_text("已提交审批").first.wait_for()

    sign_in(page, "zhaoju")
    page.goto("/screening/assessments/")
    page.get_by_test_id("assessment-table").get_by_role("link").first.click()
    page.get_by_test_id("save-approval").click()
    page.get_by_test_id("proposal").wait_for()
    proposal = ControlProposal.objects.get()
    assert proposal.substance == data["pfos"] and proposal.status == "open"
    assert page.outside_requests == []
