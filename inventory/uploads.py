"""The life of an uploaded spreadsheet: stored with its hash → every row checked (a preview of what
would be created, updated or left unchanged, and every error by row and column) → confirmed by the
person who uploaded it → written in one transaction. Small files are checked and written within the
request; larger ones by a Celery job whose progress the page polls. The rows are checked again when
the import is confirmed, so data changed in between cannot slip past the checks."""
from __future__ import annotations

import hashlib
import logging

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from portal import permissions as perms
from portal.recovery import job_send_on_commit
from portal.services import audit_record

from .models import ImportRecord
from .sheets import SheetError, read_table

log = logging.getLogger(__name__)
KEEP_ERRORS = 1000
PREVIEW_ROWS = 50


def progress_key(record_id: int) -> str:
    return f"inventory:import:{record_id}:progress"


def import_progress(record: ImportRecord) -> int:
    """Live progress of a running job (kept in the cache: a job writing inside its transaction
    cannot show progress through the database)."""
    if record.status in ("done", "validated", "failed", "cancelled"):
        return 100
    return int(cache.get(progress_key(record.pk)) or 0)


def _kinds():
    from .importers import IMPORT_KINDS

    return IMPORT_KINDS


def _is_large(size: int) -> bool:
    return size > settings.PORTAL_IMPORT_SYNC_MAX_BYTES


def import_target_id(record: ImportRecord) -> int | None:
    """The id of the object the import writes into, for kinds that have one (a control list)."""
    return record.target_id


def import_target(record: ImportRecord, actor=None):
    """The object the import writes into, checked for `actor` (default: the uploader) by the kind's
    resolver; None for kinds without one. Raises ValidationError or PermissionDenied like the resolver."""
    spec = _kinds().get(record.kind)
    if spec is None or spec.target is None:
        return None
    return spec.target(actor if actor is not None else record.actor, import_target_id(record))


def _target_kwargs(record: ImportRecord) -> dict:
    spec = _kinds()[record.kind]
    return {} if spec.target is None else {"target": import_target(record)}


def import_upload(*, actor, kind: str, upload, campaign=None, target=None) -> ImportRecord:
    """Store the file and check it — now if it is small, else in a job. `target`: the id of the object a kind
    with ImportKind.target writes into (ignored by other kinds)."""
    if not perms.can(actor, "inventory.import_data"):
        raise PermissionDenied(_("You do not have permission to do this."))
    spec = _kinds().get(kind)
    if spec is None:
        raise ValidationError(_("Unknown sheet: %(kind)s") % {"kind": kind})
    if spec.needs_campaign and campaign is None:
        raise ValidationError(_("Choose the survey campaign the lines belong to."))
    target_obj = spec.target(actor, target) if spec.target is not None else None
    digest = hashlib.sha256()
    for chunk in upload.chunks():
        digest.update(chunk)
    upload.seek(0)
    record = ImportRecord(kind=kind, actor=actor, campaign=campaign if spec.needs_campaign else None,
                          target_id=target_obj.pk if target_obj is not None else None,
                          file_name=upload.name[:255], sha256=digest.hexdigest(), status="queued")
    record.file.save(f"{kind}-{digest.hexdigest()[:16]}{'.csv' if upload.name.lower().endswith('.csv') else '.xlsx'}",
                     upload, save=False)
    record.save()
    after = {"kind": kind, "file": record.file_name, "sha256": record.sha256, "size": upload.size}
    if target_obj is not None:
        after["target"] = {"type": target_obj._meta.label, "id": target_obj.pk, "name": str(target_obj)}
    audit_record(actor=actor, action="import.upload", obj=record, after=after)
    if _is_large(upload.size):
        from .jobs import import_check_job

        job_send_on_commit(import_check_job, record.pk)
        return record
    return import_check(record.pk)


def _read(record: ImportRecord):
    with record.file.open("rb") as handle:
        data = handle.read()
    return data, read_table(data, record.file_name)


def _progress_callback(record_id: int, start: int = 0, span: int = 100):
    def report(percent: int):
        cache.set(progress_key(record_id), start + int(span * max(0, min(percent, 100)) / 100), 3600)

    return report


def _error_dicts(errors):
    return [{"row": e.row, "column": e.column, "message": e.message} for e in errors[:KEEP_ERRORS]]


def _check(record: ImportRecord, progress):
    spec = _kinds()[record.kind]
    target = _target_kwargs(record)
    data, table = _read(record)
    checked = spec.check(table, actor=record.actor, campaign=record.campaign, progress=progress, **target)
    return spec, data, checked, target


def _labelled(preview: list[dict], spec) -> list[dict]:
    """Preview rows name their fields by the sheet's Chinese column headers, as the user wrote them."""
    labels = {c.key: c.header for c in spec.columns}
    labels.setdefault("substance_id", _("Linked substance"))
    return [dict(row, changes={str(labels.get(name, name)): change for name, change in row["changes"].items()})
            for row in preview]


FINAL = ("done", "cancelled")


JOB_FAILURE = "job"  # the code of an error that is the system's, not the file's: the import may be retried


def _fail(record: ImportRecord, message: str, code: str = "") -> ImportRecord:
    """Mark the import failed — unless it was written (or cancelled) meanwhile: a late error of a job that
    ran twice never turns a written import into a failed one."""
    error = {"row": 0, "column": "", "message": message, **({"code": code} if code else {})}
    values = {"status": "failed", "finished_at": timezone.now(), "errors": [error], "error_count": 1}
    if ImportRecord.objects.filter(pk=record.pk).exclude(status__in=FINAL).update(**values):
        for name, value in values.items():
            setattr(record, name, value)
    else:
        record.refresh_from_db()
    return record


