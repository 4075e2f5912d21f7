"""Rotation schedules in the browser: the programme officer re-plans the published schedule after a
department loses places, watches the solver's progress bar, reviews the draft's changes in the grid,
publishes it, and opens the department's roster; on a desktop and on a phone.

The solver runs as a background job. Here no worker runs (the dummy task backend only records the job),
so the page shows the queued job's progress bar; then the test does the worker's part in its own thread
while the page polls, and the page moves on to the draft by itself once the job succeeds.
"""

import re
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from medtalent.core.models import Job
from medtalent.people.models import Department, Institution, TraineeProfile
from medtalent.people.tests.factories import TraineeProfileFactory
from medtalent.rotations import services
from medtalent.rotations.models import DepartmentCapacity, RotationBlock, Schedule, StandardEdition
from medtalent.rotations.months import add_months
from medtalent.rotations.services.scheduling import schedule_publish, schedule_solve
from medtalent.rotations.tasks import schedule_solve_task
from medtalent.rotations.tests.factories import LeaveFactory, RotationEnrolmentFactory
from medtalent.tests_browser.conftest import assert_no_horizontal_scroll, login, open_menu, shot

pytestmark = pytest.mark.browser

TRAINEES = 6
DEPARTMENTS = {
    "CARD": ("心血管内科（轮转）", "Cardiology rotation"),
    "RESP": ("呼吸内科", "Respiratory medicine"),
    "GI": ("消化内科", "Gastroenterology"),
    "GER": ("老年医学科", "Geriatrics"),
    "ONC": ("肿瘤内科", "Medical oncology"),
}


@dataclass
class Base:
    hospital: Institution
    departments: dict[str, Department]
    edition: StandardEdition


@pytest.fixture
def base(world: Any) -> Base:
    """The hospital's rotation departments, a partner's laboratory, and a 12-month internal medicine
    standard: CARD 4, RESP 3, GI 2, then 3 months among GER, ONC and LAB."""
    partner = Institution.objects.create(
        code="partner", name_zh="合作医院", name_en="Partner Hospital", kind="hospital", parent=world.hospital
    )
    departments = {
        code: Department.objects.create(
            institution=world.hospital, code=code, name_zh=zh, name_en=en, rotation_capacity=4
        )
        for code, (zh, en) in DEPARTMENTS.items()
    }
    departments["LAB"] = Department.objects.create(
        institution=partner, code="LAB", name_zh="检验科", name_en="Laboratory medicine", rotation_capacity=2
    )
    one_block = {"max_segments": 1, "min_segment_months": 1}
    standard = services.rotation_standard_create(
        user=None,
        institution=world.hospital,
        specialty="internal_medicine",
        name_zh="内科",
        name_en="Internal medicine",
        total_months=12,
        requirements=[
            {"department": "CARD", "months": 4, **one_block},
            {"department": "RESP", "months": 3, **one_block},
            {"department": "GI", "months": 2, **one_block},
        ],
        groups=[{"departments": ["GER", "ONC", "LAB"], "months": 3, "min_each": 1, "max_each": 2}],
    )
    return Base(world.hospital, departments, standard.editions.get())


@pytest.fixture
def published(base: Base, personas: dict[str, Any], settings: Any, monkeypatch: Any) -> Schedule:
    """Six trainees starting next month under a published schedule; then cardiology drops to one place
    for the first four months, so a re-plan has to move people."""
    settings.TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
    monkeypatch.setattr("medtalent.rotations.forms.SOLVER_TIME_LIMITS", (3, 10))
    hospital = base.hospital
    start = add_months(timezone.localdate().replace(day=1), 1)
    for number in range(TRAINEES):
        RotationEnrolmentFactory(
            edition=base.edition,
            institution=hospital,
            start_month=start,
            trainee=TraineeProfileFactory(
                institution=hospital, cohort=start.year, student_number=f"S{number:03d}"
            ),
        )
    first = schedule_solve(
        user=personas["officer"], institution=hospital, time_limit=2, title="Plan of the year"
    )
    schedule = schedule_publish(user=personas["officer"], schedule=first, expected_version=first.version)
    for offset in range(4):
        DepartmentCapacity.objects.create(
            department=base.departments["CARD"], month=add_months(start, offset), maximum=1
        )
    return schedule


