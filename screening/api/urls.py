"""/api/v1/screening/: the router's basenames are the URL names of the permission matrix
(tests/screening/api_matrix.py)."""
from portal.api.routers import Router

from .views import (
    ControlProposalViewSet,
    CriteriaProfileViewSet,
    HazardRecordViewSet,
    RiskAssessmentViewSet,
    ScreeningResultViewSet,
    ScreeningRunViewSet,
)

router = Router(trailing_slash=True)
router.include_root_view = False
router.register("hazard-records", HazardRecordViewSet, basename="hazardrecord")
router.register("profiles", CriteriaProfileViewSet, basename="criteriaprofile")
router.register("runs", ScreeningRunViewSet, basename="screeningrun")
router.register("results", ScreeningResultViewSet, basename="screeningresult")
router.register("assessments", RiskAssessmentViewSet, basename="riskassessment")
router.register("proposals", ControlProposalViewSet, basename="controlproposal")

urlpatterns = router.urls
