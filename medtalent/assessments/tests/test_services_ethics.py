"""The ethics record's services: who adds entries and in which status, the decision path and its veto,
stale decisions, the policy, the audit trail and who is told."""

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from medtalent.assessments.models import EthicsPolicy, EthicsRecord
from medtalent.assessments.services.ethics import (
    add_calendar_months,
    ethics_policy_set,
    ethics_record_create,
    ethics_record_decide,
    training_institution,
    veto_months_for,
)
from medtalent.assessments.tests.factories import EthicsRecordFactory
from medtalent.assessments.tests.factories_ethics import SeriousViolationFactory
from medtalent.conftest import World
from medtalent.core.errors import ApplicationError, ConflictError, ForbiddenError
from medtalent.core.models import AuditEvent, Notification
from medtalent.people.models import Mentorship, TraineeProfile, User
from medtalent.people.tests.factories import MentorshipFactory, PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 11, 20)
EVENT = datetime.date(2026, 3, 31)
Status = EthicsRecord.Status
Kind = EthicsRecord.Kind
Severity = EthicsRecord.Severity


def _create(actor: User, world: World, **overrides: Any) -> EthicsRecord:
    values: dict[str, Any] = {
        "person": world.trainee_person,
        "kind": Kind.VIOLATION,
        "severity": Severity.SERIOUS,
        "occurred_on": EVENT,
        "title": "Falsified a lab result",
        "description": "Reported by the ward.",
        "today": TODAY,
    }
    values.update(overrides)
    return ethics_record_create(actor=actor, **values)


def _decide(
    actor: User, record: EthicsRecord, status: str, note: str = "Reviewed with both mentors.", **kw: Any
):
    return ethics_record_decide(
        actor=actor, record=record, expected_version=record.version, status=status, note=note, **kw
    )


def _titles(user: User) -> list[str]:
    return list(Notification.objects.filter(recipient=user).order_by("pk").values_list("title", flat=True))


# --- creating -----------------------------------------------------------------------------------------


def test_a_mentor_reports_an_entry_which_starts_reported_and_goes_to_the_officers(
    world: World, personas: dict[str, User]
) -> None:
    record = _create(personas["mentor"], world)

    record.refresh_from_db()
    assert (record.status, record.kind, record.severity) == (
        Status.REPORTED,
        Kind.VIOLATION,
        Severity.SERIOUS,
    )
    assert (record.reported_by, record.decided_by, record.veto_until) == (personas["mentor"], None, None)
    assert record.title == "Falsified a lab result"
    event = AuditEvent.objects.get(action="ethics.create")
    assert event.actor == personas["mentor"]
    assert event.changes["status"] == [None, "reported"]
    assert event.changes["occurred_on"] == [None, "2026-03-31"]
    # The officer of the university (the hospital's parent) decides, so hears of it; the trainee not yet.
    assert _titles(personas["officer"]) == ["Ethics record of Trainee: a new entry awaits review (Violation)"]
    assert _titles(personas["trainee"]) == []
    assert _titles(personas["outsider"]) == []


def test_an_officers_commendation_is_confirmed_at_once_and_told_to_the_trainee_and_mentors(
    world: World, personas: dict[str, User]
) -> None:
    record = _create(
        personas["officer"], world, kind=Kind.COMMENDATION, severity=Severity.MINOR, title="Free clinic"
    )

    record.refresh_from_db()
    assert (record.status, record.decided_by, record.veto_until) == (
        Status.CONFIRMED,
        personas["officer"],
        None,
    )
    assert record.decided_at is not None
    title = "Ethics record of Trainee: a commendation was added"
    assert _titles(personas["trainee"]) == [title]
    assert _titles(personas["mentor"]) == [title]
    assert _titles(personas["officer"]) == []


def test_a_mentors_commendation_waits_for_review(world: World, personas: dict[str, User]) -> None:
    record = _create(personas["mentor"], world, kind=Kind.COMMENDATION, severity=Severity.MINOR)
    assert record.status == Status.REPORTED
    assert record.decided_by is None


def test_an_officers_violation_report_starts_reported_too(world: World, personas: dict[str, User]) -> None:
    record = _create(personas["officer"], world)
    assert record.status == Status.REPORTED
    assert record.veto_until is None


