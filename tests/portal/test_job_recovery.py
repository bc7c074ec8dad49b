"""Job rows a crash left behind (a PDF queued a second before the broker died, an import whose worker was
killed, a screening run that never finished): the beat job sends them again a bounded number of times, then
fails them with a Chinese reason; a failed row offers 重试 on its page, for the person it belongs to."""
import datetime

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.urls import reverse
from django.utils import timezone
from django_celery_beat.models import PeriodicTask

import inventory.jobs
import screening.jobs
import tasks.jobs
from inventory import uploads
from inventory.models import ImportRecord
from portal import recovery
from portal.models import AuditEvent
from screening import services as screening_services
from screening.models import CriteriaProfile, ScreeningRun
from tasks import documents
from tasks.models import ReportDocument
from tests.factories import ActionPlanFactory

LONG_AGO = timezone.now() - datetime.timedelta(days=1)


class Sent:
    """Stands in for a Celery job's .delay: remembers the pks it was sent."""

    def __init__(self):
        self.calls = []

    def delay(self, pk):
        self.calls.append(pk)


@pytest.fixture
def sent(monkeypatch):
    jobs = {"report": Sent(), "check": Sent(), "commit": Sent(), "run": Sent()}
    monkeypatch.setattr(tasks.jobs.generate_report_document_job, "delay", jobs["report"].delay)
    monkeypatch.setattr(inventory.jobs.import_check_job, "delay", jobs["check"].delay)
    monkeypatch.setattr(inventory.jobs.import_commit_job, "delay", jobs["commit"].delay)
    monkeypatch.setattr(screening.jobs.screening_run_job, "delay", jobs["run"].delay)
    return jobs


@pytest.fixture
def plan(regions):
    return ActionPlanFactory(title="朔州市新污染物治理行动方案", region=regions["city"], status="published")


def document(users, plan, **values):
    values = {"status": "queued", "job_since": LONG_AGO, **values}
    return ReportDocument.objects.create(plan=plan, period=datetime.date(2024, 3, 1), recipient=users["leader"],
                                         **values)


def import_record(users, status, tmp_path, **values):
    record = ImportRecord(kind="enterprises", actor=users["bureau_staff"], file_name="企业名录.csv", sha256="0" * 64,
                          status=status, **values)
    record.file.save("enterprises.csv", ContentFile("统一社会信用代码,企业名称\n".encode()), save=False)
    record.save()
    ImportRecord.objects.filter(pk=record.pk).update(job_since=values.get("job_since", LONG_AGO))
    record.refresh_from_db()
    return record


@pytest.fixture
def screening_run(users, regions):
    screening_services.profiles_load()
    version = CriteriaProfile.objects.get(code="hj1229").current

    def make(**values):
        values = {"status": "running", "job_since": LONG_AGO, **values}
        return ScreeningRun.objects.create(version=version, region=regions["city"], year=2023,
                                           created_by=users["bureau_staff"], **values)
    return make


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def test_every_job_row_kind_is_registered_with_a_limit_longer_than_its_time_limit():
    assert set(recovery.KINDS) == {"report_document", "import", "screening_run"}
    for kind in recovery.KINDS.values():
        assert kind.stale_seconds > django_settings.PORTAL_REPORTS_TIME_LIMIT


def test_the_recovery_runs_on_the_beat_schedule(db):
    task = PeriodicTask.objects.get(name="portal.jobs_recover")
    assert task.enabled and task.interval.every == django_settings.PORTAL_JOB_RECOVER_SECONDS


def test_a_report_queued_before_the_broker_lost_it_is_sent_again(users, plan, sent,
                                                                  django_capture_on_commit_callbacks):
    doc = document(users, plan)
    with django_capture_on_commit_callbacks(execute=True):
        summary = recovery.jobs_recover()
    assert summary["report_document"] == {"requeued": 1, "failed": 0}
    assert sent["report"].calls == [doc.pk]
    doc.refresh_from_db()
    assert (doc.status, doc.job_attempts) == ("queued", 1) and doc.job_since > LONG_AGO
    event = AuditEvent.objects.get(action="job.requeue", object_id=str(doc.pk))
    assert event.before["status"] == "queued" and event.after == {"status": "queued", "attempts": 1}


