"""Scheduling services in detail: the solver's instance built from the records, re-planning from the
published schedule, drafts from a solution, publishing and discarding, the changes between two
schedules, the background solve job, and the instance's query count.

The page ``rotation_schedule`` may not exist yet, so tests that publish or run the job replace
``reverse`` in the service and the task with a stand-in that names the schedule.
"""

import datetime
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse as django_reverse
from django.utils import timezone

from medtalent.core.errors import ApplicationError, ConflictError
from medtalent.core.jobs import JobReporter, job_cancel
from medtalent.core.models import AuditEvent, Job, Notification
from medtalent.people.models import Role, TraineeProfile
from medtalent.people.tests.factories import (
    DepartmentFactory,
    PersonFactory,
    RoleAssignmentFactory,
    TraineeProfileFactory,
    UserFactory,
)
from medtalent.rotations import tasks
from medtalent.rotations.models import (
    DepartmentCapacity,
    Leave,
    MentorResearchCapacity,
    ResearchWindow,
    RotationBlock,
    Schedule,
    StandardEdition,
)
from medtalent.rotations.months import add_months
from medtalent.rotations.scheduling import read_instance
from medtalent.rotations.services import scheduling
from medtalent.rotations.services.scheduling import (
    schedule_changes,
    schedule_discard,
    schedule_draft_from_solution,
    schedule_instance_build,
    schedule_publish,
    schedule_solve,
    schedule_solve_start,
)
from medtalent.rotations.tests.factories import (
    LeaveFactory,
    RotationBlockFactory,
    RotationEnrolmentFactory,
    ScheduleFactory,
    StandardEditionFactory,
    requirement,
)

pytestmark = pytest.mark.django_db

SEP_2025 = datetime.date(2025, 9, 1)
STANDARD_1 = {
    "requirements": [
        {"department": "CARD", "months": 4, "max_segments": 1, "min_segment_months": 1},
        {"department": "RESP", "months": 3, "max_segments": 1, "min_segment_months": 1},
        {"department": "GI", "months": 2, "max_segments": 1, "min_segment_months": 1},
    ],
    "groups": [{"departments": ["GER", "ONC", "LAB"], "months": 3, "min_each": 1, "max_each": 2}],
}
CLINICAL_CODES = ["CARD", "GER", "GI", "LAB", "ONC", "RESP"]


# --- helpers ------------------------------------------------------------------------------------


def month(year: int, number: int) -> datetime.date:
    return datetime.date(year, number, 1)


def enrol(rotation_world: Any, count: int = 1, start: datetime.date = SEP_2025, edition: Any = None) -> list:
    hospital = rotation_world.world.hospital
    return [
        RotationEnrolmentFactory(
            edition=edition or rotation_world.edition,
            institution=hospital,
            start_month=start,
            trainee=TraineeProfileFactory(institution=hospital),
        ).trainee
        for _ in range(count)
    ]


def key(trainee: TraineeProfile) -> str:
    return f"t{trainee.pk}"


def entry(instance: dict[str, Any], trainee: TraineeProfile) -> dict[str, Any]:
    (found,) = [t for t in instance["trainees"] if t["id"] == key(trainee)]
    return found


