"""The permission matrix: persona × operation × object, over the JSON API and the pages.

Every cell is written out. The rules it encodes (``access.py`` and the brief):
- a trainee sees their own records; a mentor sees their mentees'; a department head sees the trainees
  rotating in their department and the department's staff; a clinical teacher sees the trainees of
  their department;
- officers see and manage everybody in their institution family; leaders see cards, never records;
- faculty cards are visible to everybody in the institution family;
- nobody sees another institution's people, let alone their private records;
- the full national ID goes only to administrators and officers in scope; other private viewers get
  it masked (first 3 characters, asterisks, last 4).

"Leaks nothing": a hidden person answers 404 and the body names neither them nor their national ID;
a visible-but-not-private person comes with birth date, contacts and national ID withheld.
Forbidden writes answer 403 or 404 and change neither the row nor the audit trail; allowed writes
answer 2xx and write exactly one audit event.
"""

import datetime
import json
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import models
from django.test import Client

from medtalent.conftest import PERSONA_NAMES, World
from medtalent.core.models import AuditEvent
from medtalent.people.models import Mentorship, Person, User
from medtalent.people.national_id import mask_national_id
from medtalent.people.services import api_token_create
from medtalent.people.tests.factories import MentorshipFactory, make_national_id

FULL = "full"  # private records and the full national ID
MASKED = "masked"  # private records, national ID masked
CARD = "card"  # the card only: name, institution, department, titles
HIDDEN = "hidden"  # 404, nothing about them at all

PERSONAS = PERSONA_NAMES

# --- the world, with names that appear nowhere else on a page ---------------------------------------

NAMES = {
    "mentor_person": ("穆导师", "Muriel Mentorly"),
    "teacher_person": ("谭教师", "Tancred Teachwell"),
    "head_person": ("何主任", "Hester Headley"),
    "officer_person": ("欧干事", "Oswin Officery"),
    "trainee_person": ("孟学员", "Menelaus Menteeson"),
    "other_trainee": ("奥外科", "Otto Surgeonby"),
    "foreign_trainee": ("符远学", "Fulvia Farlearner"),
    "foreign_faculty": ("方远师", "Fabian Farteacher"),
}

# The objects of the matrix, by the world attribute that holds them.
TARGETS = {
    "mentee": "trainee_person",  # the mentor's mentee; the trainee persona's own record
    "other_trainee": "other_trainee",  # hospital trainee in surgery, linked to nobody
    "faculty": "teacher_person",  # hospital faculty in cardiology; the teacher persona's own record
    "mentor_faculty": "mentor_person",  # the trainee's hospital mentor; the mentor persona's own record
    "uni_faculty": "officer_person",  # university faculty; the officer persona's own record
    "foreign_trainee": "foreign_trainee",  # another institution's trainee
    "foreign_faculty": "foreign_faculty",  # another institution's faculty; the outsider's own record
}


@dataclass
class Matrix:
    world: World
    personas: dict[str, User]
    people: dict[str, Person]
    mentorships: dict[str, Mentorship]


@pytest.fixture
def matrix(world: World, personas: dict[str, User]) -> Matrix:
    for attribute, (name_zh, name_latin) in NAMES.items():
        person = getattr(world, attribute)
        person.name_zh, person.name_latin = name_zh, name_latin
        person.save(update_fields=["name_zh", "name_latin"])
    foreign_mentorship = MentorshipFactory(
        mentor=world.foreign_faculty,
        mentee=world.foreign_trainee,
        kind=Mentorship.Kind.SCHOOL,
        start_date=datetime.date(2024, 9, 1),
    )
    return Matrix(
        world=world,
        personas=personas,
        people={key: getattr(world, attribute) for key, attribute in TARGETS.items()},
        mentorships={"mentorship": world.mentorship, "foreign_mentorship": foreign_mentorship},
    )


# --- expected outcomes -------------------------------------------------------------------------------

READ = {
    "mentee": {
        "admin": FULL,
        "officer": FULL,
        "talent_officer": FULL,
        "head": MASKED,
        "mentor": MASKED,
        "teacher": MASKED,
        "trainee": MASKED,
        "leader": CARD,
        "outsider": HIDDEN,
    },
    "other_trainee": {
        "admin": FULL,
        "officer": FULL,
        "talent_officer": FULL,
        "head": HIDDEN,
        "mentor": HIDDEN,
        "teacher": HIDDEN,
        "trainee": HIDDEN,
        "leader": CARD,
        "outsider": HIDDEN,
    },
    "faculty": {
        "admin": FULL,
        "officer": FULL,
        "talent_officer": FULL,
        "head": MASKED,
        "mentor": CARD,
        "teacher": MASKED,
        "trainee": CARD,
        "leader": CARD,
        "outsider": HIDDEN,
    },
    "mentor_faculty": {
        "admin": FULL,
        "officer": FULL,
        "talent_officer": FULL,
        "head": MASKED,
        "mentor": MASKED,
        "teacher": CARD,
        "trainee": CARD,
        "leader": CARD,
        "outsider": HIDDEN,
    },
    "uni_faculty": {
        "admin": FULL,
        "officer": FULL,
        "talent_officer": CARD,
        "head": CARD,
        "mentor": CARD,
        "teacher": CARD,
        "trainee": CARD,
        "leader": CARD,
        "outsider": HIDDEN,
    },
    "foreign_trainee": {
        "admin": FULL,
        "officer": HIDDEN,
        "talent_officer": HIDDEN,
        "head": HIDDEN,
        "mentor": HIDDEN,
        "teacher": HIDDEN,
        "trainee": HIDDEN,
        "leader": HIDDEN,
        "outsider": FULL,
    },
    "foreign_faculty": {
        "admin": FULL,
        "officer": HIDDEN,
        "talent_officer": HIDDEN,
        "head": HIDDEN,
        "mentor": HIDDEN,
        "teacher": HIDDEN,
        "trainee": HIDDEN,
        "leader": HIDDEN,
        "outsider": FULL,
    },
}

