#!/usr/bin/env python
"""Fault injection: kill -9 the parts of the portal one at a time while it works, and check it recovers.

    .venv/bin/python scripts/fault_injection.py [--only valkey,worker] [--jobs pdf,import] [--lines 30000]

Not part of `make test`; run it by hand. Everything listens on 127.0.0.1 only, on its own ports
(PORTAL_FAULTS_PG_PORT / PORTAL_FAULTS_REDIS_PORT / PORTAL_FAULTS_WEB_PORT, else PORTAL_PG_PORT /
PORTAL_REDIS_PORT / PORTAL_PORT, else 54349 / 63819 / 8775), with its own data (var/faults/, a fresh
database each run), and the whole run is bounded (--deadline, 30 minutes by default).

It starts the embedded PostgreSQL and Valkey (portal.devstack), migrates and seeds the demo data, and runs
gunicorn, one Celery worker (both queues, two pool processes) and beat, with short job limits so that the
stale-job recovery acts within seconds. Then, for each fault — Valkey, PostgreSQL, the worker's main
process, a pool process — and each job — a PDF progress report, the commit of a survey-line import of
--lines lines, a screening run — it starts the job, waits until it is running, requests one more PDF (a
job queued a second before the crash), kills the part with SIGKILL and restarts it as an operator or a
supervisor would (a killed worker's remaining pool processes go with it, as systemd does; a killed pool
process is replaced by the worker itself). While it waits for the jobs to settle, a thread polls a few
pages as a signed-in user. It then checks:

* no job row (report document, import record, screening run) is queued or running past its limit, and the
  rows of the scenario ended done (or failed with a reason);
* no survey line is in the database twice;
* the import record counts the file's lines once, the lines are in once, and its audit event is written once;
* no page answers 5xx later than GRACE seconds after the outage ended.

It prints a table (Chinese / English) and exits 1 if any check failed, 2 if the stack could not be set up.
"""
from __future__ import annotations

import argparse
import contextlib
import csv
import datetime
import io
import os
import signal
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from portal import devstack as ds  # noqa: E402

PG_PORT = ds.parse_port(os.environ, ["PORTAL_FAULTS_PG_PORT", "PORTAL_PG_PORT"], 54349)
REDIS_PORT = ds.parse_port(os.environ, ["PORTAL_FAULTS_REDIS_PORT", "PORTAL_REDIS_PORT"], 63819)
WEB_PORT = ds.parse_port(os.environ, ["PORTAL_FAULTS_WEB_PORT", "PORTAL_PORT"], 8775)
PROFILE = ds.Profile(name="faults", pg_port=PG_PORT, pg_port_var="PORTAL_FAULTS_PG_PORT", redis_port=REDIS_PORT,
                     redis_port_var="PORTAL_FAULTS_REDIS_PORT", redis_db=0, fast=False, persist_redis=False,
                     settings_module="portal.settings.dev")
DATA = ds.VAR_DIR / "faults"
LOGS = ds.LOG_DIR
WEB = f"http://{ds.HOST}:{WEB_PORT}"

# Short limits, so that a lost job is noticed in seconds, not the production defaults' minutes.
TIME_LIMIT = 40          # the reports queue's hard time limit
STALE = 45               # a row queued/running longer than this is sent again (or failed)
RECOVER_EVERY = 5        # beat sends the recovery this often
VISIBILITY = 60          # broker visibility timeout (≥ the longest time limit)
GRACE = 15               # pages may still fail this long after the outage ends
SETTLE = STALE + 4 * RECOVER_EVERY + TIME_LIMIT + 30   # the longest a scenario waits for its jobs
LIMITS = {
    "PORTAL_JOB_RECOVER_SECONDS": str(RECOVER_EVERY), "PORTAL_JOB_MAX_REQUEUES": "3",
    "PORTAL_JOB_STALE_REPORT_DOCUMENT_SECONDS": str(STALE), "PORTAL_JOB_STALE_IMPORT_SECONDS": str(STALE),
    "PORTAL_JOB_STALE_SCREENING_RUN_SECONDS": str(STALE), "PORTAL_REPORTS_TIME_LIMIT": str(TIME_LIMIT),
    "PORTAL_DEFAULT_TIME_LIMIT": str(TIME_LIMIT), "PORTAL_CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY),
    "PORTAL_HEARTBEAT_INTERVAL_SECONDS": "5",
}
ACTIVE = {"report": ("queued", "running"), "import": ("queued", "checking", "committing"),
          "run": ("queued", "running")}
