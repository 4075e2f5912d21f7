"""People, institutions, departments and mentorships over JSON.

Each endpoint parses input, reaches its object through an access helper (404 for what the user may
not see), checks the rule for the action, and calls one service.
"""

import datetime
from typing import Any, Literal

from django.http import HttpRequest
from django.http.response import HttpResponseBase
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from medtalent.core.api_types import MAX_ID, Id, Pagination, SearchText, StrictSchema, Year
from medtalent.core.permissions import require

from . import exports, selectors, services
from .access import get_person_for_user, person_edit_is_contacts_only
from .models import (
    Department,
    DepartmentKind,
    FacultyProfile,
    Gender,
    Institution,
    InstitutionKind,
    Mentorship,
    MentorshipKind,
    Person,
    TraineeLevel,
    TraineeProfile,
    TraineeStatus,
)

router = Router(tags=["people"])


# --- institutions ------------------------------------------------------------------------------


class InstitutionOut(Schema):
    id: int
    code: str
    name_zh: str
    name_en: str
    name: str
    kind: str
    parent_id: int | None
    city: str
    is_training_base: bool
    department_count: int = 0


class InstitutionIn(StrictSchema):
    code: str = Field(..., min_length=1, max_length=40)
    name_zh: str = Field(..., min_length=1, max_length=120)
    name_en: str = Field("", max_length=160)
    kind: InstitutionKind
    parent_id: Id | None = None
    city: str = Field("", max_length=60)
    is_training_base: bool = False


class InstitutionPatch(StrictSchema):
    name_zh: str | None = Field(None, min_length=1, max_length=120)
    name_en: str | None = Field(None, max_length=160)
    parent_id: Id | None = None
    city: str | None = Field(None, max_length=60)
    is_training_base: bool | None = None


def _institution_fields(data: dict[str, Any]) -> dict[str, Any]:
    if "parent_id" in data:
        parent_id = data.pop("parent_id")
        data["parent"] = get_object_or_404(Institution, pk=parent_id) if parent_id else None
    return data


ExportFormat = Literal["xlsx", "csv"]


@router.get("/institutions", response=list[InstitutionOut])
@paginate(Pagination)
def list_institutions(request: HttpRequest, kind: InstitutionKind | None = None) -> Any:
    return selectors.institution_list(kind=kind or "")


@router.get("/institutions/export", summary="Download institutions as .xlsx or .csv")
def export_institutions(
    request: HttpRequest, file_format: ExportFormat = "xlsx", kind: InstitutionKind | None = None
) -> HttpResponseBase:
    return exports.institutions_export(file_format=file_format, kind=kind or "")


@router.get("/institutions/{institution_id}", response=InstitutionOut)
def get_institution(request: HttpRequest, institution_id: Id) -> Any:
    return selectors.get_institution(institution_id)


@router.post("/institutions", response={201: InstitutionOut})
def create_institution(request: HttpRequest, payload: InstitutionIn) -> Any:
    require(request.user, "people.add_institution")
    institution = services.institution_save(actor=request.user, **_institution_fields(payload.dict()))
    return Status(201, selectors.get_institution(institution.pk))


@router.patch("/institutions/{institution_id}", response=InstitutionOut)
def update_institution(request: HttpRequest, institution_id: Id, payload: InstitutionPatch) -> Any:
    institution = selectors.get_institution(institution_id)
    require(request.user, "people.change_institution", institution)
    services.institution_save(
        actor=request.user, institution=institution, **_institution_fields(payload.dict(exclude_unset=True))
    )
    return selectors.get_institution(institution_id)


@router.delete("/institutions/{institution_id}", response={204: None})
def delete_institution(request: HttpRequest, institution_id: Id) -> Any:
    institution = selectors.get_institution(institution_id)
    require(request.user, "people.change_institution", institution)
    services.organisation_delete(actor=request.user, obj=institution)
    return Status(204, None)


# --- departments -------------------------------------------------------------------------------


