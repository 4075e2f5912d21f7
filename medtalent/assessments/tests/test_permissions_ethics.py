"""Who reaches the ethics record, persona by persona: the list, a trainee's record, one entry, adding an
entry, deciding one, and the veto policy. Heads, clinical teachers, leaders and talent officers never
reach any of it (404), although the heads and teachers read the same trainee's other records."""

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from medtalent.assessments.models import EthicsPolicy, EthicsRecord
from medtalent.assessments.tests.factories import EthicsRecordFactory
from medtalent.conftest import World
from medtalent.people.access import person_is_private_to
from medtalent.people.models import User

pytestmark = pytest.mark.django_db

TITLE = "Shouted at a patient on the ward"

# persona: (list, trainee's record, entry, add an entry, decide, policy page), as HTTP statuses.
MATRIX = {
    "admin": (200, 200, 200, 302, 302, 200),
    "officer": (200, 200, 200, 302, 302, 200),
    "talent_officer": (404, 404, 404, 404, 404, 404),
    "head": (404, 404, 404, 404, 404, 404),
    "mentor": (200, 200, 200, 302, 403, 403),
    "teacher": (404, 404, 404, 404, 404, 404),
    "trainee": (200, 200, 200, 403, 403, 403),
    "leader": (404, 404, 404, 404, 404, 404),
    "outsider": (200, 404, 404, 404, 404, 200),
}
# persona: whether the entry shows in their list.
LISTED = {"admin": True, "officer": True, "mentor": True, "trainee": True, "outsider": False}


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timezone, "localdate", lambda *args: datetime.date(2026, 11, 20))


@pytest.fixture
def record(world: World) -> EthicsRecord:
    return EthicsRecordFactory(
        person=world.trainee_person,
        kind=EthicsRecord.Kind.VIOLATION,
        severity=EthicsRecord.Severity.MODERATE,
        title=TITLE,
        occurred_on=datetime.date(2026, 3, 1),
    )


def _client(user: User | None) -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    if user is not None:
        client.force_login(user)
    return client


def _add(client: Client, world: World) -> Any:
    return client.post(
        reverse("ethics_person", args=[world.trainee_person.pk]),
        {
            "kind": "commendation",
            "severity": "minor",
            "occurred_on": "2026-06-01",
            "title": "Stayed late for a dying patient",
            "description": "",
        },
    )


def _decide(client: Client, record: EthicsRecord) -> Any:
    return client.post(
        reverse("ethics_record", args=[record.pk]),
        {"status": "under_review", "severity": "moderate", "note": "", "version": record.version},
    )


@pytest.mark.parametrize(("persona", "expected"), list(MATRIX.items()), ids=list(MATRIX))
def test_ethics_permission_matrix(
    world: World, personas: dict[str, User], record: EthicsRecord, persona: str, expected: tuple[int, ...]
) -> None:
    client = _client(personas[persona])
    statuses = (
        client.get(reverse("ethics_list")).status_code,
        client.get(reverse("ethics_person", args=[world.trainee_person.pk])).status_code,
        client.get(reverse("ethics_record", args=[record.pk])).status_code,
        _add(client, world).status_code,
        _decide(client, record).status_code,
        client.get(reverse("ethics_policy")).status_code,
    )
    assert statuses == expected
    added = EthicsRecord.objects.filter(title="Stayed late for a dying patient").count()
    assert added == (1 if expected[3] == 302 else 0)
    record.refresh_from_db()
    assert record.status == ("under_review" if expected[4] == 302 else "reported")


@pytest.mark.parametrize(("persona", "listed"), list(LISTED.items()), ids=list(LISTED))
def test_the_list_holds_only_what_the_persona_may_read(
    personas: dict[str, User], record: EthicsRecord, persona: str, listed: bool
) -> None:
    html = _client(personas[persona]).get(reverse("ethics_list")).content.decode()
    assert (TITLE in html) is listed
    assert (f'data-record-id="{record.pk}"' in html) is listed


@pytest.mark.parametrize("persona", ["head", "teacher"])
def test_heads_and_teachers_read_the_trainee_but_never_the_ethics_record(
    world: World, personas: dict[str, User], record: EthicsRecord, persona: str
) -> None:
    user = personas[persona]
    assert person_is_private_to(user, world.trainee_person) is True
    response = _client(user).get(reverse("ethics_record", args=[record.pk]))
    assert response.status_code == 404
    assert TITLE not in response.content.decode()


def test_a_mentor_whose_mentorship_ended_loses_the_record(
    world: World, personas: dict[str, User], record: EthicsRecord
) -> None:
    world.mentorship.end_date = datetime.date(2025, 8, 31)
    world.mentorship.save()
    client = _client(personas["mentor"])
    assert client.get(reverse("ethics_record", args=[record.pk])).status_code == 404
    assert client.get(reverse("ethics_list")).status_code == 404  # no mentee left: no ethics pages


@pytest.mark.parametrize(
    "url",
    [
        reverse("ethics_list"),
        reverse("ethics_policy"),
        "/assessments/ethics/people/1/",
        "/assessments/ethics/1/",
    ],
)
def test_anonymous_visitors_are_sent_to_sign_in(url: str) -> None:
    response = _client(None).get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(f"{reverse('login')}?next=")


def test_the_policy_form_offers_only_institutions_in_scope(world: World, personas: dict[str, User]) -> None:
    response = _client(personas["outsider"]).post(
        reverse("ethics_policy"), {"institution": world.hospital.pk, "veto_months": 6}
    )
    assert response.status_code == 400
    assert EthicsPolicy.objects.count() == 0
    assert "Select a valid choice." in response.content.decode()


def test_a_peer_senior_coaching_the_trainee_never_sees_the_ethics_record(
    world: World, personas: dict[str, User], record: EthicsRecord
) -> None:
    from medtalent.people.models import Mentorship
    from medtalent.people.tests.factories import MentorshipFactory, UserFactory

    senior = UserFactory(username="senior", person=world.other_trainee)
    MentorshipFactory(
        mentor=world.other_trainee,
        mentee=world.trainee_person,
        kind=Mentorship.Kind.PEER_SENIOR,
        start_date=datetime.date(2025, 9, 1),
    )
    client = _client(senior)
    assert client.get(reverse("ethics_record", args=[record.pk])).status_code == 404
    assert client.get(reverse("ethics_person", args=[world.trainee_person.pk])).status_code == 404
