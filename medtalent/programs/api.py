"""Programmes, training plans and milestones over JSON, with the pages' services and access rules.

Every object is reached through ``access`` (404 for what the user may not see); the services refuse
actions the user may not take (403), stale versions (409) and bad values (field-named errors). A
programme's definition is checked whole: each problem names its path, ``stages.0.milestones.1.due_month``.
"""

import datetime
from typing import Annotated, Any, Literal

from django.db.models import QuerySet
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from medtalent.core.api_types import MAX_ID, Id, Pagination, SearchText, StrictSchema, Year
from medtalent.people.access import get_person_for_user
from medtalent.people.models import Institution, Person

from . import selectors
from .access import (
    get_evidence_for_user,
    get_milestone_for_user,
    get_plan_for_user,
    get_programme_for_user,
    plan_trainees_for,
    plans_visible_to,
)
from .evidence import EvidenceView
from .models import (
    EvidenceKind,
    PlanStage,
    PlanStatus,
    Programme,
    ProgrammeSystem,
    TrainingPlan,
)
from .services import plans as services
from .services import programmes as programme_services

router = Router(tags=["programmes"])

Version = Annotated[
    int,
    Field(ge=1, le=MAX_ID, description="The version you read; a stale one answers 409 and writes nothing."),
]
# Dates a plan may hold: far enough either way for any cohort, near enough that every month after
# them is a real date.
PlanDate = Annotated[datetime.date, Field(ge=datetime.date(1900, 1, 1), le=datetime.date(2100, 12, 31))]
Goals = Annotated[str, Field(max_length=services.GOALS_MAX_CHARS)]
Note = Annotated[str, Field(max_length=services.NOTE_MAX_CHARS)]
Reason = Annotated[str, Field(max_length=1000)]
MilestoneName = Annotated[str, Field(min_length=1, max_length=160)]
EvidenceKinds = Annotated[list[EvidenceKind], Field(max_length=len(EvidenceKind.values))]
# The definition's own rules (lengths, codes, months inside their stage) are checked by the service,
# which names each problem's path; these bounds only keep absurd input out.
DefinitionText = Annotated[str, Field(max_length=4000)]
DefinitionCode = Annotated[str, Field(max_length=100)]
Month = Annotated[int, Field(ge=0, le=programme_services.MAX_MONTHS)]


def _kinds(kinds: list[EvidenceKind]) -> list[str]:
    # Plain strings: an enum member hashes by its name, so it would miss in dicts keyed by the value.
    return [EvidenceKind(kind).value for kind in kinds]


# --- programmes ----------------------------------------------------------------------------------


class ProgrammeOut(Schema):
    id: int
    institution_id: int
    institution: str = Field(..., alias="institution.name")
    code: str
    system: str
    system_label: str = Field(..., alias="get_system_display")
    name: str = Field(..., alias="display_name")
    name_zh: str
    name_en: str
    description: str
    is_active: bool
    version: int
    stage_count: int = 0
    open_plans: int = 0


class ProgrammeMilestoneOut(Schema):
    code: str
    name_zh: str
    name_en: str
    due_month: int
    evidence_kinds: list[str]
    requires_evidence: bool


class ProgrammeStageOut(Schema):
    code: str
    name_zh: str
    name_en: str
    goal_zh: str
    goal_en: str
    start_month: int
    months: int
    milestones: list[ProgrammeMilestoneOut]


class ProgrammeDetailOut(Schema):
    id: int
    institution_id: int
    version: int
    is_active: bool
    code: str
    system: str
    name_zh: str
    name_en: str
    description_zh: str
    description_en: str
    stages: list[ProgrammeStageOut]


class ProgrammeMilestoneIn(StrictSchema):
    code: DefinitionCode
    name_zh: DefinitionText
    name_en: DefinitionText
    due_month: Month
    evidence_kinds: EvidenceKinds = []
    requires_evidence: bool = False


class ProgrammeStageIn(StrictSchema):
    code: DefinitionCode
    name_zh: DefinitionText
    name_en: DefinitionText
    goal_zh: DefinitionText = ""
    goal_en: DefinitionText = ""
    start_month: Month
    months: Month
    milestones: Annotated[list[ProgrammeMilestoneIn], Field(max_length=100)] = []


