from django.urls import path
from django.views.generic import RedirectView

from . import views

urlpatterns = [
    # The menu's entry: every rotations page lies under it. Standards are all there is so far.
    path("", RedirectView.as_view(pattern_name="rotation_standards"), name="rotations"),
    path("standards/", views.standard_list, name="rotation_standards"),
    path("standards/new/", views.standard_new, name="rotation_standard_new"),
    path("standards/<int:standard_id>/", views.standard_detail, name="rotation_standard_detail"),
    path("standards/<int:standard_id>/edit/", views.standard_edit, name="rotation_standard_edit"),
]
