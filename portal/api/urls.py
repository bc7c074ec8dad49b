from django.urls import path

from .routers import Router
from .views import (
    DashboardPanelView,
    DashboardView,
    DepartmentViewSet,
    MeView,
    NotificationViewSet,
    RegionViewSet,
    TokenView,
)

router = Router()
router.register("regions", RegionViewSet, basename="region")
router.register("departments", DepartmentViewSet, basename="department")
router.register("notifications", NotificationViewSet, basename="notification")

urlpatterns = [
    path("me/", MeView.as_view(), name="api-me"),
    path("auth/token/", TokenView.as_view(), name="api-token"),
    path("dashboard/", DashboardView.as_view(), name="api-dashboard"),
    path("dashboard/<str:panel>/", DashboardPanelView.as_view(), name="api-dashboard-panel"),
    *router.urls,
]
