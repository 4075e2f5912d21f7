"""Reads for the assessment dashboards: a trainee's competency profile, a department's completion and
low scores, an assessor's burden, and the programme's exit-exam pass rates.

Each dashboard is a fixed handful of queries whatever the number of records: counts and pass rates are
grouped in SQL; the competency profile averages item scores (JSON keyed by item code) in Python over the one
trainee's rows, fetched in one query; the median wait is read in SQL as the middle row(s) of one ordered
query. Chart data come out in the shapes ``static/medtalent/charts.js`` draws.
"""

from __future__ import annotations

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

from django.db.models import Count, DurationField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.functions import ExtractYear, TruncMonth

from medtalent.core.languages import bilingual
from medtalent.people.models import Department, Person, TraineeProfile
from medtalent.rotations.models import BlockKind, RotationBlock, Schedule
from medtalent.rotations.months import add_months
from medtalent.rotations.selectors_schedules import blocks_covering

from .models import (
    DONE_STATUSES,
    Assessment,
    AssessmentOrigin,
    AssessmentStatus,
    InstrumentKind,
    InstrumentVersion,
)
from .scoring import label
from .selectors import LIST_RELATED, rotation_block_on
from .selectors_requirements import RequirementProgress, missing_count, requirements_for_blocks, short_name

TWO_PLACES = Decimal("0.01")
DASHBOARD_MONTHS = 12
FLAG_LIMIT = 50
# Requests a person waited for; assessments the assessor started themselves have no wait.
REQUESTED_ORIGINS = (AssessmentOrigin.TRAINEE_REQUEST, AssessmentOrigin.LOGBOOK)


def month_window(today: datetime.date, months: int = DASHBOARD_MONTHS) -> list[datetime.date]:
    """The ``months`` months ending with this one, oldest first."""
    this_month = today.replace(day=1)
    return [add_months(this_month, index - months + 1) for index in range(months)]


def _as_date(value: Any) -> datetime.date:
    return value.date() if isinstance(value, datetime.datetime) else value


# --- trainee ----------------------------------------------------------------------------------------


@dataclass
class ItemMean:
    code: str
    label: str
    mean: Decimal | None
    rated: int


@dataclass
class CompetencyProfile:
    """The mean score per item of one rating-scale instrument (Mini-CEX, DOPS), N/A left out."""

    instrument_id: int
    code: str
    name: str
    scale_max: int
    assessments: int
    items: list[ItemMean]

    @property
    def chart_data_id(self) -> str:
        return f"radar-{self.code}-data"

    def radar_chart(self) -> dict[str, Any]:
        return {
            "type": "radar",
            "indicators": [{"name": item.label, "max": self.scale_max} for item in self.items],
            "series": [
                {
                    "name": self.name,
                    "values": [float(item.mean) if item.mean is not None else 0 for item in self.items],
                }
            ],
        }


@dataclass
class TrendSeries:
    name: str
    points: list[tuple[datetime.date, Decimal]]


@dataclass
class TraineeDashboard:
    trainee: TraineeProfile
    profiles: list[CompetencyProfile]
    trend: list[TrendSeries]
    open_requests: list[Assessment]
    current_block: RotationBlock | None
    current_requirements: list[RequirementProgress]

    @property
    def missing(self) -> int:
        return missing_count(self.current_requirements)

    def trend_chart(self) -> dict[str, Any]:
        return {
            "type": "line",
            "min": 1,
            "max": 9,
            "interval": 2,
            "series": [
                {
                    "name": series.name,
                    "points": [[day.isoformat(), float(total)] for day, total in series.points],
                }
                for series in self.trend
            ],
        }


def _mean(total: Decimal, count: int) -> Decimal | None:
    if not count:
        return None
    return (total / count).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def _items_in_order(versions: list[InstrumentVersion]) -> list[dict[str, Any]]:
    """The items of an instrument's versions, newest version's order first, then items only older ones had."""
    items: dict[str, dict[str, Any]] = {}
    for version in sorted(versions, key=lambda version: -version.number):
        for item in version.definition.get("items", []):
            items.setdefault(item["code"], item)
    return list(items.values())


