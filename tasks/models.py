"""Action plans and what they assign: tasks, each responsible unit's progress line and reports,
extension requests, indicators, reminders sent, and generated progress-report documents."""
from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.models import Department, Region
from portal.recovery import JobRow

from .choices import (
    Cadence,
    Channel,
    Comparator,
    DocumentStatus,
    ExtensionStatus,
    PlanStatus,
    ReminderKind,
    ReportStatus,
    TaskStatus,
)
from .querysets import PlanQuerySet, TaskQuerySet

percent_validators = [MinValueValidator(0), MaxValueValidator(100)]


class ActionPlan(models.Model):
    """An official plan document (新污染物治理工作方案) as issued, and its reporting cadence."""

    title = models.CharField(_("title"), max_length=200)
    issuer = models.CharField(_("issuer"), max_length=200, blank=True)
    doc_number = models.CharField(_("document number"), max_length=100, blank=True)
    issued = models.DateField(_("date of issue"), null=True, blank=True)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="plans")
    status = models.CharField(_("status"), max_length=16, choices=PlanStatus.choices, default=PlanStatus.DRAFT)
    cadence = models.CharField(_("reporting cadence"), max_length=16, choices=Cadence.choices, default=Cadence.MONTHLY)
    report_day = models.PositiveSmallIntegerField(
        _("reports due on day"), default=25, validators=[MinValueValidator(1), MaxValueValidator(28)],
        help_text=_("Progress is due by this day of each reporting period."),
    )
    source_name = models.CharField(_("source file"), max_length=255, blank=True)
    source_text = models.TextField(_("source text"), blank=True)
    outline = models.JSONField(_("heading tree"), default=list, blank=True,
                               help_text=_("The plan's headings in order: label, level, title, paragraph, task."))
    dropped = models.JSONField(_("repeated passages dropped"), default=list, blank=True)
    parse_warnings = models.JSONField(_("parser warnings"), default=list, blank=True)
    imported_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.PROTECT, related_name="+")
    imported_at = models.DateTimeField(_("imported at"), default=timezone.now)
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)

    objects = PlanQuerySet.as_manager()
    region_field = "region"

    class Meta:
        verbose_name = _("action plan")
        verbose_name_plural = _("action plans")
        ordering = ["-imported_at"]
        permissions = [("import_plan", _("Can import and publish action plans"))]

    def __str__(self):
        return self.title


class PlanParagraph(models.Model):
    """One paragraph of the plan's source text, as shown beside the parsed tasks."""

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="paragraphs")
    index = models.PositiveIntegerField()
    text = models.TextField()

    class Meta:
        ordering = ["plan", "index"]
        constraints = [models.UniqueConstraint(fields=["plan", "index"], name="plan_paragraph_unique")]

    def __str__(self):
        return f"{self.plan_id}:{self.index}"


