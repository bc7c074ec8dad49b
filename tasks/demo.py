"""Demo data of the tasks feature: both real plans imported and published, the indicators they name,
and a little progress — so every role has something to see on a fresh `make run`. Never in production."""
from __future__ import annotations

import datetime
from pathlib import Path

from django.db import transaction

from portal.models import Department, Region, User

from .models import ActionPlan, Indicator, IndicatorValue, Task
from .services import plan_import, plan_publish, progress_report_review, progress_report_submit

PLANS = [
    # (file in fixtures/plans, region code)
    ("shuozhou-2023.txt", "140600"),
    ("inner-mongolia-2023.txt", "150000"),
]

INDICATOR_TREND = [(datetime.date(2023, 12, 1), 52), (datetime.date(2024, 6, 1), 61), (datetime.date(2024, 12, 1), 68),
                   (datetime.date(2025, 6, 1), 74), (datetime.date(2025, 12, 1), 78), (datetime.date(2026, 6, 1), 83)]
INDICATORS = [
    # (plan file, name, unit, comparator, target, deadline, department)
    ("shuozhou-2023.txt", "农药包装废弃物回收率", "%", "gte", 80, datetime.date(2025, 12, 31), "朔州市农业农村局"),
    ("inner-mongolia-2023.txt", "农药包装废弃物回收率", "%", "gte", 80, datetime.date(2025, 12, 31), "内蒙古自治区农牧厅"),
    ("inner-mongolia-2023.txt", "实施养殖减抗行动的规模养殖场比例", "%", "gte", 50, datetime.date(2025, 12, 31),
     "内蒙古自治区农牧厅"),
]


PLANS_DIR = Path(__file__).resolve().parent.parent / "fixtures" / "plans"


def plans_dir() -> Path:
    return PLANS_DIR


@transaction.atomic
def demo_plans_seed() -> list[str]:
    """Import and publish the demo plans that are not there yet; returns what was done."""
    done = []
    imported = {}
    for filename, region_code in PLANS:
        plan = ActionPlan.objects.filter(source_name=filename).first()
        if plan is None:
            text = (plans_dir() / filename).read_text(encoding="utf-8")
            result = plan_import(actor=None, text=text, source_name=filename,
                                 region=Region.objects.get(code=region_code))
            plan = result.plan
            if result.unmatched:
                done.append(f"{plan.title}：未匹配部门 {'、'.join(m.written for m in result.unmatched)}，保留为草稿")
            else:
                plan_publish(actor=None, plan=plan)
                done.append(f"{plan.title}：{plan.tasks.count()} 项任务，已发布")
        imported[filename] = plan
    reporter = User.objects.filter(department__name="朔州市农业农村局").order_by("pk").first()
    for filename, name, unit, comparator, target, deadline, department in INDICATORS:
        indicator, _created = Indicator.objects.get_or_create(
            plan=imported[filename], name=name,
            defaults={"unit": unit, "comparator": comparator, "target": target, "deadline": deadline,
                      "department": Department.objects.get(name=department)})
        if filename == "shuozhou-2023.txt" and reporter is not None and not indicator.values.exists():
            # a half-yearly trend towards the 80 % target, for the cockpit
            for period, value in INDICATOR_TREND:
                IndicatorValue.objects.create(indicator=indicator, period=period, value=value, reported_by=reporter,
                                              note="演示数据")
    plan = imported["shuozhou-2023.txt"]
    plan.refresh_from_db()
    _demo_progress(plan)
    return done


def _demo_progress(plan):
    """李强 (市农业农村局) has reported once on 强化农药使用管理 and 王敏 accepted it."""
    officer = User.objects.filter(username="liqiang").first()
    reviewer = User.objects.filter(username="wangmin").first()
    task = Task.objects.filter(plan=plan, title__contains="农药使用管理").first()
    if not (officer and reviewer and task and plan.status == "published") or task.assignments.filter(reports__isnull=False).exists():
        return
    report = progress_report_submit(actor=officer, task=task, percent=30,
                                    narrative="已在6个县（市、区）设立农药包装废弃物回收点52个，本月回收1.2吨。")
    progress_report_review(actor=reviewer, report=report, accept=True)
