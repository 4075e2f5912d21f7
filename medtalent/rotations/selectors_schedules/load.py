"""Trainees per department and month against the places."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count

from medtalent.people.models import Department

from ..models import (
    RotationBlock,
    Schedule,
)
from ..months import months_between
from ..selectors import capacity_table
from .common import department_colour, month_list, year_spans

LOAD_LEVELS = ((0.0, "l0"), (0.5, "l1"), (0.85, "l2"), (1.0, "l3"))


@dataclass(frozen=True)
class LoadCell:
    load: int
    capacity: int
    minimum: int

    @property
    def over(self) -> int:
        return max(0, self.load - self.capacity)

    @property
    def under(self) -> int:
        return max(0, self.minimum - self.load)

    @property
    def css(self) -> str:
        if self.load > self.capacity:
            level = "over"
        elif self.load == 0:
            level = "l0"
        else:
            ratio = self.load / self.capacity
            level = next(css for ceiling, css in LOAD_LEVELS if ratio <= ceiling)
        return f"{level} under" if self.under else level


@dataclass
class LoadRow:
    department: Department
    is_partner: bool
    cells: list[LoadCell]

    @property
    def trainee_months(self) -> int:
        return sum(cell.load for cell in self.cells)

    @property
    def over_months(self) -> int:
        return sum(1 for cell in self.cells if cell.over)

    @property
    def overload(self) -> int:
        return sum(cell.over for cell in self.cells)

    @property
    def colour(self) -> str:
        return department_colour(self.department.code)


@dataclass
class ScheduleLoad:
    schedule: Schedule
    months: list[datetime.date]
    years: list[tuple[int, int]]
    rows: list[LoadRow]
    idle_departments: int  # with places but nobody in this schedule: not shown

    @property
    def overload(self) -> int:
        return sum(row.overload for row in self.rows)

    @property
    def over_cells(self) -> int:
        return sum(row.over_months for row in self.rows)

    @property
    def underfill(self) -> int:
        return sum(cell.under for row in self.rows for cell in row.cells)


def schedule_load(schedule: Schedule) -> ScheduleLoad:
    """Trainees per department and month against the places, from one aggregate over the blocks.

    The aggregate counts blocks by (department, first month, length); sweeping those few rows over the
    months gives each month's load. Capacities come from ``capacity_table`` (two queries), the
    departments' names from one more.
    """
    horizon = schedule.horizon_months
    difference: dict[int, list[int]] = defaultdict(lambda: [0] * (horizon + 1))
    for department_id, start, count, trainees in (
        RotationBlock.objects.filter(schedule=schedule, department__isnull=False)
        .values("department_id", "start_month", "months")
        .annotate(trainees=Count("id"))
        .values_list("department_id", "start_month", "months", "trainees")
    ):
        offset = months_between(schedule.first_month, start)
        first, end = max(offset, 0), min(offset + count, horizon)
        if first < end:
            difference[department_id][first] += trainees
            difference[department_id][end] -= trainees
    loads: dict[int, list[int]] = {}
    for department_id, steps in difference.items():
        running, load = 0, []
        for step in steps[:horizon]:
            running += step
            load.append(running)
        loads[department_id] = load
    table = capacity_table(schedule.institution, schedule.first_month, horizon)
    needed = {department_id for (department_id, _t), (_max, minimum) in table.items() if minimum}
    with_places = {department_id for department_id, _t in table}
    shown = set(loads) | needed
    departments = sorted(
        Department.objects.filter(pk__in=sorted(shown)).select_related("institution"),
        key=lambda d: (d.institution_id != schedule.institution_id, d.code),
    )
    rows = []
    for department in departments:
        load = loads.get(department.pk, [0] * horizon)
        cells = []
        for index in range(horizon):
            maximum, minimum = table.get((department.pk, index), (0, 0))
            cells.append(LoadCell(load[index], maximum, minimum))
        rows.append(LoadRow(department, department.institution_id != schedule.institution_id, cells))
    months = month_list(schedule.first_month, horizon)
    return ScheduleLoad(schedule, months, year_spans(months), rows, len(with_places - shown))