# How many people GET /api/v1/people lists: the world's eight, head_person (not a matrix target) included.
# Which ones, and with which private flag, follows READ: the list and the detail must agree.
EXPECTED_LIST_SIZES = {
    "admin": 8,
    "officer": 6,
    "talent_officer": 6,
    "head": 5,
    "mentor": 5,
    "teacher": 5,
    "trainee": 5,
    "leader": 6,
    "outsider": 2,
}

# PATCH /api/v1/people/{id} with a contact field (phone): managers, and the person themselves.
PATCH_CONTACTS = {
    "mentee": {
        "admin": 200,
        "officer": 200,
        "talent_officer": 200,
        "head": 403,
        "mentor": 403,
        "teacher": 403,
        "trainee": 200,
        "leader": 403,
        "outsider": 404,
    },
    "other_trainee": {
        "admin": 200,
        "officer": 200,
        "talent_officer": 200,
        "head": 404,
        "mentor": 404,
        "teacher": 404,
        "trainee": 404,
        "leader": 403,
        "outsider": 404,
    },
    "faculty": {
        "admin": 200,
        "officer": 200,
        "talent_officer": 200,
        "head": 403,
        "mentor": 403,
        "teacher": 200,
        "trainee": 403,
        "leader": 403,
        "outsider": 404,
    },
    "foreign_trainee": {
        "admin": 200,
        "officer": 404,
        "talent_officer": 404,
        "head": 404,
        "mentor": 404,
        "teacher": 404,
        "trainee": 404,
        "leader": 404,
        "outsider": 200,
    },
}

# PATCH /api/v1/people/{id} with a name: managers only. A person may change only their own contacts,
# so the trainee changing their own name is a forbidden write (403), like every other one.
PATCH_NAME = {
    "mentee": {
        "admin": 200,
        "officer": 200,
        "talent_officer": 200,
        "head": 403,
        "mentor": 403,
        "teacher": 403,
        "trainee": 403,
        "leader": 403,
        "outsider": 404,
    },
    "foreign_trainee": {
        "admin": 200,
        "officer": 404,
        "talent_officer": 404,
        "head": 404,
        "mentor": 404,
        "teacher": 404,
        "trainee": 404,
        "leader": 404,
        "outsider": 200,
    },
}

# DELETE /api/v1/people/{id}: administrators only.
DELETE_PERSON = {
    "mentee": {
        "admin": 204,
        "officer": 403,
        "talent_officer": 403,
        "head": 403,
        "mentor": 403,
        "teacher": 403,
        "trainee": 403,
        "leader": 403,
        "outsider": 404,
    },
    "other_trainee": {
        "admin": 204,
        "officer": 403,
        "talent_officer": 403,
        "head": 404,
        "mentor": 404,
        "teacher": 404,
        "trainee": 404,
        "leader": 403,
        "outsider": 404,
    },
    "foreign_trainee": {
        "admin": 204,
        "officer": 404,
        "talent_officer": 404,
        "head": 404,
        "mentor": 404,
        "teacher": 404,
        "trainee": 404,
        "leader": 404,
        "outsider": 403,
    },
}

# POST /api/v1/mentorships: (mentor, mentee) -> status.
# Officers managing the mentee may; both people must be visible to them.
NEW_MENTORSHIPS = {
    "teacher_for_other_trainee": ("faculty", "other_trainee"),
    "uni_faculty_for_mentee": ("uni_faculty", "mentee"),
    "foreign_for_foreign": ("foreign_faculty", "foreign_trainee"),
    "foreign_mentor_for_mentee": ("foreign_faculty", "mentee"),
}
CREATE_MENTORSHIP = {
    "teacher_for_other_trainee": {
        "admin": 201,
        "officer": 201,
        "talent_officer": 201,
        "head": 404,
        "mentor": 404,
        "teacher": 404,
        "trainee": 404,
        "leader": 403,
        "outsider": 404,
    },
    "uni_faculty_for_mentee": {
        "admin": 201,
        "officer": 201,
        "talent_officer": 201,
        "head": 403,
        "mentor": 403,
        "teacher": 403,
        "trainee": 403,
        "leader": 403,
        "outsider": 404,
    },
    "foreign_for_foreign": {
        "admin": 201,
        "officer": 404,
        "talent_officer": 404,
        "head": 404,
        "mentor": 404,
        "teacher": 404,
        "trainee": 404,
        "leader": 404,
        "outsider": 201,
    },
    "foreign_mentor_for_mentee": {
        "admin": 201,
        "officer": 404,
        "talent_officer": 404,
        "head": 404,
        "mentor": 404,
        "teacher": 404,
        "trainee": 404,
        "leader": 404,
        "outsider": 404,
    },
}

