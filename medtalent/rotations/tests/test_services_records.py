"""The programme office's rotation records: enrolments, leave, research months, places and locks.

Each refusal names its field, writes nothing and leaves no audit event; each change is audited.
"""

import datetime

import pytest
from django.utils import timezone

from medtalent.core.errors import ApplicationError, ConflictError, ForbiddenError
from medtalent.core.models import AuditEvent
from medtalent.people.tests.factories import TraineeProfileFactory
from medtalent.rotations import services
from medtalent.rotations.models import (
    DepartmentCapacity,
    Leave,
    MentorResearchCapacity,
    ResearchWindow,
    RotationBlock,
    RotationEnrolment,
    Schedule,
)
from medtalent.rotations.services.records import (
    department_capacity_set,
    leave_create,
    leave_delete,
    mentor_research_capacity_set,
    research_window_create,
    research_window_delete,
    rotation_block_lock,
    rotation_enrolment_save,
)
from medtalent.rotations.tests.conftest import standard_content
from medtalent.rotations.tests.factories import LeaveFactory, RotationEnrolmentFactory, ScheduleFactory

pytestmark = pytest.mark.django_db
SEPTEMBER = datetime.date(2025, 9, 1)


def month(text: str) -> datetime.date:
    return datetime.date.fromisoformat(f"{text}-01")


@pytest.fixture
def enrolled(rotation_world):
    trainee = TraineeProfileFactory(institution=rotation_world.world.hospital)
    RotationEnrolmentFactory(
        edition=rotation_world.edition,
        institution=rotation_world.world.hospital,
        start_month=SEPTEMBER,
        trainee=trainee,
    )
    return trainee


def refused(call, field: str | None = None, error=ApplicationError) -> str:
    """Run a call that must be refused without writing anything; its message."""
    events = AuditEvent.objects.count()
    with pytest.raises(error) as caught:
        call()
    assert AuditEvent.objects.count() == events
    if field is not None:
        assert caught.value.field == field
    return str(caught.value.message)


# --- enrolments ---------------------------------------------------------------------------------


def test_enrolling_takes_the_newest_edition_and_is_audited(rotation_world, personas):
    trainee = TraineeProfileFactory(institution=rotation_world.world.hospital)
    enrolment = rotation_enrolment_save(
        user=personas["officer"],
        trainee=trainee,
        standard=rotation_world.standard,
        start_month=SEPTEMBER,
    )
    assert enrolment.edition == rotation_world.edition
    assert enrolment.institution == rotation_world.world.hospital
    event = AuditEvent.objects.get(action="rotations.enrolment_save")
    assert event.changes["start_month"] == [None, "2025-09"]


def test_moving_the_first_month_keeps_the_edition_trainees_started_under(rotation_world, personas, enrolled):
    # The standard is edited while the trainee follows edition 1: the edit becomes edition 2.
    content = standard_content()
    content["requirements"][0]["months"] = 5
    content["requirements"][1]["months"] = 2
    edition = rotation_world.edition
    second = services.standard_edition_update(
        user=personas["officer"],
        edition=edition,
        expected_version=edition.version,
        **{k: content[k] for k in ("total_months", "requirements", "groups", "source")},
    )
    assert second.number == 2
    enrolment = rotation_enrolment_save(
        user=personas["officer"],
        trainee=enrolled,
        standard=rotation_world.standard,
        start_month=month("2025-10"),
    )
    assert enrolment.edition.number == 1
    assert enrolment.start_month == month("2025-10")
    newcomer = TraineeProfileFactory(institution=rotation_world.world.hospital)
    assert (
        rotation_enrolment_save(
            user=personas["officer"],
            trainee=newcomer,
            standard=rotation_world.standard,
            start_month=SEPTEMBER,
        ).edition.number
        == 2
    )


def test_a_trainee_of_another_institution_cannot_be_enrolled(rotation_world, personas):
    stranger = TraineeProfileFactory(institution=rotation_world.world.other)
    message = refused(
        lambda: rotation_enrolment_save(
            user=personas["officer"],
            trainee=stranger,
            standard=rotation_world.standard,
            start_month=SEPTEMBER,
        ),
        field="standard",
    )
    assert "another institution" in message
    assert not RotationEnrolment.objects.filter(trainee=stranger).exists()


