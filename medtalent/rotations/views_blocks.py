"""Editing one trainee's blocks in a draft schedule: move, split, swap, with the answer at once; and
locking blocks (in a draft or the published schedule) so that re-plans keep them.

The page lists the trainee's blocks with the three edits. Each POST calls one service; a rule of the
standard that the edit would break comes back as the page's error and nothing changes, a department
left above capacity comes back as a warning, and a stale version (someone edited meanwhile) as 409.
"""

import datetime
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from medtalent.core.errors import ApplicationError, ConflictError
from medtalent.core.permissions import require

from .access import get_schedule_for_user
from .forms import posted_version
from .models import RotationBlock, Schedule
from .months import add_months, months_between, parse_month
from .selectors import standard_departments_by_code
from .services.blocks import BlockEditResult, rotation_block_move, rotation_block_split, rotation_block_swap
from .services.records import rotation_block_lock


@login_required
def schedule_trainee_edit(request: HttpRequest, schedule_id: int, trainee_id: int) -> HttpResponse:
    schedule = get_schedule_for_user(request.user, schedule_id)
    require(request.user, "rotations.change_schedule", schedule)
    blocks = list(
        RotationBlock.objects.filter(schedule=schedule, trainee_id=trainee_id)
        .select_related("department", "trainee__person")
        .order_by("start_month")
    )
    if not blocks:
        raise Http404
    error, status = "", 200
    if request.method == "POST":
        locking = request.POST.get("action") in ("lock", "unlock")
        try:
            result = _lock(request, blocks) if locking else _apply(request, schedule, blocks)
        except ConflictError as conflict:
            error, status = str(conflict.message), 409
        except ApplicationError as problem:
            error, status = str(problem.message), 400
        else:
            for department, month, load, places in result.over_capacity:
                messages.warning(
                    request,
                    _("%(department)s has %(load)s trainees in %(month)s for %(places)s places.")
                    % {"department": department, "load": load, "month": f"{month:%Y-%m}", "places": places},
                )
            messages.success(
                request,
                _("Saved. A locked block stays as it is when the schedule is re-planned.")
                if locking
                else _("Saved. The trainee's months keep every rule of their standard."),
            )
            return redirect("rotation_schedule_trainee_edit", schedule_id=schedule.pk, trainee_id=trainee_id)
        schedule.refresh_from_db()
    # Months before the last block that is done, running or locked cannot take a moved block.
    movable = [b for b in blocks if b.department_id and not b.is_fixed]
    first = min((b.start_month for b in movable), default=min(b.start_month for b in blocks))
    last = max(b.end_month for b in blocks)
    months = [add_months(first, k) for k in range(months_between(first, last))]
    departments = sorted(standard_departments_by_code(schedule.institution).values(), key=str)
    return render(
        request,
        "rotations/schedule_trainee_edit.html",
        {
            "schedule": schedule,
            "trainee": blocks[0].trainee,
            "blocks": blocks,
            "months": months,
            "departments": departments,
            "error": error,
            "editable": schedule.status == Schedule.Status.DRAFT,
            "lockable": schedule.status in (Schedule.Status.DRAFT, Schedule.Status.PUBLISHED),
        },
        status=status,
    )


def _lock(request: HttpRequest, blocks: list[RotationBlock]) -> BlockEditResult:
    block = {str(b.pk): b for b in blocks}.get(request.POST.get("block", ""))
    if block is None:
        raise ApplicationError(_("Choose one of the trainee's blocks."))
    schedule = rotation_block_lock(
        user=request.user,
        block=block,
        locked=request.POST["action"] == "lock",
        expected_version=posted_version(request),
    )
    return BlockEditResult(schedule)


def _apply(request: HttpRequest, schedule: Schedule, blocks: list[RotationBlock]) -> Any:
    by_id = {str(b.pk): b for b in blocks}
    block = by_id.get(request.POST.get("block", ""))
    if block is None:
        raise ApplicationError(_("Choose one of the trainee's blocks."))
    version = posted_version(request)
    action = request.POST.get("action")
    department = _department(schedule, request.POST.get("department", ""))
    if action == "move":
        return rotation_block_move(
            user=request.user,
            block=block,
            expected_version=version,
            start_month=_month(request.POST.get("month", "")),
            department=department,
        )
    if action == "split":
        if department is None:
            raise ApplicationError(_("Choose the department the later months go to."))
        return rotation_block_split(
            user=request.user,
            block=block,
            expected_version=version,
            at_month=_month(request.POST.get("month", "")),
            department=department,
        )
    if action == "swap":
        other = by_id.get(request.POST.get("other", ""))
        if other is None:
            raise ApplicationError(_("Choose the block to swap with."))
        return rotation_block_swap(user=request.user, block=block, other=other, expected_version=version)
    raise ApplicationError(_("Unknown change."))


def _department(schedule: Schedule, value: str) -> Any:
    if not value:
        return None
    found = {str(d.pk): d for d in standard_departments_by_code(schedule.institution).values()}.get(value)
    if found is None:
        raise ApplicationError(_("Choose a department of this training base."))
    return found


def _month(value: str) -> datetime.date:
    month = parse_month(value)
    if month is None:
        raise ApplicationError(_("Choose a month."))
    return month
