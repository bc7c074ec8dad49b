"""The inventory API (/api/v1/inventory/). Reads build scoped querysets here (select_related and
prefetch_related, so a list costs the same number of queries whatever its length); every write goes
through inventory.services, which checks permissions and scope, validates and audits. Domain errors
become 400 and 403 answers through portal.api.exceptions; rows outside the user's region are 404."""
from __future__ import annotations

import re
import unicodedata

import django_filters
from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Exists, OuterRef, Prefetch, Q, Subquery, Value
from django.db.models.functions import Replace
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.response import Response

from portal import permissions as perms
from portal.api.pagination import NoCountPagination
from portal.api.viewsets import ModuleViewSet, visible_or_404
from portal.models import Region

from .. import selectors, services
from ..choices import IndustryLevel, Medium, ReportState, SiteType
from ..identifiers import DASHES, cas_normalise
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
from .serializers import (
    CampaignSerializer,
    CampaignWriteSerializer,
    DetectionFrequencySerializer,
    EnterpriseSerializer,
    EnterpriseWriteSerializer,
    IndustrySerializer,
    MonitoringResultSerializer,
    MonitoringSiteSerializer,
    ReportOpenSerializer,
    ReportReviewSerializer,
    ResolvedSerializer,
    ResolveSerializer,
    SubmitProblemsSerializer,
    SubstanceGroupSerializer,
    SubstanceGroupWriteSerializer,
    SubstanceSerializer,
    SubstanceWriteSerializer,
    SurveyLineCreateSerializer,
    SurveyLineEditSerializer,
    SurveyLineQueueSerializer,
    SurveyReportDetailSerializer,
    SurveyReportSerializer,
)


# ---------------------------------------------------------------- scoping helpers
def _under_region(field: str, code: str) -> Q:
    """Rows whose region (through `field`) is the region with this code or below it — in the same query."""
    path = Subquery(Region.objects.filter(code=code.strip()).values("path")[:1])
    return Q(**{f"{field}__path__startswith": path})


def _campaigns_visible(user):
    """Campaigns of the user's region or below, and those of the regions above it that cover it (a
    county bureau works on its city's campaign)."""
    qs = SurveyCampaign.objects.all()
    if perms.sees_everything(user):
        return qs
    top = perms.scope_region(user)
    if top is None:
        return qs.none()
    codes = top.path.strip("/").split("/")
    above = ["".join(f"{c}/" for c in codes[:i]) for i in range(1, len(codes))]
    return qs.filter(Q(region__path__startswith=top.path) | Q(region__path__in=above))


def _lines_visible(user):
    return SurveyLine.objects.filter(perms.region_q(user, "report__enterprise__region"))



# ---------------------------------------------------------------- base
class InventoryViewSet(ModuleViewSet):
    """Module access for every action (anonymous 401, roles without the inventory module 403); the
    write actions named in `action_permissions` also need that permission (leaders: 403)."""

    module = "inventory"


def _writes(perm: str, *actions: str) -> dict[str, str]:
    return dict.fromkeys(actions or ("create", "update", "partial_update"), perm)


# ---------------------------------------------------------------- substances
_CAS_LIKE = re.compile(f"^[0-9\\s\\-{DASHES}]+$")


def substance_search(queryset, q: str):
    """Names, English names and synonyms contain `q`; a `q` made of digits and dashes also matches the CAS
    RN with or without hyphens ('75-09-2', '75092', '7509')."""
    q = q.strip()
    if not q:
        return queryset
    cond = Q(name_zh__icontains=q) | Q(name_en__icontains=q) | Q(synonyms__icontains=q)
    plain = unicodedata.normalize("NFKC", q)
    digits = re.sub(r"\D", "", plain)
    if digits and _CAS_LIKE.match(plain):
        try:
            cond |= Q(cas=cas_normalise(q))
        except DjangoValidationError:
            pass
        queryset = queryset.annotate(cas_digits=Replace("cas", Value("-"), Value("")))
        cond |= Q(cas_digits__contains=digits)
    return queryset.filter(cond)