FAULTS = ["valkey", "postgres", "worker", "pool"]
JOBS = ["pdf", "import", "screening"]
LABELS = {"valkey": "Valkey", "postgres": "PostgreSQL", "worker": "worker 主进程 / main", "pool": "pool 子进程 / child",
          "pdf": "PDF 报告 / report", "import": "导入提交 / import commit", "screening": "筛查 / screening run"}


def log(message: str) -> None:
    print(f"[{time.strftime('%H:%M:%S', time.gmtime())}Z] {message}", flush=True)


# ---------------------------------------------------------------- the stack

def child_env() -> dict[str, str]:
    plan = ds.ServicePlan(profile=PROFILE, database_url=ds.build_database_url(PG_PORT),
                          redis_url=ds.build_redis_url(REDIS_PORT, 0), start_postgres=True, start_redis=True)
    env = ds.child_env(plan)
    env.update(LIMITS, PORTAL_MEDIA_ROOT=str(DATA / "media"), DJANGO_DEBUG="false", DJANGO_LOG_LEVEL="WARNING",
               CELERY_BROKER_URL=plan.redis_url, CELERY_RESULT_BACKEND=plan.redis_url)
    return env


class Stack:
    """The embedded servers and the three processes, each restartable on its own."""

    def __init__(self, env):
        self.env = env
        self.procs: dict[str, subprocess.Popen] = {}
        self.started_pg = self.started_valkey = False
        self.paths = ds.pg_paths(PROFILE)

    # servers
    def start_servers(self) -> None:
        with ds.profile_lock(PROFILE):
            self.started_pg = ds.ensure_postgres(PROFILE) or self.started_pg
            ds._psql(self.paths, PG_PORT, f"DROP DATABASE IF EXISTS {ds.PG_DB} WITH (FORCE)")
            ds.ensure_database(self.paths, PG_PORT)
            self.started_valkey = ds.ensure_valkey(PROFILE) or self.started_valkey

    def postgres_pid(self) -> int:
        info = ds.running_postmaster(self.paths.data)
        if info is None:
            raise RuntimeError("PostgreSQL is not running")
        return info.pid

    def valkey_pid(self) -> int:
        pid = ds.running_valkey(PROFILE)
        if pid is None:
            raise RuntimeError("Valkey is not running")
        return pid

    def restart_postgres(self) -> None:
        deadline = time.monotonic() + 60
        while True:
            try:
                with ds.profile_lock(PROFILE):
                    ds.ensure_postgres(PROFILE)
                return
            except ds.DevstackError as exc:  # the killed postmaster's backends may still be leaving
                if time.monotonic() > deadline:
                    raise
                log(f"PostgreSQL not restarted yet: {str(exc).splitlines()[0]}")
                time.sleep(1)

    def restart_valkey(self) -> None:
        ds.wait_until(lambda: not ds.pid_alive(self._valkey_killed), 10)
        with ds.profile_lock(PROFILE):
            ds.ensure_valkey(PROFILE)

    # processes
    def manage(self, *args: str, timeout: float = 900) -> None:
        LOGS.mkdir(parents=True, exist_ok=True)
        with (LOGS / "faults-setup.log").open("ab") as out:
            r = subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=self.env, stdout=out,
                               stderr=subprocess.STDOUT, timeout=timeout)
        if r.returncode != 0:
            raise RuntimeError(f"manage.py {' '.join(args)} failed (see {LOGS / 'faults-setup.log'})")

    SPECS = {
        "web": ["-m", "gunicorn", "portal.wsgi:application", "--bind", f"{ds.HOST}:{WEB_PORT}", "--workers", "2",
                "--timeout", "30", "--graceful-timeout", "5"],
        "worker": ["-m", "celery", "-A", "portal", "worker", "-l", "info", "--concurrency", "2", "-Q",
                   "celery,reports", "-n", "faults@%h"],
        "beat": ["-m", "celery", "-A", "portal", "beat", "-l", "info", "--scheduler", "portal.celery:PortalScheduler",
                 "--schedule", str(DATA / "celerybeat-schedule")],
    }

    def spawn(self, name: str) -> None:
        out = (LOGS / f"faults-{name}.log").open("ab")
        self.procs[name] = subprocess.Popen([sys.executable, *self.SPECS[name]], cwd=ROOT, env=self.env,
                                            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                            start_new_session=True)
        out.close()

    def pool_pids(self) -> list[int]:
        main = self.procs["worker"].pid
        try:
            text = Path(f"/proc/{main}/task/{main}/children").read_text()
        except OSError:
            return []
        return [int(p) for p in text.split()]

    def busiest_pool_pid(self) -> int | None:
        def cpu(pid):
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                return int(fields[11]) + int(fields[12])
            except (OSError, IndexError, ValueError):
                return -1
        pids = self.pool_pids()
        if not pids:
            return None
        before = {p: cpu(p) for p in pids}
        time.sleep(0.3)
        return max(pids, key=lambda p: cpu(p) - before[p])

    def kill_worker(self) -> None:
        """SIGKILL to the main process; its pool processes go too, as a supervisor stopping the unit does."""
        pool = self.pool_pids()
        os.kill(self.procs["worker"].pid, signal.SIGKILL)
        self.procs["worker"].wait(10)
        for pid in pool:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)

    def wait_worker_ready(self, timeout: float = 60) -> bool:
        return ds.wait_until(lambda: len(self.pool_pids()) >= 2, timeout, 0.2)

    def stop(self) -> None:
        for proc in self.procs.values():
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs.values():
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError, PermissionError):
                    os.killpg(proc.pid, signal.SIGKILL)
        with ds.profile_lock(PROFILE):
            if self.started_valkey or ds.running_valkey(PROFILE):
                with contextlib.suppress(Exception):
                    ds.stop_valkey(PROFILE)
            with contextlib.suppress(Exception):
                ds.stop_postgres(PROFILE)

    _valkey_killed = 0


