"""The dashboard pages and the sign-off page: who reaches which (404 outside, 403 without a part), what
they show, and their query counts: bounded, and the same with ten more trainees and their records."""

import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.db import connection
from django.http import HttpResponse
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from medtalent.assessments import views_dashboards
from medtalent.assessments.models import Assessment, AssessmentRequirement, RotationSignOff
from medtalent.assessments.tests.conftest import Bedside
from medtalent.assessments.tests.factories import shipped_version
from medtalent.assessments.tests.factories_requirements import (
    at,
    done_assessment,
    exit_exam,
    requested,
    rotation,
)
from medtalent.people.models import TraineeProfile, User
from medtalent.people.tests.factories import PersonFactory, TraineeProfileFactory
from medtalent.rotations.models import RotationBlock

TODAY = datetime.date(2026, 10, 12)
REASON = "Exam postponed by the department; skills assessed at the bedside."


class FixedClock:
    """What the pages take for today: inside the persona trainee's rotation in cardiology."""

    @staticmethod
    def localdate() -> datetime.date:
        return TODAY

    @staticmethod
    def now() -> datetime.datetime:
        return at(TODAY, 12)


@pytest.fixture(autouse=True)
def _fixed_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views_dashboards, "timezone", FixedClock)


def _client(user: User | None) -> Client:
    client = Client()
    client.cookies["django_language"] = "en"
    if user is not None:
        client.force_login(user)
    return client


def _rotating(bedside: Bedside, indices: range) -> None:
    """More trainees rotating in cardiology, each with two assessments, an exit exam and an open request."""
    world, teacher = bedside.world, bedside.world.teacher_person
    for index in indices:
        trainee = TraineeProfileFactory(
            person=PersonFactory(name_latin=f"Rotating {index:02d}"), institution=world.hospital
        )
        rotation(
            bedside.schedule,
            trainee,
            world.cardiology,
            datetime.date(2026, 9, 1),
            3,
            status=RotationBlock.Status.IN_PROGRESS,
        )
        theirs = {"trainee": trainee, "department": world.cardiology, "assessor": teacher}
        done_assessment(
            day=datetime.date(2026, 9, 1 + index),
            origin=Assessment.Origin.TRAINEE_REQUEST,
            wait_minutes=10 * index,
            **theirs,
        )
        done_assessment(day=datetime.date(2026, 10, 1 + index % 10), flagged_low=index % 4 == 0, **theirs)
        exit_exam(day=datetime.date(2026, 10, 1 + index % 10), passed=index % 3 != 0, **theirs)
        requested(day=datetime.date(2026, 10, 1 + index % 10), **theirs)


def _same_count_with_more_records(
    client: Client, url: str, bedside: Bedside, assert_max_queries: Any, limit: int
) -> HttpResponse:
    """The page's queries: at most ``limit`` (the page shell, menu and tabs take about ten of them), and
    not one more after ten more trainees with their records arrive."""
    with assert_max_queries(limit) as first:
        response = client.get(url)
    _rotating(bedside, range(20, 30))
    with CaptureQueriesContext(connection) as second:
        client.get(url)
    assert len(second.captured_queries) == len(first.captured_queries)
    assert len(first.captured_queries) <= limit
    return response


@pytest.fixture
def busy(bedside: Bedside) -> Bedside:
    """Requirements, the persona trainee's assessments, and twenty more trainees rotating in cardiology
    with assessments, exit exams, low scores and open requests."""
    world = bedside.world
    for code, minimum in (("mini_cex", 2), ("dops", 1)):
        AssessmentRequirement.objects.create(
            institution=world.hospital, instrument=shipped_version(code).instrument, minimum=minimum
        )
    teacher = world.teacher_person
    mine = {"trainee": bedside.trainee, "department": world.cardiology, "assessor": teacher}
    done_assessment(day=datetime.date(2026, 9, 20), origin=Assessment.Origin.TRAINEE_REQUEST, **mine)
    done_assessment(
        code="dops",
        day=datetime.date(2026, 10, 2),
        scores={"overall": 3},
        flagged_low=True,
        total=Decimal("3.00"),
        **mine,
    )
    requested(day=datetime.date(2026, 10, 1), **mine)
    _rotating(bedside, range(20))
    return bedside


# --- trainee ----------------------------------------------------------------------------------------


