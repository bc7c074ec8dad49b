"""Fast tests of the pure parts of portal.devstack (no servers are started)."""

from __future__ import annotations

import socket
import sys
import threading
from pathlib import Path

import pytest

from portal import devstack


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


# --- ports ---------------------------------------------------------------


def test_port_in_use_gives_clear_bilingual_message():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        holder.listen()
        port = holder.getsockname()[1]
        assert devstack.port_in_use(port)
        with pytest.raises(devstack.DevstackError) as exc:
            devstack.ensure_port_free(port, "PORTAL_PG_PORT", "PostgreSQL")
    msg = str(exc.value)
    assert f"端口 {port} 已被其他程序占用" in msg
    assert f"Port {port} is in use" in msg
    assert "PORTAL_PG_PORT=" in msg
    assert "PostgreSQL" in msg


def test_bound_but_not_listening_port_counts_as_in_use():
    with socket.socket() as holder:
        holder.bind(("127.0.0.1", 0))
        port = holder.getsockname()[1]
        assert devstack.port_in_use(port)


def test_free_port_passes():
    port = _free_port()
    assert not devstack.port_in_use(port)
    devstack.ensure_port_free(port, "PORTAL_REDIS_PORT", "Redis/Valkey")


# --- URLs, profiles, env parsing -------------------------------------------


def test_url_building():
    assert devstack.build_database_url(54329) == "postgres://portal@127.0.0.1:54329/portal"
    assert devstack.build_redis_url(63809, 15) == "redis://127.0.0.1:63809/15"


def test_default_profiles_use_separate_ports_and_dirs():
    run = devstack.get_profile("run", {})
    test = devstack.get_profile("test", {})
    assert (run.pg_port, run.redis_port, run.redis_db) == (54329, 63799, 0)
    assert (test.pg_port, test.redis_port, test.redis_db) == (54339, 63809, 15)
    assert run.base_dir == devstack.VAR_DIR / "run"
    assert test.base_dir == devstack.VAR_DIR / "test"
    assert run.pg_log != test.pg_log and run.valkey_log != test.valkey_log
    assert run.settings_module == "portal.settings.run"
    assert test.settings_module == "portal.settings.test"
    assert test.fast and not run.fast


def test_port_env_vars_and_test_specific_override():
    env = {"PORTAL_PG_PORT": "55001", "PORTAL_REDIS_PORT": "55002"}
    run = devstack.get_profile("run", env)
    assert (run.pg_port, run.redis_port) == (55001, 55002)
    test = devstack.get_profile("test", {**env, "PORTAL_TEST_PG_PORT": "55011"})
    assert (test.pg_port, test.redis_port) == (55011, 55002)


@pytest.mark.parametrize("value", ["abc", "0", "70000", "-1"])
def test_invalid_port_is_a_clear_error(value):
    with pytest.raises(devstack.DevstackError, match="PORTAL_PG_PORT"):
        devstack.get_profile("run", {"PORTAL_PG_PORT": value})


# --- planning: env overrides ----------------------------------------------


def test_plan_without_urls_starts_both_embedded_servers():
    plan = devstack.plan_services("test", {})
    assert plan.start_postgres and plan.start_redis
    assert plan.database_url == "postgres://portal@127.0.0.1:54339/portal"
    assert plan.redis_url == "redis://127.0.0.1:63809/15"


def test_plan_with_database_url_uses_it_and_starts_no_postgres():
    env = {"DATABASE_URL": "postgres://u:p@db.example:5432/x"}
    plan = devstack.plan_services("run", env)
    assert not plan.start_postgres
    assert plan.database_url == env["DATABASE_URL"]
    assert plan.start_redis
    assert plan.redis_url == "redis://127.0.0.1:63799/0"


def test_plan_with_redis_url_uses_it_and_starts_no_valkey():
    env = {"REDIS_URL": "redis://cache:6379/3"}
    plan = devstack.plan_services("test", env)
    assert plan.start_postgres and not plan.start_redis
    assert plan.redis_url == "redis://cache:6379/3"


