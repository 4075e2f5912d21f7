"""What a rotation needs and what is done: the most specific requirement wins, which assessments count,
the exit exam, and a fixed number of queries for any number of blocks."""

import datetime
from typing import Any

import pytest

from medtalent.assessments.models import Assessment, AssessmentRequirement
from medtalent.assessments.selectors_requirements import (
    missing_count,
    requirements_for_blocks,
    requirements_met,
)
from medtalent.assessments.tests.conftest import Bedside
from medtalent.assessments.tests.factories import shipped_version
from medtalent.assessments.tests.factories_requirements import (
    at,
    done_assessment,
    exit_exam,
    requested,
    rotation,
)
from medtalent.people.models import TraineeProfile
from medtalent.people.tests.factories import PersonFactory, TraineeProfileFactory
from medtalent.rotations.tests.factories import RotationEnrolmentFactory, StandardEditionFactory

SEPTEMBER = datetime.date(2026, 9, 14)
OCTOBER = datetime.date(2026, 10, 12)
DECEMBER = datetime.date(2026, 12, 3)


def _instrument(code: str) -> Any:
    return shipped_version(code).instrument


def _require(bedside: Bedside, code: str, minimum: int, **where: Any) -> AssessmentRequirement:
    return AssessmentRequirement.objects.create(
        institution=bedside.world.hospital, instrument=_instrument(code), minimum=minimum, **where
    )


def _lines(progress: list[Any]) -> list[tuple[str, int, int, int]]:
    return [
        ("exit_exam" if line.is_exit_exam else line.instrument.code, line.minimum, line.done, line.missing)
        for line in progress
    ]


@pytest.fixture
def enrolled(bedside: Bedside) -> Any:
    """The persona trainee enrolled under a standard of the hospital."""
    edition = StandardEditionFactory(standard__institution=bedside.world.hospital)
    RotationEnrolmentFactory(trainee=bedside.trainee, edition=edition, institution=bedside.world.hospital)
    return edition.standard


def test_the_most_specific_row_wins_per_instrument(bedside: Bedside, enrolled: Any) -> None:
    _require(bedside, "mini_cex", 2)
    _require(bedside, "mini_cex", 3, standard=enrolled)
    _require(bedside, "dops", 1)
    _require(bedside, "dops", 2, standard=enrolled)
    _require(bedside, "dops", 4, department=bedside.world.cardiology)
    _require(bedside, "medical_record_quality", 1)
    # Another department's and another base's rows do not apply.
    _require(bedside, "medical_record_quality", 9, department=bedside.world.surgery)
    AssessmentRequirement.objects.create(
        institution=bedside.world.other, instrument=_instrument("mini_cex"), minimum=7
    )

    progress = requirements_for_blocks([bedside.block])

    assert _lines(progress[bedside.block.pk]) == [
        ("dops", 4, 0, 4),
        ("medical_record_quality", 1, 0, 1),
        ("mini_cex", 3, 0, 3),
        ("exit_exam", 1, 0, 1),
    ]


def test_a_standard_row_does_not_apply_to_trainees_of_another_standard(bedside: Bedside) -> None:
    other_standard = StandardEditionFactory(standard__institution=bedside.world.hospital).standard
    _require(bedside, "mini_cex", 2)
    _require(bedside, "mini_cex", 5, standard=other_standard)

    progress = requirements_for_blocks([bedside.block.pk])

    assert _lines(progress[bedside.block.pk]) == [("mini_cex", 2, 0, 2), ("exit_exam", 1, 0, 1)]


def test_linked_and_unlinked_assessments_in_the_department_and_months_count(bedside: Bedside) -> None:
    _require(bedside, "mini_cex", 3)
    _require(bedside, "dops", 1)
    world = bedside.world
    common = {"trainee": bedside.trainee, "department": world.cardiology}
    done_assessment(day=SEPTEMBER, rotation_block=bedside.block, **common)
    done_assessment(
        day=OCTOBER, status=Assessment.Status.ACKNOWLEDGED, acknowledged_at=at(OCTOBER, 18), **common
    )
    # Not counted: open or cancelled, outside the months, another department, another trainee.
    requested(day=SEPTEMBER, rotation_block=bedside.block, **common)
    done_assessment(day=OCTOBER, status=Assessment.Status.CANCELLED, **common)
    done_assessment(day=DECEMBER, **common)
    done_assessment(day=OCTOBER, trainee=bedside.trainee, department=world.surgery)
    done_assessment(day=OCTOBER, department=world.cardiology)
    # A DOPS done in the rotation counts toward the DOPS line only.
    done_assessment(code="dops", day=OCTOBER, scores={"overall": 6}, **common)

    progress = requirements_for_blocks([bedside.block])[bedside.block.pk]

    assert _lines(progress) == [("dops", 1, 1, 0), ("mini_cex", 3, 2, 1), ("exit_exam", 1, 0, 1)]
    assert missing_count(progress) == 2
    assert requirements_met(progress) is False


