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
    assert run.settings_module == "portal.settings.dev"
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
    assert specs["web"][1:] == ["manage.py", "runserver", "127.0.0.1:8765", "--noreload"]
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
