"""Who may see and do what with assessments, logbooks and ethics records. Pages and endpoints ask here.

- An **assessment** or **logbook entry** is seen by its assessor or supervisor, and by everyone to whom
  the trainee's records are private (``people.access.person_private_q``: the trainee, their mentors,
  officers in scope, the heads and clinical teachers of the departments they rotate in).
- An **eligible assessor** is faculty of the department: working there, or holding the clinical-teacher
  or department-head role for it.
- An **ethics record** is seen only by programme officers whose scope holds the trainee, the trainee's
  current mentors (not peer seniors) and the trainee (and platform administrators). Talent officers,
  leaders, heads and teachers do not see them: other apps ask the veto selector, which answers yes or no.
"""

from dataclasses import dataclass
from typing import Any

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.shortcuts import get_object_or_404

from medtalent.people.access import person_private_q, scope_for
from medtalent.people.models import Department, FacultyProfile, Mentorship, Person, Role, TraineeProfile

from .models import Assessment, AssessmentStatus, EthicsRecord, LogbookEntry

NO_ROWS = Q(pk__in=[])


def _private_people(user: Any) -> QuerySet[Any]:
    return Person.objects.filter(person_private_q(scope_for(user))).values("pk")


def assessments_visible_to(user: Any) -> QuerySet[Assessment]:
    scope = scope_for(user)
    if scope.user_id is None:
        return Assessment.objects.none()
    if scope.is_admin:
        return Assessment.objects.all()
    q = Q(trainee__person_id__in=_private_people(user))
    if scope.person_id:
        q |= Q(assessor_id=scope.person_id)
    return Assessment.objects.filter(q)


def get_assessment_for_user(user: Any, pk: int) -> Assessment:
    """The assessment, or 404 when the user may not see it."""
    return get_object_or_404(
        assessments_visible_to(user).select_related(
            "instrument_version__instrument",
            "trainee__person",
            "trainee__institution",
            "assessor",
            "department__institution",
            "rotation_block",
        ),
        pk=pk,
    )


def may_amend(user: Any, assessment: Assessment) -> bool:
    """The assessor, or a programme officer of the trainee's training base, amends a submitted record."""
    if assessment.status not in (AssessmentStatus.SUBMITTED, AssessmentStatus.ACKNOWLEDGED):
        return False
    if getattr(user, "person_id", None) == assessment.assessor_id:
        return True
    scope = scope_for(user)
    return scope.is_admin or assessment.trainee.institution_id in scope.programme_officer_institution_ids


def logbook_entries_visible_to(user: Any) -> QuerySet[LogbookEntry]:
    scope = scope_for(user)
    if scope.user_id is None:
        return LogbookEntry.objects.none()
    if scope.is_admin:
        return LogbookEntry.objects.all()
    q = Q(trainee__person_id__in=_private_people(user))
    if scope.person_id:
        q |= Q(supervisor_id=scope.person_id)
    return LogbookEntry.objects.filter(q)


def get_logbook_entry_for_user(user: Any, pk: int) -> LogbookEntry:
    return get_object_or_404(
        logbook_entries_visible_to(user).select_related(
            "item", "trainee__person", "supervisor", "department"
        ),
        pk=pk,
    )


def eligible_assessors_q(department: Department | int) -> Q:
    """People who may assess trainees rotating in the department: its faculty (working there, or a
    clinical teacher or head of it)."""
    department_id = department if isinstance(department, int) else department.pk
    return Q(faculty_profile__isnull=False) & (
        Q(department_id=department_id)
        | Q(
            user__role_assignments__department_id=department_id,
            user__role_assignments__role__in=[Role.CLINICAL_TEACHER, Role.DEPARTMENT_HEAD],
        )
    )


def eligible_assessors(department: Department | int) -> QuerySet[Person]:
    return Person.objects.filter(eligible_assessors_q(department)).distinct().order_by("name_latin", "pk")


def is_eligible_assessor(person_id: int | None, department: Department | int) -> bool:
    if not person_id:
        return False
    return Person.objects.filter(eligible_assessors_q(department), pk=person_id).exists()


@dataclass(frozen=True)
class PersonFacts:
    """What the user's own person record says about them, read once per request."""

    is_trainee: bool = False
    faculty_department_id: int | None = None
    mentors_someone: bool = False


