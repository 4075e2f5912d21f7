"""The logbook services: logging, the DOPS a procedure asks for, verification, deletion, the item lists and
the deficiency alerts (with the pace they follow)."""

import datetime
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext

from medtalent.assessments.models import (
    Assessment,
    AssessmentOrigin,
    AssessmentStatus,
    LogbookAlert,
    LogbookEntry,
    LogbookEntryStatus,
    LogbookItem,
    LogbookRole,
)
from medtalent.assessments.selectors_logbook import entry_counts, expected_by_now, rotation_progress
from medtalent.assessments.services.logbook import (
    logbook_deficiency_alerts_send,
    logbook_entry_create,
    logbook_entry_delete,
    logbook_entry_reject,
    logbook_entry_verify,
    logbook_item_save,
)
from medtalent.core.errors import ApplicationError, ConflictError, ForbiddenError
from medtalent.core.models import AuditEvent, Notification
from medtalent.people.models import TraineeProfile, User
from medtalent.people.tests.factories import PersonFactory, TraineeProfileFactory, UserFactory
from medtalent.rotations.models import RotationBlock, RotationEnrolment, RotationStandard, StandardEdition

from .conftest import IN_ROTATION, Bedside
from .factories import LogbookEntryFactory, LogbookItemFactory, shipped_version


@pytest.fixture(autouse=True)
def _notifications_in_english(bedside: Bedside) -> None:
    """Notifications render in each recipient's language: English here, so titles are asserted whole."""
    User.objects.update(language="en")


@pytest.fixture
def item(bedside: Bedside) -> LogbookItem:
    return LogbookItemFactory(
        department=bedside.world.cardiology,
        code="coronary_angiography",
        name_en="Coronary angiography",
        minimum=6,
    )


@pytest.fixture
def dops_item(bedside: Bedside) -> LogbookItem:
    return LogbookItemFactory(
        department=bedside.world.cardiology,
        code="pericardiocentesis",
        name_en="Pericardiocentesis",
        minimum=2,
        dops_instrument=shipped_version("dops").instrument,
    )


def log(bedside: Bedside, item: LogbookItem, **overrides: object) -> LogbookEntry:
    values: dict = {
        "actor": bedside.users["trainee"],
        "trainee": bedside.trainee,
        "item": item,
        "performed_on": IN_ROTATION,
        "role": LogbookRole.PERFORMED,
        "supervisor": bedside.world.teacher_person,
        "today": IN_ROTATION,
    }
    values.update(overrides)
    return logbook_entry_create(**values)


def titles_of(user: object) -> list[str]:
    return list(Notification.objects.filter(recipient=user).order_by("pk").values_list("title", flat=True))


# --- pace ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("today", "expected"),
    [
        (datetime.date(2026, 8, 20), 0),  # before the rotation
        (datetime.date(2026, 9, 1), 0),  # its first day
        (datetime.date(2026, 10, 12), 2),  # 41 of 91 days: 6 × 41 / 91 = 2.7
        (datetime.date(2026, 10, 16), 2),  # 45 of 91 days: 2.97
        (datetime.date(2026, 10, 17), 3),  # 46 of 91 days: 3.03
        (datetime.date(2026, 11, 30), 5),  # 90 of 91 days: 5.93
        (datetime.date(2027, 1, 5), 6),  # after it
    ],
)
def test_expected_by_now_is_the_minimum_times_the_elapsed_share_rounded_down(
    bedside: Bedside, today: datetime.date, expected: int
) -> None:
    assert expected_by_now(minimum=6, block=bedside.block, today=today) == expected


# --- logging ------------------------------------------------------------------------------------


