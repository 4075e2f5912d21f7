import datetime
import uuid
from typing import Any

from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.paginator import Paginator
from django.http import HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.dateparse import parse_date
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from . import selectors
from .api_types import MAX_ID
from .audit import AUDIT_COLUMNS
from .exports import export_response
from .jobs import job_cancel, job_start, job_with_live_progress
from .notifications import notification_mark_read
from .permissions import require
from .tasks import notification_digest_task


@login_required
def notification_list(request: HttpRequest) -> HttpResponse:
    page = Paginator(selectors.notification_list_for_user(request.user), 30).get_page(request.GET.get("page"))
    return render(request, "core/notifications.html", {"page": page})


@login_required
@require_POST
def notification_read(request: HttpRequest) -> HttpResponse:
    ids = [int(value) for value in request.POST.getlist("id") if value.isdigit()] or None
    notification_mark_read(user=request.user, notification_ids=ids)
    return redirect("notifications")


@login_required
def job_list(request: HttpRequest) -> HttpResponse:
    """The user's background jobs, each with its live progress bar; administrators see everybody's."""
    if request.method == "POST":
        require(request.user, "core.view_auditevent")
        job_start(
            task=notification_digest_task,
            kind="notification_digest",
            label=_("E-mail digest of new notifications"),
            owner=request.user,
        )
        return redirect("jobs")
    jobs = selectors.job_list_for_user(request.user)[:50]
    return render(request, "core/jobs.html", {"jobs": jobs})


@login_required
def job_progress(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    job = job_with_live_progress(selectors.get_job_for_user(request.user, job_id))
    return render(request, "core/_job_progress.html", {"job": job})


@login_required
@require_POST
def job_cancel_view(request: HttpRequest, job_id: uuid.UUID) -> HttpResponse:
    job = selectors.get_job_for_user(request.user, job_id)
    job_cancel(job=job)
    job.refresh_from_db()
    return render(request, "core/_job_progress.html", {"job": job})


def _audit_events(request: HttpRequest) -> Any:
    """The audit page's filters, read once for the page and its downloads."""
    require(request.user, "core.view_auditevent")
    params = request.GET
    return selectors.audit_event_list(
        actor_id=_id_or_none(params.get("actor", "")),
        action=params.get("action", "").strip(),
        target_type_id=_id_or_none(params.get("type", "")),
        target_id=params.get("object", "").strip(),
        since=_date_or_none(params.get("since", "")),
        until=_date_or_none(params.get("until", "")),
    )


def _id_or_none(value: str) -> int | None:
    return int(value) if value.isdigit() and int(value) <= MAX_ID else None


@login_required
def audit_list(request: HttpRequest) -> HttpResponse:
    params = request.GET
    page = Paginator(_audit_events(request), 50).get_page(params.get("page"))
    types = ContentType.objects.filter(
        pk__in=selectors.audit_event_list().values("target_type_id").distinct()
    ).order_by("app_label", "model")
    return render(request, "core/audit.html", {"page": page, "types": types, "filters": params})


@login_required
def audit_export(request: HttpRequest, file_format: str) -> HttpResponseBase:
    return export_response(
        rows=_audit_events(request), columns=AUDIT_COLUMNS, file_format=file_format, name="audit"
    )


def _date_or_none(value: str) -> datetime.date | None:
    try:
        return parse_date(value.strip())
    except ValueError:
        return None


def api_docs_redirect(request: HttpRequest) -> HttpResponse:
    return redirect(reverse("api:openapi-view"))
