"""The ethics pages: the list with its filters, a trainee's record with the veto banner and the add form,
an entry with its decision form (and a stale decision's 409), the policy page; and how many queries each
page takes whatever the number of entries."""

import datetime
import html as html_lib
import re
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from medtalent.assessments.models import EthicsPolicy, EthicsRecord
from medtalent.assessments.tests.factories import EthicsRecordFactory
from medtalent.conftest import World
from medtalent.core.models import AuditEvent
from medtalent.people.models import User
from medtalent.people.tests.factories import MentorshipFactory, PersonFactory, TraineeProfileFactory

pytestmark = pytest.mark.django_db

Status = EthicsRecord.Status
Kind = EthicsRecord.Kind
Severity = EthicsRecord.Severity
TODAY = datetime.date(2026, 11, 20)
LIST = reverse("ethics_list")
POLICY = reverse("ethics_policy")
# Session, user, scope, the pages' own reads: a fixed handful whatever the number of rows.
LIST_QUERIES = 13
PERSON_QUERIES = 13
RECORD_QUERIES = 13


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    """The pages' "today" (and so which vetoes are in force) is fixed."""
    monkeypatch.setattr(timezone, "localdate", lambda *args: TODAY)


@pytest.fixture
def client() -> Client:
    browser = Client()
    browser.cookies["django_language"] = "en"
    return browser


def _as(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def _text(html: str) -> str:
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip())


def _errors(html: str) -> list[tuple[str, str]]:
    """``(field, message)`` of every error shown under a field."""
    return re.findall(r'data-error-for="(\w+)">([^<]+)<', html)


