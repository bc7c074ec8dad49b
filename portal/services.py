"""Writes that carry a rule, for users, roles, reference data, notifications and the audit trail.
Each takes the acting user, checks permission, validates, saves and records the audit event in the
same transaction."""
from __future__ import annotations

import csv
import secrets
import string
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path

from django.conf import settings
from django.contrib.auth import password_validation
from django.contrib.auth.models import Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from . import permissions as perms
from .choices import AuditOutcome, DepartmentKind, RegionLevel
from .models import AuditEvent, Department, DepartmentAlias, Notification, Region, User
from .utils import current_ip

FIXTURES_DIR = Path(settings.BASE_DIR) / "fixtures"
USER_AUDIT_FIELDS = ("username", "real_name", "department_id", "phone", "email", "is_active")


# ---------------------------------------------------------------- audit trail

def snapshot(obj, fields) -> dict:
    """A JSON-ready copy of some fields of a model instance, for the audit trail's before/after."""
    data = {}
    for name in fields:
        value = getattr(obj, name)
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        elif isinstance(value, Decimal):
            value = str(value)
        data[name] = value
    return data


def audit_record(
    *,
    actor,
    action: str,
    obj=None,
    before: dict | None = None,
    after: dict | None = None,
    outcome: str = AuditOutcome.SUCCESS,
    detail: str = "",
    username: str | None = None,
) -> AuditEvent:
    real_actor = actor if getattr(actor, "is_authenticated", False) else None
    return AuditEvent.objects.create(
        actor=real_actor,
        actor_username=(username if username is not None else getattr(real_actor, "username", ""))[:150],
        source_ip=current_ip(),
        action=action,
        object_type=obj._meta.label if obj is not None else "",
        object_id=str(obj.pk) if obj is not None else "",
        object_repr=str(obj)[:255] if obj is not None else "",
        before=before,
        after=after,
        outcome=outcome,
        detail=detail[:500],
    )


# ---------------------------------------------------------------- authentication events

def auth_login_succeeded(*, user) -> None:
    with transaction.atomic():
        audit_record(actor=user, action="auth.login", obj=user)


def auth_login_failed(*, username: str, locked_out: bool) -> None:
    user = User.objects.filter(username=username).first()
    audit_record(
        actor=None,
        username=username,
        action="auth.lockout" if locked_out else "auth.login",
        obj=user,
        outcome=AuditOutcome.DENIED if locked_out else AuditOutcome.FAILURE,
        detail=_("Account locked after repeated failures") if locked_out else _("Wrong user name or password"),
    )
    if locked_out and user is not None:
        api_tokens_revoke(user=user, reason="lockout")


def auth_logged_out(*, user, reason: str = "logout") -> None:
    """Signing out of the web ends the account's API tokens too (a session that timed out does not)."""
    audit_record(actor=user, action=f"auth.{reason}", obj=user)
    if reason == "logout":
        api_tokens_revoke(user=user, reason=reason, actor=user)


# ---------------------------------------------------------------- API tokens

TOKEN_REVOKE_REASONS = {
    "logout": _("signed out"),
    "timeout": _("session timed out"),
    "owner": _("revoked by its owner"),
    "security_admin": _("revoked by the security administrator"),
    "lockout": _("account locked"),
    "disabled": _("account disabled"),
    "password_change": _("password changed"),
    "password_reset": _("password reset"),
    "roles": _("roles changed"),
}


def _token_digest(key: str) -> str:
    import hashlib

    return hashlib.sha256(key.encode()).hexdigest()


@transaction.atomic
def api_token_issue(*, user):
    """A new API token for a signed-in account (password checked by the caller). Returns (token, key); the key is
    shown once and only its digest is kept. Refused while the account must change its initial password."""
    from .models import ApiToken

    if not user.is_active:
        raise PermissionDenied(_("This account is disabled."))
    if user.must_change_password:
        raise PermissionDenied(_("Please change your initial password before continuing."))
    key = secrets.token_urlsafe(32)
    now = timezone.now()
    token = ApiToken.objects.create(
        user=user, digest=_token_digest(key), prefix=key[:8], created_at=now, last_used_at=now,
        expires_at=now + timezone.timedelta(seconds=settings.PORTAL_API_TOKEN_LIFETIME_SECONDS),
        created_ip=current_ip())
    audit_record(actor=user, action="auth.token", obj=user, detail=f"{token.prefix}…",
                 after={"expires_at": token.expires_at.isoformat()})
    return token, key


