"""The veto selector other apps call (``veto_for``, ``vetoed_person_ids``, ``vetoes_by_person``,
``overall_evaluation_fails``) and the ethics pages' list reads."""

import datetime
from typing import Any

import pytest

from medtalent.assessments.models import EthicsPolicy, EthicsRecord
from medtalent.assessments.selectors_ethics import (
    EthicsFilters,
    Veto,
    ethics_pages_open_to,
    ethics_policies_for,
    ethics_records_for,
    ethics_status_counts,
    ethics_trainees_for,
    overall_evaluation_fails,
    veto_for,
    vetoed_person_ids,
    vetoes_by_person,
)
from medtalent.assessments.services.ethics import ethics_record_decide
from medtalent.assessments.tests.factories import EthicsRecordFactory
from medtalent.assessments.tests.factories_ethics import SeriousViolationFactory
from medtalent.conftest import World
from medtalent.people.models import Person, User

pytestmark = pytest.mark.django_db

Status = EthicsRecord.Status
Kind = EthicsRecord.Kind
Severity = EthicsRecord.Severity

EVENT = datetime.date(2026, 3, 10)
UNTIL = datetime.date(2028, 3, 10)  # the first day the trainee is eligible again
DAY = datetime.timedelta(days=1)


def _veto_record(person: Person, **overrides: Any) -> EthicsRecord:
    values: dict[str, Any] = {
        "person": person,
        "kind": Kind.VIOLATION,
        "severity": Severity.SERIOUS,
        "status": Status.CONFIRMED,
        "occurred_on": EVENT,
        "veto_until": UNTIL,
    }
    values.update(overrides)
    return EthicsRecordFactory(**values)


# --- veto_for: the time limit -------------------------------------------------------------------------


def test_the_veto_runs_from_the_event_to_the_day_before_veto_until(world: World) -> None:
    record = _veto_record(world.trainee_person)
    person_id = world.trainee_person.pk
    expected = Veto(record_id=record.pk, occurred_on=EVENT, until=UNTIL)

    assert veto_for(person_id, on=EVENT - DAY) is None
    assert veto_for(person_id, on=EVENT) == expected
    assert veto_for(person_id, on=datetime.date(2027, 6, 1)) == expected
    assert veto_for(person_id, on=UNTIL - DAY) == expected
    assert veto_for(person_id, on=UNTIL) is None
    assert veto_for(person_id, on=UNTIL + DAY) is None
    assert expected.last_day == datetime.date(2028, 3, 9)


def test_the_veto_exposes_no_content(world: World) -> None:
    _veto_record(world.trainee_person, title="Took a bribe", description="From a patient's family.")
    veto = veto_for(world.trainee_person.pk, on=EVENT)
    assert veto is not None
    assert set(vars(veto)) == {"record_id", "occurred_on", "until"}


def test_with_two_vetoes_the_longer_one_answers(world: World) -> None:
    _veto_record(world.trainee_person)
    later = _veto_record(
        world.trainee_person, occurred_on=datetime.date(2027, 1, 5), veto_until=datetime.date(2029, 1, 5)
    )
    assert veto_for(world.trainee_person.pk, on=datetime.date(2027, 2, 1)) == Veto(
        later.pk, datetime.date(2027, 1, 5), datetime.date(2029, 1, 5)
    )


def test_the_veto_is_the_persons_own(world: World) -> None:
    _veto_record(world.trainee_person)
    assert veto_for(world.other_trainee.pk, on=EVENT) is None


def test_dismissing_clears_the_veto(world: World, personas: dict[str, User]) -> None:
    officer = personas["officer"]
    record = SeriousViolationFactory(person=world.trainee_person, occurred_on=EVENT)
    ethics_record_decide(
        actor=officer, record=record, expected_version=1, status=Status.CONFIRMED, note="Proven by the log."
    )
    assert veto_for(world.trainee_person.pk, on=EVENT) == Veto(record.pk, EVENT, UNTIL)
    assert list(vetoed_person_ids(on=EVENT)) == [world.trainee_person.pk]

    ethics_record_decide(
        actor=officer, record=record, expected_version=2, status=Status.UNDER_REVIEW, note="Appeal."
    )
    assert veto_for(world.trainee_person.pk, on=EVENT) is None
    ethics_record_decide(
        actor=officer, record=record, expected_version=3, status=Status.DISMISSED, note="The appeal holds."
    )
    assert veto_for(world.trainee_person.pk, on=EVENT) is None
    assert list(vetoed_person_ids(on=EVENT)) == []
    assert (
        overall_evaluation_fails(
            world.trainee_person.pk,
            period_start=datetime.date(2026, 1, 1),
            period_end=datetime.date(2026, 12, 31),
        )
        is False
    )


