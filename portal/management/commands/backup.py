from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from portal.backup import BackupError, backup


class Command(BaseCommand):
    help = ("Back up the database (pg_dump, custom format) and the uploaded files (MEDIA_ROOT) into one tar archive "
            "with a manifest of SHA-256 checksums.")

    def add_arguments(self, parser):
        parser.add_argument("--output", type=Path, help="the archive to write (default var/backups/portal-<time>.tar)")

    def handle(self, *args, output=None, **options):
        with translation.override(settings.LANGUAGE_CODE):
            try:
                manifest = backup(output=output)
            except BackupError as exc:
                raise CommandError(str(exc)) from exc
        tables = manifest["database"]["tables"]
        self.stdout.write(f"备份完成：{manifest['archive']['path']}（{manifest['archive']['size']} 字节）\n"
                          f"  数据库 {manifest['database']['name']}：{len(tables)} 张表，{sum(tables.values())} 行\n"
                          f"  上传文件 {len(manifest['files']) - 1} 个\n"
                          f"  SHA-256 {manifest['archive']['sha256']}")
