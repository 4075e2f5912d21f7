"""The logbook pages (登记手册): a trainee's progress and entries, logging an entry from a phone, the
supervisor's verification queue, and the departments' item lists with their minimums.

Entries are reached through ``access.get_logbook_entry_for_user`` (404 when the user may not see them),
trainees other than oneself through ``rotations.access.get_trainee_for_user`` (404 unless their records
are private to the user); the services say who may act (403) and refuse stale pages (409).
"""

import datetime
from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from medtalent.core.errors import ApplicationError, ConflictError, ForbiddenError
from medtalent.core.forms import add_service_error
from medtalent.people.models import TraineeProfile
from medtalent.rotations.access import get_trainee_for_user, own_trainee_profile
from medtalent.rotations.forms import posted_version, whole_number
from medtalent.rotations.models import RotationBlock, RotationStandard

from .access import assessor_department_ids, get_logbook_entry_for_user
from .forms_logbook import LogbookEntryForm, LogbookItemForm
from .models import InstrumentKind, LogbookEntry, LogbookItem
from .selectors import instruments_in_use
from .selectors_logbook import (
    department_items,
    departments_managing_logbook,
    entries_of_trainee,
    items_to_log,
    last_supervisor_id,
    pick_rotation,
    rotation_progress,
    supervisors_for,
    trainee_rotations,
    verification_queue,
)
from .services.logbook import (
    logbook_entry_create,
    logbook_entry_delete,
    logbook_entry_reject,
    logbook_entry_verify,
    logbook_item_save,
)


def _today() -> datetime.date:
    """The day the pages count from (tests fix it)."""
    return timezone.localdate()


def _tabs(request: HttpRequest, active: str, *, own: TraineeProfile | None) -> list[tuple[str, str, str]]:
    tabs = []
    if own is not None:
        tabs.append(("mine", _("My logbook"), reverse("logbook")))
    if assessor_department_ids(request.user):
        tabs.append(("queue", _("To verify"), reverse("logbook_queue")))
    if departments_managing_logbook(request.user).exists():
        tabs.append(("items", _("Logbook lists"), reverse("logbook_items")))
    # One tab alone is no choice: the page's own heading says where the user is.
    return tabs if len(tabs) > 1 else []


def _current_department(trainee: TraineeProfile, block: RotationBlock | None, today: datetime.date) -> Any:
    if block is not None and block.start_month <= today.replace(day=1) < block.end_month:
        return block.department
    return trainee.department


def _entry_form(
    trainee: TraineeProfile, rotations: list[RotationBlock], today: datetime.date, data: Any = None
) -> tuple[LogbookEntryForm, Any]:
    current = pick_rotation(rotations, today=today)
    department = _current_department(trainee, current, today)
    form = LogbookEntryForm(
        data,
        items=items_to_log(trainee, department),
        supervisors=supervisors_for(trainee, department),
        today=today,
        initial={"supervisor": last_supervisor_id(trainee, department)},
    )
    return form, department


# --- the trainee's logbook ----------------------------------------------------------------------


def _logbook_context(
    request: HttpRequest, trainee: TraineeProfile, *, is_own: bool, today: datetime.date
) -> dict[str, Any]:
    rotations = trainee_rotations(trainee)
    block = pick_rotation(rotations, today=today, wanted=whole_number(request.GET.get("rotation", "")))
    if block is None and request.GET.get("rotation"):
        raise Http404
    context: dict[str, Any] = {
        "trainee": trainee,
        "is_own": is_own,
        "rotations": rotations,
        "progress": rotation_progress(block, today=today) if block is not None else None,
        "entries": entries_of_trainee(request.user, trainee),
        "today": today,
    }
    if is_own:
        context["form"], context["department"] = _entry_form(trainee, rotations, today)
    return context


@login_required
def logbook(request: HttpRequest) -> HttpResponse:
    today = _today()
    own = own_trainee_profile(request.user)
    wanted = whole_number(request.GET.get("trainee", ""))
    if wanted is not None and (own is None or wanted != own.pk):
        trainee = get_trainee_for_user(request.user, wanted)
    elif own is not None:
        trainee = own
    else:
        return redirect("logbook_queue")
    is_own = own is not None and trainee.pk == own.pk
    context = _logbook_context(request, trainee, is_own=is_own, today=today)
    context["tabs"] = _tabs(request, "mine", own=own) if is_own else []
    context["active"] = "mine"
    return render(request, "assessments/logbook_trainee.html", context)


