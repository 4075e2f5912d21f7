"""Training plans through their services: a plan from each shipped template, both mentors' signatures,
what needs signing again (and what does not), the evidence rules, overdue reminders at a fixed clock,
and the audit trail."""

import datetime
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import translation
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy

from medtalent.assessments.models import Assessment
from medtalent.conftest import World
from medtalent.core.errors import ApplicationError, ConflictError, ForbiddenError
from medtalent.core.models import AuditEvent, Notification
from medtalent.people.models import Mentorship, Person, User
from medtalent.people.tests.factories import (
    FacultyProfileFactory,
    MentorshipFactory,
    PersonFactory,
    TraineeProfileFactory,
)
from medtalent.programs.models import (
    MilestoneEvidence,
    MilestoneStatus,
    PlanMilestone,
    PlanSignature,
    PlanStage,
    PlanStatus,
    Programme,
    TrainingPlan,
)
from medtalent.programs.selectors import with_progress
from medtalent.programs.services import plans as services
from medtalent.programs.services.programmes import programme_definition, programme_update
from medtalent.programs.tests.conftest import TODAY
from medtalent.programs.tests.factories import (
    PLAN_START,
    completed_rotation,
    draft_plan,
    one_stage_programme,
    submitted_assessment,
    submitted_plan,
    trainee_profile,
)
from medtalent.rotations.models import RotationBlock, Schedule
from medtalent.rotations.tests.factories import ScheduleFactory

pytestmark = pytest.mark.django_db

D = datetime.date

# Every stage (start, end) and milestone (code, due) of a plan started on 2025-09-01, worked out by hand:
# a stage starts ``start_month`` months after the plan and ends the day before ``start_month + months``
# months after it; a milestone is due the last day of its ``due_month``-th month.
EXPECTED = {
    "research_team": [
        (
            "high-school",
            D(2025, 9, 1),
            D(2026, 8, 31),
            [
                ("join-team", D(2025, 9, 30)),
                ("lab-training", D(2026, 2, 28)),
                ("first-report", D(2026, 8, 31)),
            ],
        ),
        (
            "undergraduate",
            D(2026, 9, 1),
            D(2030, 8, 31),
            [("innovation-project", D(2027, 8, 31)), ("first-output", D(2029, 8, 31))],
        ),
        (
            "postgraduate",
            D(2030, 9, 1),
            D(2033, 8, 31),
            [
                ("thesis-project", D(2031, 2, 28)),
                ("lead-juniors", D(2032, 8, 31)),
                ("thesis", D(2033, 8, 31)),
            ],
        ),
    ],
    "innovation": [
        ("pain-point", D(2025, 9, 1), D(2025, 10, 31), [("pain-point-recorded", D(2025, 9, 30))]),
        (
            "design",
            D(2025, 11, 1),
            D(2026, 2, 28),
            [("concept-review", D(2025, 11, 30)), ("cad-model", D(2026, 2, 28))],
        ),
        (
            "prototype",
            D(2026, 3, 1),
            D(2026, 8, 31),
            [("first-prototype", D(2026, 4, 30)), ("validation", D(2026, 8, 31))],
        ),
        (
            "patent-transformation",
            D(2026, 9, 1),
            D(2027, 8, 31),
            [
                ("patent-filed", D(2026, 10, 31)),
                ("contest", D(2027, 2, 28)),
                ("transformation", D(2027, 8, 31)),
            ],
        ),
    ],
    "career": [
        (
            "start-up",
            D(2025, 9, 1),
            D(2028, 8, 31),
            [
                ("teaching-qualification", D(2026, 8, 31)),
                ("youth-grant", D(2027, 8, 31)),
                ("first-author-sci", D(2028, 8, 31)),
            ],
        ),
        (
            "growth",
            D(2028, 9, 1),
            D(2031, 8, 31),
            [("provincial-project", D(2030, 2, 28)), ("provincial-talent", D(2031, 8, 31))],
        ),
        (
            "breakthrough",
            D(2031, 9, 1),
            D(2034, 8, 31),
            [("lead-team", D(2032, 8, 31)), ("national-recognition", D(2034, 8, 31))],
        ),
    ],
    "practice_research": [
        (
            "pre-enrolment",
            D(2025, 9, 1),
            D(2025, 11, 30),
            [("research-orientation", D(2025, 9, 30)), ("literature-review", D(2025, 11, 30))],
        ),
        (
            "rotation",
            D(2025, 12, 1),
            D(2028, 8, 31),
            [
                ("oath-and-ethics", D(2025, 12, 31)),
                ("research-proposal", D(2026, 8, 31)),
                ("first-year-assessments", D(2026, 11, 30)),
                ("first-year-rotations", D(2026, 11, 30)),
                ("data-collection", D(2027, 11, 30)),
                ("rotation-complete", D(2028, 8, 31)),
            ],
        ),
        (
            "analysis-writing",
            D(2028, 3, 1),
            D(2028, 9, 30),
            [("analysis-done", D(2028, 5, 31)), ("thesis-draft", D(2028, 7, 31))],
        ),
        (
            "defence-completion",
            D(2028, 8, 1),
            D(2028, 11, 30),
            [("completion-exam", D(2028, 9, 30)), ("thesis-defence", D(2028, 10, 31))],
        ),
    ],
}
MILESTONE_COUNTS = {"research_team": 8, "innovation": 8, "career": 7, "practice_research": 12}


def _structure(plan: TrainingPlan) -> list[tuple]:
    return [
        (
            stage.template.code,
            stage.start_date,
            stage.end_date,
            [(m.template.code, m.due_date) for m in stage.milestones.order_by("order", "id")],
        )
        for stage in plan.stages.select_related("template").order_by("order")
    ]


def _milestone(plan: TrainingPlan, code: str) -> PlanMilestone:
    return PlanMilestone.objects.select_related("plan").get(plan=plan, template__code=code)


def _titles(user: User, after: int = 0) -> list[str]:
    return list(
        Notification.objects.filter(recipient=user, pk__gt=after)
        .order_by("pk")
        .values_list("title", flat=True)
    )


def _last_notification_id() -> int:
    return Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0


def _actions(plan: TrainingPlan) -> list[tuple[str, str]]:
    return list(
        AuditEvent.objects.filter(target_id=str(plan.pk), action__startswith="plan.")
        .order_by("pk")
        .values_list("action", "actor_label")
    )


# --- creating a plan from each template ------------------------------------------------------------


@pytest.mark.parametrize("system", ["research_team", "innovation", "career", "practice_research"])
def test_a_plan_from_each_shipped_template_copies_its_stages_and_milestones_with_dates_from_the_start(
    system: str,
    world: World,
    personas: dict[str, User],
    school_mentor_user: User,
    programmes: dict[str, Programme],
) -> None:
    plan = services.plan_create(
        actor=personas["officer"],
        programme=programmes[system],
        person=world.trainee_person,
        start_date=PLAN_START,
        goals="  Publish one paper.  ",
    )

    plan.refresh_from_db()
    assert _structure(plan) == EXPECTED[system]
    assert plan.milestones.count() == MILESTONE_COUNTS[system]
    assert (plan.status, plan.revision, plan.version, plan.goals) == (
        PlanStatus.DRAFT,
        1,
        1,
        "Publish one paper.",
    )
    assert (plan.school_mentor_id, plan.hospital_mentor_id) == (
        school_mentor_user.person_id,
        world.mentor_person.pk,
    )
    assert plan.trainee_profile.person_id == world.trainee_person.pk
    assert plan.created_by == personas["officer"]
    assert plan.signatures.count() == 0


def test_plan_milestones_copy_the_template_names_and_evidence_rules(
    world: World, personas: dict[str, User], school_mentor_user: User, programmes: dict[str, Programme]
) -> None:
    plan = draft_plan(
        actor=personas["officer"], programme=programmes["practice_research"], person=world.trainee_person
    )

    first_year = _milestone(plan, "first-year-assessments")
    assert (first_year.name_zh, first_year.name_en) == (
        "第一年床旁考核（Mini-CEX、DOPS）",
        "First-year bedside assessments (Mini-CEX, DOPS)",
    )
    assert (first_year.evidence_kinds, first_year.requires_evidence) == (["assessment"], True)
    assert (first_year.status, first_year.version) == (MilestoneStatus.OPEN, 1)
    orientation = _milestone(plan, "research-orientation")
    assert (orientation.evidence_kinds, orientation.requires_evidence) == (["course"], False)
    assert orientation.stage.template.code == "pre-enrolment"


