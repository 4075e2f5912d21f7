"""Pages of rotation schedules: plan and list, the cohort grid with its diff and download, the load
against capacity, a department's roster, and a trainee's timeline.

Each page reaches its object through an access helper (404 outside the user's institution family) and
checks the action with ``require`` (403); the reads are in ``selectors_schedules``, the writes in
``services.scheduling``.
"""

import uuid
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from medtalent.core.errors import ApplicationError, ConflictError
from medtalent.core.exports import XLSX_TYPE
from medtalent.core.forms import add_service_error
from medtalent.core.jobs import job_with_live_progress
from medtalent.core.models import Job
from medtalent.core.permissions import require
from medtalent.people.access import scope_for

from .access import (
    chosen_training_base,
    get_roster_department_for_user,
    get_schedule_for_user,
    get_trainee_for_user,
    may_run_schedules,
    own_trainee_profile,
    reads_rosters,
    roster_departments_for,
    rotations_landing,
    runs_rotations_of,
    training_bases_run_by,
)
from .exports import schedule_grid_xlsx
from .forms import SchedulePlanForm, posted_version, whole_number
from .models import Schedule
from .months import add_months, parse_month
from .selectors_schedules import (
    GridFilters,
    SolverFigures,
    department_roster,
    enrolled_trainee_count,
    published_schedule,
    schedule_diff,
    schedule_grid,
    schedule_list_for_institution,
    schedule_load,
    trainee_timeline,
)
from .services.scheduling import schedule_discard, schedule_publish, schedule_solve_start

SOLVE_JOB_KIND = "rotations.schedule_solve"


@login_required
def rotations_home(request: HttpRequest) -> HttpResponse:
    """The menu's entry: planners land on the schedules, heads and teachers on their roster, trainees on
    their own timeline."""
    return redirect(rotations_landing(request.user))


# --- schedules list and planning ----------------------------------------------------------------


def _solver_jobs(request: HttpRequest) -> list[Job]:
    """The user's solver runs still going, and the one just started (``?job=``) whatever its state."""
    user: Any = request.user
    jobs = Job.objects.filter(kind=SOLVE_JOB_KIND, owner=user)
    running = list(jobs.filter(status__in=[Job.Status.QUEUED, Job.Status.RUNNING])[:5])
    try:
        wanted = uuid.UUID(request.GET.get("job", ""))
    except ValueError:
        wanted = None
    if wanted is not None and all(job.pk != wanted for job in running):
        started = jobs.filter(pk=wanted).first()
        if started is not None:
            running.insert(0, started)
    return [job_with_live_progress(job) for job in running]


@login_required
def schedule_list(request: HttpRequest) -> HttpResponse:
    if not may_run_schedules(request.user):
        raise PermissionDenied
    bases, institution = chosen_training_base(request.user, whole_number(request.GET.get("institution", "")))
    schedules = schedule_list_for_institution(institution)
    form = SchedulePlanForm(
        institutions=training_bases_run_by(request.user), initial={"institution": institution}
    )
    return render(
        request,
        "rotations/schedule_list.html",
        {
            "institution": institution,
            "bases": bases,
            "schedules": schedules,
            "published": next((s for s in schedules if s.status == Schedule.Status.PUBLISHED), None),
            "enrolled": enrolled_trainee_count(institution),
            "form": form,
            "jobs": _solver_jobs(request),
        },
    )


@login_required
@require_POST
def schedule_plan(request: HttpRequest) -> HttpResponse:
    """Start the solver as a background job, then show its progress on the schedules page."""
    if not may_run_schedules(request.user):
        raise PermissionDenied
    form = SchedulePlanForm(request.POST, institutions=training_bases_run_by(request.user))
    if form.is_valid():
        institution = form.cleaned_data["institution"]
        require(request.user, "rotations.add_schedule", institution)
        based_on = published_schedule(institution) if form.cleaned_data["replan"] else None
        try:
            if form.cleaned_data["replan"] and based_on is None:
                raise ApplicationError(_("There is no published schedule to re-plan yet."))
            job = schedule_solve_start(
                user=request.user,
                institution=institution,
                based_on=based_on,
                now=timezone.localdate() if based_on else None,
                time_limit=form.cleaned_data["time_limit"],
            )
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            query = urlencode({"institution": institution.pk, "job": job.pk})
            return redirect(f"{reverse('rotation_schedules')}?{query}")
    for problems in form.errors.values():
        messages.error(request, " ".join(str(problem) for problem in problems))
    institution_id = request.POST.get("institution", "")
    suffix = f"?institution={institution_id}" if whole_number(institution_id) else ""
    return redirect(f"{reverse('rotation_schedules')}{suffix}")


# --- one schedule -------------------------------------------------------------------------------


def _grid_filters(request: HttpRequest) -> GridFilters:
    params = request.GET
    return GridFilters(
        cohort=whole_number(params.get("cohort", "")),
        standard_id=whole_number(params.get("standard", "")),
        department_id=whole_number(params.get("department", "")),
        search=params.get("q", "").strip()[:100],
        changed_only=params.get("changed", "") == "1",
    )


def _readers_page(request: HttpRequest) -> HttpResponse:
    """Somebody in the family who does not plan opened a schedule (a notification links there): their
    own part of it is the roster of their department, or their timeline."""
    scope = scope_for(request.user)
    if scope.head_department_ids or scope.teacher_department_ids:
        return redirect("rotation_roster")
    if own_trainee_profile(request.user) is not None:
        return redirect("rotation_me")
    raise PermissionDenied