# ---------------------------------------------------------------- the portal, from this process

def django_setup(env) -> None:
    os.environ.update({k: v for k, v in env.items() if k.startswith(("PORTAL_", "DJANGO_", "DATABASE_URL",
                                                                     "REDIS_URL", "CELERY_"))})
    import django

    django.setup()


def db_retry(function, *, timeout: float = 90):
    """Run a read/write against the database, reconnecting while PostgreSQL comes back."""
    from django.db import close_old_connections, connection
    from django.db.utils import DatabaseError, InterfaceError

    deadline = time.monotonic() + timeout
    while True:
        try:
            return function()
        except (DatabaseError, InterfaceError):
            if time.monotonic() > deadline:
                raise
            with contextlib.suppress(Exception):
                connection.close()
            close_old_connections()
            time.sleep(0.5)


@dataclass
class World:
    staff: object
    plan: object
    campaign: object
    version: object
    region: object
    year: int
    codes: list[str]
    cookie: str


def _regions_under(region):
    from portal.models import Region

    ids, level = {region.pk}, {region.pk}
    while level:
        level = set(Region.objects.filter(parent_id__in=level).values_list("pk", flat=True)) - ids
        ids |= level
    return ids


def world() -> World:
    from django.conf import settings
    from django.test import Client

    from inventory.models import Enterprise, SurveyCampaign
    from portal import permissions as perms
    from portal.models import User
    from screening.models import CriteriaProfile
    from tasks.models import ActionPlan

    campaign = SurveyCampaign.objects.select_related("region").order_by("-year").first()
    staff = next(u for u in User.objects.filter(is_active=True).select_related("department__region").order_by("pk")
                 if perms.can(u, "inventory.import_data") and perms.can(u, "screening.run_screening")
                 and u.region is not None and perms.region_visible(u, campaign.region))
    plan = ActionPlan.objects.visible_to(staff).filter(status="published").order_by("pk").first()
    from inventory.models import SurveyReport

    closed = SurveyReport.objects.filter(campaign=campaign).exclude(state__in=("draft", "returned"))
    codes = list(Enterprise.objects.filter(perms.region_q(staff, "region"), region__in=_regions_under(campaign.region))
                 .exclude(pk__in=closed.values("enterprise_id")).order_by("pk")
                 .values_list("credit_code", flat=True)[:50])
    if not codes:
        raise RuntimeError("no enterprise of the campaign's region can take imported lines")
    client = Client()
    client.force_login(staff)
    return World(staff=staff, plan=plan, campaign=campaign, version=CriteriaProfile.objects.get(code="hj1229").current,
                 region=campaign.region, year=campaign.year, codes=codes,
                 cookie=f"{settings.SESSION_COOKIE_NAME}={client.cookies[settings.SESSION_COOKIE_NAME].value}")