def test_the_trainee_logs_an_entry_in_the_rotation_it_notifies_the_supervisor_and_is_audited(
    bedside: Bedside, item: LogbookItem
) -> None:
    entry = log(bedside, item, patient_reference=" Bed 12 ", note="STEMI")
    entry.refresh_from_db()
    assert entry.status == LogbookEntryStatus.PENDING
    assert entry.department == bedside.world.cardiology
    assert entry.rotation_block == bedside.block
    assert entry.patient_reference == "Bed 12"
    assert entry.created_by == bedside.users["trainee"]
    assert entry.dops_assessment is None
    assert titles_of(bedside.users["teacher"]) == [
        "Trainee logged Coronary angiography on 2026-10-12: please verify"
    ]
    event = AuditEvent.objects.get(action="logbook.entry_create")
    assert event.target_id == str(entry.pk)
    assert event.changes["supervisor"] == [None, "Teacher"]
    assert event.changes["performed_on"] == [None, "2026-10-12"]


def test_only_the_trainee_logs_their_own(bedside: Bedside, item: LogbookItem) -> None:
    with pytest.raises(ForbiddenError) as raised:
        log(bedside, item, actor=bedside.users["teacher"])
    assert str(raised.value.message) == "Only the trainee logs their own cases and procedures."
    assert LogbookEntry.objects.count() == 0


def test_an_item_of_another_department_than_the_rotation_is_refused(bedside: Bedside) -> None:
    surgery_item = LogbookItemFactory(department=bedside.world.surgery, name_en="Appendicectomy")
    with pytest.raises(ApplicationError) as raised:
        log(bedside, surgery_item)
    assert raised.value.field == "item"
    assert str(raised.value.message) == (
        "“Appendicectomy” is not on the list of Cardiology, where you rotated on 2026-10-12."
    )
    assert LogbookEntry.objects.count() == 0


def test_the_date_decides_the_department(bedside: Bedside, item: LogbookItem) -> None:
    """Before the rotation the trainee is in their home department (cardiology too, here), and without a
    rotation block: after it, in a department the schedule gives them."""
    surgery = bedside.world.surgery
    RotationBlock.objects.create(
        schedule=bedside.schedule,
        trainee=bedside.trainee,
        department=surgery,
        start_month=datetime.date(2026, 12, 1),
        months=2,
    )
    december = datetime.date(2026, 12, 3)
    with pytest.raises(ApplicationError) as raised:
        log(bedside, item, performed_on=december, today=december)
    assert "is not on the list of General Surgery" in str(raised.value.message)
    before = log(bedside, item, performed_on=datetime.date(2026, 8, 31), today=december)
    assert before.rotation_block is None
    assert before.department == bedside.world.cardiology


def test_a_supervisor_who_is_not_faculty_of_the_department_is_refused(
    bedside: Bedside, item: LogbookItem
) -> None:
    with pytest.raises(ApplicationError) as raised:
        log(bedside, item, supervisor=bedside.world.foreign_faculty)
    assert raised.value.field == "supervisor"
    assert str(raised.value.message) == (
        "Foreign Faculty is not faculty of Cardiology, so cannot verify entries there."
    )
    assert LogbookEntry.objects.count() == 0


def test_a_future_date_and_a_missing_role_are_refused(bedside: Bedside, item: LogbookItem) -> None:
    with pytest.raises(ValidationError) as raised:
        log(bedside, item, performed_on=IN_ROTATION + datetime.timedelta(days=1))
    assert raised.value.message_dict == {"performed_on": ["The date cannot be in the future."]}
    with pytest.raises(ValidationError) as raised:
        log(bedside, item, role="led")
    assert raised.value.message_dict == {"role": ["Choose your role."]}
    assert LogbookEntry.objects.count() == 0


def test_an_item_of_another_standard_is_refused_and_one_of_the_trainees_accepted(
    bedside: Bedside, item: LogbookItem
) -> None:
    mine = RotationStandard.objects.create(institution=bedside.world.hospital, specialty="internal_medicine")
    other = RotationStandard.objects.create(institution=bedside.world.hospital, specialty="surgery")
    edition = StandardEdition.objects.create(standard=mine, number=1, total_months=33)
    RotationEnrolment.objects.create(
        trainee=bedside.trainee,
        edition=edition,
        start_month=datetime.date(2026, 9, 1),
        institution=bedside.world.hospital,
    )
    theirs = LogbookItemFactory(department=bedside.world.cardiology, standard=other, name_en="Theirs")
    ours = LogbookItemFactory(department=bedside.world.cardiology, standard=mine, name_en="Ours")
    with pytest.raises(ApplicationError) as raised:
        log(bedside, theirs)
    assert str(raised.value.message) == "“Theirs” belongs to another rotation standard than yours."
    assert log(bedside, ours).item == ours


