"""The people API: institutions, departments, people, trainee and faculty profiles, mentorships.

CRUD, pagination and filters, bad input (each a clear 4xx with ``{"detail": ...}`` and nothing
changed), authentication (session and bearer token) and the query count of every list endpoint.
Who may do what to whom is ``test_permissions_matrix.py``.
"""

import datetime
import json
from typing import Any

import pytest
from django.db import connection, models
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import translation

from medtalent.conftest import World
from medtalent.core.models import AuditEvent
from medtalent.people.models import (
    Department,
    FacultyProfile,
    Institution,
    Mentorship,
    Person,
    TraineeProfile,
    User,
)
from medtalent.people.national_id import mask_national_id
from medtalent.people.services import api_token_create, api_token_revoke
from medtalent.people.tests.factories import (
    DepartmentFactory,
    FacultyProfileFactory,
    InstitutionFactory,
    MentorshipFactory,
    PersonFactory,
    TraineeProfileFactory,
    make_national_id,
)

NOT_FOUND = {"detail": "Not found, or you may not see it."}
FORBIDDEN = {"detail": "You may not do this."}
UNAUTHENTICATED = {"detail": "Sign in, or send a valid API token."}
INVALID = "Some fields are not valid."


def client_for(user: User | None, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        client.force_login(user)
    return client


def send(client: Client, method: str, url: str, payload: Any) -> Any:
    if method == "get":
        return client.get(url)
    body = payload if isinstance(payload, bytes) else json.dumps(payload)
    return getattr(client, method)(url, data=body, content_type="application/json")


def row_of(instance: models.Model) -> dict[str, Any]:
    fresh = type(instance)._default_manager.get(pk=instance.pk)
    return {field.attname: getattr(fresh, field.attname) for field in fresh._meta.concrete_fields}


def counts() -> dict[str, int]:
    """Every table this API writes to, so "nothing changed" can be asserted in one line."""
    return {
        model.__name__: model.objects.count()
        for model in (Institution, Department, Person, TraineeProfile, FacultyProfile, Mentorship, AuditEvent)
    }


def new_events(audit_count: int) -> list[AuditEvent]:
    return list(AuditEvent.objects.order_by("id")[audit_count:])


@pytest.fixture
def admin(personas: dict[str, User]) -> Client:
    return client_for(personas["admin"])


@pytest.fixture
def officer(personas: dict[str, User]) -> Client:
    return client_for(personas["officer"])


# --- institutions ------------------------------------------------------------------------------


def test_list_institutions(world: World, admin: Client) -> None:
    response = admin.get("/api/v1/institutions")
    assert response.status_code == 200
    data = response.json()
    assert data["count"] == 3
    assert [(item["code"], item["department_count"], item["parent_id"]) for item in data["items"]] == [
        ("hospital", 2, world.uni.pk),
        ("other", 0, None),
        ("uni", 0, None),
    ]
    assert data["items"][0] == {
        "id": world.hospital.pk,
        "code": "hospital",
        "name_zh": "附属医院",
        "name_en": "Affiliated Hospital",
        "name": "Affiliated Hospital",
        "kind": "hospital",
        "parent_id": world.uni.pk,
        "city": "",
        "is_training_base": False,
        "department_count": 2,
    }


def test_list_institutions_filters_by_kind(world: World, admin: Client) -> None:
    response = admin.get("/api/v1/institutions", {"kind": "university"})
    assert [item["code"] for item in response.json()["items"]] == ["uni"]
    assert response.json()["count"] == 1


def test_get_institution_and_unknown_institution(world: World, admin: Client) -> None:
    assert admin.get(f"/api/v1/institutions/{world.uni.pk}").json()["name"] == "Medical University"
    response = admin.get("/api/v1/institutions/999999")
    assert (response.status_code, response.json()) == (404, NOT_FOUND)


def test_create_institution(world: World, admin: Client) -> None:
    audit_count = AuditEvent.objects.count()
    response = send(
        admin,
        "post",
        "/api/v1/institutions",
        {
            "code": "north",
            "name_zh": "北院",
            "name_en": "North Campus",
            "kind": "hospital",
            "parent_id": world.uni.pk,
            "city": "上海",
            "is_training_base": True,
        },
    )
    assert response.status_code == 201
    created = Institution.objects.get(code="north")
    assert response.json() == {
        "id": created.pk,
        "code": "north",
        "name_zh": "北院",
        "name_en": "North Campus",
        "name": "North Campus",
        "kind": "hospital",
        "parent_id": world.uni.pk,
        "city": "上海",
        "is_training_base": True,
        "department_count": 0,
    }
    assert [(event.action, event.target_id) for event in new_events(audit_count)] == [
        ("institution.create", str(created.pk))
    ]


def test_create_institution_is_for_administrators_only(world: World, officer: Client) -> None:
    before = counts()
    response = send(
        officer, "post", "/api/v1/institutions", {"code": "north", "name_zh": "北院", "kind": "hospital"}
    )
    assert (response.status_code, response.json()) == (403, FORBIDDEN)
    assert counts() == before


def test_create_institution_with_duplicate_code(world: World, admin: Client) -> None:
    before = counts()
    response = send(
        admin, "post", "/api/v1/institutions", {"code": "uni", "name_zh": "重复", "kind": "university"}
    )
    assert response.status_code == 422
    assert response.json()["detail"] == INVALID
    assert [error["field"] for error in response.json()["errors"]] == ["code"]
    assert counts() == before


def test_update_institution(world: World, admin: Client) -> None:
    audit_count = AuditEvent.objects.count()
    response = send(
        admin, "patch", f"/api/v1/institutions/{world.other.pk}", {"city": "杭州", "parent_id": world.uni.pk}
    )
    assert response.status_code == 200
    assert (response.json()["city"], response.json()["parent_id"]) == ("杭州", world.uni.pk)
    assert [(event.action, event.changes) for event in new_events(audit_count)] == [
        ("institution.update", {"parent": [None, world.uni.pk], "city": ["", "杭州"]})
    ]


def test_update_institution_refuses_itself_as_parent(world: World, admin: Client) -> None:
    before, before_counts = row_of(world.uni), counts()
    response = send(admin, "patch", f"/api/v1/institutions/{world.uni.pk}", {"parent_id": world.uni.pk})
    assert response.status_code == 400
    assert response.json() == {
        "detail": "An institution cannot be affiliated with itself.",
        "errors": [{"field": "parent", "message": "An institution cannot be affiliated with itself."}],
    }
    assert (row_of(world.uni), counts()) == (before, before_counts)


def test_update_institution_with_unknown_parent(world: World, admin: Client) -> None:
    before, before_counts = row_of(world.other), counts()
    response = send(admin, "patch", f"/api/v1/institutions/{world.other.pk}", {"parent_id": 999999})
    assert (response.status_code, response.json()) == (404, NOT_FOUND)
    assert (row_of(world.other), counts()) == (before, before_counts)


def test_delete_unused_institution(world: World, admin: Client) -> None:
    unused = InstitutionFactory(code="unused")
    audit_count = AuditEvent.objects.count()
    response = admin.delete(f"/api/v1/institutions/{unused.pk}")
    assert response.status_code == 204
    assert not Institution.objects.filter(pk=unused.pk).exists()
    assert [(event.action, event.target_id) for event in new_events(audit_count)] == [
        ("institution.delete", str(unused.pk))
    ]


def test_delete_institution_in_use_is_refused(world: World, admin: Client) -> None:
    before = counts()
    response = admin.delete(f"/api/v1/institutions/{world.hospital.pk}")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "It is still in use (people, departments, profiles or roles refer to it)."
    }
    assert counts() == before


