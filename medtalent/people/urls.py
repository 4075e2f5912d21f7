from django.urls import path, re_path

from medtalent.core.exports import FORMAT_PATTERN as FORMAT

from . import views

urlpatterns = [
    path("", views.home, name="home"),
    path("language/", views.language_set, name="language_set"),
    path("people/", views.directory, name="directory"),
    re_path(rf"^people/export\.{FORMAT}$", views.directory_export, name="directory_export"),
    path("people/new/", views.person_new, name="person_new"),
    path("people/<int:person_id>/", views.person_detail, name="person_detail"),
    path("people/<int:person_id>/edit/", views.person_edit, name="person_edit"),
    path("people/<int:person_id>/mentorships/new/", views.mentorship_add, name="mentorship_add"),
    path("institutions/", views.institution_list_view, name="institutions"),
    re_path(rf"^institutions/export\.{FORMAT}$", views.institutions_export_view, name="institutions_export"),
    path("institutions/<int:institution_id>/", views.institution_detail, name="institution_detail"),
    re_path(
        rf"^institutions/(?P<institution_id>[0-9]+)/departments\.{FORMAT}$",
        views.departments_export_view,
        name="departments_export",
    ),
    path("mentorships/<int:mentorship_id>/end/", views.mentorship_end_view, name="mentorship_end"),
    path("departments/<int:department_id>/", views.department_detail, name="department_detail"),
    path("account/tokens/", views.api_tokens, name="api_tokens"),
    path("account/tokens/<int:token_id>/revoke/", views.api_token_revoke_view, name="api_token_revoke"),
]
