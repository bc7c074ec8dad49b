"""The bureau's controls day (issue “controls”), in a real browser: 王敏 recomputes the controlled-enterprise
list of the 2023 national list from accepted surveys, confirms an enterprise, publishes the list, and turns the
PFOS fire-foam exemption's end date into a task for the responsible departments; 孙丽 of 市工信局 sees the task
and records the enterprise's substitution; a visitor who is not signed in reads the published list on the
public page, without contacts or quantities."""
import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from controls.models import ControlledEnterprise, ControlList
from controls.services import reference_lists_load
from inventory.identifiers import uscc_check_char
from inventory.models import Enterprise, Substance, SurveyCampaign, SurveyReport
from portal.models import Department, Region
from portal.services import reference_load, roles_sync
from tests.e2e.helpers import sign_in
from tests.factories import ActionPlanFactory, UserFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def data(tmp_path, settings):
    from django.core.cache import cache
    cache.clear()
    settings.MEDIA_ROOT = tmp_path
    roles_sync()
    reference_load()
    reference_lists_load()
    bureau = Department.objects.get(name="朔州市生态环境局")
    miit = Department.objects.get(name="朔州市工业和信息化局")
    UserFactory(username="wangmin", real_name="王敏", department=bureau, roles=["bureau_staff"])
    UserFactory(username="sunli", real_name="孙丽", department=miit, roles=["department_officer"])
    city = Region.objects.get(code="140600")
    plan = ActionPlanFactory(title="朔州市新污染物治理行动方案", region=city)
    pfos = Substance.objects.create(cas="1763-23-1", name_zh="全氟辛基磺酸")
    campaign = SurveyCampaign.objects.create(year=2023, kind="detailed", title="2023年度详细调查", region=city,
                                             deadline=datetime.date(2024, 6, 30))
    body = "91140602MA0K54321"
    enterprise = Enterprise.objects.create(credit_code=body + uscc_check_char(body), name="朔州市某消防器材有限公司",
                                           region=Region.objects.get(code="140602"), contact_name="刘经理",
                                           contact_phone="13912345678")
    report = SurveyReport.objects.create(campaign=campaign, enterprise=enterprise, state="accepted")
    report.lines.create(substance=pfos, raw_name="全氟辛基磺酸", raw_cas="1763-23-1", activity="use",
                        quantity=Decimal("3.75"))
    return {"enterprise": enterprise, "plan": plan, "national": ControlList.objects.get(kind="national_key")}



def test_bureau_publishes_the_list_and_turns_an_exemption_into_a_task(page, browser, live_server, data):
    enterprise, national = data["enterprise"], data["national"]
    sign_in(page, "wangmin")
    page.goto("/controls/")
    page.get_by_test_id("list-table").get_by_role("link", name="重点管控新污染物清单").first.click()
    assert "生态环境部等6部门令第28号" in page.content()
    page.get_by_role("link", name="重点管控企业").first.click()
    page.get_by_test_id("derive").click()
    page.get_by_test_id("controlled-row").first.wait_for()
    row = page.get_by_test_id("controlled-row").first
    assert enterprise.name in row.inner_text() and "3.75" in row.inner_text()

    # Confirm the enterprise, then publish the list for the city.
    row.get_by_test_id("controlled-link").click()
    page.get_by_test_id("confirm").click()
    page.get_by_text("已保存").wait_for()
    assert page.get_by_test_id("controlled-status").inner_text() == "已确认"
    page.goto(f"/controls/lists/{national.pk}/publications/")
    assert "新增 1 家" in page.get_by_test_id("changes-summary").inner_text()
    page.select_option("#id_region", label="朔州市")
    page.fill("#id_note", "2024年第一次公布")
    page.get_by_test_id("publish").click()
    page.get_by_test_id("publication-table").wait_for()
    assert "已公布第 1 版" in page.content()

    # The PFOS fire-foam exemption ended on 2023-12-31: a task for the responsible departments.
    page.goto(f"/controls/lists/{national.pk}/")
    pfos = page.get_by_test_id("entry").first
    pfos.get_by_test_id("measure-task").first.click()
    assert "2023-12-31" in page.get_by_test_id("task-preview").inner_text()
    page.select_option("#id_plan", label=str(data["plan"]))
    page.select_option("#id_departments", label=["朔州市工业和信息化局", "朔州市生态环境局"])
    page.fill("#id_days_after", "30")
    page.get_by_test_id("save").click()
    page.get_by_text("已生成任务").wait_for()
    task = data["plan"].tasks.get()
    assert task.deadline == datetime.date(2024, 1, 30) and "豁免用途" in task.title

    # 孙丽 of 市工信局 sees the task and records that the enterprise substituted the foam.
    sign_in(page, "sunli")
    page.goto("/tasks/")
    assert task.title[:20] in page.content()
    controlled = ControlledEnterprise.objects.get(list=national, enterprise=enterprise)
    page.goto(f"/controls/enterprises/{controlled.pk}/")
    assert "3.75" not in page.content()  # department officers never see survey quantities
    measure_id = task.links.get().object_id
    row = page.locator(f"#measure-{measure_id}")
    row.locator("select[name=status]").select_option("replaced")
    row.locator("input[name=note]").fill("已改用无氟泡沫灭火剂")
    row.get_by_test_id("save-status").click()
    page.get_by_text("落实情况已保存").wait_for()
    assert "替代完成" in page.locator(f"#measure-{measure_id}").get_by_test_id("measure-status").inner_text()

    # A visitor who is not signed in reads the published list.
    visitor = browser.new_context(locale="zh-CN", base_url=live_server.url)
    public = visitor.new_page()
    public.goto("/public/controls/")
    public.get_by_test_id("public-publication-link").first.click()
    public.get_by_test_id("public-table").wait_for()
    text = public.content()
    assert enterprise.name in text and enterprise.credit_code in text and "禁止生产" in text
    assert enterprise.contact_phone not in text and enterprise.contact_name not in text and "3.75" not in text
    assert public.goto("/controls/").url.endswith("/accounts/login/?next=/controls/")
    visitor.close()
    assert page.outside_requests == []


