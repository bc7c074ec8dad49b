"""Celery jobs of the controls feature: the controlled-enterprise lists recomputed after surveys are accepted.
Acceptances in a burst (a city reviewer accepting thirty reports) share one recomputation: the first schedules
a job REFRESH_DELAY seconds later, and the ones before it starts ride along."""
import logging

from celery import shared_task
from django.core.cache import cache

from portal.recovery import job_send_on_commit

log = logging.getLogger(__name__)

REFRESH_DELAY = 30
PENDING_KEY = "controls:refresh-pending"


def refresh_soon() -> None:
    """Schedule a recomputation of every list in force, unless one is already waiting to start."""
    if cache.add(PENDING_KEY, 1, REFRESH_DELAY * 10):
        job_send_on_commit(controlled_refresh_job, countdown=REFRESH_DELAY)


@shared_task(name="controls.refresh_controlled", acks_late=True)
def controlled_refresh_job():
    from .choices import ListStatus
    from .models import ControlList
    from .services import controlled_enterprises_derive

    cache.delete(PENDING_KEY)  # acceptances from now on schedule the next run
    done = {}
    for clist in ControlList.objects.filter(status=ListStatus.IN_FORCE).order_by("pk"):
        done[clist.pk] = controlled_enterprises_derive(actor=None, clist=clist)
    log.info("controlled-enterprise lists recomputed: %s", done)
    return done
