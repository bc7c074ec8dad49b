"""Serializers of the screening API. Reads are ModelSerializers over querysets the views scope and
prefetch; writes are plain input serializers whose validated data the views hand to screening.services
(which check permissions, scope and rules)."""
import json

from django.utils.translation import gettext as _
from rest_framework import serializers

from inventory.models import Substance
from portal.models import Region

from ..choices import AssessmentConclusion, Compartment, Endpoint, RecordSource
from ..models import (
    AssessmentAttachment,
    ControlProposal,
    CriteriaProfile,
    HazardRecord,
    ProfileVersion,
    RiskAssessment,
    ScreeningResult,
    ScreeningRun,
)


# ---------------------------------------------------------------- hazard records
class HazardRecordSerializer(serializers.ModelSerializer):
    substance_cas = serializers.CharField(source="substance.cas", read_only=True, allow_null=True)
    substance_name = serializers.CharField(source="substance.name_zh", read_only=True)
    endpoint_display = serializers.CharField(source="get_endpoint_display", read_only=True)

    class Meta:
        model = HazardRecord
        fields = ["id", "substance", "substance_cas", "substance_name", "endpoint", "endpoint_display", "compartment",
                  "qualifier", "value", "entered_value", "entered_unit", "category", "reliability", "source",
                  "reference", "note", "created_at", "updated_at"]
        read_only_fields = fields


class HazardRecordWriteSerializer(serializers.Serializer):
    """Input of services.hazard_record_save: the value as entered ("≥2000", "48") with its unit; the
    service parses the qualifier and converts to the endpoint's canonical unit."""

    substance = serializers.PrimaryKeyRelatedField(queryset=Substance.objects.all())
    endpoint = serializers.ChoiceField(choices=Endpoint.choices)
    compartment = serializers.ChoiceField(choices=Compartment.choices, required=False, allow_blank=True, default="",
                                          help_text="Required for half-lives.")
    entered_value = serializers.CharField(required=False, allow_blank=True, default="", max_length=40,
                                          help_text="As written in the source: 2000, ≥2000, <0.01, ~5.2.")
    entered_unit = serializers.CharField(required=False, allow_blank=True, default="", max_length=16)
    category = serializers.CharField(required=False, allow_blank=True, default="", max_length=8,
                                     help_text="GHS category (1A, 1B, 2 …) or yes/no, for classification endpoints.")
    reliability = serializers.IntegerField(required=False, default=2, min_value=1, max_value=4,
                                           help_text="Klimisch score 1–4.")
    source = serializers.ChoiceField(choices=RecordSource.choices, required=False, default=RecordSource.DATABASE)
    reference = serializers.CharField(required=False, allow_blank=True, default="", max_length=500)
    note = serializers.CharField(required=False, allow_blank=True, default="")


# ---------------------------------------------------------------- criteria profiles
class ProfileVersionSerializer(serializers.ModelSerializer):
    class Meta:
        model = ProfileVersion
        fields = ["id", "number", "note", "created_at", "thresholds"]
        read_only_fields = fields


class CriteriaProfileSerializer(serializers.ModelSerializer):
    versions = ProfileVersionSerializer(many=True, read_only=True)
    current = serializers.SerializerMethodField(help_text="Id of the newest version.")

    class Meta:
        model = CriteriaProfile
        fields = ["id", "code", "name", "basis", "current", "versions"]
        read_only_fields = fields

    def get_current(self, profile) -> int | None:
        versions = list(profile.versions.all())  # prefetched, newest first
        return max(versions, key=lambda v: v.number).pk if versions else None


class ProfileVersionWriteSerializer(serializers.Serializer):
    thresholds = serializers.JSONField(help_text="The full thresholds of the profile (an edited copy of the "
                                                 "current version's); a JSON string is accepted in form posts.")
    note = serializers.CharField(allow_blank=True, max_length=500, help_text="What changed and why.")

    def validate_thresholds(self, value):
        if isinstance(value, str):
            try:
                return json.loads(value)
            except ValueError as exc:
                raise serializers.ValidationError(_("Value must be valid JSON.")) from exc
        return value


