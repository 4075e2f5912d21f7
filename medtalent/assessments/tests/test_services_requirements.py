"""Setting rotation requirements, and signing a rotation off: the exit-exam rule and its override."""

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from medtalent.assessments.models import AssessmentRequirement, RotationSignOff
from medtalent.assessments.services.requirements import assessment_requirement_set, rotation_block_sign_off
from medtalent.assessments.tests.conftest import Bedside
from medtalent.assessments.tests.factories import shipped_version
from medtalent.assessments.tests.factories_requirements import exit_exam
from medtalent.core.errors import ApplicationError, ConflictError, ForbiddenError
from medtalent.core.models import AuditEvent, Notification
from medtalent.rotations.models import RotationBlock, Schedule
from medtalent.rotations.tests.factories import StandardEditionFactory

EXAM_DAY = datetime.date(2026, 11, 20)
REASON = "Exam postponed by the department; skills assessed at the bedside instead."


def _instrument(code: str) -> Any:
    return shipped_version(code).instrument


def _status(block: RotationBlock) -> str:
    return RotationBlock.objects.get(pk=block.pk).status


# --- requirements -----------------------------------------------------------------------------------


def test_an_officer_sets_changes_and_removes_a_requirement(bedside: Bedside) -> None:
    officer = bedside.users["officer"]
    hospital, cardiology = bedside.world.hospital, bedside.world.cardiology
    mini_cex = _instrument("mini_cex")

    row = assessment_requirement_set(
        actor=officer, institution=hospital, department=cardiology, instrument=mini_cex, minimum=2
    )
    assert row is not None
    assert (row.institution_id, row.department_id, row.standard_id, row.minimum) == (
        hospital.pk,
        cardiology.pk,
        None,
        2,
    )
    changed = assessment_requirement_set(
        actor=officer, institution=hospital, department=cardiology, instrument=mini_cex, minimum=3
    )
    assert changed is not None
    assert (changed.pk, changed.minimum) == (row.pk, 3)
    removed = assessment_requirement_set(
        actor=officer, institution=hospital, department=cardiology, instrument=mini_cex, minimum=0
    )
    assert removed is None
    assert AssessmentRequirement.objects.count() == 0

    events = list(AuditEvent.objects.filter(action__startswith="assessment_requirement.").order_by("pk"))
    assert [(event.action, event.changes["minimum"]) for event in events] == [
        ("assessment_requirement.set", [None, 2]),
        ("assessment_requirement.set", [2, 3]),
        ("assessment_requirement.delete", [3, None]),
    ]
    assert events[0].changes["department"] == [str(cardiology), str(cardiology)]
    assert events[0].actor_id == officer.pk


def test_setting_the_same_minimum_again_writes_nothing(bedside: Bedside) -> None:
    officer = bedside.users["officer"]
    for _time in range(2):
        assessment_requirement_set(
            actor=officer, institution=bedside.world.hospital, instrument=_instrument("dops"), minimum=1
        )
    assert AssessmentRequirement.objects.count() == 1
    assert AuditEvent.objects.filter(action="assessment_requirement.set").count() == 1


def test_base_rows_do_not_duplicate(bedside: Bedside) -> None:
    """The unique constraint cannot hold rows with empty standard and department; the service does."""
    officer = bedside.users["officer"]
    assessment_requirement_set(
        actor=officer, institution=bedside.world.hospital, instrument=_instrument("dops"), minimum=1
    )
    assessment_requirement_set(
        actor=officer, institution=bedside.world.hospital, instrument=_instrument("dops"), minimum=2
    )
    assert list(AssessmentRequirement.objects.values_list("minimum", flat=True)) == [2]


@pytest.mark.parametrize("persona", ["head", "teacher", "trainee", "talent_officer", "leader", "outsider"])
def test_only_programme_officers_of_the_base_set_requirements(bedside: Bedside, persona: str) -> None:
    with pytest.raises(ForbiddenError) as error:
        assessment_requirement_set(
            actor=bedside.users[persona],
            institution=bedside.world.hospital,
            instrument=_instrument("mini_cex"),
            minimum=2,
        )
    assert (
        str(error.value.message) == "Only the training base's programme officers set rotation requirements."
    )
    assert AssessmentRequirement.objects.count() == 0


def test_requirement_fields_are_checked(bedside: Bedside) -> None:
    foreign_standard = StandardEditionFactory(standard__institution=bedside.world.other).standard
    with pytest.raises(ValidationError) as error:
        assessment_requirement_set(
            actor=bedside.users["admin"],
            institution=bedside.world.hospital,
            standard=foreign_standard,
            instrument=_instrument("department_exit_exam"),
            minimum=51,
        )
    assert error.value.message_dict == {
        "standard": ["This rotation standard belongs to another training base."],
        "instrument": ["Every rotation needs a passed exit exam already; it has no minimum to set."],
        "minimum": ["Enter a whole number from 0 to 50."],
    }
    assert AssessmentRequirement.objects.count() == 0


# --- sign-off ---------------------------------------------------------------------------------------


def _passed_exam(bedside: Bedside, **fields: Any) -> Any:
    return exit_exam(
        day=EXAM_DAY, passed=True, trainee=bedside.trainee, department=bedside.world.cardiology, **fields
    )


