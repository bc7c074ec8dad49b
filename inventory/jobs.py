"""Celery jobs of the inventory: checking and writing large spreadsheet imports (see uploads)."""
import logging

from celery import shared_task
from django.conf import settings
from django.utils import translation

from portal import recovery

log = logging.getLogger(__name__)


def _run(step, record_id: int):
    from .models import ImportRecord
    from .uploads import import_job_failed

    with translation.override(settings.LANGUAGE_CODE):
        try:
            return step(record_id).status
        except Exception as exc:
            log.exception("import %s failed", record_id)
            if recovery.is_transient(exc):
                raise  # the database or Redis was away: left as it is, the stale-job recovery sends it again
            record = ImportRecord.objects.get(pk=record_id)
            import_job_failed(record, translation.gettext("The import stopped because of an internal error; nothing "
                                                          "was written. Please try again or tell the system "
                                                          "administrator."))
            raise


@shared_task(name="inventory.import_check", acks_late=True)
def import_check_job(record_id: int):
    from .uploads import import_check

    return _run(import_check, record_id)


@shared_task(name="inventory.import_commit", acks_late=True)
def import_commit_job(record_id: int):
    from .uploads import import_commit

    return _run(import_commit, record_id)


def _send(record_id: int):
    from .models import ImportRecord

    status = ImportRecord.objects.filter(pk=record_id).values_list("status", flat=True).first()
    recovery.job_send(import_commit_job if status == "committing" else import_check_job, record_id)


def _fail(record, message: str):
    from .uploads import import_job_failed

    return import_job_failed(record, message)


# A file is checked again from the start (the check writes nothing); a commit is sent again as it is (it is
# idempotent: the record is locked and marked done in the transaction that writes the rows).
recovery.register(recovery.JobKind(
    name="import", model="inventory.ImportRecord",
    active={"queued": "queued", "checking": "queued", "committing": "committing"}, send=_send, fail=_fail))