# GET /api/v1/mentorships/{id}: a mentorship is part of the mentee's private records (and the mentor's own).
READ_MENTORSHIP = {
    "mentorship": {
        "admin": 200,
        "officer": 200,
        "talent_officer": 200,
        "head": 200,
        "mentor": 200,
        "teacher": 200,
        "trainee": 200,
        "leader": 404,
        "outsider": 404,
    },
    "foreign_mentorship": {
        "admin": 200,
        "officer": 404,
        "talent_officer": 404,
        "head": 404,
        "mentor": 404,
        "teacher": 404,
        "trainee": 404,
        "leader": 404,
        "outsider": 200,
    },
}

# PATCH /api/v1/mentorships/{id}: officers managing the mentee.
PATCH_MENTORSHIP = {
    "mentorship": {
        "admin": 200,
        "officer": 200,
        "talent_officer": 200,
        "head": 403,
        "mentor": 403,
        "teacher": 403,
        "trainee": 403,
        "leader": 404,
        "outsider": 404,
    },
    "foreign_mentorship": {
        "admin": 200,
        "officer": 404,
        "talent_officer": 404,
        "head": 404,
        "mentor": 404,
        "teacher": 404,
        "trainee": 404,
        "leader": 404,
        "outsider": 200,
    },
}

# /people/<id>/edit/: managers edit everything, a person their own contacts.
PAGE_EDIT = {
    "mentee": {
        "admin": 200,
        "officer": 200,
        "talent_officer": 200,
        "head": 403,
        "mentor": 403,
        "teacher": 403,
        "trainee": 200,
        "leader": 403,
        "outsider": 404,
    },
    "other_trainee": {
        "admin": 200,
        "officer": 200,
        "talent_officer": 200,
        "head": 404,
        "mentor": 404,
        "teacher": 404,
        "trainee": 404,
        "leader": 403,
        "outsider": 404,
    },
    "faculty": {
        "admin": 200,
        "officer": 200,
        "talent_officer": 200,
        "head": 403,
        "mentor": 403,
        "teacher": 200,
        "trainee": 403,
        "leader": 403,
        "outsider": 404,
    },
    "foreign_trainee": {
        "admin": 200,
        "officer": 404,
        "talent_officer": 404,
        "head": 404,
        "mentor": 404,
        "teacher": 404,
        "trainee": 404,
        "leader": 404,
        "outsider": 200,
    },
}

# /people/<id>/mentorships/new/: officers managing the mentee.
PAGE_MENTORSHIP_ADD = {
    "mentee": {
        "admin": 200,
        "officer": 200,
        "talent_officer": 200,
        "head": 403,
        "mentor": 403,
        "teacher": 403,
        "trainee": 403,
        "leader": 403,
        "outsider": 404,
    },
    "other_trainee": {
        "admin": 200,
        "officer": 200,
        "talent_officer": 200,
        "head": 404,
        "mentor": 404,
        "teacher": 404,
        "trainee": 404,
        "leader": 403,
        "outsider": 404,
    },
    "foreign_trainee": {
        "admin": 200,
        "officer": 404,
        "talent_officer": 404,
        "head": 404,
        "mentor": 404,
        "teacher": 404,
        "trainee": 404,
        "leader": 404,
        "outsider": 200,
    },
}

PAGE_AUDIT = {
    "admin": 200,
    "officer": 403,
    "talent_officer": 403,
    "head": 403,
    "mentor": 403,
    "teacher": 403,
    "trainee": 403,
    "leader": 403,
    "outsider": 403,
}

# Department pages are open to every signed-in user; the people on them are filtered.
DEPARTMENT_PEOPLE = {
    "cardiology": {
        "admin": {"faculty", "mentor_faculty", "head", "mentee"},
        "officer": {"faculty", "mentor_faculty", "head", "mentee"},
        "talent_officer": {"faculty", "mentor_faculty", "head", "mentee"},
        "head": {"faculty", "mentor_faculty", "head", "mentee"},
        "mentor": {"faculty", "mentor_faculty", "head", "mentee"},
        "teacher": {"faculty", "mentor_faculty", "head", "mentee"},
        "trainee": {"faculty", "mentor_faculty", "head", "mentee"},
        "leader": {"faculty", "mentor_faculty", "head", "mentee"},
        "outsider": set(),
    },
    "surgery": {
        "admin": {"other_trainee"},
        "officer": {"other_trainee"},
        "talent_officer": {"other_trainee"},
        "head": set(),
        "mentor": set(),
        "teacher": set(),
        "trainee": set(),
        "leader": {"other_trainee"},
        "outsider": set(),
    },
}