# --- the DOPS a procedure asks for ----------------------------------------------------------------


def test_logging_a_performed_procedure_requests_a_dops_from_the_supervisor(
    bedside: Bedside, dops_item: LogbookItem
) -> None:
    entry = log(bedside, dops_item)
    entry.refresh_from_db()
    dops = entry.dops_assessment
    assert dops is not None
    assert dops.status == AssessmentStatus.REQUESTED
    assert dops.origin == AssessmentOrigin.LOGBOOK
    assert dops.assessor == bedside.world.teacher_person
    assert dops.trainee == bedside.trainee
    assert dops.department == bedside.world.cardiology
    assert dops.instrument_version.instrument.code == "dops"
    assert dops.request_note == "Logged procedure: Pericardiocentesis on 2026-10-12"
    request_title, verify_title = titles_of(bedside.users["teacher"])
    assert request_title.startswith("Trainee asks you for a ")  # the assessment workflow's own wording
    assert verify_title == "Trainee logged Pericardiocentesis on 2026-10-12: please verify"
    # The next one performed while that request is open joins it rather than asking again.
    second = log(bedside, dops_item, performed_on=datetime.date(2026, 10, 11))
    assert second.dops_assessment == dops
    assert Assessment.objects.count() == 1


def test_assisting_or_a_case_asks_for_no_dops(
    bedside: Bedside, dops_item: LogbookItem, item: LogbookItem
) -> None:
    assert log(bedside, dops_item, role=LogbookRole.ASSISTED).dops_assessment is None
    assert log(bedside, item).dops_assessment is None
    assert Assessment.objects.count() == 0


def test_a_withdrawn_dops_instrument_leaves_the_entry_logged_without_a_request(
    bedside: Bedside, dops_item: LogbookItem
) -> None:
    instrument = dops_item.dops_instrument
    assert instrument is not None
    instrument.is_active = False
    instrument.save()
    entry = log(bedside, dops_item)
    assert entry.pk is not None
    assert entry.dops_assessment is None
    assert Assessment.objects.count() == 0


# --- verification ---------------------------------------------------------------------------------


def test_the_supervisor_verifies_the_trainee_hears_and_it_is_audited(
    bedside: Bedside, item: LogbookItem
) -> None:
    entry = log(bedside, item)
    logbook_entry_verify(actor=bedside.users["teacher"], entry=entry, expected_version=entry.version)
    entry.refresh_from_db()
    assert entry.status == LogbookEntryStatus.VERIFIED
    assert entry.verified_at is not None
    assert entry.version == 2
    assert titles_of(bedside.users["trainee"]) == [
        "Teacher verified your logbook entry: Coronary angiography on 2026-10-12"
    ]
    event = AuditEvent.objects.get(action="logbook.entry_verify")
    assert event.changes["status"] == ["pending", "verified"]


def test_only_the_named_supervisor_verifies(bedside: Bedside, item: LogbookItem) -> None:
    entry = log(bedside, item)
    for name in ("head", "trainee", "officer"):
        with pytest.raises(ForbiddenError) as raised:
            logbook_entry_verify(actor=bedside.users[name], entry=entry, expected_version=entry.version)
        assert str(raised.value.message) == "Only the supervisor named on the entry verifies it."
    entry.refresh_from_db()
    assert entry.status == LogbookEntryStatus.PENDING


def test_a_stale_verify_answers_409_and_changes_nothing(bedside: Bedside, item: LogbookItem) -> None:
    entry = log(bedside, item)
    LogbookEntry.objects.filter(pk=entry.pk).update(version=2, note="changed meanwhile")
    with pytest.raises(ConflictError):
        logbook_entry_verify(actor=bedside.users["teacher"], entry=entry, expected_version=1)
    entry.refresh_from_db()
    assert (entry.status, entry.version, entry.verified_at) == (LogbookEntryStatus.PENDING, 2, None)
    assert not AuditEvent.objects.filter(action="logbook.entry_verify").exists()


