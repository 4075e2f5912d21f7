"""Reads of programmes and plans for pages and the API: each a fixed handful of queries."""

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Case, Count, Exists, OuterRef, Prefetch, Q, QuerySet, Value, When

from medtalent.people.access import scope_for
from medtalent.people.models import Mentorship

from .access import plans_visible_to, programmes_visible_to
from .evidence import EvidenceView, describe_evidence, evidence_source
from .models import (
    EvidenceKind,
    MilestoneEvidence,
    MilestoneStatus,
    PlanMilestone,
    PlanSignature,
    PlanStage,
    PlanStatus,
    Programme,
    SignerRole,
    TrainingPlan,
)

STATUS_ORDER = (
    PlanStatus.AWAITING_SIGNATURES,
    PlanStatus.DRAFT,
    PlanStatus.ACTIVE,
    PlanStatus.COMPLETED,
    PlanStatus.WITHDRAWN,
)


def percent(done: int, total: int) -> int:
    return round(100 * done / total) if total else 0


def overdue_q(today: datetime.date, prefix: str = "") -> Q:
    """Milestones still open after their due date (``prefix`` reaches them from another model)."""
    return Q(**{f"{prefix}status": MilestoneStatus.OPEN, f"{prefix}due_date__lt": today})


def with_progress(plans: QuerySet[TrainingPlan], today: datetime.date) -> QuerySet[TrainingPlan]:
    """Each plan annotated with its milestones: ``milestones_total``, ``milestones_done``,
    ``milestones_overdue`` (open, due before ``today``), and ``signed_roles`` on its current revision."""
    return plans.annotate(
        milestones_total=Count("milestones", distinct=True),
        milestones_done=Count("milestones", filter=Q(milestones__status=MilestoneStatus.DONE), distinct=True),
        milestones_overdue=Count("milestones", filter=overdue_q(today, "milestones__"), distinct=True),
        school_signed=Exists(
            PlanSignature.objects.filter(
                plan=OuterRef("pk"), revision=OuterRef("revision"), role=SignerRole.SCHOOL
            )
        ),
        hospital_signed=Exists(
            PlanSignature.objects.filter(
                plan=OuterRef("pk"), revision=OuterRef("revision"), role=SignerRole.HOSPITAL
            )
        ),
    )


@dataclass(frozen=True)
class PlanFilters:
    search: str = ""
    programme_id: int | None = None
    status: str = ""
    cohort: int | None = None
    waiting_for_me: bool = False


def plan_list_for_user(user: Any, filters: PlanFilters, *, today: datetime.date) -> QuerySet[TrainingPlan]:
    plans = plans_visible_to(user)
    if filters.search:
        plans = plans.filter(
            Q(person__name_zh__icontains=filters.search)
            | Q(person__name_latin__icontains=filters.search)
            | Q(trainee_profile__student_number__icontains=filters.search)
        )
    if filters.programme_id:
        plans = plans.filter(programme_id=filters.programme_id)
    if filters.status:
        plans = plans.filter(status=filters.status)
    if filters.cohort:
        plans = plans.filter(trainee_profile__cohort=filters.cohort)
    plans = with_progress(plans, today)
    if filters.waiting_for_me:
        plans = plans_waiting_for(user, plans)
    # What needs someone first: plans waiting for signatures, then drafts, then the running ones.
    status_order = Case(
        *[When(status=status, then=Value(rank)) for rank, status in enumerate(STATUS_ORDER)],
        default=Value(len(STATUS_ORDER)),
    )
    return plans.order_by(status_order, "person__name_latin", "pk")


def plans_waiting_for(user: Any, plans: QuerySet[TrainingPlan]) -> QuerySet[TrainingPlan]:
    """Plans waiting for this user's own signature (``plans`` annotated by ``with_progress``)."""
    me = getattr(user, "person_id", None)
    if me is None:
        return plans.none()
    return plans.filter(status=PlanStatus.AWAITING_SIGNATURES).filter(
        Q(school_mentor_id=me, school_signed=False) | Q(hospital_mentor_id=me, hospital_signed=False)
    )


def programme_list_for_user(user: Any) -> QuerySet[Programme]:
    return (
        programmes_visible_to(user)
        .annotate(
            stage_count=Count("stages", distinct=True),
            open_plans=Count(
                "plans",
                filter=Q(
                    plans__status__in=[PlanStatus.ACTIVE, PlanStatus.AWAITING_SIGNATURES, PlanStatus.DRAFT]
                ),
                distinct=True,
            ),
        )
        .order_by("institution__code", "system", "code")
    )


def programme_structure(programme: Programme) -> list[Any]:
    """Stages with their milestones, in two queries."""
    return list(programme.stages.prefetch_related("milestones"))


# --- one plan ------------------------------------------------------------------------------------


@dataclass
class MilestoneView:
    milestone: PlanMilestone
    evidence: list[EvidenceView]
    is_overdue: bool

    @property
    def accepted_kinds(self) -> list[str]:
        return [
            str(EvidenceKind(kind).label)
            for kind in self.milestone.evidence_kinds
            if kind in EvidenceKind.values
        ]


