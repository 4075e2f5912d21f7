"""The assessment workflow: request, submit, acknowledge (which locks), amend with a reason, cancel,
remind. Every write checks who acts, validates, writes with optimistic locking and is audited."""

import datetime
import uuid
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.urls import reverse
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from medtalent.core.audit import audit_diff, audit_record
from medtalent.core.errors import ApplicationError, ConflictError, ForbiddenError
from medtalent.core.notifications import notification_send
from medtalent.core.versioning import save_versioned
from medtalent.people.models import Department, Person, TraineeProfile, User
from medtalent.rotations.models import Leave, RotationBlock
from medtalent.rotations.months import add_months

from ..access import is_eligible_assessor, may_amend
from ..models import (
    Assessment,
    AssessmentOrigin,
    AssessmentStatus,
    EthicsRecord,
    Instrument,
    InstrumentKind,
    InstrumentVersion,
)
from ..scoring import ScoreResult, score_answers
from ..selectors import current_version, rotation_block_on

BEDSIDE_SALT = "medtalent.assessments.bedside"
BEDSIDE_MAX_AGE = datetime.timedelta(minutes=30)
REFLECTION_MIN_CHARS = 10
AUDITED_FIELDS = ("status", "performed_on", "scores", "details", "total", "band", "passed", "reflection")


def _users_of(*people: Person | None) -> list[User]:
    ids = [person.pk for person in people if person is not None]
    return list(User.objects.filter(person_id__in=ids, is_active=True))


def _snapshot(assessment: Assessment) -> dict[str, Any]:
    return {name: _plain(getattr(assessment, name)) for name in AUDITED_FIELDS}


def _plain(value: Any) -> Any:
    if isinstance(value, datetime.date):
        return value.isoformat()
    if value is not None and not isinstance(value, (str, int, float, bool, dict, list)):
        return str(value)
    return value


def _detail_url(assessment: Assessment) -> str:
    return reverse("assessment_detail", args=[assessment.pk])


# --- the bedside code -------------------------------------------------------------------------------


def bedside_token_make(*, trainee: TraineeProfile, instrument: Instrument, department: Department) -> str:
    """What the trainee's QR code carries: who, which form, where; signed and valid for 30 minutes."""
    return signing.dumps(
        {"t": trainee.pk, "i": instrument.pk, "d": department.pk}, salt=BEDSIDE_SALT, compress=True
    )


def bedside_token_read(token: str) -> tuple[int, int, int]:
    """``(trainee_id, instrument_id, department_id)``; refuses a code that is old or was altered."""
    try:
        data = signing.loads(token, salt=BEDSIDE_SALT, max_age=BEDSIDE_MAX_AGE)
        return int(data["t"]), int(data["i"]), int(data["d"])
    except signing.SignatureExpired:
        raise ApplicationError(
            _("This code has expired. Ask the trainee to show a fresh one (codes last 30 minutes).")
        ) from None
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        raise ApplicationError(_("This is not a valid MedTalent assessment code.")) from None


# --- checks -----------------------------------------------------------------------------------------


def _require_eligible(person_id: int | None, department: Department) -> None:
    if not is_eligible_assessor(person_id, department):
        raise ApplicationError(
            _("%(person)s is not faculty of %(department)s, so cannot assess trainees rotating there.")
            % {
                "person": (Person.objects.filter(pk=person_id).first() if person_id else None)
                or _("This person"),
                "department": department,
            },
            field="assessor",
        )


def _version_for(instrument: Instrument) -> InstrumentVersion:
    if not instrument.is_active:
        raise ApplicationError(_("The instrument “%(name)s” is no longer in use.") % {"name": instrument})
    version = current_version(instrument)
    if version is None:
        raise ApplicationError(_("The instrument “%(name)s” has no content yet.") % {"name": instrument})
    return version


def _freeze(version: InstrumentVersion) -> None:
    """The first use freezes a version: the form builder's next change becomes a new version."""
    InstrumentVersion.objects.filter(pk=version.pk, frozen_at__isnull=True).update(frozen_at=timezone.now())