def test_a_start_in_mid_month_moves_every_date_with_it(
    world: World, personas: dict[str, User], school_mentor_user: User, programmes: dict[str, Programme]
) -> None:
    plan = draft_plan(
        actor=personas["officer"],
        programme=programmes["innovation"],
        person=world.trainee_person,
        start_date=D(2025, 9, 15),
    )

    assert _structure(plan)[:2] == [
        ("pain-point", D(2025, 9, 15), D(2025, 11, 14), [("pain-point-recorded", D(2025, 10, 14))]),
        (
            "design",
            D(2025, 11, 15),
            D(2026, 3, 14),
            [("concept-review", D(2025, 12, 14)), ("cad-model", D(2026, 3, 14))],
        ),
    ]


def test_the_mentors_default_to_the_current_school_and_hospital_mentors_on_the_start_date(
    world: World, personas: dict[str, User], school_mentor_user: User, programmes: dict[str, Programme]
) -> None:
    # A primary mentor and a peer senior do not sign; an ended school link does not count; the newest
    # hospital link wins over the older one.
    MentorshipFactory(mentor=world.teacher_person, mentee=world.trainee_person, kind=Mentorship.Kind.PRIMARY)
    MentorshipFactory(mentor=PersonFactory(), mentee=world.trainee_person, kind=Mentorship.Kind.PEER_SENIOR)
    MentorshipFactory(
        mentor=world.officer_person,
        mentee=world.trainee_person,
        kind=Mentorship.Kind.SCHOOL,
        start_date=D(2025, 1, 1),
        end_date=D(2025, 6, 30),
    )
    newer_hospital = PersonFactory(name_latin="Newer Hospital Mentor")
    FacultyProfileFactory(person=newer_hospital)
    MentorshipFactory(
        mentor=newer_hospital,
        mentee=world.trainee_person,
        kind=Mentorship.Kind.HOSPITAL,
        start_date=D(2025, 3, 1),
    )

    plan = draft_plan(
        actor=personas["officer"], programme=programmes["practice_research"], person=world.trainee_person
    )

    assert (plan.school_mentor_id, plan.hospital_mentor_id) == (
        school_mentor_user.person_id,
        newer_hospital.pk,
    )


def test_mentors_not_yet_linked_on_the_start_date_are_left_empty_and_named_ones_win(
    world: World, personas: dict[str, User], school_mentor_user: User, programmes: dict[str, Programme]
) -> None:
    early = draft_plan(
        actor=personas["officer"],
        programme=programmes["career"],
        person=world.trainee_person,
        start_date=D(2024, 6, 1),
    )
    assert (early.school_mentor_id, early.hospital_mentor_id) == (None, None)

    named = draft_plan(
        actor=personas["officer"],
        programme=programmes["innovation"],
        person=world.trainee_person,
        school_mentor=world.officer_person,
    )
    assert (named.school_mentor_id, named.hospital_mentor_id) == (
        world.officer_person.pk,
        world.mentor_person.pk,
    )


def test_create_refuses_a_closed_programme_a_second_open_plan_and_odd_mentors(
    world: World, personas: dict[str, User], school_mentor_user: User, programmes: dict[str, Programme]
) -> None:
    officer = personas["officer"]
    programme = programmes["practice_research"]
    draft_plan(actor=officer, programme=programme, person=world.trainee_person)

    with pytest.raises(ApplicationError) as second:
        draft_plan(actor=officer, programme=programme, person=world.trainee_person)
    assert (str(second.value.message), second.value.field) == (
        "Trainee already has an open plan in this programme.",
        "person",
    )

    Programme.objects.filter(pk=programmes["career"].pk).update(is_active=False)
    programmes["career"].refresh_from_db()
    with pytest.raises(ApplicationError) as closed:
        draft_plan(actor=officer, programme=programmes["career"], person=world.trainee_person)
    assert (str(closed.value.message), closed.value.field) == (
        "This programme is closed for new plans.",
        "programme",
    )

    with pytest.raises(ValidationError) as same:
        draft_plan(
            actor=officer,
            programme=programmes["innovation"],
            person=world.trainee_person,
            school_mentor=world.mentor_person,
        )
    assert same.value.message_dict == {
        "hospital_mentor": ["The school mentor and the hospital mentor must be two different people."]
    }
    with pytest.raises(ValidationError) as own:
        draft_plan(
            actor=officer,
            programme=programmes["innovation"],
            person=world.trainee_person,
            school_mentor=world.trainee_person,
        )
    assert own.value.message_dict == {"school_mentor": ["A trainee cannot be their own mentor."]}
    assert TrainingPlan.objects.count() == 1


def test_a_withdrawn_plan_leaves_room_for_a_new_one(
    world: World, personas: dict[str, User], school_mentor_user: User, programmes: dict[str, Programme]
) -> None:
    officer = personas["officer"]
    first = draft_plan(actor=officer, programme=programmes["career"], person=world.trainee_person)
    services.plan_close(
        actor=officer, plan=first, expected_version=first.version, status="withdrawn", reason="Changed track."
    )

    second = draft_plan(actor=officer, programme=programmes["career"], person=world.trainee_person)

    assert list(
        TrainingPlan.objects.filter(person=world.trainee_person)
        .order_by("pk")
        .values_list("status", flat=True)
    ) == [PlanStatus.WITHDRAWN, PlanStatus.DRAFT]
    assert second.pk != first.pk


# --- sending and signing ---------------------------------------------------------------------------


def test_sending_a_draft_needs_both_mentors_and_asks_each_of_them(
    world: World, personas: dict[str, User], school_mentor_user: User, programmes: dict[str, Programme]
) -> None:
    officer = personas["officer"]
    lonely = draft_plan(
        actor=officer, programme=programmes["career"], person=world.trainee_person, start_date=D(2024, 6, 1)
    )
    with pytest.raises(ValidationError) as missing:
        services.plan_submit(actor=officer, plan=lonely, expected_version=lonely.version)
    assert missing.value.message_dict == {
        "school_mentor": ["Name the school mentor before sending the plan for signatures."],
        "hospital_mentor": ["Name the hospital mentor before sending the plan for signatures."],
    }

    plan = draft_plan(actor=officer, programme=programmes["practice_research"], person=world.trainee_person)
    services.plan_submit(actor=officer, plan=plan, expected_version=plan.version)

    plan.refresh_from_db()
    assert (plan.status, plan.version, plan.revision) == (PlanStatus.AWAITING_SIGNATURES, 2, 1)
    expected = ["Please review and sign the training plan of Trainee"]
    assert _titles(school_mentor_user) == expected
    assert _titles(personas["mentor"]) == expected
    assert _titles(personas["trainee"]) == []
    assert Notification.objects.get(recipient=school_mentor_user).url == reverse(
        "plan_detail", args=[plan.pk]
    )

    with pytest.raises(ApplicationError) as again:
        services.plan_submit(actor=officer, plan=plan, expected_version=plan.version)
    assert str(again.value.message) == "Only a draft can be sent for signatures."


