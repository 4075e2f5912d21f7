"""Reads of plans: progress computed in SQL, the plan page's data in a fixed number of queries, the list's
filters, and the evidence a milestone could take."""

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from medtalent.conftest import World
from medtalent.people.models import User
from medtalent.people.tests.factories import PersonFactory, TraineeProfileFactory
from medtalent.programs.access import get_plan_for_user
from medtalent.programs.models import PlanStatus, Programme, TrainingPlan
from medtalent.programs.selectors import (
    PlanFilters,
    evidence_candidates,
    open_plan_of,
    plan_detail,
    plan_list_for_user,
    plans_waiting_for,
    programme_list_for_user,
    with_progress,
)
from medtalent.programs.services import plans as services
from medtalent.programs.tests.conftest import TODAY
from medtalent.programs.tests.factories import (
    PlanMilestoneFactory,
    TrainingPlanFactory,
    completed_rotation,
    draft_plan,
    submitted_assessment,
    submitted_plan,
    trainee_profile,
)

pytestmark = pytest.mark.django_db

PROGRESS = ("milestones_total", "milestones_done", "milestones_overdue", "school_signed", "hospital_signed")


def _confirm(plan: TrainingPlan, code: str, mentor: User) -> None:
    milestone = plan.milestones.get(template__code=code)
    services.milestone_confirm(
        actor=mentor, milestone=milestone, expected_version=milestone.version, note="Seen it done."
    )


@pytest.fixture
def several_plans(
    world: World,
    personas: dict[str, User],
    school_mentor_user: User,
    programmes: dict[str, Programme],
    active_plan: TrainingPlan,
) -> dict[str, TrainingPlan]:
    """On TODAY (2026-11-22), all started 2025-09-01:
    - ``active``: the trainee's System D plan, signed; two milestones confirmed (one overdue, one not);
    - ``career``: the trainee's career plan, sent, signed by the school mentor only;
    - ``innovation``: the other trainee's draft;
    - ``empty``: a plan row without milestones (a third trainee)."""
    officer = personas["officer"]
    _confirm(active_plan, "research-orientation", personas["mentor"])
    _confirm(active_plan, "data-collection", personas["mentor"])
    career = submitted_plan(actor=officer, programme=programmes["career"], person=world.trainee_person)
    services.plan_sign(actor=school_mentor_user, plan=career, expected_version=career.version)
    innovation = draft_plan(
        actor=officer,
        programme=programmes["innovation"],
        person=world.other_trainee,
        school_mentor=world.officer_person,
        hospital_mentor=world.mentor_person,
    )
    third = PersonFactory(name_latin="Third Trainee", institution=world.hospital)
    TraineeProfileFactory(person=third, institution=world.hospital)
    empty = TrainingPlanFactory(programme=programmes["research_team"], person=third)
    return {"active": active_plan, "career": career, "innovation": innovation, "empty": empty}


def test_progress_is_counted_per_plan_in_one_query(
    several_plans: dict[str, TrainingPlan], django_assert_num_queries: Any
) -> None:
    ids = {plan.pk: name for name, plan in several_plans.items()}

    with django_assert_num_queries(1):
        rows = {
            ids[row["pk"]]: tuple(row[name] for name in PROGRESS)
            for row in with_progress(TrainingPlan.objects.all(), TODAY).values("pk", *PROGRESS)
        }

    assert rows == {
        # 12 milestones; 4 were due before TODAY, of which research orientation is confirmed.
        "active": (12, 2, 3, True, True),
        # 7 milestones; the teaching qualification (2026-08-31) is late; only the school mentor signed.
        "career": (7, 0, 1, True, False),
        # 8 milestones, 6 due by 2026-10-31; a draft has no signatures.
        "innovation": (8, 0, 6, False, False),
        "empty": (0, 0, 0, False, False),
    }


