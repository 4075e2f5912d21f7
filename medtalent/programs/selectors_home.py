"""Reads behind the programme panels of the home page. Each runs a fixed number of queries whatever the
number of mentees, plans or milestones: rows are grouped in SQL, never counted one by one.

- ``trainee_plan_summary``: the trainee's open plan, progress per stage, the next milestones, research
  milestones, and who has not signed yet (four queries);
- ``mentee_rows``: a mentor's current mentees, each with their open plans and three flags: overdue
  milestones, assessments the current rotation still misses, open ethics concerns (at most eight queries);
- ``cohort_progress``: for officers, per programme and stage the plans in it now and its milestones done,
  total and overdue, and the plans waiting for signatures (five queries).

A milestone is overdue when it is open and was due before today, as on the plan's own page.
"""

import datetime
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, Exists, OuterRef, Q, QuerySet, Subquery
from django.utils.translation import gettext_lazy as _

from medtalent.people.access import scope_for
from medtalent.people.models import Department, Mentorship, Person

from .access import PLAN_MENTOR_KINDS, plans_visible_to
from .models import (
    OPEN_PLAN_STATUSES,
    EvidenceKind,
    MilestoneStatus,
    PlanMilestone,
    PlanSignature,
    PlanStage,
    PlanStatus,
    Programme,
    ProgrammeStage,
    SignerRole,
    TrainingPlan,
)
from .selectors import overdue_q, percent, plans_waiting_for, with_progress

NEXT_MILESTONES_SHOWN = 3
RESEARCH_MILESTONES_SHOWN = 3
DUE_SOON_DAYS = 30
WAITING_PLANS_LISTED = 10
MY_SIGNATURES_LISTED = 20
OPEN_ETHICS_STATUSES = ("reported", "under_review")
OTHER_STAGES_LABEL = _("Stages no longer in the template")


# --- the trainee ---------------------------------------------------------------------------------


@dataclass
class StageProgress:
    stage: PlanStage
    done: int = 0
    total: int = 0
    overdue: int = 0
    is_current: bool = False

    @property
    def percent(self) -> int:
        return percent(self.done, self.total)


@dataclass(frozen=True)
class MilestoneLine:
    milestone: PlanMilestone
    is_overdue: bool
    days_left: int


@dataclass(frozen=True)
class MissingSigner:
    role_label: str
    mentor: Person | None


@dataclass
class TraineePlanSummary:
    plan: TrainingPlan
    stages: list[StageProgress]
    next_milestones: list[MilestoneLine]
    # Open milestones that are overdue or due within ``DUE_SOON_DAYS`` days: the trainee's tasks.
    due_now: list[MilestoneLine]
    research: list[MilestoneLine]
    research_done: int
    research_total: int
    missing_signers: list[MissingSigner]
    done: int
    total: int
    overdue: int

    @property
    def percent(self) -> int:
        return percent(self.done, self.total)

    @property
    def current_stage(self) -> StageProgress | None:
        return next((stage for stage in self.stages if stage.is_current), None)

    @property
    def is_waiting_for_signatures(self) -> bool:
        return self.plan.status == PlanStatus.AWAITING_SIGNATURES


def trainee_plan_summary(plan: TrainingPlan, *, today: datetime.date) -> TraineePlanSummary:
    """Progress per stage, next milestones and missing signatures of one plan: three queries."""
    stages = [StageProgress(stage) for stage in plan.stages.order_by("order", "id")]
    # Stages may overlap (writing starts before the rotations end): the last one running today is current.
    current = next((view for view in reversed(stages) if view.stage.is_current_on(today)), None)
    if current is not None:
        current.is_current = True
    by_stage = {view.stage.pk: view for view in stages}
    milestones = list(plan.milestones.order_by("due_date", "order", "id"))
    lines = []
    for milestone in milestones:
        line = MilestoneLine(milestone, milestone.is_overdue_on(today), (milestone.due_date - today).days)
        lines.append(line)
        view = by_stage.get(milestone.stage_id)
        if view is not None:
            view.total += 1
            view.done += milestone.status == MilestoneStatus.DONE
            view.overdue += line.is_overdue
    open_lines = [line for line in lines if line.milestone.status == MilestoneStatus.OPEN]
    research = [line for line in lines if EvidenceKind.OUTPUT in (line.milestone.evidence_kinds or [])]
    missing: list[MissingSigner] = []
    if plan.status == PlanStatus.AWAITING_SIGNATURES:
        signed = set(
            PlanSignature.objects.filter(plan=plan, revision=plan.revision).values_list("role", flat=True)
        )
        missing = [
            MissingSigner(str(label), plan.mentor_for(role))
            for role, label in SignerRole.choices
            if role not in signed
        ]
    return TraineePlanSummary(
        plan=plan,
        stages=stages,
        next_milestones=open_lines[:NEXT_MILESTONES_SHOWN],
        due_now=[line for line in open_lines if line.days_left <= DUE_SOON_DAYS],
        research=[line for line in research if line.milestone.status == MilestoneStatus.OPEN][
            :RESEARCH_MILESTONES_SHOWN
        ],
        research_done=sum(1 for line in research if line.milestone.status == MilestoneStatus.DONE),
        research_total=len(research),
        missing_signers=missing,
        done=sum(1 for line in lines if line.milestone.status == MilestoneStatus.DONE),
        total=len(lines),
        overdue=sum(1 for line in lines if line.is_overdue),
    )


