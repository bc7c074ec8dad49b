"""Shared models of the portal: regions, departments, users, the audit trail and notifications."""
from django.contrib.auth.models import AbstractUser
from django.contrib.auth.models import UserManager as DjangoUserManager
from django.core.validators import RegexValidator
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .choices import AuditOutcome, DepartmentKind, NotificationLevel, RegionLevel
from .permissions import ScopedQuerySet

region_code_validator = RegexValidator(
    r"^\d{6}$", _("A region code has six digits (GB/T 2260), e.g. 140600.")
)


class Region(models.Model):
    """An administrative division (GB/T 2260). `path` holds the codes from the province down, so
    that 'this region and every region below it' is one indexed prefix match."""

    code = models.CharField(_("region code"), max_length=6, unique=True, validators=[region_code_validator])
    name = models.CharField(_("name"), max_length=64)
    level = models.CharField(_("level"), max_length=16, choices=RegionLevel.choices)
    parent = models.ForeignKey(
        "self", verbose_name=_("parent region"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="children",
    )
    path = models.CharField(_("path"), max_length=64, db_index=True, editable=False)
    is_active = models.BooleanField(_("in use"), default=True)

    objects = ScopedQuerySet.as_manager()
    region_field = ""

    class Meta:
        verbose_name = _("region")
        verbose_name_plural = _("regions")
        ordering = ["code"]
        indexes = [models.Index(fields=["path"], name="region_path_prefix", opclasses=["varchar_pattern_ops"])]

    def __str__(self):
        return self.name

    def save(self, *args, **kwargs):
        self.path = self.build_path()
        super().save(*args, **kwargs)

    def natural_key(self):
        return (self.code,)

    def build_path(self):
        return f"{self.parent.path}{self.code}/" if self.parent_id else f"{self.code}/"


class Department(models.Model):
    """A bureau, member department, local government or leadership office. `aliases` are the other
    ways plans write its name (市生态环境局 ↔ 朔州市生态环境局), kept in DepartmentAlias."""

    name = models.CharField(_("name"), max_length=128, unique=True)
    short_name = models.CharField(_("short name"), max_length=64, blank=True)
    region = models.ForeignKey(Region, verbose_name=_("region"), on_delete=models.PROTECT, related_name="departments")
    kind = models.CharField(_("kind"), max_length=24, choices=DepartmentKind.choices, default=DepartmentKind.MEMBER)
    is_active = models.BooleanField(_("in use"), default=True)

    objects = ScopedQuerySet.as_manager()
    region_field = "region"

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["region__code", "kind", "name"]

    def __str__(self):
        return self.name

    def natural_key(self):
        return (self.name,)


class DepartmentAlias(models.Model):
    name = models.CharField(_("alias"), max_length=128, unique=True)
    department = models.ForeignKey(Department, on_delete=models.CASCADE, related_name="aliases")

    class Meta:
        verbose_name = _("department alias")
        verbose_name_plural = _("department aliases")
        ordering = ["name"]

    def __str__(self):
        return self.name


class UserManager(DjangoUserManager.from_queryset(ScopedQuerySet)):
    pass


class User(AbstractUser):
    """A person using the portal. Every business user belongs to one department, and through it to
    one region; what they see is that region and the regions below it."""

    real_name = models.CharField(_("real name"), max_length=64, blank=True)
    department = models.ForeignKey(
        Department, verbose_name=_("department"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="users",
    )
    phone = models.CharField(
        _("phone"), max_length=20, blank=True,
        validators=[RegexValidator(r"^[0-9+\-() ]{5,20}$", _("Enter a valid phone number."))],
    )
    must_change_password = models.BooleanField(_("must change password"), default=False)
    password_changed_at = models.DateTimeField(_("password changed at"), null=True, blank=True)

    objects = UserManager()
    region_field = "department__region"

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["username"]
        permissions = [
            ("manage_roles", _("Can assign roles to users")),
            ("unlock_user", _("Can unlock locked-out accounts")),
            ("reset_admin_password", _("Can take part in resetting an administrator's password")),
            ("revoke_token", _("Can revoke other accounts' API tokens")),
        ]

    def __str__(self):
        return self.real_name or self.username

    @property
    def region(self):
        return self.department.region if self.department_id else None

    @property
    def masked_phone(self):
        from .utils import mask_phone

        return mask_phone(self.phone)


class PasswordResetRequestQuerySet(models.QuerySet):
    def lapsed_before(self, now=None):
        """The moment before which a request still pending has lapsed (PORTAL_ADMIN_RESET_REQUEST_HOURS)."""
        from django.conf import settings

        return (now or timezone.now()) - timezone.timedelta(hours=settings.PORTAL_ADMIN_RESET_REQUEST_HOURS)

    def waiting(self, now=None):
        """Requests still waiting for their confirmation."""
        return self.filter(status="pending", requested_at__gte=self.lapsed_before(now))

    def lapsed(self, now=None):
        return self.filter(status="pending", requested_at__lt=self.lapsed_before(now))


class PasswordResetRequest(models.Model):
    """Resetting the password of an administrator account takes two administrators (三员分立): one asks,
    another confirms. The new password is made of two halves; each administrator is shown only their own
    half, once, and hands it to the account's holder, who must change the password at first sign-in.
    `first_half` is kept only until the request is confirmed, cancelled or expired."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Waiting for confirmation")
        COMPLETED = "completed", _("Completed")
        CANCELLED = "cancelled", _("Cancelled")
        EXPIRED = "expired", _("Expired")

    target = models.ForeignKey(User, verbose_name=_("account"), on_delete=models.CASCADE,
                               related_name="password_reset_requests")
    requested_by = models.ForeignKey(User, verbose_name=_("requested by"), on_delete=models.PROTECT, related_name="+")
    requested_at = models.DateTimeField(_("requested at"), default=timezone.now)
    confirmed_by = models.ForeignKey(User, verbose_name=_("confirmed by"), null=True, blank=True,
                                     on_delete=models.PROTECT, related_name="+")
    closed_at = models.DateTimeField(_("closed at"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.PENDING)
    first_half = models.CharField(max_length=128, blank=True, editable=False)

    objects = PasswordResetRequestQuerySet.as_manager()

    class Meta:
        verbose_name = _("administrator password reset")
        verbose_name_plural = _("administrator password resets")
        ordering = ["-requested_at"]
        constraints = [models.UniqueConstraint(fields=["target"], condition=Q(status="pending"),
                                               name="one_pending_reset_per_account")]

    def __str__(self):
        return f"{self.target} · {self.get_status_display()}"


class ApiTokenQuerySet(models.QuerySet):
    def live(self, now=None):
        from django.conf import settings

        now = now or timezone.now()
        idle = timezone.timedelta(seconds=settings.PORTAL_API_TOKEN_IDLE_SECONDS)
        return self.filter(revoked_at__isnull=True, expires_at__gt=now, last_used_at__gt=now - idle)


class ApiToken(models.Model):
    """An API token for scripts and other systems. Only a SHA-256 digest of the key is stored; the key is
    shown once when issued. A token ends at `expires_at` (absolute lifetime), after
    PORTAL_API_TOKEN_IDLE_SECONDS without use, or when revoked: by its owner (DELETE /api/v1/auth/token/,
    signing out), by the security administrator, and whenever the account is locked, disabled, its password
    changed or reset, or its roles changed."""

    user = models.ForeignKey(User, verbose_name=_("account"), on_delete=models.CASCADE, related_name="api_tokens")
    digest = models.CharField(max_length=64, unique=True, editable=False)
    prefix = models.CharField(_("key begins with"), max_length=8, editable=False)
    created_at = models.DateTimeField(_("issued at"), default=timezone.now)
    last_used_at = models.DateTimeField(_("last used at"), default=timezone.now)
    expires_at = models.DateTimeField(_("expires at"))
    created_ip = models.GenericIPAddressField(_("issued to address"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)
    revoked_reason = models.CharField(_("why revoked"), max_length=32, blank=True)

    objects = ApiTokenQuerySet.as_manager()

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["user"], name="api_token_live_by_user", condition=Q(revoked_at__isnull=True))]

    def __str__(self):
        return f"{self.user} · {self.prefix}…"


class AuditEvent(models.Model):
    """One entry of the audit trail. Written by services in the same transaction as the change;
    the database rejects UPDATE and DELETE on this table (see migration 0002)."""

    time = models.DateTimeField(_("time"), default=timezone.now, db_index=True)
    actor = models.ForeignKey(
        User, verbose_name=_("actor"), null=True, blank=True, on_delete=models.PROTECT, related_name="+"
    )
    actor_username = models.CharField(_("account"), max_length=150, blank=True, db_index=True)
    source_ip = models.GenericIPAddressField(_("source IP"), null=True, blank=True)
    action = models.CharField(_("action"), max_length=64, db_index=True)
    object_type = models.CharField(_("object type"), max_length=100, blank=True)
    object_id = models.CharField(_("object ID"), max_length=64, blank=True)
    object_repr = models.CharField(_("object"), max_length=255, blank=True)
    before = models.JSONField(_("before"), null=True, blank=True)
    after = models.JSONField(_("after"), null=True, blank=True)
    outcome = models.CharField(_("outcome"), max_length=16, choices=AuditOutcome.choices, default=AuditOutcome.SUCCESS)
    detail = models.CharField(_("detail"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("audit event")
        verbose_name_plural = _("audit events")
        ordering = ["-time", "-id"]
        permissions = [("export_auditevent", _("Can export the audit trail"))]
        indexes = [models.Index(fields=["object_type", "object_id"], name="audit_object")]

    def __str__(self):
        return f"{self.time:%Y-%m-%d %H:%M:%S} {self.actor_username} {self.action}"


class NotificationQuerySet(models.QuerySet):
    def unread(self):
        return self.filter(read_at__isnull=True)

    def visible_to(self, user):
        return self.filter(recipient=user) if user.is_authenticated else self.none()


class Notification(models.Model):
    recipient = models.ForeignKey(User, on_delete=models.CASCADE, related_name="notifications")
    title = models.CharField(_("title"), max_length=200)
    body = models.TextField(_("content"), blank=True)
    link = models.CharField(_("link"), max_length=300, blank=True)
    level = models.CharField(_("level"), max_length=16, choices=NotificationLevel.choices, default=NotificationLevel.INFO)
    created_at = models.DateTimeField(_("created at"), default=timezone.now)
    read_at = models.DateTimeField(_("read at"), null=True, blank=True)

    objects = NotificationQuerySet.as_manager()

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(
                fields=["recipient", "created_at"], name="notification_unread", condition=Q(read_at__isnull=True)
            )
        ]

    def __str__(self):
        return self.title

    @property
    def is_read(self):
        return self.read_at is not None


class CockpitSummary(models.Model):
    """One panel of the leadership cockpit, computed ahead of time for a region and everything below it, one
    plan (0: every plan there) and one survey year (0: every year), by the refresh job (see portal/summaries.py).
    The cockpit reads these rows instead of aggregating a million survey lines per request."""

    panel = models.CharField(max_length=20)
    region = models.ForeignKey(Region, on_delete=models.CASCADE, related_name="+")
    plan_id = models.PositiveBigIntegerField(default=0)
    year = models.PositiveSmallIntegerField(default=0)
    data = models.JSONField(default=dict)
    refreshed_at = models.DateTimeField()

    class Meta:
        constraints = [models.UniqueConstraint(fields=["region", "panel", "plan_id", "year"],
                                               name="cockpit_summary_unique")]

    def __str__(self):
        return f"{self.panel} · {self.region_id} · {self.plan_id} · {self.year}"
