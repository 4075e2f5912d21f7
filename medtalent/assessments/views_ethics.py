"""The ethics record's pages (医德档案): the entries a user may read, one trainee's record with its veto,
one entry with its decision, and the veto policy.

The pages exist only for administrators, programme officers, current mentors and trainees
(``ethics_pages_open_to``); anyone else, heads, clinical teachers, leaders and talent officers included,
gets 404. Objects come through the access helpers (404 outside the user's reach), actions are checked
(403), and each write is one service call whose refusals land on the form.
"""

import datetime
from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _

from medtalent.core.forms import form_submit
from medtalent.core.selectors import audit_event_list
from medtalent.people.models import Institution

from .access import get_ethics_record_for_user, may_decide_ethics, may_report_ethics
from .forms_ethics import EthicsDecisionForm, EthicsPolicyForm, EthicsRecordForm
from .models import DEFAULT_VETO_MONTHS, EthicsKind, EthicsRecord, EthicsSeverity, EthicsStatus
from .selectors_ethics import (
    EthicsFilters,
    ethics_entries_of,
    ethics_pages_open_to,
    ethics_policies_for,
    ethics_records_for,
    ethics_status_counts,
    ethics_trainees_for,
    get_ethics_trainee_for_user,
    runs_ethics,
    veto_for,
)
from .services.ethics import ethics_policy_set, ethics_record_create, ethics_record_decide, next_statuses

RECORDS_PER_PAGE = 50


def _require_open(request: HttpRequest) -> None:
    if not ethics_pages_open_to(request.user):
        raise Http404


def _tabs(request: HttpRequest, active: str) -> dict[str, Any]:
    return {"ethics_tab": active, "runs_ethics": runs_ethics(request.user)}


@login_required
def ethics_list(request: HttpRequest) -> HttpResponse:
    _require_open(request)
    filters = EthicsFilters.parse(request.GET)
    page = Paginator(ethics_records_for(request.user, filters), RECORDS_PER_PAGE).get_page(
        request.GET.get("page")
    )
    query = request.GET.copy()
    query.pop("page", None)
    counts = ethics_status_counts(request.user)
    return render(
        request,
        "assessments/ethics_list.html",
        {
            **_tabs(request, "list"),
            "page": page,
            "filters": filters,
            "status_counts": [(value, label, counts[value]) for value, label in EthicsStatus.choices],
            "trainees": ethics_trainees_for(request.user, text=filters.text),
            "statuses": EthicsStatus.choices,
            "kinds": EthicsKind.choices,
            "query": query.urlencode(),
            "today": timezone.localdate(),
        },
    )


@login_required
def ethics_person(request: HttpRequest, person_id: int) -> HttpResponse:
    _require_open(request)
    person = get_ethics_trainee_for_user(request.user, person_id)
    today = timezone.localdate()
    may_add = may_report_ethics(request.user, person)
    form = EthicsRecordForm(
        request.POST if request.method == "POST" else None,
        initial={"kind": EthicsKind.CONCERN, "severity": EthicsSeverity.MINOR, "occurred_on": today},
    )
    status = 200
    if request.method == "POST":
        if not may_add:
            raise PermissionDenied
        record, status = form_submit(
            form, lambda data: ethics_record_create(actor=request.user, person=person, **data)
        )
        if record is not None:
            if record.status == EthicsStatus.CONFIRMED:
                messages.success(request, _("Commendation recorded and confirmed."))
            else:
                messages.success(request, _("Entry recorded. The programme office will review it."))
            return redirect("ethics_person", person_id=person.pk)
    return render(
        request,
        "assessments/ethics_person.html",
        {
            **_tabs(request, "person"),
            "person": person,
            "entries": list(ethics_entries_of(request.user, person)),
            "veto": veto_for(person.pk, on=today),
            "may_add": may_add,
            "form": form,
            "is_self": request.user.person_id == person.pk,  # type: ignore[union-attr]
        },
        status=status,
    )


