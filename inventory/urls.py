from django.urls import path

from . import views

app_name = "inventory"

urlpatterns = [
    path("", views.index, name="index"),
    path("enterprises/", views.enterprise_list, name="enterprise_list"),
    path("enterprises/new/", views.enterprise_edit, name="enterprise_create"),
    path("enterprises/<int:pk>/", views.enterprise_detail, name="enterprise_detail"),
    path("enterprises/<int:pk>/edit/", views.enterprise_edit, name="enterprise_edit"),
    path("substances/", views.substance_list, name="substance_list"),
    path("substances/new/", views.substance_edit, name="substance_create"),
    path("substances/<int:pk>/", views.substance_detail, name="substance_detail"),
    path("substances/<int:pk>/edit/", views.substance_edit, name="substance_edit"),
    path("groups/", views.group_list, name="group_list"),
    path("groups/new/", views.group_edit, name="group_create"),
    path("groups/<int:pk>/edit/", views.group_edit, name="group_edit"),
    path("campaigns/", views.campaign_list, name="campaign_list"),
    path("campaigns/new/", views.campaign_edit, name="campaign_create"),
    path("campaigns/<int:pk>/edit/", views.campaign_edit, name="campaign_edit"),
    path("campaigns/<int:campaign>/reports/", views.report_list, name="report_list_campaign"),
    path("campaigns/<int:campaign>/reports/open/", views.report_open, name="report_open"),
    path("reports/", views.report_list, name="report_list"),
    path("reports/<int:pk>/", views.report_detail, name="report_detail"),
    path("reports/<int:pk>/lines/", views.line_save, name="line_add"),
    path("reports/<int:pk>/lines/<int:line_pk>/", views.line_save, name="line_edit"),
    path("reports/<int:pk>/lines/<int:line_pk>/delete/", views.line_delete, name="line_delete"),
    path("reports/<int:pk>/submit/", views.report_submit, name="report_submit"),
    path("reports/<int:pk>/review/", views.report_review, name="report_review"),
    path("curation/", views.curation, name="curation"),
    path("curation/<int:line_pk>/resolve/", views.line_resolve, name="line_resolve"),
    path("monitoring/", views.site_list, name="site_list"),
    path("monitoring/<int:pk>/", views.site_detail, name="site_detail"),
    path("imports/", views.import_start, name="import_start"),
    path("imports/templates/<str:kind>.xlsx", views.template_download, name="template_download"),
    path("imports/<int:pk>/", views.import_detail, name="import_detail"),
    path("imports/<int:pk>/status/", views.import_status, name="import_status"),
    path("imports/<int:pk>/confirm/", views.import_confirm, name="import_confirm"),
    path("imports/<int:pk>/cancel/", views.import_cancel, name="import_cancel"),
    path("imports/<int:pk>/retry/", views.import_retry, name="import_retry"),
    path("imports/<int:pk>/errors/", views.import_errors, name="import_errors"),
]