class Task(models.Model):
    """One item of a plan (工作举措) with its lead and co-responsible departments and deadline."""

    plan = models.ForeignKey(ActionPlan, verbose_name=_("plan"), on_delete=models.CASCADE, related_name="tasks")
    order = models.PositiveIntegerField(_("order"), default=0)
    label = models.CharField(_("item"), max_length=64)
    title = models.CharField(_("title"), max_length=300)
    text = models.TextField(_("text"))
    clause = models.CharField(_("responsibility clause as written"), max_length=1000, blank=True)
    source_paragraphs = models.ManyToManyField(PlanParagraph, blank=True, related_name="tasks")
    implementers = models.JSONField(_("implementing governments"), default=list, blank=True)
    deadline = models.DateField(_("deadline"), null=True, blank=True)
    deadline_text = models.CharField(_("deadline as written"), max_length=200, blank=True)
    deadlines = models.JSONField(_("all deadlines named"), default=list, blank=True)
    recurring = models.CharField(_("recurring"), max_length=50, blank=True)
    start_date = models.DateField(_("start date"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=TaskStatus.choices, default=TaskStatus.NOT_STARTED)
    progress = models.PositiveSmallIntegerField(_("progress %"), default=0, validators=percent_validators)
    completed_at = models.DateTimeField(
        _("completed at"), null=True, blank=True,
        help_text=_("When the lead department submitted the report of 100% that completed the task."))
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = TaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("task")
        verbose_name_plural = _("tasks")
        ordering = ["plan", "order"]
        permissions = [
            ("report_progress", _("Can report progress on own department's tasks")),
            ("review_progress", _("Can review progress, decide extensions and close tasks")),
            ("comment_task", _("Can leave instructions on tasks")),
        ]
        indexes = [models.Index(fields=["deadline"], name="task_deadline")]

    def __str__(self):
        return f"{self.label} {self.title}"

    @property
    def completed_on(self):
        """The day (Beijing time) the task was completed, if it was."""
        return timezone.localdate(self.completed_at) if self.completed_at else None

    @property
    def completed_late(self) -> bool:
        return bool(self.completed_on and self.deadline and self.completed_on > self.deadline)


class TaskAssignment(models.Model):
    """A responsible unit's share of a task: its own progress line. `written_name` keeps the name as
    the plan wrote it; `department` is empty until it is matched or mapped by a person."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="assignments")
    department = models.ForeignKey(Department, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="task_assignments", verbose_name=_("department"))
    written_name = models.CharField(_("name as written"), max_length=128)
    is_lead = models.BooleanField(_("lead"), default=False)
    order = models.PositiveSmallIntegerField(default=0)
    progress = models.PositiveSmallIntegerField(_("accepted progress %"), default=0, validators=percent_validators)
    last_report_at = models.DateTimeField(null=True, blank=True)
    awaiting_resubmission = models.BooleanField(_("returned, awaiting a new report"), default=False)

    class Meta:
        verbose_name = _("responsible unit")
        verbose_name_plural = _("responsible units")
        ordering = ["task", "-is_lead", "order"]
        constraints = [
            models.UniqueConstraint(fields=["task", "department"], name="assignment_unique_department",
                                    condition=Q(department__isnull=False)),
        ]

    def __str__(self):
        return str(self.department or self.written_name)


class TaskLink(models.Model):
    """A task's link to a substance, enterprise or control measure (used by later features)."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="links")
    content_type = models.ForeignKey(ContentType, on_delete=models.CASCADE)
    object_id = models.PositiveBigIntegerField()
    target = GenericForeignKey("content_type", "object_id")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["task", "content_type", "object_id"], name="task_link_unique")]

    def __str__(self):
        return f"{self.task_id} → {self.content_type_id}:{self.object_id}"


class ProgressReport(models.Model):
    """A unit's report on its part of a task for one period (进展报送)."""

    assignment = models.ForeignKey(TaskAssignment, on_delete=models.CASCADE, related_name="reports")
    period = models.DateField(_("period"), help_text=_("First day of the reporting period."))
    narrative = models.TextField(_("progress"))
    percent = models.PositiveSmallIntegerField(_("percent complete"), validators=percent_validators)
    decrease_reason = models.CharField(_("reason for a lower percentage"), max_length=500, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=ReportStatus.choices, default=ReportStatus.SUBMITTED)
    submitted_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    submitted_at = models.DateTimeField(_("submitted at"), default=timezone.now)
    reviewed_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                    related_name="+")
    reviewed_at = models.DateTimeField(_("reviewed at"), null=True, blank=True)
    return_reason = models.CharField(_("reason for return"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("progress report")
        verbose_name_plural = _("progress reports")
        ordering = ["-submitted_at", "-id"]
        indexes = [models.Index(fields=["assignment", "period"], name="report_assignment_period")]

    def __str__(self):
        return f"{self.assignment} {self.period:%Y-%m}"


def evidence_path(instance, filename):
    return f"evidence/{timezone.now():%Y/%m}/{instance.sha256[:2]}/{instance.sha256}"


class Evidence(models.Model):
    """A file attached to a progress report: type checked by content, size-limited, stored under a
    name derived from its hash (the original name is kept for display only)."""

    report = models.ForeignKey(ProgressReport, on_delete=models.CASCADE, related_name="evidence")
    file = models.FileField(upload_to=evidence_path, max_length=200)
    original_name = models.CharField(_("file name"), max_length=255)
    content_type = models.CharField(max_length=100)
    size = models.PositiveIntegerField()
    sha256 = models.CharField(max_length=64)

    class Meta:
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")

    def __str__(self):
        return self.original_name


class ExtensionRequest(models.Model):
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="extension_requests")
    department = models.ForeignKey(Department, on_delete=models.PROTECT, related_name="+")
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(default=timezone.now)
    current_deadline = models.DateField(_("current deadline"), null=True, blank=True)
    new_deadline = models.DateField(_("requested deadline"))
    reason = models.TextField(_("reason"))
    status = models.CharField(_("status"), max_length=16, choices=ExtensionStatus.choices,
                              default=ExtensionStatus.PENDING)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.PROTECT,
                                   related_name="+")
    decided_at = models.DateTimeField(null=True, blank=True)
    decision_note = models.CharField(_("decision note"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("extension request")
        verbose_name_plural = _("extension requests")
        ordering = ["-requested_at"]

    def __str__(self):
        return f"{self.task_id} → {self.new_deadline}"


class TaskComment(models.Model):
    """A leader's instruction (批示) on a task, seen by its departments."""

    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="comments")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    text = models.TextField(_("instruction"))
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at"]

    def __str__(self):
        return self.text[:50]


class Indicator(models.Model):
    """A target of the plan (e.g. 农药包装废弃物回收率 ≥ 80% by 2025-12-31)."""

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="indicators")
    name = models.CharField(_("indicator"), max_length=200)
    unit = models.CharField(_("unit"), max_length=20, default="%")
    comparator = models.CharField(_("comparator"), max_length=3, choices=Comparator.choices, default=Comparator.AT_LEAST)
    target = models.DecimalField(_("target"), max_digits=12, decimal_places=2)
    deadline = models.DateField(_("deadline"))
    department = models.ForeignKey(Department, verbose_name=_("responsible department"), on_delete=models.PROTECT,
                                   related_name="indicators")

    class Meta:
        verbose_name = _("indicator")
        verbose_name_plural = _("indicators")
        ordering = ["plan", "deadline", "name"]
        constraints = [models.UniqueConstraint(fields=["plan", "name"], name="indicator_unique_name")]

    def __str__(self):
        return self.name


