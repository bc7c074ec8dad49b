"""With Redis gone the portal keeps serving: sessions live in the database, the cache (portal/cache.py) answers as
if every key were missing and logs the outage once, the rate limiter lets requests through, /healthz says
degraded, and the cache is back by itself when Redis answers again."""
import logging
import socket
import subprocess

import pytest
from django.core.cache import cache
from django.test import Client, override_settings
from django.urls import reverse

from portal import devstack
from portal.models import AuditEvent
from portal.settings import base as base_settings
from tests.factories import TEST_PASSWORD


def _dead_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again at once: nothing listens there


def _redis_at(port: int, **extra):
    return {"default": {"BACKEND": "portal.cache.RedisCache", "LOCATION": f"redis://127.0.0.1:{port}/0",
                        "KEY_PREFIX": "portal-outage", **extra,
                        "OPTIONS": {"socket_connect_timeout": 0.5, "socket_timeout": 0.5}}}


@pytest.fixture
def redis_down(db):
    """The cache on a port nothing listens on, with the session engine of `make run` and production."""
    with override_settings(CACHES=_redis_at(_dead_port()), SESSION_ENGINE=base_settings.SESSION_ENGINE):
        yield


def test_sessions_of_make_run_and_production_live_in_the_database():
    assert base_settings.SESSION_ENGINE == "django.contrib.sessions.backends.db"


def test_with_redis_down_sign_in_pages_cockpit_and_public_page_answer_200_and_a_warning_is_logged(
        redis_down, users, caplog):
    client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
    with caplog.at_level(logging.WARNING, logger="portal.cache"):
        response = client.post(reverse("portal:login"), {"username": "leader", "password": TEST_PASSWORD})
        assert response.status_code == 302 and response["Location"] == "/"
        assert AuditEvent.objects.filter(action="auth.login", actor_username="leader").exists()
        for url in ("/", reverse("tasks:index"), reverse("inventory:index"), reverse("portal:cockpit"),
                    reverse("portal:notification_list")):
            page = client.get(url)
            assert page.status_code == 200, url
            assert 'id="main"' in page.content.decode() or "<html" in page.content.decode(), url
        public = Client()
        assert [public.get(reverse("public:index")).status_code for _ in range(3)] == [200, 200, 200]
    warnings = [r for r in caplog.records if r.name == "portal.cache" and r.levelno == logging.WARNING]
    assert len(warnings) == 1 and "unavailable" in warnings[0].getMessage()


def test_with_redis_down_the_rate_limiter_lets_requests_through(redis_down, settings):
    settings.PORTAL_PUBLIC_RATE_LIMIT = 1
    client = Client(REMOTE_ADDR="10.9.8.7")
    assert [client.get(reverse("public:index")).status_code for _ in range(3)] == [200, 200, 200]


def test_with_redis_down_healthz_says_degraded(redis_down):
    response = Client().get("/healthz")
    assert response.status_code == 503
    assert response.json()["status"] == "degraded" and response.json()["checks"]["redis"]["ok"] is False
    assert response.json()["checks"]["database"]["ok"] is True


def test_with_redis_down_the_cache_does_not_try_redis_on_every_call(redis_down, monkeypatch):
    from django.core.cache.backends import redis as django_redis

    tries = []
    real_get = django_redis.RedisCacheClient.get
    monkeypatch.setattr(django_redis.RedisCacheClient, "get",
                        lambda self, *args: tries.append(args[0]) or real_get(self, *args))
    assert cache.get("first") is None  # fails and marks Redis as down for PORTAL_CACHE_RETRY_SECONDS
    for n in range(50):
        assert cache.get(f"key-{n}") is None
        cache.set(f"key-{n}", n)
    assert len(tries) == 1  # no connection attempt per call, so no connect timeout per call


@pytest.fixture
def own_valkey(tmp_path):
    """A Valkey of this test's own on a free port, which the test may stop and start again."""
    port = _dead_port()
    binary = devstack.valkey_binary()

    def start():
        process = subprocess.Popen([str(binary), "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                    "--appendonly", "no", "--dir", str(tmp_path)],
                                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        assert devstack.wait_until(lambda: devstack.valkey_info_pid(port) == process.pid, 10, 0.05)
        return process

    processes = []
    yield port, start, processes
    for process in processes:
        process.kill()
        process.wait(5)


def test_the_cache_comes_back_by_itself_when_redis_returns(own_valkey, caplog):
    port, start, processes = own_valkey
    with override_settings(CACHES=_redis_at(port), PORTAL_CACHE_RETRY_SECONDS=0):
        processes.append(start())
        cache.set("k", "before")
        assert cache.get("k") == "before"
        processes[-1].kill()
        processes[-1].wait(5)
        with caplog.at_level(logging.WARNING, logger="portal.cache"):
            assert cache.get("k") is None
            cache.set("k", "during")  # dropped, not an error
            processes.append(start())
            cache.set("k", "after")
            assert cache.get("k") == "after"
    messages = [r.getMessage() for r in caplog.records if r.name == "portal.cache"]
    assert any("unavailable" in m for m in messages) and any("is back" in m for m in messages)


def test_with_the_broker_down_a_write_that_sends_a_job_still_answers_and_the_recovery_sends_it_later(
        users, regions, monkeypatch, caplog, django_capture_on_commit_callbacks):
    import kombu.exceptions

    from portal.recovery import jobs_recover
    from tasks.jobs import generate_report_document_job
    from tasks.models import ReportDocument
    from tests.factories import ActionPlanFactory

    plan = ActionPlanFactory(region=regions["city"])
    sent = []

    def unreachable(*args, **kwargs):
        raise kombu.exceptions.OperationalError("Error 111 connecting to 127.0.0.1:63799. Connection refused.")

    monkeypatch.setattr(generate_report_document_job, "delay", unreachable)
    client = Client()
    client.force_login(users["leader"])
    with caplog.at_level(logging.WARNING, logger="portal.recovery"), \
            django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("tasks:document_request"), {"plan": plan.pk, "period": "2024-03"})
    assert response.status_code == 302
    document = ReportDocument.objects.get()
    assert document.status == "queued"
    assert any("broker is unreachable" in r.getMessage() for r in caplog.records)

    monkeypatch.setattr(generate_report_document_job, "delay", sent.append)
    from django.utils import timezone
    ReportDocument.objects.filter(pk=document.pk).update(job_since=timezone.now() - timezone.timedelta(hours=1))
    with django_capture_on_commit_callbacks(execute=True):
        jobs_recover()
    assert sent == [document.pk]
