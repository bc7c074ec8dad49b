"""The one place that decides who may do what and see which rows.

* What a role may do: Django permissions granted to the role Groups (see ROLE_PERMISSIONS, applied
  by `roles_sync`). Views, API and services ask `can(user, "app.codename")`.
* Which rows: business data is scoped by region — a user sees their department's region and every
  region below it. Querysets narrow with `.visible_to(user)`; a row outside scope is a 404.
* 三员分立: no account holds two of the three admin roles (system, security, audit). Checked here,
  in the services and forms that assign roles, and by a database trigger as the last line.
"""
from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.http import Http404
from django.utils.translation import gettext_lazy as _

BUREAU_STAFF = "bureau_staff"
DEPARTMENT_OFFICER = "department_officer"
LEADER = "leader"
SYSTEM_ADMIN = "system_admin"
SECURITY_ADMIN = "security_admin"
AUDIT_ADMIN = "audit_admin"

BUSINESS_ROLES = (BUREAU_STAFF, DEPARTMENT_OFFICER, LEADER)
ADMIN_ROLES = (SYSTEM_ADMIN, SECURITY_ADMIN, AUDIT_ADMIN)
ROLES = BUSINESS_ROLES + ADMIN_ROLES

ROLE_LABELS = {
    BUREAU_STAFF: _("Bureau staff"),
    DEPARTMENT_OFFICER: _("Department officer"),
    LEADER: _("Leader"),
    SYSTEM_ADMIN: _("System administrator"),
    SECURITY_ADMIN: _("Security administrator"),
    AUDIT_ADMIN: _("Audit administrator"),
}

# Permissions granted to each role. Later features add their apps' permissions here.
ROLE_PERMISSIONS: dict[str, list[str]] = {
    BUREAU_STAFF: [
        "portal.view_region",
        "portal.view_department",
        "tasks.view_actionplan",
        "tasks.import_plan",
        "tasks.view_task",
        "tasks.review_progress",
        "tasks.view_indicator",
        "tasks.add_indicator",
        "inventory.view_substance",
        "inventory.add_substance",
        "inventory.change_substance",
        "inventory.view_substancegroup",
        "inventory.change_substancegroup",
        "inventory.view_industry",
        "inventory.view_enterprise",
        "inventory.add_enterprise",
        "inventory.change_enterprise",
        "inventory.view_contacts",
        "inventory.view_surveycampaign",
        "inventory.add_surveycampaign",
        "inventory.change_surveycampaign",
        "inventory.view_surveyreport",
        "inventory.submit_surveyreport",
        "inventory.review_surveyreport",
        "inventory.view_monitoringsite",
        "inventory.view_monitoringresult",
        "inventory.import_data",
        "screening.view_hazardrecord",
        "screening.add_hazardrecord",
        "screening.change_hazardrecord",
        "screening.view_criteriaprofile",
        "screening.view_profileversion",
        "screening.add_profileversion",
        "screening.view_screeningrun",
        "screening.run_screening",
        "screening.view_screeningresult",
        "screening.view_riskassessment",
        "screening.add_riskassessment",
        "screening.change_riskassessment",
        "screening.approve_riskassessment",
        "screening.view_controlproposal",
        "controls.view_controllist",
        "controls.view_controlentry",
        "controls.view_controlmeasure",
        "controls.manage_controllist",
        "controls.view_controlledenterprise",
        "controls.manage_controlledenterprise",
        "controls.publish_controlledenterprise",
        "controls.update_measure_status",
        "controls.view_inspectiondraw",
        "controls.view_inspection",
        "controls.manage_inspection",
    ],
    DEPARTMENT_OFFICER: [
        "portal.view_region",
        "portal.view_department",
        "tasks.view_actionplan",
        "tasks.view_task",
        "tasks.report_progress",
        "tasks.view_indicator",
        "controls.view_controllist",
        "controls.view_controlentry",
        "controls.view_controlmeasure",
        "controls.view_controlledenterprise",
        "controls.update_measure_status",
    ],
    LEADER: [
        "portal.view_region",
        "portal.view_department",
        "tasks.view_actionplan",
        "tasks.view_task",
        "tasks.comment_task",
        "tasks.view_indicator",
        "inventory.view_substance",
        "inventory.view_substancegroup",
        "inventory.view_industry",
        "inventory.view_enterprise",
        "inventory.view_surveycampaign",
        "inventory.view_surveyreport",
        "inventory.view_monitoringsite",
        "inventory.view_monitoringresult",
        "screening.view_hazardrecord",
        "screening.view_criteriaprofile",
        "screening.view_profileversion",
        "screening.view_screeningrun",
        "screening.view_screeningresult",
        "screening.view_riskassessment",
        "screening.approve_riskassessment",
        "screening.view_controlproposal",
        "controls.view_controllist",
        "controls.view_controlentry",
        "controls.view_controlmeasure",
        "controls.view_controlledenterprise",
        "controls.view_inspectiondraw",
        "controls.view_inspection",
    ],
    SYSTEM_ADMIN: [
        "portal.view_region",
        "portal.add_region",
        "portal.change_region",
        "portal.view_department",
        "portal.add_department",
        "portal.change_department",
        "portal.add_departmentalias",
        "portal.change_departmentalias",
        "portal.delete_departmentalias",
        "portal.view_departmentalias",
        "portal.view_user",
        "portal.add_user",
        "portal.change_user",
        "portal.reset_admin_password",
        "django_celery_beat.view_periodictask",
        "django_celery_beat.change_periodictask",
    ],
    SECURITY_ADMIN: [
        "portal.view_user",
        "portal.manage_roles",
        "portal.unlock_user",
        "portal.reset_admin_password",
        "portal.revoke_token",
        "auth.view_group",
        "axes.view_accessattempt",
        "axes.view_accessfailurelog",
    ],
    AUDIT_ADMIN: [
        "portal.view_auditevent",
        "portal.export_auditevent",
    ],
}