def _schedule_page(
    request: HttpRequest, schedule: Schedule, *, conflict: str = "", status: int = 200
) -> HttpResponse:
    filters = _grid_filters(request)
    diff = schedule_diff(schedule)
    grid = schedule_grid(schedule, filters, page_number=request.GET.get("page"), diff=diff)
    query = request.GET.copy()
    query.pop("page", None)
    context: dict[str, Any] = {
        "schedule": schedule,
        "solver": SolverFigures.of(schedule),
        "grid": grid,
        "diff": diff,
        "can_change": request.user.has_perm("rotations.change_schedule", schedule),
        "conflict": conflict,
        "query": query.urlencode(),
    }
    if request.headers.get("HX-Request") and not request.headers.get("HX-Boosted"):
        return render(request, "rotations/_schedule_grid.html", context, status=status)
    return render(request, "rotations/schedule_detail.html", context, status=status)


@login_required
def schedule_detail(request: HttpRequest, schedule_id: int) -> HttpResponse:
    schedule = get_schedule_for_user(request.user, schedule_id)
    if not request.user.has_perm("rotations.view_schedule", schedule):
        return _readers_page(request)
    return _schedule_page(request, schedule)


@login_required
@require_POST
def schedule_publish_view(request: HttpRequest, schedule_id: int) -> HttpResponse:
    schedule = get_schedule_for_user(request.user, schedule_id)
    require(request.user, "rotations.change_schedule", schedule)
    try:
        published = schedule_publish(
            user=request.user, schedule=schedule, expected_version=posted_version(request)
        )
    except ConflictError as error:
        # Nothing was written: show the schedule as it is now, with the reason, as a 409.
        return _schedule_page(
            request, get_schedule_for_user(request.user, schedule_id), conflict=str(error.message), status=409
        )
    except ApplicationError as error:
        messages.error(request, str(error.message))
        return redirect("rotation_schedule", schedule_id=schedule.pk)
    messages.success(
        request,
        _("Published. The trainees whose months changed and their departments' heads have been told."),
    )
    return redirect("rotation_schedule", schedule_id=published.pk)


@login_required
@require_POST
def schedule_discard_view(request: HttpRequest, schedule_id: int) -> HttpResponse:
    schedule = get_schedule_for_user(request.user, schedule_id)
    require(request.user, "rotations.change_schedule", schedule)
    try:
        schedule_discard(user=request.user, schedule=schedule, expected_version=posted_version(request))
    except ConflictError as error:
        return _schedule_page(
            request, get_schedule_for_user(request.user, schedule_id), conflict=str(error.message), status=409
        )
    except ApplicationError as error:
        messages.error(request, str(error.message))
        return redirect("rotation_schedule", schedule_id=schedule.pk)
    messages.success(request, _("Draft discarded."))
    return redirect(f"{reverse('rotation_schedules')}?institution={schedule.institution_id}")


@login_required
def schedule_export(request: HttpRequest, schedule_id: int) -> HttpResponse:
    schedule = get_schedule_for_user(request.user, schedule_id)
    require(request.user, "rotations.view_schedule", schedule)
    content = schedule_grid_xlsx(schedule, _grid_filters(request), schedule_diff(schedule))
    response = HttpResponse(content, content_type=XLSX_TYPE)
    filename = f"rotation-schedule-{schedule.pk}-{timezone.localdate():%Y%m%d}.xlsx"
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def schedule_load_view(request: HttpRequest, schedule_id: int) -> HttpResponse:
    schedule = get_schedule_for_user(request.user, schedule_id)
    require(request.user, "rotations.view_schedule", schedule)
    return render(
        request,
        "rotations/schedule_load.html",
        {"schedule": schedule, "load": schedule_load(schedule), "solver": SolverFigures.of(schedule)},
    )


# --- roster and timeline ------------------------------------------------------------------------


@login_required
def roster(request: HttpRequest) -> HttpResponse:
    """A department's trainees this month and the next, by the published schedule."""
    if not reads_rosters(request.user):
        raise PermissionDenied
    department = get_roster_department_for_user(request.user, whole_number(request.GET.get("department", "")))
    month = parse_month(request.GET.get("month", "")) or timezone.localdate().replace(day=1)
    departments = list(roster_departments_for(request.user))
    return render(
        request,
        "rotations/roster.html",
        {
            "roster": department_roster(department, month),
            "department": department,
            "departments": departments if len(departments) > 1 else [],
            "month": month,
            "previous_month": add_months(month, -1),
            "next_month": add_months(month, 1),
            "this_month": timezone.localdate().replace(day=1),
        },
    )


def _timeline_page(request: HttpRequest, trainee: Any, *, own: bool) -> HttpResponse:
    timeline = trainee_timeline(trainee, timezone.localdate()) if trainee is not None else None
    enrolment = timeline.enrolment if timeline is not None else None
    manages = enrolment is not None and runs_rotations_of(request.user, enrolment)
    return render(
        request,
        "rotations/timeline.html",
        {"timeline": timeline, "trainee": trainee, "own": own, "manages": manages},
    )


@login_required
def timeline(request: HttpRequest, trainee_id: int) -> HttpResponse:
    trainee = get_trainee_for_user(request.user, trainee_id)
    own = trainee.person_id == getattr(request.user, "person_id", None)
    return _timeline_page(request, trainee, own=own)


@login_required
def my_timeline(request: HttpRequest) -> HttpResponse:
    return _timeline_page(request, own_trainee_profile(request.user), own=True)