def cells(table: dict[str, dict[str, Any]]) -> list[Any]:
    for row, outcomes in table.items():
        assert set(outcomes) == set(PERSONAS), f"row {row} must decide every persona"
    return [pytest.param(row, persona, id=f"{row}-{persona}") for row in table for persona in PERSONAS]


# --- helpers -----------------------------------------------------------------------------------------


def session_client(user: User) -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE="en")
    client.force_login(user)
    return client


def token_client(user: User) -> Client:
    _token, raw = api_token_create(actor=user, name="matrix")
    return Client(HTTP_ACCEPT_LANGUAGE="en", HTTP_AUTHORIZATION=f"Bearer {raw}")


def api_client(user: User, transport: str) -> Client:
    return session_client(user) if transport == "session" else token_client(user)


def send_json(client: Client, method: str, url: str, payload: dict[str, Any]) -> Any:
    return getattr(client, method)(url, data=json.dumps(payload), content_type="application/json")


def row_of(instance: models.Model) -> dict[str, Any]:
    fresh = type(instance)._default_manager.get(pk=instance.pk)
    return {field.attname: getattr(fresh, field.attname) for field in fresh._meta.concrete_fields}


def secrets_of(person: Person) -> dict[str, str]:
    """Private values of a person as they would appear in a body."""
    return {
        "national_id": person.national_id,
        "masked_national_id": mask_national_id(person.national_id),
        "email": person.email,
        "phone": person.phone,
        "birth_date": person.birth_date.isoformat(),
    }


def assert_names_absent(body: str, person: Person) -> None:
    assert person.name_zh not in body
    assert person.name_latin not in body


def assert_nothing_private(body: str, person: Person) -> None:
    for value in secrets_of(person).values():
        assert value not in body


def assert_forbidden_write_changed_nothing(
    response: Any, expected: int, instance: models.Model, before: dict[str, Any], audit_count: int
) -> None:
    assert response.status_code == expected
    assert response.json()["detail"]
    assert row_of(instance) == before
    assert AuditEvent.objects.count() == audit_count


def new_audit_events(audit_count: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.order_by("id")[audit_count:])


# --- reads over the API ------------------------------------------------------------------------------


@pytest.mark.parametrize(("target", "persona"), cells(READ))
def test_api_get_person(matrix: Matrix, target: str, persona: str) -> None:
    person = matrix.people[target]
    response = session_client(matrix.personas[persona]).get(f"/api/v1/people/{person.pk}")
    level = READ[target][persona]
    body = response.content.decode()

    if level == HIDDEN:
        assert response.status_code == 404
        assert response.json() == {"detail": "Not found, or you may not see it."}
        assert_names_absent(body, person)
        assert_nothing_private(body, person)
        return

    assert response.status_code == 200
    data = response.json()
    assert data["id"] == person.pk
    assert data["name_latin"] == person.name_latin
    assert data["institution_id"] == person.institution_id
    if level == CARD:
        assert data["private_visible"] is False
        assert (data["birth_date"], data["email"], data["phone"], data["national_id"]) == (
            None,
            None,
            None,
            None,
        )
        assert data["trainee_profiles"] == []
        assert_nothing_private(body, person)
        return

    assert data["private_visible"] is True
    assert data["birth_date"] == person.birth_date.isoformat()
    assert data["email"] == person.email
    assert data["phone"] == person.phone
    assert data["trainee_profiles"] == [
        {
            "id": profile.pk,
            "level": profile.level,
            "institution_id": profile.institution_id,
            "department_id": profile.department_id,
            "cohort": profile.cohort,
            "specialty": profile.specialty,
            "student_number": profile.student_number,
            "status": profile.status,
            "start_date": profile.start_date.isoformat(),
            "end_date": None,
        }
        for profile in person.trainee_profiles.order_by("start_date")
    ]
    masked = mask_national_id(person.national_id)
    assert masked == person.national_id[:3] + "*" * 11 + person.national_id[-4:]
    if level == FULL:
        assert data["national_id"] == person.national_id
    else:
        assert data["national_id"] == masked
        assert person.national_id not in body


@pytest.mark.parametrize("persona", PERSONAS)
def test_api_list_people_agrees_with_detail(matrix: Matrix, persona: str) -> None:
    response = session_client(matrix.personas[persona]).get("/api/v1/people?page_size=100")
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == EXPECTED_LIST_SIZES[persona]
    by_id = {item["id"]: item for item in data["items"]}
    for target, person in matrix.people.items():
        level = READ[target][persona]
        if level == HIDDEN:
            assert person.pk not in by_id
            assert_names_absent(response.content.decode(), person)
            continue
        item = by_id[person.pk]
        assert item["private_visible"] is (level in (FULL, MASKED))
        expected_id = {FULL: person.national_id, MASKED: mask_national_id(person.national_id), CARD: None}[
            level
        ]
        assert item["national_id"] == expected_id
        if level == CARD:
            assert (item["birth_date"], item["email"], item["phone"]) == (None, None, None)
        else:
            assert (item["birth_date"], item["email"], item["phone"]) == (
                person.birth_date.isoformat(),
                person.email,
                person.phone,
            )


