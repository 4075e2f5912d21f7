from django.urls import include, path

from . import views, views_requirements

urlpatterns = [
    # The menu's entry: trainees land on their assessments, assessors on their to-do list.
    path("", views.assessments_home, name="assessments"),
    path("mine/", views.my_assessments, name="assessment_mine"),
    path("mine/code/", views.bedside_code, name="assessment_bedside_code"),
    path("request/", views.assessment_request_view, name="assessment_request"),
    path("to-do/", views.assessor_queue, name="assessment_queue"),
    path("start/", views.assessment_start_view, name="assessment_start"),
    path("bedside/<str:token>/", views.bedside_form, name="assessment_bedside"),
    path("<int:assessment_id>/", views.assessment_detail, name="assessment_detail"),
    path("<int:assessment_id>/fill/", views.assessment_fill, name="assessment_fill"),
    path(
        "<int:assessment_id>/acknowledge/", views.assessment_acknowledge_view, name="assessment_acknowledge"
    ),
    path("<int:assessment_id>/amend/", views.assessment_amend_view, name="assessment_amend"),
    path("<int:assessment_id>/cancel/", views.assessment_cancel_view, name="assessment_cancel"),
    path("requirements/", views_requirements.requirement_list, name="assessment_requirements"),
    path("logbook/", include("medtalent.assessments.urls_logbook")),
    path("ethics/", include("medtalent.assessments.urls_ethics")),
    path("dashboards/", include("medtalent.assessments.urls_dashboards")),
    path("instruments/", include("medtalent.assessments.urls_instruments")),
]
