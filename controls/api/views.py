"""The controls API (/api/v1/controls/): control lists with their entries and 一品一策 measures, the
controlled-enterprise list (一名单) and its publications, and 双随机、一公开 draws and inspections.

Reads use scoped querysets and controls.selectors (prefetched, so a list costs the same number of queries
whatever its length); every write goes through controls.services, which checks permissions, scope and rules,
validates and audits. Domain errors become 400 (with the services' messages, by field where they name one)
and 403 answers through portal.api.exceptions; rows outside the user's region are 404."""
from __future__ import annotations

import django_filters
from django.db.models import Prefetch, Q
from django.http import Http404
from django.utils.translation import gettext as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import exceptions, mixins, status
from rest_framework.decorators import action
from rest_framework.permissions import BasePermission
from rest_framework.response import Response

from inventory.models import Enterprise
from portal import permissions as perms
from portal.api.pagination import NoCountPagination
from portal.api.permissions import ModuleAccess
from portal.api.viewsets import ModuleViewSet, visible_or_404
from portal.models import User

from .. import selectors, services
from ..choices import EnterpriseStatus, InspectionResult, ListKind, ListStatus, MeasureStatus
from ..models import (
    ControlEntry,
    ControlledEnterprise,
    ControlledEnterpriseListPublication,
    ControlledEnterpriseMeasure,
    ControlList,
    ControlMeasure,
    EntrySubstance,
    Inspection,
    InspectionDraw,
)
from .serializers import (
    ControlEditionSerializer,
    ControlEntryCreateSerializer,
    ControlEntrySavedSerializer,
    ControlEntrySerializer,
    ControlEntryWriteSerializer,
    ControlledAddSerializer,
    ControlledDecideSerializer,
    ControlledEnterpriseDetailSerializer,
    ControlledEnterpriseSerializer,
    ControlledPublicationDetailSerializer,
    ControlledPublicationSerializer,
    ControlListCreateSerializer,
    ControlListDetailSerializer,
    ControlListDiffSerializer,
    ControlListSerializer,
    ControlMeasureCreateSerializer,
    ControlMeasureSerializer,
    ControlMeasureWriteSerializer,
    DrawPublishedSerializer,
    DrawRunSerializer,
    InspectionDetailSerializer,
    InspectionDrawDetailSerializer,
    InspectionDrawSerializer,
    InspectionSerializer,
    MeasureStatusSerializer,
    MeasureStatusSetSerializer,
    MeasureTaskResultSerializer,
    MeasureTaskSerializer,
    PublishSerializer,
    TakenProposalsSerializer,
)

MANAGE_LIST = "controls.manage_controllist"
MANAGE_CONTROLLED = "controls.manage_controlledenterprise"
MANAGE_INSPECTION = "controls.manage_inspection"
WRITES = ("create", "update", "partial_update", "destroy")



def _entries_prefetched(queryset):
    return queryset.prefetch_related(
        Prefetch("entry_substances", queryset=EntrySubstance.objects.order_by("pk")),
        Prefetch("measures", queryset=ControlMeasure.objects.order_by("pk").prefetch_related("departments")))


def _given(request, field: str) -> bool:
    """Whether the request names the field at all (a form post leaves an empty list out)."""
    return field in request.data


# ---------------------------------------------------------------- base
class ControlsViewSet(ModuleViewSet):
    """Module access for every action (anonymous 401, roles outside the controls module 403); then
    `base_permission` for every action and the permissions of `action_permissions` for those named."""

    module = "controls"


# ---------------------------------------------------------------- lists
class ControlListFilter(django_filters.FilterSet):
    kind = django_filters.ChoiceFilter(choices=ListKind.choices)
    status = django_filters.ChoiceFilter(choices=ListStatus.choices)

    class Meta:
        model = ControlList
        fields = ["kind", "status"]