def departments_by_code(instance: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {d["code"]: d for d in instance["departments"]}


def schedule(rotation_world: Any, status: str = Schedule.Status.DRAFT, **fields: Any) -> Schedule:
    if status == Schedule.Status.PUBLISHED:
        fields.setdefault("published_at", timezone.now())
    fields.setdefault("horizon_months", 12)
    return ScheduleFactory(institution=rotation_world.world.hospital, status=status, **fields)


def add_blocks(rotation_world: Any, target: Schedule, trainee: TraineeProfile, *rows: tuple) -> None:
    """Blocks ``(code or None for research, first month, months[, status[, locked]])``."""
    for code, start, months, *rest in rows:
        RotationBlockFactory(
            schedule=target,
            trainee=trainee,
            kind=RotationBlock.Kind.RESEARCH if code is None else RotationBlock.Kind.ROTATION,
            department=None if code is None else rotation_world.departments[code],
            start_month=start,
            months=months,
            status=rest[0] if rest else RotationBlock.Status.PLANNED,
            locked=rest[1] if len(rest) > 1 else False,
        )


def block_rows(target: Schedule, trainee: TraineeProfile | None = None) -> list[tuple]:
    """A schedule's blocks as ``(trainee id, kind, code, first month, months, status, locked)``."""
    blocks = target.blocks.select_related("department").order_by("trainee_id", "start_month")
    if trainee is not None:
        blocks = blocks.filter(trainee=trainee)
    return [
        (
            b.trainee_id,
            b.kind,
            b.department.code if b.department else None,
            b.start_month,
            b.months,
            b.status,
            b.locked,
        )
        for b in blocks
    ]


def schedule_events() -> Any:
    """Audit events of schedules (the standard's creation has its own)."""
    return AuditEvent.objects.filter(action__startswith="rotations.schedule")


def state(target: Schedule) -> tuple[str, int]:
    target = Schedule.objects.get(pk=target.pk)
    return target.status, target.version


@pytest.fixture
def officer(personas: dict[str, Any]) -> Any:
    return personas["officer"]


@pytest.fixture
def stand_in_urls(monkeypatch: pytest.MonkeyPatch) -> None:
    """The schedule's page, whether or not its URL exists yet; the other pages as they are."""

    def reverse(name: str, args: list[Any] | None = None) -> str:
        if name != "rotation_schedule":
            return django_reverse(name)
        assert args is not None
        return f"/rotations/schedules/{args[0]}/"

    monkeypatch.setattr(scheduling, "reverse", reverse)
    monkeypatch.setattr(tasks, "reverse", reverse)


# --- the instance -------------------------------------------------------------------------------


def test_first_month_is_the_earliest_start_and_the_horizon_covers_leave_and_research(rotation_world, world):
    first = enrol(rotation_world, start=month(2025, 9))[0]
    late = enrol(rotation_world, start=month(2026, 3))[0]
    middle = enrol(rotation_world, start=month(2025, 11))[0]
    LeaveFactory(trainee=middle, start_month=month(2025, 11), months=4)
    LeaveFactory(trainee=late, start_month=month(2026, 6), months=2)
    LeaveFactory(trainee=late, start_month=month(2027, 1), months=1)
    mentor = world.mentor_person
    ResearchWindow.objects.create(trainee=late, mentor=mentor, months=2, earliest_start=3, latest_end=12)

    instance, mapping = schedule_instance_build(institution=world.hospital)

    assert (instance["format"], instance["start_month"]) == ("medtalent-rotation-instance/1", "2025-09")
    # the late trainee: 6 months after the first + 12 of the standard + 2 research + 3 of leave
    assert instance["horizon_months"] == 23
    assert (mapping.first_month, mapping.horizon) == (SEP_2025, 23)
    assert instance["trainees"] == [
        {"id": key(first), "standard": "internal_medicine@1", "start": 0, "leave": []},
        {
            "id": key(middle),
            "standard": "internal_medicine@1",
            "start": 2,
            "leave": [{"start": 2, "months": 4}],
        },
        {
            "id": key(late),
            "standard": "internal_medicine@1",
            "start": 6,
            "leave": [{"start": 9, "months": 2}, {"start": 16, "months": 1}],
            "extra_requirements": [
                {"department": f"RES-{mentor.pk}", "months": 2, "earliest_start": 3, "latest_end": 12}
            ],
        },
    ]
    assert mapping.trainees == {key(first): first, key(middle): middle, key(late): late}
    assert mapping.month(22) == month(2027, 7)
    read = read_instance(instance)  # the scheduler accepts it as it is
    assert [t.end for t in read.trainees] == [12, 18, 23]


def test_standards_are_keyed_by_specialty_and_edition(rotation_world, world):
    second_edition = StandardEditionFactory(
        standard=rotation_world.standard,
        number=2,
        total_months=12,
        requirements=[requirement("CARD", 6), requirement("RESP", 6, earliest_start=2, latest_end=12)],
        groups=[],
    )
    old = enrol(rotation_world)[0]
    new = enrol(rotation_world, edition=second_edition)[0]

    instance, _mapping = schedule_instance_build(institution=world.hospital)

    assert instance["standards"] == {
        "internal_medicine@1": STANDARD_1,
        "internal_medicine@2": {
            "requirements": [
                {"department": "CARD", "months": 6, "max_segments": 1, "min_segment_months": 1},
                {
                    "department": "RESP",
                    "months": 6,
                    "max_segments": 1,
                    "min_segment_months": 1,
                    "earliest_start": 2,
                    "latest_end": 12,
                },
            ],
            "groups": [],
        },
    }
    assert [(t["id"], t["standard"]) for t in instance["trainees"]] == [
        (key(old), "internal_medicine@1"),
        (key(new), "internal_medicine@2"),
    ]


def test_capacity_rows_override_the_department_capacity_month_by_month(rotation_world, world):
    enrol(rotation_world)
    card, lab = rotation_world.departments["CARD"], rotation_world.departments["LAB"]
    DepartmentCapacity.objects.create(department=card, month=month(2025, 10), maximum=1, minimum=1)
    DepartmentCapacity.objects.create(department=card, month=month(2025, 12), maximum=6, minimum=2)
    DepartmentCapacity.objects.create(department=card, month=month(2026, 9), maximum=9, minimum=9)  # after
    DepartmentCapacity.objects.create(department=lab, month=month(2025, 9), maximum=0, minimum=0)

    instance, _mapping = schedule_instance_build(institution=world.hospital)

    assert instance["horizon_months"] == 12
    assert [d["code"] for d in instance["departments"]] == CLINICAL_CODES  # ICU: no standard names it
    by_code = departments_by_code(instance)
    assert by_code["CARD"] == {
        "code": "CARD",
        "capacity": [4, 1, 4, 6, 4, 4, 4, 4, 4, 4, 4, 4],
        "minimum": [0, 1, 0, 2, 0, 0, 0, 0, 0, 0, 0, 0],
    }
    assert by_code["LAB"]["capacity"] == [0, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2, 2]
    assert by_code["LAB"]["minimum"] == [0] * 12
    assert by_code["GI"] == {"code": "GI", "capacity": [4] * 12, "minimum": [0] * 12}


def test_research_windows_become_extra_requirements_in_a_department_per_mentor(rotation_world, world):
    first, second, third = enrol(rotation_world, 3)
    busy_mentor = world.mentor_person
    roomy_mentor = PersonFactory()
    MentorResearchCapacity.objects.create(mentor=roomy_mentor, concurrent_students=3)
    ResearchWindow.objects.create(
        trainee=first, mentor=busy_mentor, months=2, earliest_start=0, latest_end=12
    )
    ResearchWindow.objects.create(
        trainee=second, mentor=busy_mentor, months=1, earliest_start=6, latest_end=12
    )
    ResearchWindow.objects.create(
        trainee=third, mentor=roomy_mentor, months=3, earliest_start=0, latest_end=15
    )

    instance, mapping = schedule_instance_build(institution=world.hospital)

    busy, roomy = f"RES-{busy_mentor.pk}", f"RES-{roomy_mentor.pk}"
    assert instance["horizon_months"] == 15
    assert [d["code"] for d in instance["departments"]] == [*CLINICAL_CODES, busy, roomy]
    assert instance["departments"][-2:] == [{"code": busy, "capacity": 2}, {"code": roomy, "capacity": 3}]
    assert [t.get("extra_requirements") for t in instance["trainees"]] == [
        [{"department": busy, "months": 2, "earliest_start": 0, "latest_end": 12}],
        [{"department": busy, "months": 1, "earliest_start": 6, "latest_end": 12}],
        [{"department": roomy, "months": 3, "earliest_start": 0, "latest_end": 15}],
    ]
    assert mapping.mentors == {busy: busy_mentor, roomy: roomy_mentor}
    assert sorted(mapping.departments) == CLINICAL_CODES  # the research departments map to mentors only
    read_instance(instance)


def test_a_department_the_standard_names_but_the_base_lacks_is_refused_by_code(rotation_world, world):
    enrol(rotation_world)
    edition = rotation_world.edition
    # edited behind the validation's back: NEURO exists nowhere, FOREIGN only at an unrelated hospital
    StandardEdition.objects.filter(pk=edition.pk).update(
        requirements=[*edition.requirements, requirement("NEURO", 1), requirement("FOREIGN", 1)],
        groups=[{"departments": ["GER", "XRAY"], "months": 2, "min_each": 1, "max_each": 1}],
    )

    with pytest.raises(ApplicationError) as refused:
        schedule_instance_build(institution=world.hospital)

    assert str(refused.value.message) == (
        "The standards name departments this training base does not have: FOREIGN, NEURO, XRAY."
    )


def test_the_base_own_department_wins_over_an_affiliate_with_the_same_code(rotation_world, world):
    enrol(rotation_world)
    DepartmentFactory(institution=rotation_world.partner, code="CARD", rotation_capacity=1)

    _instance, mapping = schedule_instance_build(institution=world.hospital)

    assert mapping.departments == {code: rotation_world.departments[code] for code in CLINICAL_CODES}


def test_without_enrolments_there_is_nothing_to_plan(rotation_world, world):
    # an enrolment at another training base does not count
    RotationEnrolmentFactory(institution=world.other, edition=rotation_world.edition)

    with pytest.raises(ApplicationError) as refused:
        schedule_instance_build(institution=world.hospital)

    assert (
        str(refused.value.message) == "No trainees are enrolled in a rotation standard at this training base."
    )


def test_trainees_not_in_training_are_left_out(rotation_world, world):
    suspended, completed, withdrawn = enrol(rotation_world, 3, start=month(2025, 3))
    for trainee, status in (
        (suspended, TraineeProfile.Status.SUSPENDED),
        (completed, TraineeProfile.Status.COMPLETED),
        (withdrawn, TraineeProfile.Status.WITHDRAWN),
    ):
        TraineeProfile.objects.filter(pk=trainee.pk).update(status=status)
    active = enrol(rotation_world, start=month(2025, 9))[0]
    LeaveFactory(trainee=suspended, start_month=month(2025, 3), months=12)

    instance, mapping = schedule_instance_build(institution=world.hospital)

    assert [t["id"] for t in instance["trainees"]] == [key(active)]
    assert (instance["start_month"], instance["horizon_months"]) == ("2025-09", 12)
    assert mapping.trainees == {key(active): active}

    TraineeProfile.objects.filter(pk=active.pk).update(status=TraineeProfile.Status.SUSPENDED)
    with pytest.raises(ApplicationError):
        schedule_instance_build(institution=world.hospital)


def test_leave_before_a_trainee_starts_is_no_part_of_the_programme(rotation_world, world, officer):
    """Leave recorded before the rotation programme began (between admission and enrolment, or in an
    earlier stage) neither lengthens the programme nor makes the instance unreadable."""
    early = enrol(rotation_world, start=month(2025, 9))[0]
    late = enrol(rotation_world, start=month(2026, 3))[0]
    # after the instance's first month but before the late trainee's start
    LeaveFactory(trainee=late, start_month=month(2025, 12), months=1)
    # before the instance's first month (its index would be -2)
    LeaveFactory(trainee=early, start_month=month(2025, 7), months=1)

    instance, _mapping = schedule_instance_build(institution=world.hospital)

    assert (entry(instance, early)["leave"], entry(instance, late)["leave"]) == ([], [])
    assert instance["horizon_months"] == 18
    draft = schedule_solve(user=officer, institution=world.hospital, time_limit=2)
    assert sum(b.months for b in draft.blocks.filter(trainee=late)) == 12


def test_partner_departments_carry_their_partner_key(rotation_world, world):
    """A block at another institution of the family counts toward the partner limits (architecture.md,
    "Schedules"); the scheduler knows a partner department only by its ``partner`` key."""
    enrol(rotation_world)

    instance, _mapping = schedule_instance_build(institution=world.hospital)

    by_code = departments_by_code(instance)
    assert "partner" not in by_code["CARD"]
    assert isinstance(by_code["LAB"].get("partner"), str)
    assert by_code["LAB"]["partner"]


# --- re-planning --------------------------------------------------------------------------------


@pytest.fixture
def published_pair(rotation_world):
    """Two trainees with a published schedule by hand; the second has a month of leave in January 2026.

    first:  CARD Sep–Dec 2025 (completed), RESP Jan–Mar 2026 (in progress), GI Apr–May,
            GER Jun–Jul (locked), LAB Aug
    second: RESP Sep–Nov 2025 (completed), CARD Dec, leave Jan 2026, CARD Feb–Apr, GI May–Jun,
            ONC Jul, LAB Aug–Sep
    """
    first, second = enrol(rotation_world, 2)
    LeaveFactory(trainee=second, start_month=month(2026, 1), months=1)
    published = schedule(rotation_world, Schedule.Status.PUBLISHED, horizon_months=13)
    status = RotationBlock.Status
    add_blocks(
        rotation_world,
        published,
        first,
        ("CARD", month(2025, 9), 4, status.COMPLETED),
        ("RESP", month(2026, 1), 3, status.IN_PROGRESS),
        ("GI", month(2026, 4), 2),
        ("GER", month(2026, 6), 2, status.PLANNED, True),
        ("LAB", month(2026, 8), 1),
    )
    add_blocks(
        rotation_world,
        published,
        second,
        ("RESP", month(2025, 9), 3, status.COMPLETED),
        ("CARD", month(2025, 12), 1),
        ("CARD", month(2026, 2), 3),
        ("GI", month(2026, 5), 2),
        ("ONC", month(2026, 7), 1),
        ("LAB", month(2026, 8), 2),
    )
    return published, first, second


def test_replanning_fixes_the_past_and_the_locked_blocks_and_costs_changes_from_the_published_rows(
    rotation_world, world, published_pair
):
    published, first, second = published_pair

    instance, _mapping = schedule_instance_build(
        institution=world.hospital, based_on=published, now=datetime.date(2026, 2, 10)
    )

    assert instance["horizon_months"] == 13
    assert entry(instance, first)["previous"] == [
        *["CARD"] * 4, *["RESP"] * 3, "GI", "GI", "GER", "GER", "LAB", None,
    ]  # fmt: skip
    assert entry(instance, second)["previous"] == [
        *["RESP"] * 3, "CARD", "LEAVE", *["CARD"] * 3, "GI", "GI", "ONC", "LAB", "LAB",
    ]  # fmt: skip
    # before February 2026 (month 5), the block in progress to its end, and the locked one
    assert entry(instance, first)["fixed"] == [
        {"department": "CARD", "start": 0, "months": 4},
        {"department": "RESP", "start": 4, "months": 3},
        {"department": "GER", "start": 9, "months": 2},
    ]
    # the leave month is no department, and the CARD months after it are still free
    assert entry(instance, second)["fixed"] == [
        {"department": "RESP", "start": 0, "months": 3},
        {"department": "CARD", "start": 3, "months": 1},
    ]
    read_instance(instance)


def test_replanning_without_now_fixes_only_locked_and_started_blocks(rotation_world, world, published_pair):
    published, first, second = published_pair

    instance, _mapping = schedule_instance_build(institution=world.hospital, based_on=published)

    assert entry(instance, first)["fixed"] == [
        {"department": "CARD", "start": 0, "months": 4},
        {"department": "RESP", "start": 4, "months": 3},
        {"department": "GER", "start": 9, "months": 2},
    ]
    assert entry(instance, second)["fixed"] == [{"department": "RESP", "start": 0, "months": 3}]


def test_a_trainee_new_since_the_published_schedule_has_no_previous_row(
    rotation_world, world, published_pair
):
    published, _first, _second = published_pair
    newcomer = enrol(rotation_world, start=month(2026, 3))[0]

    instance, _mapping = schedule_instance_build(
        institution=world.hospital, based_on=published, now=datetime.date(2026, 2, 10)
    )

    assert entry(instance, newcomer) == {
        "id": key(newcomer),
        "standard": "internal_medicine@1",
        "start": 6,
        "leave": [],
    }


def test_research_months_of_the_published_schedule_are_the_mentor_research_department(rotation_world, world):
    trainee = enrol(rotation_world)[0]
    mentor = world.mentor_person
    ResearchWindow.objects.create(trainee=trainee, mentor=mentor, months=2, earliest_start=0, latest_end=14)
    published = schedule(rotation_world, Schedule.Status.PUBLISHED, horizon_months=14)
    add_blocks(
        rotation_world,
        published,
        trainee,
        ("CARD", month(2025, 9), 4),
        (None, month(2026, 1), 2),
        ("RESP", month(2026, 3), 3),
        ("GI", month(2026, 6), 2),
        ("GER", month(2026, 8), 1),
        ("ONC", month(2026, 9), 1),
        ("LAB", month(2026, 10), 1),
    )

    instance, _mapping = schedule_instance_build(
        institution=world.hospital, based_on=published, now=month(2026, 3)
    )

    research = f"RES-{mentor.pk}"
    assert entry(instance, trainee)["previous"] == [
        *["CARD"] * 4, research, research, *["RESP"] * 3, "GI", "GI", "GER", "ONC", "LAB",
    ]  # fmt: skip
    assert entry(instance, trainee)["fixed"] == [
        {"department": "CARD", "start": 0, "months": 4},
        {"department": research, "start": 4, "months": 2},
    ]


def test_research_months_under_two_mentors_keep_each_mentor_when_replanning(rotation_world, world, officer):
    """A trainee with a school mentor's and a hospital mentor's research window (the dual-mentor system).

    The published schedule has the first mentor's 2 months early and the second's 2 months later; once
    both lie in the past, re-planning must not fix all 4 months on the first mentor, whose window asks 2.
    """
    trainee = enrol(rotation_world)[0]
    school, hospital_mentor = PersonFactory(), world.mentor_person
    ResearchWindow.objects.create(trainee=trainee, mentor=school, months=2, earliest_start=0, latest_end=6)
    ResearchWindow.objects.create(
        trainee=trainee, mentor=hospital_mentor, months=2, earliest_start=6, latest_end=16
    )
    published = schedule(rotation_world, Schedule.Status.PUBLISHED, horizon_months=16)
    add_blocks(
        rotation_world,
        published,
        trainee,
        ("CARD", month(2025, 9), 4),
        (None, month(2026, 1), 2),
        ("RESP", month(2026, 3), 3),
        (None, month(2026, 6), 2),
        ("GI", month(2026, 8), 2),
        ("GER", month(2026, 10), 1),
        ("ONC", month(2026, 11), 1),
        ("LAB", month(2026, 12), 1),
    )

    instance, _mapping = schedule_instance_build(
        institution=world.hospital, based_on=published, now=month(2026, 9)
    )

    first, second = f"RES-{school.pk}", f"RES-{hospital_mentor.pk}"
    assert entry(instance, trainee)["previous"] == [
        *["CARD"] * 4, first, first, *["RESP"] * 3, second, second, "GI", "GI", "GER", "ONC", "LAB",
    ]  # fmt: skip
    draft = schedule_solve(
        user=officer, institution=world.hospital, based_on=published, now=month(2026, 9), time_limit=2
    )
    assert schedule_changes(draft, published).changed_months == 0


def test_after_new_leave_only_that_trainee_changes_and_unchanged_blocks_keep_status_and_lock(
    rotation_world, world, officer, stand_in_urls
):
    trainees = enrol(rotation_world, 4)
    first_plan = schedule_solve(user=officer, institution=world.hospital, time_limit=3)
    published = schedule_publish(user=officer, schedule=first_plan, expected_version=first_plan.version)
    on_leave, *others = trainees
    # the first block of each has started; one later block of another trainee is locked
    for trainee in trainees:
        first_block = published.blocks.filter(trainee=trainee).order_by("start_month").first()
        first_block.status = RotationBlock.Status.IN_PROGRESS
        first_block.save()
    locked = published.blocks.filter(trainee=others[0]).order_by("start_month").last()
    locked.locked = True
    locked.save()
    LeaveFactory(trainee=on_leave, start_month=month(2026, 3), months=2)

    replan = schedule_solve(
        user=officer, institution=world.hospital, based_on=published, now=month(2025, 11), time_limit=3
    )

    assert replan.based_on == published
    assert replan.horizon_months == 14
    changes = schedule_changes(replan, published)
    assert changes.trainees == {on_leave.pk}
    assert changes.changed_months >= 2
    assert all(trainee == on_leave.pk and when >= month(2026, 3) for trainee, when in changes.cells)
    # the solver's own count compares with the published rows where the leave already shows as LEAVE
    assert replan.figures["changed_trainee_months"] == changes.changed_months - 2
    for trainee in others:
        assert block_rows(replan, trainee) == block_rows(published, trainee)
    assert block_rows(replan, others[0])[-1][-1] is True
    # the blocks that end before the leave are the same blocks, with the same status
    before_leave = [row for row in block_rows(published, on_leave) if row_end(row) <= month(2026, 3)]
    assert before_leave
    assert block_rows(replan, on_leave)[: len(before_leave)] == before_leave
    assert before_leave[0][5] == RotationBlock.Status.IN_PROGRESS
    assert not any(
        row[3] <= when < row_end(row)
        for row in block_rows(replan, on_leave)
        for when in (month(2026, 3), month(2026, 4))
    )
    assert sum(row[4] for row in block_rows(replan, on_leave)) == 12


def row_end(row: tuple) -> datetime.date:
    return add_months(row[3], row[4])


# --- drafts -------------------------------------------------------------------------------------


def solution(assignments: dict[str, list], **figures: Any) -> dict[str, Any]:
    return {
        "format": "medtalent-rotation-solution/1",
        "status": "feasible",
        "assignments": assignments,
        "overload": 0,
        "overload_lower_bound": 0,
        "objective": 7,
        "objective_lower_bound": 5,
        "changed_trainee_months": 0,
        "elapsed_seconds": 0.25,
        "diagnostics": [],
        **figures,
    }


def test_a_draft_merges_consecutive_months_and_makes_research_blocks(rotation_world, world, officer):
    trainee, late = enrol(rotation_world, 2)
    mentor = world.mentor_person
    ResearchWindow.objects.create(trainee=trainee, mentor=mentor, months=2, earliest_start=0, latest_end=14)
    _instance, mapping = schedule_instance_build(institution=world.hospital)
    research = f"RES-{mentor.pk}"
    answer = solution(
        {
            key(trainee): [
                *["CARD"] * 4, research, research, *["RESP"] * 3, "GI", "LEAVE", "GI", "GER", "LAB",
            ],
            key(late): [None, None, "ONC", "ONC", *[None] * 10],
        }
    )  # fmt: skip

    draft = schedule_draft_from_solution(
        user=officer,
        institution=world.hospital,
        mapping=mapping,
        solution=answer,
        based_on=None,
        title="Plan",
    )

    planned = RotationBlock.Status.PLANNED
    rotation, research_kind = RotationBlock.Kind.ROTATION, RotationBlock.Kind.RESEARCH
    assert block_rows(draft) == [
        (trainee.pk, rotation, "CARD", month(2025, 9), 4, planned, False),
        (trainee.pk, research_kind, None, month(2026, 1), 2, planned, False),
        (trainee.pk, rotation, "RESP", month(2026, 3), 3, planned, False),
        (trainee.pk, rotation, "GI", month(2026, 6), 1, planned, False),
        (trainee.pk, rotation, "GI", month(2026, 8), 1, planned, False),
        (trainee.pk, rotation, "GER", month(2026, 9), 1, planned, False),
        (trainee.pk, rotation, "LAB", month(2026, 10), 1, planned, False),
        (late.pk, rotation, "ONC", month(2025, 11), 2, planned, False),
    ]
    draft.refresh_from_db()
    assert (draft.status, draft.title, draft.institution, draft.created_by, draft.based_on) == (
        Schedule.Status.DRAFT, "Plan", world.hospital, officer, None,
    )  # fmt: skip
    assert (draft.first_month, draft.horizon_months, draft.job, draft.version) == (SEP_2025, 14, None, 1)
    assert draft.figures == {
        "status": "feasible",
        "overload": 0,
        "overload_lower_bound": 0,
        "objective": 7,
        "objective_lower_bound": 5,
        "changed_trainee_months": 0,
        "elapsed_seconds": 0.25,
        "diagnostics": [],
    }
    event = AuditEvent.objects.get(action="rotations.schedule_draft")
    assert (event.actor, event.target_id, event.target_repr) == (officer, str(draft.pk), "Plan")
    assert event.changes == {
        "blocks": [None, 8],
        "figures": [
            None,
            {"status": "feasible", "overload": 0, "overload_lower_bound": 0, "objective": 7,
             "objective_lower_bound": 5},
        ],
    }  # fmt: skip


def test_a_draft_carries_status_and_lock_over_month_by_month_where_the_department_stays(
    rotation_world, world, officer
):
    trainee = enrol(rotation_world)[0]
    published = schedule(rotation_world, Schedule.Status.PUBLISHED)
    status = RotationBlock.Status
    add_blocks(
        rotation_world,
        published,
        trainee,
        ("CARD", month(2025, 9), 4, status.COMPLETED, True),
        ("RESP", month(2026, 1), 3, status.IN_PROGRESS),
        ("GI", month(2026, 4), 2, status.PLANNED, True),  # its first month stays GI: still locked
        ("GER", month(2026, 6), 2, status.CHANGED),  # another department in the draft
        ("ONC", month(2026, 8), 1, status.PLANNED, True),
    )
    _instance, mapping = schedule_instance_build(institution=world.hospital, based_on=published)
    row = [*["CARD"] * 4, *["RESP"] * 3, "GI", "ONC", "GI", "LAB", "LAB"]

    draft = schedule_draft_from_solution(
        user=officer,
        institution=world.hospital,
        mapping=mapping,
        solution=solution({key(trainee): row}),
        based_on=published,
        title="x" * 250,
    )

    assert [
        (code, start, months, st, lock) for _t, _k, code, start, months, st, lock in block_rows(draft)
    ] == [
        ("CARD", month(2025, 9), 4, status.COMPLETED, True),
        ("RESP", month(2026, 1), 3, status.IN_PROGRESS, False),
        ("GI", month(2026, 4), 1, status.PLANNED, True),
        ("ONC", month(2026, 5), 1, status.PLANNED, False),
        ("GI", month(2026, 6), 1, status.PLANNED, False),
        ("LAB", month(2026, 7), 2, status.PLANNED, False),
    ]
    assert Schedule.objects.get(pk=draft.pk).title == "x" * 200
    assert draft.based_on == published


def test_a_solved_draft_puts_research_months_in_research_blocks(rotation_world, world, officer):
    trainees = enrol(rotation_world, 3)
    mentor = world.mentor_person
    for trainee in trainees:
        ResearchWindow.objects.create(
            trainee=trainee, mentor=mentor, months=2, earliest_start=4, latest_end=10
        )

    draft = schedule_solve(user=officer, institution=world.hospital, time_limit=3, title="With research")

    assert draft.title == "With research"
    assert draft.figures["overload"] == 0
    for trainee in trainees:
        research = draft.blocks.filter(trainee=trainee, kind=RotationBlock.Kind.RESEARCH)
        assert sum(b.months for b in research) == 2
        assert all(b.department_id is None for b in research)
        assert all(month(2026, 1) <= b.start_month and b.end_month <= month(2026, 7) for b in research)
        rotation = draft.blocks.filter(trainee=trainee, kind=RotationBlock.Kind.ROTATION)
        assert sum(b.months for b in rotation) == 12
    # capacity of the mentor: 2 students at a time
    for offset in range(draft.horizon_months):
        when = add_months(SEP_2025, offset)
        at_once = [
            b
            for b in draft.blocks.filter(kind=RotationBlock.Kind.RESEARCH)
            if b.start_month <= when < b.end_month
        ]
        assert len(at_once) <= 2
    assert AuditEvent.objects.filter(action="rotations.schedule_draft", target_id=str(draft.pk)).count() == 1


def test_a_default_title_names_the_day(rotation_world, world, officer):
    enrol(rotation_world)
    draft = schedule_solve(user=officer, institution=world.hospital, time_limit=1)
    assert draft.title == f"Schedule of {timezone.localdate().isoformat()}"


# --- changes between two schedules --------------------------------------------------------------


def test_changes_are_the_trainee_months_whose_department_differs(rotation_world):
    first, second, third = enrol(rotation_world, 3)
    published = schedule(rotation_world, Schedule.Status.PUBLISHED)
    draft = schedule(rotation_world)
    add_blocks(rotation_world, published, first, ("CARD", month(2025, 9), 3), (None, month(2025, 12), 1))
    add_blocks(rotation_world, draft, first, ("CARD", month(2025, 9), 2), ("RESP", month(2025, 11), 2))
    add_blocks(rotation_world, published, second, ("GI", month(2025, 9), 2))
    add_blocks(rotation_world, draft, second, ("GI", month(2025, 9), 2))
    add_blocks(rotation_world, draft, third, ("ONC", month(2026, 1), 1))

    changes = schedule_changes(draft, published)

    card, resp, onc = (rotation_world.departments[c].pk for c in ("CARD", "RESP", "ONC"))
    assert changes.cells == {
        (first.pk, month(2025, 11)): (card, resp),
        (first.pk, month(2025, 12)): (None, resp),  # research counts as no department
        (third.pk, month(2026, 1)): (None, onc),
    }
    assert changes.trainees == {first.pk, third.pk}
    assert changes.departments == {card, resp, onc}
    assert changes.changed_months == 3
    assert schedule_changes(draft, None).changed_months == 4 + 2 + 1
    assert schedule_changes(draft, draft).cells == {}


# --- publishing ---------------------------------------------------------------------------------


def user_for(trainee: TraineeProfile, username: str, **fields: Any) -> Any:
    return UserFactory(username=username, person=trainee.person, **fields)


def head_of(rotation_world: Any, code: str, username: str, **fields: Any) -> Any:
    user = UserFactory(username=username, **fields)
    RoleAssignmentFactory(
        user=user,
        role=Role.DEPARTMENT_HEAD,
        institution=rotation_world.departments[code].institution,
        department=rotation_world.departments[code],
    )
    return user


@pytest.fixture
def replan(rotation_world):
    """A published schedule and a draft re-planning it: ``moved`` trades December in CARD for RESP,
    ``stays`` keeps GI, ``researcher`` trades a research month for LAB; ``gone`` is in the published one
    only (ONC)."""
    moved, stays, researcher, gone = enrol(rotation_world, 4)
    published = schedule(rotation_world, Schedule.Status.PUBLISHED)
    add_blocks(rotation_world, published, moved, ("CARD", month(2025, 9), 4))
    add_blocks(rotation_world, published, stays, ("GI", month(2025, 9), 2))
    add_blocks(rotation_world, published, researcher, (None, month(2025, 9), 1))
    add_blocks(rotation_world, published, gone, ("ONC", month(2025, 9), 1))
    draft = schedule(rotation_world, based_on=published)
    add_blocks(rotation_world, draft, moved, ("CARD", month(2025, 9), 3), ("RESP", month(2025, 12), 1))
    add_blocks(rotation_world, draft, stays, ("GI", month(2025, 9), 2))
    add_blocks(rotation_world, draft, researcher, ("LAB", month(2025, 9), 1))
    return published, draft, {"moved": moved, "stays": stays, "researcher": researcher, "gone": gone}


def test_publishing_supersedes_the_published_schedule_and_audits_the_changes(
    rotation_world, officer, replan, stand_in_urls
):
    published, draft, _trainees = replan

    result = schedule_publish(user=officer, schedule=draft, expected_version=1)

    assert (result.pk, result.status, result.version, result.published_by) == (
        draft.pk, Schedule.Status.PUBLISHED, 2, officer,
    )  # fmt: skip
    draft.refresh_from_db()
    assert (draft.status, draft.version, draft.published_by) == (Schedule.Status.PUBLISHED, 2, officer)
    assert draft.published_at is not None
    assert state(published) == (Schedule.Status.SUPERSEDED, 2)
    event = AuditEvent.objects.get(action="rotations.schedule_publish")
    assert (event.actor, event.target_id) == (officer, str(draft.pk))
    assert event.changes == {
        "status": ["draft", "published"],
        "supersedes": [None, published.pk],
        "changed_trainee_months": [None, 3],
        "trainees_affected": [None, 3],
    }
    assert (
        Schedule.objects.filter(institution=rotation_world.world.hospital, status="published").get() == draft
    )


def test_the_first_publication_supersedes_nothing(rotation_world, officer, stand_in_urls):
    trainee = enrol(rotation_world)[0]
    draft = schedule(rotation_world)
    add_blocks(rotation_world, draft, trainee, ("CARD", month(2025, 9), 4), ("RESP", month(2026, 1), 3))

    schedule_publish(user=officer, schedule=draft, expected_version=draft.version)

    assert state(draft) == (Schedule.Status.PUBLISHED, 2)
    assert AuditEvent.objects.get(action="rotations.schedule_publish").changes == {
        "status": ["draft", "published"],
        "supersedes": [None, None],
        "changed_trainee_months": [None, 7],
        "trainees_affected": [None, 1],
    }


def test_publishing_notifies_affected_trainees_and_the_heads_of_affected_departments_only(
    rotation_world, world, personas, officer, replan, stand_in_urls
):
    published, draft, trainees = replan
    moved = user_for(trainees["moved"], "moved")
    user_for(trainees["stays"], "stays")
    researcher = user_for(trainees["researcher"], "researcher")
    gone = user_for(trainees["gone"], "gone")
    user_for(enrol(rotation_world)[0], "unscheduled")
    left = enrol(rotation_world)[0]
    add_blocks(rotation_world, published, left, ("ONC", month(2025, 10), 1))
    user_for(left, "left", is_active=False)
    card_head = head_of(rotation_world, "CARD", "card_head")
    head_of(rotation_world, "CARD", "card_head_retired", is_active=False)
    resp_head = head_of(rotation_world, "RESP", "resp_head")
    lab_head = head_of(rotation_world, "LAB", "lab_head")
    onc_head = head_of(rotation_world, "ONC", "onc_head")
    head_of(rotation_world, "GI", "gi_head")
    head_of(rotation_world, "GER", "ger_head")
    teacher = UserFactory(username="card_teacher")
    RoleAssignmentFactory(
        user=teacher,
        role=Role.CLINICAL_TEACHER,
        institution=world.hospital,
        department=rotation_world.departments["CARD"],
    )

    schedule_publish(user=officer, schedule=draft, expected_version=1)

    # Recipients without a language of their own read the site's default, Chinese.
    trainee_title = "您的轮转安排有变动"
    head_title = "您科室的轮转安排有变动"
    got = {(n.recipient.username, n.title, n.url) for n in Notification.objects.select_related("recipient")}
    timeline, roster = "/rotations/me/", "/rotations/roster/"  # each reader's own view of the schedule
    assert got == {
        (moved.username, trainee_title, timeline),
        (researcher.username, trainee_title, timeline),
        (gone.username, trainee_title, timeline),
        (card_head.username, head_title, roster),
        (resp_head.username, head_title, roster),
        (lab_head.username, head_title, roster),
        (onc_head.username, head_title, roster),
    }
    assert (
        Notification.objects.get(recipient=researcher).body
        == "新的轮转排班已发布。请查看您的轮转月份和科室。"
    )
    assert Notification.objects.get(recipient=card_head).body == (
        "新的轮转排班已发布。请查看哪些学员何时到您科室轮转。"
    )
    assert not Notification.objects.filter(recipient__in=personas.values()).exists()


def test_a_failing_notification_leaves_everything_as_it_was(
    rotation_world, officer, replan, stand_in_urls, monkeypatch
):
    published, draft, _trainees = replan

    def broken(**kwargs: Any) -> None:
        raise RuntimeError("notification store down")

    monkeypatch.setattr(scheduling, "notification_send", broken)

    with pytest.raises(RuntimeError):
        schedule_publish(user=officer, schedule=draft, expected_version=1)

    assert state(draft) == (Schedule.Status.DRAFT, 1)
    assert Schedule.objects.get(pk=draft.pk).published_at is None
    assert state(published) == (Schedule.Status.PUBLISHED, 1)
    assert not AuditEvent.objects.filter(action="rotations.schedule_publish").exists()
    assert not Notification.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_a_failing_notification_rolls_the_whole_publication_back_in_a_real_transaction(
    rotation_world, officer, stand_in_urls, monkeypatch
):
    trainee = enrol(rotation_world)[0]
    published = schedule(rotation_world, Schedule.Status.PUBLISHED)
    add_blocks(rotation_world, published, trainee, ("CARD", month(2025, 9), 4))
    draft = schedule(rotation_world, based_on=published)
    add_blocks(rotation_world, draft, trainee, ("RESP", month(2025, 9), 4))
    calls = []

    def broken(**kwargs: Any) -> None:
        calls.append(kwargs)
        raise RuntimeError("notification store down")

    monkeypatch.setattr(scheduling, "notification_send", broken)

    with pytest.raises(RuntimeError):
        schedule_publish(user=officer, schedule=draft, expected_version=1)

    assert len(calls) == 1
    assert state(draft) == (Schedule.Status.DRAFT, 1)
    assert state(published) == (Schedule.Status.PUBLISHED, 1)
    assert not AuditEvent.objects.filter(action="rotations.schedule_publish").exists()


@pytest.mark.parametrize(
    "status", [Schedule.Status.PUBLISHED, Schedule.Status.SUPERSEDED, Schedule.Status.DISCARDED]
)
def test_only_a_draft_can_be_published(rotation_world, officer, status, stand_in_urls):
    trainee = enrol(rotation_world)[0]
    target = schedule(rotation_world, status, published_at=timezone.now())
    add_blocks(rotation_world, target, trainee, ("CARD", month(2025, 9), 4))

    with pytest.raises(ApplicationError) as refused:
        schedule_publish(user=officer, schedule=target, expected_version=1)

    assert not isinstance(refused.value, ConflictError)
    assert str(refused.value.message) == "Only a draft can be published."
    assert state(target) == (status, 1)
    assert not schedule_events().exists()
    assert not Notification.objects.exists()


def test_a_stale_version_publishes_nothing(rotation_world, officer, replan, stand_in_urls):
    published, draft, trainees = replan
    user_for(trainees["moved"], "moved")
    Schedule.objects.filter(pk=draft.pk).update(version=2)  # somebody edited the draft meanwhile

    with pytest.raises(ConflictError) as refused:
        schedule_publish(user=officer, schedule=draft, expected_version=1)

    assert str(refused.value.message) == (
        "Someone changed this schedule after you opened it. Reload it and look again."
    )
    assert state(draft) == (Schedule.Status.DRAFT, 2)
    assert state(published) == (Schedule.Status.PUBLISHED, 1)
    assert not schedule_events().exists()
    assert not Notification.objects.exists()


def test_a_replan_of_a_schedule_superseded_meanwhile_is_a_conflict(
    rotation_world, officer, replan, stand_in_urls
):
    """Two drafts re-plan the same published schedule; once one is published, publishing the other would
    silently undo it ("a stale version (someone edited or published meanwhile) raises ConflictError")."""
    published, draft, trainees = replan
    rival = schedule(rotation_world, based_on=published)
    add_blocks(rotation_world, rival, trainees["moved"], ("CARD", month(2025, 9), 4))
    schedule_publish(user=officer, schedule=rival, expected_version=1)

    with pytest.raises(ConflictError):
        schedule_publish(user=officer, schedule=draft, expected_version=1)

    assert state(draft) == (Schedule.Status.DRAFT, 1)
    assert state(rival) == (Schedule.Status.PUBLISHED, 2)


# --- discarding ---------------------------------------------------------------------------------


def test_discarding_a_draft(rotation_world, officer, replan):
    published, draft, _trainees = replan

    result = schedule_discard(user=officer, schedule=draft, expected_version=1)

    assert (result.status, result.version) == (Schedule.Status.DISCARDED, 2)
    assert state(draft) == (Schedule.Status.DISCARDED, 2)
    assert state(published) == (Schedule.Status.PUBLISHED, 1)
    event = schedule_events().get()
    assert (event.action, event.actor, event.target_id) == (
        "rotations.schedule_discard",
        officer,
        str(draft.pk),
    )
    assert event.changes == {"status": ["draft", "discarded"]}
    assert draft.blocks.count() == 4


def test_discarding_a_stale_draft_or_a_published_schedule_writes_nothing(rotation_world, officer, replan):
    published, draft, _trainees = replan

    with pytest.raises(ConflictError):
        schedule_discard(user=officer, schedule=draft, expected_version=0)
    with pytest.raises(ApplicationError) as refused:
        schedule_discard(user=officer, schedule=published, expected_version=1)

    assert str(refused.value.message) == "Only a draft can be discarded."
    assert state(draft) == (Schedule.Status.DRAFT, 1)
    assert state(published) == (Schedule.Status.PUBLISHED, 1)
    assert not schedule_events().exists()


# --- the background job -------------------------------------------------------------------------


@pytest.fixture
def progress_messages(monkeypatch: pytest.MonkeyPatch) -> list[tuple[float, str]]:
    """Every progress report a job makes, in order."""
    reports: list[tuple[float, str]] = []
    original = JobReporter.progress

    def progress(self: JobReporter, percent: float, message: str = "", **options: Any) -> None:
        reports.append((percent, message))
        original(self, percent, message, **options)

    monkeypatch.setattr(JobReporter, "progress", progress)
    return reports


def test_the_solve_job_makes_a_draft_and_links_to_it(
    rotation_world, world, officer, stand_in_urls, progress_messages, django_capture_on_commit_callbacks
):
    enrol(rotation_world, 5)

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        job = schedule_solve_start(user=officer, institution=world.hospital, time_limit=2)
        assert Job.objects.get(pk=job.pk).status == Job.Status.QUEUED

    assert len(callbacks) == 1
    job.refresh_from_db()
    draft = Schedule.objects.get(job=job)
    assert (job.status, job.percent, job.kind, job.label, job.owner) == (
        Job.Status.SUCCEEDED, 100, "rotations.schedule_solve", "Plan the rotation schedule", officer,
    )  # fmt: skip
    assert job.result_url == f"/rotations/schedules/{draft.pk}/"
    assert (draft.status, draft.created_by, draft.based_on) == (Schedule.Status.DRAFT, officer, None)
    assert draft.blocks.count() >= 5 * 4
    figures = draft.figures
    last = (
        f"Overload {figures['overload']} (cannot go below {figures['overload_lower_bound']}) · "
        f"objective {figures['objective']} (bound {figures['objective_lower_bound']})"
    )
    assert progress_messages[0] == (0, "Checking every trainee's rules…")
    assert progress_messages[-1] == (100, last)
    assert job.message == last
    assert figures["overload"] == 0


def test_a_replanning_job_starts_only_from_the_published_schedule(
    rotation_world, world, officer, django_capture_on_commit_callbacks
):
    enrol(rotation_world)
    draft = schedule(rotation_world)

    with pytest.raises(ApplicationError) as refused:
        schedule_solve_start(user=officer, institution=world.hospital, based_on=draft)

    assert str(refused.value.message) == "Re-planning starts from the published schedule."
    assert not Job.objects.exists()


def test_a_replanning_job_is_labelled_as_such_and_keeps_the_published_months(
    rotation_world, world, officer, stand_in_urls, django_capture_on_commit_callbacks
):
    enrol(rotation_world, 3)
    first = schedule_solve(user=officer, institution=world.hospital, time_limit=2)
    published = schedule_publish(user=officer, schedule=first, expected_version=1)

    with django_capture_on_commit_callbacks(execute=True):
        job = schedule_solve_start(
            user=officer, institution=world.hospital, based_on=published, now=month(2026, 1), time_limit=2
        )

    job.refresh_from_db()
    replan = Schedule.objects.get(job=job)
    assert (job.status, job.label) == (Job.Status.SUCCEEDED, "Re-plan the rotation schedule")
    assert replan.based_on == published
    assert schedule_changes(replan, published).changed_months == 0


def test_a_job_cancelled_before_it_runs_makes_no_draft(
    rotation_world, world, officer, stand_in_urls, progress_messages, django_capture_on_commit_callbacks
):
    enrol(rotation_world, 2)

    with django_capture_on_commit_callbacks(execute=True):
        job = schedule_solve_start(user=officer, institution=world.hospital, time_limit=2)
        job_cancel(job=job)

    job.refresh_from_db()
    assert (job.status, job.message, job.result_url) == (Job.Status.CANCELLED, "Cancelled", "")
    assert progress_messages == [(0, "Checking every trainee's rules…")]
    assert not Schedule.objects.exists()
    assert not schedule_events().exists()


def test_an_impossible_standard_fails_the_job_naming_the_trainee_and_the_rules(
    rotation_world, world, officer, stand_in_urls, progress_messages, django_capture_on_commit_callbacks
):
    trainee = enrol(rotation_world)[0]
    # CARD's 4 months must come in the first 4, but the trainee is on leave in the second of them
    edition = rotation_world.edition
    requirements = [dict(r) for r in edition.requirements]
    requirements[0].update(earliest_start=0, latest_end=4)
    StandardEdition.objects.filter(pk=edition.pk).update(requirements=requirements)
    LeaveFactory(trainee=trainee, start_month=month(2025, 10), months=1)

    with django_capture_on_commit_callbacks(execute=True):
        job = schedule_solve_start(user=officer, institution=world.hospital, time_limit=2)

    job.refresh_from_db()
    assert job.status == Job.Status.FAILED
    assert job.message == (
        f"No schedule can keep every rule. {trainee.person.display_name} cannot keep these rules together: "
        "Cardiology rotation for 4 months; Cardiology rotation within months 0 to 3 of the programme."
    )
    assert job.result_url == ""
    assert not Schedule.objects.exists()
    assert progress_messages == [(0, "Checking every trainee's rules…")]


# --- queries ------------------------------------------------------------------------------------


def test_building_the_instance_takes_the_same_few_queries_for_5_or_30_trainees(
    rotation_world, world, django_assert_max_num_queries
):
    mentors = [world.mentor_person, PersonFactory()]
    MentorResearchCapacity.objects.create(mentor=mentors[1], concurrent_students=4)
    published = schedule(rotation_world, Schedule.Status.PUBLISHED, horizon_months=16)
    department = rotation_world.departments["CARD"]
    DepartmentCapacity.objects.create(department=department, month=month(2025, 10), maximum=3)

    def add(count: int) -> None:
        for index, trainee in enumerate(enrol(rotation_world, count)):
            LeaveFactory(trainee=trainee, start_month=month(2026, 1), months=1)
            ResearchWindow.objects.create(
                trainee=trainee, mentor=mentors[index % 2], months=2, earliest_start=0, latest_end=14
            )
            RotationBlockFactory(
                schedule=published, trainee=trainee, department=department, start_month=SEP_2025, months=4
            )

    def queries() -> tuple[int, int]:
        with CaptureQueriesContext(connection) as captured:
            instance, _mapping = schedule_instance_build(
                institution=world.hospital, based_on=published, now=month(2025, 11)
            )
        return len(captured), len(instance["trainees"])

    add(5)
    few = queries()
    add(25)
    with django_assert_max_num_queries(9):
        many = queries()

    assert (few[1], many[1]) == (5, 30)
    assert few[0] == many[0]
    assert Leave.objects.count() == 30
