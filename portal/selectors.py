"""Reads for the shared part of the portal. Each applies what the user may see."""
from __future__ import annotations

from django.core.exceptions import ValidationError
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


def separation_of_duties_violations() -> list[tuple[str, list[str]]]:
    """Accounts whose roles break 三员分立 (two administrator roles, or one with a business role): (username,
    roles). The database trigger refuses new ones; this finds any left from before it or written around it."""
    held: dict[str, set[str]] = {}
    for username, role in User.groups.through.objects.filter(group__name__in=perms.ROLES).values_list(
            "user__username", "group__name"):
        held.setdefault(username, set()).add(role)
    found = []
    for username, roles in sorted(held.items()):
        try:
            perms.check_role_combination(roles)
        except ValidationError:
            found.append((username, sorted(roles)))
    return found


def user_detail_context(*, viewer, target) -> dict:
    """What the user page shows an administrator about an account: roles, live API tokens and the password
    actions the viewer may take (an administrator account's reset takes two administrators)."""
    from .models import ApiToken, PasswordResetRequest
    target_roles = perms.user_roles(target)
    is_admin_target = bool(target_roles.intersection(perms.ADMIN_ROLES))
    may_take_part = (perms.can(viewer, "portal.reset_admin_password") and perms.is_administrator(viewer)
                     and viewer.pk != target.pk)
    pending = (PasswordResetRequest.objects.waiting().select_related("requested_by").filter(target=target).first()
               if is_admin_target else None)
    return {
        "target": target,
        "target_roles": [perms.ROLE_LABELS[r] for r in perms.ROLES if r in target_roles],
        "is_admin_target": is_admin_target,
        "can_manage_roles": perms.can(viewer, "portal.manage_roles"),
        "can_unlock": perms.can(viewer, "portal.unlock_user"),
        "can_reset": perms.can(viewer, "portal.change_user") and not is_admin_target,
        "can_request_admin_reset": is_admin_target and may_take_part and pending is None,
        "pending_reset": pending,
        "can_confirm_reset": pending is not None and may_take_part and pending.requested_by_id != viewer.pk,
        "can_cancel_reset": pending is not None and may_take_part,
        "can_revoke_tokens": perms.can(viewer, "portal.revoke_token"),
        "live_tokens": ApiToken.objects.live().filter(user=target).count(),
        "show_phone": perms.can(viewer, "portal.change_user"),
    }


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

def cockpit_scope(*, user, region: str | None = None, plan=None, year=None, cached: bool = True) -> dict:
    """What the viewer may choose in the cockpit and what they chose: the regions (their own and below; the
    one asked for if it is among them, else their own), the published plans they see (the one asked for if it
    is among them, else 0: all) and the survey year (0: the latest). The choices of a user are cached until
    the next refresh of the summaries (which every change of a plan asks for)."""
    from django.core.cache import cache

    from tasks.models import ActionPlan

    roles = ",".join(sorted(perms.user_roles(user)))  # already read for the module check: no query
    key = f"cockpit:scope:{cockpit_version()}:{user.pk}:{user.department_id}:{roles}:{user.is_superuser}"
    options = cache.get(key) if cached else None
    if options is None:
        scope = perms.scope_region(user)
        regions = Region.objects.order_by("path")
        if scope is not None:
            regions = regions.filter(path__startswith=scope.path)
        elif not perms.sees_everything(user):
            regions = regions.none()
        regions = list(regions.only("pk", "code", "name", "level", "path"))
        plans = list(ActionPlan.objects.visible_to(user).filter(status="published").order_by("-issued", "pk")
                     .values_list("pk", "title"))
        options = (regions, plans, scope.pk if scope is not None else None)
        if cached:
            cache.set(key, options, 300)
    regions, plans, own = options
    chosen = next((r for r in regions if r.code == str(region or "")), None) or \
        next((r for r in regions if r.pk == own), None) or (regions[0] if regions else None)
    plan_id = _int(plan)
    if plan_id not in {pk for pk, _title in plans}:
        plan_id = 0
    return {"region": chosen, "regions": regions, "plan": plan_id, "plans": plans, "year": _int(year)}


def cockpit_panels(*, region, plan: int, year: int) -> dict:
    """The panels of one region, plan and year from the summaries the refresh job keeps: one query."""
    from .models import CockpitSummary
    from .summaries import CONTROL_PANELS, SURVEY_PANELS, TASK_PANELS

    if region is None:
        return {}
    rows = CockpitSummary.objects.filter(region=region).filter(
        Q(panel__in=TASK_PANELS, plan_id=plan, year=0) | Q(panel__in=SURVEY_PANELS, plan_id=0, year=year)
        | Q(panel__in=CONTROL_PANELS, plan_id=0, year=0)).values_list("panel", "data", "refreshed_at")
    return {panel: {"data": data, "refreshed_at": refreshed_at} for panel, data, refreshed_at in rows}


def cockpit(*, user, region: str | None = None, plan=None, year=None, cached: bool = True) -> dict:
    """Every panel of the cockpit for what the viewer may see and chose (see cockpit_scope): a fixed handful of
    queries whatever the size of the province. The page, the JSON API, the xlsx export and the monthly PDF
    report all take their figures from here."""
    figures = cockpit_scope(user=user, region=region, plan=plan, year=year, cached=cached)
    figures["panels"] = cockpit_panels(region=figures["region"], plan=figures["plan"], year=figures["year"])
    figures["years"] = ((figures["panels"].get("survey") or {}).get("data") or {}).get("years", [])
    return figures


def cockpit_cache_key(kind: str, scope: dict) -> str:
    """The cache key of a rendered cockpit (page fragment or JSON) for a region, plan and year: it carries the
    summaries' version, which every refresh bumps, so a refresh shows at once."""
    from django.utils.translation import get_language

    region = scope["region"].pk if scope["region"] else 0
    return f"cockpit:{kind}:{cockpit_version()}:{get_language()}:{region}:{scope['plan']}:{scope['year']}"


COCKPIT_VERSION_KEY = "cockpit:version"


def cockpit_version() -> int:
    """The summaries' version: every refresh bumps it, and every cached cockpit carries it in its key."""
    from django.core.cache import cache

    return cache.get_or_set(COCKPIT_VERSION_KEY, 1, None)


def _int(value) -> int:
    try:
        return max(0, int(value or 0))
    except (TypeError, ValueError):
        return 0
