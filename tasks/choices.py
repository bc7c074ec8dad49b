from django.db import models
from django.utils.translation import gettext_lazy as _


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")


class Cadence(models.TextChoices):
    MONTHLY = "monthly", _("Monthly")
    QUARTERLY = "quarterly", _("Quarterly")


class TaskStatus(models.TextChoices):
    NOT_STARTED = "not_started", _("Not started")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed")
    OVERDUE = "overdue", _("Overdue")
    CLOSED = "closed", _("Closed")


class AlertColour(models.TextChoices):
    NONE = "", _("On track")
    BLUE = "blue", _("Due soon")
    YELLOW = "yellow", _("Behind or returned")
    RED = "red", _("Overdue")


class ReportStatus(models.TextChoices):
    SUBMITTED = "submitted", _("Submitted")
    ACCEPTED = "accepted", _("Accepted")
    RETURNED = "returned", _("Returned")


class ExtensionStatus(models.TextChoices):
    PENDING = "pending", _("Pending")
    APPROVED = "approved", _("Approved")
    REFUSED = "refused", _("Refused")


class Comparator(models.TextChoices):
    AT_LEAST = "gte", "≥"
    AT_MOST = "lte", "≤"


class ReminderKind(models.TextChoices):
    DEADLINE = "deadline", _("Deadline approaching")
    OVERDUE = "overdue", _("Overdue")
    ESCALATION = "escalation", _("Escalated: overdue more than 7 days")
    REPORT_CHASE = "report_chase", _("Progress report missing")
    REVIEW_PENDING = "review_pending", _("Progress report waiting for review")
    DIGEST = "digest", _("Daily digest")


class Channel(models.TextChoices):
    IN_APP = "in_app", _("In-app")
    EMAIL = "email", _("E-mail")


class DocumentStatus(models.TextChoices):
    QUEUED = "queued", _("Queued")
    RUNNING = "running", _("Generating")
    DONE = "done", _("Ready")
    FAILED = "failed", _("Failed")