@pytest.mark.parametrize(
    ("kind", "severity", "status"),
    [
        (Kind.VIOLATION, Severity.MINOR, Status.CONFIRMED),
        (Kind.VIOLATION, Severity.MODERATE, Status.CONFIRMED),
        (Kind.CONCERN, Severity.SERIOUS, Status.CONFIRMED),
        (Kind.COMMENDATION, Severity.SERIOUS, Status.CONFIRMED),
        (Kind.VIOLATION, Severity.SERIOUS, Status.REPORTED),
        (Kind.VIOLATION, Severity.SERIOUS, Status.UNDER_REVIEW),
        (Kind.VIOLATION, Severity.SERIOUS, Status.DISMISSED),
    ],
)
def test_nothing_but_a_confirmed_serious_violation_vetoes_or_fails(
    world: World, kind: str, severity: str, status: str
) -> None:
    EthicsRecordFactory(
        person=world.trainee_person, kind=kind, severity=severity, status=status, occurred_on=EVENT
    )
    person_id = world.trainee_person.pk
    assert veto_for(person_id, on=EVENT) is None
    assert list(vetoed_person_ids(on=EVENT)) == []
    assert vetoes_by_person([person_id], on=EVENT) == {}
    assert overall_evaluation_fails(person_id, period_start=EVENT, period_end=EVENT) is False


def test_a_confirmed_serious_violation_whose_veto_was_not_set_does_not_veto(world: World) -> None:
    """The veto is the decision's: a record written around the service (no ``veto_until``) vetoes nothing,
    though it still fails the period's evaluation."""
    _veto_record(world.trainee_person, veto_until=None)
    assert veto_for(world.trainee_person.pk, on=EVENT) is None
    assert overall_evaluation_fails(world.trainee_person.pk, period_start=EVENT, period_end=EVENT) is True


# --- the bulk forms -----------------------------------------------------------------------------------


def test_vetoed_person_ids_filter_people_in_sql(world: World, django_assert_num_queries: Any) -> None:
    _veto_record(world.trainee_person)
    _veto_record(world.trainee_person, occurred_on=datetime.date(2026, 5, 1))  # twice: listed once
    _veto_record(world.other_trainee, veto_until=datetime.date(2026, 6, 1))
    _veto_record(
        world.foreign_trainee, occurred_on=datetime.date(2027, 1, 1), veto_until=datetime.date(2029, 1, 1)
    )

    on = datetime.date(2026, 7, 1)
    assert list(vetoed_person_ids(on=on)) == [world.trainee_person.pk]
    assert sorted(vetoed_person_ids(on=datetime.date(2026, 5, 31))) == sorted(
        [world.trainee_person.pk, world.other_trainee.pk]
    )
    candidates = Person.objects.filter(trainee_profiles__isnull=False)
    with django_assert_num_queries(1):
        eligible = list(
            candidates.exclude(pk__in=vetoed_person_ids(on=on)).values_list("name_latin", flat=True)
        )
    assert sorted(eligible) == ["Foreign Trainee", "Other Trainee"]


def test_vetoes_by_person_answers_many_in_one_query(world: World, django_assert_num_queries: Any) -> None:
    first = _veto_record(world.trainee_person)
    longer = _veto_record(world.trainee_person, veto_until=datetime.date(2030, 1, 1))
    other = _veto_record(
        world.other_trainee, occurred_on=datetime.date(2026, 1, 2), veto_until=datetime.date(2027, 1, 2)
    )
    people = [world.trainee_person.pk, world.other_trainee.pk, world.foreign_trainee.pk]
    with django_assert_num_queries(1):
        vetoes = vetoes_by_person(people, on=datetime.date(2026, 12, 1))
    assert vetoes == {
        world.trainee_person.pk: Veto(longer.pk, EVENT, datetime.date(2030, 1, 1)),
        world.other_trainee.pk: Veto(other.pk, datetime.date(2026, 1, 2), datetime.date(2027, 1, 2)),
    }
    assert first.pk != longer.pk
    with django_assert_num_queries(0):
        assert vetoes_by_person([], on=EVENT) == {}


