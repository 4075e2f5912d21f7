"""The audit trail: append-only, redacted, with the request's address, and its admin page."""

import datetime
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.test import Client
from django.utils import timezone, translation

from medtalent.core.audit import REDACTED, audit_diff, audit_record, audit_snapshot
from medtalent.core.errors import ApplicationError
from medtalent.core.models import AppendOnlyError, AuditEvent
from medtalent.people import services
from medtalent.people.models import ApiToken, Institution

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    with translation.override("en"):
        yield


@pytest.fixture
def event(world: Any, personas: dict[str, Any]) -> AuditEvent:
    return audit_record(
        actor=personas["officer"],
        action="person.update",
        target=world.trainee_person,
        changes={"phone": ["1", "2"]},
    )


# --- append-only ---------------------------------------------------------------------------


def test_saving_an_existing_event_is_refused(event: AuditEvent) -> None:
    event.action = "person.tampered"
    with pytest.raises(AppendOnlyError):
        event.save()
    assert AuditEvent.objects.get(pk=event.pk).action == "person.update"


def test_deleting_an_event_is_refused(event: AuditEvent) -> None:
    with pytest.raises(AppendOnlyError):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


def test_queryset_update_is_refused(event: AuditEvent) -> None:
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).update(action="person.tampered")
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.update(changes={})
    with pytest.raises(AppendOnlyError), transaction.atomic():
        AuditEvent.objects.bulk_update([event], ["action"])
    assert AuditEvent.objects.get(pk=event.pk).changes == {"phone": ["1", "2"]}


def test_queryset_delete_is_refused(event: AuditEvent) -> None:
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.filter(pk=event.pk).delete()
    with pytest.raises(AppendOnlyError):
        AuditEvent.objects.all().delete()
    assert AuditEvent.objects.count() == 1


def test_removing_the_actor_keeps_the_event_and_its_label(
    event: AuditEvent, personas: dict[str, Any]
) -> None:
    personas["officer"].delete()
    kept = AuditEvent.objects.get(pk=event.pk)
    assert kept.actor is None
    assert kept.actor_label == "officer"


# --- what is recorded --------------------------------------------------------------------


def test_snapshot_redacts_secret_names(personas: dict[str, Any]) -> None:
    user = personas["trainee"]
    token, _raw = services.api_token_create(actor=user, name="CI")
    assert audit_snapshot(user, ["username", "password", "email"]) == {
        "username": "trainee",
        "password": REDACTED,
        "email": "trainee@example.edu.cn",
    }
    assert audit_snapshot(token, ["name", "token_hash", "display_prefix"]) == {
        "name": "CI",
        "token_hash": REDACTED,
        "display_prefix": token.display_prefix,
    }
    # Redaction goes by name alone, before any value is read.
    assert audit_snapshot(user, ["client_secret", "api_token", "old_password"]) == {
        "client_secret": REDACTED,
        "api_token": REDACTED,
        "old_password": REDACTED,
    }


def test_snapshot_converts_values_for_json(world: Any) -> None:
    person = world.trainee_person
    snapshot = audit_snapshot(person, ["birth_date", "institution", "department", "national_id"])
    assert snapshot == {
        "birth_date": person.birth_date.isoformat(),
        "institution": world.hospital.pk,
        "department": None,
        "national_id": person.national_id[:3] + "*" * 11 + person.national_id[-4:],
    }


def test_diff_lists_changed_fields_only() -> None:
    assert audit_diff({"a": 1, "b": 2}, {"a": 1, "b": 3, "c": None}) == {"b": [2, 3]}
    assert audit_diff({}, {"a": 1}) == {"a": [None, 1]}


def test_record_outside_a_request_has_no_address(world: Any) -> None:
    event = audit_record(actor=None, action="system.check", target=world.uni)
    assert (event.actor, event.actor_label, event.ip_address, event.user_agent) == (None, "system", None, "")
    assert (event.target_type.model, event.target_id, event.target_repr) == (
        "institution",
        str(world.uni.pk),
        "Medical University",
    )
    assert event.changes == {}


def test_record_through_a_request_keeps_address_and_browser(client: Client, personas: dict[str, Any]) -> None:
    user = personas["trainee"]
    client.force_login(user)
    response = client.post("/account/tokens/", {"name": "Laptop"}, HTTP_USER_AGENT="TestBrowser/1.0")
    assert response.status_code == 200
    token = ApiToken.objects.get(user=user)
    event = AuditEvent.objects.get(action="api_token.create")
    assert event.ip_address == "127.0.0.1"
    assert event.user_agent == "TestBrowser/1.0"
    assert event.actor == user
    assert event.target_id == str(token.pk)
    assert event.changes == {"name": [None, "Laptop"]}


def test_forwarded_for_header_is_not_trusted(client: Client, personas: dict[str, Any]) -> None:
    client.force_login(personas["trainee"])
    client.post("/account/tokens/", {"name": "Laptop"}, HTTP_X_FORWARDED_FOR="203.0.113.9")
    assert AuditEvent.objects.get(action="api_token.create").ip_address == "127.0.0.1"


def test_a_failing_service_leaves_no_event(world: Any, personas: dict[str, Any]) -> None:
    # organisation_delete records its event first, then fails: the whole transaction goes.
    with pytest.raises(ApplicationError):
        services.organisation_delete(actor=personas["admin"], obj=world.hospital)
    assert not AuditEvent.objects.filter(action="institution.delete").exists()
    assert Institution.objects.filter(pk=world.hospital.pk).exists()


# --- the audit page ----------------------------------------------------------------------


