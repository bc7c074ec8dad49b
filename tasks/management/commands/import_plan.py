"""python manage.py import_plan FILE [--dry-run] [--json] [--region CODE] [--publish]"""
import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from portal.models import Region
from tasks import parser
from tasks.services import department_match, plan_import, plan_publish


class DryRun(Exception):
    pass


class Command(BaseCommand):
    help = "Read an action plan (.txt or .docx) into its heading tree and tasks, and keep it as a draft plan."

    def add_arguments(self, p):
        p.add_argument("file")
        p.add_argument("--dry-run", action="store_true", help="parse and match only; save nothing")
        p.add_argument("--json", action="store_true", help="print the parsed plan as JSON (the documented contract)")
        p.add_argument("--region", help="GB/T 2260 code of the plan's region (default: the issuer's region)")
        p.add_argument("--publish", action="store_true", help="publish at once when every name is matched")

    def handle(self, *args, **o):
        path = Path(o["file"])
        if not path.is_file():
            raise CommandError(f"文件不存在：{path}")
        try:
            text = parser.read_plan_file(path.read_bytes(), path.name)
            parsed = parser.parse_plan(text)
        except parser.PlanParseError as exc:
            raise CommandError(str(exc)) from exc
        if o["json"]:
            self.stdout.write(json.dumps(parser.plan_to_contract(parsed), ensure_ascii=False, indent=2))
            if o["dry_run"]:
                return
        region = self._region(o["region"], parsed)
        try:
            with transaction.atomic():
                result = plan_import(actor=None, text=text, source_name=path.name, region=region)
                if o["publish"] and not result.unmatched:
                    plan_publish(actor=None, plan=result.plan)
                if o["dry_run"]:
                    raise DryRun
        except DryRun:
            self._summary(parsed, result, saved=False, quiet=o["json"])
            return
        except ValidationError as exc:
            raise CommandError("；".join(exc.messages)) from exc
        self._summary(parsed, result, saved=True, quiet=o["json"])

    def _region(self, code, parsed):
        if code:
            region = Region.objects.filter(code=code).first()
            if region is None:
                raise CommandError(f"行政区划代码 {code} 不存在")
            return region
        issuer = department_match(names=[parsed.issuer], region=None) if parsed.issuer else {}
        match = issuer.get(parsed.issuer) if issuer else None
        if match is None or match.department is None:
            raise CommandError(f"无法从发文单位“{parsed.issuer or '（未识别）'}”确定所属行政区划，请用 --region 指定")
        return match.department.region

    def _summary(self, parsed, result, *, saved, quiet):
        out = self.stderr if quiet else self.stdout
        out.write(f"{parsed.title}：{len(parsed.tasks)} 项任务，删除重复段落 {len(parsed.dropped)} 处"
                  + ("" if saved else "（试运行，未保存）"))
        if saved:
            out.write(f"方案编号 {result.plan.pk}，状态：{result.plan.get_status_display()}")
        if result.unmatched:
            out.write("未匹配的部门名称（请在页面上指定对应部门）：" + "、".join(m.written for m in result.unmatched))