# --- the overall evaluation of a period ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("period_start", "period_end", "fails"),
    [
        (datetime.date(2026, 1, 1), datetime.date(2026, 12, 31), True),
        (EVENT, EVENT, True),  # both ends included
        (datetime.date(2025, 9, 1), EVENT, True),
        (EVENT + DAY, datetime.date(2027, 8, 31), False),  # after the event, though the veto runs on
        (datetime.date(2025, 1, 1), EVENT - DAY, False),
    ],
)
def test_the_overall_evaluation_fails_for_the_period_of_the_violation(
    world: World, period_start: datetime.date, period_end: datetime.date, fails: bool
) -> None:
    _veto_record(world.trainee_person)
    assert (
        overall_evaluation_fails(world.trainee_person.pk, period_start=period_start, period_end=period_end)
        is fails
    )
    assert (
        overall_evaluation_fails(world.other_trainee.pk, period_start=period_start, period_end=period_end)
        is False
    )


def test_a_period_ends_after_it_starts(world: World) -> None:
    with pytest.raises(ValueError, match="period_end is before period_start"):
        overall_evaluation_fails(world.trainee_person.pk, period_start=EVENT, period_end=EVENT - DAY)


# --- the pages' reads ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "opens"),
    [
        ("admin", True),
        ("officer", True),
        ("outsider", True),
        ("mentor", True),
        ("trainee", True),
        ("talent_officer", False),
        ("head", False),
        ("teacher", False),
        ("leader", False),
    ],
)
def test_who_opens_the_ethics_pages(personas: dict[str, User], persona: str, opens: bool) -> None:
    assert ethics_pages_open_to(personas[persona]) is opens


def test_lists_filter_by_status_kind_and_name(world: World, personas: dict[str, User]) -> None:
    reported = EthicsRecordFactory(
        person=world.trainee_person, kind=Kind.CONCERN, occurred_on=datetime.date(2026, 2, 1)
    )
    confirmed = _veto_record(world.trainee_person)
    other = EthicsRecordFactory(person=world.other_trainee, kind=Kind.COMMENDATION, status=Status.CONFIRMED)
    foreign = EthicsRecordFactory(person=world.foreign_trainee)
    officer = personas["officer"]

    def ids(**filters: str) -> list[int]:
        return [record.pk for record in ethics_records_for(officer, EthicsFilters(**filters))]

    assert ids() == [confirmed.pk, other.pk, reported.pk]
    assert ids(status=Status.CONFIRMED) == [confirmed.pk, other.pk]
    assert ids(kind=Kind.CONCERN) == [reported.pk]
    assert ids(text="other") == [other.pk]
    assert foreign.pk not in ids()
    assert [r.pk for r in ethics_records_for(personas["outsider"], EthicsFilters())] == [foreign.pk]
    assert [r.pk for r in ethics_records_for(personas["mentor"], EthicsFilters())] == [
        confirmed.pk,
        reported.pk,
    ]
    assert ethics_status_counts(officer) == {"reported": 1, "under_review": 0, "confirmed": 2, "dismissed": 0}


def test_filters_from_a_query_ignore_unknown_values() -> None:
    assert EthicsFilters.parse({"status": "confirmed", "kind": "violation", "q": "  Li  "}) == EthicsFilters(
        "confirmed", "violation", "Li"
    )
    assert EthicsFilters.parse({"status": "closed", "kind": "x' OR 1=1"}) == EthicsFilters()


def test_trainees_to_open(world: World, personas: dict[str, User]) -> None:
    assert ethics_trainees_for(personas["mentor"]) == [world.trainee_person]
    assert ethics_trainees_for(personas["trainee"]) == [world.trainee_person]
    assert ethics_trainees_for(personas["officer"]) == []  # a whole scope is too long: search
    assert ethics_trainees_for(personas["officer"], text="trainee") == [
        world.other_trainee,
        world.trainee_person,
    ]
    assert ethics_trainees_for(personas["outsider"], text="trainee") == [world.foreign_trainee]
    assert ethics_trainees_for(personas["mentor"], text="other") == []


def test_policies_show_the_months_in_force(world: World, personas: dict[str, User]) -> None:
    EthicsPolicy.objects.create(institution=world.uni, veto_months=12)
    rows = [
        (row.institution.code, row.veto_months, row.source)
        for row in ethics_policies_for(personas["officer"])
    ]
    assert rows == [("uni", 12, "own"), ("hospital", 12, "parent")]
    assert [
        (row.institution.code, row.veto_months, row.source)
        for row in ethics_policies_for(personas["outsider"])
    ] == [("other", 24, "default")]
    assert ethics_policies_for(personas["mentor"]) == []
