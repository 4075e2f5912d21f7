from django.urls import path, re_path

from . import views
from .exports import FORMAT_PATTERN
from .imports import views as import_views

urlpatterns = [
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read/", views.notification_read, name="notifications_read"),
    path("jobs/", views.job_list, name="jobs"),
    path("jobs/<uuid:job_id>/progress/", views.job_progress, name="job_progress"),
    path("jobs/<uuid:job_id>/cancel/", views.job_cancel_view, name="job_cancel"),
    path("audit/", views.audit_list, name="audit"),
    re_path(rf"^audit/export\.{FORMAT_PATTERN}$", views.audit_export, name="audit_export"),
    path("imports/", import_views.import_list, name="imports"),
    path("imports/new/<slug:kind>/", import_views.import_new, name="import_new"),
    path(
        "imports/template/<slug:kind>-<str:language>.xlsx",
        import_views.import_template,
        name="import_template",
    ),
    path("imports/<int:batch_id>/", import_views.import_detail, name="import_detail"),
    path("imports/<int:batch_id>/status/", import_views.import_status, name="import_status"),
    path("imports/<int:batch_id>/commit/", import_views.import_commit, name="import_commit"),
    path("imports/<int:batch_id>/recheck/", import_views.import_recheck, name="import_recheck"),
    path("imports/<int:batch_id>/discard/", import_views.import_discard, name="import_discard"),
    re_path(
        rf"^imports/(?P<batch_id>[0-9]+)/rejected\.{FORMAT_PATTERN}$",
        import_views.import_rejected,
        name="import_rejected",
    ),
    path("api/docs", views.api_docs_redirect, name="api_docs_short"),
]
