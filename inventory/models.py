"""The inventory: chemical substances and their groups, industries (GB/T 4754-2017) and enterprises.
Survey campaigns, reports and monitoring build on these."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from portal.models import Region
from portal.permissions import ScopedQuerySet
from portal.recovery import JobRow

from .choices import Activity, IndustryLevel, Medium, ReportState, SiteType, SurveyKind


class Substance(models.Model):
    """One chemical, identified by its CAS RN where it has one (stored canonical, with hyphens)."""

    cas = models.CharField(_("CAS RN"), max_length=12, unique=True, null=True, blank=True)
    ec_number = models.CharField(_("EC number"), max_length=9, blank=True)
    name_zh = models.CharField(_("Chinese name"), max_length=255)
    name_en = models.CharField(_("English name"), max_length=255, blank=True)
    synonyms = models.TextField(_("synonyms"), blank=True, help_text=_("One per line; searched like the names."))
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("substance")
        verbose_name_plural = _("substances")
        ordering = ["name_zh"]
        indexes = [models.Index(fields=["name_zh"], name="substance_name_zh")]

    def __str__(self):
        return f"{self.name_zh}（{self.cas}）" if self.cas else self.name_zh


class SubstanceGroup(models.Model):
    """A class of substances such as PFOS类 or 短链氯化石蜡: member substances and/or example CAS numbers,
    and a description of what else it covers (及其盐类和相关化合物)."""

    name = models.CharField(_("name"), max_length=255, unique=True)
    description = models.TextField(_("what it covers"), blank=True)
    members = models.ManyToManyField(Substance, blank=True, related_name="groups", verbose_name=_("members"))
    example_cas = models.JSONField(_("example CAS numbers"), default=list, blank=True)

    class Meta:
        verbose_name = _("substance group")
        verbose_name_plural = _("substance groups")
        ordering = ["name"]

    def __str__(self):
        return self.name


class Industry(models.Model):
    """GB/T 4754-2017 国民经济行业分类, loaded from fixtures/industries.csv."""

    code = models.CharField(_("code"), max_length=4, primary_key=True)
    name = models.CharField(_("name"), max_length=100)
    level = models.CharField(_("level"), max_length=10, choices=IndustryLevel.choices)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.PROTECT, related_name="children")
    section = models.CharField(_("section"), max_length=1)

    class Meta:
        verbose_name = _("industry")
        verbose_name_plural = _("industries")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"


class Enterprise(models.Model):
    """An enterprise (排污单位) identified by its 统一社会信用代码."""

    credit_code = models.CharField(_("unified social credit code"), max_length=18, unique=True)
    credit_code_override = models.BooleanField(
        _("legacy code confirmed"), default=False,
        help_text=_("The code fails the GB 32100 check but a person confirmed it (an early, valid code)."))
    name = models.CharField(_("name"), max_length=255)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="enterprises")
    industry = models.ForeignKey(Industry, verbose_name=_("industry"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="enterprises")
    park = models.CharField(_("industrial park"), max_length=255, blank=True)
    address = models.CharField(_("address"), max_length=255, blank=True)
    latitude = models.DecimalField(_("latitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    longitude = models.DecimalField(_("longitude"), max_digits=9, decimal_places=6, null=True, blank=True)
    permit_number = models.CharField(_("discharge permit number"), max_length=64, blank=True)
    soil_key_unit = models.BooleanField(_("土壤污染重点监管单位"), default=False)
    contact_name = models.CharField(_("contact person"), max_length=64, blank=True)
    contact_phone = models.CharField(_("contact phone"), max_length=20, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()
    region_field = "region"

    class Meta:
        verbose_name = _("enterprise")
        verbose_name_plural = _("enterprises")
        ordering = ["name"]
        permissions = [("view_contacts", _("Can see enterprise contacts unmasked"))]
        indexes = [models.Index(fields=["region", "name"], name="enterprise_region_name")]

    def __str__(self):
        return self.name


class SurveyCampaign(models.Model):
    """A yearly survey (化学物质环境信息调查) run by a bureau over its region."""

    year = models.PositiveSmallIntegerField(_("year surveyed"))
    kind = models.CharField(_("kind"), max_length=16, choices=SurveyKind.choices, default=SurveyKind.BASIC)
    title = models.CharField(_("title"), max_length=200)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="campaigns")
    substances = models.ManyToManyField(Substance, blank=True, related_name="campaigns",
                                        verbose_name=_("substances in scope"))
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    region_field = "region"

    class Meta:
        verbose_name = _("survey campaign")
        verbose_name_plural = _("survey campaigns")
        ordering = ["-year", "title"]

    def __str__(self):
        return self.title


class SurveyReport(models.Model):
    """One enterprise's report for one campaign, moving up the review chain."""

    campaign = models.ForeignKey(SurveyCampaign, on_delete=models.PROTECT, related_name="reports")
    enterprise = models.ForeignKey(Enterprise, on_delete=models.PROTECT, related_name="survey_reports")
    state = models.CharField(_("state"), max_length=20, choices=ReportState.choices, default=ReportState.DRAFT)
    return_reason = models.CharField(_("reason for return"), max_length=500, blank=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    accepted_at = models.DateTimeField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()
    region_field = "enterprise__region"

    class Meta:
        verbose_name = _("survey report")
        verbose_name_plural = _("survey reports")
        permissions = [("submit_surveyreport", _("Can submit survey reports for review")),
                       ("review_surveyreport", _("Can review and accept survey reports"))]
        constraints = [models.UniqueConstraint(fields=["campaign", "enterprise"], name="survey_report_unique")]
        indexes = [models.Index(fields=["campaign", "state"], name="survey_report_state")]

    def __str__(self):
        return f"{self.enterprise} · {self.campaign}"

    def get_absolute_url(self):
        from django.urls import reverse

        return reverse("inventory:report_detail", args=[self.pk])


class SurveyLine(models.Model):
    """One substance and activity of a report, in tonnes per year. The enterprise's own name and CAS
    are kept beside the curated substance link; a line without a link waits in the curation queue."""

    report = models.ForeignKey(SurveyReport, on_delete=models.CASCADE, related_name="lines")
    # No index of its own: survey_line_substance (substance, activity) serves lookups by substance.
    substance = models.ForeignKey(Substance, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="survey_lines", db_index=False)
    raw_name = models.CharField(_("name as reported"), max_length=255)
    raw_cas = models.CharField(_("CAS as reported"), max_length=50, blank=True)
    activity = models.CharField(_("activity"), max_length=10, choices=Activity.choices)
    quantity = models.DecimalField(_("quantity (t/a)"), max_digits=14, decimal_places=4)
    use_category = models.CharField(_("use category"), max_length=20, blank=True)
    dispersive_use = models.BooleanField(_("dispersive use"), default=False)
    emission_water = models.DecimalField(_("emission to water (t/a)"), max_digits=14, decimal_places=4,
                                         null=True, blank=True)
    emission_air = models.DecimalField(_("emission to air (t/a)"), max_digits=14, decimal_places=4,
                                       null=True, blank=True)
    emission_soil = models.DecimalField(_("emission to soil (t/a)"), max_digits=14, decimal_places=4,
                                        null=True, blank=True)
    waste_route = models.CharField(_("waste route"), max_length=200, blank=True)
    warning_note = models.CharField(_("note on warnings"), max_length=500, blank=True)
    returned = models.BooleanField(_("returned for correction"), default=False)
    return_reason = models.CharField(_("reason for return"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("survey line")
        verbose_name_plural = _("survey lines")
        indexes = [models.Index(fields=["substance", "activity"], name="survey_line_substance")]
        # The importer's natural key: a report lists a substance once per activity, by the CAS as reported or,
        # without one, by the name as reported. No race (a job delivered twice) can write a line twice.
        constraints = [
            models.UniqueConstraint(fields=["report", "activity", "raw_cas"], condition=~models.Q(raw_cas=""),
                                    name="survey_line_unique_cas",
                                    violation_error_message=_("This report already has a line with this CAS number "
                                                              "and activity.")),
            models.UniqueConstraint(fields=["report", "activity", "raw_name"], condition=models.Q(raw_cas=""),
                                    name="survey_line_unique_name",
                                    violation_error_message=_("This report already has a line with this substance "
                                                              "name and activity.")),
        ]

    def __str__(self):
        return f"{self.raw_name} {self.get_activity_display()} {self.quantity}"

    @property
    def emissions_total(self):
        return sum(v for v in (self.emission_water, self.emission_air, self.emission_soil) if v is not None)


class ReviewRecord(models.Model):
    """A written or on-site review of a report at one level, with its outcome."""

    report = models.ForeignKey(SurveyReport, on_delete=models.CASCADE, related_name="reviews")
    reviewer = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    level = models.CharField(_("level"), max_length=20)
    on_site = models.BooleanField(_("on-site review"), default=False)
    outcome = models.CharField(_("outcome"), max_length=20)
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["created_at"]

    def __str__(self):
        return f"{self.report_id} {self.level} {self.outcome}"


class MonitoringSite(models.Model):
    code = models.CharField(_("site code"), max_length=32, unique=True)
    name = models.CharField(_("name"), max_length=200)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="sites")
    medium = models.CharField(_("medium"), max_length=20, choices=Medium.choices)
    site_type = models.CharField(_("site type"), max_length=12, choices=SiteType.choices)
    enterprise = models.ForeignKey(Enterprise, null=True, blank=True, on_delete=models.PROTECT, related_name="sites")

    objects = ScopedQuerySet.as_manager()
    region_field = "region"

    class Meta:
        verbose_name = _("monitoring site")
        verbose_name_plural = _("monitoring sites")
        ordering = ["code"]

    def __str__(self):
        return f"{self.code} {self.name}"


class SamplingEvent(models.Model):
    site = models.ForeignKey(MonitoringSite, on_delete=models.PROTECT, related_name="samplings")
    sampled_on = models.DateField(_("sampled on"))
    note = models.CharField(_("note"), max_length=300, blank=True)

    class Meta:
        verbose_name = _("sampling")
        verbose_name_plural = _("samplings")
        ordering = ["-sampled_on"]
        constraints = [models.UniqueConstraint(fields=["site", "sampled_on"], name="sampling_unique_day")]

    def __str__(self):
        return f"{self.site_id} {self.sampled_on}"


class MonitoringResult(models.Model):
    """One substance measured in one sample: detected or not, against its detection limit."""

    sampling = models.ForeignKey(SamplingEvent, on_delete=models.CASCADE, related_name="results")
    substance = models.ForeignKey(Substance, on_delete=models.PROTECT, related_name="monitoring_results")
    concentration = models.DecimalField(_("concentration"), max_digits=16, decimal_places=6, null=True, blank=True)
    unit = models.CharField(_("unit"), max_length=16)
    detection_limit = models.DecimalField(_("detection limit"), max_digits=16, decimal_places=6, null=True, blank=True)
    detected = models.BooleanField(_("detected"))

    class Meta:
        verbose_name = _("monitoring result")
        verbose_name_plural = _("monitoring results")
        constraints = [models.UniqueConstraint(fields=["sampling", "substance"], name="result_unique_substance")]
        indexes = [models.Index(fields=["substance", "detected"], name="result_substance_detected")]

    def __str__(self):
        return f"{self.substance_id} {self.concentration} {self.unit}"


class ImportRecord(JobRow):
    """One spreadsheet import: who, when, which file (name and hash), what it created and updated,
    and the values it overwrote — so bulk writes are audited like single ones."""

    STATUS = [("queued", _("Queued")), ("checking", _("Checking")), ("validated", _("Checked, ready to import")),
              ("failed", _("Has errors")), ("committing", _("Importing")), ("done", _("Imported")),
              ("cancelled", _("Cancelled"))]

    kind = models.CharField(_("sheet"), max_length=20)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                              related_name="+")
    campaign = models.ForeignKey(SurveyCampaign, null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    # the object a kind writes into (a control list), for kinds that have one; the kind says what it is
    target_id = models.PositiveBigIntegerField(null=True, blank=True)
    file_name = models.CharField(_("file"), max_length=255)
    file = models.FileField(upload_to="imports/%Y/%m/", blank=True)
    sha256 = models.CharField(max_length=64)
    status = models.CharField(_("status"), max_length=12, choices=STATUS, default="validated")
    progress = models.PositiveSmallIntegerField(default=0)
    rows = models.PositiveIntegerField(default=0)
    created = models.PositiveIntegerField(default=0)
    updated = models.PositiveIntegerField(default=0)
    unchanged = models.PositiveIntegerField(default=0)
    errors = models.JSONField(default=list, blank=True)
    error_count = models.PositiveIntegerField(default=0)
    warnings = models.JSONField(default=list, blank=True)
    preview = models.JSONField(default=list, blank=True)
    overwritten = models.JSONField(_("values overwritten"), default=list, blank=True)
    started_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("import")
        verbose_name_plural = _("imports")
        permissions = [("import_data", _("Can import spreadsheets into the inventory"))]
        ordering = ["-started_at"]

    def __str__(self):
        return f"{self.file_name} ({self.kind})"
