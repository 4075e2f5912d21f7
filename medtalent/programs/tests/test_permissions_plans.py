"""Who sees, changes, starts, confirms and closes training plans, one row per persona.

The plan is the persona trainee's System D plan (programme of the university): school mentor
``school_mentor``, hospital mentor ``mentor``. A forbidden plan is a 404, as if it did not exist; a
forbidden action on a visible plan is a 403.
"""

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from medtalent.conftest import World
from medtalent.core.errors import ForbiddenError
from medtalent.people.models import Mentorship, Role, User
from medtalent.people.tests.factories import (
    MentorshipFactory,
    PersonFactory,
    RoleAssignmentFactory,
    UserFactory,
)
from medtalent.programs.access import (
    get_evidence_for_user,
    get_milestone_for_user,
    get_plan_for_user,
    may_confirm_milestones,
    may_create_plan_for,
    may_edit_plan,
    plans_visible_to,
    programmes_visible_to,
    runs_plan,
    sees_programmes_menu,
)
from medtalent.programs.models import PlanStatus, Programme, TrainingPlan
from medtalent.programs.services import plans as services
from medtalent.programs.tests.factories import draft_plan, submitted_assessment

pytestmark = pytest.mark.django_db


@pytest.fixture
def users(
    world: World,
    personas: dict[str, User],
    school_mentor_user: User,
    peer_senior_user: User,
    other_mentor_user: User,
) -> dict[str, User]:
    """Every persona, the trainee's school mentor, a peer senior who coaches the trainee, a mentor of
    another trainee, the trainee's primary (research) mentor and a mentor whose link ended."""
    primary_person = PersonFactory(name_latin="Primary Mentor", institution=world.hospital)
    former_person = PersonFactory(name_latin="Former Mentor", institution=world.hospital)
    primary = UserFactory(username="primary_mentor", person=primary_person)
    MentorshipFactory(mentor=primary_person, mentee=world.trainee_person, kind=Mentorship.Kind.PRIMARY)
    former = UserFactory(username="former_mentor", person=former_person)
    MentorshipFactory(
        mentor=former_person,
        mentee=world.trainee_person,
        kind=Mentorship.Kind.HOSPITAL,
        start_date=datetime.date(2023, 9, 1),
        end_date=datetime.date(2024, 8, 31),
    )
    for user in (primary, former):
        RoleAssignmentFactory(user=user, role=Role.MENTOR, institution=world.hospital)
    return {
        **personas,
        "school_mentor": school_mentor_user,
        "peer_senior": peer_senior_user,
        "other_mentor": other_mentor_user,
        "primary_mentor": primary,
        "former_mentor": former,
    }


# (sees the plan, may change it, may confirm milestones, may close it, may start a plan for the trainee)
ROWS = {
    "trainee": (True, True, False, False, False),
    "mentor": (True, True, True, False, True),  # the hospital mentor
    "school_mentor": (True, True, True, False, True),
    "primary_mentor": (True, False, False, False, True),  # a current mentor who does not sign
    "former_mentor": (False, False, False, False, False),
    "peer_senior": (False, False, False, False, False),
    "other_mentor": (False, False, False, False, False),
    "officer": (True, True, False, True, True),  # programme officer of the university
    # officer of the hospital: not the programme's institution, but the trainee's
    "talent_officer": (True, True, False, True, True),
    "outsider": (False, False, False, False, False),  # programme officer of another institution
    "teacher": (False, False, False, False, False),
    "head": (False, False, False, False, False),
    "leader": (False, False, False, False, False),
    "admin": (True, True, False, True, True),
}


@pytest.mark.parametrize("who", sorted(ROWS))
def test_who_sees_changes_confirms_closes_and_starts_plans(
    who: str,
    world: World,
    users: dict[str, User],
    active_plan: TrainingPlan,
    programmes: dict[str, Programme],
) -> None:
    sees, edits, confirms, closes, starts = ROWS[who]
    user = users[who]
    milestone = active_plan.milestones.get(template__code="research-proposal")

    assert plans_visible_to(user).filter(pk=active_plan.pk).exists() is sees
    if sees:
        assert get_plan_for_user(user, active_plan.pk) == active_plan
        assert get_milestone_for_user(user, milestone.pk) == milestone
    else:
        with pytest.raises(Http404):
            get_plan_for_user(user, active_plan.pk)
        with pytest.raises(Http404):
            get_milestone_for_user(user, milestone.pk)
    assert may_edit_plan(user, active_plan) is edits
    assert may_confirm_milestones(user, active_plan) is confirms
    assert runs_plan(user, active_plan) is closes
    assert may_create_plan_for(user, world.trainee_person) is starts