def api_token_authenticate(*, key: str):
    """The live token of this key, its use recorded (at most once a minute); None when the key is unknown, revoked,
    expired or idle too long."""
    from .models import ApiToken

    if not key or len(key) > 128:
        return None
    now = timezone.now()
    token = ApiToken.objects.live(now).select_related("user").filter(digest=_token_digest(key)).first()
    if token is None:
        return None
    if (now - token.last_used_at).total_seconds() >= 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
        token.last_used_at = now
    return token


@transaction.atomic
def api_tokens_revoke(*, user, reason: str, actor=None, token=None) -> int:
    """End the account's live API tokens (or just `token`), audited with the reason. Returns how many ended."""
    from .models import ApiToken

    tokens = ApiToken.objects.filter(user=user, revoked_at__isnull=True)
    if token is not None:
        tokens = tokens.filter(pk=token.pk)
    prefixes = list(tokens.values_list("prefix", flat=True))
    if not prefixes:
        return 0
    tokens.update(revoked_at=timezone.now(), revoked_reason=reason)
    audit_record(actor=actor, username=None if actor is not None else "", action="auth.token_revoke", obj=user,
                 detail=f"{TOKEN_REVOKE_REASONS.get(reason, reason)}: {', '.join(p + '…' for p in prefixes)}")
    return len(prefixes)


def api_tokens_revoke_by_security_admin(*, actor, user) -> int:
    _require(actor, "portal.revoke_token")
    _require_scope(actor, user.department)
    return api_tokens_revoke(user=user, reason="security_admin", actor=actor)


# ---------------------------------------------------------------- users and roles

def generate_initial_password(length: int = 14) -> str:
    """A random password meeting the policy, shown once to the administrator who created the account."""
    alphabet = string.ascii_letters + string.digits + "!@#$%^&*-_"
    while True:
        candidate = "".join(secrets.choice(alphabet) for _i in range(length))
        if (any(c.islower() for c in candidate) and any(c.isupper() for c in candidate)
                and any(c.isdigit() for c in candidate) and any(not c.isalnum() for c in candidate)):
            return candidate


def _require(actor, perm: str) -> None:
    if actor is not None and not perms.can(actor, perm):
        raise PermissionDenied(_("You do not have permission to do this."))


def _require_scope(actor, department: Department | None) -> None:
    if actor is None or perms.sees_everything(actor):
        return
    if department is None or not perms.region_visible(actor, department.region):
        raise PermissionDenied(_("This department is outside your region."))


@transaction.atomic
def user_create(
    *,
    actor,
    username: str,
    real_name: str,
    department: Department,
    phone: str = "",
    email: str = "",
    password: str | None = None,
    must_change_password: bool = True,
) -> tuple[User, str]:
    """Create an account (system administrator). Roles are given separately by the security
    administrator (三员分立). Returns the user and the initial password, shown once."""
    _require(actor, "portal.add_user")
    _require_scope(actor, department)
    initial = password or generate_initial_password()
    user = User(username=username, real_name=real_name, department=department, phone=phone, email=email,
                must_change_password=must_change_password)
    user.full_clean(exclude=["password"])
    password_validation.validate_password(initial, user)
    user.set_password(initial)
    user.save()
    audit_record(actor=actor, action="user.create", obj=user, after=snapshot(user, USER_AUDIT_FIELDS))
    return user, initial