# ---------------------------------------------------------------- jobs

def request_pdf(w: World):
    from django.utils import timezone

    from tasks.documents import report_document_request

    return report_document_request(actor=w.staff, plan=w.plan, period=timezone.localdate())


def survey_file(w: World, prefix: str, lines: int) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["统一社会信用代码", "物质名称", "CAS号", "活动类型", "数量（吨/年）"])
    for i in range(lines):
        writer.writerow([w.codes[i % len(w.codes)], f"{prefix}物质{i // len(w.codes)}", "", "加工使用",
                         f"{1 + i % 97}.5"])
    return out.getvalue().encode("utf-8")


def prepare_import(w: World, prefix: str, lines: int):
    """Upload and check (a job) a survey-line file; returns the record once it is ready to commit."""
    from django.core.files.uploadedfile import SimpleUploadedFile

    from inventory.models import ImportRecord
    from inventory.uploads import import_upload

    upload = SimpleUploadedFile(f"{prefix}.csv", survey_file(w, prefix, lines), content_type="text/csv")
    record = import_upload(actor=w.staff, kind="survey_lines", upload=upload, campaign=w.campaign)
    ok = ds.wait_until(lambda: ImportRecord.objects.get(pk=record.pk).status not in ACTIVE["import"], 180, 0.5)
    record.refresh_from_db()
    if not ok or record.status != "validated":
        raise RuntimeError(f"the import file was not checked: {record.status} {record.errors[:2]}")
    return record


def start_job(w: World, job: str, prepared):
    if job == "pdf":
        return request_pdf(w)
    if job == "import":
        from inventory.uploads import import_confirm

        return import_confirm(actor=w.staff, record=prepared)
    from screening.services import run_create

    return run_create(actor=w.staff, version=w.version, region=w.region, year=w.year, title="故障注入")


def row_of(job: str, pk: int):
    from inventory.models import ImportRecord
    from screening.models import ScreeningRun
    from tasks.models import ReportDocument

    model = {"pdf": ReportDocument, "import": ImportRecord, "screening": ScreeningRun}[job]
    return model.objects.get(pk=pk)


def hold_results():
    """A screening run over the demo data takes a fraction of a second; holding its results table (from a
    connection of our own) keeps it running, blocked before it writes, until the fault is injected."""
    from django.db import connection

    from portal.backup import Database

    conn = Database.from_settings(connection.settings_dict).connect()
    with conn.cursor() as cursor:
        cursor.execute("LOCK TABLE screening_screeningresult IN SHARE ROW EXCLUSIVE MODE")
    return conn


def running(job: str, pk: int) -> bool:
    from django.core.cache import cache

    from inventory.uploads import progress_key

    row = row_of(job, pk)
    if job == "import":  # in the COPY: past the check's 60 %
        return row.status == "committing" and int(cache.get(progress_key(pk)) or 0) >= 62
    return row.status == "running"