class DepartmentOut(Schema):
    id: int
    institution_id: Id
    institution_name: str = Field(..., alias="institution.name")
    code: str
    name_zh: str
    name_en: str
    name: str
    kind: str
    rotation_capacity: int | None
    staff_count: int = 0
    linked_department_ids: list[int]

    @staticmethod
    def resolve_linked_department_ids(obj: Department) -> list[int]:
        return sorted(linked.pk for linked in obj.linked_departments.all())


class DepartmentIn(StrictSchema):
    institution_id: Id
    code: str = Field(..., min_length=1, max_length=40)
    name_zh: str = Field(..., min_length=1, max_length=120)
    name_en: str = Field("", max_length=160)
    kind: DepartmentKind = DepartmentKind.CLINICAL
    rotation_capacity: int | None = Field(None, ge=0, le=999)
    linked_department_ids: list[Id] | None = None


class DepartmentPatch(StrictSchema):
    name_zh: str | None = Field(None, min_length=1, max_length=120)
    name_en: str | None = Field(None, max_length=160)
    kind: DepartmentKind | None = None
    rotation_capacity: int | None = Field(None, ge=0, le=999)
    linked_department_ids: list[Id] | None = None


@router.get("/departments", response=list[DepartmentOut])
@paginate(Pagination)
def list_departments(
    request: HttpRequest, institution_id: Id | None = None, kind: DepartmentKind | None = None
) -> Any:
    return selectors.department_list(institution_id=institution_id, kind=kind or "")


@router.get("/departments/export", summary="Download departments as .xlsx or .csv")
def export_departments(
    request: HttpRequest,
    file_format: ExportFormat = "xlsx",
    institution_id: Id | None = None,
    kind: DepartmentKind | None = None,
) -> HttpResponseBase:
    return exports.departments_export(file_format=file_format, institution_id=institution_id, kind=kind or "")


@router.get("/departments/{department_id}", response=DepartmentOut)
def get_department(request: HttpRequest, department_id: Id) -> Any:
    return selectors.get_department(department_id)


@router.post("/departments", response={201: DepartmentOut})
def create_department(request: HttpRequest, payload: DepartmentIn) -> Any:
    data = payload.dict()
    institution = get_object_or_404(Institution, pk=data.pop("institution_id"))
    require(request.user, "people.change_department", Department(institution=institution))
    department = services.department_save(actor=request.user, institution=institution, **data)
    return Status(201, selectors.get_department(department.pk))


@router.patch("/departments/{department_id}", response=DepartmentOut)
def update_department(request: HttpRequest, department_id: Id, payload: DepartmentPatch) -> Any:
    department = selectors.get_department(department_id)
    require(request.user, "people.change_department", department)
    services.department_save(actor=request.user, department=department, **payload.dict(exclude_unset=True))
    return selectors.get_department(department_id)


@router.delete("/departments/{department_id}", response={204: None})
def delete_department(request: HttpRequest, department_id: Id) -> Any:
    department = selectors.get_department(department_id)
    require(request.user, "people.change_department", department)
    services.organisation_delete(actor=request.user, obj=department)
    return Status(204, None)


# --- people ------------------------------------------------------------------------------------


class TraineeProfileOut(Schema):
    id: int
    level: str
    institution_id: Id
    department_id: int | None
    cohort: int
    specialty: str
    student_number: str
    status: str
    start_date: datetime.date
    end_date: datetime.date | None


class FacultyProfileOut(Schema):
    staff_number: str
    clinical_title: str
    academic_title: str
    supervisor_qualification: str
    is_clinical_teacher: bool