def competency_profiles(trainee: TraineeProfile) -> tuple[list[CompetencyProfile], list[TrendSeries]]:
    """Mean score per item and the totals over time for each rating-scale instrument the trainee was
    assessed with: two queries (the trainee's done assessments, their instrument versions)."""
    rows = list(
        Assessment.objects.filter(
            trainee=trainee,
            status__in=DONE_STATUSES,
            instrument_version__instrument__kind=InstrumentKind.RATING_SCALE,
        )
        .order_by("performed_on", "pk")
        .values_list("instrument_version_id", "scores", "total", "performed_on")
    )
    if not rows:
        return [], []
    versions = list(
        InstrumentVersion.objects.filter(pk__in={row[0] for row in rows}).select_related("instrument")
    )
    version_by_id = {version.pk: version for version in versions}
    by_instrument: dict[int, list[InstrumentVersion]] = defaultdict(list)
    for version in versions:
        by_instrument[version.instrument_id].append(version)
    sums: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    counts: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    assessments: dict[int, int] = defaultdict(int)
    points: dict[int, list[tuple[datetime.date, Decimal]]] = defaultdict(list)
    for version_id, scores, total, performed_on in rows:
        instrument_id = version_by_id[version_id].instrument_id
        assessments[instrument_id] += 1
        for code, value in (scores or {}).items():
            if value is None or isinstance(value, bool) or not isinstance(value, int | float):
                continue
            sums[instrument_id][code] += Decimal(str(value))
            counts[instrument_id][code] += 1
        if total is not None and performed_on is not None:
            points[instrument_id].append((performed_on, total))

    def order(instrument_id: int) -> tuple[int, str]:
        code = by_instrument[instrument_id][0].instrument.code
        return ({"mini_cex": 0, "dops": 1}.get(code, 2), code)

    profiles = []
    trend = []
    for instrument_id in sorted(by_instrument, key=order):
        instrument_versions = by_instrument[instrument_id]
        instrument = instrument_versions[0].instrument
        newest = max(instrument_versions, key=lambda version: version.number)
        items = [
            ItemMean(
                code=item["code"],
                label=label(item),
                mean=_mean(sums[instrument_id][item["code"]], counts[instrument_id][item["code"]]),
                rated=counts[instrument_id][item["code"]],
            )
            for item in _items_in_order(instrument_versions)
        ]
        profiles.append(
            CompetencyProfile(
                instrument_id=instrument_id,
                code=instrument.code,
                name=instrument.name,
                scale_max=int(newest.definition.get("scale", {}).get("max", 9)),
                assessments=assessments[instrument_id],
                items=items,
            )
        )
        trend.append(TrendSeries(name=short_name(instrument.name), points=points[instrument_id]))
    return profiles, trend


def open_requests_of(trainee: TraineeProfile) -> list[Assessment]:
    return list(
        Assessment.objects.filter(trainee=trainee, status=AssessmentStatus.REQUESTED)
        .select_related(*LIST_RELATED)
        .order_by("requested_at", "pk")
    )


def trainee_dashboard(trainee: TraineeProfile, *, today: datetime.date) -> TraineeDashboard:
    """The competency profile, trend, open requests and what the current rotation still needs."""
    profiles, trend = competency_profiles(trainee)
    block = rotation_block_on(trainee, today)
    requirements = requirements_for_blocks([block]).get(block.pk, []) if block is not None else []
    return TraineeDashboard(
        trainee=trainee,
        profiles=profiles,
        trend=trend,
        open_requests=open_requests_of(trainee),
        current_block=block,
        current_requirements=requirements,
    )


# --- department -------------------------------------------------------------------------------------


@dataclass
class TraineeCompletion:
    block: RotationBlock
    requirements: list[RequirementProgress]

    @property
    def trainee(self) -> TraineeProfile:
        return self.block.trainee

    @property
    def required(self) -> int:
        return sum(line.minimum for line in self.requirements)

    @property
    def done(self) -> int:
        return sum(
            min(line.done, line.minimum) if not line.is_exit_exam else int(line.passed)
            for line in self.requirements
        )

    @property
    def missing(self) -> int:
        return missing_count(self.requirements)

    @property
    def percent(self) -> int:
        return round(100 * self.done / self.required) if self.required else 100


