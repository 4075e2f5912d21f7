"""Programme and plan data for tests.

Factories build rows directly (for selectors and query counts); the ``*_plan`` helpers go through the
services, as users do, so a plan has its copied stages, milestones, signatures and audit trail.
Evidence records are real: a submitted assessment and a completed block of a published schedule.
"""

import datetime
from typing import Any

import factory
from django.utils import timezone
from factory.django import DjangoModelFactory

from medtalent.assessments.models import Assessment
from medtalent.assessments.tests.factories import AssessmentFactory
from medtalent.people.models import Department, Institution, Person, TraineeProfile, User
from medtalent.people.tests.factories import InstitutionFactory, PersonFactory
from medtalent.programs.models import (
    PlanMilestone,
    PlanStage,
    Programme,
    ProgrammeMilestone,
    ProgrammeStage,
    ProgrammeSystem,
    TrainingPlan,
)
from medtalent.programs.services import plans as plan_services
from medtalent.rotations.models import RotationBlock, Schedule
from medtalent.rotations.tests.factories import ScheduleFactory

PLAN_START = datetime.date(2025, 9, 1)


class ProgrammeFactory(DjangoModelFactory):
    class Meta:
        model = Programme

    institution = factory.SubFactory(InstitutionFactory)
    code = factory.Sequence(lambda n: f"programme-{n}")
    system = ProgrammeSystem.PRACTICE_RESEARCH
    name_zh = factory.Sequence(lambda n: f"培养方案{n}")
    name_en = factory.Sequence(lambda n: f"Programme {n}")


class ProgrammeStageFactory(DjangoModelFactory):
    class Meta:
        model = ProgrammeStage

    programme = factory.SubFactory(ProgrammeFactory)
    order = factory.Sequence(lambda n: (n + 1) * 10)
    code = factory.Sequence(lambda n: f"stage-{n}")
    name_zh = factory.Sequence(lambda n: f"阶段{n}")
    name_en = factory.Sequence(lambda n: f"Stage {n}")
    start_month = 0
    months = 12


class ProgrammeMilestoneFactory(DjangoModelFactory):
    class Meta:
        model = ProgrammeMilestone

    stage = factory.SubFactory(ProgrammeStageFactory)
    order = factory.Sequence(lambda n: (n + 1) * 10)
    code = factory.Sequence(lambda n: f"milestone-{n}")
    name_zh = factory.Sequence(lambda n: f"节点{n}")
    name_en = factory.Sequence(lambda n: f"Milestone {n}")
    due_month = 6
    evidence_kinds = factory.LazyFunction(list)
    requires_evidence = False


class TrainingPlanFactory(DjangoModelFactory):
    """A plan row without stages or milestones (add them with the two factories below)."""

    class Meta:
        model = TrainingPlan

    programme = factory.SubFactory(ProgrammeFactory)
    person = factory.SubFactory(PersonFactory)
    start_date = PLAN_START


class PlanStageFactory(DjangoModelFactory):
    class Meta:
        model = PlanStage

    plan = factory.SubFactory(TrainingPlanFactory)
    order = factory.Sequence(lambda n: (n + 1) * 10)
    name_zh = factory.Sequence(lambda n: f"阶段{n}")
    name_en = factory.Sequence(lambda n: f"Stage {n}")
    start_date = PLAN_START
    end_date = datetime.date(2026, 8, 31)


class PlanMilestoneFactory(DjangoModelFactory):
    class Meta:
        model = PlanMilestone

    stage = factory.SubFactory(PlanStageFactory)
    plan = factory.SelfAttribute("stage.plan")
    order = factory.Sequence(lambda n: (n + 1) * 10)
    name_zh = factory.Sequence(lambda n: f"节点{n}")
    name_en = factory.Sequence(lambda n: f"Milestone {n}")
    due_date = datetime.date(2026, 2, 28)


def one_stage_programme(
    institution: Institution, milestones: list[dict[str, Any]], *, months: int = 36
) -> Programme:
    """A programme with one stage of ``months`` months and the given milestones (each a dict of
    ``ProgrammeMilestone`` fields, e.g. ``{"due_month": 3, "evidence_kinds": ["assessment"]}``)."""
    stage = ProgrammeStageFactory(
        programme=ProgrammeFactory(institution=institution), code="only", start_month=0, months=months
    )
    for index, values in enumerate(milestones):
        ProgrammeMilestoneFactory(stage=stage, order=(index + 1) * 10, code=f"m{index + 1}", **values)
    return stage.programme


def draft_plan(
    *, actor: User, programme: Programme, person: Person, start_date: datetime.date = PLAN_START, **kw: Any
) -> TrainingPlan:
    return plan_services.plan_create(
        actor=actor, programme=programme, person=person, start_date=start_date, **kw
    )


def submitted_plan(*, actor: User, **kw: Any) -> TrainingPlan:
    plan = draft_plan(actor=actor, **kw)
    return plan_services.plan_submit(actor=actor, plan=plan, expected_version=plan.version)


def active_plan(*, actor: User, school: User, hospital: User, **kw: Any) -> TrainingPlan:
    """Created and sent by ``actor``, signed by the school mentor then the hospital mentor."""
    plan = submitted_plan(actor=actor, **kw)
    plan_services.plan_sign(actor=school, plan=plan, expected_version=plan.version)
    plan_services.plan_sign(actor=hospital, plan=plan, expected_version=plan.version)
    plan.refresh_from_db()
    return plan


def trainee_profile(person: Person) -> TraineeProfile:
    return TraineeProfile.objects.get(person=person)


def submitted_assessment(person: Person, department: Department, **kw: Any) -> Assessment:
    """A submitted Mini-CEX of ``person`` (one of their records that may serve as evidence)."""
    kw.setdefault("performed_on", datetime.date(2026, 3, 2))
    return AssessmentFactory(trainee=trainee_profile(person), department=department, **kw)


def completed_rotation(
    person: Person, department: Department, *, status: str = RotationBlock.Status.COMPLETED
) -> RotationBlock:
    """A block of ``person`` in a published schedule of the department's institution, left by now."""
    schedule = Schedule.objects.filter(
        institution=department.institution, status=Schedule.Status.PUBLISHED
    ).first() or ScheduleFactory(
        institution=department.institution,
        status=Schedule.Status.PUBLISHED,
        published_at=timezone.now(),
        first_month=datetime.date(2025, 9, 1),
        horizon_months=36,
    )
    return RotationBlock.objects.create(
        schedule=schedule,
        trainee=trainee_profile(person),
        department=department,
        start_month=datetime.date(2025, 9, 1),
        months=3,
        status=status,
    )
