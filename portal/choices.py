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
