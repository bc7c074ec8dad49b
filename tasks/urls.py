from django.urls import path

from . import views

app_name = "tasks"

urlpatterns = [
    path("", views.index, name="index"),
    path("<int:pk>/", views.task_detail, name="task_detail"),
    path("<int:pk>/report/", views.report_submit, name="report_submit"),
    path("<int:pk>/extension/", views.extension_request, name="extension_request"),
    path("<int:pk>/close/", views.task_close, name="task_close"),
    path("<int:pk>/comment/", views.task_comment, name="task_comment"),
    path("<int:pk>/edit/", views.plan_task_edit, name="task_edit"),
    path("reports/<int:pk>/review/", views.report_review, name="report_review"),
    path("extensions/<int:pk>/decide/", views.extension_decide, name="extension_decide"),
    path("evidence/<int:pk>/", views.evidence_download, name="evidence_download"),
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/import/", views.plan_import, name="plan_import"),
    path("plans/<int:pk>/", views.plan_detail, name="plan_detail"),
    path("plans/<int:pk>/map-name/", views.plan_map_name, name="plan_map_name"),
    path("plans/<int:pk>/publish/", views.plan_publish, name="plan_publish"),
    path("plans/<int:pk>/cadence/", views.plan_cadence, name="plan_cadence"),
    path("review/", views.review_queue, name="review_queue"),
    path("chase/", views.chase, name="chase"),
    path("indicators/", views.indicator_list, name="indicator_list"),
    path("indicators/<int:pk>/report/", views.indicator_report, name="indicator_report"),
    path("documents/", views.document_list, name="document_list"),
    path("documents/new/", views.document_request, name="document_request"),
    path("documents/<int:pk>/status/", views.document_status, name="document_status"),
    path("documents/<int:pk>/retry/", views.document_retry, name="document_retry"),
    path("documents/<int:pk>/download/", views.document_download, name="document_download"),
]