@transaction.atomic
def user_update(*, actor, user: User, **fields) -> User:
    _require(actor, "portal.change_user")
    _require_scope(actor, user.department)
    allowed = {"real_name", "department", "phone", "email", "is_active"}
    unknown = set(fields) - allowed
    if unknown:
        raise ValidationError(_("These fields cannot be changed here: %s") % ", ".join(sorted(unknown)))
    if "department" in fields:
        _require_scope(actor, fields["department"])
    before = snapshot(user, USER_AUDIT_FIELDS)
    for name, value in fields.items():
        setattr(user, name, value)
    user.full_clean(exclude=["password"])
    user.save()
    audit_record(actor=actor, action="user.update", obj=user, before=before, after=snapshot(user, USER_AUDIT_FIELDS))
    if before["is_active"] and not user.is_active:
        api_tokens_revoke(user=user, reason="disabled", actor=actor)
    return user


def _forget_roles(user) -> None:
    for attr in ("_portal_roles", "_perm_cache", "_user_perm_cache", "_group_perm_cache"):
        if hasattr(user, attr):
            delattr(user, attr)


def password_set_by_holder(user) -> bool:
    """True when the account's password was last chosen by its holder (not given out by an administrator)."""
    return not user.must_change_password and user.password_changed_at is not None


@transaction.atomic
def user_set_roles(*, actor, user: User, roles) -> User:
    """Give a user exactly these roles (security administrator). 三员分立: at most one administrator role, never
    together with a business role; and an administrator role only to an account whose holder has set their
    own password — an administrator who created the account or reset its password knows the password it had."""
    _require(actor, "portal.manage_roles")
    _require_scope(actor, user.department)
    roles = set(roles)
    unknown = roles - set(perms.ROLES)
    if unknown:
        raise ValidationError(_("Unknown role: %s") % "、".join(sorted(unknown)))
    perms.check_role_combination(roles)
    if actor is not None and actor.pk == user.pk:
        raise PermissionDenied(_("You cannot change your own roles."))
    before = sorted(perms.user_roles(user))
    granted_admin = roles.intersection(perms.ADMIN_ROLES) - set(before)
    if granted_admin and actor is not None and not password_set_by_holder(user):
        raise ValidationError(
            _("An administrator role can be given only to an account whose holder has signed in and set their own "
              "password; %(user)s still has a password given out by an administrator.") % {"user": user.username},
            code="separation_of_duties")
    user.groups.set(Group.objects.filter(name__in=roles))
    is_staff = perms.SYSTEM_ADMIN in roles  # the system administrator works in Django's admin too
    if user.is_staff != is_staff:
        user.is_staff = is_staff
        user.save(update_fields=["is_staff"])
    _forget_roles(user)
    audit_record(actor=actor, action="user.roles", obj=user, before={"roles": before}, after={"roles": sorted(roles)})
    if set(before) != roles:
        api_tokens_revoke(user=user, reason="roles", actor=actor)
    return user


def _new_password(user: User, password: str) -> None:
    """Give the account a password its holder must change at next sign-in; its API tokens end."""
    user.set_password(password)
    user.must_change_password = True
    user.password_changed_at = None
    user.save(update_fields=["password", "must_change_password", "password_changed_at"])
    api_tokens_revoke(user=user, reason="password_reset")


@transaction.atomic
def user_reset_password(*, actor, user: User) -> str:
    """A new random password for a user who forgot theirs, shown once to the system administrator; they must
    change it at next login. Never for an administrator account: that takes two administrators
    (`admin_password_reset_request` / `_confirm`) or `manage.py reset_password` on the server."""
    _require(actor, "portal.change_user")
    _require_scope(actor, user.department)
    if perms.is_administrator(user):
        raise PermissionDenied(_("The password of an administrator account is reset by two administrators: one asks, "
                                 "another confirms (or with manage.py reset_password on the server)."))
    new = generate_initial_password()
    _new_password(user, new)
    audit_record(actor=actor, action="user.password_reset", obj=user)
    return new


@transaction.atomic
def user_reset_password_on_server(*, user: User) -> str:
    """`manage.py reset_password`: whoever runs it on the server already holds the server; audited like the rest."""
    new = generate_initial_password()
    _new_password(user, new)
    audit_record(actor=None, username="manage.py", action="user.password_reset", obj=user,
                 detail=_("Reset on the server with manage.py reset_password"))
    return new


