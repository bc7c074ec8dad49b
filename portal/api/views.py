import django_filters
from django.shortcuts import get_object_or_404
from drf_spectacular.utils import extend_schema
from rest_framework import mixins, viewsets
from rest_framework.decorators import action
from rest_framework.response import Response
from rest_framework.views import APIView

from portal import selectors, services
from portal.models import Department, Notification, User

from .permissions import ModuleAccess
from .serializers import DepartmentSerializer, MeSerializer, NotificationSerializer, RegionSerializer


class MeView(APIView):
    """The signed-in user: department, region and roles."""

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        user = User.objects.select_related("department__region").get(pk=request.user.pk)
        return Response(MeSerializer(user).data)


class RegionViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = RegionSerializer
    lookup_field = "code"
    filterset_fields = ["level"]

    def get_queryset(self):
        return selectors.region_list(user=self.request.user).order_by("code")


class DepartmentFilter(django_filters.FilterSet):
    region = django_filters.CharFilter(field_name="region__code")
    kind = django_filters.CharFilter()
    q = django_filters.CharFilter(method="search")

    class Meta:
        model = Department
        fields = ["region", "kind"]

    def search(self, queryset, name, value):
        return queryset.filter(name__icontains=value)


class DepartmentViewSet(viewsets.ReadOnlyModelViewSet):
    serializer_class = DepartmentSerializer
    permission_classes = [ModuleAccess]
    module = "departments"
    filterset_class = DepartmentFilter

    def get_queryset(self):
        return (Department.objects.visible_to(self.request.user).select_related("region")
                .prefetch_related("aliases").order_by("region__code", "name"))


class NotificationViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, viewsets.GenericViewSet):
    serializer_class = NotificationSerializer
    filterset_fields = {"read_at": ["isnull"], "level": ["exact"]}

    def get_queryset(self):
        return Notification.objects.visible_to(self.request.user)

    @extend_schema(request=None, responses=NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request, pk=None):
        notification = get_object_or_404(self.get_queryset(), pk=pk)
        services.notification_mark_read(user=request.user, notification=notification)
        return Response(self.get_serializer(notification).data)


