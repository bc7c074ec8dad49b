from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from portal.backup import BackupError, restore


class Command(BaseCommand):
    help = ("Restore an archive written by `manage.py backup`: checks every checksum first, then restores the "
            "database in one transaction and puts the uploaded files in place.")

    def add_arguments(self, parser):
        parser.add_argument("archive", type=Path)
        parser.add_argument("--replace", action="store_true",
                            help="replace a database and media folder that are not empty (the old files are "
                                 "moved aside, next to the media folder)")

    def handle(self, *args, archive, replace=False, **options):
        with translation.override(settings.LANGUAGE_CODE):
            try:
                manifest = restore(archive=archive, replace=replace)
            except BackupError as exc:
                raise CommandError(str(exc)) from exc
        tables = manifest["database"]["tables"]
        self.stdout.write(f"恢复完成：{archive}（备份于 {manifest['created_at']}）\n"
                          f"  {len(tables)} 张表，{sum(tables.values())} 行，行数与清单一致\n"
                          f"  上传文件 {len(manifest['files']) - 1} 个，校验和一致")