def test_one_signature_leaves_the_plan_waiting_and_the_second_makes_it_active(
    world: World, personas: dict[str, User], school_mentor_user: User, programmes: dict[str, Programme]
) -> None:
    plan = submitted_plan(
        actor=personas["officer"], programme=programmes["practice_research"], person=world.trainee_person
    )
    before = _last_notification_id()

    first = services.plan_sign(actor=school_mentor_user, plan=plan, expected_version=plan.version)

    plan.refresh_from_db()
    assert (plan.status, plan.activated_at) == (PlanStatus.AWAITING_SIGNATURES, None)
    assert (first.role, first.signer_id, first.revision) == ("school", school_mentor_user.person_id, 1)
    assert _titles(personas["mentor"], before) == [
        "School Mentor signed the training plan of Trainee; your signature is next"
    ]
    assert _titles(personas["trainee"], before) == []

    second = services.plan_sign(actor=personas["mentor"], plan=plan, expected_version=plan.version)

    plan.refresh_from_db()
    assert (plan.status, plan.activated_at) == (PlanStatus.ACTIVE, second.signed_at)
    assert (second.role, second.signer_id, second.revision) == ("hospital", world.mentor_person.pk, 1)
    active = "The training plan of Trainee is signed by both mentors and active"
    assert _titles(personas["trainee"], before) == [active]
    assert _titles(school_mentor_user, before) == [active]
    assert _titles(personas["mentor"], before) == [
        "School Mentor signed the training plan of Trainee; your signature is next",
        active,
    ]


def test_either_mentor_may_sign_first(
    world: World, personas: dict[str, User], school_mentor_user: User, programmes: dict[str, Programme]
) -> None:
    plan = submitted_plan(
        actor=personas["officer"], programme=programmes["career"], person=world.trainee_person
    )
    services.plan_sign(actor=personas["mentor"], plan=plan, expected_version=plan.version)
    assert TrainingPlan.objects.get(pk=plan.pk).status == PlanStatus.AWAITING_SIGNATURES
    services.plan_sign(actor=school_mentor_user, plan=plan, expected_version=plan.version)
    assert TrainingPlan.objects.get(pk=plan.pk).status == PlanStatus.ACTIVE


@pytest.mark.parametrize("who", ["trainee", "officer", "other_mentor", "peer_senior", "admin", "teacher"])
def test_only_the_two_named_mentors_sign(
    who: str,
    world: World,
    personas: dict[str, User],
    school_mentor_user: User,
    other_mentor_user: User,
    peer_senior_user: User,
    programmes: dict[str, Programme],
) -> None:
    plan = submitted_plan(
        actor=personas["officer"], programme=programmes["practice_research"], person=world.trainee_person
    )
    actor = {**personas, "other_mentor": other_mentor_user, "peer_senior": peer_senior_user}[who]

    with pytest.raises(ForbiddenError) as refused:
        services.plan_sign(actor=actor, plan=plan, expected_version=plan.version)

    assert str(refused.value.message) == "Only the plan's school mentor and hospital mentor sign it."
    assert PlanSignature.objects.count() == 0
    assert TrainingPlan.objects.get(pk=plan.pk).status == PlanStatus.AWAITING_SIGNATURES


def test_signing_what_changed_since_it_was_read_is_refused_and_writes_nothing(
    world: World, personas: dict[str, User], school_mentor_user: User, programmes: dict[str, Programme]
) -> None:
    plan = submitted_plan(
        actor=personas["officer"], programme=programmes["practice_research"], person=world.trainee_person
    )
    read_version = plan.version
    # The officer changes the goals while the mentor reads: a new revision, a new version.
    services.plan_update(
        actor=personas["officer"],
        plan=TrainingPlan.objects.get(pk=plan.pk),
        expected_version=read_version,
        goals="New",
    )
    audits = AuditEvent.objects.count()
    notifications = Notification.objects.count()

    with pytest.raises(ConflictError):
        services.plan_sign(
            actor=school_mentor_user, plan=TrainingPlan.objects.get(pk=plan.pk), expected_version=read_version
        )

    assert PlanSignature.objects.count() == 0
    assert (AuditEvent.objects.count(), Notification.objects.count()) == (audits, notifications)
    plan.refresh_from_db()
    assert (plan.status, plan.revision) == (PlanStatus.AWAITING_SIGNATURES, 2)


def test_signing_twice_is_refused(
    world: World, personas: dict[str, User], school_mentor_user: User, programmes: dict[str, Programme]
) -> None:
    plan = submitted_plan(
        actor=personas["officer"], programme=programmes["practice_research"], person=world.trainee_person
    )
    services.plan_sign(actor=school_mentor_user, plan=plan, expected_version=plan.version)

    with pytest.raises(ConflictError) as twice:
        services.plan_sign(actor=school_mentor_user, plan=plan, expected_version=plan.version)

    assert str(twice.value.message) == "You have already signed this version of the plan."
    assert PlanSignature.objects.filter(plan=plan).count() == 1
    assert AuditEvent.objects.filter(action="plan.sign").count() == 1


def test_a_draft_and_an_active_plan_cannot_be_signed(
    world: World,
    personas: dict[str, User],
    school_mentor_user: User,
    active_plan: TrainingPlan,
    programmes: dict[str, Programme],
) -> None:
    with pytest.raises(ApplicationError) as active:
        services.plan_sign(actor=school_mentor_user, plan=active_plan, expected_version=active_plan.version)
    assert str(active.value.message) == "This plan is not waiting for signatures."

    draft = draft_plan(
        actor=personas["officer"],
        programme=programmes["career"],
        person=world.trainee_person,
    )
    with pytest.raises(ApplicationError):
        services.plan_sign(actor=school_mentor_user, plan=draft, expected_version=draft.version)
    assert PlanSignature.objects.filter(plan=draft).count() == 0


# --- what needs signing again -----------------------------------------------------------------------


def _shift(milestone: PlanMilestone, days: int) -> datetime.date:
    return milestone.due_date + datetime.timedelta(days=days)


def _change(name: str, plan: TrainingPlan, actor: User, extra: dict[str, Any]) -> Any:
    """Apply one named change to the active plan as ``actor``."""
    proposal = _milestone(plan, "research-proposal")
    rotation_stage = PlanStage.objects.get(plan=plan, template__code="rotation")
    milestone_update = lambda **kw: services.plan_milestone_update(  # noqa: E731
        actor=actor, milestone=proposal, expected_version=proposal.version, **kw
    )
    stage_update = lambda start, end: services.plan_stage_update(  # noqa: E731
        actor=actor, stage=rotation_stage, start_date=start, end_date=end
    )
    day = datetime.timedelta(days=1)
    changes = {
        "goals": lambda: services.plan_update(
            actor=actor, plan=plan, expected_version=plan.version, goals="Two papers and a patent."
        ),
        "mentor": lambda: services.plan_update(
            actor=actor, plan=plan, expected_version=plan.version, school_mentor=extra["new_mentor"]
        ),
        "milestone added": lambda: services.plan_milestone_add(
            actor=actor,
            plan=plan,
            expected_version=plan.version,
            stage=rotation_stage,
            name="Present at the regional congress",
            due_date=D(2027, 5, 31),
        ),
        "milestone removed": lambda: services.plan_milestone_remove(
            actor=actor, milestone=proposal, expected_version=proposal.version
        ),
        "milestone renamed": lambda: milestone_update(name="Research proposal defended"),
        "evidence kinds changed": lambda: milestone_update(evidence_kinds=["output", "assessment"]),
        "evidence now required": lambda: milestone_update(requires_evidence=True),
        "due 31 days later": lambda: milestone_update(due_date=_shift(proposal, 31)),
        "due 31 days earlier": lambda: milestone_update(due_date=_shift(proposal, -31)),
        "stage starts 31 days later": lambda: stage_update(
            rotation_stage.start_date + 31 * day, rotation_stage.end_date
        ),
        "stage ends 31 days earlier": lambda: stage_update(
            rotation_stage.start_date, rotation_stage.end_date - 31 * day
        ),
        "due 30 days later": lambda: milestone_update(due_date=_shift(proposal, 30)),
        "due 30 days earlier": lambda: milestone_update(due_date=_shift(proposal, -30)),
        "due 1 day later": lambda: milestone_update(due_date=_shift(proposal, 1)),
        "stage moved 30 days": lambda: stage_update(
            rotation_stage.start_date + 30 * day, rotation_stage.end_date + 30 * day
        ),
        "note": lambda: milestone_update(note="Discussed with both mentors on the ward."),
        "evidence attached": lambda: services.milestone_evidence_add(
            actor=actor,
            milestone=_milestone(plan, "first-year-assessments"),
            kind="assessment",
            record_id=extra["assessment"].pk,
        ),
        "milestone done": lambda: services.milestone_confirm(
            actor=extra["mentor"],
            milestone=proposal,
            expected_version=proposal.version,
            note="Proposal presented to the department.",
        ),
    }
    return changes[name]()


