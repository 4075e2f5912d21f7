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