# --- reads over the pages ----------------------------------------------------------------------------


@pytest.mark.parametrize(("target", "persona"), cells(READ))
def test_page_person_detail(matrix: Matrix, target: str, persona: str) -> None:
    person = matrix.people[target]
    response = session_client(matrix.personas[persona]).get(f"/people/{person.pk}/")
    level = READ[target][persona]
    body = response.content.decode()
    if level == HIDDEN:
        assert response.status_code == 404
        assert_names_absent(body, person)
        assert_nothing_private(body, person)
        return
    assert response.status_code == 200
    assert person.name_zh in body
    if level == CARD:
        assert_nothing_private(body, person)
        assert 'data-field="national_id"' not in body
        assert 'id="training-history"' not in body
        return
    assert person.email in body
    assert person.birth_date.isoformat() in body
    if level == FULL:
        assert f'data-field="national_id">{person.national_id}</dd>' in body
    else:
        assert f'data-field="national_id">{mask_national_id(person.national_id)}</dd>' in body
        assert person.national_id not in body


@pytest.mark.parametrize("persona", ["trainee", "teacher", "head"])
def test_page_mentor_does_not_name_mentees_the_viewer_may_not_see(matrix: Matrix, persona: str) -> None:
    """These personas see the mentor (card or records) but not the mentor's other mentee (404 for them)."""
    MentorshipFactory(
        mentor=matrix.world.mentor_person,
        mentee=matrix.world.other_trainee,
        kind=Mentorship.Kind.SCHOOL,
        start_date=datetime.date(2024, 9, 1),
    )
    viewer = session_client(matrix.personas[persona])
    assert viewer.get(f"/people/{matrix.world.other_trainee.pk}/").status_code == 404

    response = viewer.get(f"/people/{matrix.world.mentor_person.pk}/")

    assert response.status_code == 200
    body = response.content.decode()
    assert_names_absent(body, matrix.world.other_trainee)
    assert f"/people/{matrix.world.other_trainee.pk}/" not in body


@pytest.mark.parametrize(("department", "persona"), cells(DEPARTMENT_PEOPLE))
def test_page_department_lists_only_visible_people(matrix: Matrix, department: str, persona: str) -> None:
    world = matrix.world
    shown = {**matrix.people, "head": world.head_person}
    response = session_client(matrix.personas[persona]).get(f"/departments/{getattr(world, department).pk}/")
    assert response.status_code == 200
    body = response.content.decode()
    listed = {key for key, person in shown.items() if f'data-person-id="{person.pk}"' in body}
    assert listed == DEPARTMENT_PEOPLE[department][persona]
    viewer_person_id = matrix.personas[persona].person_id
    for key, person in shown.items():
        if key not in listed and person.pk != viewer_person_id:  # the menu names the viewer
            assert_names_absent(body, person)
        assert_nothing_private(body, person)


@pytest.mark.parametrize("persona", PERSONAS)
def test_page_audit(matrix: Matrix, persona: str) -> None:
    response = session_client(matrix.personas[persona]).get("/audit/")
    assert response.status_code == PAGE_AUDIT[persona]


@pytest.mark.parametrize(
    "url",
    [
        "/people/{pk}/",
        "/people/{pk}/edit/",
        "/people/{pk}/mentorships/new/",
        "/departments/{dept}/",
        "/audit/",
    ],
)
def test_pages_send_anonymous_visitors_to_sign_in(matrix: Matrix, url: str) -> None:
    path = url.format(pk=matrix.world.trainee_person.pk, dept=matrix.world.cardiology.pk)
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"] == f"/accounts/login/?next={path}"


# --- writes over the API -----------------------------------------------------------------------------

TRANSPORTS = ["session", "token"]


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize(("target", "persona"), cells(PATCH_CONTACTS))
def test_api_patch_person_contacts(matrix: Matrix, target: str, persona: str, transport: str) -> None:
    person = matrix.people[target]
    client = api_client(matrix.personas[persona], transport)
    before, audit_count = row_of(person), AuditEvent.objects.count()

    response = send_json(
        client, "patch", f"/api/v1/people/{person.pk}", {"version": 1, "phone": "13900000000"}
    )

    expected = PATCH_CONTACTS[target][persona]
    if expected != 200:
        assert_forbidden_write_changed_nothing(response, expected, person, before, audit_count)
        assert_nothing_private(response.content.decode(), person)
        return
    assert response.status_code == 200
    assert response.json()["phone"] == "13900000000"
    assert response.json()["version"] == 2
    after = row_of(person)
    # The phone is now marked as changed by hand: a later import leaves it alone.
    assert after == {
        **before,
        "phone": "13900000000",
        "version": 2,
        "updated_at": after["updated_at"],
        "manually_edited_fields": ["phone"],
    }
    events = new_audit_events(audit_count)
    assert [(event.action, event.target_id, event.changes) for event in events] == [
        ("person.update", str(person.pk), {"phone": [before["phone"], "13900000000"]})
    ]
    assert events[0].actor_id == matrix.personas[persona].pk