MATERIAL = [
    "goals",
    "mentor",
    "milestone added",
    "milestone removed",
    "milestone renamed",
    "evidence kinds changed",
    "evidence now required",
    "due 31 days later",
    "due 31 days earlier",
    "stage starts 31 days later",
    "stage ends 31 days earlier",
]
TRIVIAL = [
    "due 30 days later",
    "due 30 days earlier",
    "due 1 day later",
    "stage moved 30 days",
    "note",
    "evidence attached",
    "milestone done",
]


def _extra(world: World, personas: dict[str, User]) -> dict[str, Any]:
    return {
        "new_mentor": world.officer_person,
        "assessment": submitted_assessment(world.trainee_person, world.cardiology),
        "mentor": personas["mentor"],
    }


@pytest.mark.parametrize("change", MATERIAL)
def test_a_material_change_to_an_active_plan_asks_both_mentors_to_sign_again(
    change: str,
    world: World,
    personas: dict[str, User],
    school_mentor_user: User,
    active_plan: TrainingPlan,
) -> None:
    extra = _extra(world, personas)
    before = _last_notification_id()
    # Only officers name mentors; the trainee makes the other changes.
    actor = personas["officer"] if change == "mentor" else personas["trainee"]

    _change(change, active_plan, actor, extra)

    plan = TrainingPlan.objects.get(pk=active_plan.pk)
    assert (plan.status, plan.revision) == (PlanStatus.AWAITING_SIGNATURES, 2)
    progress = with_progress(TrainingPlan.objects.filter(pk=plan.pk), TODAY).get()
    assert (progress.school_signed, progress.hospital_signed) == (False, False)
    assert PlanSignature.objects.filter(plan=plan, revision=1).count() == 2
    again = "The training plan of Trainee changed: please review and sign it again"
    assert _titles(personas["mentor"], before) == [again]
    assert _titles(personas["trainee"], before) == []
    revise = AuditEvent.objects.get(action="plan.revise", target_id=str(plan.pk))
    assert revise.actor == actor
    assert revise.changes["revision"] == [1, 2]
    assert revise.changes["status"] == [PlanStatus.ACTIVE, PlanStatus.AWAITING_SIGNATURES]
    # The school mentor is told too, unless the change made the officer the new school mentor.
    expected_school = [] if change == "mentor" else [again]
    assert _titles(school_mentor_user, before) == expected_school
    if change == "mentor":
        assert _titles(personas["officer"], before) == [again]

    # Both sign the new revision: active again.
    services.plan_sign(actor=personas["mentor"], plan=plan, expected_version=plan.version)
    school = personas["officer"] if change == "mentor" else school_mentor_user
    services.plan_sign(actor=school, plan=plan, expected_version=plan.version)
    plan.refresh_from_db()
    assert (plan.status, plan.revision) == (PlanStatus.ACTIVE, 2)
    assert sorted(plan.signatures.values_list("revision", "role")) == [
        (1, "hospital"),
        (1, "school"),
        (2, "hospital"),
        (2, "school"),
    ]


@pytest.mark.parametrize("change", TRIVIAL)
def test_a_trivial_change_keeps_the_plan_active_on_its_revision(
    change: str, world: World, personas: dict[str, User], active_plan: TrainingPlan
) -> None:
    extra = _extra(world, personas)
    before = _last_notification_id()

    _change(change, active_plan, personas["trainee"], extra)

    plan = TrainingPlan.objects.get(pk=active_plan.pk)
    assert (plan.status, plan.revision) == (PlanStatus.ACTIVE, 1)
    progress = with_progress(TrainingPlan.objects.filter(pk=plan.pk), TODAY).get()
    assert (progress.school_signed, progress.hospital_signed) == (True, True)
    assert _titles(personas["mentor"], before) == []
    assert not AuditEvent.objects.filter(action="plan.revise").exists()


def test_the_boundary_is_thirty_days_whichever_way(
    world: World, personas: dict[str, User], active_plan: TrainingPlan
) -> None:
    assert (
        services.milestone_change_is_material({"due_date": D(2026, 8, 31)}, {"due_date": D(2026, 9, 30)})
        is False
    )  # 30 days
    assert (
        services.milestone_change_is_material({"due_date": D(2026, 8, 31)}, {"due_date": D(2026, 10, 1)})
        is True
    )  # 31 days
    assert (
        services.milestone_change_is_material({"due_date": D(2026, 8, 31)}, {"due_date": D(2026, 8, 1)})
        is False
    )  # 30 days earlier
    assert (
        services.milestone_change_is_material({"due_date": D(2026, 8, 31)}, {"due_date": D(2026, 7, 31)})
        is True
    )  # 31 days earlier

    proposal = _milestone(active_plan, "research-proposal")  # due 2026-08-31
    material = services.plan_milestone_update(
        actor=personas["mentor"],
        milestone=proposal,
        expected_version=proposal.version,
        due_date=D(2026, 9, 30),
    )
    assert material is False
    assert TrainingPlan.objects.get(pk=active_plan.pk).revision == 1
    stage = PlanStage.objects.get(plan=active_plan, template__code="analysis-writing")  # 2028-03-01..09-30
    assert (
        services.plan_stage_update(
            actor=personas["mentor"], stage=stage, start_date=D(2028, 3, 31), end_date=D(2028, 8, 31)
        )
        is False
    )
    assert (
        services.plan_stage_update(
            actor=personas["mentor"], stage=stage, start_date=D(2028, 3, 31), end_date=D(2028, 7, 31)
        )
        is True
    )
    assert TrainingPlan.objects.get(pk=active_plan.pk).revision == 2


def test_a_material_change_to_a_plan_waiting_for_signatures_voids_the_signature_given(
    world: World, personas: dict[str, User], school_mentor_user: User, programmes: dict[str, Programme]
) -> None:
    plan = submitted_plan(
        actor=personas["officer"], programme=programmes["practice_research"], person=world.trainee_person
    )
    services.plan_sign(actor=school_mentor_user, plan=plan, expected_version=plan.version)
    plan.refresh_from_db()
    before = _last_notification_id()

    services.plan_update(
        actor=personas["officer"], plan=plan, expected_version=plan.version, goals="Changed."
    )

    plan.refresh_from_db()
    assert (plan.status, plan.revision) == (PlanStatus.AWAITING_SIGNATURES, 2)
    again = "The training plan of Trainee changed: please review and sign it again"
    assert _titles(school_mentor_user, before) == [again]
    assert _titles(personas["mentor"], before) == [again]
    # The hospital mentor's signature alone does not activate revision 2.
    services.plan_sign(actor=personas["mentor"], plan=plan, expected_version=plan.version)
    assert TrainingPlan.objects.get(pk=plan.pk).status == PlanStatus.AWAITING_SIGNATURES
    services.plan_sign(actor=school_mentor_user, plan=plan, expected_version=plan.version)
    assert TrainingPlan.objects.get(pk=plan.pk).status == PlanStatus.ACTIVE


def test_changes_to_a_draft_make_no_revision_and_tell_nobody(
    world: World, personas: dict[str, User], school_mentor_user: User, programmes: dict[str, Programme]
) -> None:
    plan = draft_plan(
        actor=personas["officer"], programme=programmes["practice_research"], person=world.trainee_person
    )
    proposal = _milestone(plan, "research-proposal")
    services.plan_milestone_update(
        actor=personas["officer"], milestone=proposal, expected_version=proposal.version, name="Renamed"
    )
    services.plan_update(
        actor=personas["officer"], plan=plan, expected_version=plan.version, goals="Draft goals"
    )

    plan.refresh_from_db()
    assert (plan.status, plan.revision, plan.goals) == (PlanStatus.DRAFT, 1, "Draft goals")
    assert Notification.objects.count() == 0


