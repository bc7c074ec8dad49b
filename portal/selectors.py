"""Reads for the shared part of the portal. Each applies what the user may see."""
from __future__ import annotations

from django.db.models import Count, Q, QuerySet

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
