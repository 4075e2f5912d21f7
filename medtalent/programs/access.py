"""Who may see and change programmes and training plans. Pages, the API and the services all ask here.

- Programmes (templates) are read by everybody whose institution family holds them; programme and
  talent officers of that family (and administrators) change them.
- A plan is seen by its trainee, its two mentors, the trainee's other current mentors (peer seniors
  excepted: they are fellow students), and officers whose scope holds the programme. Everybody else
  gets 404, as if the plan did not exist.
- The trainee, the plan's mentors and officers individualise an open plan; only the named school and
  hospital mentors sign it, and only they confirm a milestone without evidence.
- Who signs: officers of the programme's institution name any mentor; the trainee and mentors choose
  among the trainee's current mentors.
- Officers start plans in their institution's programmes for people they manage; a mentor starts one for
  a current mentee in any programme they see.
"""

from typing import Any

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from medtalent.people.access import NO_ONE, person_is_managed_by, person_officer_q, scope_for
from medtalent.people.models import Institution, Mentorship, Person, Role

from .models import OPEN_PLAN_STATUSES, MilestoneEvidence, PlanMilestone, Programme, TrainingPlan

# Mentorship kinds whose mentor reads the mentee's plan (peer seniors are students themselves).
PLAN_MENTOR_KINDS = (Mentorship.Kind.PRIMARY, Mentorship.Kind.SCHOOL, Mentorship.Kind.HOSPITAL)


def current_mentees_q(person_id: int) -> QuerySet[Mentorship, dict[str, Any]]:
    """Ids of the person's current mentees (peer-senior links excepted), as a subquery."""
    return (
        Mentorship.objects.active_on()
        .filter(mentor_id=person_id, kind__in=PLAN_MENTOR_KINDS)
        .values("mentee_id")
    )


def current_mentors_of(person: Person) -> QuerySet[Person]:
    """The person's current mentors (peer seniors excepted): a plan's signers are chosen among them, as
    the dual-mentor system is recorded as mentorships first."""
    return Person.objects.filter(
        pk__in=Mentorship.objects.active_on()
        .filter(mentee=person, kind__in=PLAN_MENTOR_KINDS)
        .values("mentor_id")
    ).order_by("name_latin")


def mentor_choices_for(plan: TrainingPlan) -> QuerySet[Person]:
    """Who may be named on the plan: the trainee's current mentors, and whoever the plan names now."""
    named = [pk for pk in (plan.school_mentor_id, plan.hospital_mentor_id) if pk is not None]
    return current_mentors_of(plan.person) | Person.objects.filter(pk__in=named)


def programmes_visible_to(user: Any) -> QuerySet[Programme]:
    scope = scope_for(user)
    if scope.user_id is None:
        return Programme.objects.none()
    programmes = Programme.objects.select_related("institution")
    if scope.is_admin:
        return programmes
    return programmes.filter(institution_id__in=scope.member_institution_ids | scope.officer_institution_ids)


def get_programme_for_user(user: Any, pk: int) -> Programme:
    return get_object_or_404(programmes_visible_to(user), pk=pk)


def institutions_managed_for_programmes(user: Any) -> QuerySet[Institution]:
    scope = scope_for(user)
    if scope.is_admin:
        return Institution.objects.order_by("code")
    return Institution.objects.filter(pk__in=scope.officer_institution_ids).order_by("code")


def manages_programmes_of(user: Any, institution_id: int) -> bool:
    scope = scope_for(user)
    return scope.is_admin or institution_id in scope.officer_institution_ids


def _plans_q(user: Any) -> Q | None:
    """``None`` means every plan (administrators)."""
    scope = scope_for(user)
    if scope.is_admin:
        return None
    q = NO_ONE
    if scope.officer_institution_ids:
        # Officers follow the plans of their institutions' programmes, and of everybody they manage
        # (a hospital's officer and the hospital's students in the university's programme).
        q |= Q(programme__institution_id__in=scope.officer_institution_ids)
        q |= Q(person_id__in=Person.objects.filter(person_officer_q(scope)).values("pk"))
    if scope.person_id:
        me = scope.person_id
        q |= Q(person_id=me) | Q(school_mentor_id=me) | Q(hospital_mentor_id=me)
        q |= Q(person_id__in=current_mentees_q(me))
    return q


