"""Who may see and run which rotation standards and schedules. Pages and predicates ask here.

A standard or a schedule belongs to a training base. Everybody whose scope reaches the institution family
reaches it (``Scope.member_institution_ids``): outside the family it answers 404, never 403, so its
existence does not leak. Programme officers of the family and platform administrators change standards and
manage schedules; department heads and clinical teachers read their departments' rosters; a trainee's
timeline is part of their private record (``people.access.person_private_q``).
"""

from typing import Any

from django.db.models import Case, Q, QuerySet, Value, When
from django.http import Http404
from django.shortcuts import get_object_or_404

from medtalent.people.access import person_private_q, scope_for
from medtalent.people.models import Department, Institution, Role, TraineeProfile

from .models import RotationEnrolment, RotationStandard, Schedule, StandardEdition

Owned = Institution | RotationStandard | StandardEdition | Schedule | RotationEnrolment | None


def standards_visible_to(user: Any) -> QuerySet[RotationStandard]:
    scope = scope_for(user)
    if scope.user_id is None:
        return RotationStandard.objects.none()
    if scope.is_admin:
        return RotationStandard.objects.all()
    return RotationStandard.objects.filter(institution_id__in=scope.member_institution_ids)


def get_standard_for_user(user: Any, pk: int) -> RotationStandard:
    """The standard, or 404 when it is outside the user's institution family."""
    return get_object_or_404(standards_visible_to(user).select_related("institution"), pk=pk)


def institution_id_of(obj: Owned) -> int | None:
    if isinstance(obj, Institution):
        return obj.pk
    if isinstance(obj, RotationStandard | Schedule | RotationEnrolment):
        return obj.institution_id
    if isinstance(obj, StandardEdition):
        return obj.standard.institution_id
    return None


def sees_standards_of(user: Any, obj: Owned) -> bool:
    scope = scope_for(user)
    institution_id = institution_id_of(obj)
    if institution_id is None or scope.user_id is None:
        return False
    return scope.is_admin or institution_id in scope.member_institution_ids


def runs_rotations_of(user: Any, obj: Owned) -> bool:
    scope = scope_for(user)
    institution_id = institution_id_of(obj)
    if institution_id is None:
        return False
    return scope.is_admin or institution_id in scope.programme_officer_institution_ids


def institutions_for_new_standards(user: Any) -> QuerySet[Institution]:
    """Where the user may add a standard: the institutions whose rotations they run."""
    scope = scope_for(user)
    institutions = Institution.objects.order_by("code")
    if scope.is_admin:
        return institutions
    return institutions.filter(pk__in=scope.programme_officer_institution_ids)


def may_add_standards(user: Any) -> bool:
    scope = scope_for(user)
    return scope.is_admin or bool(scope.programme_officer_institution_ids)


# --- schedules ----------------------------------------------------------------------------------


def may_run_schedules(user: Any) -> bool:
    """Whether the user plans and publishes schedules anywhere (the schedules page is theirs)."""
    return may_add_standards(user)


def schedules_in_reach(user: Any) -> QuerySet[Schedule]:
    """Schedules of the user's institution family: reached (then 403 unless they run rotations there)."""
    scope = scope_for(user)
    if scope.user_id is None:
        return Schedule.objects.none()
    if scope.is_admin:
        return Schedule.objects.all()
    return Schedule.objects.filter(institution_id__in=scope.member_institution_ids)


def get_schedule_for_user(user: Any, pk: int) -> Schedule:
    """The schedule, or 404 when it is outside the user's institution family."""
    return get_object_or_404(schedules_in_reach(user).select_related("institution", "created_by"), pk=pk)


def training_bases_run_by(user: Any) -> QuerySet[Institution]:
    """Training bases whose schedules the user plans: marked as bases, or with a rotation standard."""
    scope = scope_for(user)
    bases = Institution.objects.filter(
        Q(is_training_base=True) | Q(pk__in=RotationStandard.objects.values("institution_id"))
    ).order_by("code")
    if scope.is_admin:
        return bases
    return bases.filter(pk__in=scope.programme_officer_institution_ids)


def chosen_training_base(user: Any, wanted: int | None) -> tuple[list[Institution], Institution]:
    """The bases the user plans for, and the one asked for (the first when none is): 404 for another."""
    bases = list(training_bases_run_by(user))
    institution = next((base for base in bases if wanted is None or base.pk == wanted), None)
    if institution is None:
        raise Http404
    return bases, institution


