"""The portal's Celery app. Jobs live in `<app>/jobs.py`; the beat schedule is kept in the database
(django-celery-beat) and seeded by `portal.jobs_schedule`."""
import os

from celery import Celery

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "portal.settings.dev")

app = Celery("portal")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks(related_name="jobs")

BEAT_HEARTBEAT_KEY = "heartbeat:beat"
WORKER_HEARTBEAT_KEY = "heartbeat:worker"


def __getattr__(name):
    # The scheduler class imports Django models, so it is loaded only when beat asks for it.
    if name == "PortalScheduler":
        from .beat import PortalScheduler

        return PortalScheduler
    raise AttributeError(name)
