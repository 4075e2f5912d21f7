"""The programme office's rotation records: who is enrolled under which standard, their leave and
protected research months, and each department's places month by month. The solver plans around them.

Pages reach the training base through ``chosen_training_base`` (404 for a base the user does not plan
for) and a trainee through ``get_trainee_for_user`` (404 unless the trainee's records are private to the
user), then check the change with the services (403 unless the user runs rotations there).
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from medtalent.core.errors import ApplicationError, ForbiddenError
from medtalent.core.forms import add_service_error

from .access import chosen_training_base, get_trainee_for_user, may_run_schedules, runs_rotations_of
from .forms import whole_number
from .forms_records import (
    CapacityForm,
    EnrolmentForm,
    LeaveForm,
    MentorCapacityForm,
    NewEnrolmentForm,
    ResearchWindowForm,
)
from .models import Leave, MentorResearchCapacity, ResearchWindow
from .months import add_months, first_of_month, parse_month
from .selectors_records import (
    TraineeFilters,
    cohorts_at,
    enrolments_at,
    mentors_at,
    places_departments,
    places_grid,
    standards_at,
    trainee_record,
    trainees_to_enrol,
)
from .selectors_schedules import enrolment_of
from .selectors_schedules.common import year_spans
from .services.records import (
    department_capacity_set,
    leave_create,
    leave_delete,
    mentor_research_capacity_set,
    research_window_create,
    research_window_delete,
    rotation_enrolment_save,
)

TRAINEES_PER_PAGE = 100
PLACES_MONTHS = 12


def _base(request: HttpRequest) -> tuple[list[Any], Any]:
    if not may_run_schedules(request.user):
        raise PermissionDenied
    wanted = request.POST.get("institution") or request.GET.get("institution", "")
    return chosen_training_base(request.user, whole_number(wanted))


def _service(form: Any, call: Any) -> Any:
    """Run a service; its refusal lands on the form (the field it names) and the call returns None."""
    try:
        return call()
    except ForbiddenError as error:
        raise PermissionDenied(error.message) from error
    except (ApplicationError, ValidationError) as error:
        add_service_error(form, error)
        return None


# --- trainees -----------------------------------------------------------------------------------


@login_required
def trainee_list(request: HttpRequest) -> HttpResponse:
    bases, institution = _base(request)
    filters = TraineeFilters(
        standard_id=whole_number(request.GET.get("standard", "")),
        cohort=whole_number(request.GET.get("cohort", "")),
        text=request.GET.get("q", "").strip()[:60],
    )
    standards = standards_at(institution)
    form = NewEnrolmentForm(
        request.POST or None,
        trainees=trainees_to_enrol(institution),
        standards=standards,
        initial={"start_month": first_of_month(timezone.localdate())},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        enrolment = _service(
            form,
            lambda: rotation_enrolment_save(
                user=request.user,
                trainee=data["trainee"],
                standard=data["standard"],
                start_month=data["start_month"],
            ),
        )
        if enrolment is not None:
            messages.success(
                request,
                _("%(name)s is enrolled under %(standard)s from %(month)s.")
                % {
                    "name": data["trainee"].person.display_name,
                    "standard": enrolment.edition.standard.name,
                    "month": f"{enrolment.start_month:%Y-%m}",
                },
            )
            return redirect("rotation_trainee_record", trainee_id=data["trainee"].pk)
    page = Paginator(enrolments_at(institution, filters), TRAINEES_PER_PAGE).get_page(request.GET.get("page"))
    return render(
        request,
        "rotations/trainee_list.html",
        {
            "institution": institution,
            "bases": bases,
            "page": page,
            "filters": filters,
            "standards": standards,
            "cohorts": cohorts_at(institution),
            "form": form,
            "query": _query_without_page(request),
        },
        status=400 if request.method == "POST" else 200,
    )


def _query_without_page(request: HttpRequest) -> str:
    query = request.GET.copy()
    query.pop("page", None)
    return query.urlencode()


@login_required
def trainee_record_view(request: HttpRequest, trainee_id: int) -> HttpResponse:
    trainee = get_trainee_for_user(request.user, trainee_id)
    enrolment = enrolment_of(trainee)
    if enrolment is None or not runs_rotations_of(request.user, enrolment):
        raise Http404
    institution = enrolment.institution
    action = request.POST.get("action", "") if request.method == "POST" else ""
    posted = request.POST if request.method == "POST" else None
    record = trainee_record(enrolment)
    rows = record.research_rows  # the capacity form starts at the first research mentor's
    capacity = {"mentor": rows[0][0].mentor_id, "concurrent_students": rows[0][1]} if rows else {}
    forms = {
        "enrolment": EnrolmentForm(
            posted if action == "enrolment" else None,
            standards=standards_at(institution),
            initial={"standard": enrolment.edition.standard_id, "start_month": enrolment.start_month},
            prefix="enrolment",
        ),
        "leave": LeaveForm(posted if action == "leave" else None, prefix="leave"),
        "research": ResearchWindowForm(
            posted if action == "research" else None,
            mentors=mentors_at(institution),
            initial={"latest_end": enrolment.edition.total_months},  # valid for any number of months
            prefix="research",
        ),
        "mentor_capacity": MentorCapacityForm(
            posted if action == "mentor_capacity" else None,
            mentors=mentors_at(institution),
            initial=capacity,
            prefix="capacity",
        ),
    }
    if action:
        done = _record_change(request, trainee, institution, action, forms)
        if done:
            messages.success(request, done)
            return redirect("rotation_trainee_record", trainee_id=trainee.pk)
    return render(
        request,
        "rotations/trainee_record.html",
        {
            "trainee": trainee,
            "record": record,
            "forms": forms,
            "open_form": action,
            "default_research_capacity": MentorResearchCapacity.DEFAULT_CONCURRENT_STUDENTS,
        },
        status=400 if action else 200,
    )


def _record_change(
    request: HttpRequest, trainee: Any, institution: Any, action: str, forms: dict[str, Any]
) -> str:
    """Apply the change the record page posted; the success message, or "" when it was refused."""
    user = request.user
    if action in forms:
        form = forms[action]
        if not form.is_valid():
            return ""
        data = form.cleaned_data
        if action == "enrolment":
            saved = _service(
                form,
                lambda: rotation_enrolment_save(
                    user=user, trainee=trainee, standard=data["standard"], start_month=data["start_month"]
                ),
            )
            return _("Enrolment saved.") if saved else ""
        if action == "leave":
            saved = _service(form, lambda: leave_create(user=user, trainee=trainee, **data))
            return _("Leave recorded. Re-plan the schedule to place the trainee around it.") if saved else ""
        if action == "mentor_capacity":
            saved = _service(
                form, lambda: mentor_research_capacity_set(user=user, institution=institution, **data)
            )
            return _("Mentor's capacity saved. Re-plan the schedule to use it.") if saved else ""
        saved = _service(form, lambda: research_window_create(user=user, trainee=trainee, **data))
        return _("Research months protected. Re-plan the schedule to place them.") if saved else ""
    if action in ("leave_delete", "research_delete"):
        model: type[Leave] | type[ResearchWindow] = Leave if action == "leave_delete" else ResearchWindow
        pk = whole_number(request.POST.get("id", ""))
        row: Any = get_object_or_404(model.objects.select_related("trainee"), pk=pk, trainee=trainee)
        remove = leave_delete if action == "leave_delete" else research_window_delete
        try:
            remove(user=user, **{"leave" if action == "leave_delete" else "window": row})
        except ForbiddenError as error:
            raise PermissionDenied(error.message) from error
        return _("Removed. Re-plan the schedule to use the months.")
    raise Http404


# --- places -------------------------------------------------------------------------------------


@login_required
def places(request: HttpRequest) -> HttpResponse:
    bases, institution = _base(request)
    first = parse_month(request.GET.get("from", "")) or first_of_month(timezone.localdate())
    departments = places_departments(institution)
    form = CapacityForm(
        request.POST or None,
        departments=departments,
        initial={"first_month": first, "last_month": add_months(first, 5)},
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        count = _service(
            form,
            lambda: department_capacity_set(
                user=request.user,
                department=data["department"],
                first_month=data["first_month"],
                last_month=data["last_month"],
                maximum=data["maximum"],
                minimum=data["minimum"] or 0,
            ),
        )
        if count is not None:
            messages.success(request, _places_message(data))
            query = urlencode({"institution": institution.pk, "from": f"{data['first_month']:%Y-%m}"})
            return redirect(f"{reverse('rotation_places')}?{query}")
    grid = places_grid(institution, first, PLACES_MONTHS)
    return render(
        request,
        "rotations/places.html",
        {
            "institution": institution,
            "bases": bases,
            "grid": grid,
            "years": year_spans(grid.months),
            "form": form,
            "first": first,
            "earlier": add_months(first, -PLACES_MONTHS),
            "later": add_months(first, PLACES_MONTHS),
        },
        status=400 if request.method == "POST" else 200,
    )


def _places_message(data: dict[str, Any]) -> str:
    values = {
        "department": data["department"].name,
        "first": f"{data['first_month']:%Y-%m}",
        "last": f"{data['last_month']:%Y-%m}",
        "maximum": data["maximum"],
        "minimum": data["minimum"] or 0,
    }
    if data["maximum"] is None:
        return _("%(department)s takes its usual places again from %(first)s to %(last)s.") % values
    return (
        _("%(department)s takes %(minimum)s to %(maximum)s trainees a month from %(first)s to %(last)s.")
        % values
    )