def test_child_env_exports_urls_and_settings():
    plan = devstack.plan_services("test", {})
    env = devstack.child_env(plan, {"PATH": "/usr/bin", "DJANGO_SETTINGS_MODULE": "x"})
    assert env["DATABASE_URL"] == plan.database_url
    assert env["REDIS_URL"] == plan.redis_url
    assert env["DJANGO_SETTINGS_MODULE"] == "portal.settings.test"
    assert env["PATH"].split(":")[-1] == "/usr/bin"


def test_run_children_commands():
    specs = dict(devstack.run_specs(8765))
    assert specs["web"][1:5] == ["-m", "gunicorn", "portal.wsgi:application", "--bind"]
    assert specs["web"][5] == "127.0.0.1:8765"
    assert specs["worker"][1:] == ["-m", "celery", "-A", "portal", "worker", "-l", "info", "--concurrency", "2",
                                   "-Q", "celery,reports"]
    # every queue the portal routes jobs to is consumed by the worker of `make run`
    from portal.settings.base import CELERY_TASK_ROUTES

    assert {r["queue"] for r in CELERY_TASK_ROUTES.values()} <= set(specs["worker"][-1].split(","))
    assert specs["beat"][-2:] == ["--scheduler", "portal.celery:PortalScheduler"]
    assert all(argv[0] == sys.executable for argv in specs.values())


# --- files and permissions -------------------------------------------------


def test_postmaster_pid_parsing(tmp_path: Path):
    (tmp_path / "postmaster.pid").write_text(
        "4242\n/data\n1700000000\n54329\n/sock\n127.0.0.1\n  123 456\nready   \n"
    )
    info = devstack.read_postmaster_pid(tmp_path)
    assert info == devstack.PostmasterInfo(pid=4242, port=54329, status="ready")
    assert devstack.read_postmaster_pid(tmp_path / "missing") is None


def test_first_untraversable_reports_closed_parent(tmp_path: Path):
    closed = tmp_path / "closed"
    target = closed / "project" / "var"
    target.mkdir(parents=True)
    tmp_path.chmod(0o755)
    closed.chmod(0o700)
    try:
        assert devstack.first_untraversable(target, start=tmp_path) == closed
        # Directories that are ours (at/below own_root) are fixed, not reported.
        assert devstack.first_untraversable(target, own_root=closed, start=tmp_path) is None
        assert closed.stat().st_mode & 0o001
    finally:
        closed.chmod(0o755)


def test_fallback_root_is_per_project():
    root = devstack.fallback_root()
    assert root.parent == Path("/var/tmp")
    assert root.name.startswith("portal-") and len(root.name) == len("portal-") + 12


# --- RESP client against a tiny fake server --------------------------------


def test_resp_client_ping_and_info():
    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen()
    port = srv.getsockname()[1]
    replies = [b"+PONG\r\n", b"$27\r\n# Server\r\nprocess_id:4242\r\n\r\n"]

    def serve():
        for reply in replies:
            conn, _ = srv.accept()
            with conn:
                conn.recv(1024)
                conn.sendall(reply)

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    try:
        assert devstack.resp_command(port, "PING") == "PONG"
        assert devstack.valkey_info_pid(port) == 4242
    finally:
        t.join(2)
        srv.close()


def test_valkey_info_pid_is_none_for_foreign_or_closed_port():
    assert devstack.valkey_info_pid(_free_port()) is None  # nothing listening

    srv = socket.socket()
    srv.bind(("127.0.0.1", 0))
    srv.listen()
    port = srv.getsockname()[1]

    def serve():  # a foreign, non-Redis program (answers like an HTTP server)
        conn, _ = srv.accept()
        with conn:
            conn.recv(1024)
            conn.sendall(b"HTTP/1.1 400 Bad Request\r\n\r\n")

    t = threading.Thread(target=serve, daemon=True)
    t.start()
    try:
        assert devstack.valkey_info_pid(port) is None
    finally:
        t.join(2)
        srv.close()


