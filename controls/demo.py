"""Demo controls of the Shuozhou (朔州市, 140600) demo: the national 2023 list in force, the enterprises the
accepted demo surveys put on it, its first publication, a task created from the PFOS fire-foam exemption that
ended on 2023-12-31, and a 双随机 draw with a recorded seed whose inspection found a rectification. Idempotent:
what exists is left as is. Not for production."""
from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone

from portal.models import Department, Region, User

from . import services
from .choices import ListKind, ListStatus, MeasureType
from .models import ControlledEnterprise, ControlledEnterpriseListPublication, ControlList

CITY = "140600"
PLAN_SOURCE = "shuozhou-2023.txt"
EXEMPTION_DEPARTMENTS = ["朔州市生态环境局", "朔州市工业和信息化局", "朔州市市场监督管理局"]
DRAW_TITLE = "重点管控新污染物企业“双随机”检查（演示）"
DRAW_SEED = "20241105-shuozhou"
INSPECTORS = ["wangmin", "liuyang", "zhangwei"]


@transaction.atomic
def controls_demo_seed() -> list[str]:
    """Write the demo controls rows that are missing; returns a few lines saying what there is."""
    national = ControlList.objects.filter(kind=ListKind.NATIONAL_KEY, status=ListStatus.IN_FORCE).first()
    city = Region.objects.filter(code=CITY).first()
    staff = User.objects.filter(username="wangmin").first()
    if national is None or city is None or staff is None:
        return ["管控演示数据：缺少国家重点管控清单、朔州市或演示账号 wangmin，请先运行 load_reference 和 seed_demo"]
    result = services.controlled_enterprises_derive(actor=None, clist=national)
    listed = ControlledEnterprise.objects.filter(list=national, enterprise__region__path__startswith=city.path)
    out = [f"重点管控企业名单（{national}）：朔州市 {listed.exclude(status='removed').count()} 家"
           f"（全部 {result['listed']} 家，本次新增 {result['new']} 家）"]
    publication = ControlledEnterpriseListPublication.objects.filter(region=city, list=national).order_by("-number").first()
    if publication is None:
        publication = services.controlled_list_publish(actor=staff, clist=national, region=city,
                                                       note="演示：首次公布")
        out.append(f"名单已公布第 {publication.number} 版（{len(publication.snapshot['enterprises'])} 家）")
    else:
        out.append(f"名单已有公布版本，最新为第 {publication.number} 版")
    out.append(_exemption_task(national, staff))
    out += _draw(national, city, staff)
    return out


def _exemption_task(national, staff) -> str:
    from tasks.models import ActionPlan
    plan = ActionPlan.objects.filter(source_name=PLAN_SOURCE, status="published").first()
    measure = (national.entries.filter(number=1).first().measures
               .filter(type=MeasureType.EXEMPTION, ends_on__isnull=False).order_by("ends_on").first()
               if national.entries.filter(number=1).exists() else None)
    if plan is None or measure is None:
        return "管控措施任务：缺少已发布的朔州市工作方案或PFOS类豁免用途，未生成"
    departments = sorted(Department.objects.filter(name__in=EXEMPTION_DEPARTMENTS),
                         key=lambda d: EXEMPTION_DEPARTMENTS.index(d.name))
    task, created = services.measure_task_create(actor=staff, measure=measure, plan=plan, departments=departments,
                                                 days_after=30)
    return f"管控措施任务：{task.title}（{'新建' if created else '已存在'}，完成时限 {task.deadline}）"


def _draw(national, city, staff) -> list[str]:
    """A draw of three enterprises, one inspector each, by county, from a recorded seed; the first inspection
    recorded by its inspector with a finding against the PFOS exemption, approved by another officer, published."""
    from tasks.models import ActionPlan

    from .choices import DrawStatus, InspectionResult
    from .models import InspectionDraw
    draw = InspectionDraw.objects.filter(title=DRAW_TITLE).first()
    if draw is not None:
        return [f"“双随机”抽查：{draw.title}（随机种子 {draw.seed}，已存在）"]
    plan = ActionPlan.objects.filter(source_name=PLAN_SOURCE, status="published").first()
    pool = list(User.objects.filter(username__in=INSPECTORS, is_active=True))
    bureau = Department.objects.filter(name="朔州市生态环境局").first()
    if plan is None or bureau is None or len(pool) < 2:
        return ["“双随机”抽查：缺少工作方案、市生态环境局或检查人员，未创建"]
    draw = services.draw_create(actor=staff, region=city, list=national, plan=plan, department=bureau,
                                title=DRAW_TITLE, n_enterprises=3, n_inspectors=1, pool=pool,
                                strata={"by": "county"}, exclude_same_county=False)
    draw = services.draw_run(actor=staff, draw=draw, seed=DRAW_SEED)
    out = [f"“双随机”抽查：{draw.title}，随机种子 {draw.seed}，抽取企业 {draw.inspections.count()} 家"]
    inspection = draw.inspections.order_by("pk").first()
    inspector = inspection.inspectors.order_by("pk").first()
    measure = (national.entries.get(number=1).measures.filter(type=MeasureType.EXEMPTION).order_by("pk").first())
    applicable = {e.pk for e in national.entries.filter(number__in=services.applicable_entries(
        ControlledEnterprise.objects.get(list=national, enterprise=inspection.enterprise)))}
    finding = {"measure": measure.pk if measure and measure.entry_id in applicable else None,
               "text": "现场仍存放含PFOS类灭火泡沫药剂约0.5吨，未建立淘汰处置台账",
               "requirement": "按危险废物规范处置库存含PFOS类泡沫药剂并建立台账",
               "deadline": timezone.localdate() + datetime.timedelta(days=45)}
    services.inspection_record(actor=inspector, inspection=inspection, inspected_on=timezone.localdate(),
                               result=InspectionResult.RECTIFY, summary="对照重点管控新污染物清单逐项核查。",
                               findings=[finding])
    approver = next((u for u in pool if u.pk != inspector.pk), None)
    services.inspection_approve(actor=approver, inspection=inspection)
    draw, published = services.draw_publish(actor=approver, draw=draw)
    rectification = inspection.findings.first().rectifications.first()
    out.append(f"检查记录：{inspection.enterprise.name} 限期整改，整改期限 {rectification.deadline}"
               f"（已生成任务：{rectification.task.title if rectification.task else '无'}）；公开结果 {published} 条"
               f"{'' if draw.status == DrawStatus.PUBLISHED else '（未公开）'}")
    return out