# --- departments -------------------------------------------------------------------------------


def test_list_departments_with_filters(world: World, admin: Client) -> None:
    DepartmentFactory(institution=world.uni, code="anatomy", name_en="Anatomy", kind="teaching_office")
    response = admin.get("/api/v1/departments")
    assert response.json()["count"] == 3
    assert [
        (item["code"], item["institution_name"], item["staff_count"]) for item in response.json()["items"]
    ] == [
        ("cardiology", "Affiliated Hospital", 3),
        ("surgery", "Affiliated Hospital", 0),
        ("anatomy", "Medical University", 0),
    ]
    by_institution = admin.get("/api/v1/departments", {"institution_id": world.uni.pk}).json()
    assert [item["code"] for item in by_institution["items"]] == ["anatomy"]
    by_kind = admin.get("/api/v1/departments", {"kind": "clinical"}).json()
    assert [item["code"] for item in by_kind["items"]] == ["cardiology", "surgery"]


def test_get_department(world: World, admin: Client) -> None:
    response = admin.get(f"/api/v1/departments/{world.cardiology.pk}")
    assert response.json() == {
        "id": world.cardiology.pk,
        "institution_id": world.hospital.pk,
        "institution_name": "Affiliated Hospital",
        "code": "cardiology",
        "name_zh": "心血管内科",
        "name_en": "Cardiology",
        "name": "Cardiology",
        "kind": "clinical",
        "rotation_capacity": 6,
        "staff_count": 3,
        "linked_department_ids": [],
    }
    assert admin.get("/api/v1/departments/999999").status_code == 404


def test_officer_creates_department_in_their_institution_family(world: World, officer: Client) -> None:
    audit_count = AuditEvent.objects.count()
    response = send(
        officer,
        "post",
        "/api/v1/departments",
        {
            "institution_id": world.hospital.pk,
            "code": "neurology",
            "name_zh": "神经内科",
            "name_en": "Neurology",
            "rotation_capacity": 4,
            "linked_department_ids": [world.cardiology.pk],
        },
    )
    assert response.status_code == 201
    created = Department.objects.get(code="neurology")
    assert (response.json()["id"], response.json()["rotation_capacity"], response.json()["kind"]) == (
        created.pk,
        4,
        "clinical",
    )
    assert list(created.linked_departments.values_list("pk", flat=True)) == [world.cardiology.pk]
    assert response.json()["linked_department_ids"] == [world.cardiology.pk]
    events = new_events(audit_count)
    assert [(event.action, event.changes["linked_departments"]) for event in events] == [
        ("department.create", [[], [world.cardiology.pk]])
    ]


@pytest.mark.parametrize("persona", ["talent_officer", "outsider", "head", "leader"])
def test_department_outside_ones_scope_is_refused(
    world: World, personas: dict[str, User], persona: str
) -> None:
    before = counts()
    response = send(
        client_for(personas[persona]),
        "post",
        "/api/v1/departments",
        {
            "institution_id": world.uni.pk,
            "code": "anatomy",
            "name_zh": "解剖",
        },
    )
    assert (response.status_code, response.json()) == (403, FORBIDDEN)
    assert counts() == before


def test_create_department_with_unknown_linked_department(world: World, admin: Client) -> None:
    before = counts()
    response = send(
        admin,
        "post",
        "/api/v1/departments",
        {
            "institution_id": world.hospital.pk,
            "code": "neurology",
            "name_zh": "神经内科",
            "linked_department_ids": [999999],
        },
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "Some linked departments do not exist.",
        "errors": [{"field": "linked_department_ids", "message": "Some linked departments do not exist."}],
    }
    assert counts() == before


def test_create_department_with_out_of_range_linked_department(world: World, admin: Client) -> None:
    before = counts()
    response = send(
        admin,
        "post",
        "/api/v1/departments",
        {
            "institution_id": world.hospital.pk,
            "code": "neurology",
            "name_zh": "神经内科",
            "linked_department_ids": [2**70],
        },
    )
    assert response.status_code in (400, 422)
    assert response.json()["detail"]
    assert counts() == before


def test_update_department(world: World, admin: Client) -> None:
    audit_count = AuditEvent.objects.count()
    response = send(
        admin,
        "patch",
        f"/api/v1/departments/{world.surgery.pk}",
        {
            "name_en": "Surgery",
            "rotation_capacity": 8,
            "linked_department_ids": [world.cardiology.pk],
        },
    )
    assert response.status_code == 200
    assert (response.json()["name"], response.json()["rotation_capacity"]) == ("Surgery", 8)
    assert [(event.action, event.changes) for event in new_events(audit_count)] == [
        (
            "department.update",
            {
                "name_en": ["General Surgery", "Surgery"],
                "rotation_capacity": [6, 8],
                "linked_departments": [[], [world.cardiology.pk]],
            },
        )
    ]