# --- how `run` serves: gunicorn as deployed, PORTAL_DEV=1 for runserver ------


def _dockerfile_gunicorn_options() -> list[str]:
    import json
    import re

    text = (devstack.PROJECT_ROOT / "Dockerfile").read_text(encoding="utf-8")
    cmd = json.loads(re.search(r"^CMD (\[.*\])$", text, re.M).group(1))
    assert cmd[:2] == ["gunicorn", "portal.wsgi:application"]
    options = cmd[2:]
    bind = options.index("--bind")
    return options[:bind] + options[bind + 2:]


def test_run_serves_with_gunicorn_as_the_dockerfile_does_with_debug_off():
    web = dict(devstack.run_specs(8765))["web"]
    assert web[1:4] == ["-m", "gunicorn", "portal.wsgi:application"]
    assert "runserver" not in web
    options = _dockerfile_gunicorn_options()
    assert devstack.gunicorn_args() == options
    assert " ".join(options) in " ".join(web)
    profile = devstack.get_profile("run", {})
    assert profile.settings_module == "portal.settings.run" and not profile.dev
    import os
    import subprocess

    env = {**os.environ, "DJANGO_SETTINGS_MODULE": profile.settings_module,
           "DATABASE_URL": "postgres://portal_app@127.0.0.1:1/portal"}
    shown = subprocess.run([sys.executable, "-c", "import django; django.setup(); from django.conf import settings as s; "
                            "print(s.DEBUG, s.WHITENOISE_USE_FINDERS, s.SESSION_ENGINE)"],
                           cwd=devstack.PROJECT_ROOT, env=env, capture_output=True, text=True, timeout=60)
    assert shown.stdout.split() == ["False", "True", "django.contrib.sessions.backends.db"], shown.stderr


def test_portal_dev_1_runs_the_autoreloading_debug_server():
    profile = devstack.get_profile("run", {"PORTAL_DEV": "1"})
    assert profile.dev and profile.settings_module == "portal.settings.dev"
    web = dict(devstack.run_specs(8765, dev=True))["web"]
    assert web[1:] == ["manage.py", "runserver", "127.0.0.1:8765"]  # no --noreload: reloads on edits
    assert not devstack.get_profile("test", {"PORTAL_DEV": "1"}).dev


def test_connections_of_run_stay_well_below_the_servers_max_connections():
    profile = devstack.get_profile("run", {})
    opts = devstack.pg_server_options(profile, Path("/tmp/sock"))
    assert f"max_connections={profile.max_connections}" in opts
    web_workers = int(devstack.gunicorn_args()[devstack.gunicorn_args().index("--workers") + 1])
    assert "--threads" not in devstack.gunicorn_args()  # sync workers: one request, one connection each
    worker = dict(devstack.run_specs(8765))["worker"]
    concurrency = int(worker[worker.index("--concurrency") + 1])
    held = web_workers * devstack.WEB_THREADS + concurrency + 2  # + the worker's main process and beat
    assert held <= profile.max_connections // 2


# --- database roles -------------------------------------------------------------


def test_run_children_connect_as_the_app_role_and_migrate_as_the_owner():
    plan = devstack.plan_services("run", {})
    assert plan.database_url == "postgres://portal_app@127.0.0.1:54329/portal"
    assert plan.migrate_database_url == "postgres://portal@127.0.0.1:54329/portal"
    base = {"PATH": "/usr/bin", "PORTAL_MIGRATE_DATABASE_URL": "postgres://portal:secret@db/portal"}
    app = devstack.child_env(plan, base)
    assert app["DATABASE_URL"] == plan.database_url and "PORTAL_MIGRATE_DATABASE_URL" not in app
    assert devstack.child_env(plan, base, owner=True)["DATABASE_URL"] == plan.migrate_database_url
    assert "CREATE ROLE portal_app LOGIN" in devstack.APP_ROLE_SQL and "NOSUPERUSER" in devstack.APP_ROLE_SQL


