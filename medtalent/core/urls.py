from django.urls import path, re_path

from . import views
from .exports import FORMAT_PATTERN

urlpatterns = [
    path("notifications/", views.notification_list, name="notifications"),
    path("notifications/read/", views.notification_read, name="notifications_read"),
    path("jobs/", views.job_list, name="jobs"),
    path("jobs/<uuid:job_id>/progress/", views.job_progress, name="job_progress"),
    path("jobs/<uuid:job_id>/cancel/", views.job_cancel_view, name="job_cancel"),
    path("audit/", views.audit_list, name="audit"),
    re_path(rf"^audit/export\.{FORMAT_PATTERN}$", views.audit_export, name="audit_export"),
    path("api/docs", views.api_docs_redirect, name="api_docs_short"),
]
