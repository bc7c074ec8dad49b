"""Load on loopback for the page benchmarks: a gunicorn server of the portal on the benchmark database, and
locust (a separate process, so its gevent never touches this one) driving N clients with no think time for a
bounded time. Returns p50/p95/p99 in milliseconds, requests and errors."""
from __future__ import annotations

import contextlib
import csv
import json
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def _database_url() -> str:
    from django.db import connection
    d = connection.settings_dict
    return f"postgres://{d['USER']}:{d.get('PASSWORD') or ''}@{d['HOST']}:{d['PORT']}/{d['NAME']}"


@contextlib.contextmanager
def serve(*, workers: int = 3, threads: int = 1, worker_class: str = "sync", env: dict | None = None,
          ready_path: str = "/robots.txt"):
    """gunicorn as the Dockerfile runs it (3 sync workers), with the deployment settings (portal.settings.bench:
    prod.py over plain HTTP on loopback), on the benchmark database; yields the base URL."""
    from django.conf import settings
    port = _free_port()
    environment = {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.bench", "DATABASE_URL": _database_url(),
                   "REDIS_URL": settings.CACHES["default"]["LOCATION"], "DJANGO_SECRET_KEY": settings.SECRET_KEY,
                   "PORTAL_CACHE_KEY_PREFIX": settings.CACHES["default"]["KEY_PREFIX"], **(env or {})}
    log = tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False)
    process = subprocess.Popen(
        [str(BIN / "gunicorn"), "portal.wsgi", "-b", f"127.0.0.1:{port}", "-w", str(workers), "-k", worker_class,
         *(["--threads", str(threads)] if threads > 1 else []), "--log-level", "warning"],
        cwd=ROOT, env=environment, stdout=log, stderr=log)
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.time() + 60
        while True:
            try:
                urllib.request.urlopen(base + ready_path, timeout=2).read()
                break
            except Exception:
                if process.poll() is not None or time.time() > deadline:
                    log.seek(0)
                    raise RuntimeError(f"gunicorn did not start: {log.read()[-2000:]}") from None
                time.sleep(0.3)
        yield base
    finally:
        process.terminate()
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()
        log.close()
        os.unlink(log.name)


def locust(base: str, paths: list[str], *, users: int = 20, seconds: int = 20, cookies: dict | list | None = None,
           name: str = "page") -> dict:
    """Drive `users` clients with no think time for `seconds`; return the aggregated figures. `cookies` is one
    set for every client, or a list of sets dealt out to the clients in turn (one signed-in user each)."""
    with tempfile.TemporaryDirectory() as tmp:
        prefix = str(Path(tmp) / "load")
        env = {**os.environ, "LOAD_PATHS": json.dumps(paths), "LOAD_COOKIES": json.dumps(cookies or {}),
               "LOAD_NAME": name}
        subprocess.run([str(BIN / "locust"), "-f", str(Path(__file__).with_name("locustfile.py")), "--headless",
                        "-u", str(users), "-r", str(users), "-t", f"{seconds}s", "--host", base, "--csv", prefix,
                        "--only-summary", "--loglevel", "ERROR", "--stop-timeout", "5"],
                       env=env, check=False, capture_output=True, timeout=seconds + 120)
        with open(prefix + "_stats.csv", encoding="utf-8") as f:
            rows = {row["Name"]: row for row in csv.DictReader(f)}
    total = rows["Aggregated"]
    return {"p50": float(total["50%"]), "p95": float(total["95%"]), "p99": float(total["99%"]),
            "requests": int(total["Request Count"]), "errors": int(total["Failure Count"]),
            "rps": float(total["Requests/s"])}


def _worker_env(env: dict | None = None) -> dict:
    """The benchmark process's own settings, database and Redis, plus the broker and result backend it uses, so
    that a job sent from here reaches the worker."""
    from django.conf import settings
    return {**os.environ, "DJANGO_SETTINGS_MODULE": "portal.settings.test", "DATABASE_URL": _database_url(),
            "REDIS_URL": settings.CACHES["default"]["LOCATION"], "CELERY_BROKER_URL": settings.CELERY_BROKER_URL,
            "CELERY_RESULT_BACKEND": settings.CELERY_RESULT_BACKEND, **(env or {})}


@contextlib.contextmanager
def worker(*, queues: str = "celery", concurrency: int = 1, env: dict | None = None, timeout: float = 90):
    """A real Celery worker (`celery -A portal worker -Q <queues> -c <concurrency>`) on the benchmark database and
    Redis, with the benchmark process's settings (_worker_env). Ready when it has run a portal.heartbeat sent from here (the job
    sets the worker heartbeat key in the shared cache); yields the Popen. Stopped (warm shutdown) on exit."""
    import signal

    from django.core.cache import cache

    from portal.celery import WORKER_HEARTBEAT_KEY
    from portal.jobs import heartbeat

    log = tempfile.NamedTemporaryFile("w+", suffix=".log", delete=False)
    cache.delete(WORKER_HEARTBEAT_KEY)
    process = subprocess.Popen(
        [str(BIN / "celery"), "-A", "portal", "worker", "-Q", queues, "-c", str(concurrency), "--loglevel", "warning",
         "--without-gossip", "--without-mingle", "-n", f"bench-{os.getpid()}@%h"],
        cwd=ROOT, env=_worker_env(env), stdout=log, stderr=log, start_new_session=True)
    try:
        heartbeat.delay()
        deadline = time.time() + timeout
        while cache.get(WORKER_HEARTBEAT_KEY) is None:
            if process.poll() is not None or time.time() > deadline:
                log.seek(0)
                raise RuntimeError(f"the Celery worker did not start: {log.read()[-2000:]}")
            time.sleep(0.2)
        yield process
    finally:
        process.terminate()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()
        os.unlink(log.name)