@pytest.mark.parametrize("persona", ["trainee", "head", "teacher", "leader", "talent_officer", "outsider"])
def test_only_officers_and_mentors_add_entries(world: World, personas: dict[str, User], persona: str) -> None:
    with pytest.raises(ForbiddenError) as refused:
        _create(personas[persona], world)
    assert str(refused.value.message) == (
        "Only programme officers and the trainee's mentors add to an ethics record."
    )
    assert EthicsRecord.objects.count() == 0
    assert AuditEvent.objects.filter(action="ethics.create").count() == 0


def test_a_past_mentor_adds_nothing(world: World, personas: dict[str, User]) -> None:
    Mentorship.objects.filter(pk=world.mentorship.pk).update(end_date=datetime.date(2025, 6, 30))
    with pytest.raises(ForbiddenError):
        _create(personas["mentor"], world)


def test_entries_are_kept_for_trainees_only(world: World, personas: dict[str, User]) -> None:
    with pytest.raises(ApplicationError) as refused:
        _create(personas["officer"], world, person=world.teacher_person)
    assert (refused.value.field, str(refused.value.message)) == (
        "person",
        "Ethics records are kept for trainees only.",
    )


def test_an_entry_is_validated_field_by_field_and_nothing_is_saved(
    world: World, personas: dict[str, User]
) -> None:
    with pytest.raises(ValidationError) as refused:
        _create(
            personas["officer"],
            world,
            kind="praise",
            severity="grave",
            occurred_on=datetime.date(2026, 11, 21),
            title="   ",
            description="x" * 4001,
        )
    assert refused.value.message_dict == {
        "kind": ["Choose one of the listed values."],
        "severity": ["Choose one of the listed values."],
        "occurred_on": ["The date of the event cannot be in the future."],
        "title": ["Give the entry a title."],
        "description": ["At most 4000 characters."],
    }
    with pytest.raises(ValidationError) as missing:
        _create(personas["officer"], world, occurred_on=None)
    assert missing.value.message_dict == {"occurred_on": ["Enter the date of the event."]}
    assert EthicsRecord.objects.count() == 0


def test_title_and_description_are_stored_trimmed(world: World, personas: dict[str, User]) -> None:
    record = _create(personas["mentor"], world, title="  Late to ward rounds  ", description="\n Twice. \n")
    assert (record.title, record.description) == ("Late to ward rounds", "Twice.")


# --- deciding -----------------------------------------------------------------------------------------


def test_confirming_a_serious_violation_sets_the_veto_from_the_event_by_the_default_months(
    world: World, personas: dict[str, User]
) -> None:
    officer = personas["officer"]
    record = _create(personas["mentor"], world)
    _decide(officer, record, Status.UNDER_REVIEW, note="")
    _decide(officer, record, Status.CONFIRMED, note="The lab log shows it.")

    record.refresh_from_db()
    assert (record.status, record.version) == (Status.CONFIRMED, 3)
    # 24 months (the default) from 31 March 2026.
    assert record.veto_until == datetime.date(2028, 3, 31)
    assert (record.decided_by, record.decision_note) == (officer, "The lab log shows it.")
    confirm = AuditEvent.objects.filter(action="ethics.decide").latest("pk")
    assert confirm.changes == {
        "status": ["under_review", "confirmed"],
        "decision_note": ["", "The lab log shows it."],
        "veto_until": [None, "2028-03-31"],
        "reason": [None, "The lab log shows it."],
    }
    trainee_titles = _titles(personas["trainee"])
    assert trainee_titles == [
        "Ethics record of Trainee: an entry is under review",
        "Ethics record of Trainee: an entry was confirmed",
    ]
    assert _titles(personas["mentor"]) == trainee_titles
    body = Notification.objects.filter(recipient=personas["trainee"]).latest("pk").body
    assert body == (
        "A confirmed serious violation: the overall evaluation fails for the period, and awards, "
        "scholarships and talent selection are closed to the trainee up to and including 2028-03-30."
    )


def test_the_policy_of_the_training_base_sets_the_months(world: World, personas: dict[str, User]) -> None:
    EthicsPolicy.objects.create(institution=world.hospital, veto_months=6)
    record = SeriousViolationFactory(person=world.trainee_person, occurred_on=datetime.date(2026, 8, 31))
    _decide(personas["officer"], record, Status.CONFIRMED)
    assert record.veto_until == datetime.date(2027, 2, 28)


