"""manage.py backup / restore: the database and every uploaded file in one archive with a manifest of
checksums; a restore into an empty database and media folder gives back the same rows and the same files,
and a partial or altered archive is refused before anything is changed."""
import hashlib
import io
import tarfile
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.files.base import ContentFile
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import translation

from inventory.models import ImportRecord, SurveyLine
from portal import backup as portal_backup
from portal.models import AuditEvent

MAIN_TABLES = ["portal_region", "portal_department", "portal_user", "portal_user_groups", "auth_group",
               "inventory_substance", "inventory_enterprise", "inventory_surveycampaign", "inventory_surveyreport",
               "inventory_surveyline", "inventory_importrecord", "inventory_monitoringresult",
               "django_celery_beat_periodictask"]


@pytest.fixture(autouse=True)
def chinese():
    with translation.override("zh-hans"):
        yield


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    return settings.MEDIA_ROOT


def table_checksum(table: str, where: str = "") -> tuple[int, str]:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT count(*), md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) "
                       f"FROM {table} t {where}")
        return tuple(cursor.fetchone())


def all_counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT tablename FROM pg_tables WHERE schemaname = 'public'")
        tables = [row[0] for row in cursor.fetchall()]
        counts = {}
        for table in tables:
            cursor.execute(f'SELECT count(*) FROM "{table}"')
            counts[table] = cursor.fetchone()[0]
    return counts


def media_checksums(root: Path) -> dict[str, str]:
    return {p.relative_to(root).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in root.rglob("*") if p.is_file()}


def with_files(users, inventory, media):
    """An import record with its file, evidence-like uploads and a generated PDF, some with Chinese names."""
    for n in range(30):
        SurveyLine.objects.create(report=inventory["report"], raw_name=f"物质{n}", activity="produce",
                                  quantity=Decimal(n) + Decimal("0.25"))
    record = ImportRecord(kind="survey_lines", actor=users["bureau_staff"], campaign=inventory["campaign"],
                          file_name="明细.csv", sha256="0" * 64, status="done", created=30)
    record.file.save("survey_lines-明细.csv", ContentFile("统一社会信用代码,物质名称\n".encode()), save=False)
    record.save()
    (media / "evidence" / "2024" / "03").mkdir(parents=True)
    (media / "evidence" / "2024" / "03" / "县级汇总.pdf").write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * 40)
    (media / "reports").mkdir()
    (media / "reports" / "进展报告-1.pdf").write_bytes(b"%PDF-1.7\n" + b"\x00\xff" * 5000)


def wipe_database_and_media(media: Path):
    with connection.cursor() as cursor:
        cursor.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public")
    connection.close()
    import shutil

    shutil.rmtree(media)


@pytest.mark.django_db(transaction=True)
def test_a_backup_restored_into_an_empty_database_and_media_folder_is_identical(users, inventory, media, tmp_path):
    with_files(users, inventory, media)
    counts, sums, files = all_counts(), {t: table_checksum(t) for t in MAIN_TABLES}, media_checksums(media)
    audit = table_checksum("portal_auditevent")
    archive = tmp_path / "backups" / "portal.tar"
    call_command("backup", "--output", str(archive), stdout=io.StringIO())
    assert archive.exists() and not archive.with_name("portal.tar.partial").exists()
    assert AuditEvent.objects.filter(action="system.backup").count() == 1

    wipe_database_and_media(media)
    assert all_counts() == {} and not media.exists()
    out = io.StringIO()
    call_command("restore", str(archive), stdout=out)
    assert "恢复完成" in out.getvalue()

    restored = all_counts()
    assert {t: n for t, n in restored.items() if t != "portal_auditevent"} == {
        t: n for t, n in counts.items() if t != "portal_auditevent"}
    assert {t: table_checksum(t) for t in MAIN_TABLES} == sums
    assert table_checksum("portal_auditevent", "WHERE action <> 'system.restore'") == audit
    assert media_checksums(media) == files and len(files) == 3
    assert AuditEvent.objects.filter(action="system.restore").count() == 1
    assert ImportRecord.objects.get().file.read() == "统一社会信用代码,物质名称\n".encode()


def rewrite(archive: Path, target: Path, *, drop=None, change=None):
    """A copy of the archive without the member `drop`, or with member `change`'s content altered."""
    with tarfile.open(archive) as source, tarfile.open(target, "w") as sink:
        for member in source.getmembers():
            if member.name == drop:
                continue
            data = source.extractfile(member).read() if member.isfile() else None
            if member.name == change:
                data = data[:-1] + bytes([data[-1] ^ 1])
            sink.addfile(member, io.BytesIO(data) if data is not None else None)
    return target


@pytest.fixture
def archive(users, inventory, media, tmp_path):
    with_files(users, inventory, media)
    return Path(portal_backup.backup(output=tmp_path / "b" / "portal.tar")["archive"]["path"])


def test_an_altered_archive_is_refused_with_a_chinese_message_and_nothing_is_restored(archive, media, tmp_path):
    before = media_checksums(media)
    lines = SurveyLine.objects.count()
    altered = rewrite(archive, tmp_path / "altered.tar", change="media/reports/进展报告-1.pdf")
    with pytest.raises(CommandError, match="校验和.*不一致|校验和与清单不符"):
        call_command("restore", str(altered), "--replace")
    assert media_checksums(media) == before and SurveyLine.objects.count() == lines
    assert not AuditEvent.objects.filter(action="system.restore").exists()
    assert not list(media.parent.glob(".restore-*"))  # the staging folder is gone


def test_a_partial_archive_is_refused(archive, media, tmp_path):
    truncated = tmp_path / "truncated.tar"
    truncated.write_bytes(archive.read_bytes()[: archive.stat().st_size // 2])
    with pytest.raises(CommandError, match="不完整"):
        call_command("restore", str(truncated), "--replace")
    missing = rewrite(archive, tmp_path / "missing.tar", drop="media/evidence/2024/03/县级汇总.pdf")
    with pytest.raises(CommandError, match="不完整.*县级汇总.pdf"):
        call_command("restore", str(missing), "--replace")
    assert not AuditEvent.objects.filter(action="system.restore").exists()


def test_a_restore_over_a_database_in_use_needs_replace(archive, media):
    with pytest.raises(CommandError, match="不是空的.*--replace"):
        call_command("restore", str(archive))


def test_the_backup_uses_the_owner_connection_when_one_is_configured(settings):
    settings.PORTAL_MIGRATE_DATABASE_URL = "postgres://portal_owner:s3cret@db.internal:6543/portal"
    db = portal_backup.owner_database()
    assert (db.user, db.password, db.host, db.port, db.name) == ("portal_owner", "s3cret", "db.internal", "6543",
                                                                 "portal")
    settings.PORTAL_MIGRATE_DATABASE_URL = ""
    assert portal_backup.owner_database().name == connection.settings_dict["NAME"]
