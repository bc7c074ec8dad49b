"""/healthz reports the database, Redis, the Celery worker and beat; 200 only when all are alive.
The last test starts a real worker and a real beat against the test database."""
import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.core.cache import cache
from django.db import connection
from django.test import Client, override_settings

from portal.celery import BEAT_HEARTBEAT_KEY, WORKER_HEARTBEAT_KEY
from portal.schedules import schedules_sync


def health():
    response = Client().get("/healthz")
    return response.status_code, response.json()


def test_no_heartbeat_means_503_naming_worker_and_beat(db):
    status, body = health()
    assert status == 503
    assert body["checks"]["database"]["ok"] and body["checks"]["redis"]["ok"]
    assert not body["checks"]["worker"]["ok"] and not body["checks"]["beat"]["ok"]


def test_stale_heartbeat_is_not_alive(db):
    old = time.time() - settings.PORTAL_HEARTBEAT_MAX_AGE_SECONDS - 5
    cache.set(WORKER_HEARTBEAT_KEY, old)
    cache.set(BEAT_HEARTBEAT_KEY, time.time())
    status, body = health()
    assert status == 503 and not body["checks"]["worker"]["ok"] and body["checks"]["beat"]["ok"]


def test_heartbeat_job_marks_the_worker_alive(db):
    from portal.jobs import heartbeat

    heartbeat.apply()
    cache.set(BEAT_HEARTBEAT_KEY, time.time())
    status, body = health()
    assert status == 200 and body["status"] == "ok"


@override_settings(CACHES={"default": {"BACKEND": "portal.cache.RedisCache",
                                       "LOCATION": "redis://127.0.0.1:1/0",
                                       "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}})
def test_redis_down_is_reported_not_hung(db):
    started = time.monotonic()
    status, body = health()
    assert status == 503 and body["checks"]["redis"]["ok"] is False
    assert time.monotonic() - started < 5


@pytest.fixture
def celery_processes(transactional_db):
    """A real worker and beat on the test database and Redis, stopped after the test."""
    with override_settings(PORTAL_HEARTBEAT_INTERVAL_SECONDS=1):
        schedules_sync()
    db = connection.settings_dict
    env = dict(os.environ)
    env.pop("PYTEST_XDIST_WORKER", None)  # REDIS_URL below is already this worker's database
    env.update({
        "DJANGO_SETTINGS_MODULE": "portal.settings.test",
        "DATABASE_URL": f"postgres://{db['USER']}:{db['PASSWORD'] or ''}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.CACHES["default"]["LOCATION"],
    })
    common = [sys.executable, "-m", "celery", "-A", "portal"]
    processes = [
        subprocess.Popen([*common, "worker", "--pool=solo", "--loglevel=warning", "--without-gossip",
                          "--without-mingle"], cwd=settings.BASE_DIR, env=env),
        subprocess.Popen([*common, "beat", "--loglevel=warning", "--scheduler", "portal.celery:PortalScheduler",
                          "--schedule", "/dev/null"], cwd=settings.BASE_DIR, env=env),
    ]
    yield processes
    for process in processes:
        process.terminate()
    for process in processes:
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def test_real_worker_and_beat_make_healthz_200(celery_processes):
    deadline = time.monotonic() + 60
    status, body = health()
    while status != 200 and time.monotonic() < deadline:
        assert all(p.poll() is None for p in celery_processes), "a Celery process died"
        time.sleep(0.5)
        status, body = health()
    assert status == 200, body
    assert body["checks"]["worker"]["last_seen_seconds_ago"] < 30


def test_the_cache_keeps_one_redis_client_per_connection_pool(db):
    """portal.cache.RedisCache: Django builds a redis.Redis per call; the portal's backend reuses one per pool,
    and reads and writes as Django's does."""
    from django.core.cache import cache

    backend = cache._cache
    assert backend.get_client(write=True) is backend.get_client(write=False) is backend.get_client("k")
    cache.set("portal-cache-check", {"a": [1, "二"]}, 30)
    assert cache.get("portal-cache-check") == {"a": [1, "二"]}
    assert cache.get_many(["portal-cache-check", "missing"]) == {"portal-cache-check": {"a": [1, "二"]}}
    cache.delete("portal-cache-check")
    assert cache.get("portal-cache-check") is None