class IndicatorValue(models.Model):
    indicator = models.ForeignKey(Indicator, on_delete=models.CASCADE, related_name="values")
    period = models.DateField(_("period"))
    value = models.DecimalField(_("value"), max_digits=12, decimal_places=2)
    note = models.CharField(_("note"), max_length=500, blank=True)
    reported_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    reported_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["indicator", "-period"]
        constraints = [models.UniqueConstraint(fields=["indicator", "period"], name="indicator_value_per_period")]

    def __str__(self):
        return f"{self.indicator_id} {self.period:%Y-%m} {self.value}"


class ReminderDispatch(models.Model):
    """One reminder decided and sent. The unique constraint makes every reminder go out exactly once,
    however often and however concurrently the scan runs."""

    kind = models.CharField(max_length=20, choices=ReminderKind.choices)
    task = models.ForeignKey(Task, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    due_date = models.DateField()
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    channel = models.CharField(max_length=10, choices=Channel.choices)
    created_at = models.DateTimeField(default=timezone.now)
    sent_at = models.DateTimeField(null=True, blank=True)
    detail = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["kind", "task", "due_date", "recipient", "channel"],
                                    name="reminder_once", nulls_distinct=False),
        ]
        indexes = [models.Index(fields=["channel", "sent_at"], name="reminder_unsent")]

    def __str__(self):
        return f"{self.kind} {self.task_id} {self.due_date} → {self.recipient_id} ({self.channel})"


def document_path(instance, filename):
    return f"reports/{timezone.now():%Y/%m}/{filename}"


class ReportDocument(JobRow):
    """A generated PDF progress report for one plan and period, scoped to the person it was made for."""

    plan = models.ForeignKey(ActionPlan, on_delete=models.CASCADE, related_name="documents")
    period = models.DateField(_("period"))
    recipient = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    status = models.CharField(max_length=16, choices=DocumentStatus.choices, default=DocumentStatus.QUEUED)
    progress = models.PositiveSmallIntegerField(default=0)
    file = models.FileField(upload_to=document_path, blank=True)
    pages = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=500, blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    automatic = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("progress report document")
        verbose_name_plural = _("progress report documents")
        ordering = ["-requested_at"]

    def __str__(self):
        return f"{self.plan_id} {self.period:%Y-%m} → {self.recipient_id}"