def test_a_decided_entry_is_not_decided_again(bedside: Bedside, item: LogbookItem) -> None:
    entry = log(bedside, item)
    logbook_entry_verify(actor=bedside.users["teacher"], entry=entry, expected_version=1)
    with pytest.raises(ConflictError) as raised:
        logbook_entry_reject(
            actor=bedside.users["teacher"], entry=entry, expected_version=2, reason="Not seen"
        )
    assert str(raised.value.message) == "This entry was verified already; nothing was changed."


def test_rejecting_needs_a_reason_which_the_trainee_reads(bedside: Bedside, item: LogbookItem) -> None:
    entry = log(bedside, item)
    with pytest.raises(ValidationError) as raised:
        logbook_entry_reject(actor=bedside.users["teacher"], entry=entry, expected_version=1, reason=" ")
    assert raised.value.message_dict == {"reason": ["Say why the entry is rejected."]}
    logbook_entry_reject(
        actor=bedside.users["teacher"], entry=entry, expected_version=1, reason="I was not there"
    )
    entry.refresh_from_db()
    assert (entry.status, entry.rejection_reason) == (LogbookEntryStatus.REJECTED, "I was not there")
    notification = Notification.objects.get(recipient=bedside.users["trainee"])
    assert notification.title == "Teacher rejected your logbook entry: Coronary angiography on 2026-10-12"
    assert notification.body == "I was not there"


# --- deletion -------------------------------------------------------------------------------------


def test_the_trainee_deletes_a_pending_entry_and_its_open_dops_request(
    bedside: Bedside, dops_item: LogbookItem
) -> None:
    entry = log(bedside, dops_item)
    dops = entry.dops_assessment
    assert dops is not None
    with pytest.raises(ForbiddenError):
        logbook_entry_delete(actor=bedside.users["teacher"], entry=entry, expected_version=1)
    logbook_entry_delete(actor=bedside.users["trainee"], entry=entry, expected_version=1)
    assert not LogbookEntry.objects.exists()
    dops.refresh_from_db()
    assert dops.status == AssessmentStatus.CANCELLED
    assert AuditEvent.objects.get(action="logbook.entry_delete").changes["item"] == [
        "Pericardiocentesis",
        None,
    ]


def test_a_dops_request_another_entry_still_asks_for_stays_open(
    bedside: Bedside, dops_item: LogbookItem
) -> None:
    first = log(bedside, dops_item)
    log(bedside, dops_item, performed_on=datetime.date(2026, 10, 10))
    logbook_entry_delete(actor=bedside.users["trainee"], entry=first, expected_version=1)
    assert Assessment.objects.get().status == AssessmentStatus.REQUESTED


def test_a_verified_entry_cannot_be_deleted(bedside: Bedside, item: LogbookItem) -> None:
    entry = log(bedside, item)
    logbook_entry_verify(actor=bedside.users["teacher"], entry=entry, expected_version=1)
    with pytest.raises(ConflictError):
        logbook_entry_delete(actor=bedside.users["trainee"], entry=entry, expected_version=2)
    stale = LogbookEntry.objects.get()
    stale.status = LogbookEntryStatus.PENDING  # a page opened before the verification
    with pytest.raises(ConflictError):
        logbook_entry_delete(actor=bedside.users["trainee"], entry=stale, expected_version=1)
    assert LogbookEntry.objects.get().status == LogbookEntryStatus.VERIFIED


# --- the department's list ------------------------------------------------------------------------


def test_officers_and_the_head_keep_the_list_others_may_not(bedside: Bedside) -> None:
    cardiology = bedside.world.cardiology
    fields = {"kind": "procedure", "code": "ECG", "name_zh": "心电图", "minimum": 10}
    item = logbook_item_save(actor=bedside.users["officer"], department=cardiology, **fields)
    assert (item.code, item.institution, item.minimum) == ("ecg", bedside.world.hospital, 10)
    assert AuditEvent.objects.get(action="logbook.item_add").changes["minimum"] == [None, 10]
    changed = logbook_item_save(
        actor=bedside.users["head"], department=cardiology, item=item, **{**fields, "minimum": 12}
    )
    assert changed.minimum == 12
    assert AuditEvent.objects.get(action="logbook.item_change").changes == {"minimum": [10, 12]}
    for name in ("teacher", "trainee", "outsider", "talent_officer"):
        with pytest.raises(ForbiddenError):
            logbook_item_save(actor=bedside.users[name], department=cardiology, **{**fields, "code": name})
    with pytest.raises(ForbiddenError):
        logbook_item_save(actor=bedside.users["head"], department=bedside.world.surgery, **fields)


