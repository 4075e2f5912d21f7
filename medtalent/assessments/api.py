"""The assessment workflow over JSON, with the pages' services and access rules.

Errors come back as ``{"detail", "errors": [{"field", "message"}]}``: a score out of range names
``scores.<item>``, a stale ``version`` answers 409 and writes nothing.
"""

import datetime
import uuid
from decimal import Decimal
from typing import Annotated, Any

from django.http import Http404, HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema
from ninja.pagination import paginate

from medtalent.core.api_types import Id, Pagination, StrictSchema
from medtalent.core.errors import ApplicationError, ForbiddenError
from medtalent.people.models import Person, TraineeProfile

from .access import (
    assessments_visible_to,
    assessor_department_ids,
    get_assessment_for_user,
    own_trainee_profiles,
)
from .models import Assessment, AssessmentStatus, Instrument
from .selectors import LIST_RELATED, instruments_in_use, trainees_to_assess
from .services import assessments as services

router = Router(tags=["assessments"])

Code = Annotated[str, Field(min_length=1, max_length=40, pattern=r"^[a-z0-9_-]+$")]
Answers = Annotated[dict[Annotated[str, Field(max_length=60)], Any], Field(max_length=60)]
Text = Annotated[str, Field(max_length=4000)]


class AssessmentOut(Schema):
    id: int
    instrument: str
    instrument_version: int
    trainee_id: int
    trainee: str
    assessor_id: int
    assessor: str
    department_id: int
    rotation_block_id: int | None
    status: str
    origin: str
    requested_at: datetime.datetime
    due_on: datetime.date | None
    performed_on: datetime.date | None
    scores: dict[str, Any]
    details: dict[str, Any]
    total: Decimal | None
    band: str
    band_label: str
    passed: bool | None
    flagged_low: bool
    reflection: str
    submitted_at: datetime.datetime | None
    acknowledged_at: datetime.datetime | None
    amendment_count: int
    version: int

    @staticmethod
    def resolve_instrument(obj: Assessment) -> str:
        return obj.instrument_version.instrument.code

    @staticmethod
    def resolve_instrument_version(obj: Assessment) -> int:
        return obj.instrument_version.number

    @staticmethod
    def resolve_trainee(obj: Assessment) -> str:
        return obj.trainee.person.display_name

    @staticmethod
    def resolve_assessor(obj: Assessment) -> str:
        return obj.assessor.display_name


class RequestIn(StrictSchema):
    instrument: Code
    assessor_id: Id
    due_on: datetime.date | None = None
    note: Annotated[str, Field(max_length=300)] = ""


class AnswersIn(StrictSchema):
    performed_on: datetime.date
    scores: Answers
    details: Answers = {}


class SubmitIn(AnswersIn):
    version: Annotated[int, Field(ge=1, le=2**31)]
    submission_key: uuid.UUID | None = None


class RecordIn(AnswersIn):
    trainee_id: Id
    instrument: Code
    department_id: Id
    submission_key: uuid.UUID | None = None


class AcknowledgeIn(StrictSchema):
    version: Annotated[int, Field(ge=1, le=2**31)]
    reflection: Text


class AmendIn(AnswersIn):
    version: Annotated[int, Field(ge=1, le=2**31)]
    reason: Annotated[str, Field(max_length=500)]


class CancelIn(StrictSchema):
    version: Annotated[int, Field(ge=1, le=2**31)]
    reason: Annotated[str, Field(max_length=500)] = ""


def _instrument(code: str, institution_id: int | None) -> Instrument:
    instrument = instruments_in_use(institution_id).filter(code=code).first()
    if instrument is None:
        raise ApplicationError(_("There is no instrument “%(code)s”.") % {"code": code}, field="instrument")
    return instrument


def _own_trainee(request: HttpRequest) -> TraineeProfile:
    trainee = own_trainee_profiles(request.user).filter(status=TraineeProfile.Status.ACTIVE).first()
    if trainee is None:
        raise ForbiddenError(_("Only trainees request assessments."))
    return trainee