@pytest.mark.parametrize(("target", "persona"), cells(PATCH_NAME))
def test_api_patch_person_name(matrix: Matrix, target: str, persona: str) -> None:
    person = matrix.people[target]
    client = session_client(matrix.personas[persona])
    before, audit_count = row_of(person), AuditEvent.objects.count()

    response = send_json(
        client, "patch", f"/api/v1/people/{person.pk}", {"version": 1, "name_latin": "Renamed"}
    )

    expected = PATCH_NAME[target][persona]
    if expected != 200:
        assert_forbidden_write_changed_nothing(response, expected, person, before, audit_count)
        return
    assert response.status_code == 200
    assert row_of(person)["name_latin"] == "Renamed"
    assert [(event.action, event.changes) for event in new_audit_events(audit_count)] == [
        ("person.update", {"name_latin": [before["name_latin"], "Renamed"]})
    ]


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize(("target", "persona"), cells(DELETE_PERSON))
def test_api_delete_person(matrix: Matrix, target: str, persona: str, transport: str) -> None:
    person = matrix.people[target]
    client = api_client(matrix.personas[persona], transport)
    before, audit_count = row_of(person), AuditEvent.objects.count()

    response = client.delete(f"/api/v1/people/{person.pk}")

    expected = DELETE_PERSON[target][persona]
    if expected != 204:
        assert_forbidden_write_changed_nothing(response, expected, person, before, audit_count)
        return
    assert response.status_code == 204
    assert not Person.objects.filter(pk=person.pk).exists()
    assert [(event.action, event.target_id) for event in new_audit_events(audit_count)] == [
        ("person.delete", str(person.pk))
    ]


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize(("case", "persona"), cells(CREATE_MENTORSHIP))
def test_api_create_mentorship(matrix: Matrix, case: str, persona: str, transport: str) -> None:
    mentor_key, mentee_key = NEW_MENTORSHIPS[case]
    mentor, mentee = matrix.people[mentor_key], matrix.people[mentee_key]
    client = api_client(matrix.personas[persona], transport)
    mentorships_before = sorted(Mentorship.objects.values_list("pk", flat=True))
    mentee_before, audit_count = row_of(mentee), AuditEvent.objects.count()

    response = send_json(
        client,
        "post",
        "/api/v1/mentorships",
        {"mentor_id": mentor.pk, "mentee_id": mentee.pk, "kind": "primary", "start_date": "2025-03-01"},
    )

    expected = CREATE_MENTORSHIP[case][persona]
    if expected != 201:
        assert_forbidden_write_changed_nothing(response, expected, mentee, mentee_before, audit_count)
        assert sorted(Mentorship.objects.values_list("pk", flat=True)) == mentorships_before
        return
    assert response.status_code == 201
    created = Mentorship.objects.get(pk=response.json()["id"])
    assert (created.mentor_id, created.mentee_id, created.kind, created.start_date, created.end_date) == (
        mentor.pk,
        mentee.pk,
        "primary",
        datetime.date(2025, 3, 1),
        None,
    )
    assert [(event.action, event.target_id) for event in new_audit_events(audit_count)] == [
        ("mentorship.create", str(created.pk))
    ]


@pytest.mark.parametrize(("target", "persona"), cells(READ_MENTORSHIP))
def test_api_get_mentorship(matrix: Matrix, target: str, persona: str) -> None:
    mentorship = matrix.mentorships[target]
    response = session_client(matrix.personas[persona]).get(f"/api/v1/mentorships/{mentorship.pk}")
    expected = READ_MENTORSHIP[target][persona]
    assert response.status_code == expected
    if expected == 404:
        assert_names_absent(response.content.decode(), mentorship.mentee)
        return
    assert response.json() == {
        "id": mentorship.pk,
        "version": 1,
        "mentor_id": mentorship.mentor_id,
        "mentor_name": mentorship.mentor.name_latin,
        "mentee_id": mentorship.mentee_id,
        "mentee_name": mentorship.mentee.name_latin,
        "kind": mentorship.kind,
        "start_date": "2024-09-01",
        "end_date": None,
        "note": "",
    }


@pytest.mark.parametrize("persona", PERSONAS)
def test_api_list_mentorships_agrees_with_detail(matrix: Matrix, persona: str) -> None:
    response = session_client(matrix.personas[persona]).get("/api/v1/mentorships")
    assert response.status_code == 200
    listed = {item["id"] for item in response.json()["items"]}
    expected = {
        mentorship.pk
        for key, mentorship in matrix.mentorships.items()
        if READ_MENTORSHIP[key][persona] == 200
    }
    assert listed == expected
    assert response.json()["count"] == len(expected)