def test_given_database_urls_are_used_for_the_app_and_for_migrate():
    env = {"DATABASE_URL": "postgres://portal_app:a@db/portal", "PORTAL_MIGRATE_DATABASE_URL": "postgres://portal:o@db/portal"}
    plan = devstack.plan_services("run", env)
    assert not plan.start_postgres
    assert (plan.database_url, plan.migrate_database_url) == (env["DATABASE_URL"], env["PORTAL_MIGRATE_DATABASE_URL"])
    only_one = devstack.plan_services("run", {"DATABASE_URL": "postgres://u:p@db/x"})
    assert only_one.migrate_database_url == only_one.database_url == "postgres://u:p@db/x"


# --- Valkey keeps run's data: append-only file ------------------------------------


def test_run_valkey_writes_an_append_only_file_every_second_and_tests_keep_nothing():
    run = devstack.valkey_command(devstack.get_profile("run", {}), Path("/bin/valkey-server"))
    words = " ".join(run)
    assert "--appendonly yes" in words and "--appendfsync everysec" in words
    test = devstack.valkey_command(devstack.get_profile("test", {}), Path("/bin/valkey-server"))
    assert "--appendonly no" in " ".join(test) and test[test.index("--save") + 1] == ""


# --- supervision of run's children -------------------------------------------------


class _Console:
    """Collects the supervisor's output; stops it (the flag) once `text` was written `times` times."""

    def __init__(self, flag, text, times):
        self.flag, self.text, self.times, self.parts = flag, text, times, []

    def write(self, s):
        self.parts.append(s)
        if "".join(self.parts).count(self.text) >= self.times:
            self.flag.event.set()

    def flush(self):
        pass

    def __str__(self):
        return "".join(self.parts)


def _children(console, specs):
    children = devstack.Children({"PATH": "/usr/bin"}, out=console)
    children.spawn_all(specs)
    return children


FOREVER = [sys.executable, "-c", "import time; time.sleep(120)"]
CRASH = [sys.executable, "-c", "import sys; print('boom'); sys.exit(3)"]


def test_a_worker_that_dies_is_restarted_and_the_web_server_stays_up():
    flag = devstack.StopFlag()
    console = _Console(flag, "restarted (pid", 3)
    children = _children(console, [("web", FOREVER), ("worker", CRASH), ("beat", FOREVER)])
    web, beat = children.procs["web"], children.procs["beat"]
    first_worker = children.procs["worker"].pid
    policy = devstack.RestartPolicy(first_delay=0.01, max_delay=0.05)
    try:
        code = devstack.supervise(children, "http://127.0.0.1:1/", flag, policy=policy,
                                  probe=lambda url, timeout: True)
        assert web.poll() is None and beat.poll() is None  # same processes, never stopped
        assert children.procs["web"] is web and children.procs["worker"].pid != first_worker
    finally:
        children.stop(timeout=5)
    out = str(console)
    assert code == 0
    assert out.count("process 'worker' exited unexpectedly (exit code 3); restarting it in") >= 3
    assert "进程 worker 意外退出（退出码 3）" in out and "自动重启" in out
    assert "The web server and the data stay up." in out
    assert "worker" in out and "| boom" in out
    assert "stopping everything" not in out


def test_the_web_server_dying_stops_everything():
    flag = devstack.StopFlag()
    console = _Console(flag, "never", 1)
    children = _children(console, [("web", CRASH), ("worker", FOREVER)])
    try:
        code = devstack.supervise(children, "http://127.0.0.1:1/", flag, probe=lambda url, timeout: False)
    finally:
        children.stop(timeout=5)
    assert code == 1 and "process 'web' exited unexpectedly (exit code 3); stopping everything" in str(console)


def test_restart_delay_doubles_for_quick_deaths_up_to_a_minute():
    policy = devstack.RestartPolicy()
    assert [policy.delay(n) for n in range(8)] == [1, 2, 4, 8, 16, 32, 60, 60]
