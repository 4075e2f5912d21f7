from django.urls import path

from . import views, views_programmes

urlpatterns = [
    path("", views.programs_home, name="programs"),
    path("templates/", views_programmes.programme_list, name="programme_list"),
    path("templates/load/", views_programmes.programme_load, name="programme_load"),
    path("templates/<int:programme_id>/", views_programmes.programme_detail, name="programme_detail"),
    path("templates/<int:programme_id>/edit/", views_programmes.programme_edit, name="programme_edit"),
    path("plans/", views.plan_list, name="plan_list"),
    path("plans/new/", views.plan_new, name="plan_new"),
    path("plans/<int:plan_id>/", views.plan_detail_view, name="plan_detail"),
    path("plans/<int:plan_id>/edit/", views.plan_edit, name="plan_edit"),
    path("plans/<int:plan_id>/submit/", views.plan_submit_view, name="plan_submit"),
    path("plans/<int:plan_id>/sign/", views.plan_sign_view, name="plan_sign"),
    path("plans/<int:plan_id>/close/", views.plan_close_view, name="plan_close"),
    path("plans/<int:plan_id>/milestones/new/", views.milestone_new, name="plan_milestone_new"),
    path("milestones/<int:milestone_id>/", views.milestone_detail, name="milestone_detail"),
    path(
        "milestones/<int:milestone_id>/evidence/",
        views.milestone_evidence_add_view,
        name="milestone_evidence_add",
    ),
    path(
        "evidence/<int:evidence_id>/remove/",
        views.milestone_evidence_remove_view,
        name="milestone_evidence_remove",
    ),
    path("milestones/<int:milestone_id>/done/", views.milestone_done_view, name="milestone_done"),
    path("milestones/<int:milestone_id>/reopen/", views.milestone_reopen_view, name="milestone_reopen"),
]
