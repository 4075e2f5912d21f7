"""The assessment workflow: request, submit, acknowledge, amend, cancel, remind; each refusal leaves the
data as it was."""

import datetime
import uuid
from decimal import Decimal
from unittest import mock

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from medtalent.assessments.models import Assessment, AssessmentOrigin, Instrument, InstrumentVersion
from medtalent.assessments.services.assessments import (
    assessment_acknowledge,
    assessment_amend,
    assessment_cancel,
    assessment_record,
    assessment_reminders_send,
    assessment_request,
    assessment_submit,
    bedside_token_make,
    bedside_token_read,
)
from medtalent.assessments.tests.conftest import IN_ROTATION, Bedside
from medtalent.core.errors import ApplicationError, ConflictError, ForbiddenError
from medtalent.core.models import AuditEvent, Notification
from medtalent.rotations.models import Leave

from .factories import MINI_CEX_SCORES, EthicsRecordFactory

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _recipients_read_english(bedside: Bedside) -> None:
    """Notifications render in each recipient's language: make it English for exact titles."""
    for user in bedside.users.values():
        user.language = "en"
        user.save(update_fields=["language"])


def mini_cex() -> Instrument:
    return Instrument.objects.get(code="mini_cex", institution=None)


def requested(bedside: Bedside, **options) -> Assessment:
    return assessment_request(
        actor=bedside.users["trainee"],
        trainee=bedside.trainee,
        assessor=bedside.world.teacher_person,
        instrument=options.pop("instrument", mini_cex()),
        today=IN_ROTATION,
        **options,
    )


def submitted(bedside: Bedside, **options) -> Assessment:
    assessment = requested(bedside)
    return assessment_submit(
        actor=bedside.users["teacher"],
        assessment=assessment,
        expected_version=assessment.version,
        performed_on=IN_ROTATION,
        scores=options.pop("scores", MINI_CEX_SCORES),
        details=options.pop("details", {"setting": "ward"}),
        today=IN_ROTATION,
        **options,
    )


def test_a_request_goes_to_an_eligible_assessor_in_the_current_rotation(bedside: Bedside) -> None:
    assessment = requested(bedside, note="Chest pain at bed 12")
    assert assessment.status == Assessment.Status.REQUESTED
    assert assessment.department == bedside.world.cardiology
    assert assessment.rotation_block == bedside.block
    assert assessment.due_on == IN_ROTATION + datetime.timedelta(days=3)
    assert assessment.instrument_version.number == 1
    note = Notification.objects.get(recipient=bedside.users["teacher"])
    assert note.title == "Trainee asks you for a Mini Clinical Evaluation Exercise (Mini-CEX)"
    assert note.url == f"/assessments/{assessment.pk}/fill/"
    assert AuditEvent.objects.filter(action="assessment.request", target_id=str(assessment.pk)).count() == 1


def test_an_ineligible_assessor_is_refused_and_nothing_is_written(bedside: Bedside) -> None:
    with pytest.raises(ApplicationError) as caught:
        assessment_request(
            actor=bedside.users["trainee"],
            trainee=bedside.trainee,
            assessor=bedside.world.officer_person,
            instrument=mini_cex(),
            today=IN_ROTATION,
        )
    assert caught.value.field == "assessor"
    assert (
        str(caught.value.message)
        == "Officer is not faculty of Cardiology, so cannot assess trainees rotating there."
    )
    assert Assessment.objects.count() == 0
    assert AuditEvent.objects.filter(action__startswith="assessment.").count() == 0


def test_only_the_trainee_requests_their_own_assessment(bedside: Bedside) -> None:
    with pytest.raises(ForbiddenError):
        assessment_request(
            actor=bedside.users["mentor"],
            trainee=bedside.trainee,
            assessor=bedside.world.teacher_person,
            instrument=mini_cex(),
            today=IN_ROTATION,
        )


def test_submit_scores_freezes_the_version_and_asks_the_trainee_to_acknowledge(bedside: Bedside) -> None:
    assessment = submitted(bedside, submission_key=uuid.uuid4())
    assessment.refresh_from_db()
    assert assessment.status == Assessment.Status.SUBMITTED
    assert assessment.total == Decimal("5.86")
    assert (assessment.band, assessment.band_label) == ("4", "Satisfactory")
    assert assessment.flagged_low is False
    assert assessment.version == 2
    assert assessment.instrument_version.frozen_at is not None
    assert (
        Notification.objects.get(recipient=bedside.users["trainee"]).url == f"/assessments/{assessment.pk}/"
    )


