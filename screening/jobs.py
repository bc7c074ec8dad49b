"""Celery jobs of the screening feature."""
import logging

from celery import shared_task

from portal import recovery

log = logging.getLogger(__name__)


@shared_task(name="screening.run", acks_late=True)
def screening_run_job(run_id: int):
    """Runs on the `reports` queue (a run over a province's substances takes seconds)."""
    from .models import ScreeningRun
    from .runs import run_execute
    from .services import run_fail

    try:
        return run_execute(run_id).status
    except Exception as exc:
        log.exception("screening run %s failed", run_id)
        if recovery.is_transient(exc):
            raise  # the database or Redis was away: left as it is, the stale-job recovery sends it again
        run_fail(ScreeningRun.objects.get(pk=run_id), "筛查因系统内部错误中止，未保存任何结果。请重试或联系系统管理员。")
        raise


def _fail(run, message: str):
    from .services import run_fail

    run_fail(run, message)


recovery.register(recovery.JobKind(
    name="screening_run", model="screening.ScreeningRun", active={"queued": "queued", "running": "queued"},
    send=lambda pk: recovery.job_send(screening_run_job, pk), fail=_fail))