@pytest.mark.parametrize("persona", ["outsider", "head", "teacher", "trainee", "mentor"])
def test_only_the_programme_office_enrols(rotation_world, personas, persona):
    trainee = TraineeProfileFactory(institution=rotation_world.world.hospital)
    refused(
        lambda: rotation_enrolment_save(
            user=personas[persona], trainee=trainee, standard=rotation_world.standard, start_month=SEPTEMBER
        ),
        error=ForbiddenError,
    )
    assert not RotationEnrolment.objects.filter(trainee=trainee).exists()


# --- leave --------------------------------------------------------------------------------------


def test_leave_is_recorded_and_audited(personas, enrolled):
    leave = leave_create(
        user=personas["officer"],
        trainee=enrolled,
        start_month=month("2026-03"),
        months=2,
        reason=Leave.Reason.MATERNITY,
    )
    assert (leave.start_month, leave.months, leave.created_by) == (month("2026-03"), 2, personas["officer"])
    assert AuditEvent.objects.get(action="rotations.leave_create").changes["leave"][1] == [
        "2026-03",
        2,
        "maternity",
    ]


@pytest.mark.parametrize(
    ("start", "months", "field", "words"),
    [
        ("2026-02", 2, "start_month", "This overlaps the leave from 2026-01 to 2026-02."),
        ("2025-12", 1, None, None),  # touching the leave is fine
        ("2025-11", 3, "start_month", "This overlaps the leave"),
        ("2025-08", 1, "start_month", "The rotations start in 2025-09"),
        ("2026-06", 13, "months", "Leave lasts from 1 to 12 months."),
        ("2026-06", 0, "months", "Leave lasts from 1 to 12 months."),
    ],
)
def test_leave_may_not_overlap_or_precede_the_programme(personas, enrolled, start, months, field, words):
    LeaveFactory(trainee=enrolled, start_month=month("2026-01"), months=2)

    def call():
        return leave_create(
            user=personas["officer"], trainee=enrolled, start_month=month(start), months=months, reason="sick"
        )

    if words is None:
        call()
        assert Leave.objects.filter(trainee=enrolled).count() == 2
        return
    assert words in refused(call, field=field)
    assert Leave.objects.filter(trainee=enrolled).count() == 1


def test_leave_needs_an_enrolment(rotation_world, personas):
    trainee = TraineeProfileFactory(institution=rotation_world.world.hospital)
    message = refused(
        lambda: leave_create(
            user=personas["officer"], trainee=trainee, start_month=SEPTEMBER, months=1, reason="sick"
        )
    )
    assert message == "Enrol the trainee in a rotation standard first."


def test_removing_leave_is_audited_and_forbidden_to_others(personas, enrolled):
    leave = LeaveFactory(trainee=enrolled, start_month=month("2026-01"), months=2)
    refused(lambda: leave_delete(user=personas["outsider"], leave=leave), error=ForbiddenError)
    assert Leave.objects.filter(pk=leave.pk).exists()
    leave_delete(user=personas["officer"], leave=leave)
    assert not Leave.objects.filter(pk=leave.pk).exists()
    assert AuditEvent.objects.get(action="rotations.leave_delete").changes["leave"] == [
        ["2026-01", 2, "sick"],
        None,
    ]


# --- research months ----------------------------------------------------------------------------


def test_research_months_are_protected_within_the_programme(rotation_world, personas, enrolled):
    mentor = rotation_world.world.mentor_person
    window = research_window_create(
        user=personas["officer"], trainee=enrolled, mentor=mentor, months=2, earliest_start=6, latest_end=14
    )
    assert (window.mentor, window.months, window.earliest_start, window.latest_end) == (mentor, 2, 6, 14)
    assert AuditEvent.objects.filter(action="rotations.research_create").count() == 1
    research_window_delete(user=personas["officer"], window=window)
    assert not ResearchWindow.objects.exists()
    assert AuditEvent.objects.filter(action="rotations.research_delete").count() == 1


