"""What the schedule pages share: department colours, months, the list of schedules and its figures."""

from __future__ import annotations

import colorsys
import datetime
import zlib
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, ExpressionWrapper, F, IntegerField, Q, QuerySet
from django.db.models.functions import ExtractMonth, ExtractYear

from medtalent.people.models import Institution, TraineeProfile

from ..models import (
    RotationBlock,
    RotationEnrolment,
    Schedule,
)
from ..months import add_months

# --- colours ------------------------------------------------------------------------------------


# Chosen by trying salts: the departments of each shipped standard (fixtures/standards) come out at
# least 9 CIELAB units apart, with varied hues. Changing it changes every department's colour.
COLOUR_SALT = "17178"
LIGHTNESS_TIERS = (0.70, 0.78, 0.86)
SATURATION_TIERS = (0.55, 0.85)


def department_colour(code: str) -> str:
    """A light fill for a department, the same for its code on every page, schedule and download.

    Hue, lightness and saturation come from a checksum of the code (Python's ``hash`` changes between
    runs), so the colour depends on nothing else. Text on every fill stays dark; cells also carry the code.
    """
    digest = zlib.crc32(f"{COLOUR_SALT}:{code}".encode())
    hue = (digest % 360) / 360
    lightness = LIGHTNESS_TIERS[(digest >> 12) % len(LIGHTNESS_TIERS)]
    saturation = SATURATION_TIERS[(digest >> 16) & 1]
    red, green, blue = colorsys.hls_to_rgb(hue, lightness, saturation)
    return f"#{round(red * 255):02x}{round(green * 255):02x}{round(blue * 255):02x}"


# --- months -------------------------------------------------------------------------------------


def month_list(first_month: datetime.date, count: int) -> list[datetime.date]:
    return [add_months(first_month, index) for index in range(count)]


def year_spans(months: list[datetime.date]) -> list[tuple[int, int]]:
    """``(year, number of its months)`` in order: the grid's first header row."""
    spans: list[tuple[int, int]] = []
    for month in months:
        if spans and spans[-1][0] == month.year:
            spans[-1] = (month.year, spans[-1][1] + 1)
        else:
            spans.append((month.year, 1))
    return spans


def _month_number(month: datetime.date) -> int:
    return month.year * 12 + month.month - 1


def _block_end_number() -> ExpressionWrapper:
    """A block's first month after its end, as ``year * 12 + month - 1``, computed by the database."""
    return ExpressionWrapper(
        ExtractYear("start_month") * 12 + ExtractMonth("start_month") - 1 + F("months"),
        output_field=IntegerField(),
    )


def blocks_covering(
    blocks: QuerySet[RotationBlock], first: datetime.date, months: int = 1
) -> QuerySet[RotationBlock]:
    """The blocks that take up any of ``months`` months from ``first`` (filtered in SQL)."""
    return blocks.annotate(end_number=_block_end_number()).filter(
        start_month__lt=add_months(first, months), end_number__gt=_month_number(first)
    )


def department_trainees_now_q(department_ids: frozenset[int], today: datetime.date, months: int = 1) -> Q:
    """People (``Person``) with a block of a published schedule in one of the departments during the
    ``months`` months from this one."""
    if not department_ids:
        return Q(pk__in=[])
    blocks = RotationBlock.objects.filter(
        schedule__status=Schedule.Status.PUBLISHED, department_id__in=department_ids
    )
    return Q(pk__in=blocks_covering(blocks, today.replace(day=1), months).values("trainee__person_id"))


# --- list ---------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SolverFigures:
    """The solver's figures of a schedule, as the pages word them."""

    overload: int | None
    overload_lower_bound: int | None
    objective: int | None
    objective_lower_bound: int | None
    changed_trainee_months: int | None
    status: str
    elapsed_seconds: float | None
    overload_settled_seconds: float | None

    @classmethod
    def of(cls, schedule: Schedule) -> SolverFigures:
        figures: dict[str, Any] = schedule.figures or {}
        return cls(
            overload=figures.get("overload"),
            overload_lower_bound=figures.get("overload_lower_bound"),
            objective=figures.get("objective"),
            objective_lower_bound=figures.get("objective_lower_bound"),
            changed_trainee_months=figures.get("changed_trainee_months"),
            status=str(figures.get("status", "")),
            elapsed_seconds=figures.get("elapsed_seconds"),
            overload_settled_seconds=figures.get("overload_settled_seconds"),
        )

    @property
    def present(self) -> bool:
        return self.overload is not None

    @property
    def overload_proven(self) -> bool:
        """No schedule has less overload: the solver's overload meets its proven lower bound."""
        return self.overload is not None and self.overload == self.overload_lower_bound

    @property
    def objective_gap(self) -> int | None:
        if self.objective is None or self.objective_lower_bound is None:
            return None
        return self.objective - self.objective_lower_bound

    @property
    def objective_gap_percent(self) -> float | None:
        """How far the objective may still be from the best possible, as a share of the objective."""
        gap = self.objective_gap
        if gap is None or not self.objective:
            return None if gap is None else 0.0
        return round(100 * gap / self.objective, 1)


def schedule_list_for_institution(institution: Institution) -> list[Schedule]:
    """The training base's published schedule first, then drafts newest first, then the ten latest
    superseded or discarded; each with ``trainee_count`` (one aggregate) and ``solver`` figures."""
    schedules = (
        Schedule.objects.filter(institution=institution)
        .select_related("created_by", "published_by", "based_on")
        .annotate(trainee_count=Count("blocks__trainee", distinct=True))
    )
    current: list[Schedule] = list(
        schedules.filter(status__in=[Schedule.Status.PUBLISHED, Schedule.Status.DRAFT]).order_by(
            "-status",
            "-created_at",
            "-pk",  # "published" sorts after "draft": descending puts it first
        )
    )
    older: list[Schedule] = list(
        schedules.filter(status__in=[Schedule.Status.SUPERSEDED, Schedule.Status.DISCARDED]).order_by(
            "-created_at", "-pk"
        )[:10]
    )
    for schedule in current + older:
        schedule.solver = SolverFigures.of(schedule)  # type: ignore[attr-defined]
    return current + older


def published_schedule(institution: Institution | int) -> Schedule | None:
    institution_id = institution if isinstance(institution, int) else institution.pk
    return Schedule.objects.filter(institution_id=institution_id, status=Schedule.Status.PUBLISHED).first()


def enrolled_trainee_count(institution: Institution) -> int:
    """Active trainees enrolled at the base: the people the solver will plan for."""
    return RotationEnrolment.objects.filter(
        institution=institution, trainee__status=TraineeProfile.Status.ACTIVE
    ).count()


def enrolment_of(trainee: TraineeProfile) -> RotationEnrolment | None:
    try:
        return trainee.rotation_enrolment
    except RotationEnrolment.DoesNotExist:
        return None
