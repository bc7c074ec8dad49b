"""The bureau's and the officer's days with the plan (JOURNEYS.md 1 and 2), in a real browser:
王敏 imports the Shuozhou plan, maps the name the portal could not match, publishes; 李强 sees his
department's tasks with colours, reports progress with a PDF; 王敏 returns it with a reason; 李强
sees why, resubmits; 王敏 accepts."""
import datetime
from pathlib import Path

import pytest
from django.conf import settings

from portal.models import DepartmentAlias
from portal.services import reference_load, roles_sync
from tasks.models import ActionPlan, ProgressReport, Task
from tests.e2e.helpers import sign_in
from tests.factories import UserFactory
from tests.tasks.conftest import PDF

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

PLAN = Path(settings.BASE_DIR) / "fixtures" / "plans" / "shuozhou-2023.txt"


@pytest.fixture
def people(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    roles_sync()
    reference_load()
    # The portal has never seen this way of writing the bank regulator's name.
    from portal.models import Department

    DepartmentAlias.objects.filter(name="朔州银保监分局").delete()
    Department.objects.filter(short_name="朔州银保监分局").update(short_name="朔州监管分局")
    bureau = Department.objects.get(name="朔州市生态环境局")
    agri = Department.objects.get(name="朔州市农业农村局")
    return {
        "wangmin": UserFactory(username="wangmin", real_name="王敏", department=bureau, roles=["bureau_staff"]),
        "liqiang": UserFactory(username="liqiang", real_name="李强", department=agri, roles=["department_officer"]),
    }



def test_bureau_imports_maps_publishes_and_officer_reports(page, people, tmp_path):
    # 王敏: import the plan as a file
    sign_in(page, "wangmin")
    page.goto("/tasks/plans/import/")
    page.set_input_files("#id_file", str(PLAN))
    page.click("[data-testid=plan-import-form] button")
    page.get_by_test_id("plan-title").wait_for()
    assert page.get_by_test_id("plan-title").inner_text() == "朔州市新污染物治理行动方案"
    assert page.get_by_test_id("parsed-task").count() == 20
    assert page.locator(".plan-paragraphs p").count() > 20  # the source beside the tasks
    unmatched = page.get_by_test_id("unmatched")
    assert "朔州银保监分局" in unmatched.inner_text()
    assert page.get_by_test_id("publish").is_disabled()
    # map the name to the right department; the portal remembers it
    form = unmatched.locator("form", has_text="朔州银保监分局")
    form.locator("select").select_option(label="中国银行保险监督管理委员会朔州监管分局")
    form.locator("button").click()
    page.get_by_test_id("plan-title").wait_for()
    assert page.get_by_test_id("unmatched").count() == 0
    assert DepartmentAlias.objects.filter(name="朔州银保监分局").exists()
    page.get_by_test_id("publish").click()
    page.get_by_test_id("plan-title").wait_for()
    assert page.get_by_test_id("plan-status").get_attribute("data-status") == "published"
    assert page.get_by_test_id("plan-status").inner_text() == "已发布"
    assert ActionPlan.objects.get().status == "published"

    # 李强: his department's tasks, with colours; report progress with evidence
    sign_in(page, "liqiang")
    rows = page.get_by_test_id("my-tasks").get_by_test_id("task-row")
    assert rows.count() >= 1
    page.goto("/tasks/")
    titles = page.get_by_test_id("task-table").inner_text()
    assert "强化农药使用管理" in titles and "加强组织领导" not in titles  # only his department's tasks
    page.get_by_role("link", name="强化农药使用管理").click()
    page.get_by_test_id("task-title").wait_for()
    evidence = tmp_path / "县级汇总.pdf"
    evidence.write_bytes(PDF)
    report_form = page.get_by_test_id("report-form")
    report_form.locator("textarea[name=narrative]").fill("已在6个县（市、区）设立回收点52个。")
    report_form.locator("input[name=percent]").fill("35")
    report_form.locator("input[name=files]").set_input_files(str(evidence))
    report_form.locator("button").click()
    page.get_by_test_id("report-submitted").wait_for()
    assert "县级汇总.pdf" in page.get_by_test_id("report-list").inner_text()

    # 王敏: returns it with a reason
    sign_in(page, "wangmin")
    page.goto("/tasks/review/")
    page.get_by_role("link", name="强化农药使用管理").first.click()
    page.locator("input[name=reason]").fill("请补充各县回收量明细")
    page.get_by_test_id("return").click()
    page.get_by_test_id("report-returned").wait_for()

    # 李强: sees why, resubmits; the task is yellow while returned (its deadline moved into the future,
    # as after an approved extension: past the deadline it would be red, which outranks yellow)
    Task.objects.filter(title="强化农药使用管理").update(deadline=datetime.date.today() + datetime.timedelta(days=60))
    sign_in(page, "liqiang")
    page.goto("/tasks/?alert=yellow")
    assert "强化农药使用管理" in page.get_by_test_id("task-table").inner_text()
    page.get_by_role("link", name="强化农药使用管理").click()
    assert "请补充各县回收量明细" in page.get_by_test_id("report-list").inner_text()
    report_form = page.get_by_test_id("report-form")
    report_form.locator("textarea[name=narrative]").fill("已补充：朔城区12个、怀仁市9个……")
    report_form.locator("input[name=percent]").fill("40")
    report_form.locator("button").click()
    page.get_by_test_id("report-submitted").wait_for()

    # 王敏: accepts
    sign_in(page, "wangmin")
    page.goto("/tasks/review/")
    page.get_by_role("link", name="强化农药使用管理").first.click()
    page.get_by_test_id("accept").click()
    page.get_by_test_id("report-accepted").wait_for()
    assert list(ProgressReport.objects.order_by("submitted_at").values_list("status", flat=True)) == [
        "returned", "accepted"]
    assert page.outside_requests == []


def test_bad_plan_file_gives_a_chinese_reason(page, people, tmp_path):
    sign_in(page, "wangmin")
    page.goto("/tasks/plans/import/")
    empty = tmp_path / "空白.txt"
    empty.write_bytes(b"")
    page.set_input_files("#id_file", str(empty))
    page.click("[data-testid=plan-import-form] button")
    error = page.get_by_test_id("import-error")
    error.wait_for()
    assert "空" in error.inner_text()
    assert ActionPlan.objects.count() == 0
