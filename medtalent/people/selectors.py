"""Every non-trivial read of people and organisations, with related rows fetched up front."""

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Prefetch, Q, QuerySet
from django.shortcuts import get_object_or_404

from .access import people_visible_to, person_private_q, person_visible_q, scope_for
from .models import Department, Institution, Mentorship, Person, TraineeLevel, TraineeProfile


@dataclass(frozen=True)
class PersonFilters:
    search: str = ""
    institution_id: int | None = None
    department_id: int | None = None
    level: str = ""
    cohort: int | None = None
    kind: str = ""  # "trainee", "faculty" or "" for both
    import_batch_id: int | None = None  # people an import last wrote


def _active_profiles() -> Prefetch:
    return Prefetch(
        "trainee_profiles",
        queryset=TraineeProfile.objects.filter(status=TraineeProfile.Status.ACTIVE).select_related(
            "department"
        ),
        to_attr="active_trainee_profiles",
    )


def person_list_for_user(user: Any, filters: PersonFilters | None = None) -> QuerySet[Person]:
    filters = filters or PersonFilters()
    people = people_visible_to(user)
    if term := filters.search.replace("\x00", "").strip():
        # Contacts and numbers are private: they match only where the user may see them.
        private_match = (
            Q(email__icontains=term)
            | Q(faculty_profile__staff_number=term)
            | Q(pk__in=TraineeProfile.objects.filter(student_number=term).values("person_id"))
        )
        people = people.filter(
            Q(name_zh__icontains=term)
            | Q(name_latin__icontains=term)
            | (private_match & person_private_q(scope_for(user)))
        )
    if filters.institution_id:
        people = people.filter(institution_id=filters.institution_id)
    if filters.department_id:
        # Staff of the department, and trainees whose current stage is there.
        people = people.filter(
            Q(department_id=filters.department_id)
            | Q(
                pk__in=TraineeProfile.objects.filter(
                    department_id=filters.department_id, status=TraineeProfile.Status.ACTIVE
                ).values("person_id")
            )
        )
    if filters.import_batch_id:
        people = people.filter(import_batch_id=filters.import_batch_id)
    if filters.kind == "faculty":
        people = people.filter(faculty_profile__isnull=False)
    if filters.kind == "trainee" or filters.level or filters.cohort:
        profiles = TraineeProfile.objects.filter(status=TraineeProfile.Status.ACTIVE)
        if filters.level:
            profiles = profiles.filter(level=filters.level)
        if filters.cohort:
            profiles = profiles.filter(cohort=filters.cohort)
        people = people.filter(pk__in=profiles.values("person_id"))
    return (
        people.select_related("institution", "department", "faculty_profile")
        .prefetch_related(_active_profiles())
        .order_by("name_latin", "pk")
    )


def person_detail_for_user(user: Any, pk: int) -> Person:
    """The person page's data: profile history, mentors and mentees, in a fixed number of queries.

    Mentors and mentees are listed only as far as the user may see them: a mentor's page must not
    name mentees the viewer could not open.
    """
    visible = Person.objects.filter(person_visible_q(scope_for(user))).values("pk")
    queryset = (
        people_visible_to(user)
        .select_related("institution", "department", "faculty_profile")
        .prefetch_related(
            Prefetch(
                "trainee_profiles",
                queryset=TraineeProfile.objects.select_related("institution", "department").order_by(
                    "start_date"
                ),
                to_attr="profile_history",
            ),
            _active_profiles(),
            Prefetch(
                "mentorships_received",
                queryset=Mentorship.objects.filter(mentor__in=visible)
                .select_related("mentor__institution")
                .order_by("-start_date"),
                to_attr="mentor_links",
            ),
            Prefetch(
                "mentorships_given",
                queryset=Mentorship.objects.filter(mentee__in=visible)
                .select_related("mentee__institution")
                .order_by("-start_date"),
                to_attr="mentee_links",
            ),
        )
    )
    return get_object_or_404(queryset, pk=pk)


