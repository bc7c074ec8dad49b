"""PDF progress reports (工作进展报告) of an action plan for one period, rendered by WeasyPrint.

* `document_context` reads everything the report shows, scoped to the person it is made for: only
  the tasks of `Task.objects.visible_to(user)` with their colours from `.with_alert(today)` — the one
  definition of who sees what and of red / yellow / blue. A fixed number of queries whatever the
  number of tasks; the template gets plain lists and dicts (it does no queries).
* `render_pdf` turns that context into PDF bytes and a page count (the CJK font is named in the CSS).
* `report_document_request` / `report_document_generate` are the queued path (a ReportDocument row
  the UI polls; a Celery job on the "reports" queue renders it), `monthly_reports` the beat path.
"""
from __future__ import annotations

import datetime
import gc
import logging
from collections import defaultdict
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.db.models import Count, Prefetch
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.html import escape
from django.utils.safestring import SafeString, mark_safe

from portal import permissions as perms
from portal.models import User
from portal.recovery import is_transient, job_send_on_commit
from portal.services import audit_record

from .choices import AlertColour, Cadence, Comparator, DocumentStatus, PlanStatus, ReportStatus, TaskStatus
from .models import (
    ActionPlan,
    Evidence,
    Indicator,
    IndicatorValue,
    ProgressReport,
    ReportDocument,
    Task,
    TaskAssignment,
)
from .periods import period_label, period_start

logger = logging.getLogger(__name__)

TEMPLATE = "reports/progress_report.html"

# The PDF is read by Chinese leadership whatever the language of the request or the worker.
STATUS_LABELS = {
    TaskStatus.NOT_STARTED: "未启动",
    TaskStatus.IN_PROGRESS: "推进中",
    TaskStatus.COMPLETED: "已完成",
    TaskStatus.OVERDUE: "已逾期",
    TaskStatus.CLOSED: "已销号",
}
# (value, label, short label, colour) in the order the report lists them.
ALERTS = [
    (AlertColour.RED.value, "红色预警（逾期未完成）", "红", "#c0392b"),
    (AlertColour.YELLOW.value, "黄色预警（进度滞后或退回待重报）", "黄", "#d4a017"),
    (AlertColour.BLUE.value, "蓝色预警（临近完成时限）", "蓝", "#2e6da4"),
    (AlertColour.NONE.value, "正常推进", "", "#ffffff"),
]
ALERT_SHORT = {value: short for value, _label, short, _colour in ALERTS}
NARRATIVE_MAX = 400
UNMAPPED = "（未确定牵头单位）"


def cn_date(value: datetime.date | None) -> str:
    """2025年12月31日."""
    return f"{value.year}年{value.month}月{value.day}日" if value else ""


