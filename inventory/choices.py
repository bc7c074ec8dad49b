from django.db import models
from django.utils.translation import gettext_lazy as _


class IndustryLevel(models.TextChoices):
    SECTION = "section", _("Section (门类)")
    DIVISION = "division", _("Division (大类)")
    GROUP = "group", _("Group (中类)")
    CLASS = "class", _("Class (小类)")


class SurveyKind(models.TextChoices):
    BASIC = "basic", _("Basic information survey")
    DETAILED = "detailed", _("Detailed information survey")
    KEY_CONTROL = "key_control", _("Key-control information survey")


class Activity(models.TextChoices):
    PRODUCE = "produce", _("Production")
    USE = "use", _("Processing and use")
    IMPORT = "import", _("Import")
    EXPORT = "export", _("Export")


class ReportState(models.TextChoices):
    DRAFT = "draft", _("Draft")
    SUBMITTED = "submitted", _("Submitted")
    COUNTY_REVIEWED = "county_reviewed", _("Reviewed by the county")
    CITY_REVIEWED = "city_reviewed", _("Reviewed by the city")
    ACCEPTED = "accepted", _("Accepted")
    RETURNED = "returned", _("Returned for correction")


class CheckDimension(models.TextChoices):
    COMPLETENESS = "completeness", "完整性"
    CONSISTENCY = "consistency", "一致性"
    LOGIC = "logic", "逻辑性"
    PLAUSIBILITY = "plausibility", "合理性"


class CheckSeverity(models.TextChoices):
    PASS = "pass", _("Pass")
    WARNING = "warning", _("Warning")
    ERROR = "error", _("Error")


class Medium(models.TextChoices):
    SURFACE_WATER = "surface_water", _("Surface water")
    GROUNDWATER = "groundwater", _("Groundwater")
    DRINKING_WATER = "drinking_water", _("Drinking-water source")
    SOIL = "soil", _("Soil")
    SEDIMENT = "sediment", _("Sediment")
    AIR = "air", _("Air")
    OUTLET = "outlet", _("Discharge outlet")


class SiteType(models.TextChoices):
    KEY_AREA = "key_area", _("Key area")
    PARK = "park", _("Industrial park")
    OUTLET = "outlet", _("Enterprise outlet")
