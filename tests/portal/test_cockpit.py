"""The leadership cockpit: figures computed ahead of time into summaries (checked against a small data set whose
answers are known), served within the viewer's region, the same through the page, the JSON API, the xlsx
export and the monthly PDF report, refreshed after a write, and a fixed number of queries at any size."""
import datetime
from decimal import Decimal

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.models import CockpitSummary
from portal.selectors import cockpit
from portal.services import cockpit_summaries_refresh
from tests.factories import ActionPlanFactory, TaskAssignmentFactory, TaskFactory, UserFactory

pytestmark = pytest.mark.django_db
TODAY = datetime.date(2024, 6, 30)


@pytest.fixture
def plan(regions):
    return ActionPlanFactory(title="朔州市新污染物治理行动方案", region=regions["city"], issued=datetime.date(2023, 5, 1))


def _task(plan, department, *, label, deadline, status="in_progress", progress=50, co=None, county_plan=None):
    task = TaskFactory(plan=county_plan or plan, label=label, deadline=deadline, status=status, progress=progress,
                       start_date=datetime.date(2023, 5, 1))
    TaskAssignmentFactory(task=task, department=department, is_lead=True)
    if co is not None:
        TaskAssignmentFactory(task=task, department=co, is_lead=False)
    return task


@pytest.fixture
def tasks(plan, departments, regions):
    agri, bureau = departments["agri"], departments["bureau"]
    county_plan = ActionPlanFactory(title="朔城区实施方案", region=regions["county"], issued=datetime.date(2023, 6, 1))
    return {
        "late_agri": _task(plan, agri, label="三、（一）", deadline=datetime.date(2024, 6, 1), co=bureau),  # 29 days
        "late_agri2": _task(plan, agri, label="三、（二）", deadline=datetime.date(2024, 6, 25)),  # 5 days
        "done_bureau": _task(plan, bureau, label="四、（一）", deadline=datetime.date(2023, 12, 31), status="completed",
                             progress=100),
        "soon_bureau": _task(plan, bureau, label="四、（二）", deadline=datetime.date(2024, 7, 20)),
        "county": _task(plan, departments["county_bureau"], label="一、", deadline=datetime.date(2025, 12, 31),
                        county_plan=county_plan),
    }


@pytest.fixture
def survey(inventory):
    """The county enterprise accepted in 2023 (with DCM and PFOS lines), the sibling's enterprise in draft."""
    report = inventory["report"]
    report.state = "accepted"
    report.save()
    report.lines.create(substance=inventory["pfos"], raw_name="PFOS", activity="use", quantity=Decimal("2"))
    return inventory


def test_task_panels_hold_the_known_figures(users, plan, tasks):
    cockpit_summaries_refresh(today=TODAY)
    figures = cockpit(user=users["leader"])  # city leader, all plans: the city's plan and the county's
    plan_panel = figures["panels"]["plan"]["data"]
    assert (plan_panel["total"], plan_panel["done"], plan_panel["percent"]) == (5, 1, 20)
    assert plan_panel["status"] == {"overdue": 2, "completed": 1, "in_progress": 2}
    assert plan_panel["colour"]["red"] == 2
    assert {s["section"]: (s["done"], s["total"]) for s in plan_panel["sections"]} == {
        "一、": (0, 1), "三、": (0, 2), "四、": (1, 2)}
    assert [(m["label"], m["done"], m["total"]) for m in plan_panel["milestones"]] == [
        ("2023年底前", 1, 1), ("2024年底前", 1, 4), ("2025年底前", 1, 5)]
    ranking = figures["panels"]["departments"]["data"]["departments"]
    assert [(d["name"], d["overdue"], d["on_time_rate"]) for d in ranking][:2] == [
        ("市农业农村局", 2, 0), ("市生态环境局", 1, 50)]
    deadlines = figures["panels"]["deadlines"]["data"]
    assert [(r["id"], r["days"]) for r in deadlines["overdue"]] == [(tasks["late_agri"].pk, 29),
                                                                   (tasks["late_agri2"].pk, 5)]
    assert [r["escalated"] for r in deadlines["overdue"]] == [True, False]
    assert [(r["id"], r["days"]) for r in deadlines["upcoming"]] == [(tasks["soon_bureau"].pk, 20)]
    only_city_plan = cockpit(user=users["leader"], plan=plan.pk)
    assert only_city_plan["panels"]["plan"]["data"]["total"] == 4