def test_an_affiliate_without_a_policy_follows_its_parent(world: World) -> None:
    assert veto_months_for(world.hospital) == 24
    EthicsPolicy.objects.create(institution=world.uni, veto_months=12)
    assert veto_months_for(world.hospital) == 12
    EthicsPolicy.objects.create(institution=world.hospital, veto_months=18)
    assert veto_months_for(world.hospital) == 18
    assert veto_months_for(world.other) == 24


def test_the_training_base_is_the_active_trainee_profile(world: World) -> None:
    person = world.trainee_person
    assert training_institution(person) == world.hospital
    TraineeProfile.objects.filter(person=person).update(status=TraineeProfile.Status.COMPLETED)
    assert training_institution(person) == world.hospital
    assert training_institution(world.officer_person) == world.uni  # no profile: their institution


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (datetime.date(2026, 1, 31), 1, datetime.date(2026, 2, 28)),
        (datetime.date(2027, 12, 31), 2, datetime.date(2028, 2, 29)),
        (datetime.date(2026, 3, 15), 24, datetime.date(2028, 3, 15)),
        (datetime.date(2026, 11, 30), 120, datetime.date(2036, 11, 30)),
    ],
)
def test_calendar_months_keep_the_day_or_the_months_last(
    day: datetime.date, months: int, expected: datetime.date
) -> None:
    assert add_calendar_months(day, months) == expected


@pytest.mark.parametrize(
    ("kind", "severity"),
    [
        (Kind.VIOLATION, Severity.MODERATE),
        (Kind.VIOLATION, Severity.MINOR),
        (Kind.CONCERN, Severity.SERIOUS),
        (Kind.COMMENDATION, Severity.SERIOUS),
    ],
)
def test_only_a_serious_violation_sets_a_veto(
    world: World, personas: dict[str, User], kind: str, severity: str
) -> None:
    record = EthicsRecordFactory(
        person=world.trainee_person, kind=kind, severity=severity, status=Status.UNDER_REVIEW
    )
    _decide(personas["officer"], record, Status.CONFIRMED)
    record.refresh_from_db()
    assert (record.status, record.veto_until) == (Status.CONFIRMED, None)


def test_the_officer_may_correct_the_severity_when_deciding(world: World, personas: dict[str, User]) -> None:
    record = SeriousViolationFactory(person=world.trainee_person)
    _decide(personas["officer"], record, Status.CONFIRMED, severity=Severity.MODERATE)
    record.refresh_from_db()
    assert (record.severity, record.veto_until) == (Severity.MODERATE, None)
    assert AuditEvent.objects.get(action="ethics.decide").changes["severity"] == ["serious", "moderate"]

    upgraded = SeriousViolationFactory(
        person=world.trainee_person, severity=Severity.MINOR, occurred_on=datetime.date(2026, 5, 4)
    )
    _decide(personas["officer"], upgraded, Status.CONFIRMED, severity=Severity.SERIOUS)
    assert upgraded.veto_until == datetime.date(2028, 5, 4)


@pytest.mark.parametrize("outcome", [Status.DISMISSED, Status.UNDER_REVIEW])
def test_dismissing_or_reopening_clears_the_veto(
    world: World, personas: dict[str, User], outcome: str
) -> None:
    officer = personas["officer"]
    record = SeriousViolationFactory(person=world.trainee_person)
    _decide(officer, record, Status.CONFIRMED)
    assert record.veto_until == datetime.date(2028, 3, 1)
    if outcome == Status.DISMISSED:
        _decide(officer, record, Status.UNDER_REVIEW, note="New witness statement.")
    _decide(officer, record, outcome, note="The witness was mistaken.")

    record.refresh_from_db()
    assert (record.status, record.veto_until) == (outcome, None)
    last = AuditEvent.objects.filter(action="ethics.decide").latest("pk")
    assert last.changes["reason"] == [None, "The witness was mistaken."]
    if outcome == Status.UNDER_REVIEW:
        assert last.changes["veto_until"] == ["2028-03-01", None]
        assert (record.decided_by, record.decided_at) == (None, None)
    else:
        assert record.decided_by == officer


