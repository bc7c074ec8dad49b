from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from portal.schedules import schedules_sync
from portal.services import reference_load, roles_sync


class Command(BaseCommand):
    help = "Load reference data (regions, departments and aliases), roles and the beat schedule. Safe to run twice."

    def handle(self, *args, **options):
        try:
            roles = roles_sync()
            result = reference_load(actor=None)
        except ValidationError as exc:
            raise CommandError("; ".join(exc.messages)) from exc
        schedules_sync()
        from inventory.services import industries_load

        industries = industries_load()
        self.stdout.write(f"行业分类（GB/T 4754-2017）{industries} 条")
        from screening.services import profiles_load

        profiles = profiles_load()
        self.stdout.write(f"筛查方案：新建 {profiles} 个（GB/T 24782、斯德哥尔摩公约附件D、HJ 1229）")
        from controls.services import reference_lists_load

        lists = reference_lists_load()
        self.stdout.write(
            f"管控清单 {lists['lists']} 个（新建 {lists.get('lists_created', 0)}）、条目 {lists['entries']} 条"
            f"（新建 {lists.get('entries_created', 0)}）、措施 {lists['measures']} 项"
            f"（新建 {lists.get('measures_created', 0)}）；待核实条目 {lists['to_confirm']} 条"
        )
        self.stdout.write(
            f"角色 {len(roles)} 个；行政区划 新增 {result.regions_created} / 更新 {result.regions_updated}；"
            f"部门 新增 {result.departments_created} / 更新 {result.departments_updated}；"
            f"别名 新增 {result.aliases_created}"
        )
