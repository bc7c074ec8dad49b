"""Rows that stand for background work (a PDF being generated, a spreadsheet being checked or written, a
screening run) and the one mechanism that settles those a crash left behind.

A row whose job was lost — the broker restarted and forgot the message, the worker was killed mid-job —
would stay "queued" or "running" for ever. Each app plugs its kinds in here (`register`, from its jobs.py);
beat sends `portal.jobs_recover` every PORTAL_JOB_RECOVER_SECONDS, which finds rows still in an active
state past their kind's limit (PORTAL_JOB_STALE_<KIND>_SECONDS, counted from `job_since`, the moment the row
last entered that state) and sends their job again, at most PORTAL_JOB_MAX_REQUEUES times — every job here
is idempotent at the database — or, past that, marks them failed with a reason the user can read. A failed
row offers 重试 on its page (the kind's own `<kind>_retry` service).

The portal names no feature app: the kinds are registered by the apps."""
from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.db import models, transaction
from django.utils import timezone

log = logging.getLogger(__name__)

STALE_REASON = ("后台任务长时间未完成（服务可能曾中断或重启），已停止等待，未保存任何结果。"
                "请点击“重试”重新执行；如多次失败，请联系系统管理员。")


class JobRow(models.Model):
    """The two fields the recovery needs on every row that stands for background work."""

    job_since = models.DateTimeField(default=timezone.now, editable=False,
                                     help_text="When the row last entered a queued or running state.")
    job_attempts = models.PositiveSmallIntegerField(default=0, editable=False,
                                                    help_text="Times the recovery sent its job again.")

    class Meta:
        abstract = True


@dataclass(frozen=True)
class JobKind:
    """One kind of job row.

    name: short and stable ("report_document"); the limit is the setting PORTAL_JOB_STALE_<NAME>_SECONDS.
    model: the app label and model ("tasks.ReportDocument").
    active: each status that means "a job owns this row" → the status it is put back in when its job is sent
        again (None: it is never sent again from that status, only failed).
    send: sends the row's job (called after the transaction commits) with the row's pk.
    fail: marks the row failed with a message (inside the recovery's transaction).
    """

    name: str
    model: str
    active: Mapping[str, str | None]
    send: Callable[[int], object]
    fail: Callable[[models.Model, str], object]
    default_stale_seconds: int = 16 * 60

    @property
    def model_class(self) -> type[models.Model]:
        return apps.get_model(self.model)

    @property
    def stale_seconds(self) -> int:
        return int(getattr(settings, f"PORTAL_JOB_STALE_{self.name.upper()}_SECONDS", self.default_stale_seconds))


KINDS: dict[str, JobKind] = {}


def register(kind: JobKind) -> JobKind:
    KINDS[kind.name] = kind
    return kind


def job_rows_stale(kind: JobKind, *, now=None):
    """The rows of `kind` still in an active state past its limit."""
    now = now or timezone.now()
    return kind.model_class.objects.filter(status__in=list(kind.active),
                                           job_since__lt=now - timedelta(seconds=kind.stale_seconds))


def jobs_recover(*, now=None) -> dict[str, dict[str, int]]:
    """Send again, or fail, every stale job row of every kind. Safe to run twice at once (rows are locked and
    re-read; a row another run settled is skipped). Returns {kind: {"requeued": n, "failed": n}}."""
    from .services import audit_record

    now = now or timezone.now()
    limit = settings.PORTAL_JOB_MAX_REQUEUES
    summary = {}
    for name, kind in sorted(KINDS.items()):
        counts = {"requeued": 0, "failed": 0}
        for pk in list(job_rows_stale(kind, now=now).values_list("pk", flat=True)[:500]):
            with transaction.atomic():
                row = job_rows_stale(kind, now=now).select_for_update(skip_locked=True).filter(pk=pk).first()
                if row is None:
                    continue
                before = {"status": row.status, "since": row.job_since.isoformat(), "attempts": row.job_attempts}
                again = kind.active.get(row.status)
                if again is not None and row.job_attempts < limit:
                    kind.model_class.objects.filter(pk=pk).update(status=again, job_since=now,
                                                                  job_attempts=models.F("job_attempts") + 1)
                    audit_record(actor=None, action="job.requeue", obj=row, before=before,
                                 after={"status": again, "attempts": row.job_attempts + 1},
                                 detail=f"后台任务超过 {kind.stale_seconds} 秒未完成，已重新排队")
                    # robust: a broker still down is logged; the row is sent again at its next limit
                    transaction.on_commit(lambda pk=pk, kind=kind: kind.send(pk), robust=True)
                    counts["requeued"] += 1
                else:
                    kind.fail(row, STALE_REASON)
                    audit_record(actor=None, action="job.fail", obj=row, before=before, after={"status": "failed"},
                                 detail=f"后台任务超过 {kind.stale_seconds} 秒未完成，重新排队 {row.job_attempts} 次后"
                                        "标记为失败")
                    counts["failed"] += 1
        if counts["requeued"] or counts["failed"]:
            log.warning("stale %s jobs settled: %s", name, counts)
        summary[name] = counts
    return summary


def job_send(job, *args, countdown: int | None = None) -> bool:
    """Send a Celery job; with the broker unreachable, log it and return False instead of failing the request
    that asked for it. A job row that was written stays queued and the recovery sends it once Redis is back;
    a job with no row (a cockpit refresh) is covered by its periodic run."""
    try:
        if countdown is None:
            job.delay(*args)
        else:
            job.apply_async(args=list(args), countdown=countdown)
    except Exception as exc:
        if not is_transient(exc):
            raise
        log.warning("job %s%r not sent, the broker is unreachable (%s): left for the recovery",
                    job.name, args, exc.__class__.__name__)
        return False
    return True


def job_send_on_commit(job, *args, countdown: int | None = None) -> None:
    """`job_send` once the current transaction commits."""
    transaction.on_commit(lambda: job_send(job, *args, countdown=countdown))


def is_transient(exc: BaseException) -> bool:
    """A failure of the infrastructure (the database or Redis unreachable for a moment), not of the job: the
    job's row is better left as it is for the recovery to send again than marked failed."""
    from django.db import InterfaceError, OperationalError

    transient: tuple[type[BaseException], ...] = (OperationalError, InterfaceError, ConnectionError, TimeoutError)
    with contextlib.suppress(ImportError):
        import redis.exceptions

        transient += (redis.exceptions.ConnectionError, redis.exceptions.TimeoutError)
    with contextlib.suppress(ImportError):
        import kombu.exceptions

        transient += (kombu.exceptions.OperationalError,)
    seen = set()
    while exc is not None and id(exc) not in seen:
        if isinstance(exc, transient):
            return True
        seen.add(id(exc))
        exc = exc.__cause__ or exc.__context__
    return False


def job_row_retry(kind_name: str, row: models.Model, *, status: str, **values) -> None:
    """Put a failed row back in `status` with a fresh count of attempts and send its job after the commit
    (the kind's own retry service checks permission and records the audit event)."""
    kind = KINDS[kind_name]
    kind.model_class.objects.filter(pk=row.pk).update(status=status, job_since=timezone.now(), job_attempts=0,
                                                      **values)
    transaction.on_commit(lambda: kind.send(row.pk), robust=True)  # a broker down: the recovery sends it later