def _rows(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr data-record-id="(\d+)"', html)]


def _person_url(world: World) -> str:
    return reverse("ethics_person", args=[world.trainee_person.pk])


def _veto(world: World, **overrides: Any) -> EthicsRecord:
    values: dict[str, Any] = {
        "person": world.trainee_person,
        "kind": Kind.VIOLATION,
        "severity": Severity.SERIOUS,
        "status": Status.CONFIRMED,
        "occurred_on": datetime.date(2025, 6, 1),
        "veto_until": datetime.date(2027, 6, 1),
        "title": "Took a bribe",
    }
    values.update(overrides)
    return EthicsRecordFactory(**values)


def _many(world: World, officer: User, count: int) -> None:
    """``count`` more trainees at the hospital, each mentored by the persona mentor, with two entries each
    reported by different people."""
    for number in range(count):
        person = PersonFactory(institution=world.hospital)
        TraineeProfileFactory(person=person, institution=world.hospital, department=world.surgery)
        MentorshipFactory(mentor=world.mentor_person, mentee=person, start_date=datetime.date(2025, 9, 1))
        EthicsRecordFactory(
            person=person, kind=Kind.CONCERN, occurred_on=datetime.date(2026, 1, 1 + number % 28)
        )
        EthicsRecordFactory(
            person=person,
            kind=Kind.COMMENDATION,
            status=Status.CONFIRMED,
            reported_by=officer,
            decided_by=officer,
        )


# --- the list -----------------------------------------------------------------------------------------


def test_the_list_shows_entries_with_counts_and_filters(
    client: Client, world: World, personas: dict[str, User]
) -> None:
    veto = _veto(world, reported_by=personas["mentor"])
    concern = EthicsRecordFactory(
        person=world.other_trainee, title="Late to rounds", occurred_on=datetime.date(2026, 2, 3)
    )
    html = _as(client, personas["officer"]).get(LIST).content.decode()
    assert _rows(html) == [concern.pk, veto.pk]
    text = _text(html)
    assert "Reported 1 Under review 0 Confirmed 1 Dismissed 0" in text
    row = html[html.index(f'<tr data-record-id="{veto.pk}"') :]
    row = _text(row[: row.index("</tr>")])
    assert row == "2025-06-01 Trainee Took a bribe Violation Serious Confirmed Veto Mentor"

    assert _rows(client.get(LIST, {"status": "reported"}).content.decode()) == [concern.pk]
    assert _rows(client.get(LIST, {"kind": "violation"}).content.decode()) == [veto.pk]
    assert _rows(client.get(LIST, {"status": "nonsense"}).content.decode()) == [concern.pk, veto.pk]


def test_searching_finds_trainees_to_open(client: Client, world: World, personas: dict[str, User]) -> None:
    html = _as(client, personas["officer"]).get(LIST, {"q": "other"}).content.decode()
    assert re.findall(r'data-person-id="(\d+)"', html) == [str(world.other_trainee.pk)]
    assert "Trainees matching" in html
    assert "No entries." in html
    nobody = client.get(LIST, {"q": "nobody"}).content.decode()
    assert "No trainee whose record you can open matches." in _text(nobody)


def test_a_trainee_sees_their_own_entries_and_a_link_to_their_record(
    client: Client, world: World, personas: dict[str, User]
) -> None:
    own = EthicsRecordFactory(person=world.trainee_person)
    EthicsRecordFactory(person=world.other_trainee)
    html = _as(client, personas["trainee"]).get(LIST).content.decode()
    assert _rows(html) == [own.pk]
    assert re.findall(r'data-person-id="(\d+)"', html) == [str(world.trainee_person.pk)]
    assert 'data-tab="policy"' not in html


@pytest.mark.parametrize("extra", [0, 20])
def test_the_list_takes_a_fixed_number_of_queries(
    client: Client, world: World, personas: dict[str, User], extra: int, django_assert_max_num_queries: Any
) -> None:
    _veto(world, reported_by=personas["mentor"])
    _many(world, personas["officer"], extra)
    for persona in ("officer", "mentor"):
        browser = _as(client, personas[persona])
        with django_assert_max_num_queries(LIST_QUERIES):
            html = browser.get(LIST).content.decode()
        assert len(_rows(html)) == 1 + 2 * extra


# --- a trainee's record -------------------------------------------------------------------------------


def test_the_record_shows_the_veto_banner_with_its_last_day(
    client: Client, world: World, personas: dict[str, User]
) -> None:
    veto = _veto(world)
    html = _as(client, personas["mentor"]).get(_person_url(world)).content.decode()
    banner = html[html.index('id="veto-banner"') :]
    assert _text(banner[: banner.index("</div>")]).endswith(
        "One-vote veto in force. A serious violation of 2025-06-01 was confirmed: the overall evaluation "
        "fails for that period, and awards, scholarships and talent selection are closed up to and including "
        "2027-05-31. See the entry"
    )
    assert f'href="{reverse("ethics_record", args=[veto.pk])}"' in banner
    assert _rows(html) == [veto.pk]


def test_without_a_veto_the_record_says_so(client: Client, world: World, personas: dict[str, User]) -> None:
    _veto(world, veto_until=datetime.date(2025, 7, 1))  # ended
    EthicsRecordFactory(
        person=world.trainee_person, kind=Kind.VIOLATION, severity=Severity.SERIOUS
    )  # only reported
    html = _as(client, personas["trainee"]).get(_person_url(world)).content.decode()
    assert 'id="veto-banner"' not in html
    assert "No veto in force today." in html


def test_the_add_form_shows_to_those_who_may_add(
    client: Client, world: World, personas: dict[str, User]
) -> None:
    assert 'id="ethics-add"' in _as(client, personas["mentor"]).get(_person_url(world)).content.decode()
    trainee_page = _as(client, personas["trainee"]).get(_person_url(world)).content.decode()
    assert 'id="ethics-add"' not in trainee_page
    assert "Your ethics record has no entries." in trainee_page


def test_a_mentor_adds_an_entry(client: Client, world: World, personas: dict[str, User]) -> None:
    response = _as(client, personas["mentor"]).post(
        _person_url(world),
        {
            "kind": "concern",
            "severity": "moderate",
            "occurred_on": "2026-06-02",
            "title": "Missed two night shifts",
            "description": "Without telling the ward.",
        },
        follow=True,
    )
    assert response.redirect_chain == [(_person_url(world), 302)]
    record = EthicsRecord.objects.get()
    assert (record.kind, record.severity, record.status, record.occurred_on, record.reported_by) == (
        "concern",
        "moderate",
        "reported",
        datetime.date(2026, 6, 2),
        personas["mentor"],
    )
    html = response.content.decode()
    assert "Entry recorded. The programme office will review it." in html
    assert _rows(html) == [record.pk]


def test_an_officers_commendation_is_confirmed_on_the_page(
    client: Client, world: World, personas: dict[str, User]
) -> None:
    response = _as(client, personas["officer"]).post(
        _person_url(world),
        {"kind": "commendation", "severity": "minor", "occurred_on": "2026-06-02", "title": "Free clinic"},
        follow=True,
    )
    assert "Commendation recorded and confirmed." in response.content.decode()
    assert EthicsRecord.objects.get().status == "confirmed"


def test_a_refused_entry_comes_back_on_its_fields(
    client: Client, world: World, personas: dict[str, User]
) -> None:
    response = _as(client, personas["mentor"]).post(
        _person_url(world),
        {"kind": "concern", "severity": "minor", "occurred_on": "2999-01-01", "title": " "},
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert _errors(html) == [("title", "This field is required.")]
    response = client.post(
        _person_url(world),
        {"kind": "concern", "severity": "minor", "occurred_on": "2999-01-01", "title": "Late"},
    )
    assert response.status_code == 400
    assert _errors(response.content.decode()) == [
        ("occurred_on", "The date of the event cannot be in the future.")
    ]
    assert EthicsRecord.objects.count() == 0


def test_a_person_without_a_trainee_profile_has_no_ethics_page(
    client: Client, world: World, personas: dict[str, User]
) -> None:
    response = _as(client, personas["officer"]).get(reverse("ethics_person", args=[world.teacher_person.pk]))
    assert response.status_code == 404


@pytest.mark.parametrize("extra", [0, 30])
def test_the_record_page_takes_a_fixed_number_of_queries(
    client: Client, world: World, personas: dict[str, User], extra: int, django_assert_max_num_queries: Any
) -> None:
    _veto(world, reported_by=personas["mentor"], decided_by=personas["officer"])
    for number in range(extra):
        EthicsRecordFactory(
            person=world.trainee_person,
            reported_by=personas["officer"] if number % 2 else personas["mentor"],
            occurred_on=datetime.date(2025, 1, 1) + datetime.timedelta(days=number),
        )
    browser = _as(client, personas["officer"])
    with django_assert_max_num_queries(PERSON_QUERIES):
        html = browser.get(_person_url(world)).content.decode()
    assert len(_rows(html)) == 1 + extra


# --- one entry and its decision -----------------------------------------------------------------------


def _record_url(record: EthicsRecord) -> str:
    return reverse("ethics_record", args=[record.pk])


def _choices(html: str) -> list[str]:
    select = html[html.index('name="status"') :]
    return re.findall(r'<option value="(\w+)"', select[: select.index("</select>")])


def test_the_officer_takes_an_entry_under_review_then_confirms_it(
    client: Client, world: World, personas: dict[str, User]
) -> None:
    record = EthicsRecordFactory(
        person=world.trainee_person,
        kind=Kind.VIOLATION,
        severity=Severity.SERIOUS,
        occurred_on=datetime.date(2025, 6, 1),
        title="Took a bribe",
        reported_by=personas["mentor"],
    )
    browser = _as(client, personas["officer"])
    page = browser.get(_record_url(record)).content.decode()
    assert _choices(page) == ["under_review"]
    response = browser.post(
        _record_url(record),
        {"status": "under_review", "severity": "serious", "note": "", "version": 1},
        follow=True,
    )
    page = response.content.decode()
    assert "Decision saved: Under review." in page
    assert _choices(page) == ["confirmed", "dismissed"]

    response = browser.post(
        _record_url(record),
        {"status": "confirmed", "severity": "serious", "note": "The family's complaint holds.", "version": 2},
        follow=True,
    )
    record.refresh_from_db()
    assert (record.status, record.veto_until) == ("confirmed", datetime.date(2027, 6, 1))
    page = response.content.decode()
    assert _choices(page) == ["under_review"]
    assert "Re-open for review" in page
    veto = page[page.index('id="record-veto"') :]
    assert _text(veto[veto.index(">") + 1 : veto.index("</div>")]) == (
        "One-vote veto: the overall evaluation fails for the period of the event, and awards, scholarships "
        "and talent selection are closed up to and including 2027-05-31."
    )
    history = page[page.index('id="record-history"') :]
    assert re.findall(r'<li class="mb-2" data-action="([\w.]+)">', history) == [
        "ethics.decide",
        "ethics.decide",
    ]
    assert "officer · status Reported → Under review" in _text(history)
    assert "officer · status Under review → Confirmed The family's complaint holds." in _text(history)


def test_an_ended_veto_is_shown_as_ended(client: Client, world: World, personas: dict[str, User]) -> None:
    record = _veto(world, veto_until=datetime.date(2026, 11, 20))
    html = _as(client, personas["officer"]).get(_record_url(record)).content.decode()
    veto = html[html.index('id="record-veto"') :]
    assert _text(veto[veto.index(">") + 1 : veto.index("</div>")]) == (
        "The veto ended on 2026-11-19. The overall evaluation of the period of the event still fails."
    )


def test_a_stale_decision_answers_409_and_keeps_the_other_decision(
    client: Client, world: World, personas: dict[str, User]
) -> None:
    record = EthicsRecordFactory(person=world.trainee_person, status=Status.UNDER_REVIEW)
    officer = _as(client, personas["officer"])
    admin = Client()
    admin.cookies["django_language"] = "en"
    admin.force_login(personas["admin"])
    first = admin.post(
        _record_url(record), {"status": "dismissed", "severity": "minor", "note": "Unfounded.", "version": 1}
    )
    assert first.status_code == 302
    response = officer.post(
        _record_url(record),
        {"status": "confirmed", "severity": "minor", "note": "It happened.", "version": 1},
    )
    assert response.status_code == 409
    assert "Someone else changed this record after you opened it." in response.content.decode()
    record.refresh_from_db()
    assert (record.status, record.decision_note, record.version) == ("dismissed", "Unfounded.", 2)


def test_a_decision_without_a_reason_is_refused_on_the_note(
    client: Client, world: World, personas: dict[str, User]
) -> None:
    record = EthicsRecordFactory(person=world.trainee_person, status=Status.UNDER_REVIEW)
    response = _as(client, personas["officer"]).post(
        _record_url(record), {"status": "dismissed", "severity": "minor", "note": "", "version": 1}
    )
    assert response.status_code == 400
    assert _errors(response.content.decode()) == [("note", "Write the reason for this decision.")]
    record.refresh_from_db()
    assert record.status == "under_review"


def test_mentors_and_the_trainee_read_the_entry_without_a_decision_form(
    client: Client, world: World, personas: dict[str, User]
) -> None:
    record = _veto(world, description="From a patient's family.", decision_note="Admitted.")
    for persona in ("mentor", "trainee"):
        html = _as(client, personas[persona]).get(_record_url(record)).content.decode()
        assert 'id="record-decide"' not in html
        assert "From a patient&#x27;s family." in html
        assert "up to and including 2027-05-31" in html


@pytest.mark.parametrize("decisions", [0, 12])
def test_the_entry_page_takes_a_fixed_number_of_queries(
    client: Client,
    world: World,
    personas: dict[str, User],
    decisions: int,
    django_assert_max_num_queries: Any,
) -> None:
    record = EthicsRecordFactory(person=world.trainee_person, status=Status.UNDER_REVIEW)
    for number in range(decisions):
        AuditEvent.objects.create(
            actor=personas["officer"],
            actor_label="officer",
            action="ethics.decide",
            target_type_id=_content_type_id(),
            target_id=str(record.pk),
            changes={"status": ["under_review", "under_review"], "reason": [None, f"Step {number}"]},
        )
    browser = _as(client, personas["officer"])
    with django_assert_max_num_queries(RECORD_QUERIES):
        html = browser.get(_record_url(record)).content.decode()
    assert html.count('<li class="mb-2" data-action="ethics.decide">') == decisions


def _content_type_id() -> int:
    return ContentType.objects.get_for_model(EthicsRecord).pk


# --- the policy ---------------------------------------------------------------------------------------


def test_the_officer_sets_the_months_for_an_affiliate(
    client: Client, world: World, personas: dict[str, User]
) -> None:
    browser = _as(client, personas["officer"])
    html = browser.get(POLICY).content.decode()
    assert re.findall(r'<tr data-institution="(\w+)">', html) == ["uni", "hospital"]
    row = html[html.index('<tr data-institution="hospital">') :]
    assert _text(row[: row.index("</tr>")]) == "↳ Affiliated Hospital 24 the default (24 months)"
    response = browser.post(POLICY, {"institution": world.hospital.pk, "veto_months": 18}, follow=True)
    assert response.redirect_chain == [(POLICY, 302)]
    assert EthicsPolicy.objects.get(institution=world.hospital).veto_months == 18
    page = response.content.decode()
    assert "Affiliated Hospital: a confirmed serious violation now vetoes for 18 months." in page
    row = page[page.index('<tr data-institution="hospital">') :]
    assert _text(row[: row.index("</tr>")]) == "↳ Affiliated Hospital 18 its own policy"


def test_policy_months_out_of_range_are_refused(
    client: Client, world: World, personas: dict[str, User]
) -> None:
    response = _as(client, personas["officer"]).post(
        POLICY, {"institution": world.uni.pk, "veto_months": 121}
    )
    assert response.status_code == 400
    assert _errors(response.content.decode()) == [
        ("veto_months", "Ensure this value is less than or equal to 120.")
    ]
    assert EthicsPolicy.objects.count() == 0