def _event_at(moment: datetime.datetime, monkeypatch: pytest.MonkeyPatch, **fields: Any) -> AuditEvent:
    with monkeypatch.context() as patch:
        patch.setattr(timezone, "now", lambda: moment)
        return audit_record(**fields)


def _listed_actions(response: Any) -> list[str]:
    return re.findall(r'<td data-label="[^"]*"><code>([^<]+)</code>', response.content.decode())


def test_audit_page_is_for_administrators_only(
    client: Client, personas: dict[str, Any], event: AuditEvent
) -> None:
    client.force_login(personas["admin"])
    response = client.get("/audit/")
    assert response.status_code == 200
    assert _listed_actions(response) == ["person.update"]
    for name in ("officer", "trainee", "leader"):
        client.force_login(personas[name])
        assert client.get("/audit/").status_code == 403


def test_audit_page_needs_sign_in(client: Client, db: Any) -> None:
    response = client.get("/audit/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


@pytest.fixture
def dated_events(
    world: Any, personas: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> dict[str, AuditEvent]:
    officer = personas["officer"]
    utc = datetime.UTC
    return {
        "march_1": _event_at(
            datetime.datetime(2025, 3, 1, 4, 0, tzinfo=utc),
            monkeypatch,
            actor=officer,
            action="person.create",
            target=world.trainee_person,
        ),
        # 20:00 UTC on 9 March is 04:00 on 10 March in Shanghai, the zone the trail is read in.
        "march_10": _event_at(
            datetime.datetime(2025, 3, 9, 20, 0, tzinfo=utc),
            monkeypatch,
            actor=officer,
            action="person.update",
            target=world.trainee_person,
        ),
        "march_20": _event_at(
            datetime.datetime(2025, 3, 20, 4, 0, tzinfo=utc),
            monkeypatch,
            actor=officer,
            action="mentorship.create",
            target=world.mentorship,
        ),
    }


def test_audit_page_filters_by_action(client: Client, personas: dict[str, Any], dated_events: Any) -> None:
    client.force_login(personas["admin"])
    assert _listed_actions(client.get("/audit/", {"action": "person."})) == ["person.update", "person.create"]
    assert _listed_actions(client.get("/audit/", {"action": "mentorship.create"})) == ["mentorship.create"]
    assert _listed_actions(client.get("/audit/", {"action": "nothing"})) == []


def test_audit_page_filters_by_date(client: Client, personas: dict[str, Any], dated_events: Any) -> None:
    client.force_login(personas["admin"])
    assert _listed_actions(client.get("/audit/", {"since": "2025-03-10"})) == [
        "mentorship.create",
        "person.update",
    ]
    assert _listed_actions(client.get("/audit/", {"until": "2025-03-09"})) == ["person.create"]
    assert _listed_actions(client.get("/audit/", {"since": "2025-03-10", "until": "2025-03-10"})) == [
        "person.update"
    ]
    response = client.get("/audit/", {"since": "2025-03-10", "until": "2025-03-10"})
    assert "2025-03-10 04:00:00" in response.content.decode()


def test_audit_page_filters_by_object(
    client: Client, personas: dict[str, Any], dated_events: Any, world: Any
) -> None:
    client.force_login(personas["admin"])
    mentorship_type = dated_events["march_20"].target_type_id
    assert _listed_actions(client.get("/audit/", {"type": mentorship_type})) == ["mentorship.create"]
    assert _listed_actions(
        client.get(
            "/audit/", {"type": dated_events["march_1"].target_type_id, "object": world.trainee_person.pk}
        )
    ) == ["person.update", "person.create"]


@pytest.mark.parametrize(
    "params",
    [
        {"since": "2025-13-45"},
        {"until": "2025-02-30"},
        {"since": "yesterday", "until": "soon"},
        {"since": "'; DROP TABLE core_auditevent; --"},
        {"actor": "abc", "type": "x", "page": "-1"},
        {"page": "9999"},
    ],
)
def test_audit_page_survives_bad_filters(
    client: Client, personas: dict[str, Any], dated_events: Any, params: dict[str, str]
) -> None:
    client.force_login(personas["admin"])
    response = client.get("/audit/", params)
    assert response.status_code == 200
    assert len(_listed_actions(response)) == 3  # the bad filters are ignored


def test_bad_dates_are_ignored_not_applied(
    client: Client, personas: dict[str, Any], dated_events: Any
) -> None:
    client.force_login(personas["admin"])
    assert len(_listed_actions(client.get("/audit/", {"since": "2025-13-45", "until": "2025-02-30"}))) == 3


def _make_events(count: int, world: Any, personas: dict[str, Any]) -> None:
    actors = [personas[name] for name in ("officer", "admin", "head")]
    targets = [world.trainee_person, world.mentorship, world.cardiology, world.hospital]
    for index in range(count):
        audit_record(
            actor=actors[index % 3],
            action=f"test.event{index % 4}",
            target=targets[index % 4],
            changes={"n": [index, index + 1]},
        )


def test_audit_page_query_count_does_not_grow(
    client: Client,
    personas: dict[str, Any],
    world: Any,
    django_assert_max_num_queries: Any,
    django_assert_num_queries: Any,
) -> None:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(personas["admin"])
    _make_events(5, world, personas)
    client.get("/audit/")  # warm the content-type cache
    with CaptureQueriesContext(connection) as few:
        assert len(_listed_actions(client.get("/audit/"))) == 5
    _make_events(55, world, personas)
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/audit/")
    assert len(_listed_actions(response)) == 50  # one page
    assert "1 / 2" in response.content.decode()