def import_job_failed(record: ImportRecord, message: str) -> ImportRecord:
    """The job of an import stopped (an internal error, or it never finished): failed, and open to 重试."""
    return _fail(record, message, JOB_FAILURE)


def import_retryable(record: ImportRecord) -> bool:
    """Failed because its job stopped, not because of the file: checking the stored file again may succeed."""
    return record.status == "failed" and any(e.get("code") == JOB_FAILURE for e in record.errors or ())


def import_check(record_id: int) -> ImportRecord:
    """Check every row and keep the preview on the record. Writes no inventory data."""
    record = ImportRecord.objects.select_related("actor", "campaign__region").get(pk=record_id)
    if record.status not in ("queued", "checking"):
        return record
    record.status, record.job_since = "checking", timezone.now()
    record.save(update_fields=["status", "job_since"])
    try:
        spec, _data, checked, _target = _check(record, _progress_callback(record.pk))
    except (SheetError, PermissionDenied) as exc:
        return _fail(record, str(exc))
    except ValidationError as exc:
        return _fail(record, "；".join(exc.messages))
    record.rows, record.created, record.updated = checked.rows, len(checked.new), len(checked.changed)
    record.unchanged, record.error_count = checked.unchanged, len(checked.errors)
    record.errors, record.warnings = _error_dicts(checked.errors), _error_dicts(checked.warnings)
    record.preview = _labelled(checked.preview_rows(PREVIEW_ROWS), spec)
    record.status = "validated" if checked.ok else "failed"
    record.finished_at = timezone.now() if not checked.ok else None
    record.save()
    return record


def import_confirm(*, actor, record: ImportRecord) -> ImportRecord:
    """The uploader confirms a checked file: it is written now, or by a job when it is large."""
    if record.actor_id != getattr(actor, "pk", None) or not perms.can(actor, "inventory.import_data"):
        raise PermissionDenied(_("Only the person who uploaded the file can confirm its import."))
    updated = ImportRecord.objects.filter(pk=record.pk, status="validated").update(status="committing",
                                                                                    job_since=timezone.now())
    if not updated:
        raise ValidationError(_("This import is not waiting for confirmation."))
    record.status = "committing"
    if _is_large(record.file.size):
        from .jobs import import_commit_job

        job_send_on_commit(import_commit_job, record.pk)
        return record
    return import_commit(record.pk)


def import_commit(record_id: int) -> ImportRecord:
    """Check the rows again and write them all in one transaction, or nothing. Safe to run again for the same
    record (a job delivered twice, a retry after a crash): the record is locked in the transaction that writes
    the rows and marks it done, so a second run waits for the first and then finds it done and stops."""
    record = ImportRecord.objects.select_related("actor", "campaign__region").get(pk=record_id)
    if record.status != "committing":
        return record
    try:
        spec, data, checked, target = _check(record, _progress_callback(record.pk, 0, 60))
    except (SheetError, PermissionDenied) as exc:
        return _fail(record, str(exc))
    except ValidationError as exc:        # e.g. the list written into is no longer a draft
        return _fail(record, "；".join(exc.messages))
    with transaction.atomic():
        locked = ImportRecord.objects.select_for_update().filter(pk=record.pk).values_list("status", flat=True)
        if locked.first() != "committing":  # written (or settled) by another run since it was read
            record.refresh_from_db()
            return record
        if not checked.ok:
            record.status, record.finished_at = "failed", timezone.now()
            record.errors, record.error_count = _error_dicts(checked.errors), len(checked.errors)
            record.save(update_fields=["status", "finished_at", "errors", "error_count"])
            return record
        try:
            spec.commit(actor=record.actor, campaign=record.campaign, checked=checked, file_name=record.file_name,
                        data=data, progress=_progress_callback(record.pk, 60, 40), record=record, **target)
        except (PermissionDenied, ValidationError) as exc:
            messages = exc.messages if isinstance(exc, ValidationError) else [str(exc)]
            return _fail(record, "；".join(messages))
    from portal.jobs import cockpit_refresh_soon
    cockpit_refresh_soon("survey")  # imports write by COPY, past the models' signals
    record.refresh_from_db()
    return record


def import_cancel(*, actor, record: ImportRecord) -> ImportRecord:
    if record.actor_id != getattr(actor, "pk", None):
        raise PermissionDenied(_("Only the person who uploaded the file can cancel its import."))
    if not ImportRecord.objects.filter(pk=record.pk, status="validated").update(
            status="cancelled", finished_at=timezone.now()):
        raise ValidationError(_("This import can no longer be cancelled."))
    audit_record(actor=actor, action="import.cancel", obj=record)
    record.refresh_from_db()
    return record


def import_retry(*, actor, record: ImportRecord) -> ImportRecord:
    """重试: an import whose job stopped is checked again from the stored file (which writes nothing); the
    uploader then confirms it as before. Only the uploader may retry, and only a failure of the job."""
    from portal.recovery import job_row_retry

    if record.actor_id != getattr(actor, "pk", None) or not perms.can(actor, "inventory.import_data"):
        raise PermissionDenied(_("Only the person who uploaded the file can retry its import."))
    with transaction.atomic():
        record = ImportRecord.objects.select_for_update().get(pk=record.pk)
        if not import_retryable(record):
            raise ValidationError(_("Only an import that stopped because of a system fault can be retried; "
                                    "correct the file and upload it again."))
        before = {"status": record.status, "errors": record.errors[:5]}
        job_row_retry("import", record, status="queued", errors=[], error_count=0, finished_at=None, progress=0)
        audit_record(actor=actor, action="import.retry", obj=record, before=before, after={"status": "queued"})
    record.refresh_from_db()
    return record
