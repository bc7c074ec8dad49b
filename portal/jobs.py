"""Celery jobs of the shared part of the portal."""
import time

from celery import shared_task
from django.core.cache import cache

from .celery import WORKER_HEARTBEAT_KEY


@shared_task(name="portal.heartbeat", ignore_result=True)
def heartbeat():
    """Sent by beat every PORTAL_HEARTBEAT_INTERVAL_SECONDS; proves a worker takes jobs."""
    cache.set(WORKER_HEARTBEAT_KEY, time.time(), timeout=None)


COCKPIT_DELAY = 5  # seconds: the writes of a burst share one refresh


def cockpit_refresh_soon(group: str) -> None:
    """Ask for a refresh of one group of cockpit panels ("tasks", "survey", "control") after the current
    transaction commits, unless one is already waiting to start."""
    if cache.add(f"cockpit:pending:{group}", 1, COCKPIT_DELAY * 20):
        from .recovery import job_send_on_commit

        job_send_on_commit(cockpit_refresh, [group], countdown=COCKPIT_DELAY)


@shared_task(name="portal.cockpit_refresh", ignore_result=True)
def cockpit_refresh(groups=None):
    """Recompute the cockpit's summaries (all groups when none are named)."""
    from .services import cockpit_summaries_refresh
    for group in groups or ():
        cache.delete(f"cockpit:pending:{group}")  # writes from now on ask for the next refresh
    return cockpit_summaries_refresh(groups=groups)


@shared_task(name="portal.jobs_recover", ignore_result=True)
def jobs_recover_job():
    """Sent by beat every PORTAL_JOB_RECOVER_SECONDS: rows whose job was lost are sent again or failed."""
    from .recovery import jobs_recover

    return jobs_recover()