@pytest.mark.parametrize("transport", TRANSPORTS)
@pytest.mark.parametrize(("target", "persona"), cells(PATCH_MENTORSHIP))
def test_api_patch_mentorship(matrix: Matrix, target: str, persona: str, transport: str) -> None:
    mentorship = matrix.mentorships[target]
    client = api_client(matrix.personas[persona], transport)
    before, audit_count = row_of(mentorship), AuditEvent.objects.count()

    response = send_json(
        client, "patch", f"/api/v1/mentorships/{mentorship.pk}", {"version": 1, "note": "Weekly"}
    )

    expected = PATCH_MENTORSHIP[target][persona]
    if expected != 200:
        assert_forbidden_write_changed_nothing(response, expected, mentorship, before, audit_count)
        return
    assert response.status_code == 200
    assert (response.json()["note"], response.json()["version"]) == ("Weekly", 2)
    assert (row_of(mentorship)["note"], row_of(mentorship)["version"]) == ("Weekly", 2)
    assert [(event.action, event.changes) for event in new_audit_events(audit_count)] == [
        ("mentorship.update", {"note": ["", "Weekly"]})
    ]


def test_api_session_write_without_csrf_token_is_refused(matrix: Matrix) -> None:
    person = matrix.world.trainee_person
    client = Client(HTTP_ACCEPT_LANGUAGE="en", enforce_csrf_checks=True)
    client.force_login(matrix.personas["officer"])
    before, audit_count = row_of(person), AuditEvent.objects.count()

    response = send_json(
        client, "patch", f"/api/v1/people/{person.pk}", {"version": 1, "phone": "13900000000"}
    )

    assert_forbidden_write_changed_nothing(response, 403, person, before, audit_count)
    assert response.json() == {"detail": "You may not do this (check the CSRF token, or use an API token)."}


def test_api_officer_cannot_move_a_person_into_an_institution_outside_their_scope(matrix: Matrix) -> None:
    """Moving a hospital person to ``other`` would hand their private records to ``other``'s officer."""
    person = matrix.world.teacher_person
    client = session_client(matrix.personas["talent_officer"])
    before, audit_count = row_of(person), AuditEvent.objects.count()

    response = send_json(
        client,
        "patch",
        f"/api/v1/people/{person.pk}",
        {"version": 1, "institution_id": matrix.world.other.pk, "department_id": None},
    )

    assert_forbidden_write_changed_nothing(response, 403, person, before, audit_count)
    assert session_client(matrix.personas["outsider"]).get(f"/api/v1/people/{person.pk}").status_code == 404


def test_api_officer_cannot_start_a_stage_at_an_institution_outside_their_scope(matrix: Matrix) -> None:
    """A stage at ``other`` would likewise make the person ``other``'s, private records and all."""
    person = matrix.world.other_trainee
    client = session_client(matrix.personas["talent_officer"])
    profiles_before = [row_of(profile) for profile in person.trainee_profiles.order_by("pk")]
    audit_count = AuditEvent.objects.count()

    response = send_json(
        client,
        "post",
        f"/api/v1/people/{person.pk}/trainee-profiles",
        {
            "level": "resident",
            "institution_id": matrix.world.other.pk,
            "cohort": 2027,
            "start_date": "2027-09-01",
        },
    )

    assert response.status_code == 403
    assert [row_of(profile) for profile in person.trainee_profiles.order_by("pk")] == profiles_before
    assert AuditEvent.objects.count() == audit_count
    assert session_client(matrix.personas["outsider"]).get(f"/api/v1/people/{person.pk}").status_code == 404


def test_api_search_does_not_match_private_fields_the_viewer_may_not_see(matrix: Matrix) -> None:
    """Searching by e-mail must not confirm the e-mail of somebody whose contacts are withheld."""
    person = matrix.world.other_trainee
    leader = session_client(matrix.personas["leader"])
    card = leader.get(f"/api/v1/people/{person.pk}").json()
    assert (card["private_visible"], card["email"]) == (False, None)

    response = leader.get("/api/v1/people", {"q": person.email})

    assert response.status_code == 200
    assert response.json() == {"items": [], "count": 0}
    officer_hits = (
        session_client(matrix.personas["officer"]).get("/api/v1/people", {"q": person.email}).json()
    )
    assert [item["id"] for item in officer_hits["items"]] == [person.pk]


