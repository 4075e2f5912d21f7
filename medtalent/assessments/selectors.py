"""Reads for the assessment workflow: a trainee's rotation on a day, lists for trainees and assessors."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from medtalent.people.models import Department, TraineeProfile
from medtalent.rotations.models import BlockKind, RotationBlock, Schedule
from medtalent.rotations.selectors_schedules import blocks_covering

from .access import assessments_visible_to
from .models import Assessment, AssessmentStatus, Instrument, InstrumentVersion

LIST_RELATED = (
    "instrument_version__instrument",
    "trainee__person",
    "assessor",
    "department",
)


def rotation_block_on(trainee: TraineeProfile, day: datetime.date) -> RotationBlock | None:
    """The trainee's rotation (not research) in the published schedule on that day, if any."""
    blocks = RotationBlock.objects.filter(
        trainee=trainee, kind=BlockKind.ROTATION, schedule__status=Schedule.Status.PUBLISHED
    )
    return blocks_covering(blocks, day.replace(day=1)).select_related("department").first()


def rotation_department_on(trainee: TraineeProfile, day: datetime.date) -> Department | None:
    """Where the trainee rotates that day: the published schedule's block, else their home department."""
    block = rotation_block_on(trainee, day)
    if block is not None:
        return block.department
    return trainee.department


def instruments_in_use(institution_id: int | None = None) -> QuerySet[Instrument]:
    """The active instruments a training base uses: the shipped ones and its own."""
    instruments = Instrument.objects.filter(is_active=True)
    if institution_id is None:
        return instruments.filter(institution__isnull=True)
    return instruments.filter(institution__isnull=True) | instruments.filter(institution_id=institution_id)


def current_version(instrument: Instrument) -> InstrumentVersion:
    return InstrumentVersion.objects.filter(instrument=instrument).order_by("-number").first()  # type: ignore[return-value]


def assessments_of_trainee(user: Any, trainee: TraineeProfile) -> QuerySet[Assessment]:
    return (
        assessments_visible_to(user)
        .filter(trainee=trainee)
        .exclude(status=AssessmentStatus.CANCELLED)
        .select_related(*LIST_RELATED)
        .order_by("-requested_at", "-id")
    )


def assessor_pending_requests(user: Any) -> QuerySet[Assessment]:
    """Requests waiting for the user as assessor, oldest first."""
    if not getattr(user, "person_id", None):
        return Assessment.objects.none()
    return (
        Assessment.objects.filter(assessor_id=user.person_id, status=AssessmentStatus.REQUESTED)
        .select_related(*LIST_RELATED)
        .order_by("requested_at", "id")
    )


def assessments_given_by(user: Any, *, limit: int = 20) -> list[Assessment]:
    if not getattr(user, "person_id", None):
        return []
    return list(
        Assessment.objects.filter(
            assessor_id=user.person_id, status__in=[AssessmentStatus.SUBMITTED, AssessmentStatus.ACKNOWLEDGED]
        )
        .select_related(*LIST_RELATED)
        .order_by("-submitted_at", "-id")[:limit]
    )


@dataclass(frozen=True)
class TraineeToAssess:
    trainee: TraineeProfile
    department: Department


def trainees_to_assess(department_ids: set[int], day: datetime.date) -> list[TraineeToAssess]:
    """Active trainees rotating in these departments this month by the published schedule, and those
    whose home department it is, each with the department they are assessed in (two queries)."""
    blocks = RotationBlock.objects.filter(
        department_id__in=department_ids, kind=BlockKind.ROTATION, schedule__status=Schedule.Status.PUBLISHED
    )
    rows: dict[int, TraineeToAssess] = {}
    covering = blocks_covering(blocks, day.replace(day=1)).select_related(
        "trainee__person", "trainee__institution", "department"
    )
    for block in covering:
        if block.department is not None:
            rows[block.trainee_id] = TraineeToAssess(block.trainee, block.department)
    home = TraineeProfile.objects.filter(
        department_id__in=department_ids, status=TraineeProfile.Status.ACTIVE
    ).select_related("person", "institution", "department")
    for trainee in home:
        if trainee.department is not None:
            rows.setdefault(trainee.pk, TraineeToAssess(trainee, trainee.department))
    return sorted(rows.values(), key=lambda row: (row.department.code, row.trainee.person.display_name))
