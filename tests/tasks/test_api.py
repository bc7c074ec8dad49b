"""The tasks API: the same rules as the pages, through the services."""
import datetime

import pytest
from django.test import Client
from django.urls import reverse

from tasks.models import ProgressReport, ReportDocument


def client_of(user):
    client = Client()
    client.force_login(user)
    return client


def test_officer_reporting_on_another_departments_task_gets_404(users, other_task):
    client = client_of(users["department_officer"])
    page = client.post(reverse("tasks:report_submit", args=[other_task.pk]), {"narrative": "x", "percent": 10})
    api = client.post(reverse("task-report", args=[other_task.pk]), {"narrative": "x", "percent": 10})
    assert (page.status_code, api.status_code) == (404, 404)
    assert client.get(reverse("tasks:task_detail", args=[other_task.pk])).status_code == 404
    assert not ProgressReport.objects.exists()


def test_api_report_with_bad_percent_is_400_with_the_reason(users, task):
    response = client_of(users["department_officer"]).post(
        reverse("task-report", args=[task.pk]), {"narrative": "进展", "percent": 120}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    assert "0" in str(response.json()) and "100" in str(response.json())
    assert not ProgressReport.objects.exists()


def test_officer_lists_only_own_department_tasks_with_colours(users, task, other_task):
    data = client_of(users["department_officer"]).get(reverse("task-list")).json()
    assert [t["title"] for t in data["results"]] == ["强化农药使用管理"]
    assert data["results"][0]["alert"] in {"", "blue", "yellow", "red"}
    assert data["results"][0]["effective_status"]


def test_leader_requests_a_pdf_through_the_api(users, task, monkeypatch, django_capture_on_commit_callbacks):
    queued = []
    monkeypatch.setattr("tasks.jobs.generate_report_document_job.delay", queued.append)
    client = client_of(users["leader"])
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("reportdocument-list"), {"plan": task.plan_id, "period": "2025-11-15"})
    assert response.status_code == 202
    document = ReportDocument.objects.get()
    assert document.recipient == users["leader"] and document.period == datetime.date(2025, 11, 1)
    assert queued == [document.pk]
    assert client.get(reverse("reportdocument-download", args=[document.pk])).status_code == 404  # not ready yet


def test_pdf_request_for_a_plan_out_of_sight_is_404(users, task, regions):
    from tests.factories import ActionPlanFactory

    elsewhere = ActionPlanFactory(region=regions["other"])
    response = client_of(users["leader"]).post(reverse("reportdocument-list"), {"plan": elsewhere.pk,
                                                                               "period": "2025-11-01"})
    assert response.status_code == 404
    assert not ReportDocument.objects.exists()


@pytest.mark.parametrize("payload", [{"approve": False, "note": ""}])
def test_refusing_an_extension_without_a_note_is_400(users, task, payload):
    from tasks import services

    ext = services.extension_request_create(actor=users["department_officer"], task=task,
                                            new_deadline=datetime.date(2026, 6, 30), reason="数据延迟")
    response = client_of(users["bureau_staff"]).post(reverse("extensionrequest-decide", args=[ext.pk]), payload,
                                                     content_type="application/json")
    assert response.status_code == 400
    ext.refresh_from_db()
    assert ext.status == "pending"


def test_plan_page_shows_an_officer_only_his_departments_items(users, task, other_task):
    html = client_of(users["department_officer"]).get(reverse("tasks:plan_detail", args=[task.plan_id])).content.decode()
    assert "强化农药使用管理" in html and "加强新污染物多环境介质协同治理" not in html
    html = client_of(users["leader"]).get(reverse("tasks:plan_detail", args=[task.plan_id])).content.decode()
    assert "强化农药使用管理" in html and "加强新污染物多环境介质协同治理" in html