def _require_reset_party(actor, target: User) -> None:
    _require(actor, "portal.reset_admin_password")
    if actor is None or not perms.is_administrator(actor):
        raise PermissionDenied(_("Only an administrator may take part in resetting an administrator's password."))
    if actor.pk == target.pk:
        raise PermissionDenied(_("You cannot take part in resetting your own password."))
    _require_scope(actor, target.department)


def _expire_reset_requests(now=None) -> None:
    from .models import PasswordResetRequest

    now = now or timezone.now()
    PasswordResetRequest.objects.lapsed(now).update(
        status=PasswordResetRequest.Status.EXPIRED, first_half="", closed_at=now)


def _password_half() -> str:
    return generate_initial_password(8)


@transaction.atomic
def admin_password_reset_request(*, actor, user: User):
    """First half of resetting an administrator's password: returns (request, the first half of the new password),
    the half shown once to the asking administrator only. Nothing changes on the account yet."""
    from .models import PasswordResetRequest

    _require_reset_party(actor, user)
    if not perms.is_administrator(user):
        raise ValidationError(_("%(user)s holds no administrator role: reset the password directly.")
                              % {"user": user.username})
    _expire_reset_requests()
    User.objects.select_for_update().filter(pk=user.pk).first()
    if PasswordResetRequest.objects.filter(target=user, status=PasswordResetRequest.Status.PENDING).exists():
        raise ValidationError(_("A reset of %(user)s's password is already waiting for confirmation.")
                              % {"user": user.username})
    half = _password_half()
    request = PasswordResetRequest.objects.create(target=user, requested_by=actor, first_half=half)
    audit_record(actor=actor, action="user.password_reset_request", obj=user,
                 detail=_("Waiting for a second administrator to confirm"))
    return request, half


@transaction.atomic
def admin_password_reset_confirm(*, actor, reset) -> str:
    """Second half: another administrator confirms; the account gets the two halves joined as its password (to be
    changed at first sign-in) and this administrator is shown the second half only."""
    from .models import PasswordResetRequest

    reset = PasswordResetRequest.objects.select_for_update().select_related("target").get(pk=reset.pk)
    target = reset.target
    _require_reset_party(actor, target)
    _expire_reset_requests()
    reset.refresh_from_db()
    if reset.status != PasswordResetRequest.Status.PENDING:
        raise ValidationError(_("This reset request is no longer waiting for confirmation (%(status)s).")
                              % {"status": reset.get_status_display()})
    if reset.requested_by_id == actor.pk:
        raise PermissionDenied(_("A second administrator must confirm the reset you asked for."))
    second = _password_half()
    _new_password(target, reset.first_half + second)
    reset.status, reset.confirmed_by, reset.closed_at, reset.first_half = (
        PasswordResetRequest.Status.COMPLETED, actor, timezone.now(), "")
    reset.save(update_fields=["status", "confirmed_by", "closed_at", "first_half"])
    audit_record(actor=actor, action="user.password_reset", obj=target,
                 detail=_("Confirmed a reset asked by %(user)s") % {"user": reset.requested_by.username})
    return second


@transaction.atomic
def admin_password_reset_cancel(*, actor, reset) -> None:
    from .models import PasswordResetRequest

    reset = PasswordResetRequest.objects.select_for_update().select_related("target").get(pk=reset.pk)
    _require_reset_party(actor, reset.target)
    if reset.status != PasswordResetRequest.Status.PENDING:
        raise ValidationError(_("This reset request is no longer waiting for confirmation (%(status)s).")
                              % {"status": reset.get_status_display()})
    reset.status, reset.closed_at, reset.first_half = PasswordResetRequest.Status.CANCELLED, timezone.now(), ""
    reset.save(update_fields=["status", "closed_at", "first_half"])
    audit_record(actor=actor, action="user.password_reset_cancel", obj=reset.target)


