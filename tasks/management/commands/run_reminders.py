"""python manage.py run_reminders [--now 2025-12-25T09:00] — one reminder scan, e.g. with a forced clock."""
import datetime

from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from tasks.reminders import reminders_scan


class Command(BaseCommand):
    help = "Run one reminder and escalation scan now (the beat job does this every few minutes)."

    def add_arguments(self, p):
        p.add_argument("--now", help="pretend it is this local time (ISO format), e.g. 2025-12-25T09:00")

    def handle(self, *args, **o):
        now = None
        if o["now"]:
            try:
                now = timezone.make_aware(datetime.datetime.fromisoformat(o["now"]))
            except ValueError as exc:
                raise CommandError(f"时间格式不正确：{o['now']}（示例 2025-12-25T09:00）") from exc
        result = reminders_scan(now=now)
        self.stdout.write(f"待提醒 {result.candidates} 条，新发送 {result.sent} 条；邮件摘要 {result.digests} 份，"
                          f"已发送 {result.emails} 封")