def test_a_draft_start_date_moves_every_date_and_a_signed_plan_keeps_its_start(
    world: World, personas: dict[str, User], school_mentor_user: User, programmes: dict[str, Programme]
) -> None:
    plan = draft_plan(
        actor=personas["officer"], programme=programmes["practice_research"], person=world.trainee_person
    )
    services.plan_update(
        actor=personas["officer"], plan=plan, expected_version=plan.version, start_date=D(2025, 10, 1)
    )

    plan.refresh_from_db()
    assert plan.start_date == D(2025, 10, 1)
    structure = _structure(plan)
    assert structure[0] == (
        "pre-enrolment",
        D(2025, 10, 1),
        D(2025, 12, 31),
        [("research-orientation", D(2025, 10, 31)), ("literature-review", D(2025, 12, 31))],
    )
    assert structure[1][1:3] == (D(2026, 1, 1), D(2028, 9, 30))

    services.plan_submit(actor=personas["officer"], plan=plan, expected_version=plan.version)
    with pytest.raises(ApplicationError) as signed:
        services.plan_update(
            actor=personas["officer"], plan=plan, expected_version=plan.version, start_date=D(2025, 11, 1)
        )
    assert signed.value.field == "start_date"
    assert TrainingPlan.objects.get(pk=plan.pk).start_date == D(2025, 10, 1)


def test_a_stale_plan_update_is_refused_and_writes_nothing(
    world: World, personas: dict[str, User], active_plan: TrainingPlan
) -> None:
    stale = active_plan.version - 1
    with pytest.raises(ConflictError):
        services.plan_update(
            actor=personas["officer"], plan=active_plan, expected_version=stale, goals="Late"
        )
    plan = TrainingPlan.objects.get(pk=active_plan.pk)
    assert (plan.goals, plan.revision, plan.status) == ("", 1, PlanStatus.ACTIVE)

    proposal = _milestone(active_plan, "research-proposal")
    with pytest.raises(ConflictError):
        services.plan_milestone_update(
            actor=personas["officer"], milestone=proposal, expected_version=proposal.version + 1, name="Late"
        )
    assert (
        PlanMilestone.objects.get(pk=proposal.pk).name_en
        == "Research proposal: from a clinical question to a scientific question"
    )
    assert TrainingPlan.objects.get(pk=active_plan.pk).revision == 1


# --- evidence and completion ------------------------------------------------------------------------


def test_a_milestone_cannot_be_marked_done_without_accepted_evidence(
    world: World, personas: dict[str, User], active_plan: TrainingPlan
) -> None:
    milestone = _milestone(active_plan, "first-year-assessments")

    with pytest.raises(ApplicationError) as refused:
        services.milestone_complete(
            actor=personas["trainee"], milestone=milestone, expected_version=milestone.version
        )

    assert (str(refused.value.message), refused.value.field) == (
        "Attach evidence first, or ask a mentor to confirm the milestone.",
        "evidence",
    )
    assert PlanMilestone.objects.get(pk=milestone.pk).status == MilestoneStatus.OPEN


def test_a_trainee_attaches_their_own_assessment_and_marks_the_milestone_done(
    world: World, personas: dict[str, User], active_plan: TrainingPlan
) -> None:
    assessment = submitted_assessment(world.trainee_person, world.cardiology)
    milestone = _milestone(active_plan, "first-year-assessments")

    evidence = services.milestone_evidence_add(
        actor=personas["trainee"], milestone=milestone, kind="assessment", record_id=assessment.pk
    )
    services.milestone_complete(
        actor=personas["trainee"], milestone=milestone, expected_version=milestone.version, note="Both done."
    )

    assert (evidence.kind, evidence.object_id, evidence.added_by) == (
        "assessment",
        assessment.pk,
        personas["trainee"],
    )
    assert (
        evidence.label
        == "Mini Clinical Evaluation Exercise (Mini-CEX) · 2026-03-02 · Cardiology · Satisfactory"
    )
    milestone.refresh_from_db()
    assert (
        milestone.status,
        milestone.done_by,
        milestone.confirmed_by,
        milestone.note,
        milestone.version,
    ) == (
        MilestoneStatus.DONE,
        personas["trainee"],
        None,
        "Both done.",
        2,
    )
    assert milestone.done_at is not None
    done = AuditEvent.objects.get(action="plan.milestone_done")
    assert done.actor == personas["trainee"]
    assert done.changes["status"] == ["open", "done"]


def test_a_completed_rotation_in_the_published_schedule_is_evidence(
    world: World, personas: dict[str, User], active_plan: TrainingPlan
) -> None:
    block = completed_rotation(world.trainee_person, world.cardiology)
    milestone = _milestone(active_plan, "first-year-rotations")

    evidence = services.milestone_evidence_add(
        actor=personas["mentor"], milestone=milestone, kind="rotation", record_id=block.pk
    )
    services.milestone_complete(
        actor=personas["mentor"], milestone=milestone, expected_version=milestone.version
    )

    assert (evidence.kind, evidence.object_id, evidence.label) == (
        "rotation",
        block.pk,
        "Cardiology · 2025-09+3",
    )
    assert PlanMilestone.objects.get(pk=milestone.pk).status == MilestoneStatus.DONE


@pytest.mark.parametrize(
    "block_kind", ["in progress", "draft schedule", "another trainee's"], ids=lambda value: value
)
def test_a_rotation_not_completed_in_the_published_schedule_is_not_evidence(
    block_kind: str, world: World, personas: dict[str, User], active_plan: TrainingPlan
) -> None:
    if block_kind == "in progress":
        block = completed_rotation(
            world.trainee_person, world.cardiology, status=RotationBlock.Status.IN_PROGRESS
        )
    elif block_kind == "draft schedule":
        draft = ScheduleFactory(institution=world.hospital, first_month=D(2025, 9, 1), horizon_months=36)
        block = RotationBlock.objects.create(
            schedule=draft,
            trainee=trainee_profile(world.trainee_person),
            department=world.cardiology,
            start_month=D(2025, 9, 1),
            months=3,
            status=RotationBlock.Status.COMPLETED,
        )
        assert draft.status == Schedule.Status.DRAFT
    else:
        block = completed_rotation(world.other_trainee, world.surgery)
    milestone = _milestone(active_plan, "first-year-rotations")

    with pytest.raises(ValidationError) as refused:
        services.milestone_evidence_add(
            actor=personas["trainee"], milestone=milestone, kind="rotation", record_id=block.pk
        )

    assert refused.value.message_dict == {"record": ["Choose one of the trainee's own records."]}
    assert MilestoneEvidence.objects.count() == 0


def test_evidence_must_be_the_trainees_own_submitted_record_of_an_accepted_kind(
    world: World, personas: dict[str, User], active_plan: TrainingPlan
) -> None:
    trainee = personas["trainee"]
    milestone = _milestone(active_plan, "first-year-assessments")  # takes assessments only

    others = submitted_assessment(world.other_trainee, world.surgery)
    with pytest.raises(ValidationError) as not_own:
        services.milestone_evidence_add(
            actor=trainee, milestone=milestone, kind="assessment", record_id=others.pk
        )
    assert not_own.value.message_dict == {"record": ["Choose one of the trainee's own records."]}

    requested = submitted_assessment(
        world.trainee_person, world.cardiology, status=Assessment.Status.REQUESTED, submitted_at=None
    )
    with pytest.raises(ValidationError) as not_submitted:
        services.milestone_evidence_add(
            actor=trainee, milestone=milestone, kind="assessment", record_id=requested.pk
        )
    assert not_submitted.value.message_dict == {"record": ["Choose one of the trainee's own records."]}

    block = completed_rotation(world.trainee_person, world.cardiology)
    with pytest.raises(ValidationError) as wrong_kind:
        services.milestone_evidence_add(
            actor=trainee, milestone=milestone, kind="rotation", record_id=block.pk
        )
    assert wrong_kind.value.message_dict == {"kind": ["This milestone does not take this kind of evidence."]}

    literature = _milestone(active_plan, "literature-review")  # takes research outputs, not yet an app
    with pytest.raises(ValidationError) as no_source:
        services.milestone_evidence_add(actor=trainee, milestone=literature, kind="output", record_id=1)
    assert no_source.value.message_dict == {"kind": ["There are no records of this kind yet."]}

    with pytest.raises(ValidationError) as unknown:
        services.milestone_evidence_add(actor=trainee, milestone=milestone, kind="selfie", record_id=1)
    assert unknown.value.message_dict == {"kind": ["This milestone does not take this kind of evidence."]}
    assert MilestoneEvidence.objects.count() == 0


