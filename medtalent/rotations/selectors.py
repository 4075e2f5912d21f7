"""Every non-trivial read of rotation standards and capacities, with related rows fetched up front."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Max, OuterRef, Q, QuerySet, Subquery
from django.http import Http404

from medtalent.people.models import Department, Institution

from .access import standards_visible_to
from .models import DepartmentCapacity, RotationStandard, StandardEdition
from .months import add_months, months_between


def institution_family_q(institution: Institution, prefix: str = "") -> Q:
    """The institution and its affiliates: where a standard's departments may be."""
    return Q(**{f"{prefix}pk": institution.pk}) | Q(**{f"{prefix}parent_id": institution.pk})


def standard_departments_by_code(institution: Institution) -> dict[str, Department]:
    """Departments a standard of this institution can name, by code.

    The institution's own departments and its affiliates'; where both have a code, its own wins.
    """
    departments = Department.objects.filter(
        institution__in=Institution.objects.filter(institution_family_q(institution))
    ).select_related("institution")
    by_code: dict[str, Department] = {}
    for department in sorted(departments, key=lambda d: (d.institution_id != institution.pk, d.code)):
        by_code.setdefault(department.code, department)
    return by_code


def _current(field: str) -> Subquery:
    return Subquery(
        StandardEdition.objects.filter(standard=OuterRef("pk")).order_by("-number").values(field)[:1]
    )


def standard_list_for_user(user: Any) -> QuerySet[RotationStandard]:
    """The standards the user may see, each with its current edition's number, total months and label,
    and how many trainees are enrolled under any of its editions."""
    return (
        standards_visible_to(user)
        .select_related("institution")
        .annotate(
            current_number=Max("editions__number"),
            current_total_months=_current("total_months"),
            current_label=_current("label"),
            enrolled_count=Count("editions__enrolments", distinct=True),
        )
        .order_by("institution__code", "specialty")
    )


def edition_list(standard: RotationStandard) -> list[StandardEdition]:
    """Every edition of the standard, newest first, each with ``enrolled_count``."""
    return list(
        StandardEdition.objects.filter(standard=standard)
        .select_related("created_by")
        .annotate(enrolled_count=Count("enrolments"))
        .order_by("-number")
    )


def current_edition(standard: RotationStandard) -> StandardEdition:
    """The edition with the highest number: the one new trainees follow and the edit page changes."""
    edition = (
        StandardEdition.objects.filter(standard=standard)
        .order_by("-number")
        .select_related("standard")
        .first()
    )
    if edition is None:  # only a standard made outside the services lacks one
        raise Http404("The standard has no edition.")
    return edition


@dataclass(frozen=True)
class RequirementRow:
    code: str
    department: Department | None
    months: int
    max_segments: int
    min_segment_months: int
    earliest_start: int | None
    latest_end: int | None
    confirmed: bool

    @property
    def has_window(self) -> bool:
        return self.earliest_start is not None or self.latest_end is not None


@dataclass(frozen=True)
class GroupRow:
    departments: list[tuple[str, Department | None]]
    months: int
    min_each: int
    max_each: int


@dataclass(frozen=True)
class EditionTable:
    """An edition laid out for reading: departments resolved to names in one query."""

    edition: StandardEdition
    requirements: list[RequirementRow]
    groups: list[GroupRow]
    required_months: int
    elective_months: int


def edition_table(edition: StandardEdition, departments: dict[str, Department]) -> EditionTable:
    requirements = [
        RequirementRow(
            code=item["department"],
            department=departments.get(item["department"]),
            months=item["months"],
            max_segments=item["max_segments"],
            min_segment_months=item["min_segment_months"],
            earliest_start=item.get("earliest_start"),
            latest_end=item.get("latest_end"),
            confirmed=bool(item.get("confirmed")),
        )
        for item in edition.requirements
    ]
    groups = [
        GroupRow(
            departments=[(code, departments.get(code)) for code in group["departments"]],
            months=group["months"],
            min_each=group["min_each"],
            max_each=group["max_each"],
        )
        for group in edition.groups
    ]
    return EditionTable(
        edition=edition,
        requirements=requirements,
        groups=groups,
        required_months=sum(row.months for row in requirements),
        elective_months=sum(row.months for row in groups),
    )


# --- capacity ----------------------------------------------------------------------------------

CapacityTable = dict[tuple[int, int], tuple[int, int]]


def capacity_table(institution: Institution, first_month: datetime.date, months: int) -> CapacityTable:
    """``{(department_id, month_index): (maximum, minimum)}`` for the training base's departments and
    its affiliates' over ``months`` months from ``first_month`` (index 0), in two queries.

    A month without a ``DepartmentCapacity`` row takes the department's ``rotation_capacity`` as its
    maximum and 0 as its minimum. Departments with neither a ``rotation_capacity`` nor a row in the
    period are left out: they take no rotating trainees. A month of a department that has rows for other
    months but no ``rotation_capacity`` gets ``(0, 0)``.
    """
    family = Institution.objects.filter(institution_family_q(institution))
    end = add_months(first_month, months)
    rows = list(
        DepartmentCapacity.objects.filter(
            department__institution__in=family, month__gte=first_month, month__lt=end
        ).values_list("department_id", "month", "maximum", "minimum")
    )
    with_rows = {department_id for department_id, _month, _max, _min in rows}
    defaults = dict(
        Department.objects.filter(institution__in=family)
        .filter(Q(rotation_capacity__isnull=False) | Q(pk__in=with_rows))
        .values_list("pk", "rotation_capacity")
    )
    table: CapacityTable = {
        (department_id, index): (default or 0, 0)
        for department_id, default in defaults.items()
        for index in range(months)
    }
    for department_id, month, maximum, minimum in rows:
        table[(department_id, months_between(first_month, month))] = (maximum, minimum)
    return table
