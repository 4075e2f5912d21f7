"""The main journey of every role, on a desktop and a phone, in both languages.

Each journey signs in, checks the role's home page, searches the directory live (HTMX), opens a person
page and switches language there. Screenshots: ``{persona}-{viewport}-{page}-{lang}.png``.
"""

import re
from dataclasses import dataclass, field
from typing import Any

import openpyxl
import pytest
from axes.models import AccessAttempt
from playwright.sync_api import Page, expect

from medtalent.people.models import Person
from medtalent.people.national_id import mask_national_id
from medtalent.tests_browser.conftest import (
    assert_no_horizontal_scroll,
    login,
    open_menu,
    shot,
)

pytestmark = pytest.mark.browser

JOURNEY_PERSONAS = ("admin", "officer", "talent_officer", "head", "mentor", "teacher", "trainee", "leader")

# The desktop journey starts in Chinese and switches to English; the phone journey the other way round.
START = {"desktop": ("zh-CN", "zh-hans", "en"), "phone": ("en-US", "en", "zh-hans")}
PEOPLE_LABEL = {"zh-hans": "人员", "en": "People"}

# Who finds whom when searching "Trainee" (medtalent/people/access.py), in directory order (name_latin):
# - admin sees everybody;
# - officer (programme officer at the university) and leader (university) reach the university and its
#   affiliated hospital: Other Trainee and Trainee, not the other institution's Foreign Trainee;
# - talent_officer (hospital) reaches the hospital's two trainees;
# - head and teacher (cardiology) see the trainee whose active stage is in cardiology; the mentor sees
#   their mentee; the trainee sees themselves. Faculty are listed widely, trainees are not.
SEARCH_MATCHES = {
    "admin": ("foreign_trainee", "other_trainee", "trainee_person"),
    "officer": ("other_trainee", "trainee_person"),
    "talent_officer": ("other_trainee", "trainee_person"),
    "leader": ("other_trainee", "trainee_person"),
    "head": ("trainee_person",),
    "mentor": ("trainee_person",),
    "teacher": ("trainee_person",),
    "trainee": ("trainee_person",),
}


@dataclass(frozen=True)
class PersonPage:
    """What a persona sees on the person page they open."""

    person: str  # attribute of ``world``
    private: bool  # the records (contacts, training history, mentors) are shown
    full_national_id: bool = False
    training_rows: int = 0
    mentors: tuple[str, ...] = ()
    mentees: tuple[str, ...] = field(default=())


PERSON_PAGES = {
    # No person of their own: they open the trainee's page.
    "admin": PersonPage(
        "trainee_person", private=True, full_national_id=True, training_rows=1, mentors=("Mentor",)
    ),
    "talent_officer": PersonPage(
        "trainee_person", private=True, full_national_id=True, training_rows=1, mentors=("Mentor",)
    ),
    # A leader sees the trainee's card only, none of the records.
    "leader": PersonPage("trainee_person", private=False),
    # Their own page. The officer manages the university's people, themselves included.
    "officer": PersonPage("officer_person", private=True, full_national_id=True),
    "head": PersonPage("head_person", private=True),
    "mentor": PersonPage("mentor_person", private=True, mentees=("Trainee",)),
    "teacher": PersonPage("teacher_person", private=True),
    "trainee": PersonPage("trainee_person", private=True, training_rows=1, mentors=("Mentor",)),
}


CHART_DRAWN = """() => {
  const chart = window.echarts && echarts.getInstanceByDom(document.getElementById("level-chart"));
  return Boolean(chart) && chart.getZr().animation.isFinished();
}"""


def check_home(page: Page, persona: str, world: Any) -> None:
    main = page.locator("main")
    if persona in ("admin", "officer", "talent_officer", "leader"):
        expect(page.locator("#level-chart svg").first).to_be_visible()
        # Let ECharts finish its entry animation, so the screenshot shows the drawn bars.
        page.wait_for_function(CHART_DRAWN)
    else:
        expect(page.locator("#level-chart")).to_have_count(0)
    if persona == "mentor":
        expect(page.locator("#my-mentees")).to_contain_text("Trainee")
        expect(page.locator("#my-mentees [data-mentee]")).to_have_count(1)
    else:
        expect(page.locator("#my-mentees")).to_have_count(0)
    department_rows = main.locator("tr[data-person-id]")
    if persona in ("head", "teacher"):
        expect(department_rows).to_have_count(1)
        expect(department_rows).to_have_attribute("data-person-id", str(world.trainee_person.pk))
        expect(department_rows).to_contain_text("Trainee")
    else:
        expect(department_rows).to_have_count(0)
    if persona == "trainee":
        mentor_link = main.locator(f'a[href="/people/{world.mentor_person.pk}/"]')
        expect(mentor_link).to_have_text("Mentor")


