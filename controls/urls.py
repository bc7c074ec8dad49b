from django.urls import path

from . import views

app_name = "controls"

urlpatterns = [
    path("", views.index, name="index"),
    path("lists/<int:pk>/", views.list_detail, name="list_detail"),
    path("lists/<int:pk>/enterprises/", views.controlled_list, name="controlled_list"),
    path("lists/<int:pk>/enterprises/derive/", views.controlled_derive, name="controlled_derive"),
    path("lists/new/", views.list_create, name="list_create"),
    path("lists/<int:pk>/edition/", views.list_edition, name="list_edition"),
    path("lists/<int:pk>/in-force/", views.list_in_force, name="list_in_force"),
    path("lists/<int:pk>/proposals/", views.list_take_proposals, name="list_take_proposals"),
    path("lists/<int:pk>/diff/", views.list_diff, name="list_diff"),
    path("lists/<int:pk>/export/<str:what>/", views.list_export, name="list_export"),
    path("lists/<int:pk>/entries/new/", views.entry_edit, name="entry_create"),
    path("lists/<int:pk>/entries/<int:entry>/", views.entry_edit, name="entry_edit"),
    path("lists/<int:pk>/entries/<int:entry>/delete/", views.entry_delete, name="entry_delete"),
    path("lists/<int:pk>/entries/<int:entry>/measures/new/", views.measure_edit, name="measure_create"),
    path("lists/<int:pk>/entries/<int:entry>/measures/<int:measure>/", views.measure_edit, name="measure_edit"),
    path("measures/<int:pk>/task/", views.measure_task, name="measure_task"),
    path("lists/<int:pk>/enterprises/add/", views.controlled_add, name="controlled_add"),
    path("lists/<int:pk>/publications/", views.publication_list, name="publication_list"),
    path("publications/<int:pk>/<str:fmt>/", views.publication_download, name="publication_download"),
    path("enterprises/<int:pk>/", views.controlled_detail, name="controlled_detail"),
    path("enterprises/<int:pk>/decide/", views.controlled_decide, name="controlled_decide"),
    path("enterprises/<int:pk>/measures/<int:measure>/", views.controlled_measure_status,
         name="controlled_measure_status"),
]

# The public pages (一公开): no login, read-only, rate-limited and cached; mounted at /public/controls/.
public_urlpatterns = [
    path("", views.public_index, name="index"),
    path("<str:region>/<int:pk>/", views.public_publication, name="publication"),
    path("<str:region>/<int:pk>/download/", views.public_download, name="download"),
]


# ---------------------------------------------------------------- 双随机、一公开 inspections (below this line)
urlpatterns += [
    path("inspections/", views.draw_list, name="draw_list"),
    path("inspections/draws/new/", views.draw_create, name="draw_create"),
    path("inspections/draws/<int:pk>/", views.draw_detail, name="draw_detail"),
    path("inspections/draws/<int:pk>/run/", views.draw_run, name="draw_run"),
    path("inspections/draws/<int:pk>/verify/", views.draw_verify, name="draw_verify"),
    path("inspections/draws/<int:pk>/publish/", views.draw_publish, name="draw_publish"),
    path("inspections/<int:pk>/", views.inspection_detail, name="inspection_detail"),
    path("inspections/<int:pk>/record/", views.inspection_record, name="inspection_record"),
    path("inspections/<int:pk>/approve/", views.inspection_approve, name="inspection_approve"),
    path("inspections/attachments/<int:pk>/", views.inspection_attachment, name="inspection_attachment"),
    path("inspections/rectifications/<int:pk>/verify/", views.rectification_verify, name="rectification_verify"),
]