@dataclass
class MonthCounts:
    months: list[datetime.date]
    # Instrument name → counts per month, in the months' order.
    series: dict[str, list[int]]

    @property
    def totals(self) -> list[int]:
        return [sum(values[index] for values in self.series.values()) for index in range(len(self.months))]

    @property
    def rows(self) -> list[tuple[datetime.date, int]]:
        return list(zip(self.months, self.totals, strict=True))

    def chart(self) -> dict[str, Any]:
        return {
            "type": "columns",
            "labels": [month.strftime("%Y-%m") for month in self.months],
            "series": [{"name": name, "values": values} for name, values in self.series.items()],
        }


@dataclass
class DepartmentDashboard:
    department: Department
    month: datetime.date
    completions: list[TraineeCompletion]
    monthly: MonthCounts
    flags: list[Assessment]


def _month_counts(assessments: QuerySet[Assessment], months: list[datetime.date]) -> MonthCounts:
    """Done assessments per month and instrument over the months: one grouped query."""
    rows = (
        assessments.filter(
            status__in=DONE_STATUSES, performed_on__gte=months[0], performed_on__lt=add_months(months[-1], 1)
        )
        .annotate(month=TruncMonth("performed_on"))
        .values(
            "month",
            "instrument_version__instrument__code",
            "instrument_version__instrument__name_zh",
            "instrument_version__instrument__name_en",
        )
        .annotate(count=Count("pk"))
        .order_by("instrument_version__instrument__code")
    )
    index = {month: position for position, month in enumerate(months)}
    series: dict[str, list[int]] = {}
    for row in rows:
        name = short_name(
            bilingual(
                row["instrument_version__instrument__name_zh"], row["instrument_version__instrument__name_en"]
            )
        )
        values = series.setdefault(name, [0] * len(months))
        values[index[_as_date(row["month"])]] += row["count"]
    return MonthCounts(months=months, series=series)


def department_dashboard(department: Department, *, today: datetime.date) -> DepartmentDashboard:
    """Who rotates in the department this month by the published schedule and how far each is with the
    requirements, the assessments done there per month, and the low scores: six queries."""
    month = today.replace(day=1)
    blocks = list(
        blocks_covering(
            RotationBlock.objects.filter(
                schedule__status=Schedule.Status.PUBLISHED, department=department, kind=BlockKind.ROTATION
            ),
            month,
        )
        .select_related("trainee__person", "trainee__rotation_enrolment__edition__standard")
        .order_by("trainee__person__name_latin", "trainee__person__name_zh", "pk")
    )
    progress = requirements_for_blocks(blocks)
    months = month_window(today)
    flags = list(
        Assessment.objects.filter(
            department=department, flagged_low=True, status__in=DONE_STATUSES, performed_on__gte=months[0]
        )
        .select_related(*LIST_RELATED)
        .order_by("-performed_on", "-pk")[:FLAG_LIMIT]
    )
    return DepartmentDashboard(
        department=department,
        month=month,
        completions=[TraineeCompletion(block, progress.get(block.pk, [])) for block in blocks],
        monthly=_month_counts(Assessment.objects.filter(department=department), months),
        flags=flags,
    )


# --- assessor ---------------------------------------------------------------------------------------


@dataclass
class PendingRequest:
    assessment: Assessment
    age_days: int


@dataclass
class AssessorDashboard:
    assessor: Person
    done: int
    monthly: MonthCounts
    timed_requests: int
    median_minutes: Decimal | None
    pending: list[PendingRequest] = field(default_factory=list)

    @property
    def median_hours(self) -> Decimal | None:
        if self.median_minutes is None:
            return None
        return (self.median_minutes / 60).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


