"""Data for the requirement, sign-off and dashboard tests: exit exams and assessments at fixed dates."""

import datetime
from decimal import Decimal
from typing import Any

from medtalent.assessments.models import Assessment
from medtalent.assessments.tests.factories import AssessmentFactory, shipped_version
from medtalent.people.models import Department, TraineeProfile
from medtalent.rotations.models import RotationBlock, Schedule

SHANGHAI = datetime.timezone(datetime.timedelta(hours=8))


def at(day: datetime.date, hour: int = 9, minute: int = 0) -> datetime.datetime:
    return datetime.datetime(day.year, day.month, day.day, hour, minute, tzinfo=SHANGHAI)


def done_assessment(
    *, code: str = "mini_cex", day: datetime.date, wait_minutes: int = 120, **fields: Any
) -> Assessment:
    """A submitted assessment observed on ``day``, requested ``wait_minutes`` before its submission."""
    submitted = at(day, 15)
    fields.setdefault("requested_at", submitted - datetime.timedelta(minutes=wait_minutes))
    return AssessmentFactory(
        instrument_version=shipped_version(code),
        performed_on=day,
        submitted_at=submitted,
        **fields,
    )


def exit_exam(*, day: datetime.date, passed: bool, **fields: Any) -> Assessment:
    """A recorded exit exam (theory and skills), passed or failed."""
    fields.setdefault("origin", Assessment.Origin.ASSESSOR)
    return done_assessment(
        code="department_exit_exam",
        day=day,
        wait_minutes=0,
        scores={"theory": 85 if passed else 50, "skills": 88 if passed else 55},
        total=Decimal("86.50") if passed else Decimal("52.50"),
        band="",
        passed=passed,
        flagged_low=not passed,
        **fields,
    )


def requested(*, day: datetime.date, **fields: Any) -> Assessment:
    """An open request made on ``day``."""
    return AssessmentFactory(
        status=Assessment.Status.REQUESTED,
        requested_at=at(day),
        submitted_at=None,
        performed_on=None,
        scores={},
        total=None,
        band="",
        **fields,
    )


def rotation(
    schedule: Schedule,
    trainee: TraineeProfile,
    department: Department,
    start: datetime.date,
    months: int,
    **fields: Any,
) -> RotationBlock:
    """A block of ``months`` months from the month of ``start``."""
    return RotationBlock.objects.create(
        schedule=schedule,
        trainee=trainee,
        department=department,
        start_month=start.replace(day=1),
        months=months,
        **fields,
    )
