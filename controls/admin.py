"""Admin views for inspection and support; changes go through controls.services, so the admin is read-only."""
from django.contrib import admin

from .models import (
    ControlEntry,
    ControlledEnterprise,
    ControlledEnterpriseListPublication,
    ControlList,
    ControlMeasure,
    EntrySubstance,
    Inspection,
    InspectionDraw,
)


class ReadOnlyAdmin(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class EntrySubstanceInline(admin.TabularInline):
    model = EntrySubstance
    fields = ("cas", "substance", "name")
    readonly_fields = fields
    extra = 0
    can_delete = False


class ControlMeasureInline(admin.TabularInline):
    model = ControlMeasure
    fields = ("type", "scope", "effective_on", "ends_on", "verified")
    readonly_fields = fields
    extra = 0
    can_delete = False


@admin.register(ControlList)
class ControlListAdmin(ReadOnlyAdmin):
    list_display = ("name", "edition", "kind", "jurisdiction", "region", "doc_number", "effective_on", "status")
    list_filter = ("kind", "jurisdiction", "status")


@admin.register(ControlEntry)
class ControlEntryAdmin(ReadOnlyAdmin):
    list_display = ("list", "number", "name", "category", "is_group", "verified")
    list_filter = ("list", "category", "verified")
    search_fields = ("name", "entry_substances__cas")
    inlines = [EntrySubstanceInline, ControlMeasureInline]


@admin.register(ControlledEnterprise)
class ControlledEnterpriseAdmin(ReadOnlyAdmin):
    list_display = ("enterprise", "list", "status")
    list_filter = ("status",)


@admin.register(ControlledEnterpriseListPublication)
class PublicationAdmin(ReadOnlyAdmin):
    list_display = ("region", "list", "number", "published_at")


@admin.register(InspectionDraw)
class InspectionDrawAdmin(ReadOnlyAdmin):
    list_display = ("title", "region", "seed", "status", "drawn_at")


@admin.register(Inspection)
class InspectionAdmin(ReadOnlyAdmin):
    list_display = ("enterprise", "draw", "inspected_on", "result", "published")
