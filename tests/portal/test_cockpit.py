"""The leadership cockpit: figures computed ahead of time into summaries (checked against a small data set whose
answers are known), served within the viewer's region, the same through the page, the JSON API, the xlsx
export and the monthly PDF report, refreshed after a write, and a fixed number of queries at any size."""
import datetime
import re
from decimal import Decimal
from unittest import mock

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from portal.cockpit import CSRF_PLACEHOLDER
from portal.models import CockpitSummary
from portal.selectors import cockpit
from portal.services import cockpit_summaries_refresh
from tests.factories import (
    ActionPlanFactory,
    NotificationFactory,
    TaskAssignmentFactory,
    TaskFactory,
    UserFactory,
)

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
    client.get(reverse("portal:home"))  # the session's last-activity stamp is written here, not counted
    counts = []
    for url in (reverse("portal:cockpit"), reverse("api-dashboard")):
        for _ in range(2):  # the first request after the refresh renders, the second is served from the cache
            with CaptureQueriesContext(connection) as queries:
                assert client.get(url).status_code == 200
            counts.append(len(queries))
    assert counts == [11, 4, 4, 3]  # the same at 2 and 200 tasks; at most 15


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


def _token(html: str) -> str:
    return re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', html).group(1)


def test_the_page_is_cached_per_viewer_and_each_request_gets_a_working_token(users, regions, plan, tasks):
    """The second visit is served whole from the cache (nothing rendered); its sign-out form carries a token of
    this browser's own, in any browser of the same leader; another leader asking for the same address gets their
    own page."""
    cockpit_summaries_refresh(today=TODAY)
    url = reverse("portal:cockpit")
    browsers = [Client(HTTP_ACCEPT_LANGUAGE="zh-hans", enforce_csrf_checks=True) for _ in range(2)]
    for browser in browsers:
        browser.force_login(users["leader"])
    first = browsers[0].get(url).content.decode()
    with mock.patch("portal.cockpit.panels_html") as rendered:
        pages = [browser.get(url).content.decode() for browser in browsers]
    rendered.assert_not_called()
    assert 'data-testid="kpi-percent">20%' in pages[0] and 'data-testid="kpi-percent">20%' in pages[1]
    assert all(CSRF_PLACEHOLDER not in page for page in [first, *pages])
    for browser, page in zip(browsers, pages, strict=True):
        response = browser.post(reverse("portal:logout"), {"csrfmiddlewaretoken": _token(page)})
        assert response.status_code == 302
        assert browser.get(url).status_code == 302  # signed out: the token was accepted
    county_leader = UserFactory(username="county_leader", real_name="朔城区领导",
                                department=_department(regions["county"]), roles=["leader"])
    other = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    other.force_login(county_leader)
    page = other.get(url).content.decode()
    current = re.compile(r'data-testid="current-user">\s*([^<·]+?)\s')
    assert current.search(page).group(1) == "朔城区领导"
    assert current.search(pages[0]).group(1) == users["leader"].real_name
    assert 'data-testid="kpi-percent">0%' in page  # the county's one open task, not the city's five


def test_a_cached_page_still_shows_waiting_messages_once_and_new_notifications(users, plan, tasks):
    from django.contrib.messages import constants
    from django.contrib.messages.storage.base import Message
    from django.contrib.messages.storage.cookie import CookieStorage
    from django.test import RequestFactory

    cockpit_summaries_refresh(today=TODAY)
    url = reverse("portal:cockpit")
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(users["leader"])
    assert "已转交市农业农村局" not in client.get(url).content.decode()  # now cached
    client.cookies["messages"] = CookieStorage(RequestFactory().get(url))._encode(
        [Message(constants.SUCCESS, "已转交市农业农村局")])
    assert "已转交市农业农村局" in client.get(url).content.decode()
    assert "已转交市农业农村局" not in client.get(url).content.decode()  # shown once, and never cached
    badge = re.compile(r'data-testid="notification-badge">(\d+)<')
    assert badge.search(client.get(url).content.decode()).group(1) == "0"
    NotificationFactory(recipient=users["leader"])
    assert badge.search(client.get(url).content.decode()).group(1) == "1"
    english = Client(HTTP_ACCEPT_LANGUAGE="en")
    english.force_login(users["leader"])
    assert "Cockpit" in english.get(url).content.decode()


def test_the_on_time_rate_counts_a_task_by_the_day_it_was_completed(users, plan, tasks):
    """市生态环境局 has two tasks due: the one it completed (deadline 2023-12-31) and the late one it shares.
    Completed on 31 December is on time; at half past midnight on 1 January Beijing time it is late, though that
    is still 31 December in UTC."""
    done = tasks["done_bureau"]

    def bureau_rate():
        cockpit_summaries_refresh(today=TODAY)
        ranking = cockpit(user=users["leader"])["panels"]["departments"]["data"]["departments"]
        return next(d["on_time_rate"] for d in ranking if d["name"] == "市生态环境局")

    done.completed_at = datetime.datetime(2023, 12, 31, 9, 0, tzinfo=datetime.UTC)
    done.save()
    assert bureau_rate() == 50
    done.completed_at = datetime.datetime(2023, 12, 31, 16, 30, tzinfo=datetime.UTC)
    done.save()
    assert bureau_rate() == 0


@pytest.mark.parametrize("query", ["?region=zzz&plan=abc&year=-5", "?region=&plan=&year=", "?plan=99999999&year=x"])
def test_malformed_or_foreign_choices_fall_back_to_the_viewers_own(users, plan, tasks, query):
    """Nothing the address asks for breaks the cockpit or widens the scope: an unknown region, a plan that is not
    the viewer's, a year that is not a number give the viewer's own region, all plans and the latest year."""
    cockpit_summaries_refresh(today=TODAY)
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    client.force_login(users["leader"])
    page = client.get(reverse("portal:cockpit") + query)
    assert page.status_code == 200 and 'data-testid="kpi-percent">20%' in page.content.decode()
    body = client.get(reverse("api-dashboard") + query).json()
    assert body["panels"]["plan"]["data"]["total"] == 5