class PersonOut(Schema):
    id: int
    version: int
    name_zh: str
    name_latin: str
    display_name: str
    gender: str
    institution_id: Id
    institution_name: str
    department_id: int | None
    department_name: str | None
    faculty: FacultyProfileOut | None
    level: str | None
    private_visible: bool
    birth_date: datetime.date | None
    email: str | None
    phone: str | None
    national_id: str | None

    @staticmethod
    def resolve_institution_name(obj: Person) -> str:
        return obj.institution.name

    @staticmethod
    def resolve_department_name(obj: Person) -> str | None:
        return obj.department.name if obj.department else None

    @staticmethod
    def resolve_faculty(obj: Person) -> FacultyProfile | None:
        return getattr(obj, "faculty_profile", None)

    @staticmethod
    def resolve_level(obj: Person) -> str | None:
        profiles = getattr(obj, "active_trainee_profiles", [])
        return profiles[0].level if profiles else None

    @staticmethod
    def resolve_private_visible(obj: Person) -> bool:
        return bool(obj.can_view_private)  # type: ignore[attr-defined]

    @staticmethod
    def resolve_birth_date(obj: Person) -> datetime.date | None:
        return obj.birth_date if obj.can_view_private else None  # type: ignore[attr-defined]

    @staticmethod
    def resolve_email(obj: Person) -> str | None:
        return obj.email if obj.can_view_private else None  # type: ignore[attr-defined]

    @staticmethod
    def resolve_phone(obj: Person) -> str | None:
        return obj.phone if obj.can_view_private else None  # type: ignore[attr-defined]

    @staticmethod
    def resolve_national_id(obj: Person) -> str | None:
        if obj.can_view_national_id:  # type: ignore[attr-defined]
            return obj.national_id
        return obj.masked_national_id if obj.can_view_private else None  # type: ignore[attr-defined]


class PersonDetailOut(PersonOut):
    trainee_profiles: list[TraineeProfileOut]

    @staticmethod
    def resolve_trainee_profiles(obj: Person) -> list[TraineeProfile]:
        return obj.profile_history if obj.can_view_private else []  # type: ignore[attr-defined]


class PersonIn(StrictSchema):
    name_zh: str = Field("", max_length=60)
    name_latin: str = Field("", max_length=120)
    gender: Gender = Gender.UNSPECIFIED
    birth_date: datetime.date | None = None
    national_id: str | None = Field(None, max_length=18)
    email: str = Field("", max_length=254)
    phone: str = Field("", max_length=30)
    institution_id: Id
    department_id: Id | None = None


class PersonPatch(StrictSchema):
    version: int = Field(..., ge=1, le=MAX_ID, description="The version you read; a stale one answers 409.")
    name_zh: str | None = Field(None, max_length=60)
    name_latin: str | None = Field(None, max_length=120)
    gender: Gender | None = None
    birth_date: datetime.date | None = None
    national_id: str | None = Field(None, max_length=18)
    email: str | None = Field(None, max_length=254)
    phone: str | None = Field(None, max_length=30)
    institution_id: Id | None = None
    department_id: Id | None = None


def _person_fields(data: dict[str, Any]) -> dict[str, Any]:
    if "institution_id" in data:
        data["institution"] = get_object_or_404(Institution, pk=data.pop("institution_id"))
    if "department_id" in data:
        department_id = data.pop("department_id")
        data["department"] = get_object_or_404(Department, pk=department_id) if department_id else None
    return data


class PersonQuery(Schema):
    q: SearchText = ""
    institution_id: Id | None = None
    department_id: Id | None = None
    level: TraineeLevel | None = None
    cohort: Year | None = None
    kind: Literal["trainee", "faculty", ""] = ""
    import_batch_id: Id | None = None

    def filters(self) -> selectors.PersonFilters:
        return selectors.PersonFilters(
            search=self.q,
            institution_id=self.institution_id,
            department_id=self.department_id,
            level=self.level or "",
            cohort=self.cohort,
            kind=self.kind,
            import_batch_id=self.import_batch_id,
        )


@router.get("/people", response=list[PersonOut])
@paginate(Pagination)
def list_people(request: HttpRequest, query: Query[PersonQuery]) -> Any:
    return selectors.person_list_for_user(request.user, query.filters())