def test_the_list_refuses_a_repeated_code_and_a_dops_for_a_case(bedside: Bedside) -> None:
    cardiology = bedside.world.cardiology
    officer = bedside.users["officer"]
    fields = {"kind": "procedure", "code": "ecg", "name_zh": "心电图", "minimum": 10}
    logbook_item_save(actor=officer, department=cardiology, **fields)
    with pytest.raises(ValidationError) as raised:
        logbook_item_save(actor=officer, department=cardiology, **fields)
    assert raised.value.message_dict == {"code": ["The department's list has this code already."]}
    with pytest.raises(ApplicationError) as error:
        logbook_item_save(
            actor=officer,
            department=cardiology,
            **{**fields, "kind": "case", "code": "heart_failure"},
            dops_instrument=shipped_version("dops").instrument,
        )
    assert error.value.field == "dops_instrument"
    assert LogbookItem.objects.count() == 1


# --- counting and progress ------------------------------------------------------------------------


def test_entries_count_toward_the_rotation_by_date_and_department(
    bedside: Bedside, item: LogbookItem
) -> None:
    block = bedside.block
    trainee = bedside.trainee
    teacher = bedside.world.teacher_person
    for day, status in [
        (datetime.date(2026, 9, 1), LogbookEntryStatus.VERIFIED),
        (datetime.date(2026, 11, 30), LogbookEntryStatus.VERIFIED),
        (datetime.date(2026, 10, 2), LogbookEntryStatus.PENDING),
        (datetime.date(2026, 10, 3), LogbookEntryStatus.REJECTED),  # does not count
        (datetime.date(2026, 8, 31), LogbookEntryStatus.VERIFIED),  # before the rotation
        (datetime.date(2026, 12, 1), LogbookEntryStatus.VERIFIED),  # after it
    ]:
        LogbookEntryFactory(item=item, trainee=trainee, supervisor=teacher, performed_on=day, status=status)
    # Another trainee's entries in the same department and months do not count either.
    LogbookEntryFactory(item=item, supervisor=teacher, performed_on=datetime.date(2026, 10, 2))
    counts = entry_counts([block.pk])
    assert {key: (value.verified, value.pending) for key, value in counts.items()} == {
        (block.pk, item.pk): (2, 1)
    }
    progress = rotation_progress(block, today=IN_ROTATION)
    row = progress.items[0]
    assert (row.item, row.verified, row.pending, row.minimum, row.expected) == (item, 2, 1, 6, 2)
    assert (row.is_on_pace, row.is_met, row.verified_percent, row.pending_percent) == (True, False, 33, 17)
    assert progress.is_current is True


# --- deficiency alerts ------------------------------------------------------------------------------