def record_checks(
    *, trainee: TraineeProfile, block: RotationBlock | None, day: datetime.date
) -> dict[str, bool]:
    """The exit exam's pass rules that come from the records, not the scores.

    - no confirmed serious violation in the rotation's months (or the three months before the exam);
    - leave in the rotation's months at most a third of its length.
    """
    if block is not None:
        first, end = block.start_month, block.end_month
    else:
        first, end = add_months(day.replace(day=1), -3), add_months(day.replace(day=1), 1)
    misconduct = EthicsRecord.objects.filter(
        person_id=trainee.person_id,
        kind=EthicsRecord.Kind.VIOLATION,
        severity=EthicsRecord.Severity.SERIOUS,
        status=EthicsRecord.Status.CONFIRMED,
        occurred_on__gte=first,
        occurred_on__lt=end,
    ).exists()
    checks = {"no_serious_misconduct": not misconduct}
    if block is not None:
        leave_months = 0
        for leave in Leave.objects.filter(trainee=trainee, start_month__lt=end):
            overlap_start = max(leave.start_month, first)
            overlap_end = min(add_months(leave.start_month, leave.months), end)
            if overlap_start < overlap_end:
                leave_months += (
                    (overlap_end.year - overlap_start.year) * 12 + overlap_end.month - overlap_start.month
                )
        checks["leave_within_a_third"] = leave_months * 3 <= block.months
    return checks


def _score(assessment: Assessment, *, scores: Any, details: Any, performed_on: datetime.date) -> ScoreResult:
    # Lock the version while scoring against it, so the form builder cannot edit it in place between
    # this read and the freeze that follows the save.
    version = (
        InstrumentVersion.objects.select_for_update()
        .select_related("instrument")
        .get(pk=assessment.instrument_version_id)
    )
    assessment.instrument_version = version
    instrument = version.instrument
    checks = {}
    if instrument.kind == InstrumentKind.EXIT_EXAM:
        checks = record_checks(trainee=assessment.trainee, block=assessment.rotation_block, day=performed_on)
    clean_scores, clean_details, result = score_answers(
        kind=instrument.kind,
        definition=version.definition,
        scores=scores,
        details=details,
        record_checks=checks,
    )
    assessment.scores = clean_scores
    assessment.details = clean_details
    assessment.performed_on = performed_on
    assessment.total = result.total
    assessment.band = result.band_key
    assessment.passed = result.passed
    assessment.flagged_low = result.flagged_low
    return result


def _check_performed_on(performed_on: datetime.date | None, *, today: datetime.date) -> datetime.date:
    if performed_on is None:
        raise ValidationError({"performed_on": [_("Enter the date of the observation.")]})
    if performed_on > today:
        raise ValidationError({"performed_on": [_("The date observed cannot be in the future.")]})
    if performed_on < today - datetime.timedelta(days=365):
        raise ValidationError({"performed_on": [_("The date observed is more than a year ago.")]})
    return performed_on


# --- request ----------------------------------------------------------------------------------------


