"""Controls: versioned control lists (清单) with their entries and 一品一策 measures, the controlled-enterprise
list (一名单) with its publications, and 双随机、一公开 inspections."""
from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from inventory.models import Enterprise, Substance, SubstanceGroup
from portal.models import Department, Region
from portal.permissions import ScopedQuerySet, region_q, scope_region

from .choices import (
    DrawStatus,
    EnterpriseStatus,
    EntryCategory,
    InspectionResult,
    Jurisdiction,
    ListKind,
    ListStatus,
    MeasureStatus,
    MeasureType,
    RectificationStatus,
)

# ---------------------------------------------------------------- lists, entries, measures

class ControlListQuerySet(models.QuerySet):
    def visible_to(self, user):
        """National lists (no region) are visible to every active signed-in user; a regional list to users
        whose scope covers its region (the province sees its cities' lists) or lies inside it (a county sees
        its city's and province's lists, which apply there too). Another province's lists stay hidden."""
        if not getattr(user, "is_authenticated", False) or not user.is_active:
            return self.none()
        scope = scope_region(user)
        above = Q(region__code__in=[code for code in scope.path.split("/") if code]) if scope else Q(pk__in=[])
        return self.filter(Q(region__isnull=True) | region_q(user, "region") | above)

    def in_force(self):
        return self.filter(status=ListStatus.IN_FORCE)


