"""Shared persona fixtures: one world with two institutions, and a user for every role in it.

The world (``world``):
- university ``uni`` with affiliated hospital ``hospital``; ``other`` is an unrelated institution;
- ``cardiology`` at the hospital, ``surgery`` at the hospital;
- ``mentor_person`` (faculty, hospital) mentors ``trainee_person`` (professional master, home department
  cardiology) as hospital mentor; ``other_trainee`` (hospital, surgery) has no link to the mentor;
- ``foreign_trainee`` and ``foreign_faculty`` belong to ``other``.
Personas (``personas``): admin, officer, talent_officer, head (cardiology), mentor, teacher (cardiology),
trainee, leader, outsider (programme officer at ``other``).
"""

import datetime
from dataclasses import dataclass
from typing import Any

import pytest

from medtalent.people.models import Institution, Mentorship, Person, Role, User
from medtalent.people.tests.factories import (
    DepartmentFactory,
    FacultyProfileFactory,
    InstitutionFactory,
    MentorshipFactory,
    PersonFactory,
    RoleAssignmentFactory,
    TraineeProfileFactory,
    UserFactory,
)


@dataclass
class World:
    uni: Institution
    hospital: Institution
    other: Institution
    cardiology: Any
    surgery: Any
    mentor_person: Person
    teacher_person: Person
    head_person: Person
    officer_person: Person
    trainee_person: Person
    other_trainee: Person
    foreign_trainee: Person
    foreign_faculty: Person
    mentorship: Mentorship


@pytest.fixture(autouse=True)
def _uploads_in_a_temporary_folder(settings: Any, tmp_path_factory: Any) -> None:
    """Uploaded files (imports) go to a folder of the test's own, never to ./var."""
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": tmp_path_factory.mktemp("media")},
        },
    }


@pytest.fixture
def world(db: Any) -> World:
    uni = InstitutionFactory(code="uni", name_zh="医科大学", name_en="Medical University", kind="university")
    hospital = InstitutionFactory(
        code="hospital", name_zh="附属医院", name_en="Affiliated Hospital", parent=uni
    )
    other = InstitutionFactory(code="other", name_zh="其他医院", name_en="Other Hospital")
    cardiology = DepartmentFactory(
        institution=hospital, code="cardiology", name_zh="心血管内科", name_en="Cardiology"
    )
    surgery = DepartmentFactory(
        institution=hospital, code="surgery", name_zh="普通外科", name_en="General Surgery"
    )

    def faculty(name: str, institution: Institution, department: Any = None) -> Person:
        person = PersonFactory(name_latin=name, name_zh=name, institution=institution, department=department)
        FacultyProfileFactory(person=person)
        return person

    def trainee(name: str, institution: Institution, department: Any) -> Person:
        person = PersonFactory(name_latin=name, name_zh=name, institution=institution)
        TraineeProfileFactory(person=person, institution=institution, department=department)
        return person

    mentor_person = faculty("Mentor", hospital, cardiology)
    teacher_person = faculty("Teacher", hospital, cardiology)
    head_person = faculty("Head", hospital, cardiology)
    officer_person = faculty("Officer", uni)
    trainee_person = trainee("Trainee", hospital, cardiology)
    other_trainee = trainee("Other Trainee", hospital, surgery)
    foreign_trainee = trainee("Foreign Trainee", other, None)
    foreign_faculty = faculty("Foreign Faculty", other)
    mentorship = MentorshipFactory(
        mentor=mentor_person,
        mentee=trainee_person,
        kind=Mentorship.Kind.HOSPITAL,
        start_date=datetime.date(2024, 9, 1),
    )
    return World(
        uni,
        hospital,
        other,
        cardiology,
        surgery,
        mentor_person,
        teacher_person,
        head_person,
        officer_person,
        trainee_person,
        other_trainee,
        foreign_trainee,
        foreign_faculty,
        mentorship,
    )


PERSONA_NAMES = (
    "admin",
    "officer",
    "talent_officer",
    "head",
    "mentor",
    "teacher",
    "trainee",
    "leader",
    "outsider",
)


@pytest.fixture
def personas(world: World) -> dict[str, User]:
    def user(
        username: str,
        role: str,
        institution: Institution,
        department: Any = None,
        person: Person | None = None,
    ) -> User:
        account = UserFactory(username=username, person=person, email=f"{username}@example.edu.cn")
        RoleAssignmentFactory(user=account, role=role, institution=institution, department=department)
        return account

    admin = user("admin", Role.PLATFORM_ADMIN, world.uni)
    admin.is_staff = True
    admin.save()
    return {
        "admin": admin,
        "officer": user("officer", Role.PROGRAMME_OFFICER, world.uni, person=world.officer_person),
        "talent_officer": user("talent_officer", Role.TALENT_OFFICER, world.hospital),
        "head": user("head", Role.DEPARTMENT_HEAD, world.hospital, world.cardiology, world.head_person),
        "mentor": user("mentor", Role.MENTOR, world.hospital, person=world.mentor_person),
        "teacher": user(
            "teacher", Role.CLINICAL_TEACHER, world.hospital, world.cardiology, world.teacher_person
        ),
        "trainee": user("trainee", Role.TRAINEE, world.hospital, person=world.trainee_person),
        "leader": user("leader", Role.LEADER, world.uni),
        "outsider": user("outsider", Role.PROGRAMME_OFFICER, world.other, person=world.foreign_faculty),
    }