@pytest.mark.parametrize("who", sorted(name for name, row in ROWS.items() if not row[1]))
def test_the_services_refuse_whoever_may_not_change_the_plan(
    who: str, users: dict[str, User], active_plan: TrainingPlan
) -> None:
    user = users[who]
    milestone = active_plan.milestones.get(template__code="research-proposal")
    stage = milestone.stage

    with pytest.raises(ForbiddenError) as update:
        services.plan_update(
            actor=user, plan=active_plan, expected_version=active_plan.version, goals="Mine now"
        )
    assert str(update.value.message) == "You may not change this plan."
    with pytest.raises(ForbiddenError):
        services.plan_milestone_update(actor=user, milestone=milestone, expected_version=1, note="Mine")
    with pytest.raises(ForbiddenError):
        services.plan_milestone_add(
            actor=user,
            plan=active_plan,
            expected_version=active_plan.version,
            stage=stage,
            name="Extra",
            due_date=datetime.date(2027, 1, 31),
        )
    with pytest.raises(ForbiddenError):
        services.plan_stage_update(
            actor=user, stage=stage, start_date=stage.start_date, end_date=stage.end_date
        )
    with pytest.raises(ForbiddenError):
        services.plan_close(
            actor=user,
            plan=active_plan,
            expected_version=active_plan.version,
            status="withdrawn",
            reason="Not mine.",
        )
    active_plan.refresh_from_db()
    assert (active_plan.goals, active_plan.status, active_plan.revision) == ("", PlanStatus.ACTIVE, 1)


@pytest.mark.parametrize("who", sorted(name for name, row in ROWS.items() if not row[4]))
def test_plan_create_refuses_whoever_may_not_start_one(
    who: str, world: World, users: dict[str, User], programmes: dict[str, Programme]
) -> None:
    with pytest.raises(ForbiddenError) as refused:
        draft_plan(actor=users[who], programme=programmes["career"], person=world.trainee_person)
    assert str(refused.value.message) == "You may not start a plan for this person."
    assert TrainingPlan.objects.count() == 0


def test_an_officer_of_the_trainees_hospital_starts_and_follows_a_plan_in_the_universitys_programme(
    world: World, personas: dict[str, User], school_mentor_user: User, programmes: dict[str, Programme]
) -> None:
    # The hospital's talent officer manages the trainee; the programme is the university's. The plan is
    # theirs to follow all the same: officers see the plans of everybody they manage.
    talent_officer = personas["talent_officer"]
    assert not plans_visible_to(talent_officer).exists()

    plan = draft_plan(
        actor=talent_officer, programme=programmes["practice_research"], person=world.trainee_person
    )
    assert get_plan_for_user(talent_officer, plan.pk) == plan
    assert runs_plan(talent_officer, plan) is True
    assert get_plan_for_user(personas["officer"], plan.pk) == plan


def test_a_mentor_starts_a_plan_for_a_mentee_only(
    world: World, users: dict[str, User], programmes: dict[str, Programme]
) -> None:
    plan = draft_plan(actor=users["mentor"], programme=programmes["career"], person=world.trainee_person)
    assert (plan.school_mentor_id, plan.hospital_mentor_id) == (
        users["school_mentor"].person_id,
        world.mentor_person.pk,
    )
    assert get_plan_for_user(users["mentor"], plan.pk) == plan

    with pytest.raises(ForbiddenError):
        draft_plan(actor=users["mentor"], programme=programmes["career"], person=world.other_trainee)


def test_signers_are_the_trainees_current_mentors_unless_an_officer_names_them(
    world: World, users: dict[str, User], active_plan: TrainingPlan, programmes: dict[str, Programme]
) -> None:
    # The trainee cannot make a colleague of their choice a signer of their own plan.
    with pytest.raises(ValidationError) as stranger:
        services.plan_update(
            actor=users["trainee"],
            plan=active_plan,
            expected_version=active_plan.version,
            school_mentor=world.officer_person,
        )
    assert stranger.value.message_dict == {"school_mentor": ["Choose one of the trainee's current mentors."]}
    with pytest.raises(ValidationError):
        services.plan_update(
            actor=users["mentor"],
            plan=active_plan,
            expected_version=active_plan.version,
            hospital_mentor=users["former_mentor"].person,
        )
    # The same mentors again are no change at all (the edit page always sends both).
    services.plan_update(
        actor=users["trainee"],
        plan=active_plan,
        expected_version=active_plan.version,
        school_mentor=active_plan.school_mentor,
        hospital_mentor=active_plan.hospital_mentor,
    )
    assert TrainingPlan.objects.get(pk=active_plan.pk).revision == 1
    # A current (primary) mentor may be chosen; an officer names anyone.
    services.plan_update(
        actor=users["trainee"],
        plan=active_plan,
        expected_version=active_plan.version,
        school_mentor=users["primary_mentor"].person,
    )
    active_plan.refresh_from_db()
    services.plan_update(
        actor=users["officer"],
        plan=active_plan,
        expected_version=active_plan.version,
        hospital_mentor=world.foreign_faculty,
    )
    active_plan.refresh_from_db()
    assert (active_plan.school_mentor_id, active_plan.hospital_mentor_id, active_plan.revision) == (
        users["primary_mentor"].person_id,
        world.foreign_faculty.pk,
        3,
    )
    with pytest.raises(ValidationError) as on_create:
        draft_plan(
            actor=users["mentor"],
            programme=programmes["career"],
            person=world.trainee_person,
            school_mentor=world.officer_person,
        )
    assert on_create.value.message_dict == {"school_mentor": ["Choose one of the trainee's current mentors."]}