class ControlList(models.Model):
    """One edition of a list (重点管控新污染物清单 2023年版, 优先控制化学品名录 第一批, a local supplement…).
    A new edition is a new row pointing to the one it replaces through `previous`."""

    kind = models.CharField(_("kind"), max_length=20, choices=ListKind.choices)
    name = models.CharField(_("name"), max_length=200)
    issuer = models.CharField(_("issuer"), max_length=300, blank=True)
    edition = models.CharField(_("edition"), max_length=50, help_text=_("For example 2023年版 or 第一批."))
    year = models.PositiveSmallIntegerField(_("year"))
    doc_number = models.CharField(_("document number"), max_length=100, blank=True)
    effective_on = models.DateField(_("effective on"), null=True, blank=True)
    jurisdiction = models.CharField(_("jurisdiction"), max_length=10, choices=Jurisdiction.choices)
    region = models.ForeignKey(Region, verbose_name=_("region"), null=True, blank=True, on_delete=models.PROTECT,
                               related_name="control_lists", help_text=_("Empty for a national list."))
    base = models.ForeignKey("self", verbose_name=_("builds on"), null=True, blank=True, on_delete=models.PROTECT,
                             related_name="supplements")
    status = models.CharField(_("status"), max_length=12, choices=ListStatus.choices, default=ListStatus.DRAFT)
    previous = models.ForeignKey("self", verbose_name=_("previous edition"), null=True, blank=True,
                                 on_delete=models.PROTECT, related_name="next_editions")
    note = models.TextField(_("note"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = ControlListQuerySet.as_manager()
    region_field = "region"

    class Meta:
        verbose_name = _("control list")
        verbose_name_plural = _("control lists")
        ordering = ["kind", "-year", "edition"]
        permissions = [("manage_controllist", _("Can edit control lists, entries and measures"))]
        constraints = [
            models.UniqueConstraint(fields=["kind", "name", "edition"], condition=Q(region__isnull=True),
                                    name="control_list_national_unique"),
            models.UniqueConstraint(fields=["kind", "name", "edition", "region"], name="control_list_unique"),
        ]

    def __str__(self):
        return f"{self.name}（{self.edition}）"

    def clean(self):
        if self.jurisdiction == Jurisdiction.NATIONAL and self.region_id is not None:
            raise ValidationError({"region": _("A national list has no region.")})
        if self.jurisdiction != Jurisdiction.NATIONAL and self.region_id is None:
            raise ValidationError({"region": _("A provincial or city list needs its region.")})


class ControlEntry(models.Model):
    """One numbered entry of a list: a substance or a group (PFOS类) with its member CAS numbers."""

    list = models.ForeignKey(ControlList, verbose_name=_("list"), on_delete=models.CASCADE, related_name="entries")
    number = models.PositiveSmallIntegerField(_("number"))
    code = models.CharField(_("code"), max_length=20, blank=True, help_text=_("The list's own code, e.g. PC001."))
    name = models.CharField(_("name"), max_length=300)
    name_en = models.CharField(_("English name"), max_length=300, blank=True)
    category = models.CharField(_("category"), max_length=12, choices=EntryCategory.choices,
                                default=EntryCategory.OTHER)
    is_group = models.BooleanField(_("group of substances"), default=False)
    covers = models.TextField(_("what else it covers"), blank=True,
                              help_text=_("For example 及其盐类和相关化合物."))
    substances = models.ManyToManyField(Substance, through="EntrySubstance", blank=True, related_name="control_entries",
                                        verbose_name=_("substances"))
    group = models.ForeignKey(SubstanceGroup, verbose_name=_("substance group"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="control_entries")
    summary = models.TextField(_("measures as written"), blank=True)
    verified = models.BooleanField(_("verified"), default=False,
                                   help_text=_("The entry's CAS numbers and measures were checked against the source."))
    to_confirm = models.TextField(_("to be confirmed"), blank=True,
                                  help_text=_("What a person must still check or complete."))
    proposal = models.ForeignKey("screening.ControlProposal", verbose_name=_("proposal"), null=True, blank=True,
                                 on_delete=models.SET_NULL, related_name="entries")

    objects = ScopedQuerySet.as_manager()
    region_field = "list__region"

    class Meta:
        verbose_name = _("control list entry")
        verbose_name_plural = _("control list entries")
        ordering = ["list", "number"]
        constraints = [models.UniqueConstraint(fields=["list", "number"], name="control_entry_number_unique")]

    def __str__(self):
        return f"{self.number}. {self.name}"


class EntrySubstance(models.Model):
    """A CAS number an entry names. The CAS is kept as text so an entry can name a substance not yet in
    the directory; `substance` links it once one exists."""

    entry = models.ForeignKey(ControlEntry, on_delete=models.CASCADE, related_name="entry_substances")
    substance = models.ForeignKey(Substance, null=True, blank=True, on_delete=models.PROTECT,
                                  related_name="entry_links")
    cas = models.CharField(_("CAS RN"), max_length=12)
    name = models.CharField(_("name"), max_length=255, blank=True)

    class Meta:
        verbose_name = _("entry substance")
        verbose_name_plural = _("entry substances")
        ordering = ["entry", "pk"]
        constraints = [models.UniqueConstraint(fields=["entry", "cas"], name="entry_substance_cas_unique")]
        indexes = [models.Index(fields=["cas"], name="entry_substance_cas")]

    def __str__(self):
        return self.cas


class ControlMeasure(models.Model):
    """One typed measure of an entry (一品一策): a ban, a restriction, an exemption with its end date…
    A measure with a date may later create a task due `task_days_after` days after `ends_on`."""

    entry = models.ForeignKey(ControlEntry, verbose_name=_("entry"), on_delete=models.CASCADE,
                              related_name="measures")
    type = models.CharField(_("type"), max_length=20, choices=MeasureType.choices)
    scope = models.TextField(_("scope"), blank=True)
    effective_on = models.DateField(_("effective on"), null=True, blank=True)
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    legal_basis = models.TextField(_("legal basis"), blank=True)
    departments = models.ManyToManyField(Department, blank=True, related_name="control_measures",
                                         verbose_name=_("responsible departments"))
    verified = models.BooleanField(_("verified"), default=False)
    task_days_after = models.PositiveSmallIntegerField(_("task due days after the end date"), null=True, blank=True)

    class Meta:
        verbose_name = _("control measure")
        verbose_name_plural = _("control measures")
        ordering = ["entry", "pk"]

    def __str__(self):
        return f"{self.entry.name} · {self.get_type_display()}"

    def clean(self):
        errors = {}
        if self.effective_on and self.ends_on and self.ends_on < self.effective_on:
            errors["ends_on"] = _("The end date cannot be before the effective date.")
        if self.type == MeasureType.EXEMPTION and not self.ends_on:
            errors["ends_on"] = _("An exempted use needs its end date.")
        if errors:
            raise ValidationError(errors)


# ---------------------------------------------------------------- the controlled-enterprise list (一名单)

class ControlledEnterprise(models.Model):
    """An enterprise on the controlled-enterprise list of a list in force: derived from survey lines or
    other evidence, then confirmed, added or removed (with a reason) by the bureau."""

    list = models.ForeignKey(ControlList, verbose_name=_("list"), on_delete=models.PROTECT,
                             related_name="controlled_enterprises")
    enterprise = models.ForeignKey(Enterprise, verbose_name=_("enterprise"), on_delete=models.PROTECT,
                                   related_name="controlled")
    status = models.CharField(_("status"), max_length=10, choices=EnterpriseStatus.choices,
                              default=EnterpriseStatus.DERIVED)
    removed_reason = models.TextField(_("reason for removal"), blank=True)
    evidence = models.TextField(_("evidence"), blank=True)
    basis = models.JSONField(_("basis"), default=dict, blank=True,
                             help_text=_("Survey lines, entries and quantities that put the enterprise on the list."))
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("decided by"))
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ScopedQuerySet.as_manager()
    region_field = "enterprise__region"

    class Meta:
        verbose_name = _("controlled enterprise")
        verbose_name_plural = _("controlled enterprises")
        ordering = ["enterprise__name"]
        permissions = [("manage_controlledenterprise", _("Can confirm, add and remove controlled enterprises")),
                       ("publish_controlledenterprise", _("Can publish the controlled-enterprise list"))]
        constraints = [models.UniqueConstraint(fields=["list", "enterprise"], name="controlled_enterprise_unique")]

    def __str__(self):
        return f"{self.enterprise} · {self.list}"

    def clean(self):
        if self.status == EnterpriseStatus.REMOVED and not self.removed_reason.strip():
            raise ValidationError({"removed_reason": _("Give the reason for removing the enterprise.")})


class ControlledEnterpriseMeasure(models.Model):
    """How far an enterprise on the list has implemented one applicable measure."""

    controlled = models.ForeignKey(ControlledEnterprise, on_delete=models.CASCADE, related_name="measures")
    measure = models.ForeignKey(ControlMeasure, verbose_name=_("measure"), on_delete=models.PROTECT,
                                related_name="enterprise_statuses")
    status = models.CharField(_("status"), max_length=12, choices=MeasureStatus.choices,
                              default=MeasureStatus.PENDING)
    note = models.TextField(_("note"), blank=True)
    updated_at = models.DateTimeField(auto_now=True)
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")

    class Meta:
        verbose_name = _("measure status of a controlled enterprise")
        verbose_name_plural = _("measure statuses of controlled enterprises")
        permissions = [("update_measure_status", _("Can update the implementation status of own department's "
                                                   "measures"))]
        constraints = [models.UniqueConstraint(fields=["controlled", "measure"],
                                               name="controlled_enterprise_measure_unique")]

    def __str__(self):
        return f"{self.controlled.enterprise} · {self.measure} · {self.get_status_display()}"


class ControlledEnterpriseListPublication(models.Model):
    """A dated, numbered publication of a region's controlled-enterprise list. `snapshot` holds only what
    is public (name, credit code, region, entries, measures) — never contacts or quantities."""

    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT,
                               related_name="controlled_enterprise_publications")
    list = models.ForeignKey(ControlList, verbose_name=_("list"), on_delete=models.PROTECT,
                             related_name="publications")
    number = models.PositiveIntegerField(_("version"))
    published_at = models.DateTimeField(_("published at"))
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                     related_name="+", verbose_name=_("published by"))
    snapshot = models.JSONField(_("published content"), default=dict)
    note = models.TextField(_("note"), blank=True)

    objects = ScopedQuerySet.as_manager()
    region_field = "region"

    class Meta:
        verbose_name = _("controlled-enterprise list publication")
        verbose_name_plural = _("controlled-enterprise list publications")
        ordering = ["region", "list", "-number"]
        constraints = [models.UniqueConstraint(fields=["region", "list", "number"],
                                               name="controlled_enterprise_publication_unique")]

    def __str__(self):
        return f"{self.region} · {self.list} · {self.number}"


