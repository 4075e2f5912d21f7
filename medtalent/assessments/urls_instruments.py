from django.urls import path

from . import views_instruments as views

urlpatterns = [
    path("", views.instrument_list, name="instrument_list"),
    path("new/", views.instrument_new, name="instrument_new"),
    path("preview/", views.instrument_preview, name="instrument_preview"),
    path("<int:instrument_id>/", views.instrument_detail, name="instrument_detail"),
    path("<int:instrument_id>/edit/", views.instrument_edit, name="instrument_edit"),
    path("<int:instrument_id>/in-use/", views.instrument_set_active, name="instrument_set_active"),
]