@transaction.atomic
def assessment_request(
    *,
    actor: Any,
    trainee: TraineeProfile,
    assessor: Person,
    instrument: Instrument,
    department: Department | None = None,
    due_on: datetime.date | None = None,
    note: str = "",
    origin: str = AssessmentOrigin.TRAINEE_REQUEST,
    today: datetime.date | None = None,
) -> Assessment:
    """A trainee asks an eligible assessor for an assessment (or a logbook entry asks on their behalf)."""
    today = today or timezone.localdate()
    if origin == AssessmentOrigin.TRAINEE_REQUEST and getattr(actor, "person_id", None) != trainee.person_id:
        raise ForbiddenError(_("Only the trainee requests their own assessments."))
    block = rotation_block_on(trainee, today)
    department = department or (block.department if block else trainee.department)
    if department is None:
        raise ApplicationError(_("Choose the department you are rotating in."), field="department")
    if block is not None and block.department_id != department.pk:
        block = None
    _require_eligible(assessor.pk, department)
    if assessor.pk == trainee.person_id:
        raise ApplicationError(_("A trainee cannot assess themselves."), field="assessor")
    if due_on is not None and due_on < today:
        raise ValidationError({"due_on": [_("The due date has passed already.")]})
    version = _version_for(instrument)
    if version.instrument.kind == InstrumentKind.EXIT_EXAM:
        raise ApplicationError(
            _("Exit exams are recorded by the department, not requested."), field="instrument"
        )
    reminder_days = settings.MEDTALENT_ASSESSMENT_REMINDER_DAYS
    assessment = Assessment(
        instrument_version=version,
        trainee=trainee,
        assessor=assessor,
        department=department,
        rotation_block=block,
        origin=origin,
        requested_by=actor if getattr(actor, "is_authenticated", False) else None,
        requested_at=timezone.now(),
        due_on=due_on or today + datetime.timedelta(days=reminder_days),
        request_note=note.strip()[:300],
    )
    assessment.full_clean()
    assessment.save()
    audit_record(
        actor=actor,
        action="assessment.request",
        target=assessment,
        changes={"assessor": [None, str(assessor)], "instrument": [None, str(instrument)]},
    )
    notification_send(
        recipients=_users_of(assessor),
        title=format_lazy(
            gettext_lazy("{trainee} asks you for a {instrument}"),
            trainee=trainee.person,
            instrument=instrument,
        ),
        body=note,
        url=reverse("assessment_fill", args=[assessment.pk]),
    )
    return assessment


# --- submit -----------------------------------------------------------------------------------------


def _claim_submission_key(assessment: Assessment, submission_key: uuid.UUID | None) -> None:
    if submission_key is None:
        return
    if Assessment.objects.filter(submission_key=submission_key).exists():
        raise ConflictError(_("This form was submitted already; nothing was saved twice."))
    assessment.submission_key = submission_key


def _notify_trainee_to_acknowledge(assessment: Assessment) -> None:
    notification_send(
        recipients=_users_of(assessment.trainee.person),
        title=format_lazy(
            gettext_lazy("{assessor} submitted your {instrument}: read it and reflect"),
            assessor=assessment.assessor,
            instrument=assessment.instrument_version.instrument,
        ),
        url=_detail_url(assessment),
    )


@transaction.atomic
def assessment_submit(
    *,
    actor: Any,
    assessment: Assessment,
    expected_version: int,
    performed_on: datetime.date | None,
    scores: dict[str, Any],
    details: dict[str, Any],
    submission_key: uuid.UUID | None = None,
    today: datetime.date | None = None,
) -> Assessment:
    """The assessor fills in a requested assessment."""
    if getattr(actor, "person_id", None) != assessment.assessor_id:
        raise ForbiddenError(_("Only the assessor named on the request submits it."))
    if assessment.status != AssessmentStatus.REQUESTED:
        raise ConflictError(
            _("This assessment was %(status)s already; nothing was changed.")
            % {"status": assessment.get_status_display().lower()}
        )
    before = _snapshot(assessment)
    performed_on = _check_performed_on(performed_on, today=today or timezone.localdate())
    _score(assessment, scores=scores, details=details, performed_on=performed_on)
    _claim_submission_key(assessment, submission_key)
    assessment.status = AssessmentStatus.SUBMITTED
    assessment.submitted_at = timezone.now()
    save_versioned(
        assessment,
        expected_version=expected_version,
        fields=[*AUDITED_FIELDS, "flagged_low", "submitted_at", "submission_key"],
    )
    _freeze(assessment.instrument_version)
    audit_record(
        actor=actor,
        action="assessment.submit",
        target=assessment,
        changes=audit_diff(before, _snapshot(assessment)),
    )
    _notify_trainee_to_acknowledge(assessment)
    return assessment


