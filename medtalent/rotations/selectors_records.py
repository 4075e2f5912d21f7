"""Reads of the programme office's rotation records: the base's trainees with their leave and research
months, one trainee's record, and the departments' places month by month. Each in a fixed number of
queries, whatever the number of rows."""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field

from django.db.models import IntegerField, OuterRef, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce

from medtalent.people.models import Department, Institution, Person, TraineeProfile

from .models import (
    DepartmentCapacity,
    Leave,
    MentorResearchCapacity,
    ResearchWindow,
    RotationEnrolment,
    RotationStandard,
)
from .months import add_months, months_between
from .selectors import capacity_table, institution_family_q
from .selectors_schedules.common import month_list


def _months_of(model: type[Leave] | type[ResearchWindow]) -> Coalesce:
    total = (
        model.objects.filter(trainee_id=OuterRef("trainee_id"))
        .order_by()
        .values("trainee_id")
        .annotate(total=Sum("months"))
        .values("total")
    )
    return Coalesce(Subquery(total, output_field=IntegerField()), Value(0))


@dataclass(frozen=True)
class TraineeFilters:
    standard_id: int | None = None
    cohort: int | None = None
    text: str = ""


def enrolments_at(institution: Institution, filters: TraineeFilters) -> QuerySet[RotationEnrolment]:
    """The base's enrolments, with ``leave_months`` and ``research_months`` summed in SQL."""
    enrolments = (
        RotationEnrolment.objects.filter(institution=institution)
        .select_related("trainee__person", "edition__standard")
        .annotate(leave_months=_months_of(Leave), research_months=_months_of(ResearchWindow))
        .order_by("start_month", "trainee__person__name_latin", "trainee__person__name_zh", "pk")
    )
    if filters.standard_id is not None:
        enrolments = enrolments.filter(edition__standard_id=filters.standard_id)
    if filters.cohort is not None:
        enrolments = enrolments.filter(trainee__cohort=filters.cohort)
    if filters.text:
        enrolments = enrolments.filter(
            Q(trainee__person__name_zh__icontains=filters.text)
            | Q(trainee__person__name_latin__icontains=filters.text)
            | Q(trainee__student_number__icontains=filters.text)
        )
    return enrolments


def trainees_to_enrol(institution: Institution) -> QuerySet[TraineeProfile]:
    """Active trainee stages of the base and its affiliates not yet enrolled in any rotation standard."""
    return (
        TraineeProfile.objects.filter(
            institution_family_q(institution, "institution__"),
            status=TraineeProfile.Status.ACTIVE,
            rotation_enrolment__isnull=True,
        )
        .select_related("person")
        .order_by("-cohort", "person__name_latin", "person__name_zh", "pk")
    )


def standards_at(institution: Institution) -> QuerySet[RotationStandard]:
    return RotationStandard.objects.filter(institution=institution).order_by("specialty")


def cohorts_at(institution: Institution) -> list[int]:
    return list(
        RotationEnrolment.objects.filter(institution=institution)
        .order_by("-trainee__cohort")
        .values_list("trainee__cohort", flat=True)
        .distinct()
    )


def mentors_at(institution: Institution) -> QuerySet[Person]:
    """Who may supervise protected research months: faculty of the base, its affiliates and the
    university it belongs to (where professional master's students have their school mentor)."""
    where = institution_family_q(institution, "institution__")
    if institution.parent_id is not None:
        where |= Q(institution_id=institution.parent_id)
    return Person.objects.filter(where, faculty_profile__isnull=False).order_by("name_latin", "name_zh", "pk")


def research_capacity_of(mentor: Person) -> int:
    """Students the mentor takes for research months at once (the default without a row of their own)."""
    try:
        return mentor.research_capacity.concurrent_students
    except MentorResearchCapacity.DoesNotExist:
        return MentorResearchCapacity.DEFAULT_CONCURRENT_STUDENTS


@dataclass
class TraineeRecord:
    enrolment: RotationEnrolment
    leave: list[Leave]
    research: list[ResearchWindow]

    @property
    def programme_months(self) -> int:
        """The standard's months plus research and leave: how long the rotations run."""
        extra = sum(w.months for w in self.research) + sum(a.months for a in self.leave)
        return self.enrolment.edition.total_months + extra

    @property
    def research_rows(self) -> list[tuple[ResearchWindow, int]]:
        """Each research window with how many students its mentor takes at the same time."""
        return [(window, research_capacity_of(window.mentor)) for window in self.research]

    @property
    def last_month(self) -> datetime.date:
        return add_months(self.enrolment.start_month, self.programme_months - 1)


def trainee_record(enrolment: RotationEnrolment) -> TraineeRecord:
    trainee_id = enrolment.trainee_id
    return TraineeRecord(
        enrolment=enrolment,
        leave=list(Leave.objects.filter(trainee_id=trainee_id).select_related("created_by")),
        research=list(
            ResearchWindow.objects.filter(trainee_id=trainee_id).select_related(
                "mentor", "mentor__research_capacity"
            )
        ),
    )


# --- places per month ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PlacesCell:
    maximum: int
    minimum: int
    set_for_month: bool  # a row for this month, not the department's usual places


@dataclass
class PlacesRow:
    department: Department
    cells: list[PlacesCell] = field(default_factory=list)


@dataclass
class PlacesGrid:
    months: list[datetime.date]
    rows: list[PlacesRow]


def places_grid(institution: Institution, first_month: datetime.date, months: int) -> PlacesGrid:
    """Every rotation department of the base and its affiliates × ``months`` months, in three queries."""
    table = capacity_table(institution, first_month, months)
    department_ids = {department_id for department_id, _index in table}
    departments = Department.objects.filter(pk__in=department_ids).select_related("institution")
    set_months = set(
        DepartmentCapacity.objects.filter(
            department_id__in=department_ids,
            month__gte=first_month,
            month__lt=add_months(first_month, months),
        ).values_list("department_id", "month")
    )
    rows = []
    for department in sorted(departments, key=lambda d: (d.institution_id != institution.pk, d.code.lower())):
        cells = []
        for month in month_list(first_month, months):
            maximum, minimum = table[(department.pk, months_between(first_month, month))]
            cells.append(PlacesCell(maximum, minimum, (department.pk, month) in set_months))
        rows.append(PlacesRow(department, cells))
    return PlacesGrid(month_list(first_month, months), rows)


def places_departments(institution: Institution) -> QuerySet[Department]:
    """Departments whose places may be set: all of the base's and its affiliates'."""
    return (
        Department.objects.filter(institution_family_q(institution, "institution__"))
        .select_related("institution")
        .order_by("institution__code", "code")
    )