# ---------------------------------------------------------------- pages

class Poller(threading.Thread):
    """GETs a few pages as the signed-in user every half second; remembers every 5xx and failure."""

    def __init__(self, cookie: str, paths: list[str]):
        super().__init__(daemon=True)
        self.cookie, self.paths = cookie, paths
        self.bad: list[tuple[float, str, str]] = []
        self.requests = 0
        self.halt = threading.Event()
        self.opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))

    def run(self) -> None:
        while not self.halt.is_set():
            for path in self.paths:
                request = urllib.request.Request(WEB + path, headers={"Cookie": self.cookie})
                try:
                    with self.opener.open(request, timeout=10) as response:
                        response.read()
                        status = response.status
                except urllib.error.HTTPError as exc:
                    status = exc.code
                except (urllib.error.URLError, OSError) as exc:
                    status = f"error {type(exc).__name__}"
                self.requests += 1
                if not isinstance(status, int) or (status >= 500 and not (path == "/healthz" and status == 503)):
                    self.bad.append((time.monotonic(), path, str(status)))
            self.halt.wait(0.5)


# ---------------------------------------------------------------- one scenario

@dataclass
class Result:
    fault: str
    job: str
    at_kill: str = ""
    outage: float = 0.0
    final: str = ""
    settle: float = 0.0
    stuck: int = 0
    duplicates: int = 0
    import_check: str = "—"
    late_5xx: int = 0
    during_5xx: int = 0
    problems: list[str] = field(default_factory=list)
    reasons: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


TASKS = {"pdf": "tasks.generate_report_document", "import": "inventory.import_commit", "screening": "screening.run"}


def task_pid(task: tuple[str, int] | None) -> int | None:
    """The pool process running the task (name, row pk), as the worker reports it."""
    if task is None:
        return None
    from portal.celery import app

    with contextlib.suppress(Exception):
        for jobs in (app.control.inspect(timeout=2).active() or {}).values():
            for active in jobs:
                if active.get("name") == task[0] and list(active.get("args") or ()) == [task[1]]:
                    return active.get("worker_pid")
    return None


def kill(stack: Stack, fault: str, task: tuple[str, int] | None = None) -> float:
    """SIGKILL the part, restart it; returns when it runs again (the end of the outage)."""
    if fault == "valkey":
        stack._valkey_killed = stack.valkey_pid()
        os.kill(stack._valkey_killed, signal.SIGKILL)
        time.sleep(2)
        stack.restart_valkey()
    elif fault == "postgres":
        os.kill(stack.postgres_pid(), signal.SIGKILL)
        time.sleep(2)
        stack.restart_postgres()
    elif fault == "worker":
        stack.kill_worker()
        time.sleep(2)
        stack.spawn("worker")
        stack.wait_worker_ready()
    else:
        pid = task_pid(task) or stack.busiest_pool_pid()
        if pid is None:
            raise RuntimeError("the worker has no pool process")
        os.kill(pid, signal.SIGKILL)
    return time.monotonic()


