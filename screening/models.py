"""Screening and assessment: hazard records per substance, versioned criteria profiles, screening runs
with every substance's result and reasons, and four-step risk assessments that may end in a proposal
for the local supplementary control list."""
from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from inventory.models import Substance
from portal.models import Region
from portal.permissions import ScopedQuerySet
from portal.recovery import JobRow

from .choices import (
    AssessmentConclusion,
    AssessmentStatus,
    Compartment,
    Endpoint,
    ProposalStatus,
    Qualifier,
    RecordSource,
    RunStatus,
)


class StoredJSONField(models.JSONField):
    """PostgreSQL `json`, not `jsonb`: for documents written once (by COPY) and read whole, never
    searched inside — PostgreSQL stores them as written instead of converting each one, which makes
    writing a run's 50,000 results markedly faster."""

    def db_type(self, connection):
        return "json"

    def from_db_value(self, value, expression, connection):
        if isinstance(value, (dict, list)):  # psycopg2 has already parsed a json column
            return value
        return super().from_db_value(value, expression, connection)


class HazardRecord(models.Model):
    """One endpoint value of one substance, with where it comes from and how reliable it is. The value
    is kept in the endpoint's canonical unit (days, L/kg, mg/L) beside what was entered."""

    substance = models.ForeignKey(Substance, on_delete=models.PROTECT, related_name="hazard_records",
                                  verbose_name=_("substance"))
    endpoint = models.CharField(_("endpoint"), max_length=24, choices=Endpoint.choices)
    compartment = models.CharField(_("compartment"), max_length=16, choices=Compartment.choices, blank=True)
    qualifier = models.CharField(_("qualifier"), max_length=2, choices=Qualifier.choices, default=Qualifier.EQ)
    value = models.DecimalField(_("value (canonical unit)"), max_digits=24, decimal_places=10, null=True, blank=True)
    entered_value = models.CharField(_("value as entered"), max_length=40, blank=True)
    entered_unit = models.CharField(_("unit as entered"), max_length=16, blank=True)
    category = models.CharField(_("category"), max_length=8, blank=True,
                                help_text=_("GHS category (1A, 1B, 2 …) or yes/no for listings and endocrine disruption."))
    reliability = models.PositiveSmallIntegerField(_("reliability (Klimisch)"), default=2,
                                                   choices=[(1, "1"), (2, "2"), (3, "3"), (4, "4")])
    source = models.CharField(_("source"), max_length=16, choices=RecordSource.choices, default=RecordSource.DATABASE)
    reference = models.CharField(_("reference"), max_length=500, blank=True)
    note = models.TextField(_("note"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("hazard record")
        verbose_name_plural = _("hazard records")
        ordering = ["substance_id", "endpoint", "compartment", "reliability", "pk"]
        indexes = [models.Index(fields=["substance", "endpoint"], name="hazard_substance_endpoint")]

    def __str__(self):
        return f"{self.substance_id} {self.endpoint} {self.qualifier}{self.value}"


class CriteriaProfile(models.Model):
    """A screening method (GB/T 24782 PBT/vPvB, Stockholm Annex D, HJ 1229-style prioritisation)."""

    code = models.CharField(_("code"), max_length=20, unique=True)
    name = models.CharField(_("name"), max_length=200)
    basis = models.TextField(_("basis"), blank=True)

    class Meta:
        verbose_name = _("criteria profile")
        verbose_name_plural = _("criteria profiles")
        ordering = ["code"]

    def __str__(self):
        return self.name

    @property
    def current(self):
        return self.versions.order_by("-number").first()


class ProfileVersion(models.Model):
    """One version of a profile's thresholds. Never changed once saved: editing makes a new version,
    so a run always reads the thresholds it was made with."""

    profile = models.ForeignKey(CriteriaProfile, on_delete=models.PROTECT, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    thresholds = models.JSONField(_("thresholds"))
    note = models.CharField(_("what changed"), max_length=500, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("profile version")
        verbose_name_plural = _("profile versions")
        ordering = ["profile", "-number"]
        constraints = [models.UniqueConstraint(fields=["profile", "number"], name="profile_version_unique")]

    def __str__(self):
        return f"{self.profile} v{self.number}"


class ScreeningRun(JobRow):
    """One screening of the substances of a region and survey year with one profile version."""

    version = models.ForeignKey(ProfileVersion, on_delete=models.PROTECT, related_name="runs",
                                verbose_name=_("profile version"))
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="screening_runs",
                               verbose_name=_("region"))
    year = models.PositiveSmallIntegerField(_("survey year"))
    title = models.CharField(_("title"), max_length=200, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=RunStatus.choices, default=RunStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    substances = models.PositiveIntegerField(_("substances screened"), default=0)
    error = models.TextField(blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    region_field = "region"

    class Meta:
        verbose_name = _("screening run")
        verbose_name_plural = _("screening runs")
        ordering = ["-created_at"]
        permissions = [("run_screening", _("Can run screenings and override tiers"))]

    def __str__(self):
        return self.title or f"{self.version} · {self.region} · {self.year}"


class ScreeningResult(models.Model):
    """One substance in one run: the inputs it used (a snapshot), each criterion's outcome with its
    reason, hazard flags, exposure indicators, tier and rank — and a tier override with its reason."""

    run = models.ForeignKey(ScreeningRun, on_delete=models.CASCADE, related_name="results")
    substance = models.ForeignKey(Substance, on_delete=models.PROTECT, related_name="screening_results")
    rank = models.PositiveIntegerField(_("rank"))
    tier = models.CharField(_("tier"), max_length=20)
    tier_reason = models.CharField(_("why this tier"), max_length=500, blank=True)
    flags = models.JSONField(_("hazard flags"), default=list)
    criteria = StoredJSONField(_("criteria"), default=list)
    exposure = StoredJSONField(_("exposure"), default=dict)
    inputs = StoredJSONField(_("inputs"), default=dict)
    override_tier = models.CharField(_("tier set by a person"), max_length=20, blank=True)
    override_reason = models.TextField(_("justification"), blank=True)
    overridden_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                      related_name="+")
    overridden_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("screening result")
        verbose_name_plural = _("screening results")
        ordering = ["run", "rank"]
        constraints = [models.UniqueConstraint(fields=["run", "substance"], name="screening_result_unique")]
        indexes = [models.Index(fields=["run", "rank"], name="screening_result_rank"),
                   models.Index(fields=["run", "tier"], name="screening_result_tier")]

    def __str__(self):
        return f"{self.run_id} #{self.rank} {self.substance_id} {self.tier}"

    @property
    def effective_tier(self):
        return self.override_tier or self.tier


class RiskAssessment(models.Model):
    """The national four-step assessment of one substance (危害识别, 剂量—反应评估, 暴露评估, 风险表征)."""

    substance = models.ForeignKey(Substance, on_delete=models.PROTECT, related_name="assessments")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="assessments")
    result = models.ForeignKey(ScreeningResult, null=True, blank=True, on_delete=models.SET_NULL,
                               related_name="assessments", verbose_name=_("screening result"))
    title = models.CharField(_("title"), max_length=200)
    hazard_identification = models.TextField(_("hazard identification"), blank=True)
    dose_response = models.TextField(_("dose–response assessment"), blank=True)
    exposure_assessment = models.TextField(_("exposure assessment"), blank=True)
    risk_characterisation = models.TextField(_("risk characterisation"), blank=True)
    conclusion = models.CharField(_("conclusion"), max_length=16, choices=AssessmentConclusion.choices, blank=True)
    recommended_measures = models.TextField(_("recommended measures"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=AssessmentStatus.choices,
                              default=AssessmentStatus.DRAFT)
    review_note = models.TextField(_("review note"), blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    submitted_at = models.DateTimeField(null=True, blank=True)
    reviewed_at = models.DateTimeField(null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    region_field = "region"

    class Meta:
        verbose_name = _("risk assessment")
        verbose_name_plural = _("risk assessments")
        ordering = ["-created_at"]
        permissions = [("approve_riskassessment", _("Can approve risk assessments"))]

    def __str__(self):
        return self.title


class AssessmentAttachment(models.Model):
    assessment = models.ForeignKey(RiskAssessment, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="assessments/%Y/%m/")
    original_name = models.CharField(max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    def __str__(self):
        return self.original_name


class ControlProposal(models.Model):
    """An approved assessment concluding 需管控 proposes the substance for the local supplementary list;
    the controls feature turns it into a draft entry (or declines it, with a reason)."""

    assessment = models.OneToOneField(RiskAssessment, on_delete=models.PROTECT, related_name="proposal")
    substance = models.ForeignKey(Substance, on_delete=models.PROTECT, related_name="control_proposals")
    region = models.ForeignKey(Region, on_delete=models.PROTECT, related_name="control_proposals")
    measures = models.TextField(_("recommended measures"), blank=True)
    status = models.CharField(_("status"), max_length=12, choices=ProposalStatus.choices, default=ProposalStatus.OPEN)
    decided_note = models.TextField(blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ScopedQuerySet.as_manager()
    region_field = "region"

    class Meta:
        verbose_name = _("control proposal")
        verbose_name_plural = _("control proposals")
        ordering = ["-created_at"]

    def __str__(self):
        return f"{self.substance} → {self.region}"
