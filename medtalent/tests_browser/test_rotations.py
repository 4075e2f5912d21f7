"""Rotation standards in the browser: the officer reads a standard and edits it, adding a row, on a
desktop and on a phone; a trainee only reads."""

from typing import Any

import pytest
from playwright.sync_api import expect

from medtalent.people.tests.factories import DepartmentFactory
from medtalent.rotations import services
from medtalent.rotations.models import StandardEdition
from medtalent.tests_browser.conftest import assert_no_horizontal_scroll, login, open_menu, shot

pytestmark = pytest.mark.browser

DEPARTMENTS = {"CARD": "Cardiology rotation", "RESP": "Respiratory medicine", "ICU": "Intensive care"}


@pytest.fixture
def standard(world: Any) -> Any:
    for code, name in DEPARTMENTS.items():
        DepartmentFactory(institution=world.hospital, code=code, name_en=name, name_zh=name)
    requirement = {"max_segments": 1, "min_segment_months": 1}
    return services.rotation_standard_create(
        user=None,
        institution=world.hospital,
        specialty="internal_medicine",
        name_zh="内科",
        name_en="Internal medicine",
        total_months=6,
        requirements=[
            {"department": "CARD", "months": 4, **requirement},
            {"department": "RESP", "months": 2, **requirement},
        ],
    )


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
def test_officer_adds_a_department_to_a_standard(new_page, live_server, personas, standard, viewport) -> None:
    page = new_page(viewport, "en-US")
    base = live_server.url
    login(page, live_server, "officer")
    if viewport == "phone":
        open_menu(page)
    page.locator('[data-nav="rotations"]').click()
    page.wait_for_url(f"{base}/rotations/schedules/")
    page.locator('[data-tab="standards"]').click()
    page.wait_for_url(f"{base}/rotations/standards/")
    expect(page.locator(f'tr[data-standard-id="{standard.pk}"]')).to_contain_text("Internal medicine")
    shot(page, f"rotations-{viewport}-standards")
    if viewport == "phone":
        assert_no_horizontal_scroll(page)

    page.locator(f'tr[data-standard-id="{standard.pk}"] a').click()
    page.wait_for_url(f"{base}/rotations/standards/{standard.pk}/")
    expect(page.locator("#requirements tbody tr")).to_have_count(2)
    page.get_by_role("link", name="Edit").click()
    page.wait_for_url(f"{base}/rotations/standards/{standard.pk}/edit/")

    page.locator("#id_total_months").fill("7")
    page.get_by_role("button", name="Add a department").click()
    expect(page.locator("#requirement-rows tbody tr.formset-row")).to_have_count(4)  # 2 rows, blank, added
    page.locator("#id_requirements-2-department").select_option("ICU")
    page.locator("#id_requirements-2-months").fill("1")
    shot(page, f"rotations-{viewport}-edit")
    if viewport == "phone":
        assert_no_horizontal_scroll(page)
    page.get_by_role("button", name="Save").click()

    page.wait_for_url(f"{base}/rotations/standards/{standard.pk}/")
    expect(page.locator(".alert-success")).to_contain_text("Saved.")
    expect(page.locator('#requirements tr[data-department="ICU"]')).to_contain_text("Intensive care")
    expect(page.locator("#total-months")).to_have_text("7")
    shot(page, f"rotations-{viewport}-standard")
    if viewport == "phone":
        assert_no_horizontal_scroll(page)
    edition = StandardEdition.objects.get(standard=standard)
    assert (edition.version, edition.total_months, [row["department"] for row in edition.requirements]) == (
        2,
        7,
        ["CARD", "RESP", "ICU"],
    )


def test_a_problem_is_shown_on_its_row(new_page, live_server, personas, standard) -> None:
    page = new_page("desktop", "en-US")
    login(page, live_server, "officer")
    page.goto(f"{live_server.url}/rotations/standards/{standard.pk}/edit/")
    page.locator("#id_requirements-1-latest_end").fill("1")
    page.get_by_role("button", name="Save").click()
    error = page.locator('[data-error-for="requirements-1-latest_end"]')
    expect(error).to_have_text(
        "The window from month 0 to month 1 is 1 month long, shorter than the 2 months required."
    )
    expect(page.locator("#id_requirements-1-latest_end")).to_have_class("form-control is-invalid")
    shot(page, "rotations-desktop-edit-problem")


def test_a_trainee_reads_the_standard_without_an_edit_button(
    new_page, live_server, personas, standard
) -> None:
    page = new_page("phone", "zh-CN")
    login(page, live_server, "trainee")
    page.goto(f"{live_server.url}/rotations/standards/{standard.pk}/")
    expect(page.locator("main h1")).to_contain_text("内科")
    expect(page.locator(f'a[href="/rotations/standards/{standard.pk}/edit/"]')).to_have_count(0)
    assert_no_horizontal_scroll(page)