def test_double_submission_is_refused_with_no_change(bedside: Bedside) -> None:
    assessment = submitted(bedside)
    before = Assessment.objects.get(pk=assessment.pk)
    with pytest.raises(ConflictError) as caught:
        assessment_submit(
            actor=bedside.users["teacher"],
            assessment=assessment,
            expected_version=assessment.version,
            performed_on=IN_ROTATION,
            scores={"overall": 2},
            details={},
            today=IN_ROTATION,
        )
    assert str(caught.value.message) == "This assessment was submitted already; nothing was changed."
    after = Assessment.objects.get(pk=assessment.pk)
    assert (after.scores, after.version, after.total) == (before.scores, before.version, before.total)


def test_the_same_bedside_form_sent_twice_is_saved_once(bedside: Bedside) -> None:
    key = uuid.uuid4()

    def send() -> Assessment:
        return assessment_record(
            actor=bedside.users["teacher"],
            trainee=bedside.trainee,
            instrument=mini_cex(),
            department=bedside.world.cardiology,
            performed_on=IN_ROTATION,
            scores={"overall": 7},
            details={},
            origin=AssessmentOrigin.BEDSIDE_CODE,
            submission_key=key,
            today=IN_ROTATION,
        )

    first = send()
    with pytest.raises(ConflictError):
        send()
    assert list(Assessment.objects.values_list("pk", flat=True)) == [first.pk]
    assert first.rotation_block == bedside.block
    assert first.origin == AssessmentOrigin.BEDSIDE_CODE


def test_a_stale_submit_answers_409_and_writes_nothing(bedside: Bedside) -> None:
    assessment = requested(bedside)
    Assessment.objects.filter(pk=assessment.pk).update(version=5)
    with pytest.raises(ConflictError):
        assessment_submit(
            actor=bedside.users["teacher"],
            assessment=assessment,
            expected_version=1,
            performed_on=IN_ROTATION,
            scores=MINI_CEX_SCORES,
            details={},
            today=IN_ROTATION,
        )
    fresh = Assessment.objects.get(pk=assessment.pk)
    assert (fresh.status, fresh.scores, fresh.version) == (Assessment.Status.REQUESTED, {}, 5)
    assert fresh.instrument_version.frozen_at is None


def test_out_of_range_scores_are_refused_with_the_item_named_and_no_change(bedside: Bedside) -> None:
    assessment = requested(bedside)
    with pytest.raises(ValidationError) as caught:
        assessment_submit(
            actor=bedside.users["teacher"],
            assessment=assessment,
            expected_version=assessment.version,
            performed_on=IN_ROTATION,
            scores={"overall": 12},
            details={},
            today=IN_ROTATION,
        )
    assert caught.value.message_dict == {
        "scores.overall": ["“Overall clinical competence”: choose a score from 1 to 9 or N/A."]
    }
    assert Assessment.objects.get(pk=assessment.pk).status == Assessment.Status.REQUESTED


def test_someone_else_cannot_submit_a_request_addressed_to_the_teacher(bedside: Bedside) -> None:
    assessment = requested(bedside)
    with pytest.raises(ForbiddenError):
        assessment_submit(
            actor=bedside.users["head"],
            assessment=assessment,
            expected_version=assessment.version,
            performed_on=IN_ROTATION,
            scores=MINI_CEX_SCORES,
            details={},
            today=IN_ROTATION,
        )


def test_a_future_date_is_refused(bedside: Bedside) -> None:
    assessment = requested(bedside)
    with pytest.raises(ValidationError) as caught:
        assessment_submit(
            actor=bedside.users["teacher"],
            assessment=assessment,
            expected_version=assessment.version,
            performed_on=IN_ROTATION + datetime.timedelta(days=1),
            scores=MINI_CEX_SCORES,
            details={},
            today=IN_ROTATION,
        )
    assert caught.value.message_dict == {"performed_on": ["The date observed cannot be in the future."]}