@router.get("/assessments", response=list[AssessmentOut])
@paginate(Pagination)
def list_assessments(
    request: HttpRequest, trainee_id: Id | None = None, status: AssessmentStatus | None = None
) -> Any:
    """Assessments the user may see: their own, those they gave, those of trainees in their care."""
    rows = assessments_visible_to(request.user).select_related(*LIST_RELATED)
    if trainee_id is not None:
        rows = rows.filter(trainee_id=trainee_id)
    if status is not None:
        rows = rows.filter(status=status)
    return rows.order_by("-requested_at", "-id")


@router.get("/assessments/{assessment_id}", response=AssessmentOut)
def get_assessment(request: HttpRequest, assessment_id: Id) -> Any:
    return get_assessment_for_user(request.user, assessment_id)


@router.post("/assessment-requests", response={201: AssessmentOut})
def request_assessment(request: HttpRequest, payload: RequestIn) -> Any:
    trainee = _own_trainee(request)
    assessment = services.assessment_request(
        actor=request.user,
        trainee=trainee,
        assessor=get_object_or_404(Person, pk=payload.assessor_id),
        instrument=_instrument(payload.instrument, trainee.institution_id),
        due_on=payload.due_on,
        note=payload.note,
    )
    return 201, get_assessment_for_user(request.user, assessment.pk)


@router.post("/assessments", response={201: AssessmentOut})
def record_assessment(request: HttpRequest, payload: RecordIn) -> Any:
    """An assessor records an assessment (or an exit exam) in one step."""
    # As on the start page: only trainees rotating in (or belonging to) one of the assessor's departments.
    reachable = trainees_to_assess(assessor_department_ids(request.user), timezone.localdate())
    row = next(
        (
            row
            for row in reachable
            if row.trainee.pk == payload.trainee_id and row.department.pk == payload.department_id
        ),
        None,
    )
    if row is None:
        raise Http404
    trainee, department = row.trainee, row.department
    assessment = services.assessment_record(
        actor=request.user,
        trainee=trainee,
        instrument=_instrument(payload.instrument, trainee.institution_id),
        department=department,
        performed_on=payload.performed_on,
        scores=payload.scores,
        details=payload.details,
        submission_key=payload.submission_key,
        today=timezone.localdate(),
    )
    return 201, get_assessment_for_user(request.user, assessment.pk)


@router.post("/assessments/{assessment_id}/submit", response=AssessmentOut)
def submit_assessment(request: HttpRequest, assessment_id: Id, payload: SubmitIn) -> Any:
    assessment = get_assessment_for_user(request.user, assessment_id)
    services.assessment_submit(
        actor=request.user,
        assessment=assessment,
        expected_version=payload.version,
        performed_on=payload.performed_on,
        scores=payload.scores,
        details=payload.details,
        submission_key=payload.submission_key,
    )
    return get_assessment_for_user(request.user, assessment_id)


@router.post("/assessments/{assessment_id}/acknowledge", response=AssessmentOut)
def acknowledge_assessment(request: HttpRequest, assessment_id: Id, payload: AcknowledgeIn) -> Any:
    assessment = get_assessment_for_user(request.user, assessment_id)
    services.assessment_acknowledge(
        actor=request.user,
        assessment=assessment,
        expected_version=payload.version,
        reflection=payload.reflection,
    )
    return get_assessment_for_user(request.user, assessment_id)


@router.post("/assessments/{assessment_id}/amend", response=AssessmentOut)
def amend_assessment(request: HttpRequest, assessment_id: Id, payload: AmendIn) -> Any:
    assessment = get_assessment_for_user(request.user, assessment_id)
    services.assessment_amend(
        actor=request.user,
        assessment=assessment,
        expected_version=payload.version,
        performed_on=payload.performed_on,
        scores=payload.scores,
        details=payload.details,
        reason=payload.reason,
    )
    return get_assessment_for_user(request.user, assessment_id)


@router.post("/assessments/{assessment_id}/cancel", response=AssessmentOut)
def cancel_assessment(request: HttpRequest, assessment_id: Id, payload: CancelIn) -> Any:
    assessment = get_assessment_for_user(request.user, assessment_id)
    services.assessment_cancel(
        actor=request.user, assessment=assessment, expected_version=payload.version, reason=payload.reason
    )
    return get_assessment_for_user(request.user, assessment_id)
