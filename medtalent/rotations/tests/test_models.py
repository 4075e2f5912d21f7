"""Constraints the database keeps whatever the code does, and the month arithmetic."""

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from medtalent.people.tests.factories import DepartmentFactory, InstitutionFactory, TraineeProfileFactory
from medtalent.rotations.models import (
    DepartmentCapacity,
    Leave,
    MentorResearchCapacity,
    ResearchWindow,
    RotationBlock,
    Schedule,
    StandardEdition,
)
from medtalent.rotations.months import add_months, months_between
from medtalent.rotations.tests.factories import (
    DepartmentCapacityFactory,
    LeaveFactory,
    RotationBlockFactory,
    RotationStandardFactory,
    ScheduleFactory,
    StandardEditionFactory,
)

pytestmark = pytest.mark.django_db

SEPTEMBER = datetime.date(2025, 9, 1)


def _refused(make: Any) -> None:
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


def test_month_arithmetic() -> None:
    assert add_months(SEPTEMBER, 3) == datetime.date(2025, 12, 1)
    assert add_months(SEPTEMBER, 4) == datetime.date(2026, 1, 1)
    assert add_months(SEPTEMBER, -9) == datetime.date(2024, 12, 1)
    assert months_between(SEPTEMBER, datetime.date(2028, 6, 1)) == 33
    assert months_between(SEPTEMBER, datetime.date(2025, 1, 1)) == -8


def test_block_end_month_is_exclusive() -> None:
    block = RotationBlockFactory(start_month=datetime.date(2025, 11, 1), months=3)
    assert block.end_month == datetime.date(2026, 2, 1)
    assert LeaveFactory(start_month=SEPTEMBER, months=2).end_month == datetime.date(2025, 11, 1)
    assert ScheduleFactory(first_month=SEPTEMBER, horizon_months=36).end_month == datetime.date(2028, 9, 1)


def test_months_start_on_the_first() -> None:
    block = RotationBlockFactory.build(
        schedule=ScheduleFactory(), trainee=TraineeProfileFactory(), department=DepartmentFactory()
    )
    block.start_month = datetime.date(2025, 9, 15)
    with pytest.raises(ValidationError) as raised:
        block.full_clean()
    assert raised.value.message_dict == {"start_month": ["Enter the first day of a month."]}


def test_edition_numbers_are_unique_per_standard_and_positive() -> None:
    edition = StandardEditionFactory()
    _refused(lambda: StandardEditionFactory(standard=edition.standard, number=1))
    _refused(lambda: StandardEditionFactory(standard=edition.standard, number=0))
    StandardEditionFactory(standard=edition.standard, number=2)
    StandardEditionFactory(number=1)  # another standard's edition 1
    assert StandardEdition.objects.count() == 3


def test_one_standard_per_specialty_and_institution() -> None:
    standard = RotationStandardFactory(specialty="surgery")
    _refused(lambda: RotationStandardFactory(institution=standard.institution, specialty="surgery"))
    RotationStandardFactory(specialty="surgery")  # at another institution


def test_one_published_schedule_per_institution() -> None:
    now = timezone.now()
    published = ScheduleFactory(status=Schedule.Status.PUBLISHED, published_at=now)
    _refused(
        lambda: ScheduleFactory(
            institution=published.institution, status=Schedule.Status.PUBLISHED, published_at=now
        )
    )
    ScheduleFactory(institution=published.institution, status=Schedule.Status.DRAFT, based_on=published)
    ScheduleFactory(institution=published.institution, status=Schedule.Status.SUPERSEDED, published_at=now)
    ScheduleFactory(status=Schedule.Status.PUBLISHED, published_at=now)  # another institution
    assert Schedule.objects.filter(status=Schedule.Status.PUBLISHED).count() == 2


def test_a_published_schedule_has_a_publication_time() -> None:
    _refused(lambda: ScheduleFactory(status=Schedule.Status.PUBLISHED, published_at=None))


def test_a_rotation_block_has_a_department_a_research_block_need_not() -> None:
    _refused(lambda: RotationBlockFactory(kind=RotationBlock.Kind.ROTATION, department=None))
    research = RotationBlockFactory(kind=RotationBlock.Kind.RESEARCH, department=None)
    assert str(research).endswith("Research · 2025-09 +3")


def test_a_block_lasts_at_least_a_month() -> None:
    _refused(lambda: RotationBlockFactory(months=0))


def test_capacity_is_unique_per_department_month_and_minimum_within_maximum() -> None:
    capacity = DepartmentCapacityFactory(maximum=4, minimum=2)
    _refused(lambda: DepartmentCapacityFactory(department=capacity.department, month=capacity.month))
    _refused(lambda: DepartmentCapacityFactory(minimum=5, maximum=4))
    assert DepartmentCapacity.objects.count() == 1


def test_leave_lasts_one_to_twelve_months() -> None:
    _refused(lambda: LeaveFactory(months=0))
    _refused(lambda: LeaveFactory(months=13))
    LeaveFactory(months=12, reason=Leave.Reason.MATERNITY)


def test_research_window_fits_its_months() -> None:
    trainee = TraineeProfileFactory()
    mentor = trainee.person  # any person will do for the constraint

    def window(**fields: int) -> ResearchWindow:
        return ResearchWindow.objects.create(trainee=trainee, mentor=mentor, **fields)

    _refused(lambda: window(months=6, earliest_start=12, latest_end=17))
    _refused(lambda: window(months=0, earliest_start=0, latest_end=6))
    assert window(months=6, earliest_start=12, latest_end=18).latest_end == 18


def test_a_mentor_has_one_research_capacity() -> None:
    mentor = TraineeProfileFactory().person
    capacity = MentorResearchCapacity.objects.create(mentor=mentor)
    assert capacity.concurrent_students == 2
    _refused(lambda: MentorResearchCapacity.objects.create(mentor=mentor, concurrent_students=3))


def test_an_institution_may_have_standards_at_several_bases() -> None:
    hospital = InstitutionFactory()
    RotationStandardFactory(institution=hospital, specialty="surgery")
    RotationStandardFactory(institution=InstitutionFactory(parent=hospital), specialty="surgery")