def test_a_trainee_sees_their_own_dashboard(busy: Bedside, django_assert_max_num_queries: Any) -> None:
    client = _client(busy.users["trainee"])
    response = _same_count_with_more_records(
        client, reverse("dashboard_trainee"), busy, django_assert_max_num_queries, 20
    )
    assert response.status_code == 200
    page = response.content.decode()
    assert 'id="radar-mini_cex-data"' in page
    assert 'id="radar-dops-data"' in page
    assert 'id="trend-chart-data"' in page
    assert "2 assessments still missing" in page
    assert response.context["dashboard"].missing == 2
    assert [line.missing for line in response.context["dashboard"].current_requirements] == [0, 1, 1]
    assert len(response.context["dashboard"].open_requests) == 1


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("mentor", 200),
        ("teacher", 200),
        ("head", 200),
        ("officer", 200),
        ("admin", 200),
        ("outsider", 404),
        ("leader", 404),
    ],
)
def test_another_trainee_s_dashboard_follows_their_private_record(
    bedside: Bedside, persona: str, status: int
) -> None:
    response = _client(bedside.users[persona]).get(reverse("dashboard_trainee", args=[bedside.trainee.pk]))
    assert response.status_code == status


def test_a_trainee_does_not_reach_another_trainee_s_dashboard(bedside: Bedside) -> None:
    other = TraineeProfile.objects.get(person=bedside.world.other_trainee)
    response = _client(bedside.users["trainee"]).get(reverse("dashboard_trainee", args=[other.pk]))
    assert response.status_code == 404


def test_an_account_without_a_trainee_record(bedside: Bedside) -> None:
    response = _client(bedside.users["officer"]).get(reverse("dashboard_trainee"))
    assert response.status_code == 200
    assert "Your account has no trainee record" in response.content.decode()


def test_anonymous_users_sign_in_first(bedside: Bedside) -> None:
    response = _client(None).get(reverse("dashboard_programme"))
    assert response.status_code == 302
    assert "/login" in response["Location"] or "login" in response["Location"]


# --- department -------------------------------------------------------------------------------------


def test_the_head_sees_their_department(busy: Bedside, django_assert_max_num_queries: Any) -> None:
    client = _client(busy.users["head"])
    response = _same_count_with_more_records(
        client, reverse("dashboard_department"), busy, django_assert_max_num_queries, 20
    )
    assert response.status_code == 200
    dashboard = response.context["dashboard"]
    assert dashboard.department == busy.world.cardiology
    assert len(dashboard.completions) == 21
    assert dashboard.monthly.totals[-2:] == [21, 41]
    # Seven failed exit exams, five low Mini-CEX, the persona trainee's low DOPS.
    assert len(dashboard.flags) == 13
    page = response.content.decode()
    assert reverse("rotation_sign_off", args=[busy.block.pk]) in page
    assert 'id="monthly-chart-data"' in page


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("head", 404),
        ("officer", 200),
        ("admin", 200),
        ("teacher", 403),
        ("trainee", 403),
        ("leader", 403),
        ("outsider", 403),
    ],
)
def test_who_reads_the_surgery_dashboard(bedside: Bedside, persona: str, status: int) -> None:
    response = _client(bedside.users[persona]).get(
        reverse("dashboard_department", args=[bedside.world.surgery.pk])
    )
    assert response.status_code == status


def test_the_department_picker_by_query(bedside: Bedside) -> None:
    response = _client(bedside.users["officer"]).get(
        reverse("dashboard_department"), {"department": bedside.world.surgery.pk}
    )
    assert response.context["department"] == bedside.world.surgery


# --- assessor ---------------------------------------------------------------------------------------


def test_an_assessor_sees_their_burden(busy: Bedside, django_assert_max_num_queries: Any) -> None:
    client = _client(busy.users["teacher"])
    response = _same_count_with_more_records(
        client, reverse("dashboard_assessor"), busy, django_assert_max_num_queries, 18
    )
    assert response.status_code == 200
    dashboard = response.context["dashboard"]
    assert (dashboard.done, dashboard.timed_requests, dashboard.median_minutes) == (62, 21, Decimal("100.00"))
    assert len(dashboard.pending) == 21
    assert dashboard.pending[0].age_days == 11


@pytest.mark.parametrize(
    ("persona", "status"),
    [("teacher", 200), ("officer", 200), ("admin", 200), ("head", 404), ("trainee", 404), ("outsider", 404)],
)
def test_who_reads_an_assessor_s_dashboard(bedside: Bedside, persona: str, status: int) -> None:
    url = reverse("dashboard_assessor", args=[bedside.world.teacher_person.pk])
    assert _client(bedside.users[persona]).get(url).status_code == status


def test_an_account_without_a_person_has_no_own_assessor_dashboard(bedside: Bedside) -> None:
    assert _client(bedside.users["admin"]).get(reverse("dashboard_assessor")).status_code == 404


# --- programme --------------------------------------------------------------------------------------


