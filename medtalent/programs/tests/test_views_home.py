"""The home page per role: the to-do list and the panels each app registers (core.home).

The clock is fixed at TODAY (2026-11-22) for the page and for every selector: ``timezone.localdate`` is
replaced for the test, so "overdue", "this month" and "current stage" never depend on the real date.

The data (``home``):
- the persona trainee follows the professional master's programme (System D) from 2025-09-01. Its first
  three milestones are done; the research proposal (due 2026-08-31) is open, so overdue; two milestones
  fall due on 2026-11-30. The school mentor has signed; the hospital mentor (``personas["mentor"]``) not yet.
- a published schedule places the trainee in cardiology from 2026-09 for three months. The hospital asks
  for 2 Mini-CEX and 1 DOPS per rotation; one Mini-CEX is done (submitted, not yet acknowledged), so 3 are
  missing with the exit exam. One concern is reported in the trainee's ethics record (a commendation and a
  dismissed concern do not count).
- the other trainee has a draft plan in the innovation programme from 2026-06-01, first milestone done.
"""

import datetime
import re
from dataclasses import dataclass
from html import unescape
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from medtalent.assessments.models import Assessment, EthicsRecord
from medtalent.assessments.tests.factories import (
    AssessmentFactory,
    AssessmentRequirementFactory,
    EthicsRecordFactory,
    shipped_version,
)
from medtalent.people.models import Mentorship, Role, TraineeProfile
from medtalent.people.tests.factories import (
    MentorshipFactory,
    PersonFactory,
    RoleAssignmentFactory,
    TraineeProfileFactory,
    UserFactory,
)
from medtalent.programs.models import MilestoneStatus, PlanMilestone, PlanStatus, TrainingPlan
from medtalent.programs.services import plans as services
from medtalent.programs.tests.conftest import TODAY
from medtalent.rotations.models import RotationBlock, Schedule
from medtalent.rotations.tests.factories import ScheduleFactory

PLAN_START = datetime.date(2025, 9, 1)
ROTATION_START = datetime.date(2026, 9, 1)
DONE_CODES = ("research-orientation", "literature-review", "oath-and-ethics")


@pytest.fixture(autouse=True)
def _fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    real = timezone.localdate

    def localdate(value: Any = None, timezone: Any = None) -> datetime.date:
        return TODAY if value is None else real(value, timezone)

    monkeypatch.setattr("django.utils.timezone.localdate", localdate)


@dataclass
class Home:
    plan: TrainingPlan
    other_plan: TrainingPlan
    schedule: Schedule
    block: RotationBlock
    other_user: Any


def _mark_done(plan: TrainingPlan, codes: tuple[str, ...]) -> None:
    PlanMilestone.objects.filter(plan=plan, template__code__in=codes).update(
        status=MilestoneStatus.DONE, done_at=timezone.now()
    )


def _submitted_plan(officer: Any, programme: Any, person: Any, start: datetime.date) -> TrainingPlan:
    plan = services.plan_create(actor=officer, programme=programme, person=person, start_date=start)
    _mark_done(plan, DONE_CODES)
    services.plan_submit(actor=officer, plan=plan, expected_version=plan.version)
    return plan


def _rotation(schedule: Schedule, person: Any, department: Any) -> RotationBlock:
    return RotationBlock.objects.create(
        schedule=schedule,
        trainee=TraineeProfile.objects.get(person=person),
        department=department,
        start_month=ROTATION_START,
        months=3,
        status=RotationBlock.Status.IN_PROGRESS,
    )


def _one_mini_cex(person: Any, block: RotationBlock, assessor: Any) -> Assessment:
    return AssessmentFactory(
        trainee=block.trainee,
        department=block.department,
        rotation_block=block,
        assessor=assessor,
        performed_on=datetime.date(2026, 10, 12),
    )


def _concerns(person: Any) -> None:
    EthicsRecordFactory(person=person, kind=EthicsRecord.Kind.CONCERN, status=EthicsRecord.Status.REPORTED)
    EthicsRecordFactory(
        person=person, kind=EthicsRecord.Kind.COMMENDATION, status=EthicsRecord.Status.REPORTED
    )
    EthicsRecordFactory(person=person, kind=EthicsRecord.Kind.CONCERN, status=EthicsRecord.Status.DISMISSED)