def test_update_department_with_bad_kind_and_capacity(world: World, admin: Client) -> None:
    before = row_of(world.surgery)
    response = send(
        admin, "patch", f"/api/v1/departments/{world.surgery.pk}", {"kind": "ward", "rotation_capacity": -1}
    )
    assert response.status_code == 422
    assert sorted(error["field"] for error in response.json()["errors"]) == ["kind", "rotation_capacity"]
    assert row_of(world.surgery) == before


def test_delete_unused_department(world: World, admin: Client) -> None:
    unused = DepartmentFactory(institution=world.uni, code="unused")
    audit_count = AuditEvent.objects.count()
    assert admin.delete(f"/api/v1/departments/{unused.pk}").status_code == 204
    assert not Department.objects.filter(pk=unused.pk).exists()
    assert [event.action for event in new_events(audit_count)] == ["department.delete"]


def test_delete_department_in_use_is_refused(world: World, admin: Client, personas: dict[str, User]) -> None:
    """Staff, trainee stages and role assignments refer to cardiology: deleting it must not drop them."""
    before = counts()
    head_roles = list(personas["head"].role_assignments.values_list("role", "department_id"))
    response = admin.delete(f"/api/v1/departments/{world.cardiology.pk}")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "It is still in use (people, departments, profiles or roles refer to it)."
    }
    assert counts() == before
    assert row_of(world.mentor_person)["department_id"] == world.cardiology.pk
    assert list(personas["head"].role_assignments.values_list("role", "department_id")) == head_roles


# --- people ------------------------------------------------------------------------------------


def test_create_person(world: World, officer: Client) -> None:
    national_id = make_national_id(datetime.date(2001, 5, 17), 42, region="320102")
    audit_count = AuditEvent.objects.count()
    response = send(
        officer,
        "post",
        "/api/v1/people",
        {
            "name_zh": "李新",
            "name_latin": "Li Xin",
            "gender": "male",
            "national_id": national_id,
            "email": "li.xin@example.edu.cn",
            "phone": "13812345678",
            "institution_id": world.hospital.pk,
            "department_id": world.surgery.pk,
        },
    )
    assert response.status_code == 201
    created = Person.objects.get(name_latin="Li Xin")
    assert response.json() == {
        "id": created.pk,
        "version": 1,
        "name_zh": "李新",
        "name_latin": "Li Xin",
        "display_name": "Li Xin",
        "gender": "male",
        "institution_id": world.hospital.pk,
        "institution_name": "Affiliated Hospital",
        "department_id": world.surgery.pk,
        "department_name": "General Surgery",
        "faculty": None,
        "level": None,
        "private_visible": True,
        "birth_date": "2001-05-17",
        "email": "li.xin@example.edu.cn",
        "phone": "13812345678",
        "national_id": national_id,
        "trainee_profiles": [],
    }
    events = new_events(audit_count)
    assert [(event.action, event.target_id) for event in events] == [("person.create", str(created.pk))]
    assert events[0].changes["national_id"] == [None, mask_national_id(national_id)]
    assert events[0].changes["birth_date"] == [None, "2001-05-17"]


def test_create_person_outside_ones_institutions_is_refused(world: World, personas: dict[str, User]) -> None:
    before = counts()
    response = send(
        client_for(personas["talent_officer"]),
        "post",
        "/api/v1/people",
        {
            "name_latin": "Li Xin",
            "institution_id": world.uni.pk,
        },
    )
    assert (response.status_code, response.json()) == (403, FORBIDDEN)
    assert counts() == before


def test_create_person_with_department_of_another_institution(world: World, officer: Client) -> None:
    before = counts()
    response = send(
        officer,
        "post",
        "/api/v1/people",
        {
            "name_latin": "Li Xin",
            "institution_id": world.uni.pk,
            "department_id": world.cardiology.pk,
        },
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "The department belongs to another institution.",
        "errors": [{"field": "department", "message": "The department belongs to another institution."}],
    }
    assert counts() == before


@pytest.mark.parametrize("field", ["institution_id", "department_id"])
def test_create_person_with_unknown_ids(world: World, officer: Client, field: str) -> None:
    before = counts()
    payload = {"name_latin": "Li Xin", "institution_id": world.hospital.pk, field: 999999}
    response = send(officer, "post", "/api/v1/people", payload)
    assert (response.status_code, response.json()) == (404, NOT_FOUND)
    assert counts() == before


def test_create_person_without_a_name(world: World, officer: Client) -> None:
    before = counts()
    response = send(officer, "post", "/api/v1/people", {"institution_id": world.hospital.pk})
    assert response.status_code == 422
    assert response.json()["detail"] == INVALID
    assert len(response.json()["errors"]) == 1
    assert counts() == before


def test_malformed_json_body(world: World, officer: Client) -> None:
    before = counts()
    response = send(officer, "post", "/api/v1/people", b'{"name_latin": "Li Xin", ')
    assert (response.status_code, response.json()) == (400, {"detail": "The request body is not valid JSON."})
    assert counts() == before


def test_json_body_that_is_not_an_object(world: World, officer: Client) -> None:
    before = counts()
    response = send(officer, "post", "/api/v1/people", [1, 2])
    assert response.status_code == 422
    assert response.json() == {
        "detail": INVALID,
        "errors": [{"field": "", "message": "A JSON object is required."}],
    }
    assert counts() == before


def test_wrong_types_name_the_fields(world: World, officer: Client) -> None:
    before = counts()
    response = send(
        officer,
        "post",
        "/api/v1/people",
        {
            "name_latin": "Li Xin",
            "institution_id": "the hospital",
            "birth_date": "yesterday",
            "gender": "x",
        },
    )
    assert response.status_code == 422
    assert response.json()["detail"] == INVALID
    assert sorted((error["field"], error["message"]) for error in response.json()["errors"]) == [
        ("birth_date", "A date is required, as YYYY-MM-DD."),
        ("gender", "Choose one of: 'female', 'male' or 'unspecified'."),
        ("institution_id", "A whole number is required."),
    ]
    assert counts() == before