def test_the_programme_dashboard(busy: Bedside, django_assert_max_num_queries: Any) -> None:
    client = _client(busy.users["officer"])
    response = _same_count_with_more_records(
        client, reverse("dashboard_programme"), busy, django_assert_max_num_queries, 16
    )
    assert response.status_code == 200
    dashboard = response.context["dashboard"]
    assert dashboard.years == [2026]
    assert [(rate.sat, rate.passed) for rate in dashboard.departments[0].rates if rate] == [(20, 13)]
    assert 'id="pass-chart-data"' in response.content.decode()


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("officer", 200),
        ("leader", 200),
        ("admin", 200),
        ("outsider", 200),
        ("head", 403),
        ("teacher", 403),
        ("trainee", 403),
    ],
)
def test_who_reads_the_programme_dashboard(bedside: Bedside, persona: str, status: int) -> None:
    assert _client(bedside.users[persona]).get(reverse("dashboard_programme")).status_code == status


def test_the_outsider_sees_no_exams_of_this_family(busy: Bedside) -> None:
    response = _client(busy.users["outsider"]).get(reverse("dashboard_programme"))
    assert response.context["dashboard"].departments == []


@pytest.mark.parametrize(
    ("persona", "landing"),
    [
        ("head", "dashboard_department"),
        ("officer", "dashboard_programme"),
        ("trainee", "dashboard_trainee"),
        ("teacher", "dashboard_assessor"),
    ],
)
def test_the_dashboards_entry_sends_each_user_to_theirs(bedside: Bedside, persona: str, landing: str) -> None:
    response = _client(bedside.users[persona]).get(reverse("assessment_dashboards"))
    assert response["Location"] == reverse(landing)


# --- sign-off ---------------------------------------------------------------------------------------


def _sign_off_url(bedside: Bedside) -> str:
    return reverse("rotation_sign_off", args=[bedside.block.pk])


def test_the_head_signs_off_with_a_passed_exam(bedside: Bedside, django_assert_max_num_queries: Any) -> None:
    exit_exam(day=TODAY, passed=True, trainee=bedside.trainee, department=bedside.world.cardiology)
    client = _client(bedside.users["head"])
    with django_assert_max_num_queries(15):
        page = client.get(_sign_off_url(bedside))
    assert page.status_code == 200
    assert 'id="sign-off-button"' in page.content.decode()
    assert "override_reason" not in page.content.decode()

    response = client.post(_sign_off_url(bedside), {})

    assert response.status_code == 302
    assert RotationBlock.objects.get(pk=bedside.block.pk).status == RotationBlock.Status.COMPLETED
    after = client.get(_sign_off_url(bedside)).content.decode()
    assert 'id="signed"' in after
    assert 'id="sign-off-button"' not in after


def test_the_head_is_told_an_exam_is_needed(bedside: Bedside) -> None:
    page = _client(bedside.users["head"]).get(_sign_off_url(bedside)).content.decode()
    assert 'id="needs-exam"' in page
    assert 'id="sign-off-button"' not in page

    response = _client(bedside.users["head"]).post(_sign_off_url(bedside), {"override_reason": REASON})

    assert response.status_code == 422
    assert (
        "Only a programme officer of the training base can complete it without one."
        in response.content.decode()
    )
    assert not RotationSignOff.objects.exists()


def test_the_officer_overrides_with_a_reason(bedside: Bedside) -> None:
    client = _client(bedside.users["officer"])
    page = client.get(_sign_off_url(bedside)).content.decode()
    assert 'name="override_reason"' in page

    refused = client.post(_sign_off_url(bedside), {"override_reason": "short"})
    assert refused.status_code == 422
    assert 'data-error-for="override_reason"' in refused.content.decode()
    assert RotationBlock.objects.get(pk=bedside.block.pk).status == RotationBlock.Status.IN_PROGRESS

    response = client.post(_sign_off_url(bedside), {"override_reason": REASON})

    assert response.status_code == 302
    assert RotationSignOff.objects.get().override_reason == REASON
    assert REASON in client.get(_sign_off_url(bedside)).content.decode()


@pytest.mark.parametrize(
    ("persona", "status"), [("teacher", 403), ("mentor", 403), ("trainee", 403), ("outsider", 404)]
)
def test_others_may_not_sign_off(bedside: Bedside, persona: str, status: int) -> None:
    exit_exam(day=TODAY, passed=True, trainee=bedside.trainee, department=bedside.world.cardiology)
    response = _client(bedside.users[persona]).post(_sign_off_url(bedside), {})
    assert response.status_code == status
    assert not RotationSignOff.objects.exists()
