"""`make run` serves the portal the way it is deployed: the web command of portal.devstack (gunicorn with the
Dockerfile's workers) and the settings of the `run` profile, connected as the application role. 40 parallel
requests are answered without error, with the stylesheets and scripts, and leave no more database connections
behind than there are web workers; an unknown address gets the Chinese 404 page, not a debug page."""
import os
import signal
import socket
import subprocess
import urllib.error
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client

from portal import devstack

PARALLEL = 40


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture
def served(transactional_db):
    port = _free_port()
    db = connection.settings_dict
    env = {k: v for k, v in os.environ.items() if k != "PYTEST_XDIST_WORKER"}
    env.update({
        "DJANGO_SETTINGS_MODULE": devstack.get_profile("run", {}).settings_module,
        "DATABASE_URL": f"postgres://{settings.PORTAL_DB_APP_ROLE}@{db['HOST']}:{db['PORT']}/{db['NAME']}",
        "REDIS_URL": settings.CACHES["default"]["LOCATION"],
        "DJANGO_SECRET_KEY": settings.SECRET_KEY,  # the sessions signed in below
    })
    web = dict(devstack.run_specs(port))["web"]
    process = subprocess.Popen(web, cwd=settings.BASE_DIR, env=env, stdin=subprocess.DEVNULL,
                               stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    url = f"http://127.0.0.1:{port}"
    try:
        assert devstack.wait_until(lambda: devstack.http_answers(url + "/healthz") or process.poll() is not None,
                                   60, 0.2)
        assert process.poll() is None, "the web server did not start"
        yield url
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        try:
            process.wait(20)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(5)


def _get(url: str, cookie: str = "") -> tuple[int, str]:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(url, headers={"Cookie": cookie, "Accept-Language": "zh-hans"})
    try:
        with opener.open(request, timeout=60) as response:
            return response.status, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as exc:
        return exc.code, exc.read().decode("utf-8", "replace")


def _app_connections() -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_stat_activity WHERE usename = %s AND datname = current_database()",
                       [settings.PORTAL_DB_APP_ROLE])
        return cursor.fetchone()[0]


def test_40_parallel_requests_leave_no_more_connections_than_web_workers_and_no_error(served, users):
    client = Client()
    client.force_login(users["bureau_staff"])
    cookie = f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}"
    status, home = _get(served + "/", cookie)
    assert status == 200 and "/static/css/portal.css" in home
    pages = ["/", "/tasks/", "/inventory/", "/notifications/", "/static/css/portal.css",
             "/static/vendor/bootstrap/bootstrap.min.css", "/static/vendor/htmx/htmx.min.js"]
    with ThreadPoolExecutor(PARALLEL) as pool:
        answers = list(pool.map(lambda n: _get(served + pages[n % len(pages)], cookie)[0], range(PARALLEL * 3)))
    assert answers == [200] * len(answers)
    held = _app_connections()
    assert 1 <= held <= devstack.WEB_WORKERS * devstack.WEB_THREADS
    with connection.cursor() as cursor:
        cursor.execute("SHOW max_connections")
        assert held < int(cursor.fetchone()[0]) // 10


def test_an_unknown_address_gets_the_chinese_404_page_without_debug_details(served):
    status, page = _get(served + "/no-such-page/")
    assert status == 404
    assert "页面不存在" in page and "URLconf" not in page and "Traceback" not in page
