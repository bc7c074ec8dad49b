from django.urls import path

from . import views

app_name = "screening"

urlpatterns = [
    path("", views.index, name="index"),
    path("hazard/", views.hazard_list, name="hazard_list"),
    path("hazard/substances/<int:pk>/", views.hazard_substance, name="hazard_substance"),
    path("hazard/records/<int:pk>/edit/", views.hazard_edit, name="hazard_edit"),
    path("hazard/records/<int:pk>/delete/", views.hazard_delete, name="hazard_delete"),
    path("profiles/", views.profile_list, name="profile_list"),
    path("profiles/<int:pk>/", views.profile_detail, name="profile_detail"),
    path("profiles/<int:pk>/edit/", views.profile_edit, name="profile_edit"),
    path("runs/", views.run_list, name="run_list"),
    path("runs/<int:pk>/", views.run_detail, name="run_detail"),
    path("runs/<int:pk>/status/", views.run_status, name="run_status"),
    path("runs/<int:pk>/retry/", views.run_retry, name="run_retry"),
    path("runs/<int:pk>/compare/", views.run_compare, name="run_compare"),
    path("runs/<int:pk>/summary.pdf", views.run_pdf, name="run_pdf"),
    path("results/<int:pk>/override/", views.result_override, name="result_override"),
    path("assessments/", views.assessment_list, name="assessment_list"),
    path("assessments/new/", views.assessment_create, name="assessment_create"),
    path("assessments/<int:pk>/", views.assessment_detail, name="assessment_detail"),
    path("assessments/<int:pk>/edit/", views.assessment_edit, name="assessment_edit"),
    path("assessments/<int:pk>/attach/", views.assessment_attach, name="assessment_attach"),
    path("assessments/<int:pk>/submit/", views.assessment_submit, name="assessment_submit"),
    path("assessments/<int:pk>/review/", views.assessment_review, name="assessment_review"),
    path("attachments/<int:pk>/", views.attachment_download, name="attachment_download"),
]