# ---------------------------------------------------------------- 双随机、一公开

class InspectionDraw(models.Model):
    """A random draw of enterprises and inspectors from a recorded seed, so anyone can re-run it and get
    the same result. `result` keeps enterprise and inspector ids in drawn order."""

    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT,
                               related_name="inspection_draws")
    list = models.ForeignKey(ControlList, verbose_name=_("list"), null=True, on_delete=models.PROTECT,
                             related_name="inspection_draws",
                             help_text=_("Enterprises are drawn from this list's controlled-enterprise list."))
    plan = models.ForeignKey("tasks.ActionPlan", verbose_name=_("plan for rectification tasks"), null=True,
                             blank=True, on_delete=models.PROTECT, related_name="inspection_draws",
                             help_text=_("Rectifications become tasks of this plan, so reminders cover their "
                                         "deadlines."))
    department = models.ForeignKey(Department, verbose_name=_("responsible department"), null=True, blank=True,
                                   on_delete=models.PROTECT, related_name="inspection_draws")
    pool = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="inspector_pools",
                                  verbose_name=_("inspector pool"))
    title = models.CharField(_("title"), max_length=200)
    seed = models.CharField(_("seed"), max_length=64, blank=True)
    n_enterprises = models.PositiveIntegerField(_("number of enterprises"))
    n_inspectors = models.PositiveIntegerField(_("inspectors per enterprise"))
    strata = models.JSONField(_("strata"), default=dict, blank=True)
    exclude_same_county = models.BooleanField(_("exclude inspectors from the enterprise's county"), default=False)
    status = models.CharField(_("status"), max_length=10, choices=DrawStatus.choices, default=DrawStatus.DRAFT)
    drawn_at = models.DateTimeField(_("drawn at"), null=True, blank=True)
    drawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                 related_name="+", verbose_name=_("drawn by"))
    result = models.JSONField(_("result"), default=dict, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+", verbose_name=_("created by"))
    created_at = models.DateTimeField(auto_now_add=True)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    objects = ScopedQuerySet.as_manager()
    region_field = "region"

    class Meta:
        verbose_name = _("inspection draw")
        verbose_name_plural = _("inspection draws")
        ordering = ["-created_at"]
        permissions = [("manage_inspection", _("Can draw, record and publish inspections"))]

    def __str__(self):
        return self.title


class Inspection(models.Model):
    """The inspection of one drawn enterprise: date, inspectors and result; published after approval."""

    draw = models.ForeignKey(InspectionDraw, verbose_name=_("draw"), on_delete=models.PROTECT,
                             related_name="inspections")
    enterprise = models.ForeignKey(Enterprise, verbose_name=_("enterprise"), on_delete=models.PROTECT,
                                   related_name="inspections")
    inspectors = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="inspections",
                                        verbose_name=_("inspectors"))
    inspected_on = models.DateField(_("inspected on"), null=True, blank=True)
    result = models.CharField(_("result"), max_length=10, choices=InspectionResult.choices, blank=True)
    summary = models.TextField(_("summary"), blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("recorded by"))
    recorded_at = models.DateTimeField(_("recorded at"), null=True, blank=True)
    approved = models.BooleanField(_("approved"), default=False)
    approved_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("approved by"))
    approved_at = models.DateTimeField(_("approved at"), null=True, blank=True)
    published = models.BooleanField(_("published"), default=False)

    objects = ScopedQuerySet.as_manager()
    region_field = "enterprise__region"

    class Meta:
        verbose_name = _("inspection")
        verbose_name_plural = _("inspections")
        ordering = ["draw", "pk"]
        constraints = [models.UniqueConstraint(fields=["draw", "enterprise"], name="inspection_unique")]

    def __str__(self):
        return f"{self.enterprise} · {self.draw}"