def _run_the_worker(job: Job, institution_id: int, user_id: int, based_on_id: int) -> None:
    """What ``medtalent worker`` does with the queued job."""
    schedule_solve_task.func(
        job_id=str(job.pk),
        institution_id=institution_id,
        user_id=user_id,
        based_on_id=based_on_id,
        now=timezone.localdate().isoformat(),
        time_limit=3,
    )


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_officer_replans_reviews_publishes_and_reads_the_roster(
    new_page: Any,
    live_server: Any,
    personas: dict[str, Any],
    base: Base,
    published: Schedule,
    viewport: str,
) -> None:
    page = new_page(viewport, "en-US")
    site = live_server.url
    phone = viewport == "phone"
    login(page, live_server, "officer")
    if phone:
        open_menu(page)
    page.locator('[data-nav="rotations"]').click()
    page.wait_for_url(f"{site}/rotations/schedules/")
    expect(page.locator(f'tr[data-schedule-id="{published.pk}"]')).to_contain_text("Published")

    # Re-plan: the job is queued and its progress bar shows, with a Cancel button.
    page.locator("#id_time_limit").select_option("3")
    page.locator("#plan-replan").click()
    page.wait_for_url(re.compile(rf"{site}/rotations/schedules/\?institution=\d+&job="))
    job = Job.objects.get(kind="rotations.schedule_solve")
    bar = page.locator(f"#job-{job.pk}")
    expect(bar).to_contain_text("Re-plan the rotation schedule")
    expect(bar.get_by_role("button", name="Cancel")).to_be_visible()
    shot(page, f"schedules-{viewport}-progress")
    if phone:
        assert_no_horizontal_scroll(page)

    # The worker solves; the page, polling, sees it succeed and opens the draft.
    _run_the_worker(job, base.hospital.pk, personas["officer"].pk, published.pk)
    draft = Schedule.objects.get(status=Schedule.Status.DRAFT)
    page.wait_for_url(f"{site}/rotations/schedules/{draft.pk}/")
    job.refresh_from_db()
    assert job.message.startswith("Overload 0 (cannot go below 0) · objective ")

    # The draft: the solver's figures, the changes against the published schedule, outlined in the grid.
    expect(page.locator('[data-figure="overload"]')).to_have_text("0")
    diff = page.locator("#schedule-diff")
    expect(diff).to_contain_text("compared with “Plan of the year”")
    changed = int(page.locator('[data-figure="changed-months"]').inner_text())
    assert changed > 0
    expect(page.locator("#grid td.chg").first).to_be_visible()
    expect(page.locator("#grid tbody tr")).to_have_count(TRAINEES)
    shot(page, f"schedules-{viewport}-draft")
    if phone:
        assert_no_horizontal_scroll(page)

    # Only the changed trainees, through the filter (HTMX swaps the grid).
    page.locator("#id_changed").check()
    expect(page.locator("#grid tbody tr")).to_have_count(
        int(page.locator('[data-figure="changed-trainees"]').inner_text())
    )

    page.locator("#publish").click()
    page.wait_for_url(f"{site}/rotations/schedules/{draft.pk}/")
    expect(page.locator(".alert-success")).to_contain_text("Published.")
    expect(page.locator('main h1 [data-schedule-status="published"]')).to_be_visible()
    assert Schedule.objects.get(pk=published.pk).status == Schedule.Status.SUPERSEDED

    # The load against places: cardiology is back within its one place.
    page.locator("#load-link").click()
    page.wait_for_url(f"{site}/rotations/schedules/{draft.pk}/load/")
    expect(page.locator('[data-figure="overload"]')).to_have_text("0")
    shot(page, f"schedules-{viewport}-load")
    if phone:
        assert_no_horizontal_scroll(page)

    # The roster of the department most trainees start in: nobody this month, the arrivals next month.
    start = add_months(timezone.localdate().replace(day=1), 1)
    firsts = list(
        draft.blocks.filter(start_month=start, kind="rotation").values_list("department_id", flat=True)
    )
    department = max(set(firsts), key=firsts.count)
    page.locator('[data-tab="roster"]').click()
    page.wait_for_url(f"{site}/rotations/roster/")
    page.locator("#id_department").select_option(str(department))
    page.wait_for_url(re.compile(rf"{site}/rotations/roster/\?.*department={department}"))
    names = {d.pk: d.name_en for d in base.departments.values()}
    expect(page.locator("main h1")).to_have_text(names[department])
    expect(page.locator("#roster-1")).to_contain_text("Nobody is placed here.")
    arrivals = page.locator("#roster-2 tbody tr")
    expect(arrivals).to_have_count(firsts.count(department))
    expect(arrivals.first).to_contain_text("arrives")
    shot(page, f"schedules-{viewport}-roster")
    if phone:
        assert_no_horizontal_scroll(page)


def test_a_trainee_reads_their_timeline_on_a_phone(
    new_page: Any, live_server: Any, personas: dict[str, Any], world: Any, base: Base
) -> None:
    this_month = timezone.localdate().replace(day=1)
    profile = TraineeProfile.objects.get(person=world.trainee_person)
    RotationEnrolmentFactory(trainee=profile, edition=base.edition, institution=world.hospital)
    schedule = Schedule.objects.create(
        institution=world.hospital,
        title="Plan of the year",
        status=Schedule.Status.PUBLISHED,
        published_at=timezone.now(),
        first_month=add_months(this_month, -2),
        horizon_months=12,
    )
    rows = [("CARD", -2, 4), ("RESP", 2, 3), ("GI", 7, 2)]
    for code, offset, months in rows:
        RotationBlock.objects.create(
            schedule=schedule,
            trainee=profile,
            department=base.departments[code],
            start_month=add_months(this_month, offset),
            months=months,
        )
    LeaveFactory(trainee=profile, start_month=add_months(this_month, 5), months=2, reason="exam")
    page = new_page("phone", "zh-CN")
    login(page, live_server, "trainee")
    open_menu(page)
    page.locator('[data-nav="rotations"]').click()
    page.wait_for_url(f"{live_server.url}/rotations/me/")
    expect(page.locator("#timeline li")).to_have_count(4)
    expect(page.locator("#timeline-now")).to_contain_text("心血管内科（轮转）")
    expect(page.locator("#timeline-strip .seg.now")).to_have_count(1)
    assert_no_horizontal_scroll(page)
    shot(page, "schedules-phone-timeline-zh-hans")