def test_survey_funnel_and_control_panels(users, regions, survey):
    from controls.models import ControlList
    from controls.services import controlled_enterprises_derive, reference_lists_load
    reference_lists_load()
    controlled_enterprises_derive(actor=None, clist=ControlList.objects.get(kind="national_key"))
    cockpit_summaries_refresh(today=TODAY)
    figures = cockpit(user=users["leader"], year=2023)
    survey_panel = figures["panels"]["survey"]["data"]
    assert (survey_panel["in_scope"], survey_panel["reported"], survey_panel["accepted"]) == (2, 1, 1)
    assert {r["code"]: (r["in_scope"], r["reported"], r["accepted"]) for r in survey_panel["regions"]} == {
        regions["county"].code: (1, 1, 1), regions["sibling"].code: (1, 0, 0)}
    steps = {s["key"]: s["n"] for s in figures["panels"]["screening"]["data"]["steps"]}
    assert steps["surveyed"] == 2 and steps["screened"] == 0  # DCM and PFOS; nothing screened yet
    control = figures["panels"]["control"]["data"]
    assert control["enterprises"] == 1
    assert {r["entry"]: r["enterprises"] for r in control["per_entry"]} == {1: 1, 10: 1}
    sibling_leader = UserFactory(username="sibling_leader", department=_department(regions["sibling"]),
                                 roles=["leader"])
    sibling = cockpit(user=sibling_leader, year=2023)
    assert sibling["panels"]["survey"]["data"]["reported"] == 0 and sibling["panels"]["control"]["data"]["enterprises"] == 0


def _department(region):
    from tests.factories import DepartmentFactory
    return DepartmentFactory(region=region)


def test_a_county_leader_sees_only_the_county_and_cannot_ask_for_more(users, regions, plan, tasks):
    cockpit_summaries_refresh(today=TODAY)
    county_leader = UserFactory(username="county_leader", department=_department(regions["county"]),
                                roles=["leader"])
    figures = cockpit(user=county_leader, region=regions["city"].code)
    assert figures["region"] == regions["county"]  # the city is not within the county leader's scope
    assert [r.code for r in figures["regions"]] == [regions["county"].code]
    assert figures["panels"]["plan"]["data"]["total"] == 1
    other = cockpit(user=users["leader"], region=regions["other"].code)
    assert other["region"] == regions["city"]
    county = cockpit(user=users["leader"], region=regions["county"].code)
    assert county["region"] == regions["county"] and county["panels"]["plan"]["data"]["total"] == 1


def test_page_json_and_xlsx_give_the_same_figures(users, plan, tasks):
    from io import BytesIO

    from openpyxl import load_workbook
    cockpit_summaries_refresh(today=TODAY)
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(users["leader"])
    page = client.get(reverse("portal:cockpit"))
    assert page.status_code == 200 and 'data-testid="chart-departments"' in page.content.decode()
    assert page.context["plan"]["percent"] == 20
    api = client.get(reverse("api-dashboard")).json()
    assert api["panels"]["plan"]["data"]["percent"] == 20 and api["region"]["code"] == "140600"
    assert api["panels"]["plan"]["refreshed_at"]
    one = client.get(reverse("api-dashboard-panel", args=["departments"])).json()
    assert list(one["panels"]) == ["departments"]
    assert client.get(reverse("api-dashboard-panel", args=["nonsense"])).status_code == 404
    workbook = load_workbook(BytesIO(client.get(reverse("portal:cockpit") + "?export=xlsx").content))
    departments = workbook["部门"] if "部门" in workbook.sheetnames else workbook.worksheets[1]
    assert [c.value for c in departments[2]][:3] == ["市农业农村局", 2, 2]
    officer = Client()
    officer.force_login(users["department_officer"])
    assert officer.get(reverse("portal:cockpit")).status_code == 403
    assert officer.get(reverse("api-dashboard")).status_code == 403