def check_person_page(page: Page, expected: PersonPage, person: Person) -> None:
    expect(page.locator("main h1")).to_contain_text(person.name_zh)
    national_id = page.locator('[data-field="national_id"]')
    if not expected.private:
        expect(national_id).to_have_count(0)
        expect(page.locator("#training-history")).to_have_count(0)
        expect(page.locator("#mentors")).to_have_count(0)
        return
    assert person.national_id  # the factories always give one: the page must show it, full or masked
    shown = person.national_id if expected.full_national_id else mask_national_id(person.national_id)
    expect(national_id).to_have_text(shown)
    expect(page.locator("#training-history tbody tr")).to_have_count(expected.training_rows)
    mentors = page.locator("#mentors a")
    expect(mentors).to_have_count(len(expected.mentors))
    if expected.mentors:
        expect(mentors).to_have_text(list(expected.mentors))
    mentees = page.locator("#mentees a")
    expect(mentees).to_have_count(len(expected.mentees))
    if expected.mentees:
        expect(mentees).to_have_text(list(expected.mentees))


@pytest.mark.parametrize("viewport", ["desktop", "phone"])
@pytest.mark.parametrize("persona", JOURNEY_PERSONAS)
def test_role_journey(new_page, live_server, world, personas, persona: str, viewport: str) -> None:
    locale, language, other_language = START[viewport]
    phone = viewport == "phone"
    page = new_page(viewport, locale)
    base = live_server.url

    def checkpoint(name: str, lang: str) -> None:
        expect(page.locator("html")).to_have_attribute("lang", lang)
        shot(page, f"{persona}-{viewport}-{name}-{lang}")
        if phone:
            assert_no_horizontal_scroll(page)

    login(page, live_server, persona)

    # Home page.
    check_home(page, persona, world)
    expect(page.locator('[data-nav="people"]')).to_have_text(PEOPLE_LABEL[language])
    checkpoint("home", language)

    # Directory, through the main menu (collapsed behind the toggler on a phone).
    toggler = page.locator("button.navbar-toggler")
    if phone:
        open_menu(page)
    else:
        expect(toggler).to_be_hidden()
    page.locator('[data-nav="people"]').click()
    page.wait_for_url(f"{base}/people/")
    expect(page.locator('[data-nav="people"]')).to_have_attribute("aria-current", "page")

    search = page.locator("#id_q")
    with page.expect_response(lambda response: "q=Trainee" in response.url and response.status == 200):
        search.fill("Trainee")
    expect(page).to_have_url(re.compile(r"/people/\?q=Trainee"))
    rows = page.locator("#directory-results tr[data-person-id]")
    expected_people = [getattr(world, name) for name in SEARCH_MATCHES[persona]]
    expect(rows).to_have_count(len(expected_people))
    assert [int(value) for value in rows.evaluate_all("rows => rows.map(r => r.dataset.personId)")] == [
        person.pk for person in expected_people
    ]
    expect(page.locator("#result-count")).to_contain_text(str(len(expected_people)))
    checkpoint("directory", language)

    # Person page: from the directory row when it is the trainee's, else their own page.
    expected = PERSON_PAGES[persona]
    person: Person = getattr(world, expected.person)
    row_link = page.locator(f'#directory-results tr[data-person-id="{person.pk}"] a')
    if row_link.count():
        row_link.click()
    else:
        page.goto(f"{base}/people/{person.pk}/")
    page.wait_for_url(f"{base}/people/{person.pk}/")
    check_person_page(page, expected, person)
    checkpoint("person", language)

    # Switch language on the person page.
    if phone:
        open_menu(page)
    page.locator(f'button[data-language="{other_language}"]').click()
    expect(page.locator("html")).to_have_attribute("lang", other_language)
    page.wait_for_url(f"{base}/people/{person.pk}/")
    expect(page.locator('[data-nav="people"]')).to_have_text(PEOPLE_LABEL[other_language])
    expect(page.locator(f'button[data-language="{other_language}"]')).to_have_attribute(
        "aria-pressed", "true"
    )
    check_person_page(page, expected, person)
    personas[persona].refresh_from_db()
    assert personas[persona].language == other_language
    checkpoint("person", other_language)


