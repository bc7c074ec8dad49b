from django.urls import path

from . import views

app_name = "controls"

urlpatterns = [
    path("", views.index, name="index"),
    path("lists/<int:pk>/", views.list_detail, name="list_detail"),
    path("lists/<int:pk>/enterprises/", views.controlled_list, name="controlled_list"),
    path("lists/<int:pk>/enterprises/derive/", views.controlled_derive, name="controlled_derive"),
]