def test_the_monthly_report_takes_the_cockpits_figures_for_leaders_only(users, plan, tasks, survey):
    from tasks.documents import document_context
    cockpit_summaries_refresh(today=TODAY)
    leader = document_context(plan=plan, period=datetime.date(2024, 6, 1), user=users["leader"], today=TODAY)
    assert leader["cockpit"]["survey"]["accepted"] == 1 and leader["cockpit"]["funnel"][0]["n"] == 2
    officer = document_context(plan=plan, period=datetime.date(2024, 6, 1), user=users["department_officer"],
                               today=TODAY)
    assert officer["cockpit"] is None


def test_a_task_update_reaches_the_cockpit_through_the_refresh_job(users, plan, tasks, settings,
                                                                   django_capture_on_commit_callbacks):
    from django.core.cache import cache

    from portal.celery import app as celery_app
    cache.clear()
    cockpit_summaries_refresh()
    before = cockpit(user=users["leader"])["panels"]["plan"]["data"]["done"]
    old = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    try:
        with django_capture_on_commit_callbacks(execute=True):
            task = tasks["late_agri2"]
            task.status, task.progress = "completed", 100
            task.save()
    finally:
        celery_app.conf.task_always_eager = old
    assert cockpit(user=users["leader"])["panels"]["plan"]["data"]["done"] == before + 1


def test_refresh_replaces_rows_that_no_longer_apply(users, plan, tasks):
    cockpit_summaries_refresh(today=TODAY)
    assert CockpitSummary.objects.filter(panel="plan", plan_id=plan.pk).exists()
    plan.status = "draft"
    plan.save()
    cockpit_summaries_refresh(groups=["tasks"], today=TODAY)
    assert not CockpitSummary.objects.filter(panel="plan", plan_id=plan.pk).exists()


@pytest.mark.parametrize("n", [2, 200])
def test_the_cockpit_issues_a_fixed_number_of_queries(users, plan, departments, n):
    for i in range(n):
        _task(plan, departments["agri"] if i % 2 else departments["bureau"], label=f"三、（{i}）",
              deadline=TODAY + datetime.timedelta(days=i - n // 2))
    cockpit_summaries_refresh(today=TODAY)
    client = Client()
    client.force_login(users["leader"])
    counts = []
    for url in (reverse("portal:cockpit"), reverse("api-dashboard")):
        client.get(url)
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts.append(len(queries))
    assert counts == [5, 3]  # the same at 2 and 200 tasks; at most 15


def test_a_refresh_replaces_the_cached_page_and_json(users, plan, tasks):
    """The rendered panels are cached for everyone who chose the same region, plan and year — until the next
    refresh of the summaries, which shows at once."""
    cockpit_summaries_refresh(today=TODAY)
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(users["leader"])
    assert client.get(reverse("api-dashboard")).json()["panels"]["plan"]["data"]["total"] == 5
    assert 'data-testid="kpi-percent">20%' in client.get(reverse("portal:cockpit")).content.decode()
    task = tasks["late_agri2"]
    task.status = "completed"
    task.save()
    assert client.get(reverse("api-dashboard")).json()["panels"]["plan"]["data"]["done"] == 1  # cached
    cockpit_summaries_refresh(today=TODAY)
    assert client.get(reverse("api-dashboard")).json()["panels"]["plan"]["data"]["done"] == 2
    assert 'data-testid="kpi-percent">40%' in client.get(reverse("portal:cockpit")).content.decode()
