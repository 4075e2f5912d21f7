"""The programme office's rotation records in the browser: the officer opens Rotations → Trainees, opens a
trainee's record and records two months of leave, then sets a department's places for three months and
sees them stand out in the places table; and the same pages read in Chinese."""

from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from medtalent.people.models import Department, Institution, TraineeProfile
from medtalent.people.tests.factories import PersonFactory, TraineeProfileFactory
from medtalent.rotations import services
from medtalent.rotations.models import DepartmentCapacity, Leave, ResearchWindow
from medtalent.rotations.months import add_months
from medtalent.rotations.tests.factories import LeaveFactory, RotationEnrolmentFactory
from medtalent.tests_browser.conftest import assert_no_horizontal_scroll, login, shot

pytestmark = pytest.mark.browser

DEPARTMENTS = {
    "CARD": ("心血管内科（轮转）", "Cardiology rotation"),
    "RESP": ("呼吸内科", "Respiratory medicine"),
    "GI": ("消化内科", "Gastroenterology"),
    "GER": ("老年医学科", "Geriatrics"),
}
NAMES = [("白林", "Bai Lin", 2025), ("陈默", "Chen Mo", 2026), ("董宇", "Dong Yu", 2026)]


@dataclass
class Base:
    hospital: Institution
    departments: dict[str, Department]
    trainees: list[TraineeProfile]
    start: Any


@pytest.fixture
def base(world: Any) -> Base:
    """Three trainees enrolled at the hospital under a 12-month internal medicine standard from this month;
    Chen Mo already has a month of sick leave and three protected research months."""
    departments = {
        code: Department.objects.create(
            institution=world.hospital, code=code, name_zh=zh, name_en=en, rotation_capacity=4
        )
        for code, (zh, en) in DEPARTMENTS.items()
    }
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
            {"department": "GER", "months": 3, **one_block},
        ],
    )
    start = timezone.localdate().replace(day=1)
    trainees: list[Any] = []
    for number, (zh, latin, cohort) in enumerate(NAMES):
        profile = TraineeProfileFactory(
            person=PersonFactory(name_zh=zh, name_latin=latin, institution=world.hospital),
            institution=world.hospital,
            cohort=cohort,
            student_number=f"S{cohort}{number:03d}",
        )
        RotationEnrolmentFactory(
            trainee=profile, edition=standard.editions.get(), institution=world.hospital, start_month=start
        )
        trainees.append(profile)
    LeaveFactory(trainee=trainees[1], start_month=add_months(start, 2), months=1)
    ResearchWindow.objects.create(
        trainee=trainees[1], mentor=world.mentor_person, months=3, earliest_start=3, latest_end=15
    )
    return Base(world.hospital, departments, trainees, start)


