from portal.api.routers import Router

from .views import (
    ExtensionRequestViewSet,
    IndicatorViewSet,
    PlanViewSet,
    ProgressReportViewSet,
    ReportDocumentViewSet,
    TaskViewSet,
)

router = Router()
router.include_root_view = False
router.register("plans", PlanViewSet, basename="plan")
router.register("tasks", TaskViewSet, basename="task")
router.register("progress-reports", ProgressReportViewSet, basename="progressreport")
router.register("extension-requests", ExtensionRequestViewSet, basename="extensionrequest")
router.register("indicators", IndicatorViewSet, basename="indicator")
router.register("documents", ReportDocumentViewSet, basename="reportdocument")

urlpatterns = router.urls