def test_bureau_draws_inspects_and_publishes_the_results(page, browser, live_server, data):
    """双随机、一公开: a draw from a recorded seed, an inspection with a finding that becomes a rectification with
    a deadline (a task of the plan), approval by a second officer, and the result on the public page."""
    from controls.models import Inspection, InspectionDraw
    from controls.services import controlled_enterprises_derive, controlled_list_publish

    bureau = Department.objects.get(name="朔州市生态环境局")
    UserFactory(username="liuyang", real_name="刘洋", department=bureau, roles=["bureau_staff"])
    national, city = data["national"], Region.objects.get(code="140600")
    controlled_enterprises_derive(actor=None, clist=national)
    controlled_list_publish(actor=None, clist=national, region=city)

    sign_in(page, "wangmin")
    page.goto("/controls/")
    page.get_by_test_id("draws").click()
    page.get_by_test_id("new-draw").click()
    page.fill("#id_title", "第四季度“双随机”检查")
    page.select_option("#id_region", label="朔州市")
    page.select_option("#id_list", label=str(national))
    page.fill("#id_n_enterprises", "1")
    page.fill("#id_n_inspectors", "1")
    page.select_option("#id_strata", "county")
    page.get_by_label("刘洋（市生态环境局）").check()
    page.select_option("#id_plan", label=str(data["plan"]))
    page.select_option("#id_department", label="朔州市生态环境局")
    page.get_by_test_id("save-draw").click()
    page.get_by_test_id("run-form").wait_for()
    page.fill("#d-seed", "20241105")
    page.get_by_test_id("run-draw").click()
    assert page.get_by_test_id("draw-seed").inner_text() == "20241105"
    drawn = page.get_by_test_id("drawn-row")
    assert drawn.count() == 1 and data["enterprise"].name in drawn.first.inner_text()
    assert "刘洋" in drawn.first.inner_text()
    page.get_by_test_id("verify-draw").click()
    page.get_by_test_id("verification-verdict").wait_for()
    draw = InspectionDraw.objects.get()
    assert draw.seed == "20241105" and draw.status == "drawn"

    # The drawn inspector records a finding: a rectification with a deadline, which becomes a task.
    sign_in(page, "liuyang")
    inspection = Inspection.objects.get(draw=draw)
    page.goto(f"/controls/inspections/{inspection.pk}/")
    page.fill("#id_inspected_on", datetime.date.today().isoformat())
    page.select_option("#id_result", "rectify")
    page.fill("#id_finding-0-text", "库存含PFOS类灭火泡沫药剂未建立处置台账")
    page.fill("#id_finding-0-requirement", "按危险废物规范处置并建立台账")
    page.fill("#id_finding-0-deadline", (datetime.date.today() + datetime.timedelta(days=30)).isoformat())
    page.get_by_test_id("save-record").click()
    page.get_by_test_id("rectification").first.wait_for()
    rectification = inspection.findings.get().rectifications.get()
    assert rectification.task.plan == data["plan"]
    assert rectification.task.deadline == datetime.date.today() + datetime.timedelta(days=30)

    # Another officer approves and publishes; the visitor sees the result.
    sign_in(page, "wangmin")
    page.goto(f"/controls/inspections/{inspection.pk}/")
    page.get_by_test_id("approve-inspection").click()
    page.get_by_test_id("inspection-status").wait_for()
    page.goto(reverse("controls:draw_detail", args=[draw.pk]))
    page.get_by_test_id("publish-draw").click()
    page.get_by_test_id("draw-status").wait_for()
    visitor = browser.new_context(locale="zh-CN", base_url=live_server.url)
    public = visitor.new_page()
    public.goto(reverse("public:publication", args=[city.code, national.pk]))
    result = public.get_by_test_id("public-inspection").first
    assert data["enterprise"].name in result.inner_text() and "限期整改" in result.inner_text()
    assert "刘洋" not in public.content()
    visitor.close()
