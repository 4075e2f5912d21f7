"""The ethics record's pages, under ``/assessments/ethics/``."""

from django.urls import path

from . import views_ethics

urlpatterns = [
    path("", views_ethics.ethics_list, name="ethics_list"),
    path("people/<int:person_id>/", views_ethics.ethics_person, name="ethics_person"),
    path("<int:record_id>/", views_ethics.ethics_record, name="ethics_record"),
    path("policy/", views_ethics.ethics_policy, name="ethics_policy"),
]
