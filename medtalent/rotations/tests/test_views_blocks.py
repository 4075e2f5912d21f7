"""The page that edits one trainee's blocks in a draft."""

import pytest
from django.test import Client
from django.urls import reverse

from medtalent.rotations.models import RotationBlock, Schedule
from medtalent.rotations.tests.test_services_blocks import block, draft, layout, month  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def client() -> Client:
    browser = Client()
    browser.cookies["django_language"] = "en"
    return browser


def url(schedule, trainee):
    return reverse("rotation_schedule_trainee_edit", args=[schedule.pk, trainee.pk])


def test_the_officer_moves_a_block_and_sees_the_result(client, draft, personas):  # noqa: F811
    schedule, trainee, _d = draft
    client.force_login(personas["officer"])
    page = client.get(url(schedule, trainee))
    assert page.status_code == 200
    assert "Gastroenterology" in page.content.decode()
    answer = client.post(
        url(schedule, trainee),
        {
            "action": "move",
            "block": block(schedule, "GI").pk,
            "version": schedule.version,
            "month": "2025-09",
        },
        follow=True,
    )
    assert answer.status_code == 200
    assert "keep every rule" in answer.content.decode()
    assert layout(schedule, trainee)[0] == ("GI", 9, 2)


def test_a_change_that_breaks_the_standard_is_shown_and_nothing_changes(client, draft, personas):  # noqa: F811
    schedule, trainee, d = draft
    before = layout(schedule, trainee)
    client.force_login(personas["officer"])
    answer = client.post(
        url(schedule, trainee),
        {
            "action": "split",
            "block": block(schedule, "CARD").pk,
            "version": schedule.version,
            "month": "2025-11",
            "department": d["RESP"].pk,
        },
    )
    assert answer.status_code == 400
    assert "the months per department" in answer.content.decode()
    assert layout(schedule, trainee) == before


def test_a_stale_version_answers_409(client, draft, personas):  # noqa: F811
    schedule, trainee, _d = draft
    client.force_login(personas["officer"])
    answer = client.post(
        url(schedule, trainee),
        {
            "action": "move",
            "block": block(schedule, "GI").pk,
            "version": schedule.version - 1,
            "month": "2025-09",
        },
    )
    assert answer.status_code == 409
    assert Schedule.objects.get(pk=schedule.pk).version == schedule.version


@pytest.mark.parametrize(("persona", "status"), [("trainee", 403), ("head", 403), ("outsider", 404)])
def test_only_those_who_run_rotations_edit(client, draft, personas, persona, status):  # noqa: F811
    schedule, trainee, _d = draft
    client.force_login(personas[persona])
    assert client.get(url(schedule, trainee)).status_code == status
    assert RotationBlock.objects.filter(schedule=schedule).count() == 5


def test_a_malformed_version_or_month_gets_a_clear_answer_and_changes_nothing(client, draft, personas):  # noqa: F811
    schedule, trainee, _d = draft
    before = layout(schedule, trainee)
    client.force_login(personas["officer"])
    gi = block(schedule, "GI").pk
    stale = client.post(
        url(schedule, trainee), {"action": "move", "block": gi, "version": "x1", "month": "2025-09"}
    )
    assert stale.status_code == 409
    wrong = client.post(
        url(schedule, trainee), {"action": "move", "block": gi, "version": schedule.version, "month": "Sept"}
    )
    assert wrong.status_code == 400
    assert "Choose a month." in wrong.content.decode()
    assert layout(schedule, trainee) == before