@pytest.fixture
def home(world: Any, personas: dict[str, Any], school_mentor_user: Any, programmes: Any) -> Home:
    officer = personas["officer"]
    plan = _submitted_plan(officer, programmes["practice_research"], world.trainee_person, PLAN_START)
    plan.refresh_from_db()
    services.plan_sign(actor=school_mentor_user, plan=plan, expected_version=plan.version)

    other_plan = services.plan_create(
        actor=officer,
        programme=programmes["innovation"],
        person=world.other_trainee,
        start_date=datetime.date(2026, 6, 1),
    )
    _mark_done(other_plan, ("pain-point-recorded",))
    other_user = UserFactory(username="other_trainee", person=world.other_trainee)
    RoleAssignmentFactory(user=other_user, role=Role.TRAINEE, institution=world.hospital)

    schedule = ScheduleFactory(
        institution=world.hospital,
        status=Schedule.Status.PUBLISHED,
        published_at=timezone.now(),
        first_month=datetime.date(2026, 1, 1),
        horizon_months=24,
    )
    block = _rotation(schedule, world.trainee_person, world.cardiology)
    RotationBlock.objects.create(
        schedule=schedule,
        trainee=block.trainee,
        department=world.surgery,
        start_month=datetime.date(2026, 12, 1),
        months=2,
    )
    AssessmentRequirementFactory(
        institution=world.hospital, instrument=shipped_version("mini_cex").instrument
    )
    AssessmentRequirementFactory(
        institution=world.hospital, instrument=shipped_version("dops").instrument, minimum=1
    )
    _one_mini_cex(world.trainee_person, block, world.teacher_person)
    _concerns(world.trainee_person)
    return Home(plan, other_plan, schedule, block, other_user)


def _page(client: Client, user: Any) -> str:
    client.force_login(user)
    response = client.get("/")
    assert response.status_code == 200
    return response.content.decode()


def _tasks(html: str) -> list[tuple[str, str, str]]:
    """``(kind, title, due or "")`` of each task, in the page's order."""
    section = html[html.index('id="home-tasks"') : html.index('<div class="row g-3">')]
    items = re.findall(r'<li[^>]*data-task-kind="([^"]+)"[^>]*>(.*?)</li>', section, re.S)
    tasks = []
    for kind, body in items:
        title = re.search(r"<a [^>]*>([^<]+)</a>", body)
        due = re.search(r'data-due="([^"]+)"', body)
        assert title is not None
        tasks.append((kind, unescape(title.group(1).strip()), due.group(1) if due else ""))
    return tasks


def _panels(html: str) -> list[str]:
    return re.findall(r'data-home-panel="([^"]+)"', html)


def _section(html: str, element_id: str) -> str:
    start = html.index(f'id="{element_id}"')
    return html[start : html.index("</section>", start)]


# --- the trainee ---------------------------------------------------------------------------------