# Which roles work in which module of the portal (navigation and module pages).
MODULE_ROLES: dict[str, tuple[str, ...]] = {
    "inventory": (BUREAU_STAFF, LEADER),
    "screening": (BUREAU_STAFF, LEADER),
    "controls": (BUREAU_STAFF, LEADER, DEPARTMENT_OFFICER),
    "tasks": (BUREAU_STAFF, LEADER, DEPARTMENT_OFFICER),
    "cockpit": (LEADER, BUREAU_STAFF),
    "departments": BUSINESS_ROLES + (SYSTEM_ADMIN,),
    "users": (SYSTEM_ADMIN, SECURITY_ADMIN),
    "audit": (AUDIT_ADMIN,),
}


def can_access_module(user, module: str) -> bool:
    return getattr(user, "is_authenticated", False) and has_role(user, *MODULE_ROLES[module])


def user_roles(user) -> frozenset[str]:
    """The role names a user holds, read once per user object."""
    if not getattr(user, "is_authenticated", False):
        return frozenset()
    cached = getattr(user, "_portal_roles", None)
    if cached is None:
        cached = frozenset(user.groups.filter(name__in=ROLES).values_list("name", flat=True))
        user._portal_roles = cached
    return cached


def has_role(user, *roles: str) -> bool:
    return bool(user_roles(user).intersection(roles))


def primary_role(user) -> str | None:
    """The role whose home page the user lands on (business roles first, most specific first)."""
    held = user_roles(user)
    for role in (LEADER, BUREAU_STAFF, DEPARTMENT_OFFICER, SYSTEM_ADMIN, SECURITY_ADMIN, AUDIT_ADMIN):
        if role in held:
            return role
    return None


def can(user, perm: str) -> bool:
    return bool(getattr(user, "is_authenticated", False) and user.is_active and user.has_perm(perm))


def check_role_combination(roles) -> None:
    """三员分立: raise ValidationError when the roles include more than one admin role, or an admin role
    together with a business role (an administrator never reads or writes business data). The database
    trigger of migration 0005 enforces the same rule for every other code path."""
    roles = set(roles)
    admin = sorted(roles.intersection(ADMIN_ROLES), key=ROLES.index)
    business = sorted(roles.intersection(BUSINESS_ROLES), key=ROLES.index)
    if len(admin) > 1:
        raise ValidationError(
            _("Separation of duties: one account may hold only one of the administrator roles "
              "(system, security, audit); requested: %(roles)s.")
            % {"roles": "、".join(str(ROLE_LABELS[r]) for r in admin)},
            code="separation_of_duties",
        )
    if admin and business:
        raise ValidationError(
            _("Separation of duties: an administrator role cannot be combined with a business role; "
              "requested: %(admin)s with %(business)s.")
            % {"admin": str(ROLE_LABELS[admin[0]]), "business": "、".join(str(ROLE_LABELS[r]) for r in business)},
            code="separation_of_duties",
        )


def is_administrator(user) -> bool:
    """True for an account holding one of the three administrator roles."""
    return has_role(user, *ADMIN_ROLES)


def scope_region(user):
    """The region at the top of what the user may see; None means nothing (or everything for a
    superuser — see `sees_everything`)."""
    department = getattr(user, "department", None)
    return department.region if department is not None else None


def sees_everything(user) -> bool:
    return bool(getattr(user, "is_superuser", False))


def region_q(user, field: str) -> Q:
    """A filter keeping rows whose region (reached through `field`) is the user's region or below."""
    if sees_everything(user):
        return Q()
    region = scope_region(user)
    if region is None:
        return Q(pk__in=[])
    prefix = f"{field}__path__startswith" if field else "path__startswith"
    return Q(**{prefix: region.path})


class ScopedQuerySet(models.QuerySet):
    """Querysets of region-scoped models. The model names the path to its region in `region_field`
    ("" when the model is a Region itself)."""

    def visible_to(self, user):
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        return self.filter(region_q(user, self.model.region_field))


def get_visible_or_404(queryset, user, **lookup):
    """Fetch one row the user may see; anything outside their scope is indistinguishable from
    a row that does not exist."""
    try:
        return queryset.visible_to(user).get(**lookup)
    except queryset.model.DoesNotExist as exc:
        raise Http404 from exc


def region_visible(user, region) -> bool:
    if sees_everything(user):
        return True
    top = scope_region(user)
    return top is not None and region is not None and region.path.startswith(top.path)
