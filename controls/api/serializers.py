"""Serializers of the controls API. Reads are serializers over objects the views fetch through scoped querysets
and controls.selectors (prefetched, so a list costs the same number of queries whatever its length); writes are
plain input serializers whose validated data the views hand to controls.services (which check permissions,
scope and rules)."""
from django.utils.translation import gettext as _
from drf_spectacular.extensions import OpenApiSerializerFieldExtension
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from inventory.choices import Activity
from portal.models import Department, Region
from tasks.choices import PlanStatus
from tasks.models import ActionPlan

from ..choices import (
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
from ..models import (
    ControlEntry,
    ControlledEnterprise,
    ControlledEnterpriseListPublication,
    ControlList,
    ControlMeasure,
    Inspection,
    InspectionAttachment,
    InspectionDraw,
    InspectionFinding,
    Rectification,
)


def _user(serializer):
    request = serializer.context.get("request")
    return getattr(request, "user", None)


def _person(user) -> str | None:
    if user is None:
        return None
    return (user.real_name or f"{user.last_name}{user.first_name}").strip() or user.username


# ---------------------------------------------------------------- named enums
class NamedChoiceField(serializers.ChoiceField):
    """A ChoiceField the OpenAPI schema shows as its own named enum component. Several controls choice sets
    share a field name with other apps' (`status`, `kind`), and one set appears in list and detail serializers
    alike: naming the set here keeps the schema free of enum-collision warnings."""

    def __init__(self, choices, *, enum_name: str, **kwargs):
        self.enum_name = enum_name
        super().__init__(choices, **kwargs)


class NamedChoiceFieldExtension(OpenApiSerializerFieldExtension):
    target_class = NamedChoiceField

    def get_name(self):
        return self.target.enum_name

    def map_serializer_field(self, auto_schema, direction):
        choices = self.target.choices
        values = [*choices, ""] if self.target.allow_blank else list(choices)
        return {"type": "string", "enum": values,
                "description": "\n".join(f"* `{value}` - {label}" for value, label in choices.items())}


def _enum(choices, name, **kwargs):
    return NamedChoiceField(choices.choices, enum_name=name, **kwargs)


# ---------------------------------------------------------------- lists, entries, measures
class MeasureDepartmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = Department
        fields = ["id", "name", "short_name"]
        read_only_fields = fields


class ControlMeasureSerializer(serializers.ModelSerializer):
    type = _enum(MeasureType, "MeasureTypeEnum", read_only=True)
    type_display = serializers.CharField(source="get_type_display", read_only=True)
    departments = MeasureDepartmentSerializer(many=True, read_only=True)

    class Meta:
        model = ControlMeasure
        fields = ["id", "entry", "type", "type_display", "scope", "effective_on", "ends_on", "legal_basis",
                  "departments", "verified", "task_days_after"]
        read_only_fields = fields


class ControlEntrySerializer(serializers.ModelSerializer):
    category = _enum(EntryCategory, "EntryCategoryEnum", read_only=True)
    cas = serializers.SerializerMethodField(help_text="The CAS numbers the entry names.")
    measures = ControlMeasureSerializer(many=True, read_only=True)

    class Meta:
        model = ControlEntry
        fields = ["id", "list", "number", "code", "name", "name_en", "category", "is_group", "covers", "cas",
                  "summary", "verified", "to_confirm", "proposal", "measures"]
        read_only_fields = fields

    def get_cas(self, entry) -> list[str]:
        return [link.cas for link in entry.entry_substances.all()]  # prefetched, in order


class ControlEntrySavedSerializer(ControlEntrySerializer):
    warnings = serializers.ListField(child=serializers.CharField(), read_only=True,
                                     help_text="What a person should check, e.g. a CAS number also in another "
                                               "entry of the list.")

    class Meta(ControlEntrySerializer.Meta):
        fields = [*ControlEntrySerializer.Meta.fields, "warnings"]
        read_only_fields = fields


class ControlListSerializer(serializers.ModelSerializer):
    kind = _enum(ListKind, "ControlListKindEnum", read_only=True)
    jurisdiction = _enum(Jurisdiction, "JurisdictionEnum", read_only=True)
    status = _enum(ListStatus, "ControlListStatusEnum", read_only=True)
    region = serializers.CharField(source="region.code", read_only=True, allow_null=True,
                                   help_text="Region code; null for a national list.")
    region_name = serializers.CharField(source="region.name", read_only=True, allow_null=True)
    n_entries = serializers.IntegerField(read_only=True)

    class Meta:
        model = ControlList
        fields = ["id", "kind", "name", "issuer", "edition", "year", "doc_number", "effective_on", "jurisdiction",
                  "region", "region_name", "base", "previous", "status", "note", "n_entries", "created_at"]
        read_only_fields = fields


class ControlListDetailSerializer(ControlListSerializer):
    entries = ControlEntrySerializer(many=True, read_only=True, source="entry_rows")

    class Meta(ControlListSerializer.Meta):
        fields = [*ControlListSerializer.Meta.fields, "entries"]
        read_only_fields = fields


class ControlListCreateSerializer(serializers.Serializer):
    """A local supplementary list (provincial or city), created as a draft."""

    name = serializers.CharField(max_length=200)
    edition = serializers.CharField(max_length=50, help_text="For example 2024年版.")
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    jurisdiction = _enum(Jurisdiction, "JurisdictionEnum",
                         help_text="province or city: a national list is reference data.")
    region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.all(),
                                          help_text="Region code (GB/T 2260), within your scope.")
    issuer = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    doc_number = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    effective_on = serializers.DateField(required=False, allow_null=True, default=None)
    base = serializers.PrimaryKeyRelatedField(queryset=ControlList.objects.filter(region__isnull=True),
                                              required=False, allow_null=True, default=None,
                                              help_text="Id of the national list the supplement adds to.")
    note = serializers.CharField(required=False, allow_blank=True, default="")