def test_the_same_record_cannot_be_attached_twice(
    world: World, personas: dict[str, User], active_plan: TrainingPlan
) -> None:
    assessment = submitted_assessment(world.trainee_person, world.cardiology)
    milestone = _milestone(active_plan, "first-year-assessments")
    services.milestone_evidence_add(
        actor=personas["trainee"], milestone=milestone, kind="assessment", record_id=assessment.pk
    )

    with pytest.raises(ApplicationError) as twice:
        services.milestone_evidence_add(
            actor=personas["mentor"], milestone=milestone, kind="assessment", record_id=assessment.pk
        )

    assert (str(twice.value.message), twice.value.field) == (
        "This record is already evidence for the milestone.",
        "record",
    )
    assert MilestoneEvidence.objects.filter(milestone=milestone).count() == 1
    assert AuditEvent.objects.filter(action="plan.evidence_add").count() == 1
    # The same record may serve another milestone that takes it.
    completion = _milestone(active_plan, "completion-exam")
    services.milestone_evidence_add(
        actor=personas["trainee"], milestone=completion, kind="assessment", record_id=assessment.pk
    )
    assert MilestoneEvidence.objects.count() == 2


def test_a_mentor_confirms_without_evidence_unless_the_milestone_requires_it(
    world: World, personas: dict[str, User], school_mentor_user: User, active_plan: TrainingPlan
) -> None:
    proposal = _milestone(active_plan, "research-proposal")
    services.milestone_confirm(
        actor=school_mentor_user,
        milestone=proposal,
        expected_version=proposal.version,
        note="  Presented to the department.  ",
    )
    proposal.refresh_from_db()
    assert (proposal.status, proposal.confirmed_by_id, proposal.done_by, proposal.note) == (
        MilestoneStatus.DONE,
        school_mentor_user.person_id,
        school_mentor_user,
        "Presented to the department.",
    )

    required = _milestone(active_plan, "first-year-assessments")
    with pytest.raises(ApplicationError) as needs_evidence:
        services.milestone_confirm(
            actor=personas["mentor"],
            milestone=required,
            expected_version=required.version,
            note="Saw them all.",
        )
    assert (str(needs_evidence.value.message), needs_evidence.value.field) == (
        "This milestone requires evidence; a confirmation alone is not enough.",
        "evidence",
    )
    assert PlanMilestone.objects.get(pk=required.pk).status == MilestoneStatus.OPEN

    assessment = submitted_assessment(world.trainee_person, world.cardiology)
    services.milestone_evidence_add(
        actor=personas["trainee"], milestone=required, kind="assessment", record_id=assessment.pk
    )
    services.milestone_confirm(
        actor=personas["mentor"], milestone=required, expected_version=required.version, note="Saw them all."
    )
    assert PlanMilestone.objects.get(pk=required.pk).confirmed_by_id == world.mentor_person.pk


@pytest.mark.parametrize("who", ["trainee", "officer", "admin", "other_mentor"])
def test_only_the_plans_mentors_confirm(
    who: str,
    world: World,
    personas: dict[str, User],
    other_mentor_user: User,
    active_plan: TrainingPlan,
) -> None:
    actor = {**personas, "other_mentor": other_mentor_user}[who]
    proposal = _milestone(active_plan, "research-proposal")

    with pytest.raises(ForbiddenError) as refused:
        services.milestone_confirm(
            actor=actor, milestone=proposal, expected_version=proposal.version, note="I saw it happen."
        )

    assert str(refused.value.message) == "Only the plan's mentors confirm milestones."
    assert PlanMilestone.objects.get(pk=proposal.pk).status == MilestoneStatus.OPEN


def test_a_confirmation_says_what_the_mentor_saw(
    world: World, personas: dict[str, User], active_plan: TrainingPlan
) -> None:
    proposal = _milestone(active_plan, "research-proposal")
    with pytest.raises(ValidationError) as short:
        services.milestone_confirm(
            actor=personas["mentor"], milestone=proposal, expected_version=proposal.version, note=" ok "
        )
    assert short.value.message_dict == {"note": ["Say in a few words what you saw."]}


def test_milestones_are_not_done_before_the_plan_is_active(
    world: World, personas: dict[str, User], school_mentor_user: User, programmes: dict[str, Programme]
) -> None:
    plan = submitted_plan(
        actor=personas["officer"], programme=programmes["practice_research"], person=world.trainee_person
    )
    services.plan_sign(actor=school_mentor_user, plan=plan, expected_version=plan.version)
    assessment = submitted_assessment(world.trainee_person, world.cardiology)
    milestone = _milestone(plan, "first-year-assessments")
    # Evidence may be gathered while the mentors sign.
    services.milestone_evidence_add(
        actor=personas["trainee"], milestone=milestone, kind="assessment", record_id=assessment.pk
    )
    message = "Milestones are marked done once both mentors have signed the plan."

    with pytest.raises(ApplicationError) as by_evidence:
        services.milestone_complete(
            actor=personas["trainee"], milestone=milestone, expected_version=milestone.version
        )
    assert str(by_evidence.value.message) == message

    proposal = _milestone(plan, "research-proposal")
    with pytest.raises(ApplicationError) as by_mentor:
        services.milestone_confirm(
            actor=school_mentor_user,
            milestone=proposal,
            expected_version=proposal.version,
            note="Seen it done.",
        )
    assert type(by_mentor.value) is ApplicationError
    assert str(by_mentor.value.message) == message
    assert not PlanMilestone.objects.filter(plan=plan, status=MilestoneStatus.DONE).exists()


def test_done_twice_or_stale_is_a_conflict_and_writes_nothing(
    world: World, personas: dict[str, User], active_plan: TrainingPlan
) -> None:
    proposal = _milestone(active_plan, "research-proposal")
    read_version = proposal.version
    services.plan_milestone_update(
        actor=personas["trainee"], milestone=proposal, expected_version=read_version, note="Moved the slot."
    )

    stale = _milestone(active_plan, "research-proposal")
    stale.version = read_version
    with pytest.raises(ConflictError):
        services.milestone_confirm(
            actor=personas["mentor"],
            milestone=stale,
            expected_version=read_version,
            note="Presented it well.",
        )
    assert PlanMilestone.objects.get(pk=proposal.pk).status == MilestoneStatus.OPEN
    assert not AuditEvent.objects.filter(action="plan.milestone_done").exists()

    fresh = _milestone(active_plan, "research-proposal")
    services.milestone_confirm(
        actor=personas["mentor"], milestone=fresh, expected_version=fresh.version, note="Presented it well."
    )
    with pytest.raises(ConflictError) as twice:
        services.milestone_confirm(
            actor=personas["mentor"],
            milestone=fresh,
            expected_version=fresh.version,
            note="Presented it well.",
        )
    assert str(twice.value.message) == "This milestone is already done."