def test_over_long_strings(world: World, officer: Client) -> None:
    before = counts()
    response = send(
        officer,
        "post",
        "/api/v1/people",
        {
            "name_latin": "L" * 121,
            "phone": "1" * 31,
            "institution_id": world.hospital.pk,
        },
    )
    assert response.status_code == 422
    assert sorted((error["field"], error["message"]) for error in response.json()["errors"]) == [
        ("name_latin", "At most 120 characters."),
        ("phone", "At most 30 characters."),
    ]
    assert counts() == before


def test_extra_unknown_fields(world: World, officer: Client) -> None:
    before = counts()
    response = send(
        officer,
        "post",
        "/api/v1/people",
        {
            "name_latin": "Li Xin",
            "institution_id": world.hospital.pk,
            "nickname": "Xiao Li",
        },
    )
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "nickname", "message": "This field is not accepted."}]
    assert counts() == before


def test_national_id_with_wrong_check_digit(world: World, officer: Client) -> None:
    valid = make_national_id(datetime.date(2001, 5, 17), 42)
    wrong = valid[:17] + ("0" if valid[17] != "0" else "1")
    before = counts()
    response = send(
        officer,
        "post",
        "/api/v1/people",
        {
            "name_latin": "Li Xin",
            "institution_id": world.hospital.pk,
            "national_id": wrong,
        },
    )
    assert response.status_code == 422
    assert response.json() == {
        "detail": INVALID,
        "errors": [
            {
                "field": "national_id",
                "message": "The ID number's check digit is wrong: please check it for a typing error.",
            }
        ],
    }
    assert counts() == before


def test_national_id_with_wrong_check_digit_in_chinese(world: World, personas: dict[str, User]) -> None:
    english = "The ID number's check digit is wrong: please check it for a typing error."
    with translation.override("zh-hans"):
        chinese = translation.gettext(english)
        chinese_invalid = translation.gettext(INVALID)
    assert chinese != english, "the zh-hans catalogue must translate the check-digit message"
    valid = make_national_id(datetime.date(2001, 5, 17), 42)
    before = counts()
    response = send(
        client_for(personas["officer"], language="zh-hans"),
        "post",
        "/api/v1/people",
        {
            "name_latin": "Li Xin",
            "institution_id": world.hospital.pk,
            "national_id": valid[:17] + "Y",
        },
    )
    assert response.status_code == 422
    assert response.json()["detail"] == chinese_invalid
    response = send(
        client_for(personas["officer"], language="zh-hans"),
        "post",
        "/api/v1/people",
        {
            "name_latin": "Li Xin",
            "institution_id": world.hospital.pk,
            "national_id": valid[:17] + ("0" if valid[17] != "0" else "1"),
        },
    )
    assert response.status_code == 422
    assert response.json() == {
        "detail": chinese_invalid,
        "errors": [{"field": "national_id", "message": chinese}],
    }
    assert counts() == before


def test_blank_national_ids_do_not_collide(world: World, officer: Client) -> None:
    """A national ID of only spaces means "none": two such people are not duplicates."""
    first = send(
        officer,
        "post",
        "/api/v1/people",
        {
            "name_latin": "First",
            "institution_id": world.hospital.pk,
            "national_id": "   ",
        },
    )
    second = send(
        officer,
        "post",
        "/api/v1/people",
        {
            "name_latin": "Second",
            "institution_id": world.hospital.pk,
            "national_id": " ",
        },
    )
    assert (first.status_code, second.status_code) == (201, 201)
    assert (first.json()["national_id"], second.json()["national_id"]) == (None, None)
    assert list(
        Person.objects.filter(name_latin__in=["First", "Second"]).values_list("national_id", flat=True)
    ) == [
        None,
        None,
    ]


def test_nul_characters_are_refused(world: World, officer: Client) -> None:
    """PostgreSQL cannot store NUL in text: the API must refuse it, not fail on one database only."""
    before = counts()
    response = send(
        officer, "post", "/api/v1/people", {"name_latin": "Li\x00Xin", "institution_id": world.hospital.pk}
    )
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["name_latin"]
    assert counts() == before


def test_update_person(world: World, officer: Client) -> None:
    person = world.other_trainee
    audit_count = AuditEvent.objects.count()
    response = send(
        officer,
        "patch",
        f"/api/v1/people/{person.pk}",
        {
            "version": 1,
            "name_zh": "欧阳",
            "department_id": world.surgery.pk,
        },
    )
    assert response.status_code == 200
    assert (response.json()["name_zh"], response.json()["department_id"], response.json()["version"]) == (
        "欧阳",
        world.surgery.pk,
        2,
    )
    assert [(event.action, event.changes) for event in new_events(audit_count)] == [
        ("person.update", {"name_zh": ["Other Trainee", "欧阳"], "department": [None, world.surgery.pk]})
    ]


def test_stale_version_is_a_conflict_and_changes_nothing(world: World, officer: Client) -> None:
    person = world.other_trainee
    assert (
        send(
            officer, "patch", f"/api/v1/people/{person.pk}", {"version": 1, "phone": "13900000001"}
        ).status_code
        == 200
    )
    before, before_counts = row_of(person), counts()

    response = send(officer, "patch", f"/api/v1/people/{person.pk}", {"version": 1, "phone": "13900000002"})

    assert response.status_code == 409
    assert response.json() == {
        "detail": "Someone else changed this record after you opened it. Nothing was saved: reload the page "
        "to see their changes, then make yours again.",
        "expected_version": 1,
    }
    assert (row_of(person), counts()) == (before, before_counts)
    assert before["phone"] == "13900000001"


def test_patch_without_version_is_refused(world: World, officer: Client) -> None:
    before = row_of(world.other_trainee)
    response = send(officer, "patch", f"/api/v1/people/{world.other_trainee.pk}", {"phone": "13900000001"})
    assert response.status_code == 422
    assert response.json()["errors"] == [{"field": "version", "message": "This field is required."}]
    assert row_of(world.other_trainee) == before


