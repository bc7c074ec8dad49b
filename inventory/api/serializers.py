"""Serializers of the inventory API. Reads are ModelSerializers; writes are plain input serializers whose
validated data the views hand to inventory.services (which check permissions, scope and rules)."""
from django.utils.translation import gettext as _
from rest_framework import serializers

from portal.models import Region
from portal.utils import mask_name, mask_phone

from ..choices import SurveyKind
from ..models import (
    Enterprise,
    Industry,
    MonitoringResult,
    MonitoringSite,
    ReviewRecord,
    Substance,
    SubstanceGroup,
    SurveyCampaign,
    SurveyLine,
    SurveyReport,
)


# ---------------------------------------------------------------- personal data
# ---------------------------------------------------------------- substances and groups
class SubstanceBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = Substance
        fields = ["id", "cas", "name_zh", "name_en"]
        read_only_fields = fields


class GroupBriefSerializer(serializers.ModelSerializer):
    class Meta:
        model = SubstanceGroup
        fields = ["id", "name"]
        read_only_fields = fields


class SubstanceSerializer(serializers.ModelSerializer):
    synonyms = serializers.SerializerMethodField()
    groups = GroupBriefSerializer(many=True, read_only=True)

    class Meta:
        model = Substance
        fields = ["id", "cas", "ec_number", "name_zh", "name_en", "synonyms", "groups", "updated_at"]
        read_only_fields = fields

    def get_synonyms(self, substance) -> list[str]:
        return [s.strip() for s in substance.synonyms.splitlines() if s.strip()]


class SubstanceWriteSerializer(serializers.Serializer):
    cas = serializers.CharField(required=False, allow_blank=True, default="", max_length=50,
                                help_text="CAS RN, with or without hyphens; the key of the upsert.")
    name_zh = serializers.CharField(allow_blank=True, max_length=255)
    name_en = serializers.CharField(required=False, allow_blank=True, default="", max_length=255)
    ec_number = serializers.CharField(required=False, allow_blank=True, default="", max_length=20)
    synonyms = serializers.CharField(required=False, allow_blank=True, default="", help_text="One per line.")


class SubstanceGroupSerializer(serializers.ModelSerializer):
    members = SubstanceBriefSerializer(many=True, read_only=True)

    class Meta:
        model = SubstanceGroup
        fields = ["id", "name", "description", "example_cas", "members"]
        read_only_fields = fields


class SubstanceGroupWriteSerializer(serializers.Serializer):
    name = serializers.CharField(allow_blank=True, max_length=255)
    description = serializers.CharField(required=False, allow_blank=True, default="")
    members = serializers.PrimaryKeyRelatedField(many=True, queryset=Substance.objects.all(), required=False,
                                                 default=list)
    example_cas = serializers.ListField(child=serializers.CharField(allow_blank=True, max_length=50),
                                        required=False, default=list)


# ---------------------------------------------------------------- industries and enterprises
class IndustrySerializer(serializers.ModelSerializer):
    parent = serializers.CharField(source="parent_id", read_only=True, allow_null=True)

    class Meta:
        model = Industry
        fields = ["code", "name", "level", "section", "parent"]
        read_only_fields = fields