@login_required
def logbook_add(request: HttpRequest) -> HttpResponse:
    today = _today()
    trainee = own_trainee_profile(request.user)
    if trainee is None:
        raise PermissionDenied
    rotations = trainee_rotations(trainee)
    form, department = _entry_form(trainee, rotations, today, request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            entry = logbook_entry_create(
                actor=request.user,
                trainee=trainee,
                item=data["item"],
                performed_on=data["performed_on"],
                role=data["role"],
                supervisor=data["supervisor"],
                patient_reference=data["patient_reference"],
                note=data["note"],
                today=today,
            )
        except ForbiddenError as error:
            raise PermissionDenied(error.message) from error
        except (ApplicationError, ValidationError) as error:
            add_service_error(form, error)
        else:
            if entry.dops_assessment_id:
                messages.success(
                    request,
                    _("Logged. %(supervisor)s is asked to verify it and to assess you with a DOPS.")
                    % {"supervisor": entry.supervisor.display_name},
                )
            else:
                messages.success(
                    request,
                    _("Logged. %(supervisor)s is asked to verify it.")
                    % {"supervisor": entry.supervisor.display_name},
                )
            return redirect("logbook")
    return render(
        request,
        "assessments/logbook_add.html",
        {"trainee": trainee, "form": form, "department": department, "today": today},
    )


def _act_on_entry(
    request: HttpRequest,
    entry: LogbookEntry,
    act: Callable[[int], Any],
    on_conflict: Callable[[], HttpResponse],
) -> HttpResponse | None:
    """Run one service on the entry with the version the page posted: 403 when the user may not, the
    page again with 409 when it was stale. None when it went through."""
    try:
        act(posted_version(request))
    except ForbiddenError as error:
        raise PermissionDenied(error.message) from error
    except ConflictError as error:
        messages.error(request, str(error.message))
        return on_conflict()
    return None


@login_required
@require_POST
def logbook_entry_delete_view(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = get_logbook_entry_for_user(request.user, entry_id)

    def trainee_page() -> HttpResponse:
        context = _logbook_context(request, entry.trainee, is_own=True, today=_today())
        context["tabs"] = _tabs(request, "mine", own=entry.trainee)
        context["active"] = "mine"
        return render(request, "assessments/logbook_trainee.html", context, status=409)

    refused = _act_on_entry(
        request,
        entry,
        lambda version: logbook_entry_delete(actor=request.user, entry=entry, expected_version=version),
        trainee_page,
    )
    if refused is not None:
        return refused
    messages.success(request, _("The entry was deleted."))
    return redirect("logbook")


# --- the supervisor's queue ---------------------------------------------------------------------


def _queue_page(request: HttpRequest, *, status: int = 200, reject_errors: Any = None) -> HttpResponse:
    entries = list(verification_queue(request.user))
    return render(
        request,
        "assessments/logbook_queue.html",
        {
            "entries": entries,
            "reject_errors": reject_errors or {},
            "tabs": _tabs(request, "queue", own=own_trainee_profile(request.user)),
            "active": "queue",
        },
        status=status,
    )


@login_required
def logbook_queue(request: HttpRequest) -> HttpResponse:
    return _queue_page(request)


def _decided(request: HttpRequest, message: str, entry: LogbookEntry) -> HttpResponse:
    messages.success(request, message % {"item": entry.item, "trainee": entry.trainee.person.display_name})
    return redirect("logbook_queue")


@login_required
@require_POST
def logbook_entry_verify_view(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = get_logbook_entry_for_user(request.user, entry_id)
    refused = _act_on_entry(
        request,
        entry,
        lambda version: logbook_entry_verify(actor=request.user, entry=entry, expected_version=version),
        lambda: _queue_page(request, status=409),
    )
    return refused or _decided(request, _("Verified: %(item)s of %(trainee)s."), entry)


@login_required
@require_POST
def logbook_entry_reject_view(request: HttpRequest, entry_id: int) -> HttpResponse:
    entry = get_logbook_entry_for_user(request.user, entry_id)
    reason = request.POST.get("reason", "")
    try:
        refused = _act_on_entry(
            request,
            entry,
            lambda version: logbook_entry_reject(
                actor=request.user, entry=entry, expected_version=version, reason=reason
            ),
            lambda: _queue_page(request, status=409),
        )
    except ValidationError as error:
        return _queue_page(
            request, status=400, reject_errors={entry.pk: error.message_dict.get("reason", [])}
        )
    except ApplicationError as error:
        return _queue_page(request, status=400, reject_errors={entry.pk: [str(error.message)]})
    return refused or _decided(request, _("Rejected: %(item)s of %(trainee)s."), entry)


# --- the departments' lists ---------------------------------------------------------------------


@login_required
def logbook_items(request: HttpRequest) -> HttpResponse:
    departments = list(departments_managing_logbook(request.user))
    if not departments:
        raise PermissionDenied
    wanted = whole_number(request.POST.get("department") or request.GET.get("department", ""))
    department = next((d for d in departments if wanted is None or d.pk == wanted), None)
    if department is None:
        raise Http404
    item = None
    item_id = whole_number(request.POST.get("item") or request.GET.get("item", ""))
    if item_id is not None:
        item = LogbookItem.objects.filter(department=department, pk=item_id).first()
        if item is None:
            raise Http404
    institution = department.institution
    bases = [pk for pk in (institution.pk, institution.parent_id) if pk]
    form = LogbookItemForm(
        request.POST or None,
        initial=LogbookItemForm.initial_of(item) if item is not None else None,
        standards=RotationStandard.objects.filter(institution_id__in=bases).order_by("specialty"),
        instruments=instruments_in_use(institution.pk).filter(kind=InstrumentKind.RATING_SCALE),
    )
    if request.method == "POST" and form.is_valid():
        try:
            saved = logbook_item_save(
                actor=request.user, department=department, item=item, **form.cleaned_data
            )
        except ForbiddenError as error:
            raise PermissionDenied(error.message) from error
        except (ApplicationError, ValidationError) as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Saved: %(item)s.") % {"item": saved})
            return redirect(f"{reverse('logbook_items')}?department={department.pk}")
    return render(
        request,
        "assessments/logbook_items.html",
        {
            "departments": departments,
            "department": department,
            "items": list(department_items(department)),
            "item": item,
            "form": form,
            "tabs": _tabs(request, "items", own=own_trainee_profile(request.user)),
            "active": "items",
        },
    )