def test_patch_unknown_person(world: World, officer: Client) -> None:
    before = counts()
    response = send(officer, "patch", "/api/v1/people/999999", {"version": 1, "phone": "1"})
    assert (response.status_code, response.json()) == (404, NOT_FOUND)
    assert counts() == before


def test_delete_person_who_mentors_others_is_refused(world: World, admin: Client) -> None:
    before = counts()
    response = admin.delete(f"/api/v1/people/{world.mentor_person.pk}")
    assert response.status_code == 400
    assert response.json() == {
        "detail": "This person mentors others: end or reassign those mentorships first."
    }
    assert counts() == before


# --- listing people: pagination and filters ---------------------------------------------------


def names(response: Any) -> list[str]:
    return [item["name_latin"] for item in response.json()["items"]]


def test_people_pagination(world: World, admin: Client) -> None:
    first = admin.get("/api/v1/people", {"page_size": 3})
    assert (first.json()["count"], names(first)) == (8, ["Foreign Faculty", "Foreign Trainee", "Head"])
    second = admin.get("/api/v1/people", {"page": 2, "page_size": 3})
    assert (second.json()["count"], names(second)) == (8, ["Mentor", "Officer", "Other Trainee"])
    last = admin.get("/api/v1/people", {"page": 3, "page_size": 3})
    assert names(last) == ["Teacher", "Trainee"]
    beyond = admin.get("/api/v1/people", {"page": 4, "page_size": 3})
    assert beyond.json() == {"items": [], "count": 8}


@pytest.mark.parametrize(("params", "field"), [({"page": 0}, "page"), ({"page_size": 0}, "page_size")])
def test_people_pagination_bad_values(
    world: World, admin: Client, params: dict[str, int], field: str
) -> None:
    response = admin.get("/api/v1/people", params)
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == [field]


@pytest.fixture
def resident(world: World) -> Person:
    person = PersonFactory(name_latin="Resident Ren", name_zh="任住院", institution=world.hospital)
    TraineeProfileFactory(
        person=person,
        level="resident",
        cohort=2023,
        institution=world.hospital,
        department=world.surgery,
        student_number="R2023-007",
    )
    return person


@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({"q": "trainee"}, ["Foreign Trainee", "Other Trainee", "Trainee"]),
        ({"q": "任住院"}, ["Resident Ren"]),
        ({"q": "R2023-007"}, ["Resident Ren"]),
        ({"level": "resident"}, ["Resident Ren"]),
        ({"level": "professional_master"}, ["Foreign Trainee", "Other Trainee", "Trainee"]),
        ({"cohort": 2023}, ["Resident Ren"]),
        ({"cohort": 2024}, ["Foreign Trainee", "Other Trainee", "Trainee"]),
        ({"kind": "faculty"}, ["Foreign Faculty", "Head", "Mentor", "Officer", "Teacher"]),
        ({"kind": "trainee"}, ["Foreign Trainee", "Other Trainee", "Resident Ren", "Trainee"]),
        ({"institution_id": "other"}, ["Foreign Faculty", "Foreign Trainee"]),
        ({"kind": "trainee", "institution_id": "hospital"}, ["Other Trainee", "Resident Ren", "Trainee"]),
        ({"q": "nobody-is-called-this"}, []),
    ],
)
def test_people_filters(
    world: World, admin: Client, resident: Person, params: dict[str, Any], expected: list[str]
) -> None:
    if "institution_id" in params:
        params = {**params, "institution_id": getattr(world, params["institution_id"]).pk}
    response = admin.get("/api/v1/people", params)
    assert response.status_code == 200
    assert (names(response), response.json()["count"]) == (expected, len(expected))


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"level": "professor"}, "level"),
        ({"kind": "robot"}, "kind"),
        ({"cohort": "recent"}, "cohort"),
        ({"q": "x" * 101}, "q"),
    ],
)
def test_people_filters_bad_values(world: World, admin: Client, params: dict[str, str], field: str) -> None:
    response = admin.get("/api/v1/people", params)
    assert response.status_code == 422
    assert response.json()["detail"] == INVALID
    assert [error["field"] for error in response.json()["errors"]] == [field]


@pytest.mark.parametrize(
    ("url", "param"),
    [
        ("/api/v1/people", "institution_id"),
        ("/api/v1/people", "department_id"),
        ("/api/v1/people", "page"),
        ("/api/v1/departments", "institution_id"),
        ("/api/v1/mentorships", "mentor_id"),
        ("/api/v1/mentorships", "mentee_id"),
    ],
)
def test_list_filters_with_out_of_range_numbers(world: World, admin: Client, url: str, param: str) -> None:
    """An ID beyond 64 bits matches nothing: an empty page or a 422, never a server error or a 409."""
    response = admin.get(url, {param: 2**70})
    assert response.status_code in (200, 422)
    if response.status_code == 200:
        assert response.json()["items"] == []
    else:
        assert [error["field"] for error in response.json()["errors"]] == [param]


# --- trainee profiles --------------------------------------------------------------------------


def test_new_trainee_profile_moves_the_person_up_a_level(world: World, officer: Client) -> None:
    person = world.trainee_person
    previous = person.trainee_profiles.get()
    audit_count = AuditEvent.objects.count()

    response = send(
        officer,
        "post",
        f"/api/v1/people/{person.pk}/trainee-profiles",
        {
            "level": "doctoral",
            "institution_id": world.hospital.pk,
            "department_id": world.cardiology.pk,
            "cohort": 2027,
            "specialty": "心血管病学",
            "student_number": "D2027-001",
            "start_date": "2027-09-01",
        },
    )

    assert response.status_code == 201
    created = TraineeProfile.objects.get(pk=response.json()["id"])
    assert response.json() == {
        "id": created.pk,
        "level": "doctoral",
        "institution_id": world.hospital.pk,
        "department_id": world.cardiology.pk,
        "cohort": 2027,
        "specialty": "心血管病学",
        "student_number": "D2027-001",
        "status": "active",
        "start_date": "2027-09-01",
        "end_date": None,
    }
    previous.refresh_from_db()
    assert (previous.status, previous.end_date) == ("completed", datetime.date(2027, 8, 31))
    assert [(event.action, event.target_id) for event in new_events(audit_count)] == [
        ("trainee_profile.complete", str(previous.pk)),
        ("trainee_profile.create", str(created.pk)),
    ]
    detail = officer.get(f"/api/v1/people/{person.pk}").json()
    assert detail["level"] == "doctoral"
    assert [(stage["level"], stage["status"], stage["end_date"]) for stage in detail["trainee_profiles"]] == [
        ("professional_master", "completed", "2027-08-31"),
        ("doctoral", "active", None),
    ]