def test_the_overdue_count_follows_the_day_asked_about(several_plans: dict[str, TrainingPlan]) -> None:
    def overdue(day: datetime.date) -> int:
        return (
            with_progress(TrainingPlan.objects.filter(pk=several_plans["active"].pk), day)
            .get()
            .milestones_overdue
        )

    assert overdue(datetime.date(2025, 9, 30)) == 0  # due that day: not yet late
    assert overdue(datetime.date(2025, 10, 1)) == 0  # research orientation is done
    assert overdue(datetime.date(2025, 12, 1)) == 1
    assert overdue(datetime.date(2026, 12, 1)) == 5


def test_signatures_count_only_for_the_current_revision(
    personas: dict[str, User], several_plans: dict[str, TrainingPlan]
) -> None:
    plan = TrainingPlan.objects.get(pk=several_plans["active"].pk)
    services.plan_update(
        actor=personas["officer"], plan=plan, expected_version=plan.version, goals="New goals."
    )

    row = with_progress(TrainingPlan.objects.filter(pk=plan.pk), TODAY).get()

    assert (row.revision, row.school_signed, row.hospital_signed) == (2, False, False)


def test_plans_waiting_for_my_signature(
    personas: dict[str, User], school_mentor_user: User, several_plans: dict[str, TrainingPlan]
) -> None:
    def waiting(user: User) -> list[int]:
        return list(
            plans_waiting_for(user, with_progress(TrainingPlan.objects.all(), TODAY)).values_list(
                "pk", flat=True
            )
        )

    assert waiting(personas["mentor"]) == [several_plans["career"].pk]
    assert waiting(school_mentor_user) == []
    assert waiting(personas["trainee"]) == []
    assert waiting(personas["admin"]) == []  # no person: signs nothing


def test_the_plan_list_filters_and_orders(
    world: World,
    personas: dict[str, User],
    several_plans: dict[str, TrainingPlan],
    programmes: dict[str, Programme],
) -> None:
    officer = personas["officer"]

    def listed(**filters: Any) -> list[str]:
        names = {plan.pk: name for name, plan in several_plans.items()}
        plans = plan_list_for_user(officer, PlanFilters(**filters), today=TODAY)
        return [names[plan.pk] for plan in plans]

    # What needs someone first (waiting for signatures, drafts, then active), then the trainee's name.
    assert listed() == ["career", "innovation", "empty", "active"]
    assert listed(status=PlanStatus.ACTIVE) == ["active"]
    assert listed(programme_id=programmes["innovation"].pk) == ["innovation"]
    assert listed(search="other") == ["innovation"]
    assert listed(cohort=2024) == ["career", "innovation", "active"]
    assert listed(cohort=2019) == []
    mentor_list = plan_list_for_user(personas["mentor"], PlanFilters(waiting_for_me=True), today=TODAY)
    assert [plan.pk for plan in mentor_list] == [several_plans["career"].pk]
    row = next(
        plan
        for plan in plan_list_for_user(officer, PlanFilters(), today=TODAY)
        if plan.pk == several_plans["active"].pk
    )
    assert (row.milestones_total, row.milestones_done, row.milestones_overdue) == (12, 2, 3)


def test_the_plan_list_takes_the_same_queries_for_more_plans(
    world: World,
    personas: dict[str, User],
    several_plans: dict[str, TrainingPlan],
    programmes: dict[str, Programme],
    django_assert_max_num_queries: Any,
) -> None:
    def count() -> int:
        officer = User.objects.get(pk=personas["officer"].pk)  # no cached scope
        with CaptureQueriesContext(connection) as queries:
            rows = list(plan_list_for_user(officer, PlanFilters(), today=TODAY))
            for row in rows:
                (
                    str(row.person),
                    str(row.programme),
                    row.school_mentor,
                    row.hospital_mentor,
                    row.trainee_profile,
                )
        return len(queries)

    few = count()
    for _index in range(6):
        person = PersonFactory(institution=world.hospital)
        TraineeProfileFactory(person=person, institution=world.hospital)
        draft_plan(
            actor=personas["officer"],
            programme=programmes["career"],
            person=person,
            school_mentor=world.officer_person,
            hospital_mentor=world.mentor_person,
        )
    assert count() == few
    with django_assert_max_num_queries(6):  # the scope (roles, person, institutions) and one for the list
        count()