class ProgrammeIn(StrictSchema):
    """The template as one document, in the shape ``GET /programmes/{id}`` answers; the code stays."""

    version: Version
    is_active: bool | None = None
    system: ProgrammeSystem
    name_zh: DefinitionText
    name_en: DefinitionText
    description_zh: DefinitionText = ""
    description_en: DefinitionText = ""
    stages: Annotated[list[ProgrammeStageIn], Field(max_length=50)]


class ProgrammesLoadIn(StrictSchema):
    institution_id: Id


def _programme_detail(programme: Programme) -> dict[str, Any]:
    return {
        **programme_services.programme_definition(programme),
        "id": programme.pk,
        "institution_id": programme.institution_id,
        "version": programme.version,
        "is_active": programme.is_active,
    }


@router.get("/programmes", response=list[ProgrammeOut])
@paginate(Pagination)
def list_programmes(request: HttpRequest) -> Any:
    """Programmes of the user's institution family (all of them for administrators)."""
    return selectors.programme_list_for_user(request.user)


# Before ``/programmes/{programme_id}``, whose pattern would take ``load-shipped`` for an id.
@router.post("/programmes/load-shipped", response={200: list[ProgrammeOut], 201: list[ProgrammeOut]})
def load_shipped_programmes(request: HttpRequest, payload: ProgrammesLoadIn) -> Any:
    """Add the shipped templates of the four systems that the institution lacks; answers those added."""
    institution = get_object_or_404(Institution, pk=payload.institution_id)
    created = programme_services.programme_templates_load(actor=request.user, institution=institution)
    added = selectors.programme_list_for_user(request.user).filter(pk__in=[p.pk for p in created])
    return Status(201 if created else 200, list(added))


@router.get("/programmes/{programme_id}", response=ProgrammeDetailOut)
def get_programme(request: HttpRequest, programme_id: Id) -> Any:
    return _programme_detail(get_programme_for_user(request.user, programme_id))


@router.put("/programmes/{programme_id}", response=ProgrammeDetailOut)
def update_programme(request: HttpRequest, programme_id: Id, payload: ProgrammeIn) -> Any:
    """Replace the template's names, stages and milestones (plans already made keep their copy)."""
    programme = get_programme_for_user(request.user, programme_id)
    programme_services.programme_update(
        actor=request.user,
        programme=programme,
        expected_version=payload.version,
        definition=payload.model_dump(mode="json", exclude={"version", "is_active"}),
        is_active=payload.is_active,
    )
    return _programme_detail(get_programme_for_user(request.user, programme_id))


# --- plans ---------------------------------------------------------------------------------------


class PlanCoreFields(Schema):
    id: int
    programme_id: int
    programme: str
    system: str
    person_id: int
    person: str
    cohort: int | None
    student_number: str
    school_mentor_id: int | None
    school_mentor: str | None
    hospital_mentor_id: int | None
    hospital_mentor: str | None
    start_date: datetime.date
    status: str
    status_label: str
    revision: int
    version: int
    activated_at: datetime.datetime | None


class PlanCoreOut(PlanCoreFields):
    @staticmethod
    def resolve_programme(obj: TrainingPlan) -> str:
        return obj.programme.display_name

    @staticmethod
    def resolve_system(obj: TrainingPlan) -> str:
        return obj.programme.system

    @staticmethod
    def resolve_person(obj: TrainingPlan) -> str:
        return obj.person.display_name

    @staticmethod
    def resolve_cohort(obj: TrainingPlan) -> int | None:
        return obj.trainee_profile.cohort if obj.trainee_profile else None

    @staticmethod
    def resolve_student_number(obj: TrainingPlan) -> str:
        return obj.trainee_profile.student_number if obj.trainee_profile else ""

    @staticmethod
    def resolve_school_mentor(obj: TrainingPlan) -> str | None:
        return obj.school_mentor.display_name if obj.school_mentor else None

    @staticmethod
    def resolve_hospital_mentor(obj: TrainingPlan) -> str | None:
        return obj.hospital_mentor.display_name if obj.hospital_mentor else None

    @staticmethod
    def resolve_status_label(obj: TrainingPlan) -> str:
        return str(obj.get_status_display())