@dataclass(frozen=True)
class HistoryLine:
    time: datetime.datetime
    actor: str
    action: str
    summary: str
    reason: str


def _label(choices: Any, value: Any) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value or "—")


def _history(record: EthicsRecord) -> list[HistoryLine]:
    """The entry's audit trail as the page tells it: who recorded it, each decision and its reason."""
    content_type = ContentType.objects.get_for_model(EthicsRecord)
    events = audit_event_list(target_type_id=content_type.pk, target_id=str(record.pk), action="ethics.")
    lines = []
    for event in events.order_by("created_at", "pk"):
        changes = event.changes
        if event.action == "ethics.create":
            summary = _("recorded the entry")
        else:
            parts = []
            if "status" in changes:
                before, after = changes["status"]
                parts.append(
                    _("status %(before)s → %(after)s")
                    % {"before": _label(EthicsStatus, before), "after": _label(EthicsStatus, after)}
                )
            if "severity" in changes:
                before, after = changes["severity"]
                parts.append(
                    _("severity %(before)s → %(after)s")
                    % {"before": _label(EthicsSeverity, before), "after": _label(EthicsSeverity, after)}
                )
            summary = "; ".join(parts)
        reason = changes.get("reason", [None, ""])[1] or ""
        lines.append(HistoryLine(event.created_at, event.actor_label, event.action, summary, reason))
    return lines


@login_required
def ethics_record(request: HttpRequest, record_id: int) -> HttpResponse:
    _require_open(request)
    record = get_ethics_record_for_user(request.user, record_id)
    may_decide = may_decide_ethics(request.user, record.person)
    form = None
    if may_decide and next_statuses(record):
        form = EthicsDecisionForm(request.POST if request.method == "POST" else None, record=record)
    status = 200
    if request.method == "POST":
        if not may_decide:
            raise PermissionDenied
        if form is None:
            raise Http404
        decided, status = form_submit(
            form,
            lambda data: ethics_record_decide(
                actor=request.user,
                record=record,
                expected_version=data["version"],
                status=data["status"],
                note=data["note"],
                severity=data["severity"],
            ),
        )
        if decided is not None:
            messages.success(
                request, _("Decision saved: %(status)s.") % {"status": decided.get_status_display()}
            )
            return redirect("ethics_record", record_id=record.pk)
        record.refresh_from_db()
    return render(
        request,
        "assessments/ethics_record.html",
        {
            **_tabs(request, "record"),
            "record": record,
            "form": form,
            "history": _history(record),
            "veto_last_day": record.veto_until - datetime.timedelta(days=1) if record.veto_until else None,
            "veto_in_force": record.veto_until is not None and record.veto_until > timezone.localdate(),
        },
        status=status,
    )


@login_required
def ethics_policy(request: HttpRequest) -> HttpResponse:
    _require_open(request)
    if not runs_ethics(request.user):
        raise PermissionDenied
    rows = ethics_policies_for(request.user)
    institutions = Institution.objects.filter(pk__in=[row.institution.pk for row in rows]).order_by("code")
    form = EthicsPolicyForm(request.POST if request.method == "POST" else None, institutions=institutions)
    status = 200
    if request.method == "POST":
        policy, status = form_submit(
            form,
            lambda data: ethics_policy_set(
                actor=request.user, institution=data["institution"], veto_months=data["veto_months"]
            ),
        )
        if policy is not None:
            messages.success(
                request,
                _("%(institution)s: a confirmed serious violation now vetoes for %(months)d months.")
                % {"institution": policy.institution.name, "months": policy.veto_months},
            )
            return redirect("ethics_policy")
    return render(
        request,
        "assessments/ethics_policy.html",
        {**_tabs(request, "policy"), "rows": rows, "form": form, "default_months": DEFAULT_VETO_MONTHS},
        status=status,
    )