@transaction.atomic
def user_change_password(*, user: User, new_password: str) -> User:
    """The user sets their own password (after validation by the form, again here). Their API tokens end."""
    password_validation.validate_password(new_password, user)
    user.set_password(new_password)
    user.must_change_password = False
    user.password_changed_at = timezone.now()
    user.save(update_fields=["password", "must_change_password", "password_changed_at"])
    audit_record(actor=user, action="user.password_change", obj=user)
    api_tokens_revoke(user=user, reason="password_change", actor=user)
    return user


@transaction.atomic
def user_unlock(*, actor, user: User) -> int:
    """Lift a lockout (security administrator). Returns how many lock records were cleared."""
    from axes.utils import reset

    _require(actor, "portal.unlock_user")
    _require_scope(actor, user.department)
    cleared = reset(username=user.username)
    audit_record(actor=actor, action="user.unlock", obj=user, detail=str(cleared))
    return cleared


def roles_sync(*, strict: bool = True) -> dict[str, int]:
    """Create the role groups and give each exactly its permissions. Safe to run any number of
    times; run after every migrate and by `load_reference` (strict: a permission named in
    ROLE_PERMISSIONS that does not exist is an error)."""
    wanted = {}
    for role, names in perms.ROLE_PERMISSIONS.items():
        keys = [tuple(name.split(".", 1)) for name in names]
        found = {
            (p.content_type.app_label, p.codename): p
            for p in Permission.objects.select_related("content_type").filter(
                codename__in=[codename for _app, codename in keys]
            )
        }
        missing = [".".join(k) for k in keys if k not in found]
        if missing and strict:
            raise ValidationError(f"Permissions do not exist (yet): {', '.join(missing)}")
        wanted[role] = [found[k] for k in keys if k in found]
    result = {}
    for role, permission_objects in wanted.items():
        group, _created = Group.objects.get_or_create(name=role)
        group.permissions.set(permission_objects)
        result[role] = len(permission_objects)
    return result


# ---------------------------------------------------------------- reference data

@dataclass
class ReferenceLoadResult:
    regions_created: int = 0
    regions_updated: int = 0
    departments_created: int = 0
    departments_updated: int = 0
    aliases_created: int = 0


def _read_csv(path: Path):
    with path.open(encoding="utf-8-sig", newline="") as handle:
        yield from csv.DictReader(handle)


def _row_error(path: Path, line: int, message: str) -> ValidationError:
    return ValidationError(_("%(file)s, line %(line)d: %(message)s") % {"file": path.name, "line": line, "message": message})