def test_a_row_within_its_limit_is_left_alone(users, plan, sent, django_capture_on_commit_callbacks):
    doc = document(users, plan, status="running", job_since=timezone.now())
    with django_capture_on_commit_callbacks(execute=True):
        recovery.jobs_recover()
    doc.refresh_from_db()
    assert (doc.status, doc.job_attempts) == ("running", 0) and sent["report"].calls == []
    assert not AuditEvent.objects.filter(action__startswith="job.").exists()


def test_a_row_still_stuck_after_its_last_requeue_fails_with_a_chinese_reason(users, plan, sent, settings,
                                                                              django_capture_on_commit_callbacks):
    settings.PORTAL_JOB_MAX_REQUEUES = 2
    doc = document(users, plan, status="running", job_attempts=2)
    with django_capture_on_commit_callbacks(execute=True):
        assert recovery.jobs_recover()["report_document"] == {"requeued": 0, "failed": 1}
    doc.refresh_from_db()
    assert doc.status == "failed" and "后台任务长时间未完成" in doc.error and "重试" in doc.error
    assert sent["report"].calls == []
    assert AuditEvent.objects.filter(action="job.fail", object_id=str(doc.pk)).count() == 1


def test_a_job_cut_off_from_the_database_or_redis_is_left_for_the_recovery_not_failed(users, plan, tmp_path, sent,
                                                                                       monkeypatch):
    import redis.exceptions
    from django.db import OperationalError

    doc = document(users, plan, job_since=timezone.now())

    def redis_down(*args, **kwargs):
        raise redis.exceptions.ConnectionError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(documents, "document_context", redis_down)
    with pytest.raises(redis.exceptions.ConnectionError):
        tasks.jobs.generate_report_document_job(doc.pk)
    doc.refresh_from_db()
    assert (doc.status, doc.error) == ("running", "")

    record = import_record(users, "queued", tmp_path, job_since=timezone.now())

    def database_gone(*args, **kwargs):
        raise OperationalError("server closed the connection unexpectedly")

    monkeypatch.setattr(uploads, "_check", database_gone)
    with pytest.raises(OperationalError):
        inventory.jobs.import_check_job(record.pk)
    record.refresh_from_db()
    assert (record.status, record.error_count) == ("checking", 0)
    # past their limit, the recovery sends both again
    ReportDocument.objects.filter(pk=doc.pk).update(job_since=LONG_AGO)
    ImportRecord.objects.filter(pk=record.pk).update(job_since=LONG_AGO)
    summary = recovery.jobs_recover()
    assert summary["report_document"]["requeued"] == summary["import"]["requeued"] == 1


def test_a_stuck_import_check_is_checked_again_and_a_stuck_commit_is_sent_again(users, sent, tmp_path,
                                                                                django_capture_on_commit_callbacks):
    checking = import_record(users, "checking", tmp_path)
    committing = import_record(users, "committing", tmp_path)
    with django_capture_on_commit_callbacks(execute=True):
        assert recovery.jobs_recover()["import"] == {"requeued": 2, "failed": 0}
    checking.refresh_from_db()
    committing.refresh_from_db()
    assert (checking.status, committing.status) == ("queued", "committing")
    assert sent["check"].calls == [checking.pk] and sent["commit"].calls == [committing.pk]


def test_an_import_failed_by_the_recovery_is_retried_by_its_uploader_only(users, sent, tmp_path, settings,
                                                                          django_capture_on_commit_callbacks):
    settings.PORTAL_JOB_MAX_REQUEUES = 0
    record = import_record(users, "committing", tmp_path)
    recovery.jobs_recover()
    record.refresh_from_db()
    assert record.status == "failed" and uploads.import_retryable(record)
    assert "后台任务长时间未完成" in record.errors[0]["message"]
    with pytest.raises(PermissionDenied):
        uploads.import_retry(actor=users["county_staff"], record=record)
    with django_capture_on_commit_callbacks(execute=True):
        record = uploads.import_retry(actor=users["bureau_staff"], record=record)
    assert (record.status, record.errors, record.error_count, record.job_attempts) == ("queued", [], 0, 0)
    assert sent["check"].calls == [record.pk]
    assert AuditEvent.objects.filter(action="import.retry", object_id=str(record.pk),
                                     actor=users["bureau_staff"]).count() == 1


