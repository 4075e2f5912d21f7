"""Schedules from the solver: instance built from the records, draft, publish."""

import datetime

import pytest

from medtalent.core.errors import ConflictError
from medtalent.core.models import AuditEvent
from medtalent.people.tests.factories import TraineeProfileFactory
from medtalent.rotations.models import RotationBlock, Schedule
from medtalent.rotations.scheduling.checker import check_solution
from medtalent.rotations.services.scheduling import (
    schedule_changes,
    schedule_instance_build,
    schedule_publish,
    schedule_solve,
)
from medtalent.rotations.tests.factories import LeaveFactory, RotationEnrolmentFactory

pytestmark = pytest.mark.django_db


def enrol(rotation_world, count, start=datetime.date(2025, 9, 1)):
    hospital = rotation_world.world.hospital
    return [
        RotationEnrolmentFactory(
            edition=rotation_world.edition,
            institution=hospital,
            start_month=start,
            trainee=TraineeProfileFactory(institution=hospital),
        )
        for _ in range(count)
    ]


def test_the_instance_holds_every_enrolled_trainee_with_their_leave(rotation_world):
    first, second = enrol(rotation_world, 2)
    LeaveFactory(trainee=second.trainee, start_month=datetime.date(2025, 11, 1), months=2)
    instance, mapping = schedule_instance_build(institution=rotation_world.world.hospital)
    assert instance["start_month"] == "2025-09"
    assert instance["horizon_months"] == 14  # 12 months of the standard + 2 of leave
    assert [t["leave"] for t in instance["trainees"]] == [[], [{"start": 2, "months": 2}]]
    assert {d["code"]: d["capacity"][0] for d in instance["departments"]} == {
        "CARD": 4,
        "RESP": 4,
        "GI": 4,
        "GER": 4,
        "ONC": 4,
        "LAB": 2,
    }
    assert mapping.trainees[f"t{first.trainee_id}"] == first.trainee


def test_a_solved_draft_keeps_every_rule_and_publishing_supersedes_the_old_one(
    rotation_world, world, personas
):
    enrol(rotation_world, 6)
    officer = personas["officer"]
    draft = schedule_solve(user=officer, institution=world.hospital, time_limit=3)
    assert draft.status == Schedule.Status.DRAFT
    assert draft.figures["overload"] == draft.figures["overload_lower_bound"] == 0
    instance, mapping = schedule_instance_build(institution=world.hospital)
    rows = {key: [None] * mapping.horizon for key in mapping.trainees}
    keys = {t.pk: key for key, t in mapping.trainees.items()}
    for block in draft.blocks.select_related("department"):
        for k in range(block.months):
            rows[keys[block.trainee_id]][
                (block.start_month.year - 2025) * 12 + block.start_month.month - 9 + k
            ] = block.department.code
    solution = {
        "format": "medtalent-rotation-solution/1",
        "status": "feasible",
        "assignments": rows,
        "overload": 0,
        "objective": draft.figures["objective"],
        "changed_trainee_months": 0,
    }
    assert check_solution(instance, solution).ok
    published = schedule_publish(user=officer, schedule=draft, expected_version=draft.version)
    assert published.status == Schedule.Status.PUBLISHED
    assert AuditEvent.objects.filter(action="rotations.schedule_publish").count() == 1
    second = schedule_solve(user=officer, institution=world.hospital, based_on=published, time_limit=2)
    assert schedule_changes(second, published).changed_months == 0
    schedule_publish(user=officer, schedule=second, expected_version=second.version)
    assert Schedule.objects.get(pk=published.pk).status == Schedule.Status.SUPERSEDED
    with pytest.raises(ConflictError):
        schedule_publish(user=officer, schedule=second, expected_version=second.version - 1)
    assert RotationBlock.objects.filter(schedule=second).count() >= 6 * 4