@pytest.mark.parametrize(
    ("months", "earliest", "latest", "field", "words"),
    [
        (3, 6, 8, "latest_end", "too short for 3 months"),
        (2, 6, 15, "latest_end", "the programme lasts 14 months"),  # 12 months + 2 research months
        (0, 0, 4, "months", "at least one month"),
    ],
)
def test_research_windows_must_fit(
    rotation_world, personas, enrolled, months, earliest, latest, field, words
):
    message = refused(
        lambda: research_window_create(
            user=personas["officer"],
            trainee=enrolled,
            mentor=rotation_world.world.mentor_person,
            months=months,
            earliest_start=earliest,
            latest_end=latest,
        ),
        field=field,
    )
    assert words in message
    assert not ResearchWindow.objects.exists()


def test_a_school_mentor_of_the_bases_university_may_supervise_research(rotation_world, personas, enrolled):
    """Professional master's students' school mentors are faculty of the university the base belongs to."""
    school_mentor = rotation_world.world.officer_person  # faculty of `uni`, the hospital's parent
    window = research_window_create(
        user=personas["officer"],
        trainee=enrolled,
        mentor=school_mentor,
        months=2,
        earliest_start=0,
        latest_end=12,
    )
    assert window.mentor == school_mentor
    mentor_research_capacity_set(
        user=personas["officer"],
        institution=rotation_world.world.hospital,
        mentor=school_mentor,
        concurrent_students=3,
    )
    assert MentorResearchCapacity.objects.get(mentor=school_mentor).concurrent_students == 3


def test_a_mentor_from_elsewhere_is_refused(rotation_world, personas, enrolled):
    refused(
        lambda: research_window_create(
            user=personas["officer"],
            trainee=enrolled,
            mentor=rotation_world.world.foreign_faculty,
            months=2,
            earliest_start=0,
            latest_end=12,
        ),
        field="mentor",
    )


def test_a_mentors_research_capacity_is_set_and_audited_once(rotation_world, personas):
    mentor = rotation_world.world.mentor_person
    officer, base = personas["officer"], rotation_world.world.hospital
    mentor_research_capacity_set(user=officer, institution=base, mentor=mentor, concurrent_students=4)
    assert MentorResearchCapacity.objects.get(mentor=mentor).concurrent_students == 4
    event = AuditEvent.objects.get(action="rotations.mentor_capacity")
    assert event.changes == {"concurrent_students": [2, 4]}  # from the default
    mentor_research_capacity_set(user=officer, institution=base, mentor=mentor, concurrent_students=4)
    assert AuditEvent.objects.filter(action="rotations.mentor_capacity").count() == 1  # nothing changed
    mentor_research_capacity_set(user=officer, institution=base, mentor=mentor, concurrent_students=0)
    assert MentorResearchCapacity.objects.get(mentor=mentor).concurrent_students == 0


@pytest.mark.parametrize(("students", "mentor_key", "field"), [(21, "mentor_person", "concurrent_students"),
                                                              (-1, "mentor_person", "concurrent_students"),
                                                              (3, "foreign_faculty", "mentor")])  # fmt: skip
def test_a_bad_mentor_capacity_is_refused(rotation_world, personas, students, mentor_key, field):
    mentor = getattr(rotation_world.world, mentor_key)
    refused(
        lambda: mentor_research_capacity_set(
            user=personas["officer"],
            institution=rotation_world.world.hospital,
            mentor=mentor,
            concurrent_students=students,
        ),
        field=field,
    )
    assert not MentorResearchCapacity.objects.exists()


@pytest.mark.parametrize("persona", ["mentor", "trainee", "teacher", "head", "outsider"])
def test_only_the_programme_office_sets_a_mentors_capacity(rotation_world, personas, persona):
    refused(
        lambda: mentor_research_capacity_set(
            user=personas[persona],
            institution=rotation_world.world.hospital,
            mentor=rotation_world.world.mentor_person,
            concurrent_students=3,
        ),
        error=ForbiddenError,
    )
    assert not MentorResearchCapacity.objects.exists()


# --- places -------------------------------------------------------------------------------------