def test_a_head_cannot_sign_off_without_a_passed_exam(bedside: Bedside) -> None:
    exit_exam(day=EXAM_DAY, passed=False, trainee=bedside.trainee, department=bedside.world.cardiology)

    with pytest.raises(ForbiddenError) as error:
        rotation_block_sign_off(actor=bedside.users["head"], block=bedside.block)

    assert str(error.value.message) == (
        "This rotation has no passed exit exam. Only a programme officer of the training base can "
        "complete it without one."
    )
    assert _status(bedside.block) == RotationBlock.Status.IN_PROGRESS
    assert RotationSignOff.objects.count() == 0


def test_a_head_cannot_override_even_with_a_reason(bedside: Bedside) -> None:
    with pytest.raises(ForbiddenError):
        rotation_block_sign_off(actor=bedside.users["head"], block=bedside.block, override_reason=REASON)
    assert _status(bedside.block) == RotationBlock.Status.IN_PROGRESS
    assert not AuditEvent.objects.filter(action="rotation_block.sign_off").exists()


def test_a_head_signs_off_with_a_passed_exam(bedside: Bedside) -> None:
    exam = _passed_exam(bedside)
    head = bedside.users["head"]
    trainee_user = bedside.users["trainee"]
    trainee_user.language = "en"
    trainee_user.save(update_fields=["language"])

    sign_off = rotation_block_sign_off(actor=head, block=bedside.block, override_reason="ignored")

    assert (sign_off.exit_exam_id, sign_off.override_reason, sign_off.signed_by_id) == (exam.pk, "", head.pk)
    assert _status(bedside.block) == RotationBlock.Status.COMPLETED
    assert bedside.block.status == RotationBlock.Status.COMPLETED
    event = AuditEvent.objects.get(action="rotation_block.sign_off")
    assert event.target_id == str(bedside.block.pk)
    assert event.changes == {"status": ["in_progress", "completed"], "exit_exam": [None, exam.pk]}
    notification = Notification.objects.get(recipient=bedside.users["trainee"])
    assert notification.title == "Your rotation in Cardiology is signed off as complete"
    assert notification.url == "/assessments/dashboards/trainee/"


def test_an_exam_linked_to_the_block_counts_even_outside_its_months(bedside: Bedside) -> None:
    exam = _passed_exam(bedside, rotation_block=bedside.block)
    exam.performed_on = datetime.date(2026, 12, 2)
    exam.save()

    sign_off = rotation_block_sign_off(actor=bedside.users["officer"], block=bedside.block)

    assert sign_off.exit_exam_id == exam.pk


def test_an_exam_in_another_department_does_not_count(bedside: Bedside) -> None:
    exit_exam(day=EXAM_DAY, passed=True, trainee=bedside.trainee, department=bedside.world.surgery)
    with pytest.raises(ForbiddenError):
        rotation_block_sign_off(actor=bedside.users["head"], block=bedside.block)


def test_an_officer_override_needs_a_written_reason(bedside: Bedside) -> None:
    officer = bedside.users["officer"]
    for reason in ("", "   too short  "):
        with pytest.raises(ValidationError) as error:
            rotation_block_sign_off(actor=officer, block=bedside.block, override_reason=reason)
        assert error.value.message_dict == {
            "override_reason": [
                "There is no passed exit exam: write why the rotation is complete anyway "
                "(at least 10 characters)."
            ]
        }
    assert _status(bedside.block) == RotationBlock.Status.IN_PROGRESS

    sign_off = rotation_block_sign_off(actor=officer, block=bedside.block, override_reason=f"  {REASON} ")

    assert (sign_off.exit_exam_id, sign_off.override_reason) == (None, REASON)
    assert _status(bedside.block) == RotationBlock.Status.COMPLETED
    event = AuditEvent.objects.get(action="rotation_block.sign_off")
    assert event.actor_id == officer.pk
    assert event.changes == {"status": ["in_progress", "completed"], "override_reason": [None, REASON]}
    assert Notification.objects.get(recipient=bedside.users["trainee"]).body == REASON


def test_signing_off_twice_is_a_conflict(bedside: Bedside) -> None:
    _passed_exam(bedside)
    rotation_block_sign_off(actor=bedside.users["head"], block=bedside.block)

    with pytest.raises(ConflictError) as error:
        rotation_block_sign_off(actor=bedside.users["officer"], block=bedside.block, override_reason=REASON)

    assert str(error.value.message) == "This rotation was signed off already; nothing was changed."
    assert RotationSignOff.objects.count() == 1
    assert AuditEvent.objects.filter(action="rotation_block.sign_off").count() == 1


@pytest.mark.parametrize("persona", ["teacher", "mentor", "trainee", "talent_officer", "leader", "outsider"])
def test_others_may_not_sign_off(bedside: Bedside, persona: str) -> None:
    _passed_exam(bedside)
    with pytest.raises(ForbiddenError) as error:
        rotation_block_sign_off(actor=bedside.users[persona], block=bedside.block, override_reason=REASON)
    assert str(error.value.message) == (
        "Only the department's heads and the training base's programme officers sign off rotations."
    )
    assert _status(bedside.block) == RotationBlock.Status.IN_PROGRESS


def test_a_draft_schedule_block_is_not_signed_off(bedside: Bedside) -> None:
    Schedule.objects.filter(pk=bedside.schedule.pk).update(status=Schedule.Status.DRAFT)
    with pytest.raises(ApplicationError) as error:
        rotation_block_sign_off(actor=bedside.users["officer"], block=bedside.block, override_reason=REASON)
    assert str(error.value.message) == "Only a rotation of the published schedule is signed off."
