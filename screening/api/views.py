"""The screening API (/api/v1/screening/). Reads build scoped querysets here (select_related and
prefetch_related, so a list costs the same number of queries whatever its length); every write goes
through screening.services, which checks permissions and scope, validates and audits. Domain errors
become 400 and 403 answers through portal.api.exceptions; runs, results, assessments and proposals
outside the user's region are 404. Hazard records and criteria profiles are not regional."""
from __future__ import annotations

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Case, CharField, Count, F, Prefetch, When
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from inventory.api.views import substance_search
from inventory.models import Substance
from portal import permissions as perms
from portal.api.pagination import NoCountPagination
from portal.api.parsers import JSONParser
from portal.api.viewsets import ModuleViewSet, visible_or_404

from .. import profiles, services
from ..choices import AssessmentStatus, Endpoint, RunStatus
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
from .serializers import (
    AssessmentReviewSerializer,
    AttachmentSerializer,
    AttachmentUploadSerializer,
    CompareSerializer,
    ControlProposalSerializer,
    CriteriaProfileSerializer,
    HazardRecordSerializer,
    HazardRecordWriteSerializer,
    OverrideSerializer,
    ProfileVersionSerializer,
    ProfileVersionWriteSerializer,
    RiskAssessmentCreateSerializer,
    RiskAssessmentDetailSerializer,
    RiskAssessmentSerializer,
    RiskAssessmentUpdateSerializer,
    ScreeningResultDetailSerializer,
    ScreeningResultSerializer,
    ScreeningRunCreateSerializer,
    ScreeningRunDetailSerializer,
    ScreeningRunSerializer,
)

# The tier that counts: a person's override, else the computed one (in SQL, for filters and counts).
EFFECTIVE_TIER = Case(When(override_tier="", then=F("tier")), default=F("override_tier"), output_field=CharField())



def _results_visible(user):
    return ScreeningResult.objects.filter(perms.region_q(user, "run__region"))


# ---------------------------------------------------------------- base
class ScreeningViewSet(ModuleViewSet):
    """Module access for every action (anonymous 401, roles without the screening module 403); the
    write actions named in `action_permissions` also need that permission (leaders: 403, except for
    approving assessments)."""

    module = "screening"


# ---------------------------------------------------------------- hazard records
class HazardRecordFilter(django_filters.FilterSet):
    substance = django_filters.NumberFilter(field_name="substance_id")
    endpoint = django_filters.ChoiceFilter(choices=Endpoint.choices)

    class Meta:
        model = HazardRecord
        fields = ["substance", "endpoint"]


class HazardRecordViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScreeningViewSet):
    """Hazard endpoint values of substances, as entered (qualifier and unit) and in the endpoint's canonical
    unit. Writes go through `hazard_record_save`, which parses and converts the value."""

    serializer_class = HazardRecordSerializer
    pagination_class = NoCountPagination
    filterset_class = HazardRecordFilter
    queryset = HazardRecord.objects.none()
    action_permissions = {"create": "screening.add_hazardrecord", "update": "screening.change_hazardrecord",
                          "partial_update": "screening.change_hazardrecord",
                          "destroy": "screening.change_hazardrecord"}

    def get_queryset(self):
        if self._fake():
            return HazardRecord.objects.none()
        return HazardRecord.objects.select_related("substance").order_by("substance__name_zh", "substance_id",
                                                                         "endpoint", "compartment", "reliability",
                                                                         "pk")

    def _save(self, request, record=None, partial=False):
        data = HazardRecordWriteSerializer(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        values = {}
        if record is not None:
            values = {"substance": record.substance, "endpoint": record.endpoint, "compartment": record.compartment,
                      "entered_value": record.entered_value, "entered_unit": record.entered_unit,
                      "category": record.category, "reliability": record.reliability, "source": record.source,
                      "reference": record.reference, "note": record.note}
        values.update(data.validated_data)
        record = services.hazard_record_save(actor=request.user, record=record, **values)
        return self.get_queryset().get(pk=record.pk)

    @extend_schema(request=HazardRecordWriteSerializer, responses={201: HazardRecordSerializer})
    def create(self, request):
        return Response(HazardRecordSerializer(self._save(request)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=HazardRecordWriteSerializer, responses=HazardRecordSerializer)
    def update(self, request, pk=None):
        return Response(HazardRecordSerializer(self._save(request, self.get_object())).data)

    @extend_schema(request=HazardRecordWriteSerializer, responses=HazardRecordSerializer)
    def partial_update(self, request, pk=None):
        return Response(HazardRecordSerializer(self._save(request, self.get_object(), partial=True)).data)

    def destroy(self, request, pk=None):
        services.hazard_record_delete(actor=request.user, record=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


# ---------------------------------------------------------------- criteria profiles
class CriteriaProfileViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScreeningViewSet):
    """Screening methods with every version of their thresholds (newest first). A version never changes:
    `versions` saves edited thresholds as the next one."""

    serializer_class = CriteriaProfileSerializer
    queryset = CriteriaProfile.objects.none()
    pagination_class = None
    action_permissions = {"versions": "screening.add_profileversion"}

    def get_queryset(self):
        if self._fake():
            return CriteriaProfile.objects.none()
        return CriteriaProfile.objects.prefetch_related(
            Prefetch("versions", queryset=ProfileVersion.objects.order_by("-number"))).order_by("code")

    @extend_schema(request=ProfileVersionWriteSerializer, responses={201: ProfileVersionSerializer})
    @action(detail=True, methods=["post"])
    def versions(self, request, pk=None):
        """Save thresholds as the profile's next version, with a note saying what changed. Earlier
        versions, and the runs made with them, stay as they were."""
        profile = self.get_object()
        data = ProfileVersionWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        try:
            version = services.profile_version_create(actor=request.user, profile=profile, **data.validated_data)
        except DjangoValidationError as exc:
            if hasattr(exc, "error_dict"):
                raise
            raise exceptions.ValidationError({"thresholds": exc.messages}) from exc
        return Response(ProfileVersionSerializer(version).data, status=status.HTTP_201_CREATED)


# ---------------------------------------------------------------- runs
class ScreeningRunFilter(django_filters.FilterSet):
    profile = django_filters.CharFilter(field_name="version__profile__code", help_text="Profile code.")
    region = django_filters.CharFilter(field_name="region__code", help_text="Region code.")
    year = django_filters.NumberFilter()
    status = django_filters.ChoiceFilter(choices=RunStatus.choices)

    class Meta:
        model = ScreeningRun
        fields = ["profile", "region", "year", "status"]


class ScreeningResultFilter(django_filters.FilterSet):
    tier = django_filters.CharFilter(method="by_tier", help_text="Tier (a person's override counts).")
    flag = django_filters.CharFilter(method="by_flag", help_text="Hazard flag (PBT, vPvB, CMR …) the result has.")
    q = django_filters.CharFilter(method="search", help_text="Substance name, synonym or CAS RN.")

    class Meta:
        model = ScreeningResult
        fields = ["tier", "flag", "q"]

    def by_tier(self, queryset, name, value):
        return queryset.alias(effective=EFFECTIVE_TIER).filter(effective=value.strip())

    def by_flag(self, queryset, name, value):
        return queryset.filter(flags__contains=[value.strip()])

    def search(self, queryset, name, value):
        if not value.strip():
            return queryset
        return queryset.filter(substance__in=substance_search(Substance.objects.all(), value).values("pk"))


class ScreeningRunViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScreeningViewSet):
    """Screenings of a region's substances for a survey year with one profile version. Creating one
    queues the computation; follow `status` and `progress`, then read `results` (ranked) or `compare`
    two runs."""

    serializer_class = ScreeningRunSerializer
    pagination_class = NoCountPagination
    filterset_class = ScreeningRunFilter
    queryset = ScreeningRun.objects.none()
    action_permissions = {"create": "screening.run_screening"}

    def get_queryset(self):
        if self.action == "results":  # the action lists results (and filters them with its own filterset)
            if self._fake():
                return ScreeningResult.objects.none()
            return (ScreeningResult.objects.filter(run=self._run(self.kwargs["pk"])).select_related("substance")
                    .defer("criteria", "inputs", "override_reason").order_by("rank", "pk"))
        if self._fake():
            return ScreeningRun.objects.none()
        return self._runs()

    def _runs(self):
        return (ScreeningRun.objects.visible_to(self.request.user)
                .select_related("version__profile", "region").order_by("-created_at", "-pk"))

    def _run(self, pk):
        return visible_or_404(self._runs(), pk)

    def get_serializer_class(self):
        return ScreeningRunDetailSerializer if self.action == "retrieve" else ScreeningRunSerializer

    def _detail(self, run):
        counts = dict(ScreeningResult.objects.filter(run=run).annotate(effective=EFFECTIVE_TIER)
                      .values_list("effective").annotate(n=Count("pk")).order_by())
        order = profiles.tier_order(run.version.profile.code)
        run.tier_counts = [{"tier": tier, "count": counts.get(tier, 0)}
                           for tier in sorted(order.keys() | counts.keys(), key=lambda t: (-order.get(t, 0), t))]
        return ScreeningRunDetailSerializer(run).data

    def retrieve(self, request, pk=None):
        return Response(self._detail(self.get_object()))

    @extend_schema(request=ScreeningRunCreateSerializer, responses={201: ScreeningRunDetailSerializer})
    def create(self, request):
        """Queue a run; it is computed in the background (status queued → running → done)."""
        data = ScreeningRunCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        run = services.run_create(actor=request.user, **data.validated_data)
        return Response(self._detail(self._runs().get(pk=run.pk)), status=status.HTTP_201_CREATED)

    @extend_schema(responses=ScreeningResultSerializer(many=True))
    @action(detail=True, methods=["get"], filterset_class=ScreeningResultFilter,
            serializer_class=ScreeningResultSerializer, queryset=ScreeningResult.objects.none())
    def results(self, request, pk=None):
        """The run's results by rank, without the criteria and inputs (read one result for those)."""
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(ScreeningResultSerializer(page, many=True).data)

    @extend_schema(parameters=[OpenApiParameter("other", OpenApiTypes.INT, required=True,
                                                description="Id of the run to compare with.")],
                   responses=CompareSerializer)
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def compare(self, request, pk=None):
        """Rank and tier of each substance in this run and in the other: substances in both runs with the
        change, and those only in one of them."""
        run = self._run(pk)
        raw = (request.query_params.get("other") or "").strip()
        if not raw:
            raise exceptions.ValidationError({"other": [_("This field is required.")]})
        other = self._run(raw)
        same_profile = run.version.profile_id == other.version.profile_id
        order = profiles.tier_order(run.version.profile.code)

        def ranked(of):
            rows = (ScreeningResult.objects.filter(run=of).annotate(effective=EFFECTIVE_TIER)
                    .values_list("substance_id", "rank", "effective").order_by("rank"))
            return {substance: (rank, tier) for substance, rank, tier in rows}

        mine, theirs = ranked(run), ranked(other)
        names = {pk: (cas, name) for pk, cas, name in
                 Substance.objects.filter(pk__in=mine.keys() | theirs.keys()).values_list("pk", "cas", "name_zh")}

        def row(substance):
            rank, tier = mine.get(substance, (None, None))
            other_rank, other_tier = theirs.get(substance, (None, None))
            both = rank is not None and other_rank is not None
            cas, name = names.get(substance, (None, ""))
            return {"substance": substance, "cas": cas, "name_zh": name,
                    "rank": rank, "tier": tier, "other_rank": other_rank, "other_tier": other_tier,
                    "rank_change": other_rank - rank if both else None,
                    "tier_changed": both and tier != other_tier,
                    "tier_change": (_tier_change(order, tier, other_tier) if both and same_profile else None)}

        data = {
            "run": run.pk, "other": other.pk,
            "both": [row(s) for s in sorted(mine.keys() & theirs.keys(), key=lambda s: mine[s][0])],
            "only_in_run": [row(s) for s in sorted(mine.keys() - theirs.keys(), key=lambda s: mine[s][0])],
            "only_in_other": [row(s) for s in sorted(theirs.keys() - mine.keys(), key=lambda s: theirs[s][0])],
        }
        return Response(CompareSerializer(data).data)


def _tier_change(order: dict, tier: str, other_tier: str) -> str:
    """"up" when the tier is higher in this run than in the other, "down" when lower, else "same"."""
    mine, theirs = order.get(tier, 0), order.get(other_tier, 0)
    return "up" if mine > theirs else "down" if mine < theirs else "same"


# ---------------------------------------------------------------- results
class ScreeningResultViewSet(mixins.RetrieveModelMixin, ScreeningViewSet):
    """One substance in one run, with each criterion's outcome and reason and the inputs it used.
    `override` sets the tier by hand, with a justification."""

    serializer_class = ScreeningResultDetailSerializer
    queryset = ScreeningResult.objects.none()
    action_permissions = {"override": "screening.run_screening"}

    def get_queryset(self):
        if self._fake():
            return ScreeningResult.objects.none()
        return _results_visible(self.request.user).select_related("substance", "overridden_by")

    @extend_schema(request=OverrideSerializer, responses=ScreeningResultDetailSerializer)
    @action(detail=True, methods=["post"])
    def override(self, request, pk=None):
        result = self.get_object()
        data = OverrideSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        result = services.result_override(actor=request.user, result=result, **data.validated_data)
        return Response(ScreeningResultDetailSerializer(self.get_queryset().get(pk=result.pk)).data)


# ---------------------------------------------------------------- assessments
class RiskAssessmentFilter(django_filters.FilterSet):
    status = django_filters.ChoiceFilter(choices=AssessmentStatus.choices)
    substance = django_filters.NumberFilter(field_name="substance_id")

    class Meta:
        model = RiskAssessment
        fields = ["status", "substance"]


class RiskAssessmentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScreeningViewSet):
    """The four-step assessment (危害识别, 剂量—反应评估, 暴露评估, 风险表征): written by bureau staff,
    submitted, approved (or returned) by someone other than its author. An approved assessment
    concluding needs_control proposes the substance for the local supplementary list."""

    serializer_class = RiskAssessmentSerializer
    pagination_class = NoCountPagination
    filterset_class = RiskAssessmentFilter
    queryset = RiskAssessment.objects.none()
    parser_classes = [JSONParser, MultiPartParser, FormParser]
    action_permissions = {"create": "screening.add_riskassessment",
                          "partial_update": "screening.change_riskassessment",
                          "submit": "screening.change_riskassessment",
                          "attach": "screening.change_riskassessment",
                          "review": "screening.approve_riskassessment"}

    def get_queryset(self):
        if self._fake():
            return RiskAssessment.objects.none()
        qs = (RiskAssessment.objects.visible_to(self.request.user)
              .select_related("substance", "region", "created_by", "reviewed_by", "proposal")
              .order_by("-created_at", "-pk"))
        if self.action != "list":
            qs = qs.prefetch_related(Prefetch("attachments", queryset=AssessmentAttachment.objects
                                              .select_related("uploaded_by").order_by("uploaded_at", "pk")))
        return qs

    def get_serializer_class(self):
        return RiskAssessmentSerializer if self.action == "list" else RiskAssessmentDetailSerializer

    def _detail(self, assessment):
        return RiskAssessmentDetailSerializer(self.get_queryset().get(pk=assessment.pk)).data

    @extend_schema(request=RiskAssessmentCreateSerializer, responses={201: RiskAssessmentDetailSerializer})
    def create(self, request):
        """Start an assessment of a substance in a region, from a screening result or not (with a result,
        the hazard identification starts from the screening's reasons)."""
        data = RiskAssessmentCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        result = values.pop("result")
        if result is not None:
            result = visible_or_404(_results_visible(request.user).select_related(
                "substance", "run__region", "run__version__profile"), result)
            values.setdefault("substance", result.substance)
            values.setdefault("region", result.run.region)
            if values["substance"].pk != result.substance_id:
                raise exceptions.ValidationError(
                    {"substance": [_("The substance is not the one of the screening result.")]})
        missing = {field: [_("This field is required.")] for field in ("substance", "region") if field not in values}
        if missing:
            raise exceptions.ValidationError(missing)
        assessment = services.assessment_create(actor=request.user, result=result, **values)
        return Response(self._detail(assessment), status=status.HTTP_201_CREATED)

    @extend_schema(request=RiskAssessmentUpdateSerializer, responses=RiskAssessmentDetailSerializer)
    def partial_update(self, request, pk=None):
        """Write the steps, the conclusion and the recommended measures (drafts and returned ones only)."""
        assessment = self.get_object()
        data = RiskAssessmentUpdateSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        assessment = services.assessment_update(actor=request.user, assessment=assessment, **data.validated_data)
        return Response(self._detail(assessment))

    @extend_schema(request=None, responses=RiskAssessmentDetailSerializer)
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Submit for approval: all four steps written and a conclusion chosen (with measures when it
        needs control); otherwise 400 naming what is missing."""
        assessment = services.assessment_submit(actor=request.user, assessment=self.get_object())
        return Response(self._detail(assessment))

    @extend_schema(request=AssessmentReviewSerializer, responses=RiskAssessmentDetailSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        """Approve, or return with a note. The author cannot approve their own assessment (403)."""
        assessment = self.get_object()
        data = AssessmentReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        assessment = services.assessment_review(actor=request.user, assessment=assessment, **data.validated_data)
        return Response(self._detail(assessment))

    @extend_schema(request={"multipart/form-data": AttachmentUploadSerializer},
                   responses={201: AttachmentSerializer})
    @action(detail=True, methods=["post"], parser_classes=[MultiPartParser, FormParser])
    def attach(self, request, pk=None):
        """Attach a file (multipart, field `file`) to a draft or returned assessment."""
        assessment = self.get_object()
        data = AttachmentUploadSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        attachment = services.assessment_attach(actor=request.user, assessment=assessment,
                                                upload=data.validated_data["file"])
        attachment = AssessmentAttachment.objects.select_related("uploaded_by").get(pk=attachment.pk)
        return Response(AttachmentSerializer(attachment).data, status=status.HTTP_201_CREATED)


# ---------------------------------------------------------------- proposals
class ControlProposalFilter(django_filters.FilterSet):
    status = django_filters.CharFilter()

    class Meta:
        model = ControlProposal
        fields = ["status"]


class ControlProposalViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ScreeningViewSet):
    """Substances proposed for the local supplementary control list by approved assessments."""

    serializer_class = ControlProposalSerializer
    pagination_class = NoCountPagination
    filterset_class = ControlProposalFilter
    queryset = ControlProposal.objects.none()

    def get_queryset(self):
        if self._fake():
            return ControlProposal.objects.none()
        return (ControlProposal.objects.visible_to(self.request.user).select_related("substance", "region")
                .order_by("-created_at", "-pk"))
