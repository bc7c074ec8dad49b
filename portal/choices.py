from django.db import models
from django.utils.translation import gettext_lazy as _


class RegionLevel(models.TextChoices):
    PROVINCE = "province", _("Province")
    PREFECTURE = "prefecture", _("Prefecture")
    COUNTY = "county", _("County")


class DepartmentKind(models.TextChoices):
    BUREAU = "bureau", _("Coordinating bureau")
    MEMBER = "member", _("Member department")
    LOCAL_GOVERNMENT = "local_government", _("Local government")
    LEADERSHIP = "leadership", _("Leadership office")


class AuditOutcome(models.TextChoices):
    SUCCESS = "success", _("Success")
    FAILURE = "failure", _("Failure")
    DENIED = "denied", _("Denied")


class NotificationLevel(models.TextChoices):
    INFO = "info", _("Information")
    WARNING = "warning", _("Warning")
    URGENT = "urgent", _("Urgent")


# What each audit action means, for people reading the trail. Apps add theirs here.
AUDIT_ACTION_LABELS = {
    "auth.login": _("Sign-in"),
    "auth.lockout": _("Account locked"),
    "auth.logout": _("Sign-out"),
    "auth.timeout": _("Session timed out"),
    "auth.token": _("API token issued"),
    "auth.token_revoke": _("API token revoked"),
    "user.create": _("Account created"),
    "user.update": _("Account changed"),
    "user.roles": _("Roles changed"),
    "user.password_change": _("Password changed"),
    "user.password_reset": _("Password reset"),
    "user.password_reset_request": _("Administrator password reset asked for"),
    "user.password_reset_cancel": _("Administrator password reset cancelled"),
    "user.unlock": _("Account unlocked"),
    "reference.load": _("Reference data loaded"),
    "audit.export": _("Audit trail exported"),
    "admin.add": _("Added in administration"),
    "admin.change": _("Changed in administration"),
    "department.alias": _("Department name remembered"),
    "plan.import": _("Plan imported"),
    "plan.map_name": _("Department name mapped"),
    "plan.cadence": _("Reporting cadence set"),
    "plan.publish": _("Plan published"),
    "task.update": _("Task corrected"),
    "task.close": _("Task closed"),
    "task.comment": _("Instruction left"),
    "progress.submit": _("Progress reported"),
    "progress.accept": _("Progress accepted"),
    "progress.return": _("Progress returned"),
    "extension.request": _("Extension requested"),
    "extension.approve": _("Extension approved"),
    "extension.refuse": _("Extension refused"),
    "indicator.value": _("Indicator value reported"),
    "report.request": _("Progress report requested"),
}
