"""The periodic jobs the portal needs, kept in django-celery-beat's tables. `schedules_sync` makes the
database match this list (idempotent; run by a migration and by `load_reference`)."""
from django.conf import settings
from django.db import transaction

PERIODIC_JOBS = [
    # (name, task, every seconds)
    ("portal.heartbeat", "portal.heartbeat", lambda: settings.PORTAL_HEARTBEAT_INTERVAL_SECONDS),
    ("tasks.reminders", "tasks.reminders_scan", lambda: settings.PORTAL_REMINDER_SCAN_MINUTES * 60),
    # Hourly; the job itself requests each month's reports once (idempotent at the database).
    ("tasks.monthly_reports", "tasks.monthly_reports", lambda: 60 * 60),
    # The cockpit's summaries, every panel; writes also ask for their own group at once (portal/jobs.py).
    ("portal.cockpit_refresh", "portal.cockpit_refresh", lambda: settings.PORTAL_COCKPIT_REFRESH_SECONDS),
    # Job rows (PDFs, imports, screening runs) a crash left queued or running: sent again or failed (portal/recovery).
    ("portal.jobs_recover", "portal.jobs_recover", lambda: settings.PORTAL_JOB_RECOVER_SECONDS),
]


@transaction.atomic
def schedules_sync(apps=None):
    if apps is None:
        from django.apps import apps
    IntervalSchedule = apps.get_model("django_celery_beat", "IntervalSchedule")
    PeriodicTask = apps.get_model("django_celery_beat", "PeriodicTask")
    for name, task, every in PERIODIC_JOBS:
        interval, _ = IntervalSchedule.objects.get_or_create(every=every(), period="seconds")
        PeriodicTask.objects.update_or_create(
            name=name, defaults={"task": task, "interval": interval, "enabled": True}
        )
    PeriodicTaskChanged = apps.get_model("django_celery_beat", "PeriodicTasks")
    from django.utils import timezone

    PeriodicTaskChanged.objects.update_or_create(ident=1, defaults={"last_update": timezone.now()})
