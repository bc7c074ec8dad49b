import django_filters
import orjson
from django.conf import settings
from django.contrib.auth import authenticate
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema, inline_serializer
from rest_framework import exceptions as drf_exceptions
from rest_framework import mixins, serializers, status, viewsets
from rest_framework.decorators import action
from rest_framework.permissions import AllowAny
from rest_framework.response import Response
from rest_framework.views import APIView

from portal import selectors, services
from portal.models import ApiToken, Department, Notification, User

from .permissions import ModuleAccess
from .serializers import DepartmentSerializer, MeSerializer, NotificationSerializer, RegionSerializer


class MeView(APIView):
    """The signed-in user: department, region and roles."""

    @extend_schema(responses=MeSerializer)
    def get(self, request):
        user = User.objects.select_related("department__region").get(pk=request.user.pk)
        return Response(MeSerializer(user).data)


class TokenRequestSerializer(serializers.Serializer):
    username = serializers.CharField(max_length=150)
    password = serializers.CharField(max_length=128, style={"input_type": "password"}, trim_whitespace=False)


TOKEN_RESPONSE = inline_serializer("ApiToken", fields={
    "token": serializers.CharField(), "expires_at": serializers.DateTimeField(),
    "idle_timeout_seconds": serializers.IntegerField()})


class TokenView(APIView):
    """POST: exchange a user name and password for an API token (for scripts and other systems). Failed attempts
    count towards the lockout and are audited like sign-ins on the login page. The token ends after
    PORTAL_API_TOKEN_IDLE_SECONDS without use and PORTAL_API_TOKEN_LIFETIME_SECONDS after it was issued.
    DELETE: revoke the token the request is made with (signed in through the web: every token of the account)."""

    def initialize_request(self, request, *args, **kwargs):
        self._signing_in = request.method == "POST"
        return super().initialize_request(request, *args, **kwargs)

    def get_authenticators(self):
        return [] if getattr(self, "_signing_in", False) else super().get_authenticators()

    def get_permissions(self):
        return [AllowAny()] if getattr(self, "_signing_in", False) else super().get_permissions()

    @extend_schema(request=TokenRequestSerializer, responses={200: TOKEN_RESPONSE}, auth=[])
    def post(self, request):
        serializer = TokenRequestSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        username = serializer.validated_data["username"]
        user = authenticate(request=request._request, username=username,
                            password=serializer.validated_data["password"])
        if user is None:
            services.auth_login_failed(username=username,
                                       locked_out=bool(getattr(request._request, "axes_locked_out", False)))
            raise drf_exceptions.ValidationError({"non_field_errors": [_("Wrong user name or password.")]})
        token, key = services.api_token_issue(user=user)
        return Response({"token": key, "expires_at": token.expires_at,
                         "idle_timeout_seconds": settings.PORTAL_API_TOKEN_IDLE_SECONDS})

    @extend_schema(request=None, responses={204: None})
    def delete(self, request):
        token = request.auth if isinstance(request.auth, ApiToken) else None
        services.api_tokens_revoke(user=request.user, reason="owner", actor=request.user, token=token)
        return Response(status=status.HTTP_204_NO_CONTENT)


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




def _dashboard_panels_json(scope: dict) -> tuple[bytes, list]:
    """The panels of a region, plan and year as JSON, cached until the next refresh of the summaries (the same
    for every viewer who chose them)."""
    from django.core.cache import cache
    key = selectors.cockpit_cache_key("json", scope)
    content = cache.get(key)
    if content is None:
        panels = selectors.cockpit_panels(region=scope["region"], plan=scope["plan"], year=scope["year"])
        content = (orjson.dumps({name: {"refreshed_at": entry["refreshed_at"].isoformat(), "data": entry["data"]}
                                 for name, entry in panels.items()}),
                   ((panels.get("survey") or {}).get("data") or {}).get("years", []))
        cache.set(key, content, settings.PORTAL_COCKPIT_REFRESH_SECONDS * 5)
    return content


DASHBOARD_RESPONSE = inline_serializer("Dashboard", fields={
    "region": serializers.DictField(allow_null=True), "plan": serializers.IntegerField(allow_null=True),
    "year": serializers.IntegerField(allow_null=True), "regions": serializers.ListField(),
    "plans": serializers.ListField(), "years": serializers.ListField(), "panels": serializers.DictField()})


class DashboardView(APIView):
    """The cockpit's figures as JSON — the same selector as the page and the xlsx export. Query parameters:
    region (code; the user's own region or one below it), plan (id), year. Each panel says when its figures
    were last refreshed."""

    permission_classes = [ModuleAccess]
    module = "cockpit"

    @extend_schema(operation_id="dashboard", parameters=[
        OpenApiParameter("region", str), OpenApiParameter("plan", int), OpenApiParameter("year", int)],
                   responses={200: DASHBOARD_RESPONSE})
    def get(self, request, panel=None):
        from portal.summaries import GROUPS
        names = [p for group in GROUPS.values() for p in group]
        if panel is not None and panel not in names:
            raise Http404
        scope = selectors.cockpit_scope(user=request.user, region=request.query_params.get("region"),
                                        plan=request.query_params.get("plan"), year=request.query_params.get("year"))
        panels, years = _dashboard_panels_json(scope)
        if panel is not None:
            panels = orjson.dumps({k: v for k, v in orjson.loads(panels).items() if k == panel})
        region = scope["region"]
        body = orjson.dumps({
            "region": {"code": region.code, "name": region.name} if region else None,
            "plan": scope["plan"] or None, "year": scope["year"] or None,
            "regions": [{"code": r.code, "name": r.name} for r in scope["regions"]],
            "plans": [{"id": pk, "title": title} for pk, title in scope["plans"]], "years": years,
            "panels": orjson.Fragment(panels)})
        return HttpResponse(body, content_type="application/json")


class DashboardPanelView(DashboardView):
    """One panel of the cockpit (plan, departments, deadlines, indicators, survey, screening, control)."""

    @extend_schema(operation_id="dashboard_panel", parameters=[
        OpenApiParameter("region", str), OpenApiParameter("plan", int), OpenApiParameter("year", int)],
        responses={200: DASHBOARD_RESPONSE})
    def get(self, request, panel=None):
        return super().get(request, panel=panel)
