from rest_framework import serializers

from tasks.models import (
    ActionPlan,
    ExtensionRequest,
    Indicator,
    IndicatorValue,
    ProgressReport,
    ReportDocument,
    Task,
    TaskAssignment,
)


class PlanSerializer(serializers.ModelSerializer):
    region = serializers.SlugRelatedField(slug_field="code", read_only=True)

    class Meta:
        model = ActionPlan
        fields = ["id", "title", "issuer", "doc_number", "issued", "region", "status", "cadence", "report_day",
                  "published_at"]
        read_only_fields = fields


class AssignmentSerializer(serializers.ModelSerializer):
    department = serializers.SlugRelatedField(slug_field="name", read_only=True)

    class Meta:
        model = TaskAssignment
        fields = ["id", "department", "written_name", "is_lead", "progress", "awaiting_resubmission"]
        read_only_fields = fields


class TaskSerializer(serializers.ModelSerializer):
    assignments = AssignmentSerializer(many=True, read_only=True)
    alert = serializers.CharField(read_only=True)
    effective_status = serializers.CharField(read_only=True)

    class Meta:
        model = Task
        fields = ["id", "plan", "label", "title", "text", "deadline", "deadline_text", "recurring", "implementers",
                  "status", "effective_status", "alert", "progress", "assignments"]
        read_only_fields = fields


class ProgressReportSerializer(serializers.ModelSerializer):
    department = serializers.CharField(source="assignment.department.name", read_only=True)
    task = serializers.IntegerField(source="assignment.task_id", read_only=True)
    evidence = serializers.SerializerMethodField()

    class Meta:
        model = ProgressReport
        fields = ["id", "task", "department", "period", "narrative", "percent", "decrease_reason", "status",
                  "submitted_at", "reviewed_at", "return_reason", "evidence"]
        read_only_fields = fields

    def get_evidence(self, report) -> list[str]:
        return [e.original_name for e in report.evidence.all()]


class ProgressReportCreateSerializer(serializers.Serializer):
    narrative = serializers.CharField()
    percent = serializers.IntegerField()
    decrease_reason = serializers.CharField(required=False, allow_blank=True, default="")
    files = serializers.ListField(child=serializers.FileField(), required=False, default=list)


class ReviewSerializer(serializers.Serializer):
    accept = serializers.BooleanField()
    reason = serializers.CharField(required=False, allow_blank=True, default="")


class ExtensionRequestSerializer(serializers.ModelSerializer):
    department = serializers.SlugRelatedField(slug_field="name", read_only=True)

    class Meta:
        model = ExtensionRequest
        fields = ["id", "task", "department", "current_deadline", "new_deadline", "reason", "status",
                  "decision_note", "requested_at", "decided_at"]
        read_only_fields = ["id", "department", "current_deadline", "status", "decision_note", "requested_at",
                            "decided_at"]


class DecisionSerializer(serializers.Serializer):
    approve = serializers.BooleanField()
    note = serializers.CharField(required=False, allow_blank=True, default="")


class IndicatorValueSerializer(serializers.ModelSerializer):
    class Meta:
        model = IndicatorValue
        fields = ["period", "value", "note"]


class IndicatorSerializer(serializers.ModelSerializer):
    department = serializers.SlugRelatedField(slug_field="name", read_only=True)
    values = IndicatorValueSerializer(many=True, read_only=True)

    class Meta:
        model = Indicator
        fields = ["id", "plan", "name", "unit", "comparator", "target", "deadline", "department", "values"]
        read_only_fields = fields


class ReportDocumentSerializer(serializers.ModelSerializer):
    class Meta:
        model = ReportDocument
        fields = ["id", "plan", "period", "status", "progress", "pages", "requested_at", "finished_at", "error"]
        read_only_fields = fields


class ReportDocumentRequestSerializer(serializers.Serializer):
    plan = serializers.IntegerField()
    period = serializers.DateField(help_text="Any day of the month (or quarter) the report covers.")
