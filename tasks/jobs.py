"""Celery jobs of the tasks feature."""
from celery import shared_task

from portal import recovery

from .reminders import reminders_scan


@shared_task(name="tasks.reminders_scan", ignore_result=True)
def reminders_scan_job():
    """Beat sends this every PORTAL_REMINDER_SCAN_MINUTES; see tasks.reminders."""
    result = reminders_scan()
    return vars(result)


@shared_task(name="tasks.generate_report_document", acks_late=True)
def generate_report_document_job(document_id: int):
    """Runs on the `reports` queue (PDF layout is slow; it must not hold up reminders)."""
    from django.conf import settings
    from django.utils import translation

    from .documents import report_document_generate

    with translation.override(settings.LANGUAGE_CODE):
        report_document_generate(document_id=document_id)


@shared_task(name="tasks.monthly_reports", ignore_result=True)
def monthly_reports_job():
    """On the first days of each month: every leader gets the previous month's report of each plan."""
    from .documents import monthly_reports

    return monthly_reports()


def _fail(document, message: str):
    from django.utils import timezone

    from .models import ReportDocument

    ReportDocument.objects.filter(pk=document.pk).update(status="failed", error=message[:500],
                                                         finished_at=timezone.now())


recovery.register(recovery.JobKind(
    name="report_document", model="tasks.ReportDocument", active={"queued": "queued", "running": "queued"},
    send=lambda pk: recovery.job_send(generate_report_document_job, pk), fail=_fail))