def test_failed_logins_show_the_error_and_five_lock_the_account(new_page, live_server, personas) -> None:
    page = new_page("desktop", "en-US")
    base = live_server.url
    page.goto(f"{base}/accounts/login/")
    for attempt in range(1, 5):
        page.locator("#id_username").fill("trainee")
        page.locator("#id_password").fill(f"wrong-password-{attempt}")
        page.locator("main form button[type=submit]").click()
        expect(page.locator("main .alert-danger")).to_contain_text("Please enter a correct")
        expect(page.locator("#id_username")).to_have_value("trainee")
        assert AccessAttempt.objects.get(username="trainee").failures_since_start == attempt
    shot(page, "login-desktop-failed-en")

    page.locator("#id_password").fill("wrong-password-5")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main h1")).to_have_text("Account locked")
    expect(page.locator("main")).to_contain_text("Too many failed sign-in attempts")
    assert AccessAttempt.objects.get(username="trainee").failures_since_start == 5
    shot(page, "login-desktop-locked-en")

    # Even the right password is refused now.
    page.goto(f"{base}/accounts/login/")
    page.locator("#id_username").fill("trainee")
    page.locator("#id_password").fill("Correct-Horse-42")
    page.locator("main form button[type=submit]").click()
    expect(page.locator("main h1")).to_have_text("Account locked")
    page.goto(f"{base}/")
    expect(page).to_have_url(f"{base}/accounts/login/?next=/")


def test_outsider_cannot_open_the_trainees_page(new_page, live_server, world, personas) -> None:
    page = new_page("desktop", "zh-CN")
    login(page, live_server, "outsider")
    response = page.goto(f"{live_server.url}/people/{world.trainee_person.pk}/")
    assert response is not None
    assert response.status == 404
    expect(page.locator("main h1")).to_have_text("页面不存在")
    expect(page.locator("main")).not_to_contain_text("Trainee")
    shot(page, "outsider-desktop-404-zh-hans")


def test_officer_edits_a_trainees_phone(new_page, live_server, world, personas) -> None:
    page = new_page("desktop", "en-US")
    base = live_server.url
    trainee = world.trainee_person
    login(page, live_server, "officer")
    page.goto(f"{base}/people/{trainee.pk}/")
    page.locator(f'main a[href="/people/{trainee.pk}/edit/"]').click()
    page.wait_for_url(f"{base}/people/{trainee.pk}/edit/")
    phone = page.locator("#id_phone")
    expect(phone).to_have_value(trainee.phone)
    phone.fill("13912345678")
    page.locator("main form button[type=submit]").click()
    page.wait_for_url(f"{base}/people/{trainee.pk}/")
    expect(page.locator("main .alert-success")).to_contain_text("Saved.")
    expect(page.locator("main dl")).to_contain_text("13912345678")
    shot(page, "officer-desktop-person-edited-en")
    trainee.refresh_from_db()
    assert trainee.phone == "13912345678"


def test_officer_downloads_the_filtered_directory(new_page, live_server, world, personas, tmp_path) -> None:
    """Search, then download: the spreadsheet holds the rows on screen, with the officer's full IDs."""
    page = new_page("desktop", "zh-CN")
    login(page, live_server, "officer")
    page.goto(f"{live_server.url}/people/")
    page.locator("#id_q").fill("Trainee")
    expect(page.locator("#directory-results tr[data-person-id]")).to_have_count(2)
    with page.expect_download() as download_info:
        page.locator('#directory-results a[data-export="xlsx"]').click()
    download = download_info.value
    assert re.fullmatch(r"people-\d{8}\.xlsx", download.suggested_filename)
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    sheet = openpyxl.load_workbook(saved).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0][:2] == ("中文姓名", "拼音姓名")
    by_name = {row[1]: row for row in rows[1:]}
    assert sorted(by_name) == ["Other Trainee", "Trainee"]
    assert by_name["Trainee"][4] == world.trainee_person.national_id
    shot(page, "officer-desktop-directory-search-zh-hans")
