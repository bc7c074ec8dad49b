from django.core.management import call_command
from django.core.management.base import BaseCommand

from portal.demo import demo_logins_write, demo_users_seed
from portal.permissions import ROLE_LABELS


class Command(BaseCommand):
    help = "Reference data, demo accounts of every role and demo data. Safe to run twice. Not for production."

    def handle(self, *args, **options):
        call_command("load_reference", stdout=self.stdout)
        rows = demo_users_seed()
        path = demo_logins_write(rows)
        created = [r for r in rows if r[3]]
        self.stdout.write(f"演示账号：新建 {len(created)} 个，共 {len(rows)} 个（密码保存在 {path}）")
        for username, real_name, role, password in created:
            self.stdout.write(f"  {username:<10} {real_name:<8} {ROLE_LABELS[role]!s:<10} 密码 {password}")
        from tasks.demo import demo_plans_seed

        for line in demo_plans_seed():
            self.stdout.write(line)
        from inventory.demo import inventory_demo_seed

        for line in inventory_demo_seed():
            self.stdout.write(line)
        from screening.demo import screening_demo_seed

        for line in screening_demo_seed():
            self.stdout.write(line)
        from controls.demo import controls_demo_seed

        for line in controls_demo_seed():
            self.stdout.write(line)
        from portal.services import cockpit_summaries_refresh

        written = cockpit_summaries_refresh()
        self.stdout.write(f"领导驾驶舱：汇总 {sum(written.values())} 项")
