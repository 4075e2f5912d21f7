"""Dual-mentor sign-off in the browser: the school mentor signs, then the hospital mentor signs, and the plan
is active; the trainee then finds it on their home page. At desktop and at phone width, in both languages."""

import datetime
from typing import Any

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from medtalent.people.models import Mentorship, Role
from medtalent.people.tests.factories import (
    FacultyProfileFactory,
    MentorshipFactory,
    PersonFactory,
    RoleAssignmentFactory,
    UserFactory,
)
from medtalent.programs.models import PlanStatus, TrainingPlan
from medtalent.programs.services.plans import plan_create, plan_submit
from medtalent.programs.services.programmes import programme_templates_load
from medtalent.tests_browser.conftest import assert_no_horizontal_scroll, login, shot

pytestmark = pytest.mark.browser


@pytest.fixture
def plan(world: Any, personas: dict[str, Any]) -> TrainingPlan:
    """The trainee's practice-research plan, sent for signatures; ``school`` (a university professor with a
    mentor login) is the school mentor, ``mentor`` the hospital mentor."""
    person = PersonFactory(name_latin="Zhou Qing", name_zh="周青", institution=world.uni)
    FacultyProfileFactory(person=person)
    MentorshipFactory(
        mentor=person,
        mentee=world.trainee_person,
        kind=Mentorship.Kind.SCHOOL,
        start_date=datetime.date(2024, 9, 1),
    )
    user = UserFactory(username="school", person=person)
    RoleAssignmentFactory(user=user, role=Role.MENTOR, institution=world.uni)
    programmes = {p.system: p for p in programme_templates_load(actor=None, institution=world.uni)}
    start = timezone.localdate().replace(day=1) - datetime.timedelta(days=400)
    created = plan_create(
        actor=personas["officer"],
        programme=programmes["practice_research"],
        person=world.trainee_person,
        start_date=start.replace(day=1),
        goals="Research question from the cardiology ward: early warning of heart failure.",
    )
    return plan_submit(actor=personas["officer"], plan=created, expected_version=created.version)


@pytest.mark.parametrize(("viewport", "locale"), [("desktop", "en-US"), ("phone", "zh-CN")])
def test_both_mentors_sign_then_the_trainee_sees_the_active_plan(
    new_page: Any, live_server: Any, personas: dict[str, Any], plan: TrainingPlan, viewport: str, locale: str
) -> None:
    url = f"{live_server.url}/programmes/plans/{plan.pk}/"

    school = new_page(viewport, locale)
    login(school, live_server, "school")
    school.goto(f"{live_server.url}/programmes/plans/?waiting=1")
    school.locator(f"#plans tr[data-plan-id='{plan.pk}'] a").first.click()
    school.wait_for_url(url)
    expect(school.locator("[data-signature='school'] [data-signed]")).to_have_attribute("data-signed", "0")
    shot(school, f"plan-sign-1-school-before-{viewport}")
    school.locator("#sign-button").click()
    expect(school.locator("[data-signature='school'] [data-signed]")).to_have_attribute("data-signed", "1")
    expect(school.locator("[data-plan-status]")).to_have_attribute(
        "data-plan-status", PlanStatus.AWAITING_SIGNATURES
    )
    expect(school.locator("#sign-button")).to_have_count(0)
    if viewport == "phone":
        assert_no_horizontal_scroll(school)
    shot(school, f"plan-sign-2-school-signed-{viewport}")

    hospital = new_page(viewport, locale)
    login(hospital, live_server, "mentor")
    hospital.goto(url)
    hospital.locator("#sign-button").click()
    expect(hospital.locator("[data-plan-status]")).to_have_attribute("data-plan-status", PlanStatus.ACTIVE)
    expect(hospital.locator("[data-signature='hospital'] [data-signed]")).to_have_attribute(
        "data-signed", "1"
    )
    shot(hospital, f"plan-sign-3-active-{viewport}")
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE

    trainee = new_page(viewport, locale)
    login(trainee, live_server, "trainee")
    link = trainee.locator("#home-my-plan #my-plan-link")
    expect(link).to_have_attribute("href", f"/programmes/plans/{plan.pk}/")
    expect(link).to_be_visible()
    if viewport == "phone":
        assert_no_horizontal_scroll(trainee)
    shot(trainee, f"plan-sign-4-trainee-home-{viewport}")
    link.click()
    trainee.wait_for_url(url)
    expect(trainee.locator("[data-plan-status]")).to_have_attribute("data-plan-status", PlanStatus.ACTIVE)
    expect(trainee.locator("#sign-button")).to_have_count(0)
    shot(trainee, f"plan-sign-5-trainee-plan-{viewport}")
