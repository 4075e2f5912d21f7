import datetime

import factory
from factory.django import DjangoModelFactory

from medtalent.people.tests.factories import DepartmentFactory, InstitutionFactory, TraineeProfileFactory
from medtalent.rotations.models import (
    DepartmentCapacity,
    Leave,
    RotationBlock,
    RotationEnrolment,
    RotationStandard,
    Schedule,
    StandardEdition,
)


def requirement(department: str, months: int, **options: int | bool) -> dict:
    return {"department": department, "months": months, "max_segments": 1, "min_segment_months": 1, **options}


def group(departments: list[str], months: int, min_each: int = 1, max_each: int = 1) -> dict:
    return {"departments": departments, "months": months, "min_each": min_each, "max_each": max_each}


class RotationStandardFactory(DjangoModelFactory):
    class Meta:
        model = RotationStandard

    institution = factory.SubFactory(InstitutionFactory)
    specialty = factory.Sequence(lambda n: f"specialty_{n}")
    name_zh = factory.Sequence(lambda n: f"专业{n}")
    name_en = factory.Sequence(lambda n: f"Specialty {n}")


class StandardEditionFactory(DjangoModelFactory):
    """An edition without requirements; give ``requirements`` and ``groups`` (they are not validated here)."""

    class Meta:
        model = StandardEdition

    standard = factory.SubFactory(RotationStandardFactory)
    number = 1
    total_months = 33


class RotationEnrolmentFactory(DjangoModelFactory):
    class Meta:
        model = RotationEnrolment

    edition = factory.SubFactory(StandardEditionFactory)
    trainee = factory.SubFactory(TraineeProfileFactory)
    institution = factory.SelfAttribute("edition.standard.institution")
    start_month = datetime.date(2025, 9, 1)


class DepartmentCapacityFactory(DjangoModelFactory):
    class Meta:
        model = DepartmentCapacity

    department = factory.SubFactory(DepartmentFactory)
    month = datetime.date(2025, 9, 1)
    maximum = 4
    minimum = 0


class LeaveFactory(DjangoModelFactory):
    class Meta:
        model = Leave

    trainee = factory.SubFactory(TraineeProfileFactory)
    start_month = datetime.date(2026, 1, 1)
    months = 2
    reason = Leave.Reason.SICK


class ScheduleFactory(DjangoModelFactory):
    class Meta:
        model = Schedule

    institution = factory.SubFactory(InstitutionFactory)
    title = factory.Sequence(lambda n: f"Schedule {n}")
    first_month = datetime.date(2025, 9, 1)
    horizon_months = 36


class RotationBlockFactory(DjangoModelFactory):
    class Meta:
        model = RotationBlock

    schedule = factory.SubFactory(ScheduleFactory)
    trainee = factory.SubFactory(TraineeProfileFactory)
    department = factory.SubFactory(DepartmentFactory)
    start_month = datetime.date(2025, 9, 1)
    months = 3