class ControlListViewSet(mixins.ListModelMixin, ControlsViewSet):
    """Editions of the control lists the user's region applies: the national ones, their province's and city's,
    and those of the regions below. A list in force is not edited in place: `edition` drafts the next one,
    `in-force` puts a draft in force (the edition it replaces is superseded)."""

    serializer_class = ControlListSerializer
    pagination_class = NoCountPagination
    filterset_class = ControlListFilter
    queryset = ControlList.objects.none()
    action_permissions = dict.fromkeys(("create", "edition", "in_force", "take_proposals"), MANAGE_LIST)

    def get_queryset(self):
        if self._fake():
            return ControlList.objects.none()
        return selectors.list_list(user=self.request.user)

    def get_serializer_class(self):
        return ControlListSerializer if self.action == "list" else ControlListDetailSerializer

    def _list(self, pk) -> ControlList:
        return visible_or_404(ControlList.objects.visible_to(self.request.user), pk)

    def _detail(self, pk):
        clist, entries = selectors.list_detail(user=self.request.user, pk=pk)
        clist.entry_rows, clist.n_entries = entries, len(entries)
        return ControlListDetailSerializer(clist).data

    def retrieve(self, request, pk=None):
        """The edition with its entries in order: CAS numbers and measures (type, scope, dates, responsible
        departments, whether verified), and what is still 待核实."""
        return Response(self._detail(pk))

    @extend_schema(request=ControlListCreateSerializer, responses={201: ControlListDetailSerializer})
    def create(self, request):
        """Create a local supplementary list (provincial or city) as a draft, in a region within your scope."""
        data = ControlListCreateSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        clist = services.list_save(actor=request.user, kind=ListKind.LOCAL_SUPPLEMENT, **data.validated_data)
        return Response(self._detail(clist.pk), status=status.HTTP_201_CREATED)

    @extend_schema(responses=ControlListDiffSerializer)
    @action(detail=True, methods=["get"], filter_backends=[], pagination_class=None)
    def diff(self, request, pk=None):
        """What this edition changes against the one it replaces: entries added, removed and changed (fields,
        CAS numbers, measures). 404 for a first edition."""
        clist = self._list(pk)
        if clist.previous_id is None:
            raise Http404
        previous = self._list(clist.previous_id)
        diff = selectors.list_diff(old=previous, new=clist)

        def measures(rows):
            return [{"type": str(kind), "scope": scope, "effective_on": effective_on, "ends_on": ends_on}
                    for kind, scope, effective_on, ends_on in rows]

        data = {"list": clist.pk, "previous": previous.pk,
                "added": sorted(diff["added"], key=lambda e: e.number),
                "removed": sorted(diff["removed"], key=lambda e: e.number),
                "changed": [{**change, "measures_added": measures(change["measures_added"]),
                             "measures_removed": measures(change["measures_removed"])}
                            for change in diff["changed"]]}
        return Response(ControlListDiffSerializer(data).data)

    @extend_schema(request=ControlEditionSerializer, responses={201: ControlListDetailSerializer})
    @action(detail=True, methods=["post"])
    def edition(self, request, pk=None):
        """Draft the next edition: a copy of the entries, CAS numbers and measures to edit. One draft at a time."""
        clist = self._list(pk)
        data = ControlEditionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        new = services.list_edition_create(actor=request.user, clist=clist, **data.validated_data)
        return Response(self._detail(new.pk), status=status.HTTP_201_CREATED)

    @extend_schema(request=None, responses=ControlListDetailSerializer)
    @action(detail=True, methods=["post"], url_path="in-force")
    def in_force(self, request, pk=None):
        """Put a draft edition in force (it needs entries and the date it takes effect); the edition it replaces
        is superseded and the controlled-enterprise list recomputed, keeping the bureau's decisions."""
        clist = services.list_put_in_force(actor=request.user, clist=self._list(pk))
        return Response(self._detail(clist.pk))

    @extend_schema(request=None, responses=TakenProposalsSerializer)
    @action(detail=True, methods=["post"], url_path="take-proposals")
    def take_proposals(self, request, pk=None):
        """Turn the open proposals of approved risk assessments in the list's region into draft entries of this
        local supplementary list."""
        created = services.proposals_take(actor=request.user, clist=self._list(pk))
        entries = _entries_prefetched(ControlEntry.objects.filter(pk__in=[e.pk for e in created]).order_by("number"))
        return Response(TakenProposalsSerializer({"created": entries}).data)


