"""The cohort grid: trainees as rows, months as columns, and a draft's changes against the published
schedule."""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.core.paginator import Page, Paginator
from django.db.models import Q, QuerySet
from django.utils.translation import get_language, pgettext

from medtalent.people.models import Department, TraineeProfile

from ..models import (
    Leave,
    RotationBlock,
    RotationStandard,
    Schedule,
)
from ..months import months_between
from ..services.scheduling import ScheduleChanges, schedule_changes
from .common import department_colour, enrolment_of, month_list, published_schedule, year_spans

GRID_PAGE_SIZE = 200
CHANGED_TRAINEES_LISTED = 100
# Grid cell values besides a department's id.
RESEARCH = 0
LEAVE = -1


@dataclass(frozen=True)
class GridFilters:
    cohort: int | None = None
    standard_id: int | None = None
    department_id: int | None = None
    search: str = ""
    changed_only: bool = False

    @property
    def active(self) -> bool:
        return bool(self.cohort or self.standard_id or self.department_id or self.search or self.changed_only)


@dataclass(frozen=True)
class LegendEntry:
    department_id: int
    code: str
    name: str
    institution: str
    is_partner: bool
    colour: str

    @property
    def label(self) -> str:
        """What a grid cell says for the department: in Chinese its name, a few characters that the
        secretaries know at a glance; in English its code, since the English names are long."""
        return self.name if self.name and get_language().startswith("zh") else self.code

    @property
    def css(self) -> str:
        return f"dep-{self.department_id}"


@dataclass(frozen=True)
class GridRun:
    """Consecutive months of one row that look the same: one table cell spanning them."""

    span: int
    value: int | None  # a department id, RESEARCH, LEAVE or None (nothing planned)
    changed: bool
    before: int | None  # for a changed run: what the published schedule had there
    label: str
    before_label: str

    @property
    def css(self) -> str:
        if self.value is None:
            css = "e"
        elif self.value == RESEARCH:
            css = "res"
        elif self.value == LEAVE:
            css = "lv"
        else:
            css = f"dep-{self.value}"
        return f"{css} chg" if self.changed else css


@dataclass
class GridRow:
    trainee: TraineeProfile
    cells: list[int | None]
    changed_months: set[int] = field(default_factory=set)
    runs: list[GridRun] = field(default_factory=list)

    @property
    def standard(self) -> RotationStandard | None:
        enrolment = enrolment_of(self.trainee)
        return enrolment.edition.standard if enrolment else None

    @property
    def cohort(self) -> int:
        return self.trainee.cohort


@dataclass
class ScheduleDiff:
    """How a draft differs from the published schedule it would replace."""

    published: Schedule | None
    changes: ScheduleChanges
    # The trainees with the most changed months first (at most CHANGED_TRAINEES_LISTED), with the count.
    listed: list[tuple[TraineeProfile, int]]
    cells_by_trainee: dict[int, dict[int, int | None]]  # trainee -> {month index: published department}

    @property
    def changed_months(self) -> int:
        return self.changes.changed_months

    @property
    def trainee_count(self) -> int:
        return len(self.changes.trainees)

    @property
    def unlisted(self) -> int:
        return self.trainee_count - len(self.listed)


@dataclass
class ScheduleGrid:
    schedule: Schedule
    months: list[datetime.date]
    years: list[tuple[int, int]]
    page: Page
    rows: list[GridRow]
    legend: list[LegendEntry]
    filters: GridFilters
    cohorts: list[int]
    standards: list[RotationStandard]
    labels: dict[int | None, str]

    @property
    def has_research(self) -> bool:
        return any(run.value == RESEARCH for row in self.rows for run in row.runs)

    @property
    def has_leave(self) -> bool:
        return any(run.value == LEAVE for row in self.rows for run in row.runs)

    @property
    def research_label(self) -> str:
        return self.labels[RESEARCH]

    @property
    def leave_label(self) -> str:
        return self.labels[LEAVE]


def schedule_diff(draft: Schedule) -> ScheduleDiff | None:
    """The draft against the training base's published schedule (None for other statuses)."""
    if draft.status != Schedule.Status.DRAFT:
        return None
    published = published_schedule(draft.institution_id)
    changes = schedule_changes(draft, published)
    per_trainee: dict[int, dict[int, int | None]] = defaultdict(dict)
    for (trainee_id, month), (before, _after) in changes.cells.items():
        per_trainee[trainee_id][months_between(draft.first_month, month)] = before
    most = sorted(per_trainee, key=lambda trainee_id: (-len(per_trainee[trainee_id]), trainee_id))
    shown = most[:CHANGED_TRAINEES_LISTED]
    profiles = TraineeProfile.objects.select_related("person").in_bulk(shown)
    listed = [(profiles[pk], len(per_trainee[pk])) for pk in shown if pk in profiles]
    return ScheduleDiff(published, changes, listed, dict(per_trainee))


def schedule_trainees(
    schedule: Schedule, filters: GridFilters, diff: ScheduleDiff | None = None
) -> QuerySet[TraineeProfile]:
    """The schedule's trainees that pass the filters, in the grid's order (start, standard, name)."""
    blocks = RotationBlock.objects.filter(schedule=schedule)
    trainees = TraineeProfile.objects.filter(pk__in=blocks.values("trainee_id"))
    if filters.cohort:
        trainees = trainees.filter(cohort=filters.cohort)
    if filters.standard_id:
        trainees = trainees.filter(rotation_enrolment__edition__standard_id=filters.standard_id)
    if filters.department_id:
        trainees = trainees.filter(
            pk__in=blocks.filter(department_id=filters.department_id).values("trainee_id")
        )
    if filters.search:
        trainees = trainees.filter(
            Q(person__name_zh__icontains=filters.search)
            | Q(person__name_latin__icontains=filters.search)
            | Q(student_number__icontains=filters.search)
        )
    if filters.changed_only:
        trainees = trainees.filter(pk__in=sorted(diff.changes.trainees) if diff else [])
    return trainees.select_related("person", "rotation_enrolment__edition__standard").order_by(
        "rotation_enrolment__start_month",
        "rotation_enrolment__edition__standard__specialty",
        "person__name_zh",
        "person__name_latin",
        "pk",
    )


