from django.urls import path, re_path

from . import views, views_blocks, views_records, views_schedules

urlpatterns = [
    # The menu's entry: planners land on the schedules, heads and teachers on their roster, trainees on
    # their own timeline.
    path("", views_schedules.rotations_home, name="rotations"),
    path("standards/", views.standard_list, name="rotation_standards"),
    path("standards/new/", views.standard_new, name="rotation_standard_new"),
    path("standards/<int:standard_id>/", views.standard_detail, name="rotation_standard_detail"),
    path("standards/<int:standard_id>/edit/", views.standard_edit, name="rotation_standard_edit"),
    path("schedules/", views_schedules.schedule_list, name="rotation_schedules"),
    path("schedules/plan/", views_schedules.schedule_plan, name="rotation_schedule_plan"),
    path("schedules/<int:schedule_id>/", views_schedules.schedule_detail, name="rotation_schedule"),
    path(
        "schedules/<int:schedule_id>/load/", views_schedules.schedule_load_view, name="rotation_schedule_load"
    ),
    re_path(
        r"^schedules/(?P<schedule_id>[0-9]+)/export\.xlsx$",
        views_schedules.schedule_export,
        name="rotation_schedule_export",
    ),
    path(
        "schedules/<int:schedule_id>/publish/",
        views_schedules.schedule_publish_view,
        name="rotation_schedule_publish",
    ),
    path(
        "schedules/<int:schedule_id>/discard/",
        views_schedules.schedule_discard_view,
        name="rotation_schedule_discard",
    ),
    path(
        "schedules/<int:schedule_id>/trainees/<int:trainee_id>/edit/",
        views_blocks.schedule_trainee_edit,
        name="rotation_schedule_trainee_edit",
    ),
    path("trainees/", views_records.trainee_list, name="rotation_trainees"),
    path("trainees/<int:trainee_id>/", views_records.trainee_record_view, name="rotation_trainee_record"),
    path("places/", views_records.places, name="rotation_places"),
    path("roster/", views_schedules.roster, name="rotation_roster"),
    path("trainees/<int:trainee_id>/timeline/", views_schedules.timeline, name="rotation_timeline"),
    path("me/", views_schedules.my_timeline, name="rotation_me"),
]