class PlanProgressFields(Schema):
    milestones_total: int
    milestones_done: int
    milestones_overdue: int
    school_signed: bool
    hospital_signed: bool


class PlanOut(PlanCoreOut, PlanProgressFields):
    """A plan in a list, with its progress counted in SQL (``selectors.with_progress``)."""


class EvidenceOut(Schema):
    id: int
    kind: str
    record_id: int
    text: str
    url: str
    added_at: datetime.datetime


class MilestoneOut(Schema):
    id: int
    plan_id: int
    stage_id: int
    name: str
    name_zh: str
    name_en: str
    due_date: datetime.date
    status: str
    evidence_kinds: list[str]
    requires_evidence: bool
    note: str
    done_at: datetime.datetime | None
    confirmed_by_id: int | None
    confirmed_by: str | None
    is_overdue: bool
    version: int
    evidence: list[EvidenceOut]


class MilestoneInPlanOut(MilestoneOut):
    """A milestone answered alone: the plan's version, revision and status after the change too."""

    plan_version: int
    plan_revision: int
    plan_status: str


class PlanStageOut(Schema):
    id: int
    name: str
    name_zh: str
    name_en: str
    goal: str
    start_date: datetime.date
    end_date: datetime.date
    is_current: bool
    milestones_total: int
    milestones_done: int
    milestones_overdue: int
    percent: int
    milestones: list[MilestoneOut]


class SignatureOut(Schema):
    role: str
    label: str
    mentor_id: int | None
    mentor: str | None
    signed: bool
    signer_id: int | None
    signed_at: datetime.datetime | None


class PlanDetailOut(PlanCoreFields, PlanProgressFields):
    goals: str
    percent: int
    current_stage_id: int | None
    stages: list[PlanStageOut]
    signatures: list[SignatureOut] = Field(
        ..., description="Both mentors' signatures of the current revision."
    )


def _evidence(view: EvidenceView) -> dict[str, Any]:
    return {
        "id": view.evidence.pk,
        "kind": view.evidence.kind,
        "record_id": view.evidence.object_id,
        "text": view.text,
        "url": view.url,
        "added_at": view.evidence.created_at,
    }


def _milestone(view: selectors.MilestoneView) -> dict[str, Any]:
    milestone = view.milestone
    return {
        "id": milestone.pk,
        "plan_id": milestone.plan_id,
        "stage_id": milestone.stage_id,
        "name": milestone.display_name,
        "name_zh": milestone.name_zh,
        "name_en": milestone.name_en,
        "due_date": milestone.due_date,
        "status": milestone.status,
        "evidence_kinds": list(milestone.evidence_kinds),
        "requires_evidence": milestone.requires_evidence,
        "note": milestone.note,
        "done_at": milestone.done_at,
        "confirmed_by_id": milestone.confirmed_by_id,
        "confirmed_by": milestone.confirmed_by.display_name if milestone.confirmed_by else None,
        "is_overdue": view.is_overdue,
        "version": milestone.version,
        "evidence": [_evidence(item) for item in view.evidence],
    }


def _plan_detail(user: Any, plan_id: int) -> dict[str, Any]:
    plan = get_plan_for_user(user, plan_id)
    detail = selectors.plan_detail(plan, today=timezone.localdate())
    signed = {line.role: line.signature is not None for line in detail.signatures}
    current = detail.current_stage
    return {
        **PlanCoreOut.model_validate(plan).model_dump(),
        "goals": plan.goals,
        "milestones_total": detail.total,
        "milestones_done": detail.done,
        "milestones_overdue": detail.overdue,
        "percent": detail.percent,
        "school_signed": signed["school"],
        "hospital_signed": signed["hospital"],
        "current_stage_id": current.stage.pk if current else None,
        "stages": [
            {
                "id": view.stage.pk,
                "name": view.stage.display_name,
                "name_zh": view.stage.name_zh,
                "name_en": view.stage.name_en,
                "goal": view.stage.goal,
                "start_date": view.stage.start_date,
                "end_date": view.stage.end_date,
                "is_current": view.is_current,
                "milestones_total": view.total,
                "milestones_done": view.done,
                "milestones_overdue": view.overdue,
                "percent": view.percent,
                "milestones": [_milestone(item) for item in view.milestones],
            }
            for view in detail.stages
        ],
        "signatures": [
            {
                "role": line.role,
                "label": line.label,
                "mentor_id": line.mentor.pk if line.mentor else None,
                "mentor": line.mentor.display_name if line.mentor else None,
                "signed": line.signature is not None,
                "signer_id": line.signature.signer_id if line.signature else None,
                "signed_at": line.signature.signed_at if line.signature else None,
            }
            for line in detail.signatures
        ],
    }