# --- the mentor ----------------------------------------------------------------------------------


@dataclass
class MenteeRow:
    person: Person
    kind_labels: list[str] = field(default_factory=list)
    plans: list[TrainingPlan] = field(default_factory=list)
    overdue: int = 0
    # None: not rotating now by the published schedule, so no rotation to miss assessments in.
    missing_assessments: int | None = None
    rotation_department: Department | None = None
    ethics_concerns: int = 0

    @property
    def is_flagged(self) -> bool:
        return bool(self.overdue or self.missing_assessments or self.ethics_concerns)


def _current_mentorships(person_id: int, today: datetime.date) -> list[Mentorship]:
    return list(
        Mentorship.objects.active_on(today)
        .filter(mentor_id=person_id, kind__in=PLAN_MENTOR_KINDS)
        .select_related("mentee")
        .order_by("mentee__name_latin", "mentee_id", "kind")
    )


def _missing_assessments_now(
    person_ids: list[int], today: datetime.date
) -> tuple[dict[int, int], dict[int, Department]]:
    """Per person, what their rotations running this month (published schedule) still miss, and where
    they rotate: four queries (the blocks, then ``requirements_for_blocks``), none without blocks."""
    from medtalent.assessments.selectors_requirements import missing_count, requirements_for_blocks
    from medtalent.rotations.models import BlockKind, RotationBlock, Schedule
    from medtalent.rotations.selectors_schedules import blocks_covering

    blocks = list(
        blocks_covering(
            RotationBlock.objects.filter(
                trainee__person_id__in=person_ids,
                kind=BlockKind.ROTATION,
                schedule__status=Schedule.Status.PUBLISHED,
            ),
            today.replace(day=1),
        )
        .select_related("department", "trainee")
        .order_by("start_month", "pk")
    )
    progress = requirements_for_blocks([block.pk for block in blocks])
    missing: dict[int, int] = defaultdict(int)
    departments: dict[int, Department] = {}
    for block in blocks:
        person_id = block.trainee.person_id
        missing[person_id] += missing_count(progress.get(block.pk, []))
        if block.department is not None:
            departments.setdefault(person_id, block.department)
    return dict(missing), departments


def _open_ethics_concerns(user: Any, person_ids: list[int]) -> dict[int, int]:
    """Concerns and violations still reported or under review, per person, in one grouped query, through
    the ethics access rule (mentors see their current mentees')."""
    from medtalent.assessments.access import ethics_records_visible_to
    from medtalent.assessments.models import EthicsRecord

    rows = (
        ethics_records_visible_to(user)
        .filter(person_id__in=person_ids, status__in=OPEN_ETHICS_STATUSES)
        .exclude(kind=EthicsRecord.Kind.COMMENDATION)
        .values("person_id")
        .annotate(total=Count("pk"))
        .order_by()
    )
    return {row["person_id"]: row["total"] for row in rows}


def mentee_rows(user: Any, *, today: datetime.date) -> list[MenteeRow]:
    """The user's current mentees (peer seniors excepted) with their open plans and flags."""
    person_id = getattr(user, "person_id", None)
    if not person_id:
        return []
    mentorships = _current_mentorships(person_id, today)
    if not mentorships:
        return []
    rows: dict[int, MenteeRow] = {}
    for link in mentorships:
        row = rows.setdefault(link.mentee_id, MenteeRow(person=link.mentee))
        row.kind_labels.append(str(link.get_kind_display()))
    ids = list(rows)
    plans = with_progress(
        plans_visible_to(user).filter(person_id__in=ids, status__in=OPEN_PLAN_STATUSES), today
    ).order_by("-start_date", "pk")
    for plan in plans:
        rows[plan.person_id].plans.append(plan)
        rows[plan.person_id].overdue += plan.milestones_overdue  # type: ignore[attr-defined]
    missing, departments = _missing_assessments_now(ids, today)
    concerns = _open_ethics_concerns(user, ids)
    for pk, row in rows.items():
        row.missing_assessments = missing.get(pk)
        row.rotation_department = departments.get(pk)
        row.ethics_concerns = concerns.get(pk, 0)
    return list(rows.values())


def plans_waiting_for_my_signature(user: Any, *, today: datetime.date) -> list[TrainingPlan]:
    """Plans waiting for the user's own signature, oldest first, one query."""
    plans = plans_waiting_for(user, with_progress(plans_visible_to(user), today))
    return list(plans.order_by("updated_at", "pk")[:MY_SIGNATURES_LISTED])


# --- the programme officer -----------------------------------------------------------------------