def test_an_assessment_linked_to_another_block_does_not_count(bedside: Bedside) -> None:
    _require(bedside, "mini_cex", 1)
    earlier = rotation(
        bedside.schedule, bedside.trainee, bedside.world.cardiology, datetime.date(2026, 3, 1), 1
    )
    done_assessment(
        day=OCTOBER, trainee=bedside.trainee, department=bedside.world.cardiology, rotation_block=earlier
    )

    progress = requirements_for_blocks([bedside.block, earlier])

    assert _lines(progress[bedside.block.pk]) == [("mini_cex", 1, 0, 1), ("exit_exam", 1, 0, 1)]
    assert _lines(progress[earlier.pk]) == [("mini_cex", 1, 1, 0), ("exit_exam", 1, 0, 1)]


def test_the_exit_exam_is_met_only_when_passed(bedside: Bedside) -> None:
    common = {"trainee": bedside.trainee, "department": bedside.world.cardiology}
    exit_exam(day=OCTOBER, passed=False, **common)

    failed = requirements_for_blocks([bedside.block])[bedside.block.pk][-1]
    assert (failed.is_exit_exam, failed.done, failed.passed, failed.missing) == (True, 1, False, 1)

    exit_exam(day=datetime.date(2026, 11, 20), passed=True, rotation_block=bedside.block, **common)

    passed = requirements_for_blocks([bedside.block])[bedside.block.pk]
    assert (passed[-1].done, passed[-1].passed, passed[-1].missing) == (2, True, 0)
    assert requirements_met(passed) is True


def test_a_requirement_row_for_the_exit_exam_is_not_listed_twice(bedside: Bedside) -> None:
    _require(bedside, "department_exit_exam", 2)

    progress = requirements_for_blocks([bedside.block])[bedside.block.pk]

    assert _lines(progress) == [("exit_exam", 1, 0, 1)]


def test_no_blocks_ask_nothing(db: Any, django_assert_num_queries: Any) -> None:
    with django_assert_num_queries(0):
        assert requirements_for_blocks([]) == {}


def test_three_queries_whatever_the_number_of_blocks(
    bedside: Bedside, enrolled: Any, django_assert_num_queries: Any
) -> None:
    _require(bedside, "mini_cex", 2)
    _require(bedside, "dops", 1, standard=enrolled)
    blocks = [bedside.block]
    for index in range(12):
        trainee: TraineeProfile = TraineeProfileFactory(
            person=PersonFactory(), institution=bedside.world.hospital
        )
        block = rotation(
            bedside.schedule,
            trainee,
            bedside.world.cardiology if index % 2 else bedside.world.surgery,
            datetime.date(2026, 9, 1),
            3,
        )
        blocks.append(block)
        done_assessment(day=OCTOBER, trainee=trainee, department=block.department)
        exit_exam(day=OCTOBER, passed=index % 3 == 0, trainee=trainee, department=block.department)

    with django_assert_num_queries(3):
        progress = requirements_for_blocks(blocks)

    assert len(progress) == 13
    assert _lines(progress[blocks[1].pk]) == [("mini_cex", 2, 1, 1), ("exit_exam", 1, 1, 0)]
    assert _lines(progress[blocks[2].pk]) == [("mini_cex", 2, 1, 1), ("exit_exam", 1, 1, 1)]
    # The enrolled trainee's standard adds the DOPS line.
    assert _lines(progress[bedside.block.pk]) == [
        ("dops", 1, 0, 1),
        ("mini_cex", 2, 0, 2),
        ("exit_exam", 1, 0, 1),
    ]