def test_reopening_needs_a_reason_and_a_mentor_or_officer(
    world: World, personas: dict[str, User], active_plan: TrainingPlan
) -> None:
    proposal = _milestone(active_plan, "research-proposal")
    services.milestone_confirm(
        actor=personas["mentor"],
        milestone=proposal,
        expected_version=proposal.version,
        note="Presented it well.",
    )

    with pytest.raises(ValidationError) as no_reason:
        services.milestone_reopen(
            actor=personas["mentor"], milestone=proposal, expected_version=proposal.version, reason="  "
        )
    assert no_reason.value.message_dict == {"reason": ["Say why, in a few words."]}
    with pytest.raises(ForbiddenError):
        services.milestone_reopen(
            actor=personas["trainee"],
            milestone=proposal,
            expected_version=proposal.version,
            reason="Not done yet.",
        )
    assert PlanMilestone.objects.get(pk=proposal.pk).status == MilestoneStatus.DONE

    services.milestone_reopen(
        actor=personas["officer"],
        milestone=proposal,
        expected_version=proposal.version,
        reason="The committee asked for a second proposal.",
    )
    proposal.refresh_from_db()
    assert (proposal.status, proposal.done_at, proposal.done_by, proposal.confirmed_by) == (
        MilestoneStatus.OPEN,
        None,
        None,
        None,
    )
    event = AuditEvent.objects.get(action="plan.milestone_reopen")
    assert (event.actor, event.changes["reason"]) == (
        personas["officer"],
        [None, "The committee asked for a second proposal."],
    )
    with pytest.raises(ApplicationError) as not_done:
        services.milestone_reopen(
            actor=personas["officer"],
            milestone=proposal,
            expected_version=proposal.version,
            reason="Once more.",
        )
    assert str(not_done.value.message) == "This milestone is not done."
    assert TrainingPlan.objects.get(pk=active_plan.pk).revision == 1


def test_the_evidence_a_milestone_was_done_with_stays_until_it_is_reopened(
    world: World, personas: dict[str, User], active_plan: TrainingPlan
) -> None:
    assessment = submitted_assessment(world.trainee_person, world.cardiology)
    milestone = _milestone(active_plan, "first-year-assessments")
    evidence = services.milestone_evidence_add(
        actor=personas["trainee"], milestone=milestone, kind="assessment", record_id=assessment.pk
    )
    services.milestone_complete(
        actor=personas["trainee"], milestone=milestone, expected_version=milestone.version
    )

    with pytest.raises(ApplicationError) as refused:
        services.milestone_evidence_remove(actor=personas["trainee"], evidence=evidence)
    assert (
        str(refused.value.message)
        == "This evidence is what the milestone was marked done with; reopen it first."
    )
    assert MilestoneEvidence.objects.filter(pk=evidence.pk).exists()

    services.milestone_reopen(
        actor=personas["mentor"],
        milestone=milestone,
        expected_version=milestone.version,
        reason="Wrong record.",
    )
    services.milestone_evidence_remove(actor=personas["trainee"], evidence=evidence)
    assert not MilestoneEvidence.objects.filter(pk=evidence.pk).exists()


# --- overdue reminders at a fixed clock ---------------------------------------------------------------

# The System D plan starts 2025-09-01; on TODAY (2026-11-22) four milestones are past due:
# research orientation (2025-09-30), literature review (2025-11-30), oath (2025-12-31), proposal (2026-08-31).
OVERDUE_TITLE = "Overdue milestones in the training plan of Trainee: {count}"


def test_overdue_milestones_tell_the_trainee_and_both_mentors_once_per_plan(
    world: World, personas: dict[str, User], school_mentor_user: User, active_plan: TrainingPlan
) -> None:
    before = _last_notification_id()

    assert services.milestones_overdue_notify(today=TODAY) == 1

    title = OVERDUE_TITLE.format(count=4)
    for user in (personas["trainee"], school_mentor_user, personas["mentor"]):
        assert _titles(user, before) == [title]
    assert Notification.objects.filter(pk__gt=before).count() == 3
    assert set(Notification.objects.filter(pk__gt=before).values_list("url", flat=True)) == {
        reverse("plan_detail", args=[active_plan.pk])
    }
    assert list(
        PlanMilestone.objects.filter(plan=active_plan, overdue_notified_on=TODAY)
        .order_by("due_date")
        .values_list("template__code", flat=True)
    ) == ["research-orientation", "literature-review", "oath-and-ethics", "research-proposal"]


def test_no_second_reminder_within_the_interval_and_another_after_it(
    settings: Any, world: World, personas: dict[str, User], active_plan: TrainingPlan
) -> None:
    assert settings.MEDTALENT_MILESTONE_REMINDER_DAYS == 7
    day = datetime.timedelta(days=1)
    before = _last_notification_id()

    reminded = [
        services.milestones_overdue_notify(today=TODAY + offset * day)
        for offset in (0, 0, 1, 6, 7, 8, 13, 14)
    ]

    assert reminded == [1, 0, 0, 0, 1, 0, 0, 1]
    # By the third reminder (2026-12-06) the first-year milestones (due 2026-11-30) are late too.
    assert _titles(personas["trainee"], before) == [
        OVERDUE_TITLE.format(count=4),
        OVERDUE_TITLE.format(count=4),
        OVERDUE_TITLE.format(count=6),
    ]


def test_a_milestone_falling_overdue_within_the_interval_waits_for_the_next_reminder(
    world: World, personas: dict[str, User], active_plan: TrainingPlan
) -> None:
    # First-year assessments and rotations fall due 2026-11-30: overdue from 2026-12-01, two days
    # after the plan's last reminder. They wait for the next one (a week after the last).
    before = _last_notification_id()
    reminded = [
        services.milestones_overdue_notify(today=day)
        for day in (D(2026, 11, 22), D(2026, 11, 29), D(2026, 12, 1), D(2026, 12, 5), D(2026, 12, 6))
    ]

    assert reminded == [1, 1, 0, 0, 1]
    assert _titles(personas["trainee"], before) == [
        OVERDUE_TITLE.format(count=4),
        OVERDUE_TITLE.format(count=4),
        OVERDUE_TITLE.format(count=6),
    ]
    assert PlanMilestone.objects.filter(plan=active_plan, overdue_notified_on=D(2026, 12, 6)).count() == 6


def test_done_milestones_are_not_overdue(
    world: World, personas: dict[str, User], active_plan: TrainingPlan
) -> None:
    for code in ("research-orientation", "oath-and-ethics", "research-proposal"):
        milestone = _milestone(active_plan, code)
        services.milestone_confirm(
            actor=personas["mentor"],
            milestone=milestone,
            expected_version=milestone.version,
            note="Seen it done.",
        )

    assert services.milestones_overdue_notify(today=TODAY) == 1
    assert _titles(personas["trainee"])[-1] == OVERDUE_TITLE.format(count=1)

    literature = _milestone(active_plan, "literature-review")
    services.milestone_confirm(
        actor=personas["mentor"],
        milestone=literature,
        expected_version=literature.version,
        note="Read the review.",
    )
    assert services.milestones_overdue_notify(today=TODAY + datetime.timedelta(days=7)) == 0


def test_only_active_plans_are_reminded(
    world: World, personas: dict[str, User], school_mentor_user: User, programmes: dict[str, Programme]
) -> None:
    officer = personas["officer"]
    # The trainee's draft, another trainee's plan waiting for signatures and a third's withdrawn plan
    # all have milestones past due: none is reminded.
    draft_plan(actor=officer, programme=programmes["practice_research"], person=world.trainee_person)
    other = submitted_plan(
        actor=officer,
        programme=programmes["practice_research"],
        person=world.other_trainee,
        school_mentor=world.officer_person,
        hospital_mentor=world.mentor_person,
    )
    third_person = PersonFactory(institution=world.hospital)
    TraineeProfileFactory(person=third_person, institution=world.hospital)
    third = draft_plan(
        actor=officer,
        programme=programmes["innovation"],
        person=third_person,
        school_mentor=world.officer_person,
        hospital_mentor=world.mentor_person,
    )
    services.plan_close(
        actor=officer, plan=third, expected_version=third.version, status="withdrawn", reason="Left us."
    )

    assert services.milestones_overdue_notify(today=TODAY) == 0
    assert Notification.objects.filter(title__startswith="Overdue").count() == 0
    assert PlanMilestone.objects.exclude(overdue_notified_on=None).count() == 0
    assert other.status == PlanStatus.AWAITING_SIGNATURES