class EnterpriseSerializer(serializers.ModelSerializer):
    """Contacts are personal data: masked unless the context says `show_contacts`."""

    region = serializers.CharField(source="region.code", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    industry = serializers.CharField(source="industry_id", read_only=True, allow_null=True)
    industry_name = serializers.CharField(source="industry.name", read_only=True, default=None)
    contact_name = serializers.SerializerMethodField()
    contact_phone = serializers.SerializerMethodField()

    class Meta:
        model = Enterprise
        fields = ["id", "credit_code", "credit_code_override", "name", "region", "region_name", "industry",
                  "industry_name", "park", "address", "latitude", "longitude", "permit_number", "soil_key_unit",
                  "contact_name", "contact_phone", "created_at", "updated_at"]
        read_only_fields = fields

    def _show(self) -> bool:
        return bool(self.context.get("show_contacts"))

    def get_contact_name(self, enterprise) -> str:
        return enterprise.contact_name if self._show() else mask_name(enterprise.contact_name)

    def get_contact_phone(self, enterprise) -> str:
        return enterprise.contact_phone if self._show() else mask_phone(enterprise.contact_phone)


class EnterpriseWriteSerializer(serializers.Serializer):
    """Input of services.enterprise_save; the credit code is checked there (GB 32100)."""

    OPTIONAL = ("park", "address", "latitude", "longitude", "permit_number", "soil_key_unit", "contact_name",
                "contact_phone")

    credit_code = serializers.CharField(max_length=40)
    name = serializers.CharField(allow_blank=True, max_length=255)
    region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.all(),
                                          help_text="Region code (GB/T 2260).")
    industry = serializers.CharField(required=False, allow_blank=True, max_length=4,
                                     help_text="Class code (four digits) of GB/T 4754-2017.")
    confirm_legacy_code = serializers.BooleanField(
        required=False, help_text="Keep a credit code that fails the GB 32100 check (an early, valid code).")
    park = serializers.CharField(required=False, allow_blank=True, max_length=255)
    address = serializers.CharField(required=False, allow_blank=True, max_length=255)
    latitude = serializers.DecimalField(max_digits=9, decimal_places=6, required=False, allow_null=True)
    longitude = serializers.DecimalField(max_digits=9, decimal_places=6, required=False, allow_null=True)
    permit_number = serializers.CharField(required=False, allow_blank=True, max_length=64)
    soil_key_unit = serializers.BooleanField(required=False)
    contact_name = serializers.CharField(required=False, allow_blank=True, max_length=64)
    contact_phone = serializers.CharField(required=False, allow_blank=True, max_length=20)


# ---------------------------------------------------------------- campaigns, reports, lines
class CampaignSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    substances = serializers.PrimaryKeyRelatedField(many=True, read_only=True)

    class Meta:
        model = SurveyCampaign
        fields = ["id", "year", "kind", "title", "region", "region_name", "deadline", "substances", "created_at"]
        read_only_fields = fields


class CampaignWriteSerializer(serializers.Serializer):
    title = serializers.CharField(max_length=200)
    year = serializers.IntegerField(min_value=1900, max_value=2999)
    kind = serializers.ChoiceField(choices=SurveyKind.choices, default=SurveyKind.BASIC)
    region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.all())
    deadline = serializers.DateField(required=False, allow_null=True, default=None)
    substances = serializers.PrimaryKeyRelatedField(many=True, queryset=Substance.objects.all(), required=False,
                                                    default=list)


class SurveyLineSerializer(serializers.ModelSerializer):
    substance_cas = serializers.CharField(source="substance.cas", read_only=True, default=None)
    substance_name = serializers.CharField(source="substance.name_zh", read_only=True, default=None)
    emissions_total = serializers.DecimalField(max_digits=16, decimal_places=4, read_only=True)

    class Meta:
        model = SurveyLine
        fields = ["id", "report", "substance", "substance_cas", "substance_name", "raw_name", "raw_cas", "activity",
                  "quantity", "use_category", "dispersive_use", "emission_water", "emission_air", "emission_soil",
                  "emissions_total", "waste_route", "warning_note", "returned", "return_reason"]
        read_only_fields = fields


class SurveyLineQueueSerializer(SurveyLineSerializer):
    """A line of the list endpoint: with its enterprise, for the curation queue."""

    enterprise = serializers.IntegerField(source="report.enterprise_id", read_only=True)
    enterprise_name = serializers.CharField(source="report.enterprise.name", read_only=True)

    class Meta(SurveyLineSerializer.Meta):
        fields = [*SurveyLineSerializer.Meta.fields, "enterprise", "enterprise_name"]
        read_only_fields = fields


class SurveyLineEditSerializer(serializers.ModelSerializer):
    """The fields services.survey_line_save changes (LINE_EDIT_FIELDS)."""

    class Meta:
        model = SurveyLine
        fields = ["substance", "raw_name", "raw_cas", "activity", "quantity", "use_category", "dispersive_use",
                  "emission_water", "emission_air", "emission_soil", "waste_route", "warning_note"]
        extra_kwargs = {"substance": {"required": False, "allow_null": True}}