# ---------------------------------------------------------------- runs and results
class ScreeningRunSerializer(serializers.ModelSerializer):
    profile = serializers.CharField(source="version.profile.code", read_only=True)
    profile_name = serializers.CharField(source="version.profile.name", read_only=True)
    version_number = serializers.IntegerField(source="version.number", read_only=True)
    region = serializers.CharField(source="region.code", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)

    class Meta:
        model = ScreeningRun
        fields = ["id", "title", "profile", "profile_name", "version", "version_number", "region", "region_name",
                  "year", "status", "progress", "substances", "error", "created_at", "finished_at"]
        read_only_fields = fields


class TierCountSerializer(serializers.Serializer):
    tier = serializers.CharField()
    count = serializers.IntegerField()


class ScreeningRunDetailSerializer(ScreeningRunSerializer):
    tier_counts = TierCountSerializer(many=True, read_only=True,
                                      help_text="Results per tier (a person's override counts), in tier order.")

    class Meta(ScreeningRunSerializer.Meta):
        fields = [*ScreeningRunSerializer.Meta.fields, "tier_counts"]
        read_only_fields = fields


class ScreeningRunCreateSerializer(serializers.Serializer):
    version = serializers.PrimaryKeyRelatedField(queryset=ProfileVersion.objects.select_related("profile"),
                                                 help_text="Profile version id.")
    region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.all(),
                                          help_text="Region code (GB/T 2260).")
    year = serializers.IntegerField(min_value=1900, max_value=2999, help_text="Survey year.")
    title = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class ScreeningResultSerializer(serializers.ModelSerializer):
    substance_cas = serializers.CharField(source="substance.cas", read_only=True, allow_null=True)
    substance_name = serializers.CharField(source="substance.name_zh", read_only=True)
    effective_tier = serializers.CharField(read_only=True)

    class Meta:
        model = ScreeningResult
        fields = ["id", "run", "rank", "substance", "substance_cas", "substance_name", "tier", "override_tier",
                  "effective_tier", "tier_reason", "flags", "exposure"]
        read_only_fields = fields


class ScreeningResultDetailSerializer(ScreeningResultSerializer):
    overridden_by = serializers.StringRelatedField(read_only=True)

    class Meta(ScreeningResultSerializer.Meta):
        fields = [*ScreeningResultSerializer.Meta.fields, "criteria", "inputs", "override_reason", "overridden_by",
                  "overridden_at"]
        read_only_fields = fields


class OverrideSerializer(serializers.Serializer):
    tier = serializers.CharField(allow_blank=True, max_length=20,
                                 help_text="A tier of the run's profile; the computed tier (or blank) removes the "
                                           "override.")
    reason = serializers.CharField(required=False, allow_blank=True, default="", help_text="The justification.")


class CompareRowSerializer(serializers.Serializer):
    substance = serializers.IntegerField()
    cas = serializers.CharField(allow_null=True)
    name_zh = serializers.CharField()
    rank = serializers.IntegerField(allow_null=True)
    tier = serializers.CharField(allow_null=True)
    other_rank = serializers.IntegerField(allow_null=True)
    other_tier = serializers.CharField(allow_null=True)
    rank_change = serializers.IntegerField(allow_null=True,
                                           help_text="Places moved up from the other run to this one (positive: "
                                                     "ranked higher here).")
    tier_changed = serializers.BooleanField()
    tier_change = serializers.ChoiceField(choices=["up", "down", "same"], allow_null=True,
                                          help_text="Tier higher (up) or lower (down) here than in the other run; "
                                                    "null when the runs use different profiles.")


class CompareSerializer(serializers.Serializer):
    run = serializers.IntegerField()
    other = serializers.IntegerField()
    both = CompareRowSerializer(many=True, help_text="Substances in both runs, by rank in this run.")
    only_in_run = CompareRowSerializer(many=True)
    only_in_other = CompareRowSerializer(many=True)


