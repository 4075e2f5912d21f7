"""A department's roster: who the published schedule places there this month and the next."""

from __future__ import annotations

import datetime
from dataclasses import dataclass

from medtalent.people.models import Department, TraineeProfile

from ..models import (
    DepartmentCapacity,
    RotationBlock,
    RotationStandard,
    Schedule,
)
from ..months import add_months
from .common import blocks_covering, enrolment_of


@dataclass(frozen=True)
class RosterEntry:
    block: RotationBlock
    month: datetime.date

    @property
    def trainee(self) -> TraineeProfile:
        return self.block.trainee

    @property
    def standard(self) -> RotationStandard | None:
        enrolment = enrolment_of(self.block.trainee)
        return enrolment.edition.standard if enrolment else None

    @property
    def last_month(self) -> datetime.date:
        return add_months(self.block.start_month, self.block.months - 1)

    @property
    def arrives(self) -> bool:
        return self.block.start_month == self.month

    @property
    def leaves(self) -> bool:
        return self.last_month == self.month


@dataclass(frozen=True)
class RosterMonth:
    month: datetime.date
    entries: list[RosterEntry]
    places: int | None

    @property
    def count(self) -> int:
        return len(self.entries)

    @property
    def over(self) -> bool:
        return self.places is not None and self.count > self.places


@dataclass(frozen=True)
class Roster:
    department: Department
    months: list[RosterMonth]
    has_published: bool


def department_roster(department: Department, month: datetime.date) -> Roster:
    """Who is in the department this month and the next, by the published schedule: two queries for the
    blocks (with trainee, person and standard) and the month's places, one to know a schedule exists."""
    month = month.replace(day=1)
    shown = [month, add_months(month, 1)]
    blocks = list(
        blocks_covering(
            RotationBlock.objects.filter(schedule__status=Schedule.Status.PUBLISHED, department=department),
            month,
            len(shown),
        )
        .select_related("trainee__person", "trainee__rotation_enrolment__edition__standard")
        .order_by("start_month", "trainee__person__name_zh", "trainee__person__name_latin", "pk")
    )
    places = dict(
        DepartmentCapacity.objects.filter(department=department, month__in=shown).values_list(
            "month", "maximum"
        )
    )
    months = []
    for first in shown:
        entries = [
            RosterEntry(block, first)
            for block in blocks
            if block.start_month <= first < add_months(block.start_month, block.months)
        ]
        months.append(RosterMonth(first, entries, places.get(first, department.rotation_capacity)))
    has_published = (
        bool(blocks)
        or Schedule.objects.filter(
            institution_id__in=[department.institution_id, department.institution.parent_id or 0],
            status=Schedule.Status.PUBLISHED,
        ).exists()
    )
    return Roster(department, months, has_published)
