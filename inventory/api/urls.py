"""/api/v1/inventory/: the router's basenames are the URL names of the permission matrix
(tests/inventory/api_matrix.py)."""
from portal.api.routers import Router

from .views import (
    CampaignViewSet,
    EnterpriseViewSet,
    IndustryViewSet,
    MonitoringResultViewSet,
    MonitoringSiteViewSet,
    SubstanceGroupViewSet,
    SubstanceViewSet,
    SurveyLineViewSet,
    SurveyReportViewSet,
)

router = Router(trailing_slash=True)
router.include_root_view = False
router.register("substances", SubstanceViewSet, basename="substance")
router.register("substance-groups", SubstanceGroupViewSet, basename="substancegroup")
router.register("industries", IndustryViewSet, basename="industry")
router.register("enterprises", EnterpriseViewSet, basename="enterprise")
router.register("campaigns", CampaignViewSet, basename="surveycampaign")
router.register("survey-reports", SurveyReportViewSet, basename="surveyreport")
router.register("survey-lines", SurveyLineViewSet, basename="surveyline")
router.register("monitoring-sites", MonitoringSiteViewSet, basename="monitoringsite")
router.register("monitoring-results", MonitoringResultViewSet, basename="monitoringresult")

urlpatterns = router.urls
