"""Hand edits of a draft's blocks: move, split, swap, each checked against the standard at once."""

import datetime

import pytest

from medtalent.core.errors import ApplicationError, ConflictError
from medtalent.core.models import AuditEvent
from medtalent.people.tests.factories import TraineeProfileFactory
from medtalent.rotations.models import RotationBlock, Schedule
from medtalent.rotations.services.blocks import rotation_block_move, rotation_block_split, rotation_block_swap
from medtalent.rotations.tests.factories import LeaveFactory, RotationEnrolmentFactory, ScheduleFactory

pytestmark = pytest.mark.django_db
SEPTEMBER = datetime.date(2025, 9, 1)


def month(k):
    return datetime.date(2025 + (8 + k) // 12, (8 + k) % 12 + 1, 1)


@pytest.fixture
def draft(rotation_world):
    """One trainee, 12 months: CARD 4, RESP 3, GI 2, then GER 2 and ONC 1 from the elective group."""
    hospital = rotation_world.world.hospital
    trainee = TraineeProfileFactory(institution=hospital)
    RotationEnrolmentFactory(
        edition=rotation_world.edition, institution=hospital, start_month=SEPTEMBER, trainee=trainee
    )
    schedule = ScheduleFactory(institution=hospital, first_month=SEPTEMBER, horizon_months=12)
    d = rotation_world.departments
    start = 0
    for code, months in (("CARD", 4), ("RESP", 3), ("GI", 2), ("GER", 2), ("ONC", 1)):
        RotationBlock.objects.create(
            schedule=schedule, trainee=trainee, department=d[code], start_month=month(start), months=months
        )
        start += months
    return schedule, trainee, d


def layout(schedule, trainee):
    return [
        (b.department.code, b.start_month.month, b.months)
        for b in RotationBlock.objects.filter(schedule=schedule, trainee=trainee).select_related("department")
    ]


def block(schedule, code, trainee=None):
    blocks = RotationBlock.objects.select_related("schedule").filter(schedule=schedule, department__code=code)
    return blocks.get(trainee=trainee) if trainee else blocks.get()


def test_moving_a_block_shifts_the_blocks_between(draft, personas):
    schedule, trainee, _d = draft
    result = rotation_block_move(
        user=personas["officer"],
        block=block(schedule, "GI"),
        expected_version=schedule.version,
        start_month=month(0),
    )
    assert layout(schedule, trainee) == [
        ("GI", 9, 2),
        ("CARD", 11, 4),
        ("RESP", 3, 3),
        ("GER", 6, 2),
        ("ONC", 8, 1),
    ]
    assert result.schedule.version == schedule.version + 1
    assert AuditEvent.objects.filter(action="rotations.block_move").count() == 1
    # The block that did not move keeps its status; the moved ones are marked changed.
    assert block(schedule, "GER").status == RotationBlock.Status.PLANNED
    assert block(schedule, "GI").status == RotationBlock.Status.CHANGED


def test_a_move_that_breaks_the_standard_changes_nothing(draft, personas):
    schedule, trainee, d = draft
    before = layout(schedule, trainee)
    with pytest.raises(ApplicationError, match="months per department"):
        rotation_block_move(
            user=personas["officer"],
            block=block(schedule, "ONC"),
            expected_version=schedule.version,
            start_month=month(11),
            department=d["CARD"],
        )
    assert layout(schedule, trainee) == before
    assert Schedule.objects.get(pk=schedule.pk).version == schedule.version


def test_a_move_into_the_middle_of_a_block_cuts_it_in_two_and_is_refused(draft, personas):
    schedule, _trainee, _d = draft
    with pytest.raises(ApplicationError, match="number and shortest length of blocks"):
        rotation_block_move(
            user=personas["officer"],
            block=block(schedule, "RESP"),
            expected_version=schedule.version,
            start_month=month(2),
        )


def test_splitting_a_required_block_changes_its_months_and_is_refused(draft, personas):
    schedule, _trainee, d = draft
    with pytest.raises(ApplicationError, match="months per department"):
        rotation_block_split(
            user=personas["officer"],
            block=block(schedule, "CARD"),
            expected_version=schedule.version,
            at_month=month(2),
            department=d["RESP"],
        )


def test_splitting_elective_months_between_group_departments(draft, personas):
    schedule, trainee, d = draft
    rotation_block_split(
        user=personas["officer"],
        block=block(schedule, "GER"),
        expected_version=schedule.version,
        at_month=month(10),
        department=d["LAB"],
    )
    assert layout(schedule, trainee)[-3:] == [("GER", 6, 1), ("LAB", 7, 1), ("ONC", 8, 1)]


def test_swapping_two_blocks_of_different_lengths(draft, personas):
    schedule, trainee, _d = draft
    result = rotation_block_swap(
        user=personas["officer"],
        block=block(schedule, "CARD"),
        other=block(schedule, "GI"),
        expected_version=schedule.version,
    )
    assert layout(schedule, trainee)[:3] == [("GI", 9, 2), ("RESP", 11, 3), ("CARD", 2, 4)]
    assert result.over_capacity == []


def test_leave_stays_where_it_is_and_does_not_split_a_block(draft, personas):
    schedule, trainee, d = draft
    LeaveFactory(trainee=trainee, start_month=month(4), months=1)
    for b in RotationBlock.objects.filter(schedule=schedule, trainee=trainee).exclude(department=d["CARD"]):
        b.start_month = month((b.start_month.year - 2025) * 12 + b.start_month.month - 9 + 1)
        b.save()
    rotation_block_move(
        user=personas["officer"],
        block=block(schedule, "ONC"),
        expected_version=schedule.version,
        start_month=month(0),
    )
    # CARD runs on across the leave month: two calendar blocks, one segment for the standard.
    assert layout(schedule, trainee) == [
        ("ONC", 9, 1),
        ("CARD", 10, 3),
        ("CARD", 2, 1),
        ("RESP", 3, 3),
        ("GI", 6, 2),
        ("GER", 8, 2),
    ]


def test_a_stale_edit_is_a_conflict_and_changes_nothing(draft, personas):
    schedule, trainee, _d = draft
    before = layout(schedule, trainee)
    with pytest.raises(ConflictError):
        rotation_block_move(
            user=personas["officer"],
            block=block(schedule, "GI"),
            expected_version=schedule.version - 1,
            start_month=month(0),
        )
    assert layout(schedule, trainee) == before


def test_only_drafts_and_movable_blocks_can_be_edited(draft, personas):
    schedule, _trainee, _d = draft
    Schedule.objects.filter(pk=schedule.pk).update(status=Schedule.Status.DISCARDED)
    with pytest.raises(ApplicationError, match="Only a draft"):
        rotation_block_move(
            user=personas["officer"],
            block=block(schedule, "GI"),
            expected_version=schedule.version,
            start_month=month(0),
        )
    Schedule.objects.filter(pk=schedule.pk).update(status=Schedule.Status.DRAFT)
    RotationBlock.objects.filter(schedule=schedule, department__code="GI").update(locked=True)
    with pytest.raises(ApplicationError, match="locked"):
        rotation_block_move(
            user=personas["officer"],
            block=block(schedule, "GI"),
            expected_version=schedule.version,
            start_month=month(0),
        )


def test_entering_a_full_department_is_saved_with_a_warning(draft, personas, rotation_world):
    schedule, _trainee, d = draft
    other = TraineeProfileFactory(institution=rotation_world.world.hospital)
    for _ in range(4):  # GI takes 4 trainees a month; fill September
        RotationBlock.objects.create(
            schedule=schedule, trainee=other, department=d["GI"], start_month=month(0), months=1
        )
    result = rotation_block_move(
        user=personas["officer"],
        block=block(schedule, "GI", _trainee),
        expected_version=schedule.version,
        start_month=month(0),
    )
    assert [(dep.code, m, load, cap) for dep, m, load, cap in result.over_capacity] == [
        ("GI", month(0), 5, 4)
    ]


def test_an_edit_that_would_move_a_block_already_done_is_refused(draft, personas):
    schedule, trainee, _d = draft
    RotationBlock.objects.filter(schedule=schedule, department__code="CARD").update(
        status=RotationBlock.Status.COMPLETED
    )
    before = layout(schedule, trainee)
    with pytest.raises(ApplicationError, match="locked, running or done"):
        rotation_block_swap(
            user=personas["officer"],
            block=block(schedule, "GI"),
            other=block(schedule, "CARD"),
            expected_version=schedule.version,
        )
    with pytest.raises(ApplicationError, match="locked, running or done"):
        rotation_block_move(
            user=personas["officer"],
            block=block(schedule, "GI"),
            expected_version=schedule.version,
            start_month=month(0),
        )
    assert layout(schedule, trainee) == before


def test_an_edit_keeps_the_lock_and_status_of_the_blocks_it_does_not_move(draft, personas):
    schedule, _trainee, _d = draft
    RotationBlock.objects.filter(schedule=schedule, department__code="CARD").update(
        status=RotationBlock.Status.COMPLETED, locked=True
    )
    rotation_block_swap(
        user=personas["officer"],
        block=block(schedule, "GI"),
        other=block(schedule, "ONC"),
        expected_version=schedule.version,
    )
    card = block(schedule, "CARD")
    assert (card.status, card.locked, card.months) == (RotationBlock.Status.COMPLETED, True, 4)
