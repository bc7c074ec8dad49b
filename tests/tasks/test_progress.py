"""Progress reporting, review, extensions, closure and instructions — through the services, with
their audit events and notifications, and the bad inputs of the issue."""
import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from django.utils import translation

from portal.models import AuditEvent, Notification
from tasks import services
from tasks.choices import ReportStatus, TaskStatus
from tasks.models import Evidence, ProgressReport, Task
from tests.tasks.conftest import PDF, PNG

pytestmark = pytest.mark.django_db(transaction=False)


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


def submit(users, task, **kw):
    kw.setdefault("narrative", "已组织开展农药包装废弃物回收。")
    kw.setdefault("percent", 40)
    return services.progress_report_submit(actor=users["department_officer"], task=task, **kw)


def test_officer_reports_with_evidence_and_reviewers_are_told(users, task, pdf_file, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = submit(users, task, files=[pdf_file, SimpleUploadedFile("现场照片.png", PNG)])
    assert report.status == ReportStatus.SUBMITTED and report.percent == 40
    assert sorted(Evidence.objects.values_list("content_type", flat=True)) == ["application/pdf", "image/png"]
    evidence = Evidence.objects.get(content_type="application/pdf")
    assert evidence.original_name == "县级汇总.pdf" and evidence.sha256 in evidence.file.name
    assert ".pdf" not in evidence.file.name  # stored under its hash, never under the uploaded name
    task.refresh_from_db()
    assert task.status == TaskStatus.IN_PROGRESS
    assert Notification.objects.filter(recipient=users["bureau_staff"], title__contains="强化农药使用管理").exists()
    assert AuditEvent.objects.filter(action="progress.submit", actor=users["department_officer"]).exists()


@pytest.mark.parametrize("percent", [-1, 101, 250])
def test_percent_outside_0_100_is_refused_and_nothing_saved(users, task, percent):
    with pytest.raises(ValidationError) as error:
        submit(users, task, percent=percent)
    assert "0" in str(error.value) and "100" in str(error.value)
    assert not ProgressReport.objects.exists()


def test_lower_percent_than_last_accepted_needs_a_reason(users, task):
    services.progress_report_review(actor=users["bureau_staff"], report=submit(users, task, percent=60), accept=True)
    with pytest.raises(ValidationError) as error:
        submit(users, task, percent=50)
    assert "60%" in str(error.value) and "原因" in str(error.value)
    report = submit(users, task, percent=50, decrease_reason="上期数据统计口径有误，已更正")
    assert report.decrease_reason


def test_executable_renamed_pdf_is_refused(users, task):
    fake = SimpleUploadedFile("汇总.pdf", b"MZ\x90\x00" + b"\x00" * 100, content_type="application/pdf")
    with pytest.raises(ValidationError) as error:
        submit(users, task, files=[fake])
    assert "汇总.pdf" in str(error.value) and "程序" in str(error.value)
    assert not ProgressReport.objects.exists() and not Evidence.objects.exists()


def test_text_renamed_pdf_is_refused_by_content(users, task):
    fake = SimpleUploadedFile("汇总.pdf", "这不是PDF".encode(), content_type="application/pdf")
    with pytest.raises(ValidationError) as error:
        submit(users, task, files=[fake])
    assert "汇总.pdf" in str(error.value)


@override_settings(PORTAL_EVIDENCE_MAX_BYTES=1024)
def test_evidence_over_the_size_limit_is_refused(users, task):
    big = SimpleUploadedFile("大文件.pdf", PDF + b"0" * 2048)
    with pytest.raises(ValidationError) as error:
        submit(users, task, files=[big])
    assert "大文件.pdf" in str(error.value) and "MB" in str(error.value)
    assert not ProgressReport.objects.exists()


def test_officer_of_another_department_cannot_report(users, other_task):
    with pytest.raises(PermissionDenied):
        submit(users, other_task)


def test_return_needs_a_reason_then_the_officer_sees_why_and_resubmits(users, task, django_capture_on_commit_callbacks):
    report = submit(users, task)
    with pytest.raises(ValidationError):
        services.progress_report_review(actor=users["bureau_staff"], report=report, accept=False, reason=" ")
    with django_capture_on_commit_callbacks(execute=True):
        services.progress_report_review(actor=users["bureau_staff"], report=report, accept=False,
                                        reason="缺少县级汇总材料")
    notice = Notification.objects.get(recipient=users["department_officer"], title__contains="退回")
    assert notice.body == "缺少县级汇总材料"
    early = datetime.date(2023, 6, 1)  # early in the plan: not behind schedule, so only the return counts
    assert Task.objects.with_alert(early).get(pk=task.pk).alert == "yellow"
    submit(users, task, percent=45)
    assert Task.objects.with_alert(early).get(pk=task.pk).alert == ""


def test_accepting_the_lead_report_sets_the_task_progress_and_100_completes_it(users, task):
    report = submit(users, task, percent=100)
    report.submitted_at = datetime.datetime(2024, 12, 30, 16, 30, tzinfo=datetime.UTC)  # 31 Dec in Beijing
    report.save()
    services.progress_report_review(actor=users["bureau_staff"], report=report, accept=True)
    task.refresh_from_db()
    assert task.progress == 100 and task.status == TaskStatus.COMPLETED
    assert task.completed_at == report.submitted_at  # the department's submission, not the bureau's review
    assert task.completed_on == datetime.date(2024, 12, 31) and not task.completed_late
    with pytest.raises(ValidationError):
        services.progress_report_review(actor=users["bureau_staff"], report=report, accept=True)
    lower = submit(users, task, percent=90, decrease_reason="复核发现一处回收点未建成")
    services.progress_report_review(actor=users["bureau_staff"], report=lower, accept=True)
    task.refresh_from_db()
    assert task.status == TaskStatus.IN_PROGRESS and task.completed_at is None


def test_closure_needs_completed_task_with_evidence(users, task, pdf_file):
    report = submit(users, task, percent=100)
    services.progress_report_review(actor=users["bureau_staff"], report=report, accept=True)
    with pytest.raises(ValidationError) as error:
        services.task_close(actor=users["bureau_staff"], task=task)
    assert "证明材料" in str(error.value) or "材料" in str(error.value)
    report = submit(users, task, percent=100, files=[pdf_file])
    services.progress_report_review(actor=users["bureau_staff"], report=report, accept=True)
    services.task_close(actor=users["bureau_staff"], task=task, note="材料齐全")
    task.refresh_from_db()
    assert task.status == TaskStatus.CLOSED
    with pytest.raises(ValidationError):
        submit(users, task)


def test_extension_request_and_approval_move_the_deadline(users, task):
    with pytest.raises(ValidationError):
        services.extension_request_create(actor=users["department_officer"], task=task,
                                          new_deadline=datetime.date(2025, 6, 30), reason="需要更多时间")
    ext = services.extension_request_create(actor=users["department_officer"], task=task,
                                            new_deadline=datetime.date(2026, 6, 30), reason="县级数据报送延迟")
    with pytest.raises(ValidationError):
        services.extension_request_decide(actor=users["bureau_staff"], request=ext, approve=False, note="")
    services.extension_request_decide(actor=users["bureau_staff"], request=ext, approve=True, note="同意")
    task.refresh_from_db()
    assert task.deadline == datetime.date(2026, 6, 30)
    event = AuditEvent.objects.get(action="extension.approve")
    assert event.before["deadline"] == "2025-12-31" and event.after["deadline"] == "2026-06-30"


def test_only_leaders_leave_instructions_and_departments_are_told(users, task, django_capture_on_commit_callbacks):
    with pytest.raises(PermissionDenied):
        services.task_comment_add(actor=users["bureau_staff"], task=task, text="抓紧推进")
    with django_capture_on_commit_callbacks(execute=True):
        services.task_comment_add(actor=users["leader"], task=task, text="请于月底前完成回收点建设")
    assert Notification.objects.filter(recipient=users["department_officer"], body="请于月底前完成回收点建设").exists()


def test_indicator_value_only_from_its_department(users, task, departments):
    from tests.factories import IndicatorFactory

    indicator = IndicatorFactory(plan=task.plan, department=departments["agri"])
    with pytest.raises(PermissionDenied):
        services.indicator_value_report(actor=users["bureau_staff"], indicator=indicator,
                                        period=datetime.date(2024, 3, 5), value=40)
    value = services.indicator_value_report(actor=users["department_officer"], indicator=indicator,
                                            period=datetime.date(2024, 3, 5), value=62.5)
    assert value.period == datetime.date(2024, 3, 1)
    services.indicator_value_report(actor=users["department_officer"], indicator=indicator,
                                    period=datetime.date(2024, 3, 20), value=65)
    assert indicator.values.get().value == 65


def test_the_migration_dates_tasks_already_done(plan, departments, users):
    """tasks 0003 gives tasks completed before completed_at existed the submission of the lead department's
    accepted report of 100% (not a co-department's, not a returned one), else their closure."""
    import importlib

    from django.apps import apps

    from tests.factories import ProgressReportFactory, TaskAssignmentFactory, TaskFactory

    backfill = importlib.import_module("tasks.migrations.0003_task_completed_at").backfill
    when = [datetime.datetime(2024, month, 10, tzinfo=datetime.UTC) for month in (1, 2, 3, 4)]
    reported = TaskFactory(plan=plan, status=TaskStatus.COMPLETED, progress=100)
    lead = TaskAssignmentFactory(task=reported, department=departments["agri"], is_lead=True)
    co = TaskAssignmentFactory(task=reported, department=departments["bureau"], is_lead=False)
    officer = users["department_officer"]
    for assignment, status, submitted in [(lead, ReportStatus.ACCEPTED, when[1]), (lead, ReportStatus.RETURNED, when[2]),
                                          (co, ReportStatus.ACCEPTED, when[3])]:
        ProgressReportFactory(assignment=assignment, percent=100, status=status, submitted_at=submitted,
                              submitted_by=officer)
    closed = TaskFactory(plan=plan, status=TaskStatus.CLOSED, progress=100, closed_at=when[0])
    open_task = TaskFactory(plan=plan, status=TaskStatus.IN_PROGRESS)
    backfill(apps, None)
    dates = dict(Task.objects.filter(pk__in=[reported.pk, closed.pk, open_task.pk]).values_list("pk", "completed_at"))
    assert dates == {reported.pk: when[1], closed.pk: when[0], open_task.pk: None}