def test_trainee_sees_plan_rotation_and_assessments(client: Client, personas: Any, home: Home) -> None:
    html = _page(client, personas["trainee"])
    assert _panels(html) == ["programs.my_plan", "rotations.my_rotation", "assessments.mine"]

    plan = _section(html, "home-my-plan")
    assert f'href="/programmes/plans/{home.plan.pk}/"' in plan
    assert 'data-plan-status="awaiting_signatures"' in plan
    assert re.search(r'id="my-plan-overdue">\s*1 overdue', plan)
    # Progress per stage: done/total, the rotation stage is the current one.
    stages = re.findall(r'data-done="(\d+)" data-total="(\d+)"( aria-current="step")?', plan)
    assert stages == [("2", "2", ""), ("1", "6", ' aria-current="step"'), ("0", "2", ""), ("0", "2", "")]
    # Who has not signed: the hospital mentor.
    assert re.search(r'id="my-plan-signatures">.*Mentor.*\(Hospital mentor\)', plan, re.S)
    assert "School Mentor" not in plan
    next_section = plan[plan.index('id="my-plan-next"') : plan.index('id="my-plan-research"')]
    assert re.findall(r'class="text-truncate( text-danger)?" href="[^"]+">([^<]+)</a>', next_section) == [
        (" text-danger", "Research proposal: from a clinical question to a scientific question"),
        ("", "First-year bedside assessments (Mini-CEX, DOPS)"),
        ("", "First-year rotations signed off"),
    ]
    research = plan[plan.index('id="my-plan-research"') :]
    assert "1 of 6 research milestones done" in plan
    assert re.findall(r'href="[^"]+">([^<]+)</a>', research) == [
        "Research proposal: from a clinical question to a scientific question",
        "Research data collected",
        "Data analysis done",
    ]

    rotation = _section(html, "home-my-rotation")
    assert re.search(r'id="rotation-now">\s*<div class="fw-semibold">Cardiology</div>', rotation)
    assert "2026-09 – 2026-11 · month 3 of 3" in rotation
    assert re.search(r'id="rotation-next">\s*<div class="fw-semibold">General Surgery</div>', rotation)
    assert "2026-12 – 2027-01 · 2 months" in rotation

    assessments = _section(html, "home-assessments")
    assert 'data-count="3"' in assessments
    assert re.findall(r'data-met="false" (?:data-instrument="(\w+)"|data-exit-exam="true")', assessments) == [
        "dops",
        "mini_cex",
        "",
    ]
    assert 'href="/assessments/request/"' in assessments
    assert re.search(r'id="assessments-to-acknowledge">1 to acknowledge', assessments)


def test_trainee_tasks_overdue_first_then_by_due_date(client: Client, personas: Any, home: Home) -> None:
    html = _page(client, personas["trainee"])
    acknowledge = Assessment.objects.get(trainee__person=home.plan.person)
    tasks = _tasks(html)
    assert tasks == [
        ("milestone", "Research proposal: from a clinical question to a scientific question", "2026-08-31"),
        ("milestone", "First-year bedside assessments (Mini-CEX, DOPS)", "2026-11-30"),
        ("milestone", "First-year rotations signed off", "2026-11-30"),
        ("assessment", "Request 3 assessments for this rotation", "2026-11-30"),
        ("acknowledge", f"Acknowledge {acknowledge.instrument_version.instrument.name} by Teacher", ""),
        ("info", "Your training plan is waiting for signatures", ""),
    ]
    overdue = PlanMilestone.objects.get(plan=home.plan, template__code="research-proposal")
    overdue_task = r'data-task-kind="milestone" data-overdue="true">\s*<div[^>]*><a href="([^"]+)"'
    assert re.findall(overdue_task, html) == [f"/programmes/milestones/{overdue.pk}/"]
    assert "overdue since 2026-08-31" in html
    assert html.count('data-overdue="true"') == 1


def test_trainee_never_sees_another_trainees_panels(client: Client, personas: Any, home: Home) -> None:
    html = _page(client, personas["trainee"])
    assert "Innovation and entrepreneurship" not in html
    assert f"/programmes/plans/{home.other_plan.pk}/" not in html
    for milestone_id in PlanMilestone.objects.filter(plan=home.other_plan).values_list("pk", flat=True):
        assert f"/programmes/milestones/{milestone_id}/" not in html
    assert 'id="home-mentees"' not in html
    assert 'id="home-cohorts"' not in html

    other = _page(client, home.other_user)
    # No published rotation and no enrolment: no rotation panel; assessments can still be asked for.
    assert _panels(other) == ["programs.my_plan", "assessments.mine"]
    assert "No rotation in the published schedule this month." in _section(other, "home-assessments")
    assert f"/programmes/plans/{home.other_plan.pk}/" in other
    assert f"/programmes/plans/{home.plan.pk}/" not in other
    assert "Research proposal" not in other
    assert 'data-plan-status="draft"' in other
    # Overdue: the concept review (2026-08-31); due soon: the CAD model (2026-11-30).
    assert _tasks(other) == [
        ("milestone", "Concept review", "2026-08-31"),
        ("milestone", "UG/NX model completed", "2026-11-30"),
    ]


# --- the mentors ---------------------------------------------------------------------------------


