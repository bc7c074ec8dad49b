"""Reads for the shared part of the portal. Each applies what the user may see."""
from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from . import permissions as perms
from .models import AuditEvent, Department, Notification, Region, User


def notification_unread_count(*, user) -> int:
    if not user.is_authenticated:
        return 0
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notification_list(*, user) -> QuerySet[Notification]:
    return Notification.objects.visible_to(user)


def user_list(*, user, filters: dict | None = None) -> QuerySet[User]:
    filters = filters or {}
    qs = (
        User.objects.visible_to(user)
        .select_related("department__region")
        .prefetch_related("groups")
        .order_by("department__region__code", "username")
    )
    if q := (filters.get("q") or "").strip():
        qs = qs.filter(Q(username__icontains=q) | Q(real_name__icontains=q) | Q(department__name__icontains=q))
    if role := filters.get("role"):
        qs = qs.filter(groups__name=role)
    if filters.get("active") in ("1", "0"):
        qs = qs.filter(is_active=filters["active"] == "1")
    return qs


def department_list(*, user, filters: dict | None = None) -> QuerySet[Department]:
    filters = filters or {}
    qs = (
        Department.objects.visible_to(user)
        .select_related("region")
        .annotate(user_count=Count("users", filter=Q(users__is_active=True)))
        .order_by("region__code", "kind", "name")
    )
    if q := (filters.get("q") or "").strip():
        qs = qs.filter(Q(name__icontains=q) | Q(short_name__icontains=q) | Q(aliases__name__icontains=q)).distinct()
    if kind := filters.get("kind"):
        qs = qs.filter(kind=kind)
    if region := filters.get("region"):
        qs = qs.filter(region__code=region)
    return qs


def region_list(*, user) -> QuerySet[Region]:
    return Region.objects.visible_to(user).select_related("parent")


def audit_event_list(*, user, filters: dict | None = None) -> QuerySet[AuditEvent]:
    """The audit trail for the audit administrator; searchable by account, action, object, outcome
    and time range."""
    filters = filters or {}
    qs = AuditEvent.objects.all()
    if q := (filters.get("q") or "").strip():
        qs = qs.filter(Q(actor_username__icontains=q) | Q(object_repr__icontains=q) | Q(detail__icontains=q))
    if action := (filters.get("action") or "").strip():
        qs = qs.filter(action__startswith=action)
    if outcome := filters.get("outcome"):
        qs = qs.filter(outcome=outcome)
    if since := filters.get("since"):
        qs = qs.filter(time__date__gte=since)
    if until := filters.get("until"):
        qs = qs.filter(time__date__lte=until)
    return qs.order_by("-time", "-id")


# ---------------------------------------------------------------- the leadership cockpit

def cockpit(*, user, region: str | None = None, plan: int | str | None = None, year: int | str | None = None) -> dict:
    """Every panel of the cockpit for a region the user may see (their own by default, or one below it), a plan
    (0: all) and a survey year (0: all), read from the summaries the refresh job keeps: a fixed handful of
    queries whatever the size of the province. The page, the JSON API, the xlsx export and the monthly PDF
    report all take their figures from here."""
    from tasks.models import ActionPlan

    from .models import CockpitSummary
    from .summaries import CONTROL_PANELS, SURVEY_PANELS, TASK_PANELS

    scope = perms.scope_region(user)
    regions = Region.objects.order_by("path")
    if scope is not None:
        regions = regions.filter(path__startswith=scope.path)
    elif not perms.sees_everything(user):
        regions = regions.none()
    regions = list(regions.only("pk", "code", "name", "level", "path"))
    chosen = next((r for r in regions if r.code == str(region or "")), None) or \
        next((r for r in regions if scope is not None and r.pk == scope.pk), None) or (regions[0] if regions else None)
    plans = list(ActionPlan.objects.visible_to(user).filter(status="published").order_by("-issued", "pk")
                 .values_list("pk", "title"))
    plan_id = _int(plan)
    if plan_id not in {pk for pk, _title in plans}:
        plan_id = 0
    year_value = _int(year)
    panels = {}
    if chosen is not None:
        rows = CockpitSummary.objects.filter(region=chosen).filter(
            Q(panel__in=TASK_PANELS, plan_id=plan_id, year=0) | Q(panel__in=SURVEY_PANELS, plan_id=0, year=year_value)
            | Q(panel__in=CONTROL_PANELS, plan_id=0, year=0)).values_list("panel", "data", "refreshed_at")
        panels = {panel: {"data": data, "refreshed_at": refreshed_at} for panel, data, refreshed_at in rows}
    years = ((panels.get("survey") or {}).get("data") or {}).get("years", [])
    return {"region": chosen, "regions": regions, "plan": plan_id, "plans": plans, "year": year_value,
            "years": years, "panels": panels}


def _int(value) -> int:
    try:
        return max(0, int(value or 0))
    except (TypeError, ValueError):
        return 0
