"""A commit job that runs again — delivered twice after a worker was killed, sent again by the recovery —
writes the file once: the record is locked and marked done in the transaction that writes the lines, and the
survey line's natural key is a database constraint, so no race can write a line twice."""
import threading
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import IntegrityError, connections, transaction
from django.utils import translation

from inventory import jobs, services, uploads
from inventory.models import ImportRecord, SurveyLine
from portal.models import AuditEvent
from tests.conftest import CODE_COUNTY

HEADER = "统一社会信用代码,物质名称,CAS号,活动类型,数量（吨/年）\n"
LINES = 200


@pytest.fixture(autouse=True)
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path


def committing_record(users, inventory, monkeypatch, settings):
    """A checked file of LINES new lines, confirmed: waiting for its commit job."""
    settings.PORTAL_IMPORT_SYNC_MAX_BYTES = 100
    monkeypatch.setattr(jobs.import_commit_job, "delay", lambda pk: None)
    rows = "".join(f"{CODE_COUNTY},物质{i},,生产,{i + 1}\n" for i in range(LINES))
    upload = SimpleUploadedFile("明细.csv", (HEADER + rows).encode(), content_type="text/csv")
    staff = users["bureau_staff"]
    record = uploads.import_upload(actor=staff, kind="survey_lines", upload=upload, campaign=inventory["campaign"])
    jobs.import_check_job(record.pk)
    record = uploads.import_confirm(actor=staff, record=ImportRecord.objects.get(pk=record.pk))
    assert record.status == "committing"
    return record


def imported_lines():
    return SurveyLine.objects.filter(raw_name__startswith="物质").count()


@pytest.mark.django_db(transaction=True)
def test_a_commit_job_delivered_twice_writes_the_lines_and_the_audit_event_once(users, inventory, monkeypatch,
                                                                               settings):
    record = committing_record(users, inventory, monkeypatch, settings)
    # Both deliveries have read the record and checked the file before either writes (a redelivery while the
    # first worker is still writing).
    barrier = threading.Barrier(2, timeout=30)
    real_check = uploads._check

    def check_then_wait(*args, **kwargs):
        result = real_check(*args, **kwargs)
        barrier.wait()
        return result

    monkeypatch.setattr(uploads, "_check", check_then_wait)
    errors = []

    def deliver():
        try:
            jobs.import_commit_job(record.pk)
        except Exception as exc:  # noqa: BLE001
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=deliver) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    monkeypatch.setattr(uploads, "_check", real_check)
    assert not errors, errors
    record.refresh_from_db()
    assert (record.status, record.created, record.unchanged) == ("done", LINES, 0)
    assert imported_lines() == LINES
    assert AuditEvent.objects.filter(action="import.survey_lines", object_id=str(record.pk)).count() == 1
    # and once more, long after: nothing changes
    done = (record.status, record.created, record.updated, record.unchanged, record.finished_at)
    jobs.import_commit_job(record.pk)
    record.refresh_from_db()
    assert (record.status, record.created, record.updated, record.unchanged, record.finished_at) == done
    assert imported_lines() == LINES
    assert AuditEvent.objects.filter(action="import.survey_lines", object_id=str(record.pk)).count() == 1


def test_an_error_after_the_lines_are_written_does_not_mark_the_import_failed(users, inventory, monkeypatch,
                                                                              settings):
    """E.g. the cockpit refresh failing once the lines are written: the lines are in, the record says so."""
    record = committing_record(users, inventory, monkeypatch, settings)

    def refresh_fails(group):
        raise RuntimeError("the cockpit refresh could not be asked for")

    monkeypatch.setattr("portal.jobs.cockpit_refresh_soon", refresh_fails)
    with pytest.raises(RuntimeError):
        jobs.import_commit_job(record.pk)
    record.refresh_from_db()
    assert (record.status, record.created, record.error_count) == ("done", LINES, 0)
    assert imported_lines() == LINES


def test_the_database_refuses_a_second_line_with_the_same_cas_or_name_and_activity(inventory):
    report, line, unresolved = inventory["report"], inventory["line"], inventory["unresolved"]
    with pytest.raises(IntegrityError), transaction.atomic():
        SurveyLine.objects.create(report=report, raw_name="二氯甲烷（另一写法）", raw_cas=line.raw_cas,
                                  activity=line.activity, quantity=Decimal(1))
    with pytest.raises(IntegrityError), transaction.atomic():
        SurveyLine.objects.create(report=report, raw_name=unresolved.raw_name, raw_cas="", activity="use",
                                  quantity=Decimal(1))
    # another activity, or the same name in another report, is a line of its own
    SurveyLine.objects.create(report=report, raw_name=unresolved.raw_name, raw_cas="", activity="produce",
                              quantity=Decimal(1))
    assert SurveyLine.objects.filter(report=report).count() == 3


def test_adding_a_line_the_report_already_has_is_refused_in_chinese(users, inventory):
    report = inventory["report"]
    with translation.override("zh-hans"), pytest.raises(ValidationError) as caught:
        services.survey_line_save(actor=users["bureau_staff"], report=report, raw_name="二氯甲烷",
                                  raw_cas="75-09-2", activity="use", quantity=Decimal(2))
    assert "已有" in caught.value.message_dict["raw_cas"][0]
    assert SurveyLine.objects.filter(report=report).count() == 2