def _milestone_detail(user: Any, milestone_id: int) -> dict[str, Any]:
    milestone = get_milestone_for_user(user, milestone_id)
    view = selectors.MilestoneView(
        milestone,
        selectors.milestone_evidence_list(milestone),
        milestone.is_overdue_on(timezone.localdate()),
    )
    return {
        **_milestone(view),
        "plan_version": milestone.plan.version,
        "plan_revision": milestone.plan.revision,
        "plan_status": milestone.plan.status,
    }


def _mentor(user: Any, person_id: int | None) -> Person | None:
    return get_person_for_user(user, person_id) if person_id is not None else None


class PlanQuery(Schema):
    programme_id: Id | None = None
    status: PlanStatus | None = None
    cohort: Year | None = None
    q: SearchText = Field("", description="Part of the trainee's name or student number.")
    waiting_for_me: bool = Field(False, description="Only plans waiting for my own signature.")

    def filters(self) -> selectors.PlanFilters:
        return selectors.PlanFilters(
            search=self.q,
            programme_id=self.programme_id,
            status=PlanStatus(self.status).value if self.status else "",
            cohort=self.cohort,
            waiting_for_me=self.waiting_for_me,
        )


class PlanIn(StrictSchema):
    programme_id: Id
    person_id: Id
    start_date: PlanDate
    goals: Goals = ""
    school_mentor_id: Id | None = Field(None, description="Left out: the trainee's current school mentor.")
    hospital_mentor_id: Id | None = Field(
        None, description="Left out: the trainee's current hospital mentor."
    )


class PlanPatch(StrictSchema):
    version: Version
    goals: Goals | None = None
    start_date: PlanDate | None = Field(None, description="Drafts only: every date moves with it.")
    school_mentor_id: Id | None = None
    hospital_mentor_id: Id | None = None


class VersionIn(StrictSchema):
    version: Version


class PlanCloseIn(StrictSchema):
    version: Version
    status: Literal["completed", "withdrawn"]
    reason: Reason


@router.get("/plans", response=list[PlanOut])
@paginate(Pagination)
def list_plans(request: HttpRequest, query: Query[PlanQuery]) -> QuerySet[TrainingPlan]:
    """Plans the user may see, with progress; ``waiting_for_me`` keeps those waiting for my signature."""
    return selectors.plan_list_for_user(request.user, query.filters(), today=timezone.localdate())


@router.post("/plans", response={201: PlanDetailOut})
def create_plan(request: HttpRequest, payload: PlanIn) -> Any:
    """A draft plan from a programme for a trainee the user manages or mentors."""
    programme = get_programme_for_user(request.user, payload.programme_id)
    person = get_object_or_404(plan_trainees_for(request.user), pk=payload.person_id)
    plan = services.plan_create(
        actor=request.user,
        programme=programme,
        person=person,
        start_date=payload.start_date,
        goals=payload.goals,
        school_mentor=_mentor(request.user, payload.school_mentor_id),
        hospital_mentor=_mentor(request.user, payload.hospital_mentor_id),
    )
    return Status(201, _plan_detail(request.user, plan.pk))


@router.get("/plans/{plan_id}", response=PlanDetailOut)
def get_plan(request: HttpRequest, plan_id: Id) -> Any:
    return _plan_detail(request.user, plan_id)