def person_facts(user: Any) -> PersonFacts:
    cached = getattr(user, "_medtalent_person_facts", None)
    if cached is not None:
        return cached
    facts = PersonFacts()
    person_id = getattr(user, "person_id", None)
    if person_id:
        mentees = (
            Mentorship.objects.active_on()
            .filter(mentor_id=OuterRef("pk"))
            .exclude(kind=Mentorship.Kind.PEER_SENIOR)
        )
        row = (
            Person.objects.filter(pk=person_id)
            .annotate(
                is_trainee=Exists(TraineeProfile.objects.filter(person_id=OuterRef("pk"))),
                is_faculty=Exists(FacultyProfile.objects.filter(person_id=OuterRef("pk"))),
                mentors_someone=Exists(mentees),
            )
            .values("is_trainee", "is_faculty", "department_id", "mentors_someone")
            .first()
        )
        if row is not None:
            facts = PersonFacts(
                is_trainee=row["is_trainee"],
                faculty_department_id=row["department_id"] if row["is_faculty"] else None,
                mentors_someone=row["mentors_someone"],
            )
    user._medtalent_person_facts = facts
    return facts


def assessor_department_ids(user: Any) -> set[int]:
    """The departments whose rotating trainees the user may assess."""
    scope = scope_for(user)
    ids = set(scope.teacher_department_ids | scope.head_department_ids)
    department_id = person_facts(user).faculty_department_id
    if department_id:
        ids.add(department_id)
    return ids


def own_trainee_profiles(user: Any) -> QuerySet[TraineeProfile]:
    if not getattr(user, "person_id", None):
        return TraineeProfile.objects.none()
    return TraineeProfile.objects.filter(person_id=user.person_id)


# --- ethics -----------------------------------------------------------------------------------------


def _ethics_q(user: Any) -> Q | None:
    """``Q`` on ``Person``: whose ethics records the user sees; ``None`` means everyone's."""
    scope = scope_for(user)
    if scope.is_admin:
        return None
    q = NO_ROWS
    if scope.programme_officer_institution_ids:
        ids = scope.programme_officer_institution_ids
        q |= Q(institution_id__in=ids) | Q(
            pk__in=TraineeProfile.objects.filter(institution_id__in=ids).values("person_id")
        )
    if scope.person_id:
        q |= Q(pk=scope.person_id)
        # Mentors, not the senior students who coach a junior in research.
        mentees = (
            Mentorship.objects.active_on()
            .filter(mentor_id=scope.person_id)
            .exclude(kind=Mentorship.Kind.PEER_SENIOR)
            .values("mentee_id")
        )
        q |= Q(pk__in=mentees)
    return q


def people_with_visible_ethics(user: Any) -> QuerySet[Person]:
    if scope_for(user).user_id is None:
        return Person.objects.none()
    q = _ethics_q(user)
    return Person.objects.all() if q is None else Person.objects.filter(q)


def ethics_records_visible_to(user: Any) -> QuerySet[EthicsRecord]:
    if scope_for(user).user_id is None:
        return EthicsRecord.objects.none()
    q = _ethics_q(user)
    records = EthicsRecord.objects.all()
    return records if q is None else records.filter(person__in=Person.objects.filter(q).values("pk"))


def get_ethics_record_for_user(user: Any, pk: int) -> EthicsRecord:
    return get_object_or_404(
        ethics_records_visible_to(user).select_related("person", "reported_by", "decided_by"), pk=pk
    )


def sees_ethics_of(user: Any, person: Person) -> bool:
    return people_with_visible_ethics(user).filter(pk=person.pk).exists()


def may_report_ethics(user: Any, person: Person) -> bool:
    """Officers and current mentors add entries; the trainee reads their own but adds none."""
    scope = scope_for(user)
    if scope.person_id == person.pk:
        return False
    return sees_ethics_of(user, person)


def may_decide_ethics(user: Any, person: Person) -> bool:
    """Confirming or dismissing an entry (and so the veto) is for programme officers in scope."""
    scope = scope_for(user)
    if scope.person_id == person.pk:
        return False
    if scope.is_admin:
        return True
    ids = scope.programme_officer_institution_ids
    if not ids:
        return False
    return (
        Person.objects.filter(pk=person.pk)
        .filter(Q(institution_id__in=ids) | Q(trainee_profiles__institution_id__in=ids))
        .exists()
    )


def sees_assessments_menu(user: Any) -> bool:
    scope = scope_for(user)
    if scope.user_id is None:
        return False
    return bool(scope.person_id) or scope.has_role(Role.PROGRAMME_OFFICER, Role.DEPARTMENT_HEAD, Role.LEADER)
