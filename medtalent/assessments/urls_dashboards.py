from django.urls import path

from . import views_dashboards as views

# The same name with and without the subject: reverse("dashboard_trainee") is the user's own dashboard,
# reverse("dashboard_trainee", args=[pk]) somebody else's.
urlpatterns = [
    path("", views.dashboards_home, name="assessment_dashboards"),
    path("trainee/", views.dashboard_trainee, name="dashboard_trainee"),
    path("trainee/<int:trainee_id>/", views.dashboard_trainee, name="dashboard_trainee"),
    path("department/", views.dashboard_department, name="dashboard_department"),
    path("department/<int:department_id>/", views.dashboard_department, name="dashboard_department"),
    path("assessor/", views.dashboard_assessor, name="dashboard_assessor"),
    path("assessor/<int:person_id>/", views.dashboard_assessor, name="dashboard_assessor"),
    path("programme/", views.dashboard_programme, name="dashboard_programme"),
    path("sign-off/<int:block_id>/", views.rotation_sign_off, name="rotation_sign_off"),
]