def test_new_trainee_profile_must_start_after_the_current_one(world: World, officer: Client) -> None:
    previous = world.trainee_person.trainee_profiles.get()
    before, before_counts = row_of(previous), counts()
    response = send(
        officer,
        "post",
        f"/api/v1/people/{world.trainee_person.pk}/trainee-profiles",
        {
            "level": "doctoral",
            "institution_id": world.hospital.pk,
            "cohort": 2024,
            "start_date": "2024-09-01",
        },
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "A new stage must start after the current one (2024-09-01).",
        "errors": [
            {"field": "start_date", "message": "A new stage must start after the current one (2024-09-01)."}
        ],
    }
    assert (row_of(previous), counts()) == (before, before_counts)


@pytest.mark.parametrize(
    ("change", "status", "field"),
    [
        ({"cohort": 1900}, 422, "cohort"),
        ({"level": "professor"}, 422, "level"),
        ({"start_date": "2027-02-30"}, 422, "start_date"),
        ({"department_id": "surgery-of-other"}, 400, "department"),
        ({"institution_id": 999999}, 404, None),
    ],
)
def test_new_trainee_profile_bad_input(
    world: World, officer: Client, change: dict[str, Any], status: int, field: str | None
) -> None:
    if change.get("department_id") == "surgery-of-other":
        change = {"department_id": DepartmentFactory(institution=world.other, code="other-surgery").pk}
    before = counts()
    response = send(
        officer,
        "post",
        f"/api/v1/people/{world.other_trainee.pk}/trainee-profiles",
        {
            "level": "resident",
            "institution_id": world.hospital.pk,
            "cohort": 2027,
            "start_date": "2027-09-01",
            **change,
        },
    )
    assert response.status_code == status
    assert response.json()["detail"]
    if field is not None:
        assert [error["field"] for error in response.json()["errors"]] == [field]
    assert counts() == before


def test_update_trainee_profile(world: World, officer: Client, personas: dict[str, User]) -> None:
    profile = world.other_trainee.trainee_profiles.get()
    audit_count = AuditEvent.objects.count()
    response = send(
        officer,
        "patch",
        f"/api/v1/trainee-profiles/{profile.pk}",
        {"specialty": "普外科", "status": "suspended"},
    )
    assert response.status_code == 200
    assert (response.json()["specialty"], response.json()["status"]) == ("普外科", "suspended")
    assert [(event.action, event.changes) for event in new_events(audit_count)] == [
        ("trainee_profile.update", {"specialty": ["内科", "普外科"], "status": ["active", "suspended"]})
    ]


def test_update_trainee_profile_needs_a_manager(world: World, personas: dict[str, User]) -> None:
    profile = world.trainee_person.trainee_profiles.get()
    before = row_of(profile)
    response = send(
        client_for(personas["head"]), "patch", f"/api/v1/trainee-profiles/{profile.pk}", {"specialty": "x"}
    )
    assert (response.status_code, response.json()) == (403, FORBIDDEN)
    hidden = send(
        client_for(personas["trainee"]),
        "patch",
        f"/api/v1/trainee-profiles/{world.other_trainee.trainee_profiles.get().pk}",
        {"specialty": "x"},
    )
    assert (hidden.status_code, hidden.json()) == (404, NOT_FOUND)
    assert row_of(profile) == before


# --- faculty profiles --------------------------------------------------------------------------


def test_put_faculty_profile_creates_then_updates(world: World, officer: Client) -> None:
    person = world.other_trainee
    audit_count = AuditEvent.objects.count()
    payload = {
        "staff_number": "H0421",
        "clinical_title": "resident_physician",
        "academic_title": "",
        "supervisor_qualification": "",
        "is_clinical_teacher": True,
    }
    created = send(officer, "put", f"/api/v1/people/{person.pk}/faculty-profile", payload)
    assert (created.status_code, created.json()) == (200, payload)

    updated = send(
        officer,
        "put",
        f"/api/v1/people/{person.pk}/faculty-profile",
        {
            **payload,
            "clinical_title": "attending",
            "supervisor_qualification": "master",
        },
    )
    assert updated.status_code == 200
    assert (updated.json()["clinical_title"], updated.json()["supervisor_qualification"]) == (
        "attending",
        "master",
    )
    assert FacultyProfile.objects.filter(person=person).count() == 1
    events = new_events(audit_count)
    assert [event.action for event in events] == ["faculty_profile.set", "faculty_profile.set"]
    assert events[1].changes == {
        "clinical_title": ["resident_physician", "attending"],
        "supervisor_qualification": ["", "master"],
    }


def test_put_faculty_profile_bad_input(world: World, officer: Client, personas: dict[str, User]) -> None:
    before = counts()
    response = send(
        officer, "put", f"/api/v1/people/{world.other_trainee.pk}/faculty-profile", {"clinical_title": "dean"}
    )
    assert response.status_code == 422
    assert [error["field"] for error in response.json()["errors"]] == ["clinical_title"]
    refused = send(
        client_for(personas["head"]),
        "put",
        f"/api/v1/people/{world.teacher_person.pk}/faculty-profile",
        {
            "academic_title": "professor",
        },
    )
    assert (refused.status_code, refused.json()) == (403, FORBIDDEN)
    assert counts() == before
    assert FacultyProfile.objects.get(person=world.teacher_person).academic_title == "lecturer"


# --- mentorships -------------------------------------------------------------------------------