class SubstanceFilter(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", help_text="Name, English name, synonym or CAS RN.")
    group = django_filters.NumberFilter(field_name="groups", help_text="Substance group id.")

    class Meta:
        model = Substance
        fields = ["q", "group"]

    def search(self, queryset, name, value):
        return substance_search(queryset, value)


class SubstanceViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, InventoryViewSet):
    """Chemical substances. Create and update go through `substance_upsert`, keyed by the CAS RN."""

    serializer_class = SubstanceSerializer
    pagination_class = NoCountPagination
    filterset_class = SubstanceFilter
    queryset = Substance.objects.none()
    action_permissions = _writes("inventory.change_substance")

    def get_queryset(self):
        if self._fake():
            return Substance.objects.none()
        return Substance.objects.prefetch_related("groups").order_by("name_zh", "pk")

    @extend_schema(request=SubstanceWriteSerializer, responses={201: SubstanceSerializer, 200: SubstanceSerializer})
    def create(self, request):
        data = SubstanceWriteSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        substance, created = services.substance_upsert(actor=request.user, **data.validated_data)
        return Response(SubstanceSerializer(self.get_queryset().get(pk=substance.pk)).data,
                        status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(request=SubstanceWriteSerializer, responses=SubstanceSerializer)
    def update(self, request, pk=None, partial=False):
        substance = self.get_object()
        data = SubstanceWriteSerializer(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        values = {"cas": substance.cas or "", "name_zh": substance.name_zh, "name_en": substance.name_en,
                  "ec_number": substance.ec_number, "synonyms": substance.synonyms}
        values.update(data.validated_data)  # a partial update validates (and defaults) only what was sent
        if not substance.cas:
            raise exceptions.ValidationError(
                {"cas": [_("A substance without a CAS RN cannot be changed here: it has no key to update by.")]})
        try:
            same = cas_normalise(values["cas"]) == substance.cas
        except DjangoValidationError as exc:
            raise exceptions.ValidationError({"cas": exc.messages}) from exc
        if not same:
            raise exceptions.ValidationError({"cas": [_("These fields cannot be changed here: %s") % "cas"]})
        substance, _created = services.substance_upsert(actor=request.user, **values)
        return Response(SubstanceSerializer(self.get_queryset().get(pk=substance.pk)).data)

    @extend_schema(request=SubstanceWriteSerializer, responses=SubstanceSerializer)
    def partial_update(self, request, pk=None):
        return self.update(request, pk=pk, partial=True)


class SubstanceGroupViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, InventoryViewSet):
    """Groups of substances (PFOS类, 短链氯化石蜡…) with their members."""

    serializer_class = SubstanceGroupSerializer
    queryset = SubstanceGroup.objects.none()
    action_permissions = _writes("inventory.change_substancegroup")

    def get_queryset(self):
        if self._fake():
            return SubstanceGroup.objects.none()
        return SubstanceGroup.objects.prefetch_related(
            Prefetch("members", queryset=Substance.objects.order_by("name_zh", "pk"))).order_by("name", "pk")

    def _save(self, request, group=None, partial=False):
        data = SubstanceGroupWriteSerializer(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        values = {}
        if group is not None:
            values = {"name": group.name, "description": group.description, "example_cas": group.example_cas,
                      "members": list(group.members.all())}
        values.update(data.validated_data)
        group = services.substance_group_save(actor=request.user, group=group, **values)
        return self.get_queryset().get(pk=group.pk)

    @extend_schema(request=SubstanceGroupWriteSerializer, responses={201: SubstanceGroupSerializer})
    def create(self, request):
        return Response(SubstanceGroupSerializer(self._save(request)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=SubstanceGroupWriteSerializer, responses=SubstanceGroupSerializer)
    def update(self, request, pk=None):
        return Response(SubstanceGroupSerializer(self._save(request, self.get_object())).data)

    @extend_schema(request=SubstanceGroupWriteSerializer, responses=SubstanceGroupSerializer)
    def partial_update(self, request, pk=None):
        return Response(SubstanceGroupSerializer(self._save(request, self.get_object(), partial=True)).data)


# ---------------------------------------------------------------- industries and enterprises
class IndustryFilter(django_filters.FilterSet):
    level = django_filters.ChoiceFilter(choices=IndustryLevel.choices,
                                        help_text="Level of the classification; lists show classes unless given.")
    q = django_filters.CharFilter(method="search", help_text="Code prefix or part of the name.")

    class Meta:
        model = Industry
        fields = ["level", "q"]

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(code__startswith=value.upper()) | Q(name__icontains=value))


class IndustryViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, InventoryViewSet):
    """GB/T 4754-2017 国民经济行业分类, by code."""

    serializer_class = IndustrySerializer
    filterset_class = IndustryFilter
    lookup_field = "code"
    queryset = Industry.objects.none()

    def get_queryset(self):
        qs = Industry.objects.order_by("code")
        if self.action == "list" and not self.request.query_params.get("level"):
            qs = qs.filter(level=IndustryLevel.CLASS)
        return qs


class EnterpriseFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(method="in_region", help_text="Region code; includes the regions below it.")
    industry = django_filters.CharFilter(method="in_industry",
                                         help_text="Industry code (a section letter, or a code prefix).")
    q = django_filters.CharFilter(method="search", help_text="Part of the name, or the start of the credit code.")
    campaign = django_filters.NumberFilter(method="by_report", help_text="Has a report in this campaign.")
    state = django_filters.ChoiceFilter(choices=ReportState.choices, method="by_report",
                                        help_text="Has a report in this state (in `campaign` when given).")
    group = django_filters.NumberFilter(method="in_group",
                                        help_text="Reported a substance of this substance group.")

    class Meta:
        model = Enterprise
        fields = ["region", "industry", "q", "campaign", "state", "group"]

    def in_region(self, queryset, name, value):
        return queryset.filter(_under_region("region", value))

    def in_industry(self, queryset, name, value):
        value = value.strip().upper()
        if value.isalpha():
            return queryset.filter(industry__section=value)
        return queryset.filter(industry__code__startswith=value)

    def search(self, queryset, name, value):
        value = value.strip()
        return queryset.filter(Q(name__icontains=value) | Q(credit_code__startswith=value.upper()))

    def by_report(self, queryset, name, value):
        return queryset  # campaign and state filter the same report: see filter_queryset

    def in_group(self, queryset, name, value):
        return queryset.filter(Exists(SurveyLine.objects.filter(report__enterprise=OuterRef("pk"),
                                                                substance__groups=value)))

    def filter_queryset(self, queryset):
        queryset = super().filter_queryset(queryset)
        report = {}
        if self.form.cleaned_data.get("campaign") is not None:
            report["campaign_id"] = self.form.cleaned_data["campaign"]
        if self.form.cleaned_data.get("state"):
            report["state"] = self.form.cleaned_data["state"]
        if report:
            queryset = queryset.filter(Exists(SurveyReport.objects.filter(enterprise=OuterRef("pk"), **report)))
        return queryset


class EnterpriseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, InventoryViewSet):
    """Enterprises of the user's region. Contacts are masked unless the user may see them
    (`inventory.view_contacts`)."""

    serializer_class = EnterpriseSerializer
    pagination_class = NoCountPagination
    filterset_class = EnterpriseFilter
    queryset = Enterprise.objects.none()
    action_permissions = _writes("inventory.change_enterprise")

    def get_queryset(self):
        if self._fake():
            return Enterprise.objects.none()
        return Enterprise.objects.visible_to(self.request.user).select_related("region", "industry").order_by(
            "name", "pk")

    def get_serializer_context(self):
        return {**super().get_serializer_context(),
                "show_contacts": perms.can(self.request.user, "inventory.view_contacts")}

    def _save(self, request, enterprise=None, partial=False):
        data = EnterpriseWriteSerializer(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        given = dict(data.validated_data)
        values = {}
        if enterprise is not None:
            values = {"credit_code": enterprise.credit_code, "name": enterprise.name, "region": enterprise.region,
                      "industry": enterprise.industry_id or "", "confirm_legacy_code": enterprise.credit_code_override}
            if "credit_code" in given and given["credit_code"].strip().upper() != enterprise.credit_code:
                values["confirm_legacy_code"] = False
        values.update(given)
        enterprise = services.enterprise_save(
            actor=request.user, enterprise=enterprise, credit_code=values.pop("credit_code"), name=values.pop("name"),
            region=values.pop("region"), industry_code=values.pop("industry", "") or "",
            confirm_legacy_code=values.pop("confirm_legacy_code", False), **values)
        return self.get_queryset().get(pk=enterprise.pk)

    @extend_schema(request=EnterpriseWriteSerializer, responses={201: EnterpriseSerializer})
    def create(self, request):
        enterprise = self._save(request)
        return Response(self.get_serializer(enterprise).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=EnterpriseWriteSerializer, responses=EnterpriseSerializer)
    def update(self, request, pk=None):
        return Response(self.get_serializer(self._save(request, self.get_object())).data)

    @extend_schema(request=EnterpriseWriteSerializer, responses=EnterpriseSerializer)
    def partial_update(self, request, pk=None):
        return Response(self.get_serializer(self._save(request, self.get_object(), partial=True)).data)


# ---------------------------------------------------------------- campaigns
class CampaignViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, InventoryViewSet):
    """Survey campaigns of the user's region and below, and those above it that cover it."""

    serializer_class = CampaignSerializer
    filterset_fields = ["year", "kind"]
    queryset = SurveyCampaign.objects.none()
    action_permissions = _writes("inventory.change_surveycampaign")

    def get_queryset(self):
        if self._fake():
            return SurveyCampaign.objects.none()
        return (_campaigns_visible(self.request.user).select_related("region").prefetch_related("substances")
                .order_by("-year", "title", "pk"))

    def _save(self, request, campaign=None, partial=False):
        data = CampaignWriteSerializer(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        values = {}
        if campaign is not None:
            values = {"title": campaign.title, "year": campaign.year, "kind": campaign.kind,
                      "region": campaign.region, "deadline": campaign.deadline,
                      "substances": list(campaign.substances.all())}
        values.update(data.validated_data)
        campaign = services.campaign_save(actor=request.user, campaign=campaign, **values)
        return self.get_queryset().get(pk=campaign.pk)

    @extend_schema(request=CampaignWriteSerializer, responses={201: CampaignSerializer})
    def create(self, request):
        return Response(CampaignSerializer(self._save(request)).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=CampaignWriteSerializer, responses=CampaignSerializer)
    def update(self, request, pk=None):
        return Response(CampaignSerializer(self._save(request, self.get_object())).data)

    @extend_schema(request=CampaignWriteSerializer, responses=CampaignSerializer)
    def partial_update(self, request, pk=None):
        return Response(CampaignSerializer(self._save(request, self.get_object(), partial=True)).data)


# ---------------------------------------------------------------- survey reports
class SurveyReportFilter(django_filters.FilterSet):
    campaign = django_filters.NumberFilter(field_name="campaign_id")
    state = django_filters.ChoiceFilter(choices=ReportState.choices)
    region = django_filters.CharFilter(method="in_region", help_text="Region code; includes the regions below it.")
    enterprise = django_filters.NumberFilter(field_name="enterprise_id")

    class Meta:
        model = SurveyReport
        fields = ["campaign", "state", "region", "enterprise"]

    def in_region(self, queryset, name, value):
        return queryset.filter(_under_region("enterprise__region", value))


class SurveyReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, InventoryViewSet):
    """Enterprises' survey reports and their review chain: county → city → acceptance, with return for
    correction (whole report or single lines) at any step."""

    serializer_class = SurveyReportSerializer
    pagination_class = NoCountPagination
    filterset_class = SurveyReportFilter
    queryset = SurveyReport.objects.none()
    action_permissions = {"create": "inventory.submit_surveyreport", "submit": "inventory.submit_surveyreport",
                          "review": "inventory.review_surveyreport"}

    def get_queryset(self):
        if self._fake():
            return SurveyReport.objects.none()
        qs = (SurveyReport.objects.visible_to(self.request.user)
              .select_related("campaign", "enterprise__region").order_by("-updated_at", "-pk"))
        if self.action != "list":
            qs = qs.prefetch_related(
                Prefetch("lines", queryset=SurveyLine.objects.select_related("substance").order_by("pk")),
                Prefetch("reviews", queryset=ReviewRecord.objects.select_related("reviewer").order_by("created_at",
                                                                                                       "pk")))
        return qs

    def get_serializer_class(self):
        return SurveyReportSerializer if self.action == "list" else SurveyReportDetailSerializer

    def _detail(self, report):
        return SurveyReportDetailSerializer(self.get_queryset().get(pk=report.pk)).data

    @extend_schema(request=ReportOpenSerializer,
                   responses={201: SurveyReportDetailSerializer, 200: SurveyReportDetailSerializer})
    def create(self, request):
        """Open the enterprise's report for the campaign (a draft), or answer the one it has."""
        data = ReportOpenSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        campaign = visible_or_404(_campaigns_visible(request.user).select_related("region"),
                                   data.validated_data["campaign"])
        enterprise = visible_or_404(Enterprise.objects.visible_to(request.user).select_related("region"),
                                     data.validated_data["enterprise"])
        report, created = services.survey_report_open(actor=request.user, campaign=campaign, enterprise=enterprise)
        return Response(self._detail(report), status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @extend_schema(request=None, responses={200: SurveyReportDetailSerializer, 400: SubmitProblemsSerializer})
    @action(detail=True, methods=["post"])
    def submit(self, request, pk=None):
        """Submit for review. Errors of the quality checks (and warnings without a note) block it: the
        answer is 400 with the list of problems."""
        report = self.get_object()
        try:
            report = services.survey_report_submit(actor=request.user, report=report)
        except DjangoValidationError as exc:
            return Response({"problems": exc.messages}, status=status.HTTP_400_BAD_REQUEST)
        return Response(self._detail(report))

    @extend_schema(request=ReportReviewSerializer, responses=SurveyReportDetailSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        """Approve at the reviewer's level, or return for correction with a reason (for the report or
        for lines: {line id: reason})."""
        report = self.get_object()
        data = ReportReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.survey_report_review(actor=request.user, report=report, **data.validated_data)
        return Response(self._detail(report))


# ---------------------------------------------------------------- survey lines and curation
class SurveyLineFilter(django_filters.FilterSet):
    report = django_filters.NumberFilter(field_name="report_id")
    unresolved = django_filters.BooleanFilter(
        method="by_resolved", help_text="true: the curation queue (lines not linked to a substance).")

    class Meta:
        model = SurveyLine
        fields = ["report", "unresolved"]

    def by_resolved(self, queryset, name, value):
        return queryset.filter(substance__isnull=value)


class SurveyLineViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, InventoryViewSet):
    """Lines of survey reports. Lines of draft or returned reports can be added, corrected and deleted;
    `resolve` links unresolved lines to a substance (curation)."""

    serializer_class = SurveyLineQueueSerializer
    pagination_class = NoCountPagination
    filterset_class = SurveyLineFilter
    queryset = SurveyLine.objects.none()
    action_permissions = {**_writes("inventory.submit_surveyreport", "create", "update", "partial_update",
                                    "destroy"),
                          "resolve": "inventory.change_substance"}

    def get_queryset(self):
        if self._fake():
            return SurveyLine.objects.none()
        return (_lines_visible(self.request.user).select_related("substance", "report__enterprise")
                .order_by("report_id", "pk"))

    def _values(self, validated):
        values = dict(validated)
        if "substance" in values:
            substance = values.pop("substance")
            values["substance_id"] = substance.pk if substance is not None else None
        return values

    @extend_schema(request=SurveyLineCreateSerializer, responses={201: SurveyLineQueueSerializer})
    def create(self, request):
        data = SurveyLineCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        values = self._values(data.validated_data)
        report = visible_or_404(SurveyReport.objects.visible_to(request.user), values.pop("report"))
        line = services.survey_line_save(actor=request.user, report=report, **values)
        return Response(self.get_serializer(self.get_queryset().get(pk=line.pk)).data,
                        status=status.HTTP_201_CREATED)

    @extend_schema(request=SurveyLineEditSerializer, responses=SurveyLineQueueSerializer)
    def update(self, request, pk=None, partial=False):
        line = self.get_object()
        data = SurveyLineEditSerializer(data=request.data, partial=partial)
        data.is_valid(raise_exception=True)
        line = services.survey_line_save(actor=request.user, report=line.report, line=line,
                                         **self._values(data.validated_data))
        return Response(self.get_serializer(self.get_queryset().get(pk=line.pk)).data)

    @extend_schema(request=SurveyLineEditSerializer, responses=SurveyLineQueueSerializer)
    def partial_update(self, request, pk=None):
        return self.update(request, pk=pk, partial=True)

    def destroy(self, request, pk=None):
        services.survey_line_delete(actor=request.user, line=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=ResolveSerializer, responses=ResolvedSerializer)
    @action(detail=True, methods=["post"])
    def resolve(self, request, pk=None):
        """Link the line — and with `apply_to_same` every unresolved line of your region reported with the
        same name and CAS — to a substance. Answers how many lines were linked."""
        line = self.get_object()
        data = ResolveSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        linked = services.survey_line_resolve(actor=request.user, line=line, **data.validated_data)
        return Response({"linked": linked})


# ---------------------------------------------------------------- monitoring
class MonitoringSiteFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(method="in_region", help_text="Region code; includes the regions below it.")
    medium = django_filters.ChoiceFilter(choices=Medium.choices)
    site_type = django_filters.ChoiceFilter(choices=SiteType.choices)

    class Meta:
        model = MonitoringSite
        fields = ["region", "medium", "site_type"]

    def in_region(self, queryset, name, value):
        return queryset.filter(_under_region("region", value))


class MonitoringSiteViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, InventoryViewSet):
    serializer_class = MonitoringSiteSerializer
    filterset_class = MonitoringSiteFilter
    queryset = MonitoringSite.objects.none()

    def get_queryset(self):
        if self._fake():
            return MonitoringSite.objects.none()
        return MonitoringSite.objects.visible_to(self.request.user).select_related("region").order_by("code")