def test_mentor_sees_each_mentee_flagged_and_the_plan_to_sign(
    client: Client, personas: Any, home: Home, world: Any
) -> None:
    html = _page(client, personas["mentor"])
    assert "programs.mentees" in _panels(html)
    mentees = _section(html, "home-mentees")
    rows = re.findall(r'<tr data-mentee="(\d+)"', mentees)
    assert rows == [str(world.trainee_person.pk)]
    flags = dict(re.findall(r'data-flag="(\w+)" data-count="(\d*)"', mentees))
    assert flags == {"overdue": "1", "missing": "3", "ethics": "1"}
    assert "Cardiology" in mentees
    assert re.search(r'id="mentees-waiting">1 plan to sign', mentees)
    assert f'href="/assessments/ethics/people/{world.trainee_person.pk}/"' in mentees
    # The plain list of mentees gives way to the panel.
    assert '<ul class="list-unstyled mb-0" id="my-mentees">' not in html
    assert _tasks(html) == [("signature", "Sign the training plan of Trainee", "")]
    assert f'href="/programmes/plans/{home.plan.pk}/"' in html


def test_school_mentor_has_signed_so_nothing_to_sign(
    client: Client, school_mentor_user: Any, home: Home, world: Any
) -> None:
    html = _page(client, school_mentor_user)
    assert _tasks(html) == []
    assert 'id="home-tasks-none"' in html
    flags = dict(re.findall(r'data-flag="(\w+)" data-count="(\d*)"', _section(html, "home-mentees")))
    assert flags == {"overdue": "1", "missing": "3", "ethics": "1"}


def test_mentor_without_rotation_or_concerns(client: Client, personas: Any, home: Home, world: Any) -> None:
    """A mentee not rotating now has no missing count; closed concerns do not flag."""
    RotationBlock.objects.filter(pk=home.block.pk).delete()
    EthicsRecord.objects.filter(person=world.trainee_person).update(status=EthicsRecord.Status.DISMISSED)
    _mark_done(home.plan, ("research-proposal",))
    html = _page(client, personas["mentor"])
    mentees = _section(html, "home-mentees")
    assert dict(re.findall(r'data-flag="(\w+)" data-count="(\d*)"', mentees)) == {
        "overdue": "0",
        "missing": "",
        "ethics": "0",
    }
    assert "not rotating now" in mentees
    assert 'class="table-warning"' not in mentees


def test_peer_senior_sees_no_mentee_flags(client: Client, peer_senior_user: Any, home: Home) -> None:
    html = _page(client, peer_senior_user)
    assert 'id="home-mentees"' not in html
    assert "Juniors I coach" not in html  # the page's own list keeps its title: no panel replaced it
    assert re.search(r'<ul class="list-unstyled mb-0" id="my-mentees">', html)


# --- officers ------------------------------------------------------------------------------------


def _cohort_rows(html: str, programme_id: int) -> list[tuple[str, ...]]:
    table = re.search(rf'<table[^>]*data-cohort="{programme_id}">(.*?)</table>', html, re.S)
    assert table is not None
    return re.findall(
        r'<tr data-stage-row="\d+" data-plans-now="(\d+)" data-done="(\d+)" data-total="(\d+)" '
        r'data-overdue="(\d+)">\s*<td[^>]*>([^<]+)</td>',
        table.group(1),
    )


@pytest.mark.parametrize("persona", ["officer", "admin"])
def test_officer_sees_cohort_progress_per_stage(
    client: Client, personas: Any, home: Home, programmes: Any, persona: str
) -> None:
    html = _page(client, personas[persona])
    cohorts = _section(html, "home-cohorts")
    shown = re.findall(r'<h3 class="h6 small mb-1" data-programme="(\d+)">', cohorts)
    assert shown == [str(programmes["innovation"].pk), str(programmes["practice_research"].pk)]
    assert _cohort_rows(cohorts, programmes["practice_research"].pk) == [
        ("0", "2", "2", "0", "Pre-enrolment gap: research orientation"),
        ("1", "1", "6", "1", "33 months of clinical rotation, with research in fragment time"),
        ("0", "0", "2", "0", "Concentrated analysis and writing"),
        ("0", "0", "2", "0", "Thesis defence and residency completion exam"),
    ]
    assert _cohort_rows(cohorts, programmes["innovation"].pk) == [
        ("0", "1", "1", "0", "Clinical pain point"),
        ("1", "0", "2", "1", "Concept and CAD design"),
        ("0", "0", "2", "0", "3D-printed prototype and validation"),
        ("0", "0", "3", "0", "Patent, transformation and clinical use"),
    ]
    assert re.search(r'id="waiting-count">1</a>', cohorts)
    waiting = re.findall(r'<li class="mb-1" data-plan="(\d+)">(.*?)</li>', cohorts, re.S)
    assert [plan_id for plan_id, _body in waiting] == [str(home.plan.pk)]
    assert re.search(r"Missing:\s*Mentor \(Hospital mentor\)", waiting[0][1])
    assert ("info", "1 plan is waiting for its mentors' signatures", "") in _tasks(html)


