"""赵局长 asks for the month's progress report as a PDF, waits for it in the page, downloads it, and it
is a real PDF with Chinese text in an embedded CJK font (JOURNEYS.md 3)."""
import datetime
import subprocess

import pytest

from portal.celery import app as celery_app
from portal.services import roles_sync
from tasks.models import ReportDocument
from tests.factories import (
    TEST_PASSWORD,
    ActionPlanFactory,
    DepartmentFactory,
    RegionFactory,
    TaskAssignmentFactory,
    TaskFactory,
    UserFactory,
)

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def eager_celery():
    """Jobs run at once in the web process, as a worker would run them."""
    old = celery_app.conf.task_always_eager
    celery_app.conf.task_always_eager = True
    yield
    celery_app.conf.task_always_eager = old


@pytest.fixture
def leader(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    roles_sync()
    city = RegionFactory(code="140600", name="朔州市", level="prefecture")
    bureau = DepartmentFactory(name="朔州市生态环境局", short_name="市生态环境局", region=city, kind="bureau")
    agri = DepartmentFactory(name="朔州市农业农村局", short_name="市农业农村局", region=city)
    plan = ActionPlanFactory(title="朔州市新污染物治理行动方案", region=city, issued=datetime.date(2023, 5, 13))
    task = TaskFactory(plan=plan, label="三、（七）", title="强化农药使用管理", deadline=datetime.date(2025, 12, 31))
    TaskAssignmentFactory(task=task, department=agri, is_lead=True)
    return UserFactory(username="zhaoju", real_name="赵局长", department=bureau, roles=["leader"])


def test_leader_generates_and_downloads_a_chinese_pdf(page, leader, eager_celery, tmp_path):
    page.goto("/accounts/login/")
    page.fill("#id_username", "zhaoju")
    page.fill("#id_password", TEST_PASSWORD)
    page.click("#login-form button[type=submit]")
    page.get_by_test_id("home-title").wait_for()
    page.goto("/tasks/documents/")
    form = page.get_by_test_id("document-request")
    form.locator("select[name=plan]").select_option(label="朔州市新污染物治理行动方案")
    form.locator("input[name=period]").fill("2025-11")
    form.locator("button").click()
    page.get_by_test_id("download").wait_for(timeout=60000)
    with page.expect_download() as info:
        page.get_by_test_id("download").click()
    path = tmp_path / "report.pdf"
    info.value.save_as(path)
    assert path.read_bytes().startswith(b"%PDF")
    text = subprocess.run(["pdftotext", str(path), "-"], capture_output=True, text=True, check=True).stdout
    assert "朔州市新污染物治理行动方案" in text and "强化农药使用管理" in text
    fonts = subprocess.run(["pdffonts", str(path)], capture_output=True, text=True, check=True).stdout
    assert "CJK" in fonts or "WenQuanYi" in fonts, fonts
    document = ReportDocument.objects.get()
    assert document.recipient == leader and document.status == "done"
    assert page.outside_requests == []