class MonitoringResultFilter(django_filters.FilterSet):
    site = django_filters.NumberFilter(field_name="sampling__site_id")
    substance = django_filters.NumberFilter(field_name="substance_id")
    detected = django_filters.BooleanFilter()

    class Meta:
        model = MonitoringResult
        fields = ["site", "substance", "detected"]


class MonitoringResultViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, InventoryViewSet):
    serializer_class = MonitoringResultSerializer
    pagination_class = NoCountPagination
    filterset_class = MonitoringResultFilter
    queryset = MonitoringResult.objects.none()

    def get_queryset(self):
        if self._fake():
            return MonitoringResult.objects.none()
        return (MonitoringResult.objects.filter(perms.region_q(self.request.user, "sampling__site__region"))
                .select_related("sampling__site", "substance").order_by("-sampling__sampled_on", "pk"))

    @extend_schema(
        parameters=[
            OpenApiParameter("region", OpenApiTypes.STR, description="Region code (within yours); default: yours."),
            OpenApiParameter("substances", OpenApiTypes.STR, description="Comma-separated substance ids."),
        ],
        responses=DetectionFrequencySerializer(many=True))
    @action(detail=False, methods=["get"], url_path="detection-frequency", filter_backends=[], pagination_class=None)
    def detection_frequency(self, request):
        """Share of samples in which each substance was detected, in your region (or a region below it)."""
        region = None
        if code := (request.query_params.get("region") or "").strip():
            region = Region.objects.visible_to(request.user).filter(code=code).first()
            if region is None:
                raise Http404
        substances = None
        raw = ",".join(request.query_params.getlist("substances") + request.query_params.getlist("substance"))
        if raw.strip():
            try:
                substances = sorted({int(s) for s in raw.split(",") if s.strip()})
            except ValueError as exc:
                raise exceptions.ValidationError({"substances": [_("A valid integer is required.")]}) from exc
        rows = selectors.detection_frequency(user=request.user, region=region, substances=substances)
        names = Substance.objects.in_bulk(list(rows))
        data = [{"substance": pk, "cas": names[pk].cas, "name_zh": names[pk].name_zh, **row}
                for pk, row in sorted(rows.items(), key=lambda item: (-item[1]["samples"], item[0]))]
        return Response(DetectionFrequencySerializer(data, many=True).data)