def test_a_mentor_sees_only_their_mentees_plans(
    world: World, users: dict[str, User], active_plan: TrainingPlan, programmes: dict[str, Programme]
) -> None:
    others = draft_plan(
        actor=users["officer"],
        programme=programmes["career"],
        person=world.other_trainee,
        school_mentor=world.officer_person,
        hospital_mentor=users["other_mentor"].person,
    )

    def names(who: str) -> list[str]:
        return sorted(plans_visible_to(users[who]).values_list("person__name_latin", flat=True))

    assert names("mentor") == ["Trainee"]
    assert names("school_mentor") == ["Trainee"]
    assert names("other_mentor") == ["Other Trainee"]
    assert names("trainee") == ["Trainee"]
    assert names("officer") == ["Other Trainee", "Trainee"]
    assert names("admin") == ["Other Trainee", "Trainee"]
    assert names("outsider") == []
    assert names("peer_senior") == []
    with pytest.raises(Http404):
        get_plan_for_user(users["mentor"], others.pk)


def test_evidence_is_reached_through_its_plan(
    world: World, users: dict[str, User], active_plan: TrainingPlan
) -> None:
    assessment = submitted_assessment(world.trainee_person, world.cardiology)
    milestone = active_plan.milestones.get(template__code="first-year-assessments")
    evidence = services.milestone_evidence_add(
        actor=users["trainee"], milestone=milestone, kind="assessment", record_id=assessment.pk
    )

    assert get_evidence_for_user(users["school_mentor"], evidence.pk) == evidence
    for who in ("outsider", "peer_senior", "teacher", "other_mentor"):
        with pytest.raises(Http404):
            get_evidence_for_user(users[who], evidence.pk)


def test_programmes_are_seen_across_the_institution_family(
    users: dict[str, User], programmes: dict[str, Programme]
) -> None:
    seen = {who: programmes_visible_to(user).count() for who, user in users.items()}

    assert seen == {
        "admin": 4,
        "officer": 4,
        "talent_officer": 4,  # the hospital belongs to the university
        "head": 4,
        "mentor": 4,
        "teacher": 4,
        "trainee": 4,
        "leader": 4,
        "outsider": 0,
        "school_mentor": 4,
        "peer_senior": 4,
        "other_mentor": 4,
        "primary_mentor": 4,
        "former_mentor": 4,
    }


def test_the_menu_shows_for_officers_mentors_and_trainees(
    users: dict[str, User], active_plan: TrainingPlan
) -> None:
    # Decided from the roles alone (the menu is drawn on every page): a mentor without a plan to follow
    # sees an empty list rather than costing every page a query.
    shown = sorted(who for who, user in users.items() if sees_programmes_menu(user))
    expected = {"admin", "officer", "talent_officer", "outsider"}
    expected |= {
        who for who, user in users.items() if user.role_assignments.filter(role__in=["mentor", "trainee"])
    }
    assert shown == sorted(expected)
    assert {"trainee", "mentor", "school_mentor"} <= set(shown)
    assert not {"teacher", "head", "leader"} & set(shown)


def test_anonymous_users_see_nothing(active_plan: TrainingPlan, programmes: dict[str, Programme]) -> None:
    from django.contrib.auth.models import AnonymousUser

    anonymous: Any = AnonymousUser()
    assert not plans_visible_to(anonymous).exists()
    assert not programmes_visible_to(anonymous).exists()
    assert may_edit_plan(anonymous, active_plan) is False
    with pytest.raises(Http404):
        get_plan_for_user(anonymous, active_plan.pk)
    with pytest.raises(Http404):
        get_milestone_for_user(anonymous, active_plan.milestones.first().pk)