@transaction.atomic
def assessment_record(
    *,
    actor: Any,
    trainee: TraineeProfile,
    instrument: Instrument,
    department: Department,
    performed_on: datetime.date | None,
    scores: dict[str, Any],
    details: dict[str, Any],
    origin: str = AssessmentOrigin.ASSESSOR,
    submission_key: uuid.UUID | None = None,
    today: datetime.date | None = None,
) -> Assessment:
    """The assessor records an assessment in one step (at the bedside, from the trainee's code).

    When the trainee has an open request to this assessor for this instrument, it is fulfilled instead of
    creating a second record.
    """
    person_id: int | None = getattr(actor, "person_id", None)
    _require_eligible(person_id, department)
    assert person_id is not None  # an eligible assessor is a person
    if person_id == trainee.person_id:
        raise ApplicationError(_("A trainee cannot assess themselves."))
    open_request = (
        Assessment.objects.select_for_update()
        .filter(
            trainee=trainee,
            assessor_id=person_id,
            department=department,
            instrument_version__instrument=instrument,
            status=AssessmentStatus.REQUESTED,
        )
        .order_by("requested_at")
        .first()
    )
    if open_request is not None:
        return assessment_submit(
            actor=actor,
            assessment=open_request,
            expected_version=open_request.version,
            performed_on=performed_on,
            scores=scores,
            details=details,
            submission_key=submission_key,
            today=today,
        )
    today = today or timezone.localdate()
    performed_on = _check_performed_on(performed_on, today=today)
    block = rotation_block_on(trainee, performed_on)
    now = timezone.now()
    assessment = Assessment(
        instrument_version=_version_for(instrument),
        trainee=trainee,
        assessor_id=person_id,
        department=department,
        rotation_block=block if block is not None and block.department_id == department.pk else None,
        origin=origin,
        requested_by=actor,
        requested_at=now,
        status=AssessmentStatus.SUBMITTED,
        submitted_at=now,
    )
    _score(assessment, scores=scores, details=details, performed_on=performed_on)
    _claim_submission_key(assessment, submission_key)
    assessment.full_clean(exclude=["scores", "details"])
    try:
        with transaction.atomic():
            assessment.save()
    except IntegrityError:
        raise ConflictError(_("This form was submitted already; nothing was saved twice.")) from None
    _freeze(assessment.instrument_version)
    audit_record(
        actor=actor,
        action="assessment.record",
        target=assessment,
        changes=audit_diff({}, _snapshot(assessment)),
    )
    _notify_trainee_to_acknowledge(assessment)
    return assessment


# --- after submission -------------------------------------------------------------------------------


@transaction.atomic
def assessment_acknowledge(
    *, actor: Any, assessment: Assessment, expected_version: int, reflection: str
) -> Assessment:
    """The trainee reads the assessment and writes a reflection; the record is then locked."""
    if getattr(actor, "person_id", None) != assessment.trainee.person_id:
        raise ForbiddenError(_("Only the trainee acknowledges their assessment."))
    if assessment.status != AssessmentStatus.SUBMITTED:
        raise ConflictError(
            _("This assessment cannot be acknowledged: it is %(status)s.")
            % {"status": assessment.get_status_display().lower()}
        )
    reflection = reflection.strip()
    if len(reflection) < REFLECTION_MIN_CHARS:
        raise ValidationError(
            {
                "reflection": [
                    _("Write a reflection of at least %(count)d characters.")
                    % {"count": REFLECTION_MIN_CHARS}
                ]
            }
        )
    if len(reflection) > 4000:
        raise ValidationError({"reflection": [_("At most 4000 characters.")]})
    before = _snapshot(assessment)
    assessment.reflection = reflection
    assessment.status = AssessmentStatus.ACKNOWLEDGED
    assessment.acknowledged_at = timezone.now()
    save_versioned(
        assessment, expected_version=expected_version, fields=["reflection", "status", "acknowledged_at"]
    )
    audit_record(
        actor=actor,
        action="assessment.acknowledge",
        target=assessment,
        changes=audit_diff(before, _snapshot(assessment)),
    )
    return assessment