def test_the_assessor_at_the_bedside_fulfils_the_open_request_instead_of_adding_one(bedside: Bedside) -> None:
    request = requested(bedside)
    recorded = assessment_record(
        actor=bedside.users["teacher"],
        trainee=bedside.trainee,
        instrument=mini_cex(),
        department=bedside.world.cardiology,
        performed_on=IN_ROTATION,
        scores={"overall": 8},
        details={},
        today=IN_ROTATION,
    )
    assert recorded.pk == request.pk
    assert Assessment.objects.get().status == Assessment.Status.SUBMITTED


def test_acknowledging_needs_a_reflection_then_locks(bedside: Bedside) -> None:
    assessment = submitted(bedside)
    with pytest.raises(ValidationError) as caught:
        assessment_acknowledge(
            actor=bedside.users["trainee"],
            assessment=assessment,
            expected_version=assessment.version,
            reflection="ok",
        )
    assert caught.value.message_dict == {"reflection": ["Write a reflection of at least 10 characters."]}
    assessment_acknowledge(
        actor=bedside.users["trainee"],
        assessment=assessment,
        expected_version=assessment.version,
        reflection="I will examine the heart before ordering tests.",
    )
    assessment.refresh_from_db()
    assert assessment.is_locked
    assert assessment.acknowledged_at is not None
    with pytest.raises(ConflictError):
        assessment_acknowledge(
            actor=bedside.users["trainee"],
            assessment=assessment,
            expected_version=assessment.version,
            reflection="Again, a second time.",
        )


def test_only_the_trainee_acknowledges(bedside: Bedside) -> None:
    assessment = submitted(bedside)
    with pytest.raises(ForbiddenError):
        assessment_acknowledge(
            actor=bedside.users["teacher"],
            assessment=assessment,
            expected_version=assessment.version,
            reflection="Not mine to write.",
        )


def test_amending_a_locked_record_needs_a_reason_and_audits_old_and_new_values(bedside: Bedside) -> None:
    assessment = submitted(bedside)
    assessment_acknowledge(
        actor=bedside.users["trainee"],
        assessment=assessment,
        expected_version=assessment.version,
        reflection="Reflection long enough.",
    )
    new_scores = {**MINI_CEX_SCORES, "overall": 3}
    with pytest.raises(ValidationError):
        assessment_amend(
            actor=bedside.users["teacher"],
            assessment=assessment,
            expected_version=assessment.version,
            performed_on=IN_ROTATION,
            scores=new_scores,
            details={"setting": "ward"},
            reason="",
            today=IN_ROTATION,
        )
    assessment_amend(
        actor=bedside.users["teacher"],
        assessment=assessment,
        expected_version=assessment.version,
        performed_on=IN_ROTATION,
        scores=new_scores,
        details={"setting": "ward"},
        reason="Typed 6 for 3 on the overall score.",
        today=IN_ROTATION,
    )
    assessment.refresh_from_db()
    assert assessment.is_locked
    assert assessment.amendment_count == 1
    assert assessment.flagged_low is True
    event = AuditEvent.objects.get(action="assessment.amend")
    assert event.changes["reason"] == [None, "Typed 6 for 3 on the overall score."]
    assert event.changes["total"] == ["5.86", "5.43"]
    assert event.changes["scores"][0]["overall"] == 6
    assert event.changes["scores"][1]["overall"] == 3


def test_the_trainee_cannot_amend(bedside: Bedside) -> None:
    assessment = submitted(bedside)
    with pytest.raises(ForbiddenError):
        assessment_amend(
            actor=bedside.users["trainee"],
            assessment=assessment,
            expected_version=assessment.version,
            performed_on=IN_ROTATION,
            scores={"overall": 9},
            details={},
            reason="I deserve more.",
            today=IN_ROTATION,
        )


def test_cancel_an_open_request_tells_the_other_side(bedside: Bedside) -> None:
    assessment = requested(bedside)
    assessment_cancel(
        actor=bedside.users["teacher"], assessment=assessment, expected_version=1, reason="On leave"
    )
    assert Assessment.objects.get().status == Assessment.Status.CANCELLED
    assert Notification.objects.filter(recipient=bedside.users["trainee"]).count() == 1
    with pytest.raises(ConflictError):
        assessment_cancel(actor=bedside.users["trainee"], assessment=assessment, expected_version=2)


