"""The people lists as spreadsheets: columns declared once, for the pages and the API alike.

Rows come from the same selectors as the lists, so the filters and the visibility are the lists';
private columns are blank (and the national ID masked) wherever the list would hide them.
"""

from collections.abc import Callable
from typing import Any, cast

from django.db.models import Field, Model
from django.http.response import HttpResponseBase
from django.utils.text import capfirst

from medtalent.core.exports import ExportColumn, export_response

from . import selectors
from .models import Department, FacultyProfile, Institution, Mentorship, Person, TraineeProfile


def _label(model: type[Model], field: str) -> Any:
    return capfirst(cast(Field, model._meta.get_field(field)).verbose_name)


def _display(obj: Model | None, field: str) -> str:
    """The choice's label in the reader's language, or blank."""
    if obj is None or not getattr(obj, field):
        return ""
    return str(getattr(obj, f"get_{field}_display")())


def _stage(person: Person) -> TraineeProfile | None:
    stages = getattr(person, "active_trainee_profiles", [])
    return stages[0] if stages else None


def _faculty(person: Person) -> FacultyProfile | None:
    return getattr(person, "faculty_profile", None)


def _private(getter: Callable[[Any], Any]) -> Callable[[Any], Any]:
    return lambda person: getter(person) if person.can_view_private else ""


def _national_id(person: Any) -> str:
    if person.can_view_national_id:
        return person.national_id or ""
    return person.masked_national_id if person.can_view_private else ""


def _department_name(person: Person) -> str:
    department = person.department or getattr(_stage(person), "department", None)
    return department.name if department else ""


def _stage_field(field: str) -> Callable[[Person], Any]:
    return lambda person: getattr(_stage(person), field, "")


PERSON_COLUMNS = [
    ExportColumn(_label(Person, "name_zh"), lambda person: person.name_zh),
    ExportColumn(_label(Person, "name_latin"), lambda person: person.name_latin),
    ExportColumn(_label(Person, "gender"), _private(lambda person: _display(person, "gender"))),
    ExportColumn(_label(Person, "birth_date"), _private(lambda person: person.birth_date)),
    ExportColumn(_label(Person, "national_id"), _national_id),
    ExportColumn(_label(Person, "email"), _private(lambda person: person.email)),
    ExportColumn(_label(Person, "phone"), _private(lambda person: person.phone)),
    ExportColumn(_label(Person, "institution"), lambda person: person.institution.name),
    ExportColumn(_label(Person, "department"), _department_name),
    ExportColumn(_label(TraineeProfile, "level"), lambda person: _display(_stage(person), "level")),
    ExportColumn(_label(TraineeProfile, "cohort"), _stage_field("cohort")),
    ExportColumn(_label(TraineeProfile, "specialty"), _stage_field("specialty")),
    ExportColumn(_label(TraineeProfile, "student_number"), _private(_stage_field("student_number"))),
    ExportColumn(
        _label(FacultyProfile, "clinical_title"), lambda person: _display(_faculty(person), "clinical_title")
    ),
    ExportColumn(
        _label(FacultyProfile, "academic_title"), lambda person: _display(_faculty(person), "academic_title")
    ),
    ExportColumn(
        _label(FacultyProfile, "supervisor_qualification"),
        lambda person: _display(_faculty(person), "supervisor_qualification"),
    ),
]

MENTORSHIP_COLUMNS = [
    ExportColumn(_label(Mentorship, "mentor"), lambda link: link.mentor.display_name),
    ExportColumn(_label(Mentorship, "mentee"), lambda link: link.mentee.display_name),
    ExportColumn(_label(Mentorship, "kind"), lambda link: _display(link, "kind")),
    ExportColumn(_label(Mentorship, "start_date"), lambda link: link.start_date),
    ExportColumn(_label(Mentorship, "end_date"), lambda link: link.end_date),
    ExportColumn(_label(Mentorship, "note"), lambda link: link.note),
]

INSTITUTION_COLUMNS = [
    ExportColumn(_label(Institution, "code"), lambda institution: institution.code),
    ExportColumn(_label(Institution, "name_zh"), lambda institution: institution.name_zh),
    ExportColumn(_label(Institution, "name_en"), lambda institution: institution.name_en),
    ExportColumn(_label(Institution, "kind"), lambda institution: _display(institution, "kind")),
    ExportColumn(
        _label(Institution, "parent"),
        lambda institution: institution.parent.name if institution.parent else "",
    ),
    ExportColumn(_label(Institution, "city"), lambda institution: institution.city),
]

DEPARTMENT_COLUMNS = [
    ExportColumn(_label(Department, "institution"), lambda department: department.institution.name),
    ExportColumn(_label(Department, "code"), lambda department: department.code),
    ExportColumn(_label(Department, "name_zh"), lambda department: department.name_zh),
    ExportColumn(_label(Department, "name_en"), lambda department: department.name_en),
    ExportColumn(_label(Department, "kind"), lambda department: _display(department, "kind")),
    ExportColumn(_label(Department, "rotation_capacity"), lambda department: department.rotation_capacity),
]


def people_export(*, user: Any, filters: selectors.PersonFilters, file_format: str) -> HttpResponseBase:
    rows = selectors.person_list_for_user(user, filters)
    return export_response(rows=rows, columns=PERSON_COLUMNS, file_format=file_format, name="people")


def mentorships_export(*, user: Any, file_format: str, **filters: Any) -> HttpResponseBase:
    rows = selectors.mentorship_list_for_user(user, **filters)
    return export_response(rows=rows, columns=MENTORSHIP_COLUMNS, file_format=file_format, name="mentorships")


def institutions_export(*, file_format: str, kind: str = "") -> HttpResponseBase:
    rows = selectors.institution_list(kind=kind)
    return export_response(
        rows=rows, columns=INSTITUTION_COLUMNS, file_format=file_format, name="institutions"
    )


def departments_export(
    *, file_format: str, institution_id: int | None = None, kind: str = ""
) -> HttpResponseBase:
    rows = selectors.department_list(institution_id=institution_id, kind=kind)
    return export_response(rows=rows, columns=DEPARTMENT_COLUMNS, file_format=file_format, name="departments")
