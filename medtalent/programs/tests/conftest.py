"""Programme fixtures: the persona world plus a second (school) mentor for the trainee, and the four
shipped templates loaded at the university."""

import datetime
from typing import Any

import pytest

from medtalent.people.models import Mentorship, Role
from medtalent.people.tests.factories import MentorshipFactory, RoleAssignmentFactory, UserFactory
from medtalent.programs.models import Programme
from medtalent.programs.services.programmes import programme_templates_load

TODAY = datetime.date(2026, 11, 22)


@pytest.fixture(autouse=True)
def _english(settings: Any) -> None:
    settings.LANGUAGE_CODE = "en"


@pytest.fixture
def school_mentor(world: Any, personas: dict[str, Any]) -> Any:
    """``world.officer_person`` (faculty at the university) is also the trainee's school mentor."""
    MentorshipFactory(
        mentor=world.officer_person,
        mentee=world.trainee_person,
        kind=Mentorship.Kind.SCHOOL,
        start_date=datetime.date(2024, 9, 1),
    )
    return personas["officer"]


@pytest.fixture
def school_mentor_user(world: Any) -> Any:
    """A school mentor who is not an officer: a faculty member of the university with a mentor login."""
    from medtalent.people.tests.factories import FacultyProfileFactory, PersonFactory

    person = PersonFactory(name_latin="School Mentor", name_zh="校内导师", institution=world.uni)
    FacultyProfileFactory(person=person)
    MentorshipFactory(
        mentor=person,
        mentee=world.trainee_person,
        kind=Mentorship.Kind.SCHOOL,
        start_date=datetime.date(2024, 9, 1),
    )
    user = UserFactory(username="school_mentor", person=person)
    RoleAssignmentFactory(user=user, role=Role.MENTOR, institution=world.uni)
    return user


@pytest.fixture
def programmes(world: Any) -> dict[str, Programme]:
    loaded = programme_templates_load(actor=None, institution=world.uni)
    return {programme.system: programme for programme in loaded}


@pytest.fixture
def peer_senior_user(world: Any) -> Any:
    """A senior student who coaches the trainee (a peer-senior link): a fellow student, not a mentor."""
    from medtalent.people.tests.factories import PersonFactory, TraineeProfileFactory

    person = PersonFactory(name_latin="Peer Senior", name_zh="高年级同学", institution=world.hospital)
    TraineeProfileFactory(person=person, institution=world.hospital, department=world.cardiology)
    MentorshipFactory(
        mentor=person,
        mentee=world.trainee_person,
        kind=Mentorship.Kind.PEER_SENIOR,
        start_date=datetime.date(2024, 9, 1),
    )
    user = UserFactory(username="peer_senior", person=person)
    RoleAssignmentFactory(user=user, role=Role.TRAINEE, institution=world.hospital)
    return user


@pytest.fixture
def other_mentor_user(world: Any) -> Any:
    """A hospital mentor of ``other_trainee``, with no link to the persona trainee."""
    from medtalent.people.tests.factories import FacultyProfileFactory, PersonFactory

    person = PersonFactory(name_latin="Other Mentor", name_zh="其他导师", institution=world.hospital)
    FacultyProfileFactory(person=person)
    MentorshipFactory(
        mentor=person,
        mentee=world.other_trainee,
        kind=Mentorship.Kind.HOSPITAL,
        start_date=datetime.date(2024, 9, 1),
    )
    user = UserFactory(username="other_mentor", person=person)
    RoleAssignmentFactory(user=user, role=Role.MENTOR, institution=world.hospital)
    return user


@pytest.fixture
def active_plan(world: Any, personas: dict[str, Any], school_mentor_user: Any, programmes: Any) -> Any:
    """The persona trainee's plan in the professional master's programme (System D), started
    2025-09-01, sent by the officer and signed by the school mentor, then the hospital mentor."""
    from medtalent.programs.tests.factories import active_plan as make_active_plan

    return make_active_plan(
        actor=personas["officer"],
        school=school_mentor_user,
        hospital=personas["mentor"],
        programme=programmes["practice_research"],
        person=world.trainee_person,
    )
