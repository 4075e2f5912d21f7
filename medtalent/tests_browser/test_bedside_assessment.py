"""A Mini-CEX at the bedside, on two phones: the trainee shows a QR code, the assessor opens it (as the
phone's camera would), fills in the form and submits, and the trainee acknowledges with a reflection.

The assessor's taps and typed fields are counted: that is the burden the form puts on a clinician. The
count is written beside the screenshots (``bedside-burden.txt``) for the closing note.
"""

from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import Page, expect

from medtalent.assessments.models import Assessment, Instrument, InstrumentVersion
from medtalent.assessments.services.instruments import shipped_instruments_load
from medtalent.people.models import TraineeProfile
from medtalent.rotations.models import RotationBlock, Schedule
from medtalent.tests_browser.conftest import assert_no_horizontal_scroll, login, screenshot_dir, shot

pytestmark = pytest.mark.browser

# What a clinician records for a typical observed encounter: six domains seen (one not observed stays
# N/A), the overall judgement, setting and complexity, minutes observed and of feedback, one strength
# and one point to improve.
SCORES = {
    "interview": "7",
    "physical_exam": "6",
    "humanistic": "8",
    "clinical_judgement": "6",
    "communication": "7",
    "overall": "7",
}


@pytest.fixture
def rotating_trainee(world: Any, personas: Any) -> TraineeProfile:
    """The persona trainee rotates in cardiology (where ``teacher`` teaches) by a published schedule.

    The shipped instruments come from a data migration; a live-server test before this one flushed the
    database, so they are loaded again here (idempotent).
    """
    shipped_instruments_load(Instrument, InstrumentVersion)
    trainee = TraineeProfile.objects.get(person=world.trainee_person)
    month = timezone.localdate().replace(day=1)
    schedule = Schedule.objects.create(
        institution=world.hospital,
        title="Published",
        status=Schedule.Status.PUBLISHED,
        published_at=timezone.now(),
        first_month=month,
        horizon_months=12,
    )
    RotationBlock.objects.create(
        schedule=schedule, trainee=trainee, department=world.cardiology, start_month=month, months=3
    )
    return trainee


class Burden:
    def __init__(self, page: Page) -> None:
        self.page = page
        self.taps = 0
        self.typed = 0

    def tap(self, selector: str) -> None:
        self.page.locator(selector).click()
        self.taps += 1

    def type(self, selector: str, text: str) -> None:
        self.page.locator(selector).fill(text)
        self.typed += 1


def test_bedside_mini_cex_on_two_phones(rotating_trainee: Any, live_server: Any, new_page: Any) -> None:
    site = live_server.url
    trainee = new_page(viewport="phone", locale="en-US")
    login(trainee, live_server, "trainee")
    trainee.goto(f"{site}/assessments/")
    expect(trainee.locator("#show-code")).to_be_visible()
    trainee.locator("#show-code").click()
    code = trainee.locator("#bedside-qr")
    expect(code.locator("svg")).to_be_visible()
    assert_no_horizontal_scroll(trainee)
    shot(trainee, "bedside-1-trainee-code-phone")
    form_url = code.get_attribute("data-url")
    assert form_url.startswith(f"{site}/assessments/bedside/")

    assessor = new_page(viewport="phone", locale="en-US")
    login(assessor, live_server, "teacher")
    assessor.goto(form_url)  # what scanning the code with the phone's camera opens
    expect(assessor.locator("#answer-context")).to_contain_text("Trainee")
    expect(assessor.locator("[data-item]")).to_have_count(7)
    assert_no_horizontal_scroll(assessor)
    shot(assessor, "bedside-2-assessor-form-phone")

    burden = Burden(assessor)
    for item, score in SCORES.items():
        burden.tap(f"label[for=id_score__{item}_{score}]")
    burden.tap("label[for=id_detail__setting_0]")  # ward
    burden.tap("label[for=id_detail__complexity_1]")  # moderate
    burden.tap("[data-minutes-for=id_detail__observation_minutes] [data-minutes='15']")
    burden.tap("[data-minutes-for=id_detail__feedback_minutes] [data-minutes='5']")
    burden.type("#id_detail__strengths", "Structured history; put the patient at ease.")
    burden.type("#id_detail__improvements", "Examine before ordering the echocardiogram.")
    shot(assessor, "bedside-3-assessor-filled-phone")
    burden.tap("#submit-assessment")
    expect(assessor.locator("#assessment-status")).to_have_text("Submitted")
    expect(assessor.locator("#assessment-result")).to_contain_text("6.83")
    assert_no_horizontal_scroll(assessor)
    shot(assessor, "bedside-4-assessor-submitted-phone")

    assessment = Assessment.objects.get()
    assert assessment.origin == Assessment.Origin.BEDSIDE_CODE
    assert assessment.scores["organisation"] is None
    assert assessment.details["observation_minutes"] == 15
    # Five domains and the overall score, setting, complexity, two minute chips, submit: 11 taps; 2 typed.
    assert (burden.taps, burden.typed) == (11, 2)
    (screenshot_dir() / "bedside-burden.txt").write_text(
        f"Mini-CEX at the bedside: {burden.taps} taps and {burden.typed} typed fields for the assessor "
        "(6 scores, setting, complexity, 2 minute chips, submit; strengths and points to improve typed). "
        "Trainee, department, date, trainee type and assessor title come from the code and the records.\n",
        encoding="utf-8",
    )

    trainee.goto(f"{site}/assessments/mine/")
    trainee.locator(f"[data-assessment='{assessment.pk}']").click()
    expect(trainee.locator("#acknowledge")).to_be_visible()
    trainee.locator("#id_reflection").fill("I will examine the heart before ordering imaging next time.")
    trainee.locator("#acknowledge-button").click()
    expect(trainee.locator("#assessment-status")).to_have_text("Acknowledged (locked)")
    expect(trainee.locator("#assessment-reflection")).to_contain_text("examine the heart")
    assert_no_horizontal_scroll(trainee)
    shot(trainee, "bedside-5-trainee-acknowledged-phone")
    assessment.refresh_from_db()
    assert assessment.is_locked