def test_reminders_go_once_per_interval_at_a_fixed_clock(bedside: Bedside) -> None:
    assessment = requested(bedside)
    start = assessment.requested_at
    assert assessment_reminders_send(now=start + datetime.timedelta(days=2)) == 0
    assert assessment_reminders_send(now=start + datetime.timedelta(days=3, minutes=1)) == 1
    assert assessment_reminders_send(now=start + datetime.timedelta(days=4)) == 0
    assert assessment_reminders_send(now=start + datetime.timedelta(days=6, minutes=2)) == 1
    assessment.refresh_from_db()
    assert assessment.reminders_sent == 2
    titles = list(
        Notification.objects.filter(
            recipient=bedside.users["teacher"], title__startswith="Reminder"
        ).values_list("title", flat=True)
    )
    assert sorted(titles) == [
        "Reminder: Trainee has waited 3 days for a Mini Clinical Evaluation Exercise (Mini-CEX)",
        "Reminder: Trainee has waited 6 days for a Mini Clinical Evaluation Exercise (Mini-CEX)",
    ]


def test_bedside_codes_expire_and_cannot_be_forged(bedside: Bedside, settings) -> None:
    token = bedside_token_make(
        trainee=bedside.trainee, instrument=mini_cex(), department=bedside.world.cardiology
    )
    assert bedside_token_read(token) == (bedside.trainee.pk, mini_cex().pk, bedside.world.cardiology.pk)
    with pytest.raises(ApplicationError) as caught:
        bedside_token_read(token[:-2] + "xx")
    assert str(caught.value.message) == "This is not a valid MedTalent assessment code."
    later = timezone.now() + datetime.timedelta(minutes=31)
    with (
        mock.patch("django.core.signing.time.time", return_value=later.timestamp()),
        pytest.raises(ApplicationError) as caught,
    ):
        bedside_token_read(token)
    assert "expired" in str(caught.value.message)


def exit_exam_scores() -> dict:
    return {
        "admission_record": 8,
        "professional_ethics": 9,
        "attendance": 10,
        "logbook": 8,
        "theory": 15,
        "case_analysis": 14,
        "physical_exam": 8,
        "procedure": 7,
    }


def record_exit_exam(bedside: Bedside) -> Assessment:
    return assessment_record(
        actor=bedside.users["head"],
        trainee=bedside.trainee,
        instrument=Instrument.objects.get(code="department_exit_exam"),
        department=bedside.world.cardiology,
        performed_on=IN_ROTATION,
        scores=exit_exam_scores(),
        details={},
        today=IN_ROTATION,
    )


def test_exit_exam_passes_on_its_scores(bedside: Bedside) -> None:
    exam = record_exit_exam(bedside)
    assert (exam.total, exam.passed, exam.rotation_block) == (Decimal("79.00"), True, bedside.block)


def test_exit_exam_fails_after_a_confirmed_serious_violation_in_the_rotation(bedside: Bedside) -> None:
    EthicsRecordFactory(
        person=bedside.world.trainee_person,
        kind="violation",
        severity="serious",
        status="confirmed",
        occurred_on=datetime.date(2026, 9, 20),
    )
    exam = record_exit_exam(bedside)
    assert exam.passed is False
    assert exam.flagged_low is True


def test_exit_exam_fails_when_leave_exceeds_a_third_of_the_rotation(bedside: Bedside) -> None:
    Leave.objects.create(
        trainee=bedside.trainee, start_month=datetime.date(2026, 10, 1), months=2, reason="sick"
    )
    assert record_exit_exam(bedside).passed is False


def test_exit_exams_are_recorded_not_requested(bedside: Bedside) -> None:
    with pytest.raises(ApplicationError) as caught:
        requested(bedside, instrument=Instrument.objects.get(code="department_exit_exam"))
    assert caught.value.field == "instrument"


def test_versions_stay_with_their_assessments(bedside: Bedside) -> None:
    first = submitted(bedside)
    version_one = first.instrument_version
    InstrumentVersion.objects.create(
        instrument=version_one.instrument,
        number=2,
        definition={**version_one.definition, "items": version_one.definition["items"][:6]},
    )
    later = requested(bedside)
    assert later.instrument_version.number == 2
    first.refresh_from_db()
    assert first.instrument_version.number == 1