# ---------------------------------------------------------------- assessments and proposals
class AttachmentSerializer(serializers.ModelSerializer):
    uploaded_by = serializers.StringRelatedField(read_only=True)

    class Meta:
        model = AssessmentAttachment
        fields = ["id", "original_name", "content_type", "size", "sha256", "uploaded_by", "uploaded_at"]
        read_only_fields = fields


class RiskAssessmentSerializer(serializers.ModelSerializer):
    substance_cas = serializers.CharField(source="substance.cas", read_only=True, allow_null=True)
    substance_name = serializers.CharField(source="substance.name_zh", read_only=True)
    region = serializers.CharField(source="region.code", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)
    created_by = serializers.StringRelatedField(read_only=True)
    reviewed_by = serializers.StringRelatedField(read_only=True)
    proposal = serializers.SerializerMethodField()

    class Meta:
        model = RiskAssessment
        fields = ["id", "title", "substance", "substance_cas", "substance_name", "region", "region_name", "result",
                  "conclusion", "status", "created_by", "reviewed_by", "created_at", "submitted_at", "reviewed_at",
                  "proposal"]
        read_only_fields = fields

    def get_proposal(self, assessment) -> int | None:
        try:
            return assessment.proposal.pk
        except ControlProposal.DoesNotExist:
            return None


class RiskAssessmentDetailSerializer(RiskAssessmentSerializer):
    attachments = AttachmentSerializer(many=True, read_only=True)

    class Meta(RiskAssessmentSerializer.Meta):
        fields = [*RiskAssessmentSerializer.Meta.fields, "hazard_identification", "dose_response",
                  "exposure_assessment", "risk_characterisation", "recommended_measures", "review_note",
                  "attachments"]
        read_only_fields = fields


class RiskAssessmentCreateSerializer(serializers.Serializer):
    substance = serializers.PrimaryKeyRelatedField(queryset=Substance.objects.all(), required=False,
                                                   help_text="Defaults to the result's substance.")
    region = serializers.SlugRelatedField(slug_field="code", queryset=Region.objects.all(), required=False,
                                          help_text="Region code; defaults to the region of the result's run.")
    result = serializers.IntegerField(required=False, allow_null=True, default=None,
                                      help_text="Screening result the assessment starts from.")
    title = serializers.CharField(required=False, allow_blank=True, default="", max_length=200)


class RiskAssessmentUpdateSerializer(serializers.Serializer):
    """The fields services.assessment_update changes (ASSESSMENT_TEXT_FIELDS)."""

    title = serializers.CharField(required=False, allow_blank=True, max_length=200)
    hazard_identification = serializers.CharField(required=False, allow_blank=True)
    dose_response = serializers.CharField(required=False, allow_blank=True)
    exposure_assessment = serializers.CharField(required=False, allow_blank=True)
    risk_characterisation = serializers.CharField(required=False, allow_blank=True)
    conclusion = serializers.ChoiceField(choices=AssessmentConclusion.choices, required=False, allow_blank=True)
    recommended_measures = serializers.CharField(required=False, allow_blank=True)


class AssessmentReviewSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="",
                                 help_text="Required when returning the assessment.")


class AttachmentUploadSerializer(serializers.Serializer):
    file = serializers.FileField()


class ControlProposalSerializer(serializers.ModelSerializer):
    substance_cas = serializers.CharField(source="substance.cas", read_only=True, allow_null=True)
    substance_name = serializers.CharField(source="substance.name_zh", read_only=True)
    region = serializers.CharField(source="region.code", read_only=True)
    region_name = serializers.CharField(source="region.name", read_only=True)

    class Meta:
        model = ControlProposal
        fields = ["id", "assessment", "substance", "substance_cas", "substance_name", "region", "region_name",
                  "measures", "status", "decided_note", "created_at"]
        read_only_fields = fields