def scenario(stack: Stack, w: World, fault: str, job: str, lines: int, n: int) -> Result:
    from django.db import connection

    from inventory.models import ImportRecord, SurveyLine
    from portal.models import AuditEvent

    result = Result(fault, job)
    prefix = f"故障{n:02d}"
    prepared = db_retry(lambda: prepare_import(w, prefix, lines)) if job == "import" else None
    hold = hold_results() if job == "screening" else None
    row = start_job(w, job, prepared)
    if not ds.wait_until(lambda: db_retry(lambda: running(job, row.pk) or row_of(job, row.pk).status == "done"),
                         60, 0.05):
        result.problems.append("job never started")
    queued = request_pdf(w)  # queued a moment before the crash
    result.at_kill = db_retry(lambda: row_of(job, row.pk).status)
    started = time.monotonic()
    poller = Poller(w.cookie, ["/healthz", "/", "/tasks/documents/", f"/inventory/imports/{prepared.pk}/"
                               if prepared else "/inventory/imports/", "/screening/runs/"])
    poller.start()
    ended = kill(stack, fault, (TASKS[job], row.pk))
    if hold is not None:
        with contextlib.suppress(Exception):
            hold.close()
    result.outage = ended - started
    rows = [(job, row.pk), ("pdf", queued.pk)]

    def settled():
        return all(row_of(j, pk).status not in ("queued", "running", "checking", "committing") for j, pk in rows)

    ok = ds.wait_until(lambda: db_retry(settled), SETTLE, 0.5)
    result.settle = time.monotonic() - ended
    time.sleep(2)
    poller.halt.set()
    poller.join(15)
    connection.close()
    finals = [db_retry(lambda j=j, pk=pk: row_of(j, pk)) for j, pk in rows]
    result.final = " / ".join(f"{r.status}({r.job_attempts})" for r in finals)
    if not ok:
        result.problems.append(f"not settled within {SETTLE} s")
    for r in finals:
        reason = getattr(r, "error", "") or "；".join(e["message"] for e in (getattr(r, "errors", None) or ()))
        if r.status == "failed":
            result.reasons.append(f"{r._meta.model_name} {r.pk}: {reason[:120]}")
            if not reason:
                result.problems.append("failed without a reason")
        if r.status not in ("done", "failed"):
            result.problems.append(f"ended {r.status}")

    def stuck() -> int:
        from django.utils import timezone

        from screening.models import ScreeningRun
        from tasks.models import ReportDocument

        limit = timezone.now() - datetime.timedelta(seconds=STALE + 2 * RECOVER_EVERY)
        return sum(m.objects.filter(status__in=states, job_since__lt=limit).count() for m, states in (
            (ReportDocument, ACTIVE["report"]), (ImportRecord, ACTIVE["import"]), (ScreeningRun, ACTIVE["run"])))

    result.stuck = db_retry(stuck)
    if result.stuck:
        result.problems.append(f"{result.stuck} rows stuck")

    def duplicates() -> int:
        with connection.cursor() as cursor:
            cursor.execute("SELECT count(*) FROM (SELECT 1 FROM inventory_surveyline GROUP BY report_id, activity, "
                           "raw_cas, raw_name HAVING count(*) > 1) d")
            return cursor.fetchone()[0]

    result.duplicates = db_retry(duplicates)
    if result.duplicates:
        result.problems.append(f"{result.duplicates} duplicated lines")
    if job == "import":
        record = db_retry(lambda: ImportRecord.objects.get(pk=row.pk))
        written = db_retry(lambda: SurveyLine.objects.filter(raw_name__startswith=f"{prefix}物质").count())
        events = db_retry(lambda: AuditEvent.objects.filter(action="import.survey_lines",
                                                            object_id=str(row.pk)).count())
        result.import_check = f"{record.created}/{written}/{events}"
        if record.status == "done" and (record.created != lines or written != lines or events != 1):
            result.problems.append(f"import counted {record.created}, wrote {written}, {events} audit events")
        if record.status != "done" and (written or events):
            result.problems.append("a failed import left lines or an audit event")
    late = [b for b in poller.bad if b[0] > ended + GRACE]
    result.late_5xx, result.during_5xx = len(late), len(poller.bad) - len(late)
    if late:
        result.problems.append(f"{len(late)} 5xx after the outage, e.g. {late[0][1]} {late[0][2]}")
    if not poller.requests:
        result.problems.append("no page was polled")
    return result


# ---------------------------------------------------------------- main

