"""What the solver plans around, as the programme office records it: enrolments, leave, research months,
department places per month, and locks on blocks.

Each service checks the user may run rotations at the training base, validates, writes and audits in
one transaction; a refusal (``ApplicationError``, naming the field) writes nothing. Leave and research
months are checked against the trainee's enrolment, under a lock on the trainee's row, so two officers
recording leave at once cannot overlap it.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from medtalent.core.audit import audit_record
from medtalent.core.errors import ApplicationError, ForbiddenError
from medtalent.core.versioning import save_versioned
from medtalent.people.models import Department, Institution, Person, TraineeProfile

from ..access import runs_rotations_of
from ..models import (
    MAX_LEAVE_MONTHS,
    DepartmentCapacity,
    Leave,
    MentorResearchCapacity,
    ResearchWindow,
    RotationBlock,
    RotationEnrolment,
    RotationStandard,
    Schedule,
    StandardEdition,
)
from ..months import add_months, months_between
from ..selectors import institution_family_q
from ..selectors_records import mentors_at

MAX_CAPACITY_MONTHS = 60  # one change of places covers at most five years
MAX_PLACES = 999
MAX_RESEARCH_STUDENTS = 20  # a mentor's students on research months at the same time


def _require_runs(user: Any, *institution_ids: int | None) -> None:
    """Refuse unless the user runs rotations at one of the institutions."""
    if not any(runs_rotations_of(user, Institution(pk=pk)) for pk in institution_ids if pk is not None):
        raise ForbiddenError(_("Only the programme office of this training base may change its rotations."))


# --- enrolments ---------------------------------------------------------------------------------


@transaction.atomic
def rotation_enrolment_save(
    *, user: Any, trainee: TraineeProfile, standard: RotationStandard, start_month: datetime.date
) -> RotationEnrolment:
    """Enrol a trainee under a standard from a month, or change their enrolment.

    A new enrolment (or one moved to another standard) follows the standard's newest edition; the row
    lock on the standard orders this against an edit of that edition, which then becomes a new edition
    instead of changing the one the trainee now follows. Changing only the first month keeps the
    trainee's edition: trainees keep the version they started under.
    """
    _require_runs(user, standard.institution_id)
    standard = RotationStandard.objects.select_for_update().get(pk=standard.pk)
    family = institution_family_q(standard.institution, "institution__")
    if not TraineeProfile.objects.filter(family, pk=trainee.pk).exists():
        raise ApplicationError(
            _("This trainee belongs to another institution: they cannot rotate at this training base."),
            field="standard",
        )
    enrolment = RotationEnrolment.objects.select_for_update().filter(trainee=trainee).first()
    before = _enrolment_figures(enrolment)
    if enrolment is not None and enrolment.edition.standard_id == standard.pk:
        enrolment.start_month = start_month
    else:
        edition = StandardEdition.objects.filter(standard=standard).order_by("-number").first()
        if edition is None:
            raise ApplicationError(_("This standard has no edition yet."), field="standard")
        if enrolment is None:
            enrolment = RotationEnrolment(trainee=trainee)
        enrolment.edition, enrolment.start_month = edition, start_month
    enrolment.institution_id = standard.institution_id
    enrolment.full_clean()
    enrolment.save()
    after = _enrolment_figures(enrolment)
    if before != after:
        audit_record(
            actor=user,
            action="rotations.enrolment_save",
            target=enrolment,
            changes={k: [before.get(k), v] for k, v in after.items() if before.get(k) != v},
        )
    return enrolment


def _enrolment_figures(enrolment: RotationEnrolment | None) -> dict[str, Any]:
    if enrolment is None:
        return {}
    return {
        "edition": enrolment.edition_id,
        "start_month": f"{enrolment.start_month:%Y-%m}",
        "institution": enrolment.institution_id,
    }


def _locked_enrolment(user: Any, trainee: TraineeProfile) -> RotationEnrolment:
    """The trainee's enrolment, with the trainee's row locked for this transaction."""
    TraineeProfile.objects.select_for_update().filter(pk=trainee.pk).first()
    enrolment = (
        RotationEnrolment.objects.filter(trainee=trainee).select_related("edition", "institution").first()
    )
    if enrolment is None:
        raise ApplicationError(_("Enrol the trainee in a rotation standard first."))
    _require_runs(user, enrolment.institution_id)
    return enrolment


# --- leave --------------------------------------------------------------------------------------


@transaction.atomic
def leave_create(
    *,
    user: Any,
    trainee: TraineeProfile,
    start_month: datetime.date,
    months: int,
    reason: str,
    note: str = "",
) -> Leave:
    """Record whole months of leave. They may not start before the programme or overlap other leave."""
    enrolment = _locked_enrolment(user, trainee)
    if not 1 <= months <= MAX_LEAVE_MONTHS:
        raise ApplicationError(
            _("Leave lasts from 1 to %(most)d months.") % {"most": MAX_LEAVE_MONTHS}, field="months"
        )
    if start_month < enrolment.start_month:
        raise ApplicationError(
            _("The rotations start in %(month)s: leave before then is no part of them.")
            % {"month": f"{enrolment.start_month:%Y-%m}"},
            field="start_month",
        )
    end = add_months(start_month, months)
    for other in Leave.objects.filter(trainee=trainee):
        if other.start_month < end and start_month < other.end_month:
            raise ApplicationError(
                _("This overlaps the leave from %(first)s to %(last)s.")
                % {"first": f"{other.start_month:%Y-%m}", "last": f"{add_months(other.end_month, -1):%Y-%m}"},
                field="start_month",
            )
    leave = Leave(
        trainee=trainee, start_month=start_month, months=months, reason=reason, note=note, created_by=user
    )
    leave.full_clean()
    leave.save()
    audit_record(
        actor=user,
        action="rotations.leave_create",
        target=leave,
        changes={"leave": [None, [f"{start_month:%Y-%m}", months, reason]]},
    )
    return leave


@transaction.atomic
def leave_delete(*, user: Any, leave: Leave) -> None:
    _locked_enrolment(user, leave.trainee)
    audit_record(
        actor=user,
        action="rotations.leave_delete",
        target=leave.trainee,
        changes={"leave": [[f"{leave.start_month:%Y-%m}", leave.months, leave.reason], None]},
    )
    leave.delete()


# --- research months ----------------------------------------------------------------------------


def _require_mentor_at(institution: Institution, mentor: Person) -> None:
    if not mentors_at(institution).filter(pk=mentor.pk).exists():
        raise ApplicationError(_("Choose a mentor of this training base."), field="mentor")


@transaction.atomic
def research_window_create(
    *,
    user: Any,
    trainee: TraineeProfile,
    mentor: Person,
    months: int,
    earliest_start: int,
    latest_end: int,
) -> ResearchWindow:
    """Protect research months for a trainee, under a mentor, somewhere in a window of the programme.

    Offsets count months from the start of the programme; the research months lengthen it, so the
    window may reach as far as the standard's months plus all of the trainee's research months.
    """
    enrolment = _locked_enrolment(user, trainee)
    if months < 1:
        raise ApplicationError(_("Protect at least one month."), field="months")
    if earliest_start < 0:
        raise ApplicationError(_("The window cannot start before the programme."), field="earliest_start")
    if latest_end < earliest_start + months:
        raise ApplicationError(
            _("The window from month %(first)d to month %(end)d is too short for %(months)d months.")
            % {"first": earliest_start, "end": latest_end, "months": months},
            field="latest_end",
        )
    existing = sum(ResearchWindow.objects.filter(trainee=trainee).values_list("months", flat=True))
    length = enrolment.edition.total_months + existing + months
    if latest_end > length:
        raise ApplicationError(
            _(
                "With these research months the programme lasts %(length)d months: "
                "the window must end by then."
            )
            % {"length": length},
            field="latest_end",
        )
    _require_mentor_at(enrolment.institution, mentor)
    window = ResearchWindow(
        trainee=trainee, mentor=mentor, months=months, earliest_start=earliest_start, latest_end=latest_end
    )
    window.full_clean()
    window.save()
    audit_record(
        actor=user,
        action="rotations.research_create",
        target=window,
        changes={"research": [None, [mentor.pk, months, earliest_start, latest_end]]},
    )
    return window


@transaction.atomic
def research_window_delete(*, user: Any, window: ResearchWindow) -> None:
    _locked_enrolment(user, window.trainee)
    audit_record(
        actor=user,
        action="rotations.research_delete",
        target=window.trainee,
        changes={
            "research": [[window.mentor_id, window.months, window.earliest_start, window.latest_end], None]
        },
    )
    window.delete()


@transaction.atomic
def mentor_research_capacity_set(
    *, user: Any, institution: Institution, mentor: Person, concurrent_students: int
) -> MentorResearchCapacity:
    """How many students a mentor of the base takes for research months at the same time.

    The solver places research months so that no mentor has more students on them in any month.
    """
    _require_runs(user, institution.pk)
    _require_mentor_at(institution, mentor)
    if not 0 <= concurrent_students <= MAX_RESEARCH_STUDENTS:
        raise ApplicationError(
            _("A mentor takes from 0 to %(most)d students at the same time.")
            % {"most": MAX_RESEARCH_STUDENTS},
            field="concurrent_students",
        )
    capacity, _created = MentorResearchCapacity.objects.select_for_update().get_or_create(mentor=mentor)
    before = capacity.concurrent_students
    if before != concurrent_students:
        capacity.concurrent_students = concurrent_students
        capacity.save(update_fields=["concurrent_students", "updated_at"])
        audit_record(
            actor=user,
            action="rotations.mentor_capacity",
            target=mentor,
            changes={"concurrent_students": [before, concurrent_students]},
        )
    return capacity


# --- places per month ---------------------------------------------------------------------------


@transaction.atomic
def department_capacity_set(
    *,
    user: Any,
    department: Department,
    first_month: datetime.date,
    last_month: datetime.date,
    maximum: int | None,
    minimum: int = 0,
) -> int:
    """Set a department's places for every month from ``first_month`` to ``last_month`` (inclusive).

    ``maximum=None`` returns those months to the department's usual places (``rotation_capacity``, and
    no minimum). Returns the number of months set.
    """
    # The base's programme office sets the places of its own departments and of its affiliates'.
    _require_runs(user, department.institution_id, department.institution.parent_id)
    count = months_between(first_month, last_month) + 1
    if count < 1:
        raise ApplicationError(_("The last month comes before the first."), field="last_month")
    if count > MAX_CAPACITY_MONTHS:
        raise ApplicationError(
            _("Set at most %(most)d months at a time.") % {"most": MAX_CAPACITY_MONTHS}, field="last_month"
        )
    if maximum is not None:
        if not 0 <= maximum <= MAX_PLACES:
            raise ApplicationError(
                _("Places run from 0 to %(most)d.") % {"most": MAX_PLACES}, field="maximum"
            )
        if not 0 <= minimum <= maximum:
            raise ApplicationError(
                _("The fewest trainees needed must be between 0 and the most trainees (%(most)d).")
                % {"most": maximum},
                field="minimum",
            )
    months = [add_months(first_month, k) for k in range(count)]
    in_range = DepartmentCapacity.objects.filter(department=department, month__in=months)
    before = {f"{m:%Y-%m}": [top, low] for m, top, low in in_range.values_list("month", "maximum", "minimum")}
    in_range.delete()
    if maximum is not None:
        DepartmentCapacity.objects.bulk_create(
            DepartmentCapacity(department=department, month=month, maximum=maximum, minimum=minimum)
            for month in months
        )
    audit_record(
        actor=user,
        action="rotations.capacity_set",
        target=department,
        changes={
            "months": [None, [f"{first_month:%Y-%m}", f"{last_month:%Y-%m}"]],
            "places": [before or None, None if maximum is None else [maximum, minimum]],
        },
    )
    return count


# --- locks --------------------------------------------------------------------------------------


@transaction.atomic
def rotation_block_lock(*, user: Any, block: RotationBlock, locked: bool, expected_version: int) -> Schedule:
    """Lock a block so that re-plans keep it as it is, or unlock it. Drafts and the published schedule
    take locks; the schedule's version moves on, so a page opened before answers 409 on its next edit."""
    schedule = Schedule.objects.select_for_update().get(pk=block.schedule_id)
    _require_runs(user, schedule.institution_id)
    if schedule.status not in (Schedule.Status.DRAFT, Schedule.Status.PUBLISHED):
        raise ApplicationError(_("Only a draft or the published schedule takes locks."))
    if block.department_id is None:
        raise ApplicationError(_("Research months are placed by the solver within their window."))
    save_versioned(schedule, expected_version=expected_version, fields=[])
    if block.locked != locked:
        RotationBlock.objects.filter(pk=block.pk).update(locked=locked)
        block.locked = locked
        audit_record(
            actor=user,
            action="rotations.block_lock" if locked else "rotations.block_unlock",
            target=schedule,
            changes={
                "block": [
                    None,
                    [block.trainee_id, block.department_id, f"{block.start_month:%Y-%m}", block.months],
                ],
                "locked": [not locked, locked],
            },
        )
    return schedule
