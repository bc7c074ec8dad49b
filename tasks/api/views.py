from django.core.exceptions import PermissionDenied
from django.http import FileResponse, Http404
from drf_spectacular.utils import extend_schema
from rest_framework import exceptions, mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.response import Response

from portal import permissions as perms
from portal.api.parsers import JSONParser
from portal.api.permissions import ModuleAccess
from tasks import selectors, services
from tasks.models import ExtensionRequest, ProgressReport, ReportDocument, Task

from .serializers import (
    DecisionSerializer,
    ExtensionRequestSerializer,
    IndicatorSerializer,
    IndicatorValueSerializer,
    PlanSerializer,
    ProgressReportCreateSerializer,
    ProgressReportSerializer,
    ReportDocumentRequestSerializer,
    ReportDocumentSerializer,
    ReviewSerializer,
    TaskSerializer,
)


class TasksModule(viewsets.GenericViewSet):
    permission_classes = [ModuleAccess]
    module = "tasks"


class PlanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TasksModule):
    serializer_class = PlanSerializer
    filterset_fields = ["status"]

    def get_queryset(self):
        return selectors.plan_list(user=self.request.user)

    @extend_schema(request=None, responses=PlanSerializer)
    @action(detail=True, methods=["post"])
    def publish(self, request, pk=None):
        plan = services.plan_publish(actor=request.user, plan=self.get_object())
        return Response(PlanSerializer(plan).data)


class TaskViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TasksModule):
    serializer_class = TaskSerializer
    parser_classes = [JSONParser, MultiPartParser, FormParser]

    def get_queryset(self):
        return selectors.task_list(user=self.request.user, filters=self.request.query_params.dict())

    @extend_schema(request=ProgressReportCreateSerializer, responses=ProgressReportSerializer)
    @action(detail=True, methods=["post"])
    def report(self, request, pk=None):
        if not perms.can(request.user, "tasks.report_progress"):
            raise exceptions.PermissionDenied
        task = self.get_object()
        data = ProgressReportCreateSerializer(data={**request.data.dict(), "files": request.FILES.getlist("files")}
                                              if hasattr(request.data, "dict") else request.data)
        data.is_valid(raise_exception=True)
        try:
            report = services.progress_report_submit(actor=request.user, task=task, **data.validated_data)
        except PermissionDenied as exc:
            raise Http404 from exc
        return Response(ProgressReportSerializer(report).data, status=status.HTTP_201_CREATED)


class ProgressReportViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TasksModule):
    serializer_class = ProgressReportSerializer
    filterset_fields = ["status"]

    def get_queryset(self):
        return (ProgressReport.objects.filter(assignment__task__in=Task.objects.visible_to(self.request.user))
                .select_related("assignment__department").prefetch_related("evidence").order_by("-submitted_at"))

    @extend_schema(request=ReviewSerializer, responses=ProgressReportSerializer)
    @action(detail=True, methods=["post"])
    def review(self, request, pk=None):
        data = ReviewSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        report = services.progress_report_review(actor=request.user, report=self.get_object(), **data.validated_data)
        return Response(ProgressReportSerializer(report).data)


class ExtensionRequestViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, mixins.CreateModelMixin, TasksModule):
    serializer_class = ExtensionRequestSerializer
    filterset_fields = ["status"]

    def get_queryset(self):
        return (ExtensionRequest.objects.filter(task__in=Task.objects.visible_to(self.request.user))
                .select_related("department").order_by("-requested_at"))

    def create(self, request, *args, **kwargs):
        data = self.get_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        task = Task.objects.visible_to(request.user).filter(pk=data.validated_data["task"].pk).first()
        if task is None:
            raise Http404
        try:
            ext = services.extension_request_create(actor=request.user, task=task,
                                                    new_deadline=data.validated_data["new_deadline"],
                                                    reason=data.validated_data["reason"])
        except PermissionDenied as exc:
            raise Http404 from exc
        return Response(ExtensionRequestSerializer(ext).data, status=status.HTTP_201_CREATED)

    @extend_schema(request=DecisionSerializer, responses=ExtensionRequestSerializer)
    @action(detail=True, methods=["post"])
    def decide(self, request, pk=None):
        data = DecisionSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        ext = services.extension_request_decide(actor=request.user, request=self.get_object(), **data.validated_data)
        return Response(ExtensionRequestSerializer(ext).data)


class IndicatorViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TasksModule):
    serializer_class = IndicatorSerializer

    def get_queryset(self):
        return selectors.indicator_list(user=self.request.user)

    @extend_schema(request=IndicatorValueSerializer, responses=IndicatorValueSerializer)
    @action(detail=True, methods=["post"], url_path="values")
    def report_value(self, request, pk=None):
        data = IndicatorValueSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        value = services.indicator_value_report(actor=request.user, indicator=self.get_object(), **data.validated_data)
        return Response(IndicatorValueSerializer(value).data, status=status.HTTP_201_CREATED)


class ReportDocumentViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TasksModule):
    """PDF progress reports made for the signed-in user: request one (generated in the background),
    follow its status, download it when done."""

    serializer_class = ReportDocumentSerializer
    queryset = ReportDocument.objects.none()  # for the schema; get_queryset narrows to the recipient

    def get_queryset(self):
        return ReportDocument.objects.filter(recipient=self.request.user).order_by("-requested_at")

    @extend_schema(request=ReportDocumentRequestSerializer, responses=ReportDocumentSerializer)
    def create(self, request):
        from tasks.documents import report_document_request

        data = ReportDocumentRequestSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        plan = selectors.plan_list(user=request.user).filter(pk=data.validated_data["plan"]).first()
        if plan is None:
            raise Http404
        document = report_document_request(actor=request.user, plan=plan,
                                           period=data.validated_data["period"].replace(day=1))
        return Response(ReportDocumentSerializer(document).data, status=status.HTTP_202_ACCEPTED)

    @extend_schema(responses={(200, "application/pdf"): bytes})
    @action(detail=True, methods=["get"])
    def download(self, request, pk=None):
        document = self.get_object()
        if document.status != "done":
            raise Http404
        return FileResponse(document.file.open("rb"), as_attachment=True, content_type="application/pdf",
                            filename=f"{document.plan.title}-{document.period:%Y年%m月}进展报告.pdf")