@transaction.atomic
def assessment_amend(
    *,
    actor: Any,
    assessment: Assessment,
    expected_version: int,
    performed_on: datetime.date | None,
    scores: dict[str, Any],
    details: dict[str, Any],
    reason: str,
    today: datetime.date | None = None,
) -> Assessment:
    """Change a submitted or locked assessment. The reason and every changed value enter the audit trail;
    the record stays locked."""
    if not may_amend(actor, assessment):
        raise ForbiddenError(_("Only the assessor or a programme officer amends a submitted assessment."))
    reason = reason.strip()
    if len(reason) < 5:
        raise ValidationError({"reason": [_("Give the reason for the amendment.")]})
    before = _snapshot(assessment)
    performed_on = _check_performed_on(performed_on, today=today or timezone.localdate())
    _score(assessment, scores=scores, details=details, performed_on=performed_on)
    changes = audit_diff(before, _snapshot(assessment))
    if not changes:
        raise ApplicationError(_("Nothing was changed, so there is nothing to amend."))
    assessment.amendment_count = F("amendment_count") + 1
    save_versioned(
        assessment,
        expected_version=expected_version,
        fields=[*AUDITED_FIELDS, "flagged_low", "amendment_count"],
    )
    assessment.refresh_from_db(fields=["amendment_count"])
    audit_record(
        actor=actor,
        action="assessment.amend",
        target=assessment,
        changes={**changes, "reason": [None, reason]},
    )
    notification_send(
        recipients=[
            user for user in _users_of(assessment.trainee.person, assessment.assessor) if user.pk != actor.pk
        ],
        title=format_lazy(
            gettext_lazy("An assessment was amended: {instrument}"),
            instrument=assessment.instrument_version.instrument,
        ),
        body=reason,
        url=_detail_url(assessment),
    )
    return assessment


@transaction.atomic
def assessment_cancel(
    *, actor: Any, assessment: Assessment, expected_version: int, reason: str = ""
) -> Assessment:
    """The trainee withdraws a request, or the assessor declines it."""
    person_id = getattr(actor, "person_id", None)
    if person_id not in (assessment.trainee.person_id, assessment.assessor_id):
        raise ForbiddenError(_("Only the trainee or the assessor cancels a request."))
    if assessment.status != AssessmentStatus.REQUESTED:
        raise ConflictError(_("Only an open request can be cancelled."))
    assessment.status = AssessmentStatus.CANCELLED
    save_versioned(assessment, expected_version=expected_version, fields=["status"])
    audit_record(
        actor=actor,
        action="assessment.cancel",
        target=assessment,
        changes={
            "status": [AssessmentStatus.REQUESTED, AssessmentStatus.CANCELLED],
            "reason": [None, reason.strip()],
        },
    )
    other = assessment.assessor if person_id == assessment.trainee.person_id else assessment.trainee.person
    notification_send(
        recipients=_users_of(other),
        title=format_lazy(
            gettext_lazy("Assessment request cancelled: {instrument}"),
            instrument=assessment.instrument_version.instrument,
        ),
        body=reason,
        url=_detail_url(assessment),
    )
    return assessment


def assessment_reminders_send(*, now: datetime.datetime | None = None) -> int:
    """Remind assessors of requests older than the reminder interval, at most once per interval each.

    Returns the number of reminders sent. In-app, and by e-mail through the daily digest where configured.
    """
    now = now or timezone.now()
    interval = datetime.timedelta(days=settings.MEDTALENT_ASSESSMENT_REMINDER_DAYS)
    due = (
        Assessment.objects.filter(status=AssessmentStatus.REQUESTED, requested_at__lte=now - interval)
        .filter(Q(last_reminded_at__isnull=True) | Q(last_reminded_at__lte=now - interval))
        .select_related("trainee__person", "assessor", "instrument_version__instrument")
    )
    sent = 0
    for assessment in due:
        with transaction.atomic():
            claimed = Assessment.objects.filter(
                pk=assessment.pk, last_reminded_at=assessment.last_reminded_at
            ).update(last_reminded_at=now, reminders_sent=F("reminders_sent") + 1)
            if not claimed:
                continue
            days = (now - assessment.requested_at).days
            notification_send(
                recipients=_users_of(assessment.assessor),
                title=format_lazy(
                    gettext_lazy("Reminder: {trainee} has waited {days} days for a {instrument}"),
                    trainee=assessment.trainee.person,
                    days=days,
                    instrument=assessment.instrument_version.instrument,
                ),
                url=reverse("assessment_fill", args=[assessment.pk]),
            )
            sent += 1
    return sent