def test_officer_records_leave_and_sets_places(
    new_page: Any, live_server: Any, personas: dict[str, Any], base: Base
) -> None:
    page = new_page("desktop", "en-US")
    site = live_server.url
    bai = base.trainees[0]
    login(page, live_server, "officer")
    page.locator('[data-nav="rotations"]').click()
    page.wait_for_url(f"{site}/rotations/schedules/")
    page.locator('[data-tab="trainees"]').click()
    page.wait_for_url(f"{site}/rotations/trainees/")
    expect(page.locator("#trainees tbody tr")).to_have_count(3)
    chen = page.locator(f'tr[data-trainee-id="{base.trainees[1].pk}"]')
    expect(chen.locator("td").nth(4)).to_have_text("1")  # leave months
    expect(chen.locator("td").nth(5)).to_have_text("3")  # research months
    shot(page, "rotation-records-desktop-trainees")

    # The trainee's record: no leave yet; record two months of it.
    page.locator(f'tr[data-trainee-id="{bai.pk}"] td a').first.click()
    page.wait_for_url(f"{site}/rotations/trainees/{bai.pk}/")
    expect(page.locator("main h1")).to_have_text("Rotation record of Bai Lin")
    expect(page.locator("#leave-none")).to_be_visible()
    page.locator("#leave-add summary").click()
    leave_start = add_months(base.start, 4)
    page.locator("#id_leave-start_month").fill(f"{leave_start:%Y-%m}")
    page.locator("#id_leave-months").fill("2")
    page.locator("#id_leave-reason").select_option("exam")
    page.locator("#id_leave-note").fill("Licensing examination")
    shot(page, "rotation-records-desktop-leave-form")
    page.locator("#leave-add button[type=submit]").click()
    page.wait_for_url(f"{site}/rotations/trainees/{bai.pk}/")
    expect(page.locator(".alert-success")).to_contain_text("Leave recorded.")
    rows = page.locator("#leave-table tbody tr")
    expect(rows).to_have_count(1)
    last = add_months(leave_start, 1)
    expect(rows.first).to_contain_text(f"{leave_start:%Y-%m} – {last:%Y-%m} (2)")
    expect(rows.first).to_contain_text("Examination leave")
    # The programme lengthens by the two months.
    expect(page.locator("#record-summary")).to_contain_text("14 months")
    assert Leave.objects.filter(trainee=bai, start_month=leave_start, months=2).exists()
    shot(page, "rotation-records-desktop-record")

    # An overlapping second leave is refused on the page.
    page.locator("#leave-add summary").click()
    page.locator("#id_leave-start_month").fill(f"{last:%Y-%m}")
    page.locator("#id_leave-months").fill("1")
    page.locator("#leave-add button[type=submit]").click()
    expect(page.locator('[data-error-for="leave-start_month"]')).to_have_text(
        f"This overlaps the leave from {leave_start:%Y-%m} to {last:%Y-%m}."
    )
    shot(page, "rotation-records-desktop-leave-overlap")
    assert Leave.objects.filter(trainee=bai).count() == 1

    # Places: cardiology takes 1 to 2 trainees for three months.
    page.locator('[data-tab="places"]').click()
    page.wait_for_url(f"{site}/rotations/places/")
    expect(page.locator("#places td.places-set")).to_have_count(0)
    card = base.departments["CARD"]
    first = add_months(base.start, 1)
    page.locator("#id_department").select_option(str(card.pk))
    page.locator("#id_first_month").fill(f"{first:%Y-%m}")
    page.locator("#id_last_month").fill(f"{add_months(first, 2):%Y-%m}")
    page.locator("#id_maximum").fill("2")
    page.locator("#id_minimum").fill("1")
    page.locator("#places-submit").click()
    page.wait_for_url(f"{site}/rotations/places/?institution={base.hospital.pk}&from={first:%Y-%m}")
    until = add_months(first, 2)
    expect(page.locator(".alert-success")).to_contain_text(
        f"Cardiology rotation takes 1 to 2 trainees a month from {first:%Y-%m} to {until:%Y-%m}."
    )
    cells = page.locator('#places tr[data-department="CARD"] td')
    expect(cells).to_have_count(12)
    expect(page.locator('#places tr[data-department="CARD"] td.places-set')).to_have_count(3)
    for index in range(3):
        expect(cells.nth(index)).to_have_text("2/1")
        expect(cells.nth(index)).to_have_class("places-set")
    expect(cells.nth(3)).to_have_class("places-usual")
    expect(cells.nth(3)).to_have_text("4")
    # The highlighted cells really are coloured differently from the usual ones.
    colours = [cells.nth(k).evaluate("e => getComputedStyle(e).backgroundColor") for k in (0, 3)]
    assert colours[0] != colours[1]
    assert DepartmentCapacity.objects.filter(department=card).count() == 3
    shot(page, "rotation-records-desktop-places")


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_the_record_pages_read_in_chinese(
    new_page: Any, live_server: Any, personas: dict[str, Any], base: Base, viewport: str
) -> None:
    DepartmentCapacity.objects.create(
        department=base.departments["RESP"], month=add_months(base.start, 1), maximum=1
    )
    page = new_page(viewport, "zh-CN")
    site = live_server.url
    chen = base.trainees[1]
    login(page, live_server, "officer")
    page.goto(f"{site}/rotations/trainees/")
    expect(page.locator("#trainees tbody tr")).to_have_count(3)
    expect(page.locator("main h1")).not_to_contain_text("Trainees")
    shot(page, f"rotation-records-{viewport}-trainees-zh-hans")
    if viewport == "phone":
        assert_no_horizontal_scroll(page)
    page.goto(f"{site}/rotations/trainees/{chen.pk}/")
    expect(page.locator("main h1")).to_contain_text("陈默")
    expect(page.locator("#leave-table tbody tr")).to_have_count(1)
    expect(page.locator("#research-table tbody tr")).to_have_count(1)
    page.locator("#leave-add summary").click()
    page.locator("#research-add summary").click()
    shot(page, f"rotation-records-{viewport}-record-zh-hans")
    if viewport == "phone":
        assert_no_horizontal_scroll(page)
    page.goto(f"{site}/rotations/places/")
    expect(page.locator('#places tr[data-department="RESP"] td.places-set')).to_have_count(1)
    shot(page, f"rotation-records-{viewport}-places-zh-hans")
    if viewport == "phone":
        assert_no_horizontal_scroll(page)
