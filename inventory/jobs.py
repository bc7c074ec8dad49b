"""Celery jobs of the inventory: checking and writing large spreadsheet imports (see uploads)."""
import logging

from celery import shared_task
from django.conf import settings
from django.utils import translation

log = logging.getLogger(__name__)


def _run(step, record_id: int):
    from .models import ImportRecord
    from .uploads import _fail

    with translation.override(settings.LANGUAGE_CODE):
        try:
            return step(record_id).status
        except Exception:
            log.exception("import %s failed", record_id)
            record = ImportRecord.objects.get(pk=record_id)
            _fail(record, translation.gettext("The import stopped because of an internal error; nothing was written. "
                                              "Please try again or tell the system administrator."))
            raise


@shared_task(name="inventory.import_check", acks_late=True)
def import_check_job(record_id: int):
    from .uploads import import_check

    return _run(import_check, record_id)


@shared_task(name="inventory.import_commit", acks_late=True)
def import_commit_job(record_id: int):
    from .uploads import import_commit

    return _run(import_commit, record_id)