class ControlEditionSerializer(serializers.Serializer):
    edition = serializers.CharField(max_length=50, help_text="For example 2025年版.")
    year = serializers.IntegerField(min_value=2000, max_value=2100)
    doc_number = serializers.CharField(max_length=100, required=False, allow_blank=True, default="")
    effective_on = serializers.DateField(required=False, allow_null=True, default=None)


class TakenProposalsSerializer(serializers.Serializer):
    created = ControlEntrySerializer(many=True, help_text="The draft entries made from open proposals.")


class DiffEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    code = serializers.CharField()
    name = serializers.CharField()


class DiffFieldSerializer(serializers.Serializer):
    field = serializers.CharField(help_text="The field's label.")
    before = serializers.JSONField()
    after = serializers.JSONField()


class DiffMeasureSerializer(serializers.Serializer):
    type = serializers.CharField(help_text="The measure type's label.")
    scope = serializers.CharField()
    effective_on = serializers.DateField(allow_null=True)
    ends_on = serializers.DateField(allow_null=True)


class DiffChangedSerializer(serializers.Serializer):
    entry = DiffEntrySerializer(help_text="The entry in this edition.")
    changes = DiffFieldSerializer(many=True)
    cas_added = serializers.ListField(child=serializers.CharField())
    cas_removed = serializers.ListField(child=serializers.CharField())
    measures_added = DiffMeasureSerializer(many=True)
    measures_removed = DiffMeasureSerializer(many=True)


class ControlListDiffSerializer(serializers.Serializer):
    list = serializers.IntegerField()
    previous = serializers.IntegerField(help_text="Id of the edition this one replaces.")
    added = DiffEntrySerializer(many=True, help_text="Entries new in this edition (matched by code, else name).")
    removed = DiffEntrySerializer(many=True, help_text="Entries of the previous edition no longer listed.")
    changed = DiffChangedSerializer(many=True)


class ControlEntryWriteSerializer(serializers.Serializer):
    """Input of services.entry_save. CAS numbers as `cas` (a list) or `cas_text` (one per line, or separated by
    commas): the full set, replacing the entry's; leave both out to keep them."""

    number = serializers.IntegerField(min_value=1, required=False, help_text="Leave out for the next free number.")
    code = serializers.CharField(max_length=20, required=False, allow_blank=True, default="")
    name = serializers.CharField(max_length=300)
    name_en = serializers.CharField(max_length=300, required=False, allow_blank=True, default="")
    category = _enum(EntryCategory, "EntryCategoryEnum", required=False, default=EntryCategory.OTHER)
    is_group = serializers.BooleanField(required=False, default=False)
    covers = serializers.CharField(required=False, allow_blank=True, default="")
    summary = serializers.CharField(required=False, allow_blank=True, default="")
    verified = serializers.BooleanField(required=False, default=False)
    to_confirm = serializers.CharField(required=False, allow_blank=True, default="")
    cas = serializers.ListField(child=serializers.CharField(max_length=40), required=False,
                                help_text="CAS numbers, e.g. [\"1763-23-1\"].")
    cas_text = serializers.CharField(required=False, allow_blank=True,
                                     help_text="CAS numbers one per line, or separated by commas.")

    def validate(self, attrs):
        if "cas" in attrs and "cas_text" in attrs:
            raise serializers.ValidationError({"cas": [_("Give the CAS numbers either as cas or as cas_text, "
                                                         "not both.")]})
        if "cas" in attrs:
            attrs["cas_text"] = "\n".join(attrs.pop("cas"))
        return attrs