def test_places_are_set_for_each_month_and_returned_to_usual(rotation_world, personas):
    card = rotation_world.departments["CARD"]
    DepartmentCapacity.objects.create(department=card, month=month("2026-01"), maximum=9)
    count = department_capacity_set(
        user=personas["officer"],
        department=card,
        first_month=month("2025-12"),
        last_month=month("2026-05"),
        maximum=3,
        minimum=1,
    )
    assert count == 6
    rows = DepartmentCapacity.objects.filter(department=card).order_by("month")
    assert [(r.month, r.maximum, r.minimum) for r in rows] == [
        (month(m), 3, 1) for m in ("2025-12", "2026-01", "2026-02", "2026-03", "2026-04", "2026-05")
    ]
    event = AuditEvent.objects.get(action="rotations.capacity_set")
    assert event.changes["places"] == [{"2026-01": [9, 0]}, [3, 1]]
    department_capacity_set(
        user=personas["officer"],
        department=card,
        first_month=month("2026-01"),
        last_month=month("2026-02"),
        maximum=None,
    )
    assert [r.month for r in DepartmentCapacity.objects.filter(department=card).order_by("month")] == [
        month(m) for m in ("2025-12", "2026-03", "2026-04", "2026-05")
    ]


def test_an_affiliates_department_is_the_bases_to_set(rotation_world, personas):
    lab = rotation_world.departments["LAB"]  # at the partner hospital, an affiliate of the base
    department_capacity_set(
        user=personas["officer"], department=lab, first_month=SEPTEMBER, last_month=SEPTEMBER, maximum=1
    )
    assert DepartmentCapacity.objects.filter(department=lab).count() == 1


@pytest.mark.parametrize(
    ("first", "last", "maximum", "minimum", "field"),
    [
        ("2026-05", "2026-04", 3, 0, "last_month"),
        ("2026-01", "2031-01", 3, 0, "last_month"),  # 61 months
        ("2026-01", "2026-02", 3, 4, "minimum"),
        ("2026-01", "2026-02", 1000, 0, "maximum"),
    ],
)
def test_bad_places_are_refused(rotation_world, personas, first, last, maximum, minimum, field):
    card = rotation_world.departments["CARD"]
    refused(
        lambda: department_capacity_set(
            user=personas["officer"],
            department=card,
            first_month=month(first),
            last_month=month(last),
            maximum=maximum,
            minimum=minimum,
        ),
        field=field,
    )
    assert not DepartmentCapacity.objects.exists()


def test_places_of_another_base_are_forbidden(rotation_world, personas):
    refused(
        lambda: department_capacity_set(
            user=personas["outsider"],
            department=rotation_world.departments["CARD"],
            first_month=SEPTEMBER,
            last_month=SEPTEMBER,
            maximum=1,
        ),
        error=ForbiddenError,
    )


# --- locks --------------------------------------------------------------------------------------


@pytest.fixture
def published_block(rotation_world, enrolled):
    schedule = ScheduleFactory(
        institution=rotation_world.world.hospital,
        status=Schedule.Status.PUBLISHED,
        published_at=timezone.now(),
        first_month=SEPTEMBER,
    )
    block = RotationBlock.objects.create(
        schedule=schedule,
        trainee=enrolled,
        department=rotation_world.departments["CARD"],
        start_month=SEPTEMBER,
        months=4,
    )
    return schedule, block


def test_locking_a_published_block_moves_the_version_on(personas, published_block):
    schedule, block = published_block
    rotation_block_lock(user=personas["officer"], block=block, locked=True, expected_version=schedule.version)
    block.refresh_from_db()
    assert block.locked
    assert block.is_fixed
    assert Schedule.objects.get(pk=schedule.pk).version == schedule.version + 1
    assert AuditEvent.objects.get(action="rotations.block_lock").changes["locked"] == [False, True]
    # The page that read the old version is stale now.
    refused(
        lambda: rotation_block_lock(
            user=personas["officer"], block=block, locked=False, expected_version=schedule.version
        ),
        error=ConflictError,
    )
    block.refresh_from_db()
    assert block.locked


def test_a_superseded_schedule_takes_no_locks(personas, published_block):
    schedule, block = published_block
    Schedule.objects.filter(pk=schedule.pk).update(status=Schedule.Status.SUPERSEDED)
    refused(
        lambda: rotation_block_lock(user=personas["officer"], block=block, locked=True, expected_version=1)
    )
    block.refresh_from_db()
    assert not block.locked


def test_locks_are_the_programme_offices(personas, published_block):
    schedule, block = published_block
    refused(
        lambda: rotation_block_lock(
            user=personas["head"], block=block, locked=True, expected_version=schedule.version
        ),
        error=ForbiddenError,
    )