def test_an_import_that_failed_because_of_its_file_cannot_be_retried(users, tmp_path):
    record = import_record(users, "failed", tmp_path,
                           errors=[{"row": 3, "column": "企业名称", "message": "必填"}], error_count=1)
    assert not uploads.import_retryable(record)
    with pytest.raises(ValidationError):
        uploads.import_retry(actor=users["bureau_staff"], record=record)
    assert not AuditEvent.objects.filter(action="import.retry").exists()


def test_a_stuck_screening_run_is_queued_again_then_failed_then_retried(users, screening_run, sent, settings,
                                                                        django_capture_on_commit_callbacks):
    settings.PORTAL_JOB_MAX_REQUEUES = 1
    run = screening_run()
    with django_capture_on_commit_callbacks(execute=True):
        recovery.jobs_recover()
    run.refresh_from_db()
    assert (run.status, run.job_attempts) == ("queued", 1) and sent["run"].calls == [run.pk]
    ScreeningRun.objects.filter(pk=run.pk).update(job_since=LONG_AGO)
    recovery.jobs_recover()
    run.refresh_from_db()
    assert run.status == "failed" and "重试" in run.error
    with pytest.raises(PermissionDenied):
        screening_services.run_retry(actor=users["department_officer"], run=run)
    with django_capture_on_commit_callbacks(execute=True):
        run = screening_services.run_retry(actor=users["bureau_staff"], run=run)
    assert (run.status, run.error, run.job_attempts) == ("queued", "", 0) and sent["run"].calls == [run.pk, run.pk]
    assert AuditEvent.objects.filter(action="screening.run.retry", object_id=str(run.pk)).count() == 1
    with pytest.raises(ValidationError):
        screening_services.run_retry(actor=users["bureau_staff"], run=run)  # not failed any more


def test_a_failed_report_is_retried_by_its_recipient_from_the_documents_page(users, plan, sent, client_for,
                                                                             django_capture_on_commit_callbacks):
    doc = document(users, plan, status="failed", error="报告生成失败")
    page = client_for("leader").get(reverse("tasks:document_list"))
    assert reverse("tasks:document_retry", args=[doc.pk]) in page.content.decode()
    with pytest.raises(PermissionDenied):
        documents.report_document_retry(actor=users["bureau_staff"], document=doc)
    assert client_for("bureau_staff").post(reverse("tasks:document_retry", args=[doc.pk])).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for("leader").post(reverse("tasks:document_retry", args=[doc.pk]))
    assert response.status_code == 302
    doc.refresh_from_db()
    assert (doc.status, doc.error) == ("queued", "") and sent["report"].calls == [doc.pk]
    assert AuditEvent.objects.filter(action="report.retry", object_id=str(doc.pk), actor=users["leader"]).count() == 1


def test_the_import_and_run_pages_offer_a_retry_for_a_failed_job(users, tmp_path, screening_run, client_for):
    record = import_record(users, "committing", tmp_path)
    uploads.import_job_failed(record, "导入因系统内部错误中止")
    page = client_for("bureau_staff").get(reverse("inventory:import_detail", args=[record.pk])).content.decode()
    assert reverse("inventory:import_retry", args=[record.pk]) in page and "导入因系统内部错误中止" in page
    run = screening_run(status="failed", error="筛查中止")
    page = client_for("bureau_staff").get(reverse("screening:run_detail", args=[run.pk])).content.decode()
    assert reverse("screening:run_retry", args=[run.pk]) in page


def test_visibility_timeout_covers_every_time_limit_and_slow_jobs_get_the_reports_limit():
    s = django_settings
    annotations = s.CELERY_TASK_ANNOTATIONS
    for name, route in s.CELERY_TASK_ROUTES.items():
        assert route["queue"] == "reports" and annotations[name]["time_limit"] == s.PORTAL_REPORTS_TIME_LIMIT
    longest = max(s.CELERY_TASK_TIME_LIMIT, *(a["time_limit"] for a in annotations.values()))
    assert s.CELERY_TASK_TIME_LIMIT < s.PORTAL_REPORTS_TIME_LIMIT
    assert s.CELERY_BROKER_TRANSPORT_OPTIONS["visibility_timeout"] >= longest
    assert s.CELERY_RESULT_BACKEND_TRANSPORT_OPTIONS["visibility_timeout"] >= longest
    # a killed worker's job comes back within the visibility timeout, not after two hours
    assert s.PORTAL_CELERY_VISIBILITY_TIMEOUT <= 30 * 60