@router.patch("/plans/{plan_id}", response=PlanDetailOut)
def update_plan(request: HttpRequest, plan_id: Id, payload: PlanPatch) -> Any:
    """Goals, start (drafts only) or mentors; on a signed plan this asks both mentors to sign again."""
    plan = get_plan_for_user(request.user, plan_id)
    services.plan_update(
        actor=request.user,
        plan=plan,
        expected_version=payload.version,
        goals=payload.goals,
        start_date=payload.start_date,
        school_mentor=_mentor(request.user, payload.school_mentor_id),
        hospital_mentor=_mentor(request.user, payload.hospital_mentor_id),
    )
    return _plan_detail(request.user, plan_id)


@router.post("/plans/{plan_id}/submit", response=PlanDetailOut)
def submit_plan(request: HttpRequest, plan_id: Id, payload: VersionIn) -> Any:
    """Send a draft to both mentors for signature."""
    plan = get_plan_for_user(request.user, plan_id)
    services.plan_submit(actor=request.user, plan=plan, expected_version=payload.version)
    return _plan_detail(request.user, plan_id)


@router.post("/plans/{plan_id}/sign", response=PlanDetailOut)
def sign_plan(request: HttpRequest, plan_id: Id, payload: VersionIn) -> Any:
    """The school or hospital mentor signs the version they read; with both signatures the plan is active."""
    plan = get_plan_for_user(request.user, plan_id)
    services.plan_sign(actor=request.user, plan=plan, expected_version=payload.version)
    return _plan_detail(request.user, plan_id)


@router.post("/plans/{plan_id}/close", response=PlanDetailOut)
def close_plan(request: HttpRequest, plan_id: Id, payload: PlanCloseIn) -> Any:
    """Officers complete an active plan or withdraw an open one, with a reason."""
    plan = get_plan_for_user(request.user, plan_id)
    services.plan_close(
        actor=request.user,
        plan=plan,
        expected_version=payload.version,
        status=payload.status,
        reason=payload.reason,
    )
    return _plan_detail(request.user, plan_id)


# --- milestones and evidence ---------------------------------------------------------------------


class MilestoneIn(StrictSchema):
    version: Version = Field(..., description="The plan's version you read.")
    stage_id: Id
    name: MilestoneName
    due_date: PlanDate
    evidence_kinds: EvidenceKinds = []
    requires_evidence: bool = False


class MilestonePatch(StrictSchema):
    version: Version = Field(..., description="The milestone's version you read.")
    name: MilestoneName | None = None
    due_date: PlanDate | None = None
    evidence_kinds: EvidenceKinds | None = None
    requires_evidence: bool | None = None
    note: Note | None = None


class MilestoneUpdateOut(Schema):
    material: bool = Field(..., description="Whether the change asks both mentors to sign the plan again.")
    milestone: MilestoneInPlanOut


class CandidateOut(Schema):
    kind: str
    kind_label: str
    record_id: int
    text: str


class EvidenceIn(StrictSchema):
    kind: EvidenceKind
    record_id: Id


class CompleteIn(StrictSchema):
    version: Version
    note: Note = ""


class ConfirmIn(StrictSchema):
    version: Version
    note: Note = Field(..., description="What the mentor saw, in a few words.")


class ReopenIn(StrictSchema):
    version: Version
    reason: Reason


@router.post("/plans/{plan_id}/milestones", response={201: MilestoneInPlanOut})
def add_milestone(request: HttpRequest, plan_id: Id, payload: MilestoneIn) -> Any:
    """An extra milestone in one of the plan's stages; on a signed plan both mentors sign again."""
    plan = get_plan_for_user(request.user, plan_id)
    stage = get_object_or_404(
        PlanStage.objects.filter(plan__in=plans_visible_to(request.user).values("pk")), pk=payload.stage_id
    )
    milestone = services.plan_milestone_add(
        actor=request.user,
        plan=plan,
        expected_version=payload.version,
        stage=stage,
        name=payload.name,
        due_date=payload.due_date,
        evidence_kinds=_kinds(payload.evidence_kinds),
        requires_evidence=payload.requires_evidence,
    )
    return Status(201, _milestone_detail(request.user, milestone.pk))