def table(results: list[Result]) -> str:
    head = ["故障 / fault", "作业 / job", "杀时 / at kill", "中断 / outage s", "结果 / final (re-queues)",
            "恢复 / settled s", "卡住 / stuck", "重复行 / dup lines", "导入 / import created/lines/audit",
            "5xx 中断中/后 during/after", "结论 / verdict"]
    rows = [[LABELS[r.fault], LABELS[r.job], r.at_kill, f"{r.outage:.1f}", r.final, f"{r.settle:.1f}", str(r.stuck),
             str(r.duplicates), r.import_check, f"{r.during_5xx}/{r.late_5xx}",
             "通过 / PASS" if r.ok else ("失败 / FAIL: " + "; ".join(r.problems))[:90]] for r in results]

    def width(text):
        return sum(2 if ord(c) > 0x2E80 else 1 for c in text)

    widths = [max(width(x) for x in col) for col in zip(head, *rows, strict=True)]

    def line(cells):
        return " | ".join(c + " " * (w - width(c)) for c, w in zip(cells, widths, strict=True))

    return "\n".join([line(head), "-+-".join("-" * w for w in widths), *map(line, rows)])


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default=",".join(FAULTS), help="faults to inject: " + ",".join(FAULTS))
    parser.add_argument("--jobs", default=",".join(JOBS), help="jobs to disturb: " + ",".join(JOBS))
    parser.add_argument("--lines", type=int, default=30000, help="lines of the imported file")
    parser.add_argument("--deadline", type=int, default=30 * 60, help="seconds the whole run may take")
    args = parser.parse_args(argv)
    faults, jobs = args.only.split(","), args.jobs.split(",")
    t0 = time.monotonic()
    signal.signal(signal.SIGALRM, lambda *a: (_ for _ in ()).throw(TimeoutError("deadline reached")))
    signal.alarm(args.deadline)
    env = child_env()
    DATA.mkdir(parents=True, exist_ok=True)
    stack = Stack(env)
    results: list[Result] = []
    try:
        log(f"servers: PostgreSQL {PG_PORT}, Valkey {REDIS_PORT}, web {WEB_PORT} (127.0.0.1)")
        stack.start_servers()
        log("migrate + seed_demo …")
        stack.manage("migrate", "--noinput")
        stack.manage("seed_demo")
        for name in ("web", "worker", "beat"):
            stack.spawn(name)
        if not ds.wait_until(lambda: ds.http_answers(WEB + "/healthz"), 60) or not stack.wait_worker_ready():
            raise RuntimeError("web or worker did not come up")
        django_setup(env)
        w = world()
        log(f"as {w.staff.username}: plan {w.plan.pk}, campaign {w.campaign.pk} ({len(w.codes)} enterprises)")
        n = 0
        for fault in faults:
            for job in jobs:
                n += 1
                log(f"scenario {n}: kill -9 {fault} during {job}")
                try:
                    result = scenario(stack, w, fault, job, args.lines, n)
                except Exception as exc:  # noqa: BLE001 - one broken scenario is a failure, not the end
                    result = Result(fault, job, problems=[f"{type(exc).__name__}: {exc}"])
                    for name in ("worker", "web", "beat"):
                        if stack.procs[name].poll() is not None:
                            stack.spawn(name)
                    with contextlib.suppress(Exception):
                        stack.restart_postgres()
                    if ds.running_valkey(PROFILE) is None:
                        with ds.profile_lock(PROFILE):
                            ds.ensure_valkey(PROFILE)
                results.append(result)
                log(f"  → {'PASS' if result.ok else 'FAIL ' + '; '.join(result.problems)} "
                    f"({result.final}, settled in {result.settle:.1f} s)")
                for reason in result.reasons:
                    log(f"    failed with the reason: {reason}")
    except (RuntimeError, ds.DevstackError, TimeoutError, subprocess.TimeoutExpired) as exc:
        print(f"\n无法完成故障注入 / could not run the fault injection: {exc}", file=sys.stderr)
        if not results:
            stack.stop()
            return 2
    finally:
        signal.alarm(0)
        if results:
            stack.stop()
    print()
    print(table(results))
    failed = [r for r in results if not r.ok]
    print(f"\n{len(results) - len(failed)}/{len(results)} 通过 / passed in {time.monotonic() - t0:.0f} s; "
          f"limits: stale {STALE} s, recovery every {RECOVER_EVERY} s, time limit {TIME_LIMIT} s, "
          f"visibility {VISIBILITY} s; logs in {LOGS}/faults-*.log")
    return 1 if failed or len(results) < len(faults) * len(jobs) else 0


if __name__ == "__main__":
    sys.exit(main())