@dataclass
class StageCohort:
    label: str
    plans_now: int = 0
    done: int = 0
    total: int = 0
    overdue: int = 0

    @property
    def percent(self) -> int:
        return percent(self.done, self.total)


@dataclass
class ProgrammeCohort:
    programme: Programme
    open_plans: int
    stages: list[StageCohort]


@dataclass(frozen=True)
class WaitingPlan:
    plan: TrainingPlan
    missing: list[MissingSigner]


@dataclass
class CohortProgress:
    programmes: list[ProgrammeCohort]
    waiting: list[WaitingPlan]
    waiting_count: int


def officer_plans(user: Any) -> QuerySet[TrainingPlan] | None:
    """The plans whose cohorts the user follows as an officer: every plan they may see (their institutions'
    programmes and everybody they manage; all for administrators); ``None`` for everybody else."""
    scope = scope_for(user)
    if scope.is_admin or scope.officer_institution_ids:
        return plans_visible_to(user)
    return None


def _signed_annotations() -> dict[str, Exists]:
    return {
        f"{role}_signed": Exists(
            PlanSignature.objects.filter(plan=OuterRef("pk"), revision=OuterRef("revision"), role=role)
        )
        for role in SignerRole.values
    }


def cohort_progress(visible: QuerySet[TrainingPlan], *, today: datetime.date) -> CohortProgress:
    """Per programme with open plans and per stage in order: the plans in that stage today (a plan whose
    stages overlap counts in the later one, as on its page), its milestones done, total and overdue; and
    the plans waiting for signatures. Five queries."""
    plans = TrainingPlan.objects.filter(pk__in=visible.values("pk"), status__in=OPEN_PLAN_STATUSES)
    open_plans: dict[int, int] = defaultdict(int)
    waiting_count = 0
    for programme_id, status, total in (
        plans.values("programme_id", "status")
        .annotate(total=Count("pk"))
        .order_by()
        .values_list("programme_id", "status", "total")
    ):
        open_plans[programme_id] += total
        waiting_count += total if status == PlanStatus.AWAITING_SIGNATURES else 0
    current_stage = (
        PlanStage.objects.filter(plan_id=OuterRef("plan_id"), start_date__lte=today, end_date__gte=today)
        .order_by("-order", "-id")
        .values("pk")[:1]
    )
    in_stage = (
        PlanStage.objects.filter(plan__in=plans, pk=Subquery(current_stage))
        .values("plan__programme_id", "template_id")
        .annotate(total=Count("plan_id", distinct=True))
        .order_by()
    )
    milestone_counts = (
        PlanMilestone.objects.filter(plan__in=plans)
        .values("plan__programme_id", "stage__template_id")
        .annotate(
            total=Count("pk"),
            done=Count("pk", filter=Q(status=MilestoneStatus.DONE)),
            overdue=Count("pk", filter=overdue_q(today)),
        )
        .order_by()
    )
    template_stages = list(
        ProgrammeStage.objects.filter(programme_id__in=list(open_plans))
        .select_related("programme__institution")
        .order_by("programme__institution__code", "programme__system", "programme__code", "order", "id")
    )
    cells: dict[tuple[int, int | None], StageCohort] = {}
    cohorts: dict[int, ProgrammeCohort] = {}
    for stage in template_stages:
        cohort = cohorts.get(stage.programme_id)
        if cohort is None:
            cohort = cohorts[stage.programme_id] = ProgrammeCohort(
                stage.programme, open_plans[stage.programme_id], []
            )
        cell = cells[(stage.programme_id, stage.pk)] = StageCohort(stage.display_name)
        cohort.stages.append(cell)

    def cell_for(programme_id: int, template_id: int | None) -> StageCohort | None:
        cell = cells.get((programme_id, template_id))
        if cell is None and programme_id in cohorts:
            # Plan stages whose template stage was deleted since: counted together, last.
            cell = cells[(programme_id, None)] = StageCohort(str(OTHER_STAGES_LABEL))
            cohorts[programme_id].stages.append(cell)
        return cell

    for row in in_stage:
        target = cell_for(row["plan__programme_id"], row["template_id"])
        if target is not None:
            target.plans_now = row["total"]
    for row in milestone_counts:
        target = cell_for(row["plan__programme_id"], row["stage__template_id"])
        if target is not None:
            target.total, target.done, target.overdue = row["total"], row["done"], row["overdue"]

    waiting = [
        WaitingPlan(
            plan,
            [
                MissingSigner(str(label), plan.mentor_for(role))
                for role, label in SignerRole.choices
                if not getattr(plan, f"{role}_signed")
            ],
        )
        for plan in plans.filter(status=PlanStatus.AWAITING_SIGNATURES)
        .annotate(**_signed_annotations())
        .select_related("person", "programme", "school_mentor", "hospital_mentor")
        .order_by("updated_at", "pk")[:WAITING_PLANS_LISTED]
    ]
    return CohortProgress(
        programmes=list(cohorts.values()),
        waiting=waiting,
        waiting_count=waiting_count,
    )
