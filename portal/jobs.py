"""Celery jobs of the shared part of the portal."""
import time

from celery import shared_task
from django.core.cache import cache

from .celery import WORKER_HEARTBEAT_KEY


@shared_task(name="portal.heartbeat", ignore_result=True)
def heartbeat():
    """Sent by beat every PORTAL_HEARTBEAT_INTERVAL_SECONDS; proves a worker takes jobs."""
    cache.set(WORKER_HEARTBEAT_KEY, time.time(), timeout=None)
