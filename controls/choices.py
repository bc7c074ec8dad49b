from django.db import models
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class ListKind(models.TextChoices):
    NATIONAL_KEY = "national_key", _("National list of key controlled new pollutants")
    PRIORITY = "priority", _("List of priority-controlled chemicals")
    LOCAL_SUPPLEMENT = "local_supplement", _("Local supplementary list")
    OTHER = "other", _("Other list")


class Jurisdiction(models.TextChoices):
    NATIONAL = "national", _("National")
    PROVINCE = "province", _("Province")
    CITY = "city", _("City")


class ListStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    IN_FORCE = "in_force", _("In force")
    SUPERSEDED = "superseded", _("Superseded")


class EntryCategory(models.TextChoices):
    POP = "pop", _("Persistent organic pollutants")
    TOXIC = "toxic", _("Toxic and hazardous chemicals")
    EDC = "edc", _("Environmental endocrine disruptors")
    ANTIBIOTIC = "antibiotic", _("Antibiotics")
    PHASED_OUT = "phased_out", _("Already phased out")
    OTHER = "other", _("Other")


class MeasureType(models.TextChoices):
    BAN_PRODUCTION = "ban_production", _("Ban on production")
    BAN_USE = "ban_use", _("Ban on processing and use")
    BAN_TRADE = "ban_trade", _("Ban on import and export")
    RESTRICT_USE = "restrict_use", _("Restricted uses")
    EXEMPTION = "exemption", _("Exempted use")
    CONTENT_LIMIT = "content_limit", _("Content limit")
    EMISSION_LIMIT = "emission_limit", _("Emission limit")
    CLEAN_PRODUCTION = "clean_production", _("Mandatory cleaner-production audit")
    DISCLOSURE = "disclosure", _("Information disclosure")
    HAZARDOUS_WASTE = "hazardous_waste", _("Hazardous-waste management")
    MONITORING = "monitoring", _("Monitoring")


class EnterpriseStatus(models.TextChoices):
    DERIVED = "derived", _("Derived")
    CONFIRMED = "confirmed", _("Confirmed")
    ADDED = "added", _("Added manually")
    REMOVED = "removed", _("Removed")


class MeasureStatus(models.TextChoices):
    PENDING = "pending", _("To be implemented")
    REPLACED = "replaced", _("Substitution completed")
    RECTIFYING = "rectifying", _("Rectification with a deadline")
    EXEMPT = "exempt", _("Under exemption")
    STOPPED = "stopped", _("Production stopped")


class DrawStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    DRAWN = "drawn", _("Drawn")
    PUBLISHED = "published", _("Published")


class InspectionResult(models.TextChoices):
    COMPLIANT = "compliant", _("Compliant")
    RECTIFY = "rectify", _("Rectification with a deadline")
    CASE = "case", _("Case opened")


class RectificationStatus(models.TextChoices):
    OPEN = "open", pgettext_lazy("rectification", "Under way")
    CLOSED = "closed", pgettext_lazy("rectification", "Closed after verification")