@pytest.mark.parametrize(
    ("current", "wanted", "message"),
    [
        (Status.REPORTED, Status.CONFIRMED, "An entry that is reported cannot become confirmed."),
        (Status.REPORTED, Status.DISMISSED, "An entry that is reported cannot become dismissed."),
        (
            Status.UNDER_REVIEW,
            Status.UNDER_REVIEW,
            "An entry that is under review cannot become under review.",
        ),
        (Status.CONFIRMED, Status.DISMISSED, "An entry that is confirmed cannot become dismissed."),
        (Status.DISMISSED, Status.REPORTED, "An entry that is dismissed cannot become reported."),
    ],
)
def test_decisions_follow_the_path(
    world: World, personas: dict[str, User], current: str, wanted: str, message: str
) -> None:
    record = EthicsRecordFactory(person=world.trainee_person, status=current)
    with pytest.raises(ApplicationError) as refused:
        _decide(personas["officer"], record, wanted)
    assert (refused.value.field, str(refused.value.message)) == ("status", message)
    record.refresh_from_db()
    assert (record.status, record.version) == (current, 1)
    assert not AuditEvent.objects.filter(action="ethics.decide").exists()


@pytest.mark.parametrize(
    ("current", "wanted"),
    [
        (Status.UNDER_REVIEW, Status.CONFIRMED),
        (Status.UNDER_REVIEW, Status.DISMISSED),
        (Status.CONFIRMED, Status.UNDER_REVIEW),
    ],
)
def test_confirming_dismissing_and_reopening_need_a_reason(
    world: World, personas: dict[str, User], current: str, wanted: str
) -> None:
    record = EthicsRecordFactory(person=world.trainee_person, status=current)
    with pytest.raises(ValidationError) as refused:
        _decide(personas["officer"], record, wanted, note="  ok ")
    assert refused.value.message_dict == {"note": ["Write the reason for this decision."]}
    record.refresh_from_db()
    assert record.status == current


def test_an_unknown_status_is_refused_on_its_field(world: World, personas: dict[str, User]) -> None:
    record = EthicsRecordFactory(person=world.trainee_person)
    with pytest.raises(ValidationError) as refused:
        _decide(personas["officer"], record, "closed")
    assert refused.value.message_dict == {"status": ["Choose one of the listed values."]}


def test_a_stale_decision_answers_409_and_changes_nothing(world: World, personas: dict[str, User]) -> None:
    officer = personas["officer"]
    record = SeriousViolationFactory(person=world.trainee_person, status=Status.REPORTED)
    stale = EthicsRecord.objects.get(pk=record.pk)
    _decide(officer, record, Status.UNDER_REVIEW, note="")
    # A second officer's page still shows the entry as reported (version 1): its "take under review"
    # meets a changed record, not a forbidden move.
    with pytest.raises(ConflictError) as refused:
        ethics_record_decide(
            actor=personas["admin"], record=stale, expected_version=1, status=Status.UNDER_REVIEW, note=""
        )
    assert refused.value.status_code == 409
    assert str(refused.value.message).startswith("Someone else changed this record after you opened it.")
    # Somebody writes between our read and our update: the conditional UPDATE finds no row.
    fresh = EthicsRecord.objects.get(pk=record.pk)
    EthicsRecord.objects.filter(pk=fresh.pk).update(version=fresh.version + 1)
    with pytest.raises(ConflictError):
        ethics_record_decide(
            actor=officer,
            record=fresh,
            expected_version=fresh.version,
            status=Status.CONFIRMED,
            note="Proven.",
        )
    record.refresh_from_db()
    assert (record.status, record.version, record.veto_until) == (Status.UNDER_REVIEW, 3, None)
    assert AuditEvent.objects.filter(action="ethics.decide").count() == 1


@pytest.mark.parametrize(
    "persona", ["mentor", "trainee", "talent_officer", "head", "teacher", "leader", "outsider"]
)
def test_only_officers_in_scope_decide(world: World, personas: dict[str, User], persona: str) -> None:
    record = SeriousViolationFactory(person=world.trainee_person, status=Status.REPORTED)
    with pytest.raises(ForbiddenError) as refused:
        _decide(personas[persona], record, Status.UNDER_REVIEW)
    assert (
        str(refused.value.message)
        == "Only programme officers of the trainee's training base decide ethics entries."
    )
    record.refresh_from_db()
    assert (record.status, record.version) == (Status.REPORTED, 1)


