"""赵局长's ten minutes before a meeting (JOURNEYS.md 3), in a real browser: the cockpit in Chinese with real
figures and charts that drew (canvas pixels checked), a click on the department furthest behind lands on its
overdue tasks, one more on a task shows the latest progress and its evidence, and the region filter shows one
county only."""
import datetime

import pytest
from django.core.files.base import ContentFile

from portal.models import Department, Region
from portal.services import cockpit_summaries_refresh, reference_load, roles_sync
from tasks.models import Evidence
from tests.e2e.helpers import sign_in
from tests.factories import (
    ActionPlanFactory,
    ProgressReportFactory,
    TaskAssignmentFactory,
    TaskFactory,
    UserFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _task(plan, department, title, deadline, **extra):
    task = TaskFactory(plan=plan, title=title, deadline=deadline, start_date=datetime.date(2023, 5, 13), **extra)
    assignment = TaskAssignmentFactory(task=task, department=department, is_lead=True)
    return task, assignment


@pytest.fixture
def data(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    roles_sync()
    reference_load()
    today = datetime.date.today()
    city, county = Region.objects.get(code="140600"), Region.objects.get(code="140602")
    bureau = Department.objects.get(name="朔州市生态环境局")
    agri = Department.objects.get(name="朔州市农业农村局")
    miit = Department.objects.get(name="朔州市工业和信息化局")
    county_bureau = Department.objects.get(name="朔州市生态环境局朔城分局")
    UserFactory(username="zhaoju", real_name="赵局长", department=bureau, roles=["leader"])
    officer = UserFactory(username="liqiang", real_name="李强", department=agri, roles=["department_officer"])
    plan = ActionPlanFactory(title="朔州市新污染物治理行动方案", region=city, issued=datetime.date(2023, 5, 13))
    late = today - datetime.timedelta(days=40)
    worst, assignment = _task(plan, agri, "强化农药使用管理", late, progress=40)
    _task(plan, agri, "推进畜禽养殖抗生素减量", late)
    _task(plan, agri, "开展农药包装废弃物回收", today - datetime.timedelta(days=3))
    _task(plan, miit, "推动含氟灭火剂替代", late)
    _task(plan, bureau, "建立重点管控企业名单", today + datetime.timedelta(days=10))
    _task(plan, bureau, "开展化学物质环境信息调查", datetime.date(2023, 12, 31), status="completed", progress=100)
    report = ProgressReportFactory(assignment=assignment, submitted_by=officer, percent=40, status="accepted",
                                   narrative="已完成全市农药经营门店摸底，正在组织县区核查。")
    evidence = Evidence(report=report, original_name="农药门店摸底汇总.pdf", content_type="application/pdf", size=8,
                        sha256="0" * 64)
    evidence.file.save("e.pdf", ContentFile(b"%PDF-1.4"), save=True)
    county_plan = ActionPlanFactory(title="朔城区新污染物治理实施方案", region=county, issued=datetime.date(2023, 7, 1))
    _task(county_plan, county_bureau, "朔城区企业调查", today + datetime.timedelta(days=20))
    cockpit_summaries_refresh()
    return {"worst": worst, "agri": agri, "county": county}



PAINTED = """(el) => {
  const canvas = el.querySelector('canvas');
  if (!canvas) return 0;
  const ctx = canvas.getContext('2d');
  const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
  let painted = 0;
  for (let i = 3; i < data.length; i += 4) { if (data[i] > 0) painted++; }
  return painted;
}"""


def test_leader_goes_from_the_cockpit_to_the_evidence_and_to_one_county(page, data, tmp_path):
    sign_in(page, "zhaoju")
    page.goto("/cockpit/")
    assert "领导驾驶舱" in page.get_by_test_id("cockpit-title").inner_text()
    assert page.get_by_test_id("kpi-overdue").inner_text() == "4"
    for chart in ("chart-colour", "chart-departments", "chart-sections"):
        element = page.get_by_test_id(chart)
        element.locator("canvas").wait_for()
        page.wait_for_timeout(600)  # the charts animate in
        assert element.evaluate(PAINTED) > 2000, chart  # the chart drew on its canvas
    page.screenshot(path=str(tmp_path / "cockpit.png"), full_page=True)
    assert (tmp_path / "cockpit.png").stat().st_size > 20000

    # The department furthest behind comes first; a click lands on its overdue tasks.
    first = page.get_by_test_id("department-row").first
    assert first.get_by_test_id("department-link").inner_text() == "市农业农村局"
    first.get_by_test_id("department-link").click()
    page.get_by_test_id("task-table").wait_for()
    titles = page.get_by_test_id("task-row").all_inner_texts()
    assert len(titles) == 3 and all("推动含氟灭火剂替代" not in t for t in titles)
    page.get_by_role("link", name="强化农药使用管理").click()
    assert "已完成全市农药经营门店摸底" in page.get_by_test_id("report-list").inner_text()
    assert "农药门店摸底汇总.pdf" in page.get_by_test_id("report-list").inner_text()

    # One county only.
    page.goto("/cockpit/")
    page.get_by_test_id("filter-region").select_option(data["county"].code)
    page.get_by_test_id("apply-filters").click()
    page.get_by_test_id("cockpit-title").wait_for()
    assert "朔城区" in page.get_by_test_id("cockpit-title").inner_text()
    assert page.get_by_test_id("kpi-percent").inner_text().startswith("0%")
    assert "（0/1）" in page.get_by_test_id("kpis").inner_text()
    assert page.get_by_test_id("kpi-overdue").inner_text() == "0"
    assert page.outside_requests == []