def test_outsider_officer_sees_no_cohort_of_another_institution(
    client: Client, personas: Any, home: Home
) -> None:
    html = _page(client, personas["outsider"])
    cohorts = _section(html, "home-cohorts")
    assert "No open training plans yet." in cohorts
    assert re.search(r'id="waiting-count">0</a>', cohorts)
    assert "Trainee" not in cohorts
    assert _tasks(html) == []


def test_teacher_sees_requests_waiting_as_one_task(
    client: Client, personas: Any, home: Home, world: Any
) -> None:
    trainee = TraineeProfile.objects.get(person=world.trainee_person)
    for due in (datetime.date(2026, 12, 5), datetime.date(2026, 11, 25)):
        AssessmentFactory(
            trainee=trainee,
            department=world.cardiology,
            assessor=world.teacher_person,
            status=Assessment.Status.REQUESTED,
            submitted_at=None,
            performed_on=None,
            total=None,
            scores={},
            band="",
            due_on=due,
        )
    html = _page(client, personas["teacher"])
    assert _tasks(html) == [("assessor", "2 assessment requests are waiting for you", "2026-11-25")]
    assert _panels(html) == []


# --- query counts --------------------------------------------------------------------------------

# Measured at the fixture's size; the same when ten more mentees, plans, blocks and records are added.
QUERY_LIMITS = {
    "trainee": 33,
    "mentor": 29,
    "officer": 32,
    "head": 26,
    "teacher": 26,
    "admin": 17,
}


def _count_queries(client: Client, user: Any) -> int:
    client.force_login(user)
    client.get("/")  # warm: the first request loads content types and the like
    with CaptureQueriesContext(connection) as queries:
        assert client.get("/").status_code == 200
    return len(queries.captured_queries)


def _ten_more_mentees(
    world: Any, personas: Any, school_mentor_user: Any, home: Home, programmes: Any
) -> None:
    """Ten more trainees of the mentor (and the school mentor), each with a plan waiting for signatures,
    a rotation now, one Mini-CEX and ethics records."""
    for index in range(10):
        person = PersonFactory(name_latin=f"Mentee {index:02}", institution=world.hospital)
        TraineeProfileFactory(person=person, institution=world.hospital, department=world.cardiology)
        for mentor, kind in (
            (world.mentor_person, Mentorship.Kind.HOSPITAL),
            (school_mentor_user.person, Mentorship.Kind.SCHOOL),
        ):
            MentorshipFactory(mentor=mentor, mentee=person, kind=kind, start_date=datetime.date(2024, 9, 1))
        _submitted_plan(personas["officer"], programmes["practice_research"], person, PLAN_START)
        block = _rotation(home.schedule, person, world.cardiology)
        _one_mini_cex(person, block, world.teacher_person)
        _concerns(person)


@pytest.mark.parametrize("persona", list(QUERY_LIMITS))
def test_home_queries_stay_flat(
    client: Client,
    personas: Any,
    home: Home,
    world: Any,
    school_mentor_user: Any,
    programmes: Any,
    persona: str,
    django_assert_max_num_queries: Any,
) -> None:
    user = personas[persona]
    before = _count_queries(client, user)
    _ten_more_mentees(world, personas, school_mentor_user, home, programmes)
    assert TrainingPlan.objects.filter(status=PlanStatus.AWAITING_SIGNATURES).count() == 11
    after = _count_queries(client, user)
    assert after == before
    with django_assert_max_num_queries(QUERY_LIMITS[persona]):
        client.get("/")