class InspectionAttachment(models.Model):
    """A photo or document of an inspection, checked by content like progress evidence."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="attachments")
    file = models.FileField(upload_to="inspections/%Y/%m/", max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    uploaded_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("inspection attachment")
        verbose_name_plural = _("inspection attachments")
        ordering = ["inspection", "pk"]

    def __str__(self):
        return self.original_name


class InspectionFinding(models.Model):
    """One finding of an inspection, against an applicable measure where there is one."""

    inspection = models.ForeignKey(Inspection, on_delete=models.CASCADE, related_name="findings")
    measure = models.ForeignKey(ControlMeasure, verbose_name=_("measure"), null=True, blank=True,
                                on_delete=models.PROTECT, related_name="findings")
    text = models.TextField(_("finding"))

    class Meta:
        verbose_name = _("inspection finding")
        verbose_name_plural = _("inspection findings")
        ordering = ["inspection", "pk"]

    def __str__(self):
        return self.text[:50]


class Rectification(models.Model):
    """The correction a finding requires, with a deadline; closed after verification."""

    finding = models.ForeignKey(InspectionFinding, on_delete=models.CASCADE, related_name="rectifications")
    requirement = models.TextField(_("what must be corrected"), blank=True)
    deadline = models.DateField(_("deadline"))
    task = models.OneToOneField("tasks.Task", verbose_name=_("task"), null=True, blank=True,
                                on_delete=models.SET_NULL, related_name="rectification")
    verification_note = models.TextField(_("verification"), blank=True)
    status = models.CharField(_("status"), max_length=8, choices=RectificationStatus.choices,
                              default=RectificationStatus.OPEN)
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    verified_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+", verbose_name=_("verified by"))

    class Meta:
        verbose_name = _("rectification")
        verbose_name_plural = _("rectifications")
        ordering = ["deadline"]

    def __str__(self):
        return f"{self.finding} · {self.deadline}"