class ControlEntryCreateSerializer(ControlEntryWriteSerializer):
    list = serializers.PrimaryKeyRelatedField(queryset=ControlList.objects.none(),
                                              help_text="Id of the draft list the entry belongs to.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = _user(self)
        if user is not None:
            self.fields["list"].queryset = ControlList.objects.visible_to(user)


def _departments_below(user):
    from ..forms import departments_below

    return departments_below(user) if user is not None else Department.objects.none()


class ControlMeasureWriteSerializer(serializers.Serializer):
    """Input of services.measure_save; the model refuses an end date before the effective date and an exempted
    use without its end date, naming `ends_on`."""

    type = _enum(MeasureType, "MeasureTypeEnum")
    scope = serializers.CharField(required=False, allow_blank=True, default="")
    effective_on = serializers.DateField(required=False, allow_null=True, default=None)
    ends_on = serializers.DateField(required=False, allow_null=True, default=None,
                                    help_text="Required for an exempted use.")
    legal_basis = serializers.CharField(required=False, allow_blank=True, default="")
    verified = serializers.BooleanField(required=False, default=False)
    task_days_after = serializers.IntegerField(required=False, allow_null=True, default=None, min_value=0,
                                               max_value=3650)
    departments = serializers.PrimaryKeyRelatedField(many=True, required=False, queryset=Department.objects.none(),
                                                     help_text="Ids of the responsible departments (within your "
                                                               "scope); leave out to keep them.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["departments"].child_relation.queryset = _departments_below(_user(self))


class ControlMeasureCreateSerializer(ControlMeasureWriteSerializer):
    entry = serializers.PrimaryKeyRelatedField(queryset=ControlEntry.objects.none(), help_text="Id of the entry.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = _user(self)
        if user is not None:
            self.fields["entry"].queryset = ControlEntry.objects.filter(
                list__in=ControlList.objects.visible_to(user)).select_related("list")


class MeasureTaskSerializer(serializers.Serializer):
    plan = serializers.PrimaryKeyRelatedField(queryset=ActionPlan.objects.none(),
                                              help_text="Id of a published plan within your scope.")
    departments = serializers.PrimaryKeyRelatedField(many=True, required=False, queryset=Department.objects.none(),
                                                     help_text="Responsible departments, the first leads; default: "
                                                               "the measure's.")
    days_after = serializers.IntegerField(required=False, allow_null=True, default=None,
                                          help_text="Days after the measure's date the task is due; default: the "
                                                    "measure's setting, else 30.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = _user(self)
        plans = ActionPlan.objects.none()
        if user is not None:
            plans = ActionPlan.objects.visible_to(user).filter(status=PlanStatus.PUBLISHED).select_related("region")
        self.fields["plan"].queryset = plans
        self.fields["departments"].child_relation.queryset = _departments_below(user).select_related("region")


class MeasureTaskResultSerializer(serializers.Serializer):
    task = serializers.IntegerField(help_text="Id of the task.")
    title = serializers.CharField()
    deadline = serializers.DateField()
    created = serializers.BooleanField(help_text="False when the measure already had a task in that plan.")


# ---------------------------------------------------------------- the controlled-enterprise list (一名单)
class BasisItemSerializer(serializers.Serializer):
    """One substance of one entry that puts the enterprise on the list. The survey figures (activity, year,
    quantity, lines) are shown only to users who may read survey reports."""

    entry = serializers.IntegerField()
    entry_name = serializers.CharField()
    cas = serializers.CharField(allow_null=True)
    substance = serializers.CharField()
    activity = serializers.ChoiceField(choices=Activity.choices, required=False)
    year = serializers.IntegerField(required=False)
    quantity = serializers.FloatField(required=False, help_text="t/a, summed over the survey lines.")
    lines = serializers.IntegerField(required=False, help_text="Number of survey lines.")
    first_line = serializers.IntegerField(required=False, help_text="Id of the first survey line.")


PUBLIC_BASIS = ("entry", "entry_name", "cas", "substance")


class ManualEntrySerializer(serializers.Serializer):
    entry = serializers.IntegerField()
    entry_name = serializers.CharField()


class ControlledEnterpriseSerializer(serializers.ModelSerializer):
    """Context: `show_quantities` (may read survey reports) and `entry_names` ({number: name} of the list)."""

    status = _enum(EnterpriseStatus, "ControlledEnterpriseStatusEnum", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    credit_code = serializers.CharField(source="enterprise.credit_code", read_only=True)
    region = serializers.CharField(source="enterprise.region.code", read_only=True)
    region_name = serializers.CharField(source="enterprise.region.name", read_only=True)
    entries = serializers.SerializerMethodField(help_text="Numbers of the list's entries that apply.")
    basis = serializers.SerializerMethodField()
    manual = serializers.SerializerMethodField(help_text="Entries the bureau added by hand, with evidence.")

    class Meta:
        model = ControlledEnterprise
        fields = ["id", "list", "enterprise", "enterprise_name", "credit_code", "region", "region_name", "status",
                  "removed_reason", "evidence", "entries", "basis", "manual", "decided_at", "updated_at"]
        read_only_fields = fields

    def get_entries(self, controlled) -> list[int]:
        from ..services import applicable_entries

        return sorted(applicable_entries(controlled))

    @extend_schema_field(BasisItemSerializer(many=True))
    def get_basis(self, controlled):
        rows = (controlled.basis or {}).get("entries", [])
        if self.context.get("show_quantities"):
            return rows
        return [{key: row.get(key) for key in PUBLIC_BASIS} for row in rows]

    @extend_schema_field(ManualEntrySerializer(many=True))
    def get_manual(self, controlled):
        names = self.context.get("entry_names", {})
        return [{"entry": n, "entry_name": names.get(n, "")} for n in (controlled.basis or {}).get("manual", [])]


class EnterpriseMeasureSerializer(serializers.Serializer):
    """An applicable measure with its implementation status at the enterprise (pending until someone sets it)."""

    id = serializers.IntegerField()
    type = _enum(MeasureType, "MeasureTypeEnum")
    type_display = serializers.CharField(source="get_type_display")
    scope = serializers.CharField()
    effective_on = serializers.DateField(allow_null=True)
    ends_on = serializers.DateField(allow_null=True)
    departments = MeasureDepartmentSerializer(many=True, source="departments.all")
    status = serializers.SerializerMethodField()
    note = serializers.SerializerMethodField()
    status_updated_at = serializers.SerializerMethodField()
    status_updated_by = serializers.SerializerMethodField()

    @extend_schema_field(_enum(MeasureStatus, "MeasureImplementationStatusEnum"))
    def get_status(self, measure):
        return measure.current.status if measure.current else MeasureStatus.PENDING

    def get_note(self, measure) -> str:
        return measure.current.note if measure.current else ""

    @extend_schema_field(serializers.DateTimeField(allow_null=True))
    def get_status_updated_at(self, measure):
        current = measure.current
        return serializers.DateTimeField().to_representation(current.updated_at) if current else None

    def get_status_updated_by(self, measure) -> str | None:
        return _person(measure.current.updated_by) if measure.current else None


class ApplicableEntrySerializer(serializers.Serializer):
    id = serializers.IntegerField()
    number = serializers.IntegerField()
    name = serializers.CharField()
    measures = EnterpriseMeasureSerializer(many=True, source="measures.all")


class ControlledEnterpriseDetailSerializer(ControlledEnterpriseSerializer):
    decided_by = serializers.SerializerMethodField()
    applicable = ApplicableEntrySerializer(many=True, read_only=True,
                                           help_text="The applicable entries with their measures and each "
                                                     "measure's implementation status.")

    class Meta(ControlledEnterpriseSerializer.Meta):
        fields = [*ControlledEnterpriseSerializer.Meta.fields, "decided_by", "applicable"]
        read_only_fields = fields

    def get_decided_by(self, controlled) -> str | None:
        return _person(controlled.decided_by)


class ControlledAddSerializer(serializers.Serializer):
    list = serializers.PrimaryKeyRelatedField(queryset=ControlList.objects.none(), help_text="Id of a list in force.")
    enterprise = serializers.CharField(max_length=40, help_text="Unified social credit code, or the enterprise's id.")
    entries = serializers.ListField(child=serializers.IntegerField(min_value=1), required=False,
                                    help_text="Numbers of the list's entries that apply.")
    evidence = serializers.CharField(required=False, allow_blank=True, default="",
                                     help_text="Permit, inspection record or other source showing the substance.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = _user(self)
        if user is not None:
            self.fields["list"].queryset = ControlList.objects.visible_to(user)


class ControlledDecideSerializer(serializers.Serializer):
    action = NamedChoiceField([("confirm", "confirm"), ("remove", "remove"), ("restore", "restore")],
                              enum_name="ControlledDecisionEnum")
    reason = serializers.CharField(required=False, allow_blank=True, default="",
                                   help_text="Required to remove: stopped production, substitution complete…")
    evidence = serializers.CharField(required=False, allow_blank=True, default="")


class MeasureStatusSetSerializer(serializers.Serializer):
    measure = serializers.PrimaryKeyRelatedField(queryset=ControlMeasure.objects.none(),
                                                 help_text="Id of an applicable measure.")
    status = _enum(MeasureStatus, "MeasureImplementationStatusEnum")
    note = serializers.CharField(required=False, allow_blank=True, default="",
                                 help_text="Required for rectification and exemption: what, and until when.")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = _user(self)
        if user is not None:
            self.fields["measure"].queryset = ControlMeasure.objects.filter(
                entry__list__in=ControlList.objects.visible_to(user)).select_related("entry")


class MeasureStatusSerializer(serializers.Serializer):
    controlled = serializers.IntegerField(source="controlled_id")
    measure = serializers.IntegerField(source="measure_id")
    status = _enum(MeasureStatus, "MeasureImplementationStatusEnum")
    note = serializers.CharField()
    updated_at = serializers.DateTimeField()
    updated_by = serializers.SerializerMethodField()

    def get_updated_by(self, row) -> str | None:
        return _person(row.updated_by)


# ---------------------------------------------------------------- publications
class ControlledPublicationSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    list_name = serializers.CharField(source="list.__str__", read_only=True)
    published_by = serializers.SerializerMethodField()

    class Meta:
        model = ControlledEnterpriseListPublication
        fields = ["id", "region", "region_name", "list", "list_name", "number", "published_at", "published_by",
                  "note"]
        read_only_fields = fields

    def get_published_by(self, publication) -> str | None:
        return _person(publication.published_by)


class PublishedEnterpriseSerializer(serializers.Serializer):
    name = serializers.CharField()
    credit_code = serializers.CharField()
    region = serializers.CharField()
    region_code = serializers.CharField()
    entries = ManualEntrySerializer(many=True)  # only number and name are published
    measures = serializers.ListField(child=serializers.CharField())


class PublicationSnapshotSerializer(serializers.Serializer):
    list = serializers.CharField()
    region = serializers.CharField()
    enterprises = PublishedEnterpriseSerializer(many=True)


class ControlledPublicationDetailSerializer(ControlledPublicationSerializer):
    snapshot = serializers.SerializerMethodField(help_text="What was published: name, credit code, region, entries "
                                                           "and measures of each enterprise.")

    class Meta(ControlledPublicationSerializer.Meta):
        fields = [*ControlledPublicationSerializer.Meta.fields, "snapshot"]
        read_only_fields = fields

    @extend_schema_field(PublicationSnapshotSerializer)
    def get_snapshot(self, publication):
        snapshot = publication.snapshot or {}
        return {"list": snapshot.get("list", ""), "region": snapshot.get("region", ""),
                "enterprises": [{**row, "entries": [{"entry": e["number"], "entry_name": e["name"]}
                                                    for e in row.get("entries", [])]}
                                for row in snapshot.get("enterprises", [])]}


class PublishSerializer(serializers.Serializer):
    list = serializers.PrimaryKeyRelatedField(queryset=ControlList.objects.none(), help_text="Id of a list in force.")
    region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.all(),
                                          help_text="Code of the region whose enterprises are published.")
    note = serializers.CharField(required=False, allow_blank=True, default="")

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        user = _user(self)
        if user is not None:
            self.fields["list"].queryset = ControlList.objects.visible_to(user)


# ---------------------------------------------------------------- 双随机、一公开
class InspectorSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.SerializerMethodField()
    department = serializers.CharField(source="department.name", allow_null=True)

    def get_name(self, user) -> str:
        return _person(user)


class InspectionDrawSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    status = _enum(DrawStatus, "DrawStatusEnum", read_only=True)
    n_inspections = serializers.IntegerField(read_only=True)
    n_recorded = serializers.IntegerField(read_only=True)
    n_published = serializers.IntegerField(read_only=True)

    class Meta:
        model = InspectionDraw
        fields = ["id", "title", "region", "region_name", "list", "plan", "department", "seed", "status",
                  "n_enterprises", "n_inspectors", "strata", "exclude_same_county", "created_at", "drawn_at",
                  "published_at", "n_inspections", "n_recorded", "n_published"]
        read_only_fields = fields


class DrawInspectionSerializer(serializers.ModelSerializer):
    result = _enum(InspectionResult, "InspectionResultEnum", read_only=True, allow_blank=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)

    class Meta:
        model = Inspection
        fields = ["id", "enterprise", "enterprise_name", "result", "recorded_at", "approved", "published"]
        read_only_fields = fields


class InspectionDrawDetailSerializer(InspectionDrawSerializer):
    drawn_by = serializers.SerializerMethodField()
    created_by = serializers.SerializerMethodField()
    inspections = DrawInspectionSerializer(many=True, read_only=True)

    class Meta(InspectionDrawSerializer.Meta):
        fields = [*InspectionDrawSerializer.Meta.fields, "drawn_by", "created_by", "result", "inspections"]
        read_only_fields = fields

    def get_drawn_by(self, draw) -> str | None:
        return _person(draw.drawn_by)

    def get_created_by(self, draw) -> str | None:
        return _person(draw.created_by)


class DrawRunSerializer(serializers.Serializer):
    seed = serializers.CharField(required=False, allow_blank=True, default="",
                                 help_text="Leave empty for a new random seed; the recorded seed returns the "
                                           "recorded draw.")


class DrawPublishedSerializer(InspectionDrawDetailSerializer):
    published_now = serializers.IntegerField(read_only=True, help_text="Inspection results published now.")

    class Meta(InspectionDrawDetailSerializer.Meta):
        fields = [*InspectionDrawDetailSerializer.Meta.fields, "published_now"]
        read_only_fields = fields


class InspectionSerializer(serializers.ModelSerializer):
    draw_title = serializers.CharField(source="draw.title", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    credit_code = serializers.CharField(source="enterprise.credit_code", read_only=True)
    region = serializers.CharField(source="enterprise.region.code", read_only=True)
    region_name = serializers.CharField(source="enterprise.region.name", read_only=True)
    inspectors = InspectorSerializer(many=True, read_only=True)
    result = _enum(InspectionResult, "InspectionResultEnum", read_only=True, allow_blank=True)

    class Meta:
        model = Inspection
        fields = ["id", "draw", "draw_title", "enterprise", "enterprise_name", "credit_code", "region", "region_name",
                  "inspectors", "inspected_on", "result", "summary", "recorded_at", "approved", "approved_at",
                  "published"]
        read_only_fields = fields


class RectificationSerializer(serializers.ModelSerializer):
    status = _enum(RectificationStatus, "RectificationStatusEnum", read_only=True)
    verified_by = serializers.SerializerMethodField()

    class Meta:
        model = Rectification
        fields = ["id", "requirement", "deadline", "status", "task", "verification_note", "verified_at",
                  "verified_by"]
        read_only_fields = fields

    def get_verified_by(self, rectification) -> str | None:
        return _person(rectification.verified_by)


class FindingSerializer(serializers.ModelSerializer):
    measure_label = serializers.SerializerMethodField()
    rectifications = RectificationSerializer(many=True, read_only=True)

    class Meta:
        model = InspectionFinding
        fields = ["id", "measure", "measure_label", "text", "rectifications"]
        read_only_fields = fields

    def get_measure_label(self, finding) -> str | None:
        return str(finding.measure) if finding.measure_id else None


class InspectionAttachmentSerializer(serializers.ModelSerializer):
    class Meta:
        model = InspectionAttachment
        fields = ["id", "original_name", "content_type", "size", "sha256", "uploaded_at"]
        read_only_fields = fields


class InspectionDetailSerializer(InspectionSerializer):
    recorded_by = serializers.SerializerMethodField()
    approved_by = serializers.SerializerMethodField()
    findings = FindingSerializer(many=True, read_only=True)
    attachments = InspectionAttachmentSerializer(many=True, read_only=True)

    class Meta(InspectionSerializer.Meta):
        fields = [*InspectionSerializer.Meta.fields, "recorded_by", "approved_by", "findings", "attachments"]
        read_only_fields = fields

    def get_recorded_by(self, inspection) -> str | None:
        return _person(inspection.recorded_by)

    def get_approved_by(self, inspection) -> str | None:
        return _person(inspection.approved_by)