def median_wait_minutes(assessments: QuerySet[Assessment], count: int) -> Decimal | None:
    """The median of ``submitted_at - requested_at`` over ``count`` rows: the middle one or two rows of the
    waits in order, read by one query."""
    if count <= 0:
        return None
    waits = (
        assessments.annotate(
            wait=ExpressionWrapper(F("submitted_at") - F("requested_at"), output_field=DurationField())
        )
        .order_by("wait", "pk")
        .values_list("wait", flat=True)
    )
    middle = list(waits[(count - 1) // 2 : count // 2 + 1])
    if not middle:
        return None
    seconds = sum((wait.total_seconds() for wait in middle), 0.0) / len(middle)
    return (Decimal(str(seconds)) / 60).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)


def assessor_dashboard(assessor: Person, *, now: datetime.datetime) -> AssessorDashboard:
    """How much assessing the person does: done per month over twelve months, the median wait from a
    request to its submission, and the requests waiting with their age. Four queries."""
    today = now.date()
    months = month_window(today)
    given = Assessment.objects.filter(assessor=assessor)
    in_window = given.filter(status__in=DONE_STATUSES, performed_on__gte=months[0])
    timed = in_window.filter(origin__in=REQUESTED_ORIGINS, submitted_at__isnull=False)
    figures = in_window.aggregate(
        done=Count("pk"),
        timed=Count("pk", filter=Q(origin__in=REQUESTED_ORIGINS, submitted_at__isnull=False)),
    )
    pending = [
        PendingRequest(assessment, max((now - assessment.requested_at).days, 0))
        for assessment in given.filter(status=AssessmentStatus.REQUESTED)
        .select_related(*LIST_RELATED)
        .order_by("requested_at", "pk")
    ]
    return AssessorDashboard(
        assessor=assessor,
        done=figures["done"],
        monthly=_month_counts(given, months),
        timed_requests=figures["timed"],
        median_minutes=median_wait_minutes(timed, figures["timed"]),
        pending=pending,
    )


# --- programme --------------------------------------------------------------------------------------


@dataclass
class PassRate:
    sat: int
    passed: int

    @property
    def percent(self) -> Decimal | None:
        if not self.sat:
            return None
        return (Decimal(100 * self.passed) / self.sat).quantize(Decimal("0.1"), rounding=ROUND_HALF_UP)


@dataclass
class DepartmentPassRates:
    department_id: int
    name: str
    institution: str
    # One entry per year of the dashboard, ``None`` where no exam was sat.
    rates: list[PassRate | None]


@dataclass
class ProgrammeDashboard:
    years: list[int]
    departments: list[DepartmentPassRates]
    totals: list[PassRate]

    def chart(self) -> dict[str, Any]:
        """The latest year's pass rate per department, lowest first, as a bar chart."""
        if not self.years:
            return {"labels": [], "values": []}
        rows = sorted(
            (
                (float(rate.percent or 0), row.name)
                for row in self.departments
                if (rate := row.rates[-1]) is not None
            ),
            key=lambda pair: pair[0],
        )
        return {
            "labels": [name for _percent, name in rows],
            "values": [percent for percent, _name in rows],
            "max": 100,
            "suffix": "%",
        }


def programme_dashboard(institution_ids: set[int] | frozenset[int] | None) -> ProgrammeDashboard:
    """Exit exams sat and passed per department and year, in the departments of the institutions (every
    institution for ``None``): one grouped query."""
    exams = Assessment.objects.filter(
        status__in=DONE_STATUSES,
        instrument_version__instrument__kind=InstrumentKind.EXIT_EXAM,
        performed_on__isnull=False,
    )
    if institution_ids is not None:
        exams = exams.filter(department__institution_id__in=institution_ids)
    rows = list(
        exams.annotate(year=ExtractYear("performed_on"))
        .values(
            "department_id",
            "department__name_zh",
            "department__name_en",
            "department__institution__name_zh",
            "department__institution__name_en",
            "year",
        )
        .annotate(sat=Count("pk"), passed=Count("pk", filter=Q(passed=True)))
        .order_by("department__institution__name_zh", "department__name_zh", "department_id", "year")
    )
    years = sorted({row["year"] for row in rows})
    position = {year: index for index, year in enumerate(years)}
    departments: dict[int, DepartmentPassRates] = {}
    totals = [PassRate(0, 0) for _year in years]
    for row in rows:
        entry = departments.get(row["department_id"])
        if entry is None:
            entry = departments[row["department_id"]] = DepartmentPassRates(
                department_id=row["department_id"],
                name=bilingual(row["department__name_zh"], row["department__name_en"]),
                institution=bilingual(
                    row["department__institution__name_zh"], row["department__institution__name_en"]
                ),
                rates=[None] * len(years),
            )
        index = position[row["year"]]
        entry.rates[index] = PassRate(row["sat"], row["passed"])
        totals[index].sat += row["sat"]
        totals[index].passed += row["passed"]
    return ProgrammeDashboard(years=years, departments=list(departments.values()), totals=totals)