# --- rosters ------------------------------------------------------------------------------------


def roster_departments_for(user: Any) -> QuerySet[Department]:
    """Departments whose roster the user reads: their own as head or clinical teacher, and every rotation
    department (one with places or a published block) of the institutions whose rotations they run."""
    scope = scope_for(user)
    if scope.user_id is None:
        return Department.objects.none()
    rotating = Q(rotation_capacity__isnull=False) | Q(pk__in=_published_department_ids())
    own = Q(pk__in=scope.head_department_ids | scope.teacher_department_ids)
    if scope.is_admin:
        departments = Department.objects.filter(rotating | own)
    else:
        bases = scope.programme_officer_institution_ids
        # A base's schedule places trainees in its affiliates' departments too (partner hospitals).
        run = (Q(institution_id__in=bases) | Q(institution__parent_id__in=bases)) & rotating
        departments = Department.objects.filter(run | own)
    return departments.select_related("institution").order_by("institution__code", "code")


def _published_department_ids() -> QuerySet[Any]:
    from .models import RotationBlock

    return RotationBlock.objects.filter(schedule__status=Schedule.Status.PUBLISHED).values("department_id")


def get_roster_department_for_user(user: Any, pk: int | None) -> Department:
    """The department asked for, else the user's own (as head, then teacher), else the first they may read.

    404 for a department the user may not read, and when they may read none."""
    departments = roster_departments_for(user)
    if pk is not None:
        return get_object_or_404(departments, pk=pk)
    scope = scope_for(user)
    for own in (scope.head_department_ids, scope.teacher_department_ids):
        if own:
            return get_object_or_404(departments, pk=min(own))
    department = departments.first()
    if department is None:
        raise Http404
    return department


def reads_rosters(user: Any) -> bool:
    scope = scope_for(user)
    return may_run_schedules(user) or bool(scope.head_department_ids | scope.teacher_department_ids)


# --- timelines ----------------------------------------------------------------------------------


def trainees_with_timelines_for(user: Any) -> QuerySet[TraineeProfile]:
    """Trainee stages whose rotations the user may read: those of people whose records are private to
    them (themselves, their mentees, trainees of their departments, everyone they manage)."""
    scope = scope_for(user)
    if scope.user_id is None:
        return TraineeProfile.objects.none()
    profiles = TraineeProfile.objects.all()
    if not scope.is_admin:
        profiles = profiles.filter(person__in=_private_people(scope))
    return profiles


def _private_people(scope: Any) -> QuerySet[Any]:
    from medtalent.people.models import Person

    return Person.objects.filter(person_private_q(scope)).values("pk")


def get_trainee_for_user(user: Any, pk: int) -> TraineeProfile:
    """The trainee stage, or 404 when the person's records are not private to the user."""
    return get_object_or_404(
        trainees_with_timelines_for(user).select_related(
            "person", "institution", "rotation_enrolment__edition__standard"
        ),
        pk=pk,
    )


def own_trainee_profile(user: Any) -> TraineeProfile | None:
    """The user's own trainee stage for rotations: the enrolled one, else the active one, else the latest."""
    if not getattr(user, "person_id", None):
        return None
    return (
        TraineeProfile.objects.filter(person_id=user.person_id)
        .select_related("person", "institution", "rotation_enrolment__edition__standard")
        .annotate(
            preference=Case(
                When(rotation_enrolment__isnull=False, then=Value(0)),
                When(status=TraineeProfile.Status.ACTIVE, then=Value(1)),
                default=Value(2),
            )
        )
        .order_by("preference", "-start_date")
        .first()
    )


def rotations_landing(user: Any) -> str:
    """Where the Rotations menu leads this user: the URL name of their main rotations page."""
    scope = scope_for(user)
    if may_run_schedules(user):
        return "rotation_schedules"
    if scope.head_department_ids or scope.teacher_department_ids:
        return "rotation_roster"
    if scope.has_role(Role.TRAINEE) or (scope.person_id and _has_trainee_profile(scope.person_id)):
        return "rotation_me"
    return "rotation_standards"


def _has_trainee_profile(person_id: int) -> bool:
    return TraineeProfile.objects.filter(person_id=person_id).exists()


def sees_rotations_menu(user: Any) -> bool:
    scope = scope_for(user)
    return scope.has_role(
        Role.PROGRAMME_OFFICER, Role.DEPARTMENT_HEAD, Role.CLINICAL_TEACHER, Role.TRAINEE
    ) or may_run_schedules(user)
