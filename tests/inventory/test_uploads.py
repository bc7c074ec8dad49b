"""The life of an uploaded spreadsheet: stored with its hash, checked (in the request when small, by a
job with live progress when large), confirmed only by its uploader, checked again and written all at
once; the pages show the preview and every error."""
import pytest
from django.core.cache import cache
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse
from django.utils import translation

from inventory import jobs, uploads
from inventory.models import ImportRecord, SurveyLine
from portal.models import AuditEvent
from tests.conftest import CODE_COUNTY

HEADER = "统一社会信用代码,物质名称,CAS号,活动类型,数量（吨/年）\n"


@pytest.fixture(autouse=True)
def chinese(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    with translation.override("zh-hans"):
        yield


def csv_file(rows, name="明细.csv"):
    return SimpleUploadedFile(name, (HEADER + "".join(rows)).encode("utf-8"), content_type="text/csv")


def lines(n, start=0):
    return [f"{CODE_COUNTY},物质{i},,生产,{i + 1}\n" for i in range(start, start + n)]


def test_small_file_is_checked_at_once_then_written_on_confirmation(users, inventory):
    staff = users["bureau_staff"]
    record = uploads.import_upload(actor=staff, kind="survey_lines", upload=csv_file(lines(3)),
                                   campaign=inventory["campaign"])
    assert (record.status, record.rows, record.created, record.error_count) == ("validated", 3, 3, 0)
    assert len(record.sha256) == 64 and record.file.name
    assert record.preview[0]["action"] == "create" and "数量（吨/年）" in record.preview[0]["changes"]
    assert SurveyLine.objects.filter(raw_name__startswith="物质").count() == 0  # the check writes nothing
    with pytest.raises(PermissionDenied):
        uploads.import_confirm(actor=users["county_staff"], record=record)
    record = uploads.import_confirm(actor=staff, record=record)
    assert (record.status, record.created) == ("done", 3)
    assert SurveyLine.objects.filter(raw_name__startswith="物质").count() == 3
    assert AuditEvent.objects.filter(action="import.survey_lines", object_id=str(record.pk)).exists()
    assert AuditEvent.objects.filter(action="import.upload", object_id=str(record.pk)).exists()
    with pytest.raises(ValidationError):
        uploads.import_confirm(actor=staff, record=record)  # not twice


def test_errors_are_kept_by_row_and_column_and_nothing_is_written(users, inventory):
    record = uploads.import_upload(actor=users["bureau_staff"], kind="survey_lines", campaign=inventory["campaign"],
                                   upload=csv_file(lines(2) + [f"{CODE_COUNTY},坏数,,生产,12吨\n"]))
    assert record.status == "failed" and record.error_count == 1
    assert (record.errors[0]["row"], record.errors[0]["column"]) == (4, "数量（吨/年）")
    assert "12吨" in record.errors[0]["message"]
    with pytest.raises(ValidationError):
        uploads.import_confirm(actor=users["bureau_staff"], record=record)
    assert SurveyLine.objects.filter(raw_name__startswith="物质").count() == 0


def test_a_file_that_is_not_a_table_fails_with_a_clear_message(users, inventory):
    upload = SimpleUploadedFile("明细.xlsx", b"PK\x03\x04 not really a workbook", content_type="application/zip")
    record = uploads.import_upload(actor=users["bureau_staff"], kind="survey_lines", upload=upload,
                                   campaign=inventory["campaign"])
    assert record.status == "failed"
    assert record.errors[0]["row"] == 0 and record.errors[0]["message"]


def test_large_file_is_checked_and_written_by_jobs_with_progress(users, inventory, settings, monkeypatch,
                                                                 django_capture_on_commit_callbacks):
    settings.PORTAL_IMPORT_SYNC_MAX_BYTES = 100
    seen = []
    real_set = cache.set

    def spy(key, value, *args, **kwargs):
        if key.startswith("inventory:import:"):
            seen.append(value)
        return real_set(key, value, *args, **kwargs)

    monkeypatch.setattr(cache, "set", spy)
    monkeypatch.setattr(jobs.import_check_job, "delay", lambda pk: jobs.import_check_job(pk))
    monkeypatch.setattr(jobs.import_commit_job, "delay", lambda pk: jobs.import_commit_job(pk))
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        record = uploads.import_upload(actor=users["bureau_staff"], kind="survey_lines", upload=csv_file(lines(300)),
                                       campaign=inventory["campaign"])
    assert record.status == "queued"  # the request answers at once
    client = Client()
    client.force_login(users["bureau_staff"])
    status = client.get(reverse("inventory:import_status", args=[record.pk]))
    assert status.status_code == 200 and "HX-Refresh" not in status
    for callback in callbacks:
        callback()
    record.refresh_from_db()
    assert (record.status, record.created) == ("validated", 300)
    assert seen and max(seen) <= 100
    assert client.get(reverse("inventory:import_status", args=[record.pk]))["HX-Refresh"] == "true"

    with django_capture_on_commit_callbacks(execute=True):
        record = uploads.import_confirm(actor=users["bureau_staff"], record=record)
    record.refresh_from_db()
    assert record.status == "done"
    assert SurveyLine.objects.filter(raw_name__startswith="物质").count() == 300


def test_a_job_that_crashes_leaves_a_clear_failure_and_no_data(users, inventory, settings, monkeypatch):
    settings.PORTAL_IMPORT_SYNC_MAX_BYTES = 100
    monkeypatch.setattr(jobs.import_check_job, "delay", lambda pk: None)
    record = uploads.import_upload(actor=users["bureau_staff"], kind="survey_lines", upload=csv_file(lines(20)),
                                   campaign=inventory["campaign"])

    def boom(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(uploads, "_check", boom)
    with pytest.raises(RuntimeError):
        jobs.import_check_job(record.pk)
    record.refresh_from_db()
    assert record.status == "failed" and "系统" in record.errors[0]["message"]


def test_pages_of_the_import_flow(users, inventory):
    client = Client()
    client.force_login(users["bureau_staff"])
    response = client.post(reverse("inventory:import_start"), {
        "kind": "survey_lines", "campaign": inventory["campaign"].pk,
        "file": csv_file(lines(2) + [f"{CODE_COUNTY},坏号,67-66-4,生产,1\n"])}, follow=True)
    page = response.content.decode()
    assert response.status_code == 200 and "67-66-4" in page and "CAS号" in page
    record = ImportRecord.objects.latest("pk")
    errors = client.get(reverse("inventory:import_errors", args=[record.pk]), {"export": "csv"})
    assert "67-66-4" in errors.content.decode("utf-8-sig")
    # Survey lines need a campaign; another user's import is not found.
    response = client.post(reverse("inventory:import_start"), {"kind": "survey_lines", "file": csv_file(lines(1))})
    assert "campaign" in response.context["form"].errors
    other = Client()
    other.force_login(users["county_staff"])
    assert other.get(reverse("inventory:import_detail", args=[record.pk])).status_code == 404
    # Templates for every kind.
    for kind in ("survey_lines", "enterprises", "substances", "monitoring_results"):
        template = client.get(reverse("inventory:template_download", args=[kind]))
        assert template.status_code == 200 and template.content[:2] == b"PK"