def _number(value) -> str:
    """80.00 → 80, 62.50 → 62.5."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        value = value.normalize()
        return f"{value:f}"
    return str(value)


def _truncate(text: str, limit: int = NARRATIVE_MAX) -> str:
    text = " ".join((text or "").split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _deadline_text(task) -> str:
    return cn_date(task.deadline) or task.deadline_text or task.recurring or "—"


def _unit_name(assignment) -> str:
    if assignment.department_id:
        return assignment.department.name
    return assignment.written_name or UNMAPPED


# ---------------------------------------------------------------- the chart

def department_chart_svg(departments: list[dict]) -> SafeString:
    """Horizontal bars, one per department: completion rate (completed or closed tasks / tasks) and
    average progress, drawn in Python as inline SVG (WeasyPrint draws SVG; no JS, no images)."""
    label_w, bar_w, right_w = 190, 300, 150
    row_h, top = 34, 34
    width = label_w + bar_w + right_w
    height = top + row_h * max(len(departments), 1) + 10
    font = "'Noto Sans CJK SC', 'WenQuanYi Micro Hei', sans-serif"
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" font-family="{font}" font-size="11">',
        f'<rect x="{label_w}" y="6" width="10" height="8" fill="#1f5f99"/>'
        f'<text x="{label_w + 14}" y="14">完成率</text>'
        f'<rect x="{label_w + 70}" y="6" width="10" height="8" fill="#9cc3e6"/>'
        f'<text x="{label_w + 84}" y="14">平均进度</text>',
    ]
    for tick in (0, 50, 100):
        x = label_w + bar_w * tick / 100
        out.append(f'<line x1="{x:.1f}" y1="{top - 6}" x2="{x:.1f}" y2="{height - 8}" stroke="#cccccc" '
                   f'stroke-width="0.6"/><text x="{x:.1f}" y="{top - 9}" text-anchor="middle" '
                   f'font-size="9" fill="#666666">{tick}%</text>')
    if not departments:
        out.append(f'<text x="{label_w + 8}" y="{top + 18}" fill="#666666">本期无可统计的任务</text>')
    for i, dep in enumerate(departments):
        y = top + i * row_h
        name = dep["name"] if len(dep["name"]) <= 14 else dep["name"][:13] + "…"
        done_w = bar_w * dep["completion_rate"] / 100
        avg_w = bar_w * dep["avg_progress"] / 100
        out.append(
            f'<text x="{label_w - 8}" y="{y + 17}" text-anchor="end">{escape(name)}</text>'
            f'<rect x="{label_w}" y="{y + 4}" width="{done_w:.1f}" height="11" fill="#1f5f99"/>'
            f'<rect x="{label_w}" y="{y + 17}" width="{avg_w:.1f}" height="9" fill="#9cc3e6"/>'
            f'<text x="{label_w + bar_w + 8}" y="{y + 18}" font-size="10">'
            f'完成 {dep["done"]}/{dep["total"]}（{dep["completion_rate"]}%），平均 {dep["avg_progress"]}%</text>'
        )
    out.append("</svg>")
    return mark_safe("".join(out))  # noqa: S308 - every text in it is escaped above


# ---------------------------------------------------------------- the context

def _latest_reports(visible_ids, period) -> dict[int, dict]:
    """The latest report (not returned) of every assignment up to `period`, in one query."""
    rows = (ProgressReport.objects
            .filter(assignment__task__in=visible_ids, period__lte=period)
            .exclude(status=ReportStatus.RETURNED)
            .order_by("assignment_id", "-period", "-submitted_at", "-id")
            .distinct("assignment_id")
            .values("assignment_id", "narrative", "percent", "period", "status", "submitted_at"))
    return {row["assignment_id"]: row for row in rows}


def _evidence_counts(visible_ids, period) -> dict[int, int]:
    rows = (Evidence.objects
            .filter(report__assignment__task__in=visible_ids, report__period__lte=period)
            .exclude(report__status=ReportStatus.RETURNED)
            .values("report__assignment__task_id").annotate(n=Count("id")).order_by())
    return {row["report__assignment__task_id"]: row["n"] for row in rows}


def _indicators(*, plan, user, period) -> list[dict]:
    """The plan's indicators as the indicator pages show them (those of plans the user sees), each
    with its latest value up to the period."""
    values = IndicatorValue.objects.filter(period__lte=period).order_by("-period")
    qs = (Indicator.objects.filter(plan__in=ActionPlan.objects.visible_to(user), plan=plan)
          .select_related("department").prefetch_related(Prefetch("values", queryset=values, to_attr="upto")))
    result = []
    for ind in qs:
        latest = ind.upto[0] if ind.upto else None
        met = None
        if latest is not None:
            met = latest.value >= ind.target if ind.comparator == Comparator.AT_LEAST else latest.value <= ind.target
        result.append({
            "name": ind.name,
            "department": ind.department.name,
            "target": f"{Comparator(ind.comparator).label} {_number(ind.target)}{ind.unit}",
            "deadline": cn_date(ind.deadline),
            "value": f"{_number(latest.value)}{ind.unit}" if latest else "—",
            "value_period": period_label(latest.period, plan.cadence) if latest else "",
            "met": met,
            "met_label": "暂无数据" if met is None else ("已达标" if met else "未达标"),
        })
    return result


def _scope_note(user) -> str:
    if perms.sees_everything(user) or perms.has_role(user, perms.LEADER, perms.BUREAU_STAFF):
        return ""
    if perms.has_role(user, perms.DEPARTMENT_OFFICER) and user.department_id:
        return f"本报告仅含{user.department.name}牵头或配合承担的任务。"
    return ""


def document_context(*, plan, period: datetime.date, user, today: datetime.date | None = None) -> dict:
    """Everything the report shows, scoped to `user`: only tasks in
    Task.objects.visible_to(user).filter(plan=plan).with_alert(today). Plain lists and dicts; a
    fixed number of queries whatever the number of tasks."""
    today = today or timezone.localdate()
    period = period_start(period, plan.cadence)
    visible = Task.objects.visible_to(user).filter(plan=plan)
    visible_ids = visible.values("pk")
    tasks = list(
        visible.with_alert(today)
        .prefetch_related(Prefetch("assignments", queryset=TaskAssignment.objects.select_related("department")))
        .order_by("order", "pk")
    )
    latest = _latest_reports(visible_ids, period)
    evidence = _evidence_counts(visible_ids, period)

    status_counts = defaultdict(int)
    alert_counts = defaultdict(int)
    sections: dict[str, dict] = {}
    overdue = []
    for task in tasks:
        assignments = list(task.assignments.all())
        leads = [a for a in assignments if a.is_lead] or assignments[:1]
        lead_name = "、".join(_unit_name(a) for a in leads) if leads else UNMAPPED
        co_names = "、".join(_unit_name(a) for a in assignments if a not in leads)
        # The lead's latest report is the task's consolidated progress; else the most recent of any unit.
        report = next((latest[a.pk] for a in leads if a.pk in latest), None)
        if report is None:
            others = [latest[a.pk] for a in assignments if a.pk in latest]
            report = max(others, key=lambda r: (r["period"], r["submitted_at"]), default=None)
        status = task.effective_status
        status_counts[status] += 1
        alert_counts[task.alert] += 1
        row = {
            "label": task.label,
            "title": task.title,
            "deadline": _deadline_text(task),
            "status": STATUS_LABELS.get(status, status),
            "alert": task.alert or "none",
            "alert_short": ALERT_SHORT.get(task.alert, ""),
            "progress": task.progress,
            "narrative": _truncate(report["narrative"]) if report else "",
            "report_percent": report["percent"] if report else None,
            "report_period": period_label(report["period"], plan.cadence) if report else "",
            "evidence": evidence.get(task.pk, 0),
            "lead": lead_name,
            "co": co_names,
        }
        section = sections.setdefault(lead_name, {"name": lead_name, "tasks": [], "total": 0, "done": 0,
                                                  "progress_sum": 0})
        section["tasks"].append(row)
        section["total"] += 1
        section["done"] += status in (TaskStatus.COMPLETED, TaskStatus.CLOSED)
        section["progress_sum"] += task.progress
        if task.alert == AlertColour.RED:
            overdue.append({
                "label": task.label, "title": task.title, "deadline": _deadline_text(task),
                "days_overdue": (today - task.deadline).days if task.deadline else None,
                "lead": lead_name, "progress": task.progress, "status": row["status"],
            })
    departments = []
    for i, section in enumerate(sections.values(), start=1):
        total, progress_sum = section.pop("total"), section.pop("progress_sum")
        departments.append({
            **section,
            "anchor": f"dept-{i}",
            "number": i,
            "total": total,
            "completion_rate": round(100 * section["done"] / total) if total else 0,
            "avg_progress": round(progress_sum / total) if total else 0,
        })
    overdue.sort(key=lambda o: -(o["days_overdue"] or 0))
    total = len(tasks)
    summary = {
        "total": total,
        "completed": status_counts[TaskStatus.COMPLETED],
        "in_progress": status_counts[TaskStatus.IN_PROGRESS],
        "not_started": status_counts[TaskStatus.NOT_STARTED],
        "overdue": status_counts[TaskStatus.OVERDUE],
        "closed": status_counts[TaskStatus.CLOSED],
        "avg_progress": round(sum(t.progress for t in tasks) / total, 1) if total else 0,
        "completion_rate": round(100 * (status_counts[TaskStatus.COMPLETED] + status_counts[TaskStatus.CLOSED])
                                 / total, 1) if total else 0,
    }
    colours = [{"value": value or "none", "label": label, "short": short, "colour": colour,
                "count": alert_counts[value]} for value, label, short, colour in ALERTS]
    return {
        "title": f"{plan.title}工作进展报告",
        "plan": {"pk": plan.pk, "title": plan.title, "issuer": plan.issuer, "doc_number": plan.doc_number,
                 "issued": cn_date(plan.issued)},
        "issuer": plan.issuer,
        "period": period,
        "period_label": period_label(period, plan.cadence),
        "today": today,
        "generated_on": cn_date(today),
        "recipient": str(user),
        "scope_note": _scope_note(user),
        "summary": summary,
        "colours": colours,
        "departments": departments,
        "chart_svg": department_chart_svg(departments),
        "overdue": overdue,
        "indicators": _indicators(plan=plan, user=user, period=period),
        "cockpit": _cockpit(plan=plan, user=user),
    }


def _cockpit(*, plan, user) -> dict | None:
    """The survey, screening and control figures of the plan's region, for recipients of the cockpit: the same
    selector as the cockpit page, its JSON and its xlsx export."""
    from portal import permissions as perms
    from portal.selectors import cockpit

    if not perms.can_access_module(user, "cockpit"):
        return None
    figures = cockpit(user=user, region=plan.region.code, plan=plan.pk, cached=False)  # a job: read it fresh
    panels = {name: entry["data"] for name, entry in figures["panels"].items()}
    refreshed = max((entry["refreshed_at"] for entry in figures["panels"].values()), default=None)
    if not panels:
        return None
    labels = {"surveyed": "调查涉及", "screened": "已筛查", "high_concern": "高关注", "assessed": "已开展风险评估",
              "proposed": "建议纳入管控"}
    return {"region": figures["region"].name if figures["region"] else "", "survey": panels.get("survey"),
            "funnel": [{"label": labels[s["key"]], "n": s["n"]} for s in (panels.get("screening") or {}).get("steps", [])],
            "control": panels.get("control"), "refreshed": cn_date(timezone.localtime(refreshed).date())
            if refreshed else ""}


# ---------------------------------------------------------------- rendering

def render_html(context: dict) -> str:
    return render_to_string(TEMPLATE, context)


def render_pdf(context: dict, *, progress=None) -> tuple[bytes, int]:
    """(PDF bytes, page count). `progress(percent)` is called at 10, 60 and 90."""
    from weasyprint import HTML

    def tell(percent):
        if progress is not None:
            progress(percent)

    html = render_html(context)
    tell(10)
    # WeasyPrint builds millions of short-lived objects; the cyclic collector re-scanning the growing
    # layout tree costs a quarter of the time on big reports. Pause it for the render, collect after.
    collecting = gc.isenabled()
    gc.disable()
    try:
        document = HTML(string=html, base_url=str(settings.BASE_DIR)).render()
        tell(60)
        pdf = document.write_pdf()
        pages = len(document.pages)
        del document
    finally:
        if collecting:
            gc.enable()
    gc.collect()
    tell(90)
    return pdf, pages


# ---------------------------------------------------------------- documents: request, generate, monthly

def report_document_request(*, actor, plan, period, automatic=False) -> ReportDocument:
    """Queue a report of `plan` for `period`, made for (and scoped to) `actor`."""
    if not ActionPlan.objects.visible_to(actor).filter(pk=plan.pk).exists():
        raise PermissionDenied("您无权查看该行动方案，不能生成其进展报告。")
    period = period_start(period, plan.cadence)
    with transaction.atomic():
        doc = ReportDocument.objects.create(plan=plan, period=period, recipient=actor, automatic=automatic,
                                            status=DocumentStatus.QUEUED)
        audit_record(actor=actor, action="report.request", obj=doc,
                     after={"plan": plan.pk, "period": period.isoformat(), "automatic": automatic},
                     detail="每月自动生成" if automatic else "")

        from tasks.jobs import generate_report_document_job

        job_send_on_commit(generate_report_document_job, doc.pk)
    return doc


def report_document_retry(*, actor, document: ReportDocument) -> ReportDocument:
    """重试: a failed document is generated again, for the person it was made for."""
    from portal.recovery import job_row_retry

    if getattr(actor, "pk", None) is None or document.recipient_id != actor.pk:
        raise PermissionDenied("只有申请生成该报告的用户可以重试。")
    if not ActionPlan.objects.visible_to(actor).filter(pk=document.plan_id).exists():
        raise PermissionDenied("您无权查看该行动方案，不能生成其进展报告。")
    with transaction.atomic():
        document = ReportDocument.objects.select_for_update().get(pk=document.pk)
        if document.status != DocumentStatus.FAILED:
            raise ValidationError("只有生成失败的报告可以重试。")
        before = {"status": document.status, "error": document.error}
        job_row_retry("report_document", document, status=DocumentStatus.QUEUED, error="", progress=0,
                      finished_at=None)
        audit_record(actor=actor, action="report.retry", obj=document, before=before, after={"status": "queued"})
    document.refresh_from_db()
    return document


def _set_progress(document_id, percent):
    ReportDocument.objects.filter(pk=document_id).update(progress=percent)


def report_document_generate(*, document_id: int) -> None:
    """Render a queued document. Idempotent: a document already DONE is left alone; one left RUNNING
    by a lost worker, or FAILED, is rendered again."""
    doc = ReportDocument.objects.select_related("plan", "recipient__department").get(pk=document_id)
    # Claim it in one statement, so a document finished meanwhile by another worker is not redone.
    claimed = (ReportDocument.objects.filter(pk=doc.pk).exclude(status=DocumentStatus.DONE)
               .update(status=DocumentStatus.RUNNING, progress=0, error="", job_since=timezone.now()))
    if not claimed:
        return
    try:
        context = document_context(plan=doc.plan, period=doc.period, user=doc.recipient,
                                   today=timezone.localdate())
        _set_progress(doc.pk, 5)
        pdf, pages = render_pdf(context, progress=lambda p: _set_progress(doc.pk, p))
        doc.refresh_from_db()
        if doc.file:
            doc.file.delete(save=False)  # a half-finished earlier attempt
        doc.file.save(f"进展报告-{doc.plan_id}-{doc.period:%Y%m}-{doc.pk}.pdf", ContentFile(pdf), save=False)
        doc.pages, doc.status, doc.progress, doc.error = pages, DocumentStatus.DONE, 100, ""
        doc.finished_at = timezone.now()
        doc.save(update_fields=["file", "pages", "status", "progress", "error", "finished_at"])
    except Exception as exc:
        logger.exception("progress report document %s failed", document_id)
        if is_transient(exc):
            raise  # the database or Redis was away: left running, the stale-job recovery sends it again
        ReportDocument.objects.filter(pk=document_id).update(
            status=DocumentStatus.FAILED, finished_at=timezone.now(),
            error=f"报告生成失败（{type(exc).__name__}），请稍后重试或联系系统管理员。"[:500])
        raise


def previous_month(today: datetime.date) -> datetime.date:
    return (today.replace(day=1) - datetime.timedelta(days=1)).replace(day=1)


def monthly_reports(*, today: datetime.date | None = None) -> int:
    """For beat: every active leader gets, once, last month's report of every published plan they
    see (quarterly plans: after the quarter's last month). Safe to run daily and concurrently: the
    check and the insert happen under a lock on the plan row."""
    today = today or timezone.localdate()
    month = previous_month(today)
    leaders = list(User.objects.filter(is_active=True, groups__name=perms.LEADER).distinct()
                   .select_related("department__region").order_by("pk"))
    sees = {leader.pk: set(ActionPlan.objects.visible_to(leader).filter(status=PlanStatus.PUBLISHED)
                           .values_list("pk", flat=True)) for leader in leaders}
    requested = 0
    for plan in ActionPlan.objects.filter(status=PlanStatus.PUBLISHED).order_by("pk"):
        if plan.cadence == Cadence.QUARTERLY and month.month % 3:
            continue
        period = period_start(month, plan.cadence)
        readers = [leader for leader in leaders if plan.pk in sees[leader.pk]]
        if not readers:
            continue
        with transaction.atomic():
            ActionPlan.objects.select_for_update().filter(pk=plan.pk).first()
            done = set(ReportDocument.objects.filter(plan=plan, period=period, automatic=True,
                                                     recipient__in=readers).values_list("recipient_id", flat=True))
            for leader in readers:
                if leader.pk not in done:
                    report_document_request(actor=leader, plan=plan, period=period, automatic=True)
                    requested += 1
    return requested