@router.get("/people/export", summary="Download the people list as .xlsx or .csv")
def export_people(
    request: HttpRequest, query: Query[PersonQuery], file_format: ExportFormat = "xlsx"
) -> HttpResponseBase:
    """The list with the same filters, and only the fields the user may see (others blank, IDs masked)."""
    return exports.people_export(user=request.user, filters=query.filters(), file_format=file_format)


@router.get("/people/{person_id}", response=PersonDetailOut)
def get_person(request: HttpRequest, person_id: Id) -> Any:
    return selectors.person_detail_for_user(request.user, person_id)


@router.post("/people", response={201: PersonDetailOut})
def create_person(request: HttpRequest, payload: PersonIn) -> Any:
    fields = _person_fields(payload.dict())
    require(request.user, "people.add_person", fields["institution"])
    person = services.person_create(actor=request.user, **fields)
    return Status(201, selectors.person_detail_for_user(request.user, person.pk))


@router.patch("/people/{person_id}", response=PersonDetailOut)
def update_person(request: HttpRequest, person_id: Id, payload: PersonPatch) -> Any:
    person = get_person_for_user(request.user, person_id)
    data = payload.dict(exclude_unset=True)
    expected_version = data.pop("version")
    changes = _person_fields(data)
    services.person_update(
        actor=request.user,
        person=person,
        expected_version=expected_version,
        contacts_only=person_edit_is_contacts_only(request.user, person, changes),
        **changes,
    )
    return selectors.person_detail_for_user(request.user, person_id)


@router.delete("/people/{person_id}", response={204: None})
def delete_person(request: HttpRequest, person_id: Id) -> Any:
    person = get_person_for_user(request.user, person_id)
    require(request.user, "people.delete_person", person)
    services.person_delete(actor=request.user, person=person)
    return Status(204, None)


class TraineeProfileIn(StrictSchema):
    level: TraineeLevel
    institution_id: Id
    department_id: Id | None = None
    cohort: int = Field(..., ge=1950, le=2100)
    specialty: str = Field("", max_length=80)
    student_number: str = Field("", max_length=30)
    status: TraineeStatus = TraineeStatus.ACTIVE
    start_date: datetime.date
    end_date: datetime.date | None = None


class TraineeProfilePatch(StrictSchema):
    department_id: Id | None = None
    specialty: str | None = Field(None, max_length=80)
    student_number: str | None = Field(None, max_length=30)
    status: TraineeStatus | None = None
    end_date: datetime.date | None = None


@router.post("/people/{person_id}/trainee-profiles", response={201: TraineeProfileOut})
def start_trainee_profile(request: HttpRequest, person_id: Id, payload: TraineeProfileIn) -> Any:
    person = get_person_for_user(request.user, person_id)
    require(request.user, "people.change_person", person)
    fields = _person_fields(payload.dict())
    # A stage makes the person visible to that institution's officers: only its managers may add one.
    require(request.user, "people.add_person", fields["institution"])
    profile = services.trainee_profile_start(actor=request.user, person=person, **fields)
    return Status(201, profile)


@router.patch("/trainee-profiles/{profile_id}", response=TraineeProfileOut)
def update_trainee_profile(request: HttpRequest, profile_id: Id, payload: TraineeProfilePatch) -> Any:
    profile = selectors.get_trainee_profile_for_user(request.user, profile_id)
    require(request.user, "people.change_person", profile.person)
    return services.trainee_profile_update(
        actor=request.user, profile=profile, **_person_fields(payload.dict(exclude_unset=True))
    )


class FacultyProfileIn(StrictSchema):
    staff_number: str = Field("", max_length=30)
    clinical_title: FacultyProfile.ClinicalTitle = FacultyProfile.ClinicalTitle.NONE
    academic_title: FacultyProfile.AcademicTitle = FacultyProfile.AcademicTitle.NONE
    supervisor_qualification: FacultyProfile.SupervisorQualification = (
        FacultyProfile.SupervisorQualification.NONE
    )
    is_clinical_teacher: bool = False


