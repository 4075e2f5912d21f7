"""A trainee's own timeline: blocks of the published schedule, leave and research months."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, replace

from medtalent.people.models import Person, TraineeProfile

from ..models import (
    Leave,
    ResearchWindow,
    RotationBlock,
    RotationEnrolment,
    Schedule,
)
from ..months import add_months, months_between
from .common import department_colour, enrolment_of


@dataclass(frozen=True)
class TimelineEntry:
    kind: str  # "rotation", "research" or "leave"
    start_month: datetime.date
    months: int
    block: RotationBlock | None = None
    leave: Leave | None = None
    mentor: Person | None = None
    current: bool = False  # this month falls in it

    @property
    def last_month(self) -> datetime.date:
        return add_months(self.start_month, self.months - 1)

    @property
    def end_month(self) -> datetime.date:
        return add_months(self.start_month, self.months)

    @property
    def colour(self) -> str:
        if self.block is not None and self.block.department is not None:
            return department_colour(self.block.department.code)
        return ""

    @property
    def css(self) -> str:
        if self.kind == "rotation" and self.block is not None:
            return f"dep-{self.block.department_id}"
        return "res" if self.kind == "research" else "lv"


@dataclass(frozen=True)
class StripSegment:
    entry: TimelineEntry | None  # None: a gap with nothing planned
    months: int
    percent: float


@dataclass
class Timeline:
    trainee: TraineeProfile
    schedule: Schedule | None
    entries: list[TimelineEntry]
    this_month: datetime.date
    research_windows: list[ResearchWindow]

    @property
    def enrolment(self) -> RotationEnrolment | None:
        return enrolment_of(self.trainee)

    @property
    def current(self) -> TimelineEntry | None:
        return next((entry for entry in self.entries if entry.current), None)

    @property
    def last_month(self) -> datetime.date | None:
        return max(entry.last_month for entry in self.entries) if self.entries else None

    @property
    def strip(self) -> list[StripSegment]:
        """The entries side by side, widths in proportion to their months, gaps included."""
        if not self.entries:
            return []
        first = self.entries[0].start_month
        end = max(entry.end_month for entry in self.entries)
        total = max(months_between(first, end), 1)
        segments: list[StripSegment] = []
        cursor = first
        for entry in self.entries:
            gap = months_between(cursor, entry.start_month)
            if gap > 0:
                segments.append(StripSegment(None, gap, 100 * gap / total))
            segments.append(StripSegment(entry, entry.months, 100 * entry.months / total))
            cursor = max(cursor, entry.end_month)
        return segments

    @property
    def legend(self) -> list[tuple[str, str, str]]:
        """``(css class, colour, department name)`` of each department on the timeline, once."""
        seen: dict[int, tuple[str, str, str]] = {}
        for entry in self.entries:
            department = entry.block.department if entry.block is not None else None
            if department is not None:
                seen.setdefault(department.pk, (entry.css, entry.colour, department.name))
        return list(seen.values())


def trainee_timeline(trainee: TraineeProfile, today: datetime.date) -> Timeline:
    """The trainee's blocks in the published schedule, their leave and research months, in order:
    three queries (blocks with departments, leave, research windows with mentors)."""
    blocks = list(
        RotationBlock.objects.filter(trainee=trainee, schedule__status=Schedule.Status.PUBLISHED)
        .select_related("department__institution", "schedule")
        .order_by("start_month", "pk")
    )
    windows = list(ResearchWindow.objects.filter(trainee=trainee).select_related("mentor"))
    mentor = windows[0].mentor if windows else None
    entries = [
        TimelineEntry(
            kind=block.kind,
            start_month=block.start_month,
            months=block.months,
            block=block,
            mentor=mentor if block.kind == RotationBlock.Kind.RESEARCH else None,
        )
        for block in blocks
    ]
    entries += [
        TimelineEntry(kind="leave", start_month=away.start_month, months=away.months, leave=away)
        for away in Leave.objects.filter(trainee=trainee).order_by("start_month")
    ]
    this_month = today.replace(day=1)
    entries = sorted(
        (replace(entry, current=entry.start_month <= this_month < entry.end_month) for entry in entries),
        key=lambda entry: (entry.start_month, entry.kind != "leave"),
    )
    return Timeline(
        trainee=trainee,
        schedule=blocks[0].schedule if blocks else None,
        entries=entries,
        this_month=this_month,
        research_windows=windows,
    )
