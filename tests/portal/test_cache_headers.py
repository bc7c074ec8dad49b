"""Nothing a signed-in user is shown, and nothing the API answers, stays in a browser or proxy cache."""
import pytest
from django.test import Client
from django.urls import reverse


@pytest.mark.parametrize("name,who", [("portal:home", "leader"), ("portal:audit_export", "audit_admin"),
                                      ("portal:audit_list", "audit_admin"), ("api-me", "leader"),
                                      ("portal:user_list", "system_admin")])
def test_signed_in_pages_api_and_exports_carry_no_store(users, name, who):
    client = Client()
    client.force_login(users[who])
    response = client.get(reverse(name))
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]


def test_an_evidence_download_carries_no_store(client_for, users, departments, settings, tmp_path):
    from django.core.files.base import ContentFile

    from tasks.models import Evidence
    from tests.factories import ActionPlanFactory, ProgressReportFactory, TaskAssignmentFactory, TaskFactory

    settings.MEDIA_ROOT = tmp_path
    plan = ActionPlanFactory(region=departments["agri"].region)
    assignment = TaskAssignmentFactory(task=TaskFactory(plan=plan), department=departments["agri"], is_lead=True)
    report = ProgressReportFactory(assignment=assignment, submitted_by=users["department_officer"])
    evidence = Evidence(report=report, original_name="汇总.pdf", content_type="application/pdf", size=8, sha256="0" * 64)
    evidence.file.save("e.pdf", ContentFile(b"%PDF-1.4"), save=True)
    response = client_for("department_officer").get(reverse("tasks:evidence_download", args=[evidence.pk]))
    assert response.status_code == 200 and "no-store" in response["Cache-Control"]


def test_an_anonymous_api_answer_carries_no_store(db):
    response = Client().get(reverse("api-me"))
    assert response.status_code == 401 and "no-store" in response["Cache-Control"]


def test_the_env_example_and_settings_agree_on_the_lockout_window():
    from pathlib import Path

    from django.conf import settings

    text = (Path(settings.BASE_DIR) / ".env.example").read_text(encoding="utf-8")
    assert "PORTAL_FAILURE_WINDOW_MINUTES" not in text, "no such setting: axes counts within the lock period"
    assert "PORTAL_LOCKOUT_MINUTES=30" in text and settings.AXES_COOLOFF_TIME.total_seconds() == 30 * 60