@transaction.atomic
def reference_load(*, actor=None, fixtures_dir: Path | None = None) -> ReferenceLoadResult:
    """Load regions and departments (with aliases) from fixtures/. Idempotent: rows are matched by
    natural key (region code, department name) and updated in place; nothing is deleted."""
    base = Path(fixtures_dir or FIXTURES_DIR)
    result = ReferenceLoadResult()
    regions_path = base / "regions.csv"
    rows = list(_read_csv(regions_path))
    known = {r.code: r for r in Region.objects.all()}
    # Parents before children: sort by level.
    order = {RegionLevel.PROVINCE: 0, RegionLevel.PREFECTURE: 1, RegionLevel.COUNTY: 2}
    for line, row in sorted(enumerate(rows, start=2), key=lambda item: order.get(item[1]["level"], 9)):
        code = row["code"].strip()
        parent_code = (row.get("parent_code") or "").strip()
        if row["level"] not in order:
            raise _row_error(regions_path, line, _("unknown level %s") % row["level"])
        parent = known.get(parent_code) if parent_code else None
        if parent_code and parent is None:
            raise _row_error(regions_path, line, _("parent region %s does not exist") % parent_code)
        region = known.get(code)
        values = {"name": row["name"].strip(), "level": row["level"], "parent": parent}
        if region is None:
            region = Region(code=code, **values)
            result.regions_created += 1
        elif any(getattr(region, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(region, k, v)
            result.regions_updated += 1
        else:
            continue
        try:
            region.full_clean()
        except ValidationError as exc:
            raise _row_error(regions_path, line, "; ".join(exc.messages)) from exc
        region.save()
        known[code] = region

    departments_path = base / "departments.csv"
    existing = {d.name: d for d in Department.objects.all()}
    aliases = dict(DepartmentAlias.objects.values_list("name", "department__name"))
    kinds = set(DepartmentKind.values)
    for line, row in enumerate(_read_csv(departments_path), start=2):
        name = row["name"].strip()
        region = known.get(row["region_code"].strip())
        if region is None:
            raise _row_error(departments_path, line, _("region %s does not exist") % row["region_code"])
        if row["kind"] not in kinds:
            raise _row_error(departments_path, line, _("unknown kind %s") % row["kind"])
        values = {"short_name": row["short_name"].strip(), "region": region, "kind": row["kind"]}
        department = existing.get(name)
        if department is None:
            department = Department.objects.create(name=name, **values)
            existing[name] = department
            result.departments_created += 1
        elif any(getattr(department, k) != v for k, v in values.items()):
            for k, v in values.items():
                setattr(department, k, v)
            department.save()
            result.departments_updated += 1
        written = [values["short_name"], *(row.get("aliases") or "").split(";")]
        for alias in dict.fromkeys(filter(None, (a.strip() for a in written))):
            if alias == name:
                continue
            owner = aliases.get(alias)
            if owner is None:
                DepartmentAlias.objects.create(name=alias, department=department)
                aliases[alias] = name
                result.aliases_created += 1
            elif owner != name:
                raise _row_error(departments_path, line, _("alias %(alias)s already belongs to %(owner)s")
                                 % {"alias": alias, "owner": owner})
    if any(vars(result).values()):
        audit_record(actor=actor, action="reference.load", after=vars(result).copy())
    return result


# ---------------------------------------------------------------- notifications

def notification_send(*, recipients, title: str, body: str = "", link: str = "", level: str = "info") -> int:
    """Tell people something in the portal (the bell in the header). Returns how many were created."""
    items = [Notification(recipient=r, title=title[:200], body=body, link=link, level=level) for r in recipients]
    Notification.objects.bulk_create(items)
    return len(items)


def notification_mark_read(*, user, notification: Notification) -> Notification:
    if notification.recipient_id != user.pk:
        raise PermissionDenied
    if notification.read_at is None:
        notification.read_at = timezone.now()
        notification.save(update_fields=["read_at"])
    return notification


def notification_mark_all_read(*, user) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).update(read_at=timezone.now())


# ---------------------------------------------------------------- the cockpit's summaries

def cockpit_summaries_refresh(*, groups=None, today=None) -> dict:
    """Recompute the cockpit's panels of `groups` (default: all) and store them, replacing what was there, in
    one transaction: the cockpit never shows half a refresh. Returns {group: rows written}."""
    from django.utils import timezone

    from . import summaries
    from .models import CockpitSummary
    today = today or timezone.localdate()
    tree = summaries.Tree()
    written = {}
    for group in groups or summaries.GROUPS:
        figures = summaries.COMPUTE[group](tree, today)
        now = timezone.now()
        with transaction.atomic():
            CockpitSummary.objects.bulk_create(
                [CockpitSummary(panel=panel, region_id=region, plan_id=plan, year=year, data=data, refreshed_at=now)
                 for (panel, region, plan, year), data in figures.items()],
                update_conflicts=True, unique_fields=["region", "panel", "plan_id", "year"],
                update_fields=["data", "refreshed_at"], batch_size=1000)
            CockpitSummary.objects.filter(panel__in=summaries.GROUPS[group], refreshed_at__lt=now).delete()
        written[group] = len(figures)
    from django.core.cache import cache

    from .selectors import COCKPIT_VERSION_KEY
    try:  # rendered cockpits of the old figures are no longer used
        cache.incr(COCKPIT_VERSION_KEY)
    except ValueError:
        cache.set(COCKPIT_VERSION_KEY, 2, None)
    return written
