"""Plan and programme pages: each renders for the people who may see it, refuses the others, and each form
posts through its service (409 on a stale version, field errors on their inputs)."""

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from medtalent.programs.models import PlanMilestone, PlanStatus, TrainingPlan
from medtalent.programs.services import plans as services


def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def plan(world: Any, personas: Any, school_mentor_user: Any, programmes: Any) -> TrainingPlan:
    return services.plan_create(
        actor=personas["officer"],
        programme=programmes["practice_research"],
        person=world.trainee_person,
        start_date=datetime.date(2025, 6, 1),
    )


def _sign_both(plan: TrainingPlan, personas: Any, school_mentor_user: Any) -> None:
    services.plan_submit(actor=personas["officer"], plan=plan, expected_version=plan.version)
    services.plan_sign(actor=school_mentor_user, plan=plan, expected_version=plan.version)
    services.plan_sign(actor=personas["mentor"], plan=plan, expected_version=plan.version)
    plan.refresh_from_db()


def test_dual_sign_off_through_the_pages(plan: TrainingPlan, personas: Any, school_mentor_user: Any) -> None:
    officer = _client(personas["officer"])
    response = officer.post(reverse("plan_submit", args=[plan.pk]), {"version": plan.version})
    assert response.status_code == 302
    plan.refresh_from_db()
    assert plan.status == PlanStatus.AWAITING_SIGNATURES

    page = _client(school_mentor_user).get(reverse("plan_detail", args=[plan.pk]))
    assert 'id="sign-button"' in page.content.decode()
    assert (
        _client(school_mentor_user)
        .post(reverse("plan_sign", args=[plan.pk]), {"version": plan.version})
        .status_code
        == 302
    )
    plan.refresh_from_db()
    assert plan.status == PlanStatus.AWAITING_SIGNATURES

    stale = _client(personas["mentor"]).post(
        reverse("plan_sign", args=[plan.pk]), {"version": plan.version - 1}
    )
    assert stale.status_code == 409
    assert (
        _client(personas["mentor"])
        .post(reverse("plan_sign", args=[plan.pk]), {"version": plan.version})
        .status_code
        == 302
    )
    plan.refresh_from_db()
    assert plan.status == PlanStatus.ACTIVE


def test_trainee_cannot_sign_and_outsider_gets_404(plan: TrainingPlan, personas: Any) -> None:
    services.plan_submit(actor=personas["officer"], plan=plan, expected_version=plan.version)
    plan.refresh_from_db()
    assert (
        _client(personas["trainee"])
        .post(reverse("plan_sign", args=[plan.pk]), {"version": plan.version})
        .status_code
        == 403
    )
    assert _client(personas["outsider"]).get(reverse("plan_detail", args=[plan.pk])).status_code == 404
    assert _client(personas["teacher"]).get(reverse("plan_detail", args=[plan.pk])).status_code == 404


@pytest.mark.parametrize("persona", ["officer", "mentor", "trainee", "admin"])
def test_pages_render(
    plan: TrainingPlan, personas: Any, persona: str, django_assert_max_num_queries: Any
) -> None:
    client = _client(personas[persona])
    milestone = plan.milestones.first()
    assert milestone is not None
    with django_assert_max_num_queries(15):
        assert client.get(reverse("plan_detail", args=[plan.pk])).status_code == 200
    with django_assert_max_num_queries(14):
        assert client.get(reverse("plan_list")).status_code == 200
    with django_assert_max_num_queries(12):
        assert client.get(reverse("milestone_detail", args=[milestone.pk])).status_code == 200
    assert client.get(reverse("programme_list")).status_code == 200
    assert client.get(reverse("programme_detail", args=[plan.programme_id])).status_code == 200


def test_milestone_done_with_mentor_confirmation(
    plan: TrainingPlan, personas: Any, school_mentor_user: Any
) -> None:
    _sign_both(plan, personas, school_mentor_user)
    milestone = plan.milestones.filter(requires_evidence=False).first()
    assert milestone is not None
    url = reverse("milestone_done", args=[milestone.pk])
    refused = _client(personas["trainee"]).post(url, {"version": milestone.version, "note": ""})
    assert refused.status_code == 400
    assert "Attach evidence first" in refused.content.decode()
    done = _client(personas["mentor"]).post(
        url, {"version": milestone.version, "note": "Saw the review.", "as": "mentor"}
    )
    assert done.status_code == 302
    milestone.refresh_from_db()
    assert milestone.status == "done"


def test_programme_editor_names_the_bad_input(plan: TrainingPlan, personas: Any) -> None:
    client = _client(personas["officer"])
    url = reverse("programme_edit", args=[plan.programme_id])
    page = client.get(url)
    assert page.status_code == 200
    post = {
        "version": plan.programme.version,
        "system": "practice_research",
        "name_zh": "专硕",
        "name_en": "Professional master's",
        "stage-0-code": "gap",
        "stage-0-name_zh": "空档期",
        "stage-0-name_en": "Gap",
        "stage-0-start_month": "0",
        "stage-0-months": "3",
        "stage-0-milestone-0-code": "review",
        "stage-0-milestone-0-name_zh": "综述",
        "stage-0-milestone-0-name_en": "Review",
        "stage-0-milestone-0-due_month": "9",
    }
    response = client.post(url, post)
    assert response.status_code == 400
    assert 'data-error-for="stage-0-milestone-0-due_month"' in response.content.decode()
    post["stage-0-milestone-0-due_month"] = "2"
    assert client.post(url, post).status_code == 302
    assert plan.programme.stages.count() == 1
    assert PlanMilestone.objects.filter(plan=plan).count() == 12  # the plan keeps its copy
    assert _client(personas["mentor"]).get(url).status_code == 403


def test_the_menu_opens_a_trainees_own_plan_and_the_list_for_everybody_else(
    plan: TrainingPlan, personas: Any
) -> None:
    assert _client(personas["trainee"]).get(reverse("programs")).url == reverse("plan_detail", args=[plan.pk])
    assert _client(personas["officer"]).get(reverse("programs")).url == reverse("plan_list")
    assert _client(personas["mentor"]).get(reverse("programs")).url == reverse("plan_list")