class SurveyLineCreateSerializer(SurveyLineEditSerializer):
    report = serializers.IntegerField()

    class Meta(SurveyLineEditSerializer.Meta):
        fields = ["report", *SurveyLineEditSerializer.Meta.fields]


class ResolveSerializer(serializers.Serializer):
    substance = serializers.PrimaryKeyRelatedField(queryset=Substance.objects.all())
    apply_to_same = serializers.BooleanField(
        default=True, help_text="Also link every unresolved line of your region reported with the same name and CAS.")


class ResolvedSerializer(serializers.Serializer):
    linked = serializers.IntegerField()


class ReviewRecordSerializer(serializers.ModelSerializer):
    reviewer = serializers.StringRelatedField(read_only=True)

    class Meta:
        model = ReviewRecord
        fields = ["id", "level", "on_site", "outcome", "note", "reviewer", "created_at"]
        read_only_fields = fields


class SurveyReportSerializer(serializers.ModelSerializer):
    campaign_title = serializers.CharField(source="campaign.title", read_only=True)
    enterprise_name = serializers.CharField(source="enterprise.name", read_only=True)
    credit_code = serializers.CharField(source="enterprise.credit_code", read_only=True)
    region = serializers.CharField(source="enterprise.region.code", read_only=True)
    region_name = serializers.CharField(source="enterprise.region.name", read_only=True)
    state_display = serializers.CharField(source="get_state_display", read_only=True)

    class Meta:
        model = SurveyReport
        fields = ["id", "campaign", "campaign_title", "enterprise", "enterprise_name", "credit_code", "region",
                  "region_name", "state", "state_display", "return_reason", "submitted_at", "accepted_at",
                  "updated_at"]
        read_only_fields = fields


class SurveyReportDetailSerializer(SurveyReportSerializer):
    lines = SurveyLineSerializer(many=True, read_only=True)
    reviews = ReviewRecordSerializer(many=True, read_only=True)

    class Meta(SurveyReportSerializer.Meta):
        fields = [*SurveyReportSerializer.Meta.fields, "lines", "reviews"]
        read_only_fields = fields


class ReportOpenSerializer(serializers.Serializer):
    campaign = serializers.IntegerField()
    enterprise = serializers.IntegerField()


class ReportReviewSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    reason = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)
    line_reasons = serializers.DictField(child=serializers.CharField(allow_blank=True, max_length=500),
                                        required=False, default=dict,
                                        help_text="{line id: reason} for the lines returned for correction.")
    on_site = serializers.BooleanField(required=False, default=False)
    note = serializers.CharField(required=False, allow_blank=True, default="")

    def validate_line_reasons(self, value):
        try:
            return {int(key): reason for key, reason in value.items()}
        except (TypeError, ValueError) as exc:
            raise serializers.ValidationError(_("A valid integer is required.")) from exc


class SubmitProblemsSerializer(serializers.Serializer):
    problems = serializers.ListField(child=serializers.CharField())


# ---------------------------------------------------------------- monitoring
class MonitoringSiteSerializer(serializers.ModelSerializer):
    region = serializers.CharField(source="region.code", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)

    class Meta:
        model = MonitoringSite
        fields = ["id", "code", "name", "region", "region_name", "medium", "site_type", "enterprise"]
        read_only_fields = fields


class MonitoringResultSerializer(serializers.ModelSerializer):
    site = serializers.IntegerField(source="sampling.site_id", read_only=True)
    site_code = serializers.CharField(source="sampling.site.code", read_only=True)
    sampled_on = serializers.DateField(source="sampling.sampled_on", read_only=True)
    substance_cas = serializers.CharField(source="substance.cas", read_only=True)
    substance_name = serializers.CharField(source="substance.name_zh", read_only=True)

    class Meta:
        model = MonitoringResult
        fields = ["id", "site", "site_code", "sampled_on", "substance", "substance_cas", "substance_name",
                  "concentration", "unit", "detection_limit", "detected"]
        read_only_fields = fields


class DetectionFrequencySerializer(serializers.Serializer):
    substance = serializers.IntegerField()
    cas = serializers.CharField(allow_null=True)
    name_zh = serializers.CharField()
    samples = serializers.IntegerField()
    detected = serializers.IntegerField()
    frequency = serializers.FloatField(allow_null=True)

