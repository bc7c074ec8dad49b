"""/api/v1/: the portal's own endpoints plus each app's router."""
from django.urls import include, path

from .api.urls import urlpatterns as portal_api

urlpatterns = [
    *portal_api,
    path("inventory/", include("inventory.api.urls")),
    path("screening/", include("screening.api.urls")),
    path("controls/", include("controls.api.urls")),
    path("tasks/", include("tasks.api.urls")),
]
