"""Reads of the tasks feature; each applies what the user may see (querysets.visible_to) and the one
definition of the warning colours (querysets.with_alert)."""
from __future__ import annotations

import datetime

from django.db.models import Count, Prefetch, Q, QuerySet
from django.utils import timezone

from portal.filters import id_value

from .choices import ExtensionStatus, PlanStatus, ReportStatus
from .models import (
    ActionPlan,
    ExtensionRequest,
    Indicator,
    IndicatorValue,
    PlanParagraph,
    ProgressReport,
    ReportDocument,
    Task,
    TaskAssignment,
)
from .periods import period_due, period_start


def today() -> datetime.date:
    return timezone.localdate()


def plan_list(*, user) -> QuerySet[ActionPlan]:
    return (ActionPlan.objects.visible_to(user).select_related("region")
            .annotate(task_count=Count("tasks", distinct=True)).order_by("-imported_at"))


def task_list(*, user, filters: dict | None = None, on: datetime.date | None = None) -> QuerySet[Task]:
    filters = filters or {}
    qs = (Task.objects.visible_to(user).with_alert(on or today()).select_related("plan")
          .prefetch_related(Prefetch("assignments", queryset=TaskAssignment.objects.select_related("department"))))
    if plan := id_value(filters.get("plan")):
        qs = qs.filter(plan_id=plan)
    if alert := filters.get("alert"):
        qs = qs.filter(alert=alert)
    if status := filters.get("status"):
        qs = qs.filter(effective_status=status)
    if department := id_value(filters.get("department")):
        qs = qs.filter(assignments__department_id=department)
    if q := (filters.get("q") or "").strip():
        qs = qs.filter(Q(title__icontains=q) | Q(text__icontains=q) | Q(label__icontains=q))
    return qs.order_by("plan_id", "order")


def task_detail(*, user, pk, on=None) -> Task:
    from portal.permissions import get_visible_or_404

    return get_visible_or_404(
        Task.objects.with_alert(on or today()).select_related("plan__region").prefetch_related(
            Prefetch("assignments", queryset=TaskAssignment.objects.select_related("department")),
            "source_paragraphs", "comments__author",
            Prefetch("extension_requests", queryset=ExtensionRequest.objects.select_related("department", "requested_by")),
        ), user, pk=pk)


def task_reports(*, task) -> QuerySet[ProgressReport]:
    return (ProgressReport.objects.filter(assignment__task=task)
            .select_related("assignment__department", "submitted_by", "reviewed_by")
            .prefetch_related("evidence").order_by("-submitted_at"))


def plan_detail(*, user, pk) -> ActionPlan:
    from portal.permissions import get_visible_or_404

    return get_visible_or_404(ActionPlan.objects.select_related("region", "imported_by"), user, pk=pk)


def plan_tasks(*, plan, user) -> QuerySet[Task]:
    """The plan's items the user may see (an officer: their department's; bureau staff a draft's too), with
    their units."""
    return (Task.objects.visible_to(user, drafts=True).filter(plan=plan).prefetch_related(
        Prefetch("assignments", queryset=TaskAssignment.objects.select_related("department")),
        Prefetch("source_paragraphs", queryset=PlanParagraph.objects.only("id", "index")))
        .order_by("order"))


def plan_unmatched_names(*, plan) -> list[str]:
    return sorted(set(TaskAssignment.objects.filter(task__plan=plan, department__isnull=True)
                      .values_list("written_name", flat=True)))


def reports_to_review(*, user) -> QuerySet[ProgressReport]:
    return (ProgressReport.objects.filter(status=ReportStatus.SUBMITTED,
                                          assignment__task__in=Task.objects.visible_to(user))
            .select_related("assignment__task", "assignment__department", "submitted_by").order_by("submitted_at"))


def extensions_pending(*, user) -> QuerySet[ExtensionRequest]:
    return (ExtensionRequest.objects.filter(status=ExtensionStatus.PENDING, task__in=Task.objects.visible_to(user))
            .select_related("task", "department", "requested_by"))


def chase_list(*, user, on=None) -> list[dict]:
    """催报: for each published plan the user sees, the units that have not reported this period.
    One query for the plans and one per distinct period start (monthly / quarterly) — bounded."""
    on = on or today()
    plans = list(ActionPlan.objects.visible_to(user).filter(status=PlanStatus.PUBLISHED).order_by("pk"))
    by_start = {}
    for plan in plans:
        by_start.setdefault(period_start(on, plan.cadence), []).append(plan.pk)
    missing = {}
    for start, plan_ids in by_start.items():
        rows = (TaskAssignment.objects.filter(task__plan_id__in=plan_ids, task__status__in=("not_started", "in_progress"),
                                              department__isnull=False)
                .exclude(reports__period=start, reports__status__in=[ReportStatus.SUBMITTED, ReportStatus.ACCEPTED])
                .values("task__plan_id", "department__name").annotate(tasks=Count("task")).order_by("department__name"))
        for row in rows:
            missing.setdefault(row["task__plan_id"], []).append(row)
    return [{"plan": plan, "period": period_start(on, plan.cadence),
             "due": period_due(period_start(on, plan.cadence), plan.cadence, plan.report_day),
             "missing": missing.get(plan.pk, [])} for plan in plans]


def indicator_list(*, user) -> QuerySet[Indicator]:
    return (Indicator.objects.filter(plan__in=ActionPlan.objects.visible_to(user))
            .select_related("plan", "department")
            .prefetch_related(Prefetch("values", queryset=IndicatorValue.objects.order_by("-period"))))


def document_list(*, user) -> QuerySet[ReportDocument]:
    return ReportDocument.objects.filter(recipient=user).select_related("plan")


ALERT_ORDER = {"red": 0, "yellow": 1, "blue": 2, "": 3}


def my_tasks(*, user, limit=10, on=None) -> list[Task]:
    """The tasks that need the user's attention first: red, yellow, blue, then by deadline."""
    tasks = list(task_list(user=user, on=on).filter(status__in=("not_started", "in_progress", "overdue"))
                 .order_by("deadline")[:200])
    tasks.sort(key=lambda t: (ALERT_ORDER.get(t.alert, 3), t.deadline or datetime.date.max))
    return tasks[:limit]


def alert_counts(*, user, on=None) -> dict[str, int]:
    rows = (Task.objects.visible_to(user).with_alert(on or today()).values("alert").annotate(n=Count("pk")))
    counts = {"red": 0, "yellow": 0, "blue": 0, "": 0}
    for row in rows:
        counts[row["alert"]] = row["n"]
    counts["total"] = sum(counts.values())
    return counts