@dataclass
class StageView:
    stage: PlanStage
    milestones: list[MilestoneView] = field(default_factory=list)
    is_current: bool = False

    @property
    def done(self) -> int:
        return sum(1 for view in self.milestones if view.milestone.status == MilestoneStatus.DONE)

    @property
    def total(self) -> int:
        return len(self.milestones)

    @property
    def percent(self) -> int:
        return percent(self.done, self.total)

    @property
    def overdue(self) -> int:
        return sum(1 for view in self.milestones if view.is_overdue)


@dataclass
class SignatureLine:
    role: str
    label: str
    mentor: Any
    signature: PlanSignature | None


@dataclass
class PlanDetail:
    plan: TrainingPlan
    stages: list[StageView]
    signatures: list[SignatureLine]
    earlier_signatures: list[PlanSignature]
    done: int
    total: int
    overdue: int

    @property
    def percent(self) -> int:
        return percent(self.done, self.total)

    @property
    def current_stage(self) -> StageView | None:
        return next((view for view in self.stages if view.is_current), None)


def plan_detail(plan: TrainingPlan, *, today: datetime.date) -> PlanDetail:
    """The plan's stages, milestones with named evidence, and signatures: six queries, any size."""
    stages = list(
        plan.stages.prefetch_related(
            Prefetch(
                "milestones",
                queryset=PlanMilestone.objects.select_related("confirmed_by").prefetch_related("evidence"),
            )
        )
    )
    evidence = [
        item for stage in stages for milestone in stage.milestones.all() for item in milestone.evidence.all()
    ]
    named = describe_evidence(evidence, plan.person_id)
    views = []
    current_found = False
    for stage in reversed(stages):
        # Stages may overlap (writing starts before the rotations end): the latest-starting one is current.
        is_current = not current_found and stage.is_current_on(today)
        current_found = current_found or is_current
        views.append(
            StageView(
                stage=stage,
                is_current=is_current,
                milestones=[
                    MilestoneView(m, [named[item.pk] for item in m.evidence.all()], m.is_overdue_on(today))
                    for m in stage.milestones.all()
                ],
            )
        )
    views.reverse()
    signatures = list(plan.signatures.select_related("signer"))
    current = {s.role: s for s in signatures if s.revision == plan.revision}
    lines = [
        SignatureLine(role, str(label), plan.mentor_for(role), current.get(role))
        for role, label in SignerRole.choices
    ]
    milestones = [view for stage in views for view in stage.milestones]
    return PlanDetail(
        plan=plan,
        stages=views,
        signatures=lines,
        earlier_signatures=[s for s in signatures if s.revision != plan.revision],
        done=sum(1 for view in milestones if view.milestone.status == MilestoneStatus.DONE),
        total=len(milestones),
        overdue=sum(1 for view in milestones if view.is_overdue),
    )


@dataclass
class Candidate:
    kind: str
    kind_label: str
    record_id: int
    text: str


def evidence_candidates(milestone: PlanMilestone, *, limit: int = 30) -> list[Candidate]:
    """The trainee's records that could be attached, newest first, per kind the milestone takes."""
    attached = set(milestone.evidence.values_list("object_id", "kind"))
    kinds = milestone.evidence_kinds or list(EvidenceKind.values)
    candidates = []
    for kind in kinds:
        source = evidence_source(kind)
        if source is None:
            continue
        for record in source.records_of(milestone.plan.person_id)[:limit]:
            if (record.pk, kind) not in attached:
                candidates.append(
                    Candidate(kind, str(EvidenceKind(kind).label), record.pk, source.describe(record))
                )
    return candidates


def open_plan_of(person_id: int) -> TrainingPlan | None:
    """The person's most recently started open plan (a person may follow several programmes)."""
    return (
        TrainingPlan.objects.filter(
            person_id=person_id,
            status__in=[PlanStatus.ACTIVE, PlanStatus.AWAITING_SIGNATURES, PlanStatus.DRAFT],
        )
        .select_related("programme", "school_mentor", "hospital_mentor", "person")
        .order_by("-start_date", "-pk")
        .first()
    )


def milestone_evidence_list(milestone: PlanMilestone) -> list[EvidenceView]:
    items = list(MilestoneEvidence.objects.filter(milestone=milestone))
    named = describe_evidence(items, milestone.plan.person_id)
    return [named[item.pk] for item in items]


def own_plan_to_open(user: Any) -> TrainingPlan | None:
    """The plan the Training plans menu opens for a trainee who follows nobody else's: their own open
    plan. Officers, administrators and mentors land on the list instead."""
    scope = scope_for(user)
    if not scope.person_id or scope.is_admin or scope.officer_institution_ids:
        return None
    if Mentorship.objects.active_on().filter(mentor_id=scope.person_id).exists():
        return None
    return open_plan_of(scope.person_id)