def schedule_grid(
    schedule: Schedule,
    filters: GridFilters,
    *,
    page_number: Any = 1,
    diff: ScheduleDiff | None = None,
    page_size: int | None = None,
) -> ScheduleGrid:
    """One page of the cohort grid: trainees as rows, the schedule's months as columns.

    Queries: the page's trainees (and their count), their blocks, their leave, the legend's departments,
    the filters' cohorts and standards: six, however many trainees.
    """
    rows_per_page = page_size or GRID_PAGE_SIZE
    page = Paginator(schedule_trainees(schedule, filters, diff), rows_per_page).get_page(page_number)
    trainees = list(page.object_list)
    legend = schedule_legend(schedule, diff)
    labels = grid_labels(legend)
    rows = grid_rows(schedule, trainees, diff, labels=labels, trainee_ids=[t.pk for t in trainees])
    months = month_list(schedule.first_month, schedule.horizon_months)
    in_schedule = RotationBlock.objects.filter(schedule=schedule).values("trainee_id")
    cohorts = list(
        TraineeProfile.objects.filter(pk__in=in_schedule)
        .order_by("cohort")
        .values_list("cohort", flat=True)
        .distinct()
    )
    standards = list(RotationStandard.objects.filter(institution_id=schedule.institution_id))
    return ScheduleGrid(
        schedule=schedule,
        months=months,
        years=year_spans(months),
        page=page,
        rows=rows,
        legend=legend,
        filters=filters,
        cohorts=cohorts,
        standards=standards,
        labels=labels,
    )


def schedule_legend(schedule: Schedule, diff: ScheduleDiff | None = None) -> list[LegendEntry]:
    """Every department of the schedule (and those the draft moves trainees out of), in one query."""
    before_ids = {before for before, _after in diff.changes.cells.values() if before} if diff else set()
    in_schedule = RotationBlock.objects.filter(schedule=schedule).values("department_id")
    departments = (
        Department.objects.filter(Q(pk__in=in_schedule) | Q(pk__in=sorted(before_ids)))
        .select_related("institution")
        .order_by("code", "pk")
    )
    return [
        LegendEntry(
            department_id=department.pk,
            code=department.code,
            name=department.name,
            institution=department.institution.name,
            is_partner=department.institution_id != schedule.institution_id,
            colour=department_colour(department.code),
        )
        for department in departments
    ]


def grid_labels(legend: list[LegendEntry]) -> dict[int | None, str]:
    """What a grid cell says: the department's label, or a short word for research and leave."""
    labels: dict[int | None, str] = {entry.department_id: entry.label for entry in legend}
    labels[RESEARCH] = pgettext("rotation grid cell", "Research")
    labels[LEAVE] = pgettext("rotation grid cell", "Leave")
    labels[None] = ""
    return labels


def grid_rows(
    schedule: Schedule,
    trainees: list[TraineeProfile],
    diff: ScheduleDiff | None,
    *,
    labels: dict[int | None, str],
    trainee_ids: list[int] | QuerySet[Any],
) -> list[GridRow]:
    """Each trainee's months (department, research, leave or nothing) from one query for the blocks and
    one for the leave; changed months marked from the diff. ``trainee_ids`` is a list or a subquery."""
    horizon = schedule.horizon_months
    rows = {trainee.pk: GridRow(trainee, [None] * horizon) for trainee in trainees}
    for trainee_id, department_id, start, count in RotationBlock.objects.filter(
        schedule=schedule, trainee_id__in=trainee_ids
    ).values_list("trainee_id", "department_id", "start_month", "months"):
        row = rows.get(trainee_id)
        if row is None:
            continue
        value = department_id if department_id is not None else RESEARCH
        offset = months_between(schedule.first_month, start)
        for index in range(max(offset, 0), min(offset + count, horizon)):
            row.cells[index] = value
    for trainee_id, start, count in Leave.objects.filter(trainee_id__in=trainee_ids).values_list(
        "trainee_id", "start_month", "months"
    ):
        row = rows.get(trainee_id)
        if row is None:
            continue
        offset = months_between(schedule.first_month, start)
        for index in range(max(offset, 0), min(offset + count, horizon)):
            if row.cells[index] is None:
                row.cells[index] = LEAVE
    changed = diff.cells_by_trainee if diff else {}
    for row in rows.values():
        before = changed.get(row.trainee.pk, {})
        row.changed_months = {index for index in before if 0 <= index < horizon}
        row.runs = _runs(row.cells, before, labels)
    return [rows[trainee.pk] for trainee in trainees]


def _runs(
    cells: list[int | None], before: dict[int, int | None], labels: dict[int | None, str]
) -> list[GridRun]:
    """Merge equal neighbouring months into runs; a changed month never merges with an unchanged one."""
    runs: list[GridRun] = []
    for index, value in enumerate(cells):
        changed = index in before
        was = before.get(index) if changed else None
        last = runs[-1] if runs else None
        if last and (last.value, last.changed, last.before) == (value, changed, was):
            runs[-1] = GridRun(last.span + 1, value, changed, was, last.label, last.before_label)
        else:
            # The diff does not tell research from nothing: both are "no department" before.
            before_label = labels.get(was, "") if was else "—"
            runs.append(GridRun(1, value, changed, was, labels.get(value, ""), before_label))
    return runs