def test_the_reminder_is_in_each_recipients_language(
    world: World, personas: dict[str, User], school_mentor_user: User, active_plan: TrainingPlan
) -> None:
    Person.objects.filter(pk=world.trainee_person.pk).update(name_zh="李雷", name_latin="Li Lei")
    User.objects.filter(pk=personas["trainee"].pk).update(language="zh-hans")
    User.objects.filter(pk=personas["mentor"].pk).update(language="en")
    User.objects.filter(pk=school_mentor_user.pk).update(language="")  # the site's language (en here)

    before = _last_notification_id()
    with translation.override("en"):
        services.milestones_overdue_notify(today=TODAY)

    template = gettext_lazy("Overdue milestones in the training plan of {person}: {count}")
    with translation.override("zh-hans"):
        chinese = str(format_lazy(template, person="李雷", count=4))
    assert _titles(personas["trainee"], before) == [chinese]
    assert "Li Lei" not in chinese
    assert _titles(personas["mentor"], before) == ["Overdue milestones in the training plan of Li Lei: 4"]
    assert _titles(school_mentor_user, before) == ["Overdue milestones in the training plan of Li Lei: 4"]


def test_the_sign_again_notice_is_in_each_mentors_language(
    world: World, personas: dict[str, User], school_mentor_user: User, active_plan: TrainingPlan
) -> None:
    Person.objects.filter(pk=world.trainee_person.pk).update(name_zh="李雷", name_latin="Li Lei")
    User.objects.filter(pk=personas["mentor"].pk).update(language="zh-hans")
    User.objects.filter(pk=school_mentor_user.pk).update(language="en")
    before = _last_notification_id()
    plan = TrainingPlan.objects.get(pk=active_plan.pk)

    with translation.override("en"):
        services.plan_update(
            actor=personas["trainee"], plan=plan, expected_version=plan.version, goals="More."
        )

    with translation.override("zh-hans"):
        title = str(
            format_lazy(
                gettext_lazy("The training plan of {person} changed: please review and sign it again"),
                person="李雷",
            )
        )
        body = str(gettext_lazy("Goals or mentors changed."))
    chinese = Notification.objects.get(recipient=personas["mentor"], pk__gt=before)
    assert (chinese.title, chinese.body) == (title, body)
    english = Notification.objects.get(recipient=school_mentor_user, pk__gt=before)
    assert (english.title, english.body) == (
        "The training plan of Li Lei changed: please review and sign it again",
        "Goals or mentors changed.",
    )


# --- the audit trail ---------------------------------------------------------------------------------


def test_every_step_of_the_signing_is_audited_with_its_actor(
    world: World, personas: dict[str, User], school_mentor_user: User, programmes: dict[str, Programme]
) -> None:
    plan = draft_plan(
        actor=personas["officer"], programme=programmes["practice_research"], person=world.trainee_person
    )
    services.plan_submit(actor=personas["trainee"], plan=plan, expected_version=plan.version)
    services.plan_sign(actor=school_mentor_user, plan=plan, expected_version=plan.version)
    services.plan_sign(actor=personas["mentor"], plan=plan, expected_version=plan.version)
    plan.refresh_from_db()
    services.plan_update(
        actor=personas["officer"], plan=plan, expected_version=plan.version, goals="Two papers."
    )
    plan.refresh_from_db()
    services.plan_sign(actor=personas["mentor"], plan=plan, expected_version=plan.version)

    assert _actions(plan) == [
        ("plan.create", "officer"),
        ("plan.submit", "trainee"),
        ("plan.sign", "school_mentor"),
        ("plan.sign", "mentor"),
        ("plan.activate", "mentor"),
        ("plan.update", "officer"),
        ("plan.revise", "officer"),
        ("plan.sign", "mentor"),
    ]
    events = AuditEvent.objects.filter(target_id=str(plan.pk)).order_by("pk")
    create = events.get(action="plan.create")
    assert create.actor == personas["officer"]
    assert create.changes["programme"] == [None, "practice-research"]
    assert create.changes["status"] == [None, "draft"]
    assert create.changes["school_mentor_id"] == [None, school_mentor_user.person_id]
    signs = [(event.actor, event.changes) for event in events.filter(action="plan.sign")]
    school_name = school_mentor_user.person.display_name
    hospital_name = personas["mentor"].person.display_name
    assert signs == [
        (
            school_mentor_user,
            {"role": [None, "school"], "revision": [None, 1], "signer": [None, school_name]},
        ),
        (
            personas["mentor"],
            {"role": [None, "hospital"], "revision": [None, 1], "signer": [None, hospital_name]},
        ),
        (
            personas["mentor"],
            {"role": [None, "hospital"], "revision": [None, 2], "signer": [None, hospital_name]},
        ),
    ]
    assert events.get(action="plan.activate").changes == {"status": ["awaiting_signatures", "active"]}
    assert events.get(action="plan.submit").changes == {"status": ["draft", "awaiting_signatures"]}
    assert events.get(action="plan.update").changes == {"goals": ["", "Two papers."]}
    assert events.get(action="plan.revise").changes == {
        "revision": [1, 2],
        "status": ["active", "awaiting_signatures"],
        "change": [None, "Goals or mentors changed."],
    }


def test_programme_edits_after_a_plan_was_made_leave_the_plan_as_it_was(
    world: World, personas: dict[str, User], active_plan: TrainingPlan, programmes: dict[str, Programme]
) -> None:
    programme = programmes["practice_research"]
    definition = programme_definition(programme)
    definition["stages"][1]["milestones"][1]["name_en"] = "Proposal, renamed in the template"
    definition["stages"][1]["milestones"][1]["due_month"] = 20
    definition["stages"][0]["milestones"].pop(0)
    programme_update(
        actor=personas["officer"],
        programme=programme,
        expected_version=programme.version,
        definition=definition,
    )

    proposal = _milestone(active_plan, "research-proposal")
    assert (proposal.name_en, proposal.due_date) == (
        "Research proposal: from a clinical question to a scientific question",
        D(2026, 8, 31),
    )
    assert active_plan.milestones.count() == 12
    orientation = active_plan.milestones.get(
        name_en="Research orientation (introduction to research methods)"
    )
    assert orientation.template_id is None  # the template row went; the plan's copy stays
    assert TrainingPlan.objects.get(pk=active_plan.pk).revision == 1


def test_a_one_stage_programme_makes_a_plan_with_its_milestones(
    world: World, personas: dict[str, User], school_mentor_user: User
) -> None:
    programme = one_stage_programme(
        world.uni,
        [{"due_month": 2}, {"due_month": 5, "evidence_kinds": ["rotation"], "requires_evidence": True}],
    )
    plan = draft_plan(actor=personas["officer"], programme=programme, person=world.trainee_person)
    assert list(plan.milestones.order_by("order").values_list("due_date", "requires_evidence")) == [
        (D(2025, 10, 31), False),
        (D(2026, 1, 31), True),
    ]


def test_small_moves_do_not_add_up_to_a_large_one_without_new_signatures(
    active_plan: TrainingPlan, personas: dict[str, User]
) -> None:
    milestone = active_plan.milestones.get(template__code="research-proposal")
    signed_due = milestone.due_date
    assert milestone.agreed_due_date == signed_due
    first = services.plan_milestone_update(
        actor=personas["officer"],
        milestone=milestone,
        expected_version=milestone.version,
        due_date=signed_due + datetime.timedelta(days=20),
    )
    assert first is False
    second = services.plan_milestone_update(
        actor=personas["officer"],
        milestone=milestone,
        expected_version=milestone.version,
        due_date=signed_due + datetime.timedelta(days=40),
    )
    assert second is True  # 40 days from what the mentors signed, though only 20 from the last move
    active_plan.refresh_from_db()
    assert active_plan.status == PlanStatus.AWAITING_SIGNATURES


def test_dates_out_of_range_are_refused_by_field(
    active_plan: TrainingPlan, personas: dict[str, User]
) -> None:
    milestone = active_plan.milestones.get(template__code="research-proposal")
    with pytest.raises(ValidationError) as refused:
        services.plan_milestone_update(
            actor=personas["officer"],
            milestone=milestone,
            expected_version=milestone.version,
            due_date=datetime.date(9999, 12, 31),
        )
    assert set(refused.value.message_dict) == {"due_date"}