def test_a_trainee_behind_the_pace_is_alerted_with_their_mentor_once_a_week(
    bedside: Bedside, item: LogbookItem
) -> None:
    LogbookEntryFactory(
        item=item, trainee=bedside.trainee, supervisor=bedside.world.teacher_person, performed_on=IN_ROTATION
    )
    LogbookItemFactory(department=bedside.world.cardiology, minimum=0)  # no minimum: never behind
    LogbookItemFactory(department=bedside.world.surgery, minimum=9)  # another department's
    assert logbook_deficiency_alerts_send(today=IN_ROTATION) == 1  # 1 logged, 2 expected by now
    alert = LogbookAlert.objects.get()
    assert (alert.rotation_block, alert.item, alert.sent_on) == (bedside.block, item, IN_ROTATION)
    trainee_note = Notification.objects.get(recipient=bedside.users["trainee"])
    assert trainee_note.title == "Logbook: you are behind on Coronary angiography in Cardiology"
    assert trainee_note.body == ("1 logged so far; 2 expected by now to reach 6 by the end of the rotation.")
    assert trainee_note.url == "/assessments/logbook/"
    mentor_note = Notification.objects.get(recipient=bedside.users["mentor"])
    assert mentor_note.title == "Logbook: Trainee is behind on Coronary angiography in Cardiology"
    assert mentor_note.url == f"/assessments/logbook/?trainee={bedside.trainee.pk}"
    # Within the week: nothing again; a week later: again.
    assert logbook_deficiency_alerts_send(today=IN_ROTATION + datetime.timedelta(days=6)) == 0
    assert logbook_deficiency_alerts_send(today=IN_ROTATION + datetime.timedelta(days=7)) == 1
    assert LogbookAlert.objects.count() == 2
    assert Notification.objects.filter(recipient=bedside.users["trainee"]).count() == 2


def test_a_trainee_on_pace_is_not_alerted(bedside: Bedside, item: LogbookItem) -> None:
    for day in (datetime.date(2026, 9, 20), IN_ROTATION):
        LogbookEntryFactory(
            item=item, trainee=bedside.trainee, supervisor=bedside.world.teacher_person, performed_on=day
        )
    assert logbook_deficiency_alerts_send(today=IN_ROTATION) == 0
    # Four days later the pace asks for three.
    assert logbook_deficiency_alerts_send(today=datetime.date(2026, 10, 17)) == 1


def test_only_rotations_of_a_published_schedule_running_today_are_alerted(
    bedside: Bedside, item: LogbookItem
) -> None:
    assert logbook_deficiency_alerts_send(today=datetime.date(2026, 12, 5)) == 0  # the rotation is over
    bedside.schedule.status = bedside.schedule.Status.SUPERSEDED
    bedside.schedule.save()
    assert logbook_deficiency_alerts_send(today=IN_ROTATION) == 0


def _trainee_in_cardiology(bedside: Bedside, number: int) -> TraineeProfile:
    person = PersonFactory(name_latin=f"Trainee {number}", institution=bedside.world.hospital)
    UserFactory(username=f"trainee{number}", person=person)
    trainee = TraineeProfileFactory(person=person, institution=bedside.world.hospital)
    RotationBlock.objects.create(
        schedule=bedside.schedule,
        trainee=trainee,
        department=bedside.world.cardiology,
        start_month=datetime.date(2026, 9, 1),
        months=3,
    )
    return trainee


def test_alerts_count_every_rotation_in_a_fixed_number_of_queries(
    bedside: Bedside, item: LogbookItem
) -> None:
    on_pace_day = datetime.date(2026, 9, 10)  # expected by now: 6 × 9 / 91 → 0

    def queries() -> int:
        with CaptureQueriesContext(connection) as captured:
            assert logbook_deficiency_alerts_send(today=on_pace_day) == 0
        return len(captured)

    few = queries()
    for number in range(5):
        _trainee_in_cardiology(bedside, number)
    assert queries() == few == 4
    # Sending: the reads stay fixed, then one alert insert and one notification insert per recipient group.
    with CaptureQueriesContext(connection) as captured:
        assert logbook_deficiency_alerts_send(today=IN_ROTATION) == 6
    assert len(captured) <= 6 + 2 + 6 * 2 + 2  # reads, mentors and users, notifications, savepoint
    assert Notification.objects.filter(recipient__username__startswith="trainee").count() == 6


def test_the_command_sends_the_days_alerts(bedside: Bedside, item: LogbookItem) -> None:
    out = io.StringIO()
    call_command("logbook_alerts", "--date", "2026-10-12", stdout=out)
    assert out.getvalue() == "1 logbook deficiency alert sent for 2026-10-12.\n"
    out = io.StringIO()
    call_command("logbook_alerts", "--date", "2026-10-13", stdout=out)
    assert out.getvalue() == "0 logbook deficiency alerts sent for 2026-10-13.\n"
    with pytest.raises(CommandError):
        call_command("logbook_alerts", "--date", "12/10/2026")