def test_the_plan_page_data(
    world: World, personas: dict[str, User], school_mentor_user: User, several_plans: dict[str, TrainingPlan]
) -> None:
    plan = get_plan_for_user(personas["trainee"], several_plans["active"].pk)
    assessment = submitted_assessment(world.trainee_person, world.cardiology)
    block = completed_rotation(world.trainee_person, world.cardiology)
    bedside = plan.milestones.get(template__code="first-year-assessments")
    rotations = plan.milestones.get(template__code="first-year-rotations")
    services.milestone_evidence_add(
        actor=personas["trainee"], milestone=bedside, kind="assessment", record_id=assessment.pk
    )
    services.milestone_evidence_add(
        actor=personas["trainee"], milestone=rotations, kind="rotation", record_id=block.pk
    )

    detail = plan_detail(plan, today=TODAY)

    assert [
        (view.stage.name_en, view.is_current, view.total, view.done, view.overdue, view.percent)
        for view in detail.stages
    ] == [
        ("Pre-enrolment gap: research orientation", False, 2, 1, 1, 50),
        ("33 months of clinical rotation, with research in fragment time", True, 6, 1, 2, 17),
        ("Concentrated analysis and writing", False, 2, 0, 0, 0),
        ("Thesis defence and residency completion exam", False, 2, 0, 0, 0),
    ]
    assert (detail.total, detail.done, detail.overdue, detail.percent) == (12, 2, 3, 17)
    assert detail.current_stage is detail.stages[1]
    assert [(line.role, line.label, line.mentor, line.signature.signer_id) for line in detail.signatures] == [
        ("school", "School mentor", school_mentor_user.person, school_mentor_user.person_id),
        ("hospital", "Hospital mentor", world.mentor_person, world.mentor_person.pk),
    ]
    assert detail.earlier_signatures == []
    views = {view.milestone.pk: view for stage in detail.stages for view in stage.milestones}
    assert [(item.text, item.url) for item in views[bedside.pk].evidence] == [
        (
            "Mini Clinical Evaluation Exercise (Mini-CEX) · 2026-03-02 · Cardiology · Satisfactory",
            reverse("assessment_detail", args=[assessment.pk]),
        )
    ]
    assert [(item.text, item.url) for item in views[rotations.pk].evidence] == [
        (
            "Cardiology · 2025-09+3",
            reverse("rotation_timeline", args=[trainee_profile(world.trainee_person).pk]),
        )
    ]
    assert views[bedside.pk].accepted_kinds == ["Assessment"]
    assert [view.is_overdue for view in detail.stages[0].milestones] == [False, True]


def test_a_new_revision_moves_the_signatures_to_earlier_ones(
    personas: dict[str, User], several_plans: dict[str, TrainingPlan]
) -> None:
    plan = TrainingPlan.objects.get(pk=several_plans["active"].pk)
    services.plan_update(
        actor=personas["officer"], plan=plan, expected_version=plan.version, goals="New goals."
    )
    plan = get_plan_for_user(personas["officer"], plan.pk)

    detail = plan_detail(plan, today=TODAY)

    assert [line.signature for line in detail.signatures] == [None, None]
    assert sorted((s.revision, s.role) for s in detail.earlier_signatures) == [(1, "hospital"), (1, "school")]


def test_evidence_whose_record_is_gone_keeps_its_label(
    world: World, personas: dict[str, User], several_plans: dict[str, TrainingPlan]
) -> None:
    plan = get_plan_for_user(personas["trainee"], several_plans["active"].pk)
    assessment = submitted_assessment(world.trainee_person, world.cardiology)
    bedside = plan.milestones.get(template__code="first-year-assessments")
    evidence = services.milestone_evidence_add(
        actor=personas["trainee"], milestone=bedside, kind="assessment", record_id=assessment.pk
    )
    assessment.delete()

    detail = plan_detail(plan, today=TODAY)

    items = [item for stage in detail.stages for view in stage.milestones for item in view.evidence]
    assert [(item.evidence.pk, item.text, item.url) for item in items] == [(evidence.pk, evidence.label, "")]