def test_an_officer_does_not_decide_their_own_entry(world: World, personas: dict[str, User]) -> None:
    """A programme officer who is also in training does not judge themselves."""
    officer = personas["officer"]
    TraineeProfile.objects.create(
        person=world.officer_person,
        level="doctoral",
        institution=world.uni,
        cohort=2025,
        start_date=datetime.date(2025, 9, 1),
    )
    record = EthicsRecordFactory(person=world.officer_person)
    with pytest.raises(ForbiddenError):
        _decide(officer, record, Status.UNDER_REVIEW)


def test_the_admin_decides_anywhere(world: World, personas: dict[str, User]) -> None:
    record = SeriousViolationFactory(person=world.foreign_trainee)
    _decide(personas["admin"], record, Status.CONFIRMED)
    assert record.veto_until == datetime.date(2028, 3, 1)


def test_peer_seniors_and_past_mentors_are_not_told(world: World, personas: dict[str, User]) -> None:
    senior = PersonFactory(name_latin="Senior", institution=world.hospital)
    senior_user = UserFactory(username="senior", person=senior)
    MentorshipFactory(
        mentor=senior,
        mentee=world.trainee_person,
        kind=Mentorship.Kind.PEER_SENIOR,
        start_date=datetime.date(2025, 9, 1),
    )
    record = EthicsRecordFactory(person=world.trainee_person)
    _decide(personas["officer"], record, Status.UNDER_REVIEW, note="")
    assert _titles(senior_user) == []
    assert _titles(personas["mentor"]) == ["Ethics record of Trainee: an entry is under review"]


# --- the policy ---------------------------------------------------------------------------------------


def test_an_officer_sets_the_policy_of_an_institution_in_scope(
    world: World, personas: dict[str, User]
) -> None:
    policy = ethics_policy_set(actor=personas["officer"], institution=world.hospital, veto_months=36)
    assert EthicsPolicy.objects.get(institution=world.hospital).veto_months == 36
    event = AuditEvent.objects.get(action="ethics.policy_set")
    assert (event.target_id, event.changes) == (str(policy.pk), {"veto_months": [None, 36]})

    ethics_policy_set(actor=personas["officer"], institution=world.hospital, veto_months=12)
    ethics_policy_set(actor=personas["officer"], institution=world.hospital, veto_months=12)  # no change
    events = AuditEvent.objects.filter(action="ethics.policy_set").order_by("pk")
    assert [event.changes for event in events] == [{"veto_months": [None, 36]}, {"veto_months": [36, 12]}]
    assert EthicsPolicy.objects.count() == 1


def test_a_new_policy_leaves_vetoes_already_decided(world: World, personas: dict[str, User]) -> None:
    record = SeriousViolationFactory(person=world.trainee_person)
    _decide(personas["officer"], record, Status.CONFIRMED)
    ethics_policy_set(actor=personas["officer"], institution=world.hospital, veto_months=6)
    record.refresh_from_db()
    assert record.veto_until == datetime.date(2028, 3, 1)


@pytest.mark.parametrize("months", [0, 121])
def test_the_policy_months_are_between_1_and_120(
    world: World, personas: dict[str, User], months: int
) -> None:
    with pytest.raises(ValidationError) as refused:
        ethics_policy_set(actor=personas["officer"], institution=world.hospital, veto_months=months)
    assert list(refused.value.message_dict) == ["veto_months"]
    assert EthicsPolicy.objects.count() == 0


@pytest.mark.parametrize("persona", ["talent_officer", "mentor", "head", "leader", "trainee", "outsider"])
def test_only_officers_of_the_institution_set_its_policy(
    world: World, personas: dict[str, User], persona: str
) -> None:
    with pytest.raises(ForbiddenError) as refused:
        ethics_policy_set(actor=personas[persona], institution=world.hospital, veto_months=6)
    assert str(refused.value.message) == "Only programme officers of the institution set its ethics policy."
    assert EthicsPolicy.objects.count() == 0