@router.get("/milestones/{milestone_id}", response=MilestoneInPlanOut)
def get_milestone(request: HttpRequest, milestone_id: Id) -> Any:
    return _milestone_detail(request.user, milestone_id)


@router.patch("/milestones/{milestone_id}", response=MilestoneUpdateOut)
def update_milestone(request: HttpRequest, milestone_id: Id, payload: MilestonePatch) -> Any:
    """Change a milestone; ``material`` says whether the plan now waits for both signatures again."""
    milestone = get_milestone_for_user(request.user, milestone_id)
    material = services.plan_milestone_update(
        actor=request.user,
        milestone=milestone,
        expected_version=payload.version,
        name=payload.name,
        due_date=payload.due_date,
        evidence_kinds=_kinds(payload.evidence_kinds) if payload.evidence_kinds is not None else None,
        requires_evidence=payload.requires_evidence,
        note=payload.note,
    )
    return {"material": material, "milestone": _milestone_detail(request.user, milestone_id)}


@router.delete("/milestones/{milestone_id}", response={204: None})
def remove_milestone(request: HttpRequest, milestone_id: Id, version: Version) -> Any:
    milestone = get_milestone_for_user(request.user, milestone_id)
    services.plan_milestone_remove(actor=request.user, milestone=milestone, expected_version=version)
    return Status(204, None)


@router.get("/milestones/{milestone_id}/evidence-candidates", response=list[CandidateOut])
def list_evidence_candidates(request: HttpRequest, milestone_id: Id) -> Any:
    """The trainee's records the milestone could take as evidence, newest first, per kind."""
    return selectors.evidence_candidates(get_milestone_for_user(request.user, milestone_id))


@router.post("/milestones/{milestone_id}/evidence", response={201: EvidenceOut})
def add_evidence(request: HttpRequest, milestone_id: Id, payload: EvidenceIn) -> Any:
    """Attach one of the trainee's own records as evidence."""
    milestone = get_milestone_for_user(request.user, milestone_id)
    evidence = services.milestone_evidence_add(
        actor=request.user,
        milestone=milestone,
        kind=EvidenceKind(payload.kind).value,
        record_id=payload.record_id,
    )
    named = next(
        view for view in selectors.milestone_evidence_list(milestone) if view.evidence.pk == evidence.pk
    )
    return Status(201, _evidence(named))


@router.delete("/evidence/{evidence_id}", response={204: None})
def remove_evidence(request: HttpRequest, evidence_id: Id) -> Any:
    evidence = get_evidence_for_user(request.user, evidence_id)
    services.milestone_evidence_remove(actor=request.user, evidence=evidence)
    return Status(204, None)


@router.post("/milestones/{milestone_id}/complete", response=MilestoneInPlanOut)
def complete_milestone(request: HttpRequest, milestone_id: Id, payload: CompleteIn) -> Any:
    """Mark a milestone done on the strength of its evidence."""
    milestone = get_milestone_for_user(request.user, milestone_id)
    services.milestone_complete(
        actor=request.user, milestone=milestone, expected_version=payload.version, note=payload.note
    )
    return _milestone_detail(request.user, milestone_id)


@router.post("/milestones/{milestone_id}/confirm", response=MilestoneInPlanOut)
def confirm_milestone(request: HttpRequest, milestone_id: Id, payload: ConfirmIn) -> Any:
    """A plan mentor confirms the milestone is reached (not enough where it requires evidence)."""
    milestone = get_milestone_for_user(request.user, milestone_id)
    services.milestone_confirm(
        actor=request.user, milestone=milestone, expected_version=payload.version, note=payload.note
    )
    return _milestone_detail(request.user, milestone_id)


@router.post("/milestones/{milestone_id}/reopen", response=MilestoneInPlanOut)
def reopen_milestone(request: HttpRequest, milestone_id: Id, payload: ReopenIn) -> Any:
    """A mentor or programme officer reopens a milestone that is done, with a reason."""
    milestone = get_milestone_for_user(request.user, milestone_id)
    services.milestone_reopen(
        actor=request.user, milestone=milestone, expected_version=payload.version, reason=payload.reason
    )
    return _milestone_detail(request.user, milestone_id)