def plans_visible_to(user: Any) -> QuerySet[TrainingPlan]:
    if scope_for(user).user_id is None:
        return TrainingPlan.objects.none()
    q = _plans_q(user)
    plans = TrainingPlan.objects.select_related(
        "programme", "person", "school_mentor", "hospital_mentor", "trainee_profile"
    )
    return plans if q is None else plans.filter(q)


def get_plan_for_user(user: Any, pk: int, *, for_update: bool = False) -> TrainingPlan:
    plans = plans_visible_to(user)
    return get_object_or_404(plans.select_for_update(of=("self",)) if for_update else plans, pk=pk)


def get_milestone_for_user(user: Any, pk: int) -> PlanMilestone:
    q = _plans_q(user)
    milestones = PlanMilestone.objects.select_related("plan", "plan__programme", "plan__person", "stage")
    if scope_for(user).user_id is None:
        milestones = milestones.none()
    elif q is not None:
        milestones = milestones.filter(plan__in=TrainingPlan.objects.filter(q).values("pk"))
    return get_object_or_404(milestones, pk=pk)


def get_evidence_for_user(user: Any, pk: int) -> MilestoneEvidence:
    evidence = get_object_or_404(MilestoneEvidence.objects.select_related("milestone"), pk=pk)
    get_milestone_for_user(user, evidence.milestone_id)
    return evidence


def runs_plan(user: Any, plan: TrainingPlan) -> bool:
    """Officers of the programme's institution family or of the trainee, and administrators."""
    if manages_programmes_of(user, plan.programme.institution_id):
        return True
    scope = scope_for(user)
    return bool(scope.officer_institution_ids) and person_is_managed_by(user, plan.person)


def is_plan_mentor(user: Any, plan: TrainingPlan) -> bool:
    person_id = getattr(user, "person_id", None)
    return person_id is not None and person_id in (plan.school_mentor_id, plan.hospital_mentor_id)


def may_edit_plan(user: Any, plan: TrainingPlan) -> bool:
    """Individualise the plan: goals, dates, milestones, evidence."""
    if plan.status not in OPEN_PLAN_STATUSES:
        return False
    return (
        runs_plan(user, plan)
        or is_plan_mentor(user, plan)
        or getattr(user, "person_id", None) == plan.person_id
    )


def may_confirm_milestones(user: Any, plan: TrainingPlan) -> bool:
    """A mentor's confirmation stands in for evidence: the plan's two mentors give it."""
    return plan.status == TrainingPlan.Status.ACTIVE and is_plan_mentor(user, plan)


def plan_trainees_for(user: Any) -> QuerySet[Person]:
    """People a user may start a plan for: those an officer manages, and a mentor's current mentees."""
    scope = scope_for(user)
    if scope.user_id is None:
        return Person.objects.none()
    if scope.is_admin:
        return Person.objects.all()
    q = NO_ONE
    if scope.officer_institution_ids:
        q |= person_officer_q(scope)
    if scope.person_id:
        q |= Q(pk__in=current_mentees_q(scope.person_id))
    return Person.objects.filter(q)


def may_create_plan_for(user: Any, person: Person) -> bool:
    """Officers who manage the person, and the person's current mentors (they then see the plan)."""
    return plan_trainees_for(user).filter(pk=person.pk).exists()


def may_name_mentor(user: Any, programme: Programme, person: Person, mentor: Person) -> bool:
    """Whether the user names ``mentor`` as a signer of ``person``'s plan: officers of the programme's
    institution or of the person name anyone; others choose among the person's current mentors (peer
    seniors excepted)."""
    if manages_programmes_of(user, programme.institution_id) or person_is_managed_by(user, person):
        return True
    return current_mentees_q(mentor.pk).filter(mentee_id=person.pk).exists()


def sees_programmes_menu(user: Any) -> bool:
    scope = scope_for(user)
    if scope.user_id is None:
        return False
    # Decided from the roles, without a query: the menu is drawn on every page.
    return bool(scope.officer_institution_ids) or scope.has_role(Role.MENTOR, Role.TRAINEE)