def test_list_mentorships_with_filters(world: World, admin: Client) -> None:
    ended = MentorshipFactory(
        mentor=world.teacher_person,
        mentee=world.other_trainee,
        kind="school",
        start_date=datetime.date(2023, 9, 1),
        end_date=datetime.date(2024, 6, 30),
    )
    everything = admin.get("/api/v1/mentorships").json()
    assert everything["count"] == 2
    assert {item["id"] for item in everything["items"]} == {world.mentorship.pk, ended.pk}
    assert [item["id"] for item in admin.get("/api/v1/mentorships", {"active": "true"}).json()["items"]] == [
        world.mentorship.pk
    ]
    assert [item["id"] for item in admin.get("/api/v1/mentorships", {"kind": "school"}).json()["items"]] == [
        ended.pk
    ]
    assert [
        item["id"]
        for item in admin.get("/api/v1/mentorships", {"mentor_id": world.mentor_person.pk}).json()["items"]
    ] == [world.mentorship.pk]
    assert [
        item["id"]
        for item in admin.get("/api/v1/mentorships", {"mentee_id": world.other_trainee.pk}).json()["items"]
    ] == [ended.pk]
    assert admin.get("/api/v1/mentorships", {"kind": "uncle"}).status_code == 422


def test_create_mentorship(world: World, officer: Client) -> None:
    audit_count = AuditEvent.objects.count()
    response = send(
        officer,
        "post",
        "/api/v1/mentorships",
        {
            "mentor_id": world.officer_person.pk,
            "mentee_id": world.trainee_person.pk,
            "kind": "school",
            "start_date": "2024-09-01",
            "note": "双导师制：学校导师",
        },
    )
    assert response.status_code == 201
    created = Mentorship.objects.get(pk=response.json()["id"])
    assert response.json() == {
        "id": created.pk,
        "version": 1,
        "mentor_id": world.officer_person.pk,
        "mentor_name": "Officer",
        "mentee_id": world.trainee_person.pk,
        "mentee_name": "Trainee",
        "kind": "school",
        "start_date": "2024-09-01",
        "end_date": None,
        "note": "双导师制：学校导师",
    }
    assert [(event.action, event.target_id) for event in new_events(audit_count)] == [
        ("mentorship.create", str(created.pk))
    ]


def test_second_concurrent_hospital_mentor_is_refused(world: World, officer: Client) -> None:
    before = counts()
    response = send(
        officer,
        "post",
        "/api/v1/mentorships",
        {
            "mentor_id": world.teacher_person.pk,
            "mentee_id": world.trainee_person.pk,
            "kind": "hospital",
            "start_date": "2025-03-01",
        },
    )
    assert response.status_code == 400
    assert response.json() == {
        "detail": "The mentee already has a hospital mentor for those dates: end that mentorship first."
    }
    assert counts() == before


def test_hospital_mentor_can_follow_one_that_ended(world: World, officer: Client) -> None:
    ended = send(
        officer,
        "patch",
        f"/api/v1/mentorships/{world.mentorship.pk}",
        {"version": 1, "end_date": "2025-02-28"},
    )
    assert (ended.status_code, ended.json()["end_date"], ended.json()["version"]) == (200, "2025-02-28", 2)
    overlapping = send(
        officer,
        "post",
        "/api/v1/mentorships",
        {
            "mentor_id": world.teacher_person.pk,
            "mentee_id": world.trainee_person.pk,
            "kind": "hospital",
            "start_date": "2025-02-28",
        },
    )
    assert overlapping.status_code == 400
    following = send(
        officer,
        "post",
        "/api/v1/mentorships",
        {
            "mentor_id": world.teacher_person.pk,
            "mentee_id": world.trainee_person.pk,
            "kind": "hospital",
            "start_date": "2025-03-01",
        },
    )
    assert following.status_code == 201
    assert Mentorship.objects.filter(mentee=world.trainee_person, kind="hospital").count() == 2


def test_a_person_cannot_mentor_themselves(world: World, officer: Client) -> None:
    before = counts()
    response = send(
        officer,
        "post",
        "/api/v1/mentorships",
        {
            "mentor_id": world.trainee_person.pk,
            "mentee_id": world.trainee_person.pk,
            "kind": "peer_senior",
            "start_date": "2025-03-01",
        },
    )
    assert response.status_code in (400, 422)
    assert "A person cannot mentor themselves." in json.dumps(response.json(), ensure_ascii=False)
    assert counts() == before


@pytest.mark.parametrize(
    ("change", "status"),
    [
        ({"end_date": "2024-01-01"}, 422),
        ({"kind": "uncle"}, 422),
        ({"note": "n" * 301}, 422),
        ({"mentor_id": 999999}, 404),
        ({"mentee_id": 999999}, 404),
    ],
)
def test_create_mentorship_bad_input(
    world: World, officer: Client, change: dict[str, Any], status: int
) -> None:
    before = counts()
    response = send(
        officer,
        "post",
        "/api/v1/mentorships",
        {
            "mentor_id": world.officer_person.pk,
            "mentee_id": world.other_trainee.pk,
            "kind": "school",
            "start_date": "2025-03-01",
            **change,
        },
    )
    assert response.status_code == status
    assert response.json()["detail"]
    assert counts() == before


def test_update_mentorship_with_stale_version(world: World, officer: Client) -> None:
    assert (
        send(
            officer, "patch", f"/api/v1/mentorships/{world.mentorship.pk}", {"version": 1, "note": "a"}
        ).status_code
        == 200
    )
    before, before_counts = row_of(world.mentorship), counts()
    response = send(
        officer, "patch", f"/api/v1/mentorships/{world.mentorship.pk}", {"version": 1, "note": "b"}
    )
    assert response.status_code == 409
    assert response.json()["expected_version"] == 1
    assert (row_of(world.mentorship), counts()) == (before, before_counts)


def test_delete_mentorship(world: World, officer: Client) -> None:
    audit_count = AuditEvent.objects.count()
    response = officer.delete(f"/api/v1/mentorships/{world.mentorship.pk}")
    assert response.status_code == 204
    assert not Mentorship.objects.filter(pk=world.mentorship.pk).exists()
    assert [(event.action, event.target_id) for event in new_events(audit_count)] == [
        ("mentorship.delete", str(world.mentorship.pk))
    ]