# ---------------------------------------------------------------- entries
class ControlEntryViewSet(mixins.RetrieveModelMixin, ControlsViewSet):
    """Entries of a draft edition, with their CAS numbers (`cas` as a list, or `cas_text`). Saving answers with
    `warnings`: a CAS number also in another entry of the list is allowed for groups and flagged for a single
    substance. Entries of a list in force or superseded are not edited (400); national lists are reference data
    (403)."""

    serializer_class = ControlEntrySerializer
    queryset = ControlEntry.objects.none()
    action_permissions = dict.fromkeys(WRITES, MANAGE_LIST)

    def get_queryset(self):
        if self._fake():
            return ControlEntry.objects.none()
        return _entries_prefetched(ControlEntry.objects.filter(
            list__in=ControlList.objects.visible_to(self.request.user)).select_related("list"))

    def _saved(self, entry, warnings):
        entry = self.get_queryset().get(pk=entry.pk)
        entry.warnings = warnings
        return ControlEntrySavedSerializer(entry).data

    def _values(self, data):
        values = dict(data.validated_data)
        return values, values.pop("cas_text", None)

    @extend_schema(request=ControlEntryCreateSerializer, responses={201: ControlEntrySavedSerializer})
    def create(self, request):
        data = ControlEntryCreateSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values, cas_text = self._values(data)
        clist = values.pop("list")
        entry, warnings = services.entry_save(actor=request.user, clist=clist, cas_text=cas_text, **values)
        return Response(self._saved(entry, warnings), status=status.HTTP_201_CREATED)

    def _update(self, request, partial):
        entry = self.get_object()
        data = ControlEntryWriteSerializer(data=request.data, partial=partial, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values, cas_text = self._values(data)
        entry, warnings = services.entry_save(actor=request.user, clist=entry.list, entry=entry, cas_text=cas_text,
                                              **values)
        return Response(self._saved(entry, warnings))

    @extend_schema(request=ControlEntryWriteSerializer, responses=ControlEntrySavedSerializer)
    def update(self, request, pk=None):
        return self._update(request, partial=False)

    @extend_schema(request=ControlEntryWriteSerializer, responses=ControlEntrySavedSerializer)
    def partial_update(self, request, pk=None):
        return self._update(request, partial=True)

    def destroy(self, request, pk=None):
        services.entry_delete(actor=request.user, entry=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)


# ---------------------------------------------------------------- measures
class ControlMeasureViewSet(mixins.RetrieveModelMixin, ControlsViewSet):
    """一品一策 measures of the entries of a draft edition. The model refuses an end date before the effective
    date and an exempted use without its end date (400 naming `ends_on`). `task` makes a dated measure of a list
    in force a task of a published plan, so reminders and reports cover it."""

    serializer_class = ControlMeasureSerializer
    queryset = ControlMeasure.objects.none()
    action_permissions = {**dict.fromkeys(WRITES, MANAGE_LIST), "task": MANAGE_LIST}

    def get_queryset(self):
        if self._fake():
            return ControlMeasure.objects.none()
        return (ControlMeasure.objects.filter(entry__list__in=ControlList.objects.visible_to(self.request.user))
                .select_related("entry__list").prefetch_related("departments"))

    def _save(self, request, entry, measure=None, partial=False):
        serializer = ControlMeasureCreateSerializer if measure is None else ControlMeasureWriteSerializer
        data = serializer(data=request.data, partial=partial, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = dict(data.validated_data)
        entry = values.pop("entry", entry)
        departments = values.pop("departments", None)
        measure = services.measure_save(actor=request.user, entry=entry, measure=measure,
                                        departments=departments if _given(request, "departments") else None,
                                        **values)
        return ControlMeasureSerializer(self.get_queryset().get(pk=measure.pk)).data

    @extend_schema(request=ControlMeasureCreateSerializer, responses={201: ControlMeasureSerializer})
    def create(self, request):
        return Response(self._save(request, entry=None), status=status.HTTP_201_CREATED)

    @extend_schema(request=ControlMeasureWriteSerializer, responses=ControlMeasureSerializer)
    def update(self, request, pk=None):
        measure = self.get_object()
        return Response(self._save(request, measure.entry, measure))

    @extend_schema(request=ControlMeasureWriteSerializer, responses=ControlMeasureSerializer)
    def partial_update(self, request, pk=None):
        measure = self.get_object()
        return Response(self._save(request, measure.entry, measure, partial=True))

    def destroy(self, request, pk=None):
        services.measure_delete(actor=request.user, measure=self.get_object())
        return Response(status=status.HTTP_204_NO_CONTENT)

    @extend_schema(request=MeasureTaskSerializer,
                   responses={201: MeasureTaskResultSerializer,
                              200: OpenApiResponse(MeasureTaskResultSerializer,
                                                   description="The measure already had a task in that plan.")})
    @action(detail=True, methods=["post"])
    def task(self, request, pk=None):
        """Make the measure a task of a published plan, due `days_after` days after its date (an exemption's
        end, else the date it takes effect), led by the first department. Once per plan and measure."""
        measure = self.get_object()
        data = MeasureTaskSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = data.validated_data
        task, created = services.measure_task_create(
            actor=request.user, measure=measure, plan=values["plan"], days_after=values["days_after"],
            departments=values.get("departments") if _given(request, "departments") else None)
        body = MeasureTaskResultSerializer({"task": task.pk, "title": task.title, "deadline": task.deadline,
                                            "created": created}).data
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


# ---------------------------------------------------------------- the controlled-enterprise list (一名单)
CONTROLLED_PARAMETERS = [
    OpenApiParameter("list", OpenApiTypes.INT, required=True, description="Id of the control list."),
    OpenApiParameter("status", OpenApiTypes.STR, enum=EnterpriseStatus.values),
    OpenApiParameter("region", OpenApiTypes.STR, description="Region code: enterprises of this region and below."),
    OpenApiParameter("entry", OpenApiTypes.INT, description="Number of an entry that applies."),
    OpenApiParameter("measure_status", OpenApiTypes.STR, enum=MeasureStatus.values,
                     description="Implementation status of one of its measures."),
    OpenApiParameter("q", OpenApiTypes.STR, description="Enterprise name, or the start of its credit code."),
]


class ControlledEnterpriseViewSet(mixins.ListModelMixin, ControlsViewSet):
    """The enterprises on a list's controlled-enterprise list, with the basis that put them there. The survey
    figures of the basis (activity, year, quantity, lines) are shown only to users who may read survey reports
    (department officers never see them). Bureau staff add (with evidence), confirm, remove (with a reason)
    and restore; the responsible departments and the bureau set each measure's implementation status."""

    serializer_class = ControlledEnterpriseSerializer
    pagination_class = NoCountPagination
    filter_backends = []
    queryset = ControlledEnterprise.objects.none()
    action_permissions = {"create": MANAGE_CONTROLLED, "decide": MANAGE_CONTROLLED,
                          "measure_status": "controls.update_measure_status"}

    def get_queryset(self):
        if self._fake():
            return ControlledEnterprise.objects.none()
        return ControlledEnterprise.objects.visible_to(self.request.user).select_related("list", "enterprise__region")

    def get_serializer_class(self):
        return ControlledEnterpriseSerializer if self.action == "list" else ControlledEnterpriseDetailSerializer

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["show_quantities"] = perms.can(self.request.user, "inventory.view_surveyreport")
        return context

    def _detail(self, pk):
        controlled, entries = selectors.controlled_detail(user=self.request.user, pk=pk)
        controlled.applicable = entries
        context = {**self.get_serializer_context(), "entry_names": {e.number: e.name for e in entries}}
        return ControlledEnterpriseDetailSerializer(controlled, context=context).data

    @extend_schema(parameters=CONTROLLED_PARAMETERS)
    def list(self, request):
        raw = (request.query_params.get("list") or "").strip()
        if not raw:
            raise exceptions.ValidationError({"list": [_("This field is required.")]})
        clist = visible_or_404(ControlList.objects.visible_to(request.user), raw)
        page = self.paginate_queryset(selectors.controlled_list(user=request.user, clist=clist,
                                                                filters=request.query_params))
        context = {**self.get_serializer_context(), "entry_names": selectors.entry_names(clist)}
        return self.get_paginated_response(ControlledEnterpriseSerializer(page, many=True, context=context).data)

    def retrieve(self, request, pk=None):
        """The enterprise with its basis and the measures of the applicable entries, each with its
        implementation status."""
        return Response(self._detail(pk))

    @extend_schema(request=ControlledAddSerializer, responses={201: ControlledEnterpriseDetailSerializer})
    def create(self, request):
        """Put an enterprise on a list in force by hand, for the entries named, with the evidence."""
        data = ControlledAddSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = data.validated_data
        controlled = services.controlled_enterprise_add(
            actor=request.user, clist=values["list"], enterprise=self._enterprise(values["enterprise"]),
            entries=values.get("entries", []), evidence=values["evidence"])
        return Response(self._detail(controlled.pk), status=status.HTTP_201_CREATED)

    def _enterprise(self, value: str) -> Enterprise:
        value = value.strip()
        match = Q(credit_code=value.upper())
        if value.isdigit() and len(value) < 18:
            match |= Q(pk=int(value))
        enterprise = Enterprise.objects.visible_to(self.request.user).filter(match).first()
        if enterprise is None:
            raise exceptions.ValidationError({"enterprise": [
                _("No enterprise with credit code or id %(value)s in your region.") % {"value": value}]})
        return enterprise

    @extend_schema(request=ControlledDecideSerializer, responses=ControlledEnterpriseDetailSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        """Confirm a derived enterprise, remove one (`reason` required) or restore a removed one. Decisions are
        kept through every recomputation."""
        controlled = self.get_object()
        data = ControlledDecideSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        services.controlled_enterprise_decide(actor=request.user, controlled=controlled, **data.validated_data)
        return Response(self._detail(controlled.pk))

    @extend_schema(request=MeasureStatusSetSerializer, responses=MeasureStatusSerializer)
    @action(detail=True, methods=["post"], url_path="measure-status")
    def measure_status(self, request, pk=None):
        """Set the implementation status of an applicable measure at the enterprise: the bureau, or a department
        responsible for the measure (others: 403). Rectification and exemption need a note."""
        controlled = self.get_object()
        data = MeasureStatusSetSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        row = services.controlled_measure_status_set(actor=request.user, controlled=controlled,
                                                     **data.validated_data)
        row = ControlledEnterpriseMeasure.objects.select_related("updated_by").get(pk=row.pk)
        return Response(MeasureStatusSerializer(row).data)


# ---------------------------------------------------------------- publications
class PublicationFilter(django_filters.FilterSet):
    list = django_filters.NumberFilter(field_name="list_id", help_text="Id of the control list.")
    region = django_filters.CharFilter(field_name="region__code", help_text="Region code.")

    class Meta:
        model = ControlledEnterpriseListPublication
        fields = ["list", "region"]


class ControlledPublicationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ControlsViewSet):
    """Dated, numbered publications of a region's controlled-enterprise list, holding only what is public (name,
    credit code, region, entries, measures). `publish` publishes the current list as the next version; the
    public page shows it at once."""

    serializer_class = ControlledPublicationSerializer
    pagination_class = NoCountPagination
    filterset_class = PublicationFilter
    queryset = ControlledEnterpriseListPublication.objects.none()
    action_permissions = {"publish": "controls.publish_controlledenterprise"}

    def get_queryset(self):
        if self._fake():
            return ControlledEnterpriseListPublication.objects.none()
        qs = (ControlledEnterpriseListPublication.objects.visible_to(self.request.user)
              .select_related("region", "list", "published_by").order_by("-published_at", "-pk"))
        return qs.defer("snapshot") if self.action == "list" else qs

    def get_serializer_class(self):
        return ControlledPublicationSerializer if self.action == "list" else ControlledPublicationDetailSerializer

    @extend_schema(request=PublishSerializer, responses={201: ControlledPublicationDetailSerializer})
    @action(detail=False, methods=["post"], filter_backends=[], pagination_class=None)
    def publish(self, request):
        """Publish the controlled-enterprise list of a list in force for a region within your scope."""
        data = PublishSerializer(data=request.data, context=self.get_serializer_context())
        data.is_valid(raise_exception=True)
        values = data.validated_data
        publication = services.controlled_list_publish(actor=request.user, clist=values["list"],
                                                       region=values["region"], note=values["note"])
        publication = self.get_queryset().get(pk=publication.pk)
        return Response(ControlledPublicationDetailSerializer(publication).data, status=status.HTTP_201_CREATED)


# ---------------------------------------------------------------- 双随机、一公开
class InspectionDrawViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ControlsViewSet):
    """Random draws of enterprises and inspectors (双随机) from a recorded seed, with everything needed to re-run
    them (`result`). `run` draws a draft (with the seed given, or a new one; the recorded seed returns the
    recorded draw, another seed is refused); `publish` publishes the approved inspection results (一公开)."""

    serializer_class = InspectionDrawSerializer
    pagination_class = NoCountPagination
    filter_backends = []
    queryset = InspectionDraw.objects.none()
    base_permission = "controls.view_inspectiondraw"
    action_permissions = {"run": MANAGE_INSPECTION, "publish": MANAGE_INSPECTION}

    def get_queryset(self):
        if self._fake():
            return InspectionDraw.objects.none()
        if self.action == "list":
            return selectors.draw_list(user=self.request.user, filters=self.request.query_params).defer("result")
        return (selectors.draw_list(user=self.request.user).select_related("drawn_by", "created_by")
                .prefetch_related(Prefetch("inspections", queryset=Inspection.objects.select_related("enterprise")
                                           .order_by("pk"))))

    def get_serializer_class(self):
        return InspectionDrawSerializer if self.action == "list" else InspectionDrawDetailSerializer

    def _detail(self, pk):
        return self.get_queryset().get(pk=pk)

    @extend_schema(parameters=[
        OpenApiParameter("status", OpenApiTypes.STR, enum=["draft", "drawn", "published"]),
        OpenApiParameter("q", OpenApiTypes.STR, description="Words of the title.")])
    def list(self, request):
        return super().list(request)

    @extend_schema(request=DrawRunSerializer, responses=InspectionDrawDetailSerializer)
    @action(detail=True, methods=["post"])
    def run(self, request, pk=None):
        draw = self.get_object()
        data = DrawRunSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        draw = services.draw_run(actor=request.user, draw=draw, seed=data.validated_data["seed"])
        return Response(InspectionDrawDetailSerializer(self._detail(draw.pk)).data)

    @extend_schema(request=None, responses=DrawPublishedSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        draw, published = services.draw_publish(actor=request.user, draw=self.get_object())
        draw = self._detail(draw.pk)
        draw.published_now = published
        return Response(DrawPublishedSerializer(draw).data)


class SeesInspections(BasePermission):
    """Users with `controls.view_inspection`, and inspectors drawn for an inspection."""

    def has_permission(self, request, view):
        user = request.user
        return perms.can(user, "controls.view_inspection") or user.inspections.exists()


class InspectionFilter(django_filters.FilterSet):
    draw = django_filters.NumberFilter(field_name="draw_id", help_text="Id of the draw.")
    result = django_filters.ChoiceFilter(choices=InspectionResult.choices)
    published = django_filters.BooleanFilter()

    class Meta:
        model = Inspection
        fields = ["draw", "result", "published"]


class InspectionViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, ControlsViewSet):
    """Inspections of drawn enterprises: inspectors, date, result, findings with their rectifications, and
    documents. Staff and leaders see those of their region; an inspector sees those they were drawn for."""

    serializer_class = InspectionSerializer
    permission_classes = [ModuleAccess, SeesInspections]
    pagination_class = NoCountPagination
    filterset_class = InspectionFilter
    queryset = Inspection.objects.none()

    def get_queryset(self):
        if self._fake():
            return Inspection.objects.none()
        people = User.objects.select_related("department").order_by("pk")
        return (selectors.visible_inspections(user=self.request.user)
                .select_related("draw", "enterprise__region")
                .prefetch_related(Prefetch("inspectors", queryset=people)).order_by("-draw_id", "pk"))

    def get_serializer_class(self):
        return InspectionSerializer if self.action == "list" else InspectionDetailSerializer

    def retrieve(self, request, pk=None):
        return Response(InspectionDetailSerializer(selectors.inspection_detail(user=request.user, pk=pk)).data)
