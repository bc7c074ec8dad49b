"""/api/v1/controls/: the router's basenames (all prefixed `control-`) are the URL names of the permission
matrix (tests/controls/api_matrix.py)."""
from portal.api.routers import Router

from .views import (
    ControlEntryViewSet,
    ControlledEnterpriseViewSet,
    ControlledPublicationViewSet,
    ControlListViewSet,
    ControlMeasureViewSet,
    InspectionDrawViewSet,
    InspectionViewSet,
)

router = Router(trailing_slash=True)
router.include_root_view = False
router.register("lists", ControlListViewSet, basename="control-list")
router.register("entries", ControlEntryViewSet, basename="control-entry")
router.register("measures", ControlMeasureViewSet, basename="control-measure")
router.register("controlled-enterprises", ControlledEnterpriseViewSet, basename="control-controlled-enterprise")
router.register("controlled-publications", ControlledPublicationViewSet, basename="control-controlled-publication")
router.register("draws", InspectionDrawViewSet, basename="control-draw")
router.register("inspections", InspectionViewSet, basename="control-inspection")

urlpatterns = router.urls
