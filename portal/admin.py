from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.forms.models import model_to_dict
from django.utils.translation import gettext_lazy as _

from . import services
from .models import AuditEvent, Department, DepartmentAlias, Notification, Region, User

admin.site.site_header = _("New Pollutant Governance Portal — administration")
admin.site.site_title = _("Portal administration")
admin.site.index_title = _("Administration")


def _jsonable(data):
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v if not hasattr(v, "pk") else v.pk)
            for k, v in data.items() if not isinstance(v, (list, set))}


class AuditedAdmin(admin.ModelAdmin):
    """Admin edits land in the audit trail like every other change."""

    def save_model(self, request, obj, form, change):
        before = _jsonable(model_to_dict(type(obj).objects.get(pk=obj.pk))) if change else None
        with transaction.atomic():
            super().save_model(request, obj, form, change)
            services.audit_record(
                actor=request.user, action=f"admin.{'change' if change else 'add'}", obj=obj,
                before=before, after=_jsonable(model_to_dict(obj)),
            )


class DepartmentAliasInline(admin.TabularInline):
    model = DepartmentAlias
    extra = 1


@admin.register(Region)
class RegionAdmin(AuditedAdmin):
    list_display = ["code", "name", "level", "parent", "is_active"]
    list_filter = ["level", "is_active"]
    search_fields = ["code", "name"]
    raw_id_fields = ["parent"]


@admin.register(Department)
class DepartmentAdmin(AuditedAdmin):
    list_display = ["name", "short_name", "kind", "region", "is_active"]
    list_filter = ["kind", "is_active"]
    search_fields = ["name", "short_name", "aliases__name"]
    list_select_related = ["region"]
    inlines = [DepartmentAliasInline]


@admin.register(User)
class UserAdmin(AuditedAdmin, DjangoUserAdmin):
    """Accounts. Roles are given by the security administrator on the portal's user page, which
    enforces the separation of duties; they are not editable here."""

    list_display = ["username", "real_name", "department", "is_active", "last_login"]
    list_filter = ["is_active", "groups"]
    search_fields = ["username", "real_name", "department__name"]
    list_select_related = ["department"]
    fieldsets = (
        (None, {"fields": ("username", "password")}),
        (_("Personal info"), {"fields": ("real_name", "department", "phone", "email")}),
        (_("Status"), {"fields": ("is_active", "must_change_password", "last_login", "date_joined")}),
    )
    add_fieldsets = ((None, {"classes": ("wide",), "fields": ("username", "real_name", "department",
                                                                 "password1", "password2")}),)
    readonly_fields = ["must_change_password", "last_login", "date_joined"]

    def save_model(self, request, obj, form, change):
        """An account made here gets a password its holder must change at first sign-in, like one made on the
        portal's page; disabling an account ends its API tokens."""
        was_active = type(obj).objects.filter(pk=obj.pk).values_list("is_active", flat=True).first() if change else None
        if not change:
            obj.must_change_password = True
            obj.password_changed_at = None
        super().save_model(request, obj, form, change)
        if was_active and not obj.is_active:
            services.api_tokens_revoke(user=obj, reason="disabled", actor=request.user)

    def user_change_password(self, request, id, form_url=""):
        """Passwords are never set here: an administrator would know the password. The portal's user page resets
        a business account's password (the holder must change it) and an administrator's by two administrators."""
        raise PermissionDenied(_("Passwords are reset on the portal's user page, not here."))


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    list_display = ["time", "actor_username", "source_ip", "action", "object_repr", "outcome"]
    list_filter = ["outcome", "action"]
    search_fields = ["actor_username", "object_repr", "detail"]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Notification)
class NotificationAdmin(admin.ModelAdmin):
    list_display = ["title", "recipient", "level", "created_at", "read_at"]
    list_select_related = ["recipient"]

    def has_change_permission(self, request, obj=None):
        return False