def test_audit_trail_never_stores_a_full_national_id(matrix: Matrix) -> None:
    person = matrix.world.other_trainee
    old_id = person.national_id
    new_id = make_national_id(datetime.date(1949, 12, 31), 2, region="110105")
    client = session_client(matrix.personas["officer"])
    audit_count = AuditEvent.objects.count()

    # The ID carries the birth date, so a new ID comes with its birth date.
    response = send_json(
        client,
        "patch",
        f"/api/v1/people/{person.pk}",
        {"version": 1, "national_id": new_id, "birth_date": "1949-12-31"},
    )

    assert response.status_code == 200
    assert response.json()["national_id"] == new_id
    events = new_audit_events(audit_count)
    assert [(event.action, event.changes) for event in events] == [
        (
            "person.update",
            {
                "birth_date": [person.birth_date.isoformat(), "1949-12-31"],
                "national_id": [mask_national_id(old_id), new_id[:3] + "*" * 11 + new_id[-4:]],
            },
        )
    ]
    assert new_id not in json.dumps(events[0].changes)


# --- writes over the pages ---------------------------------------------------------------------------


@pytest.mark.parametrize(("target", "persona"), cells(PAGE_EDIT))
def test_page_person_edit(matrix: Matrix, target: str, persona: str) -> None:
    person = matrix.people[target]
    client = session_client(matrix.personas[persona])
    expected = PAGE_EDIT[target][persona]

    response = client.get(f"/people/{person.pk}/edit/")

    assert response.status_code == expected
    body = response.content.decode()
    if expected == 404:
        assert_names_absent(body, person)
    if expected != 200:
        assert_nothing_private(body, person)
        return
    manages = READ[target][persona] == FULL
    assert ('name="national_id"' in body) is manages
    assert ('name="name_latin"' in body) is manages
    assert 'name="phone"' in body
    if not manages:
        assert person.national_id not in body


@pytest.mark.parametrize(("target", "persona"), cells(PAGE_EDIT))
def test_page_person_edit_post(matrix: Matrix, target: str, persona: str) -> None:
    person = matrix.people[target]
    client = session_client(matrix.personas[persona])
    expected = PAGE_EDIT[target][persona]
    before, audit_count = row_of(person), AuditEvent.objects.count()
    manages = READ[target][persona] == FULL
    form = {"version": "1", "email": before["email"], "phone": "13911112222"}
    if manages:
        form.update(
            name_zh=before["name_zh"],
            name_latin=before["name_latin"],
            gender=before["gender"],
            birth_date=before["birth_date"].isoformat(),
            national_id=before["national_id"],
            institution=str(before["institution_id"]),
            department=str(before["department_id"] or ""),
        )

    response = client.post(f"/people/{person.pk}/edit/", form)

    if expected != 200:
        assert response.status_code == expected
        assert row_of(person) == before
        assert AuditEvent.objects.count() == audit_count
        return
    assert response.status_code == 302
    assert response["Location"] == f"/people/{person.pk}/"
    after = row_of(person)
    # The phone is now marked as changed by hand: a later import leaves it alone.
    assert after == {
        **before,
        "phone": "13911112222",
        "version": 2,
        "updated_at": after["updated_at"],
        "manually_edited_fields": ["phone"],
    }
    assert [(event.action, event.changes) for event in new_audit_events(audit_count)] == [
        ("person.update", {"phone": [before["phone"], "13911112222"]})
    ]


@pytest.mark.parametrize(("target", "persona"), cells(PAGE_MENTORSHIP_ADD))
def test_page_mentorship_add(matrix: Matrix, target: str, persona: str) -> None:
    mentee = matrix.people[target]
    client = session_client(matrix.personas[persona])
    expected = PAGE_MENTORSHIP_ADD[target][persona]

    response = client.get(f"/people/{mentee.pk}/mentorships/new/")

    assert response.status_code == expected
    if expected == 404:
        assert_names_absent(response.content.decode(), mentee)
    if expected != 200:
        return
    assert 'name="mentor"' in response.content.decode()


@pytest.mark.parametrize(("target", "persona"), cells(PAGE_MENTORSHIP_ADD))
def test_page_mentorship_add_post(matrix: Matrix, target: str, persona: str) -> None:
    mentee = matrix.people[target]
    # A mentor every persona allowed on the page can see: the mentee's own institution family's faculty.
    mentor = matrix.world.foreign_faculty if target == "foreign_trainee" else matrix.world.officer_person
    client = session_client(matrix.personas[persona])
    expected = PAGE_MENTORSHIP_ADD[target][persona]
    mentorships_before = sorted(Mentorship.objects.values_list("pk", flat=True))
    audit_count = AuditEvent.objects.count()

    response = client.post(
        f"/people/{mentee.pk}/mentorships/new/",
        {"mentor": str(mentor.pk), "kind": "primary", "start_date": "2025-03-01", "note": ""},
    )

    if expected != 200:
        assert response.status_code == expected
        assert sorted(Mentorship.objects.values_list("pk", flat=True)) == mentorships_before
        assert AuditEvent.objects.count() == audit_count
        return
    assert response.status_code == 302
    created = Mentorship.objects.exclude(pk__in=mentorships_before).get()
    assert (created.mentor_id, created.mentee_id, created.kind) == (mentor.pk, mentee.pk, "primary")
    assert [(event.action, event.target_id) for event in new_audit_events(audit_count)] == [
        ("mentorship.create", str(created.pk))
    ]