@router.put("/people/{person_id}/faculty-profile", response=FacultyProfileOut)
def set_faculty_profile(request: HttpRequest, person_id: Id, payload: FacultyProfileIn) -> Any:
    person = get_person_for_user(request.user, person_id)
    require(request.user, "people.change_person", person)
    return services.faculty_profile_set(actor=request.user, person=person, **payload.dict())


# --- mentorships -------------------------------------------------------------------------------


class MentorshipOut(Schema):
    id: int
    version: int
    mentor_id: Id
    mentor_name: str = Field(..., alias="mentor.display_name")
    mentee_id: Id
    mentee_name: str = Field(..., alias="mentee.display_name")
    kind: str
    start_date: datetime.date
    end_date: datetime.date | None
    note: str


class MentorshipIn(StrictSchema):
    mentor_id: Id
    mentee_id: int
    kind: MentorshipKind
    start_date: datetime.date
    end_date: datetime.date | None = None
    note: str = Field("", max_length=300)


class MentorshipPatch(StrictSchema):
    version: int = Field(..., ge=1, le=MAX_ID)
    kind: MentorshipKind | None = None
    start_date: datetime.date | None = None
    end_date: datetime.date | None = None
    note: str | None = Field(None, max_length=300)


class MentorshipQuery(Schema):
    mentor_id: Id | None = None
    mentee_id: Id | None = None
    kind: MentorshipKind | None = None
    active: bool = False

    def filters(self) -> dict[str, Any]:
        return {
            "mentor_id": self.mentor_id,
            "mentee_id": self.mentee_id,
            "kind": self.kind or "",
            "active_only": self.active,
        }


@router.get("/mentorships", response=list[MentorshipOut])
@paginate(Pagination)
def list_mentorships(request: HttpRequest, query: Query[MentorshipQuery]) -> Any:
    return selectors.mentorship_list_for_user(request.user, **query.filters())


@router.get("/mentorships/export", summary="Download mentorships as .xlsx or .csv")
def export_mentorships(
    request: HttpRequest, query: Query[MentorshipQuery], file_format: ExportFormat = "xlsx"
) -> HttpResponseBase:
    return exports.mentorships_export(user=request.user, file_format=file_format, **query.filters())


@router.get("/mentorships/{mentorship_id}", response=MentorshipOut)
def get_mentorship(request: HttpRequest, mentorship_id: Id) -> Any:
    return selectors.get_mentorship_for_user(request.user, mentorship_id)


@router.post("/mentorships", response={201: MentorshipOut})
def create_mentorship(request: HttpRequest, payload: MentorshipIn) -> Any:
    data = payload.dict()
    mentee = get_person_for_user(request.user, data.pop("mentee_id"))
    mentor = get_person_for_user(request.user, data.pop("mentor_id"))
    probe = Mentorship(mentor=mentor, mentee=mentee)
    require(request.user, "people.change_mentorship", probe)
    mentorship = services.mentorship_create(actor=request.user, mentor=mentor, mentee=mentee, **data)
    return Status(201, selectors.get_mentorship_for_user(request.user, mentorship.pk))


@router.patch("/mentorships/{mentorship_id}", response=MentorshipOut)
def update_mentorship(request: HttpRequest, mentorship_id: Id, payload: MentorshipPatch) -> Any:
    mentorship = selectors.get_mentorship_for_user(request.user, mentorship_id)
    require(request.user, "people.change_mentorship", mentorship)
    data = payload.dict(exclude_unset=True)
    services.mentorship_update(
        actor=request.user, mentorship=mentorship, expected_version=data.pop("version"), **data
    )
    return selectors.get_mentorship_for_user(request.user, mentorship_id)


@router.delete("/mentorships/{mentorship_id}", response={204: None})
def delete_mentorship(request: HttpRequest, mentorship_id: Id) -> Any:
    mentorship = selectors.get_mentorship_for_user(request.user, mentorship_id)
    require(request.user, "people.change_mentorship", mentorship)
    services.mentorship_delete(actor=request.user, mentorship=mentorship)
    return Status(204, None)