# --- authentication ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("method", "url"),
    [
        ("get", "/api/v1/people"),
        ("get", "/api/v1/institutions"),
        ("get", "/api/v1/mentorships"),
        ("post", "/api/v1/people"),
        ("patch", "/api/v1/people/1"),
        ("delete", "/api/v1/people/1"),
    ],
)
def test_unauthenticated_requests_get_401(world: World, method: str, url: str) -> None:
    before = counts()
    response = send(
        client_for(None), method, url, {"version": 1, "name_latin": "X", "institution_id": world.uni.pk}
    )
    assert (response.status_code, response.json()) == (401, UNAUTHENTICATED)
    assert counts() == before


def test_bearer_token_authenticates(world: World, personas: dict[str, User]) -> None:
    token, raw = api_token_create(actor=personas["officer"], name="script")
    assert token.last_used_at is None
    client = Client(HTTP_ACCEPT_LANGUAGE="en", HTTP_AUTHORIZATION=f"Bearer {raw}")

    listed = client.get("/api/v1/people")
    assert (listed.status_code, listed.json()["count"]) == (200, 6)
    written = send(
        client, "patch", f"/api/v1/people/{world.other_trainee.pk}", {"version": 1, "phone": "13900000009"}
    )
    assert written.status_code == 200
    assert AuditEvent.objects.filter(action="person.update").get().actor_id == personas["officer"].pk
    token.refresh_from_db()
    assert token.last_used_at is not None


@pytest.mark.parametrize(
    "header", ["Bearer mt_not-a-real-token", "Bearer ", "Basic b2ZmaWNlcjpwdw==", "mt_raw"]
)
def test_invalid_authorization_headers_get_401(world: World, header: str) -> None:
    response = Client(HTTP_ACCEPT_LANGUAGE="en", HTTP_AUTHORIZATION=header).get("/api/v1/people")
    assert (response.status_code, response.json()) == (401, UNAUTHENTICATED)


def test_revoked_token_gets_401(world: World, personas: dict[str, User]) -> None:
    token, raw = api_token_create(actor=personas["officer"], name="script")
    client = Client(HTTP_ACCEPT_LANGUAGE="en", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/v1/people").status_code == 200
    api_token_revoke(actor=personas["officer"], token=token)
    before = counts()

    assert (client.get("/api/v1/people").status_code, client.get("/api/v1/people").json()) == (
        401,
        UNAUTHENTICATED,
    )
    written = send(client, "patch", f"/api/v1/people/{world.other_trainee.pk}", {"version": 1, "phone": "1"})
    assert written.status_code == 401
    assert counts() == before


def test_token_of_deactivated_user_gets_401(world: World, personas: dict[str, User]) -> None:
    _token, raw = api_token_create(actor=personas["officer"], name="script")
    User.objects.filter(pk=personas["officer"].pk).update(is_active=False)
    response = Client(HTTP_ACCEPT_LANGUAGE="en", HTTP_AUTHORIZATION=f"Bearer {raw}").get("/api/v1/people")
    assert response.status_code == 401


# --- query counts ------------------------------------------------------------------------------

# The most queries each list may make, whatever the number of rows and whoever asks: session, user,
# role assignments, the user's person, institution families, the count, the page, the prefetches.
LIST_QUERY_BOUNDS = {
    "/api/v1/people": 9,
    "/api/v1/mentorships": 8,
    "/api/v1/departments": 5,
    "/api/v1/institutions": 4,
}


def add_rows(world: World, number: int) -> None:
    """``number`` more of everything the lists show, wired like real data."""
    for index in range(number):
        department = DepartmentFactory(institution=world.hospital)
        InstitutionFactory()
        mentor = PersonFactory(institution=world.hospital, department=department)
        FacultyProfileFactory(person=mentor)
        trainee = PersonFactory(institution=world.hospital)
        TraineeProfileFactory(person=trainee, department=department, cohort=2020 + index % 5)
        MentorshipFactory(mentor=mentor, mentee=trainee, kind="school")
        MentorshipFactory(mentor=world.mentor_person, mentee=trainee, kind="hospital")


def queries_for(client: Client, url: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url, {"page_size": 100})
    assert response.status_code == 200
    return len(captured)


@pytest.mark.parametrize("url", list(LIST_QUERY_BOUNDS))
@pytest.mark.parametrize("persona", ["admin", "officer", "mentor"])
def test_list_endpoints_make_a_constant_number_of_queries(
    world: World, personas: dict[str, User], django_assert_max_num_queries: Any, url: str, persona: str
) -> None:
    client = client_for(personas[persona])
    add_rows(world, 2)
    client.get(url)  # the first request of a session may warm caches (content types, translations)
    few_rows = client.get(url, {"page_size": 100}).json()["count"]
    few_queries = queries_for(client, url)
    with django_assert_max_num_queries(LIST_QUERY_BOUNDS[url]):
        client.get(url, {"page_size": 100})

    add_rows(world, 36)
    many_rows = client.get(url, {"page_size": 100}).json()["count"]
    assert many_rows >= few_rows + 36 >= 40
    assert queries_for(client, url) == few_queries
    with django_assert_max_num_queries(LIST_QUERY_BOUNDS[url]):
        client.get(url, {"page_size": 100})


def test_openapi_names_each_choice_list_apart(admin: Client) -> None:
    schemas = admin.get("/api/v1/openapi.json").json()["components"]["schemas"]

    def reference(schema: str) -> str:
        kind = schemas[schema]["properties"]["kind"]
        return str(kind.get("$ref") or kind["allOf"][0]["$ref"]).rsplit("/", 1)[1]

    assert [reference(name) for name in ("InstitutionIn", "DepartmentIn", "MentorshipIn")] == [
        "InstitutionKind",
        "DepartmentKind",
        "MentorshipKind",
    ]
    assert schemas["DepartmentKind"]["enum"] == [
        "clinical",
        "medical_technology",
        "teaching_office",
        "research",
        "administrative",
    ]