def test_the_plan_page_takes_the_same_queries_for_any_number_of_milestones(
    world: World,
    personas: dict[str, User],
    several_plans: dict[str, TrainingPlan],
    django_assert_max_num_queries: Any,
) -> None:
    plan = several_plans["active"]
    assessments = [submitted_assessment(world.trainee_person, world.cardiology) for _ in range(3)]
    block = completed_rotation(world.trainee_person, world.cardiology)
    stage = plan.stages.get(template__code="rotation")

    def add_milestones(count: int) -> None:
        for index in range(count):
            milestone = PlanMilestoneFactory(stage=stage, evidence_kinds=["assessment", "rotation"])
            services.milestone_evidence_add(
                actor=personas["trainee"],
                milestone=milestone,
                kind="assessment",
                record_id=assessments[index % 3].pk,
            )
            services.milestone_evidence_add(
                actor=personas["trainee"], milestone=milestone, kind="rotation", record_id=block.pk
            )

    def count() -> int:
        fresh = get_plan_for_user(personas["officer"], plan.pk)
        with CaptureQueriesContext(connection) as queries:
            plan_detail(fresh, today=TODAY)
        return len(queries)

    add_milestones(2)
    small = count()
    add_milestones(30)
    assert count() == small
    fresh = get_plan_for_user(personas["officer"], plan.pk)
    # stages, milestones, evidence, one per kind of record (assessments, rotations), signatures
    with django_assert_max_num_queries(6):
        detail = plan_detail(fresh, today=TODAY)
    assert detail.total == 44


def test_candidates_are_the_trainees_records_not_yet_attached(
    world: World, personas: dict[str, User], several_plans: dict[str, TrainingPlan]
) -> None:
    plan = several_plans["active"]
    first = submitted_assessment(world.trainee_person, world.cardiology)
    second = submitted_assessment(
        world.trainee_person, world.cardiology, performed_on=datetime.date(2026, 5, 4)
    )
    submitted_assessment(world.other_trainee, world.surgery)
    completed_rotation(world.trainee_person, world.cardiology)
    bedside = plan.milestones.get(template__code="first-year-assessments")
    services.milestone_evidence_add(
        actor=personas["trainee"], milestone=bedside, kind="assessment", record_id=first.pk
    )

    candidates = evidence_candidates(bedside)

    assert [(c.kind, c.kind_label, c.record_id) for c in candidates] == [
        ("assessment", "Assessment", second.pk)
    ]
    assert (
        candidates[0].text
        == "Mini Clinical Evaluation Exercise (Mini-CEX) · 2026-05-04 · Cardiology · Satisfactory"
    )
    # A milestone that names no kind takes any registered kind: assessments and rotations today.
    open_kinds = plan.milestones.get(template__code="research-proposal")
    open_kinds.evidence_kinds = []
    assert sorted(c.kind for c in evidence_candidates(open_kinds)) == ["assessment", "assessment", "rotation"]


def test_programme_list_counts_stages_and_open_plans(
    personas: dict[str, User], several_plans: dict[str, TrainingPlan]
) -> None:
    rows = {p.code: (p.stage_count, p.open_plans) for p in programme_list_for_user(personas["trainee"])}

    assert rows == {
        "research-team": (3, 1),
        "device-innovation": (4, 1),
        "career-stages": (3, 1),
        "practice-research": (4, 1),
    }


def test_the_open_plan_of_a_person_is_the_latest_started(
    world: World,
    personas: dict[str, User],
    several_plans: dict[str, TrainingPlan],
    programmes: dict[str, Programme],
) -> None:
    later = draft_plan(
        actor=personas["officer"],
        programme=programmes["innovation"],
        person=world.trainee_person,
        start_date=datetime.date(2026, 9, 1),
    )
    assert open_plan_of(world.trainee_person.pk) == later
    services.plan_close(
        actor=personas["officer"],
        plan=later,
        expected_version=later.version,
        status="withdrawn",
        reason="Not now.",
    )
    # Two plans started the same day: the later made.
    assert open_plan_of(world.trainee_person.pk) == several_plans["career"]
    assert open_plan_of(world.foreign_trainee.pk) is None