def institution_list(*, kind: str = "") -> QuerySet[Institution]:
    # Institutions are not private: every signed-in user sees the list; their people are filtered apart.
    institutions = Institution.objects.select_related("parent").annotate(
        department_count=Count("departments", distinct=True)
    )
    return (institutions.filter(kind=kind) if kind else institutions).order_by("code")


def get_institution(pk: int) -> Institution:
    return get_object_or_404(institution_list(), pk=pk)


def department_list(*, institution_id: int | None = None, kind: str = "") -> QuerySet[Department]:
    departments = (
        Department.objects.select_related("institution")
        .prefetch_related("linked_departments__institution")
        .annotate(staff_count=Count("people", distinct=True))
    )
    if institution_id:
        departments = departments.filter(institution_id=institution_id)
    if kind:
        departments = departments.filter(kind=kind)
    return departments.order_by("institution__code", "code")


def get_department(pk: int) -> Department:
    return get_object_or_404(department_list(), pk=pk)


def trainees_in_departments_for_user(user: Any, department_ids: Iterable[int]) -> QuerySet[Person]:
    """Trainees whose active stage is in the departments, as far as the user may see them."""
    return person_list_for_user(user).filter(
        pk__in=TraineeProfile.objects.filter(
            department_id__in=list(department_ids), status=TraineeProfile.Status.ACTIVE
        ).values("person_id")
    )


def mentorship_list_for_user(
    user: Any,
    *,
    mentor_id: int | None = None,
    mentee_id: int | None = None,
    kind: str = "",
    active_only: bool = False,
) -> QuerySet[Mentorship]:
    scope = scope_for(user)
    mentorships = Mentorship.objects.all()
    if not scope.is_admin:
        visible = Q(mentee__in=Person.objects.filter(person_private_q(scope)))
        if scope.person_id:
            visible |= Q(mentor_id=scope.person_id)
        mentorships = mentorships.filter(visible)
    if mentor_id:
        mentorships = mentorships.filter(mentor_id=mentor_id)
    if mentee_id:
        mentorships = mentorships.filter(mentee_id=mentee_id)
    if kind:
        mentorships = mentorships.filter(kind=kind)
    if active_only:
        mentorships = mentorships.active_on()
    return mentorships.select_related("mentor", "mentee").order_by("mentee_id", "kind", "-start_date")


def get_mentorship_for_user(user: Any, pk: int) -> Mentorship:
    return get_object_or_404(mentorship_list_for_user(user), pk=pk)


def get_trainee_profile_for_user(user: Any, pk: int) -> TraineeProfile:
    visible = Person.objects.filter(person_private_q(scope_for(user))).values("pk")
    return get_object_or_404(
        TraineeProfile.objects.select_related("person").filter(person__in=visible), pk=pk
    )


@dataclass(frozen=True)
class PeopleCounts:
    trainees_by_level: list[tuple[str, str, int]]
    faculty: int
    supervisors: int
    active_mentorships_by_kind: list[tuple[str, str, int]]


def people_counts_for_user(user: Any) -> PeopleCounts:
    """Head counts over what the user may see, aggregated in SQL."""
    visible = people_visible_to(user).values("pk")
    level_rows = dict(
        TraineeProfile.objects.filter(person__in=visible, status=TraineeProfile.Status.ACTIVE)
        .values_list("level")
        .annotate(total=Count("pk"))
    )
    faculty = Person.objects.filter(pk__in=visible, faculty_profile__isnull=False).aggregate(
        faculty=Count("pk"), supervisors=Count("pk", filter=~Q(faculty_profile__supervisor_qualification=""))
    )
    kind_rows = dict(
        Mentorship.objects.active_on()
        .filter(mentee__in=visible)
        .values_list("kind")
        .annotate(total=Count("pk"))
    )
    return PeopleCounts(
        trainees_by_level=[
            (level.value, str(level.label), level_rows.get(level.value, 0)) for level in TraineeLevel
        ],
        faculty=faculty["faculty"],
        supervisors=faculty["supervisors"],
        active_mentorships_by_kind=[
            (kind.value, str(kind.label), kind_rows.get(kind.value, 0)) for kind in Mentorship.Kind
        ],
    )
