"""Schedule pages: the list and planning, the cohort grid with its diff, publish and discard, the .xlsx,
the load against places, a department's roster and a trainee's timeline; who reaches each."""

import datetime
import io
import re
import uuid
from dataclasses import dataclass
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from openpyxl import load_workbook

from medtalent.core.models import AuditEvent, Job
from medtalent.people.models import Person, TraineeProfile, User
from medtalent.people.tests.factories import PersonFactory, TraineeProfileFactory
from medtalent.rotations.models import RotationBlock, Schedule
from medtalent.rotations.months import add_months
from medtalent.rotations.selectors_schedules import department_colour
from medtalent.rotations.tests.conftest import RotationWorld
from medtalent.rotations.tests.factories import (
    DepartmentCapacityFactory,
    LeaveFactory,
    RotationBlockFactory,
    RotationEnrolmentFactory,
    ScheduleFactory,
)

pytestmark = pytest.mark.django_db

FIRST = datetime.date(2025, 9, 1)


@pytest.fixture
def client() -> Client:
    """A browser that reads English, so the tests can assert the exact texts."""
    browser = Client()
    browser.cookies["django_language"] = "en"
    return browser


def _as(client: Client, user: User) -> Client:
    client.force_login(user)
    return client


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def _month(offset: int) -> datetime.date:
    return add_months(FIRST, offset)


def _trainee(world: Any, name: str, *, person: Person | None = None, cohort: int = 2025) -> TraineeProfile:
    if person is not None:
        profile = TraineeProfile.objects.get(person=person)
        profile.cohort = cohort
        profile.student_number = f"S{name[:3].upper()}"
        profile.save()
        return profile
    return TraineeProfileFactory(
        person=PersonFactory(name_latin=name, name_zh=name, institution=world.hospital),
        institution=world.hospital,
        cohort=cohort,
        student_number=f"S{name[:3].upper()}",
    )


@dataclass
class Plans:
    """A published schedule and a draft that re-plans it.

    Published: Trainee (the trainee persona) CARD 4 then RESP 3; Bai RESP 3 then CARD 4.
    Draft: Trainee the same; Bai RESP 2, CARD 4, then a research month; Chen (new) LAB 2.
    So 4 trainee-months change (Bai 2025-11 and 2026-03, Chen 2025-09 and 2025-10), for 2 trainees.
    """

    published: Schedule
    draft: Schedule
    trainee: TraineeProfile
    bai: TraineeProfile
    chen: TraineeProfile


def _blocks(schedule: Schedule, trainee: TraineeProfile, *rows: tuple[Any, int, int]) -> None:
    for department, start, months in rows:
        RotationBlockFactory(
            schedule=schedule,
            trainee=trainee,
            department=department,
            kind=RotationBlock.Kind.ROTATION if department else RotationBlock.Kind.RESEARCH,
            start_month=_month(start),
            months=months,
        )


@pytest.fixture
def plans(rotation_world: RotationWorld) -> Plans:
    world = rotation_world.world
    card, resp, lab = (rotation_world.departments[code] for code in ("CARD", "RESP", "LAB"))
    trainee = _trainee(world, "Trainee", person=world.trainee_person)
    bai = _trainee(world, "Bai Lin", cohort=2024)
    chen = _trainee(world, "Chen Mo")
    for profile in (trainee, bai, chen):
        RotationEnrolmentFactory(
            trainee=profile, edition=rotation_world.edition, institution=world.hospital, start_month=FIRST
        )
    published = ScheduleFactory(
        institution=world.hospital,
        title="Autumn plan",
        status=Schedule.Status.PUBLISHED,
        published_at=timezone.now(),
        first_month=FIRST,
        horizon_months=12,
    )
    _blocks(published, trainee, (card, 0, 4), (resp, 4, 3))
    _blocks(published, bai, (resp, 0, 3), (card, 3, 4))
    draft = ScheduleFactory(
        institution=world.hospital,
        title="Re-plan",
        based_on=published,
        first_month=FIRST,
        horizon_months=12,
        figures={
            "status": "feasible",
            "overload": 1,
            "overload_lower_bound": 1,
            "objective": 120,
            "objective_lower_bound": 100,
            "changed_trainee_months": 4,
        },
    )
    _blocks(draft, trainee, (card, 0, 4), (resp, 4, 3))
    _blocks(draft, bai, (resp, 0, 2), (card, 2, 4), (None, 6, 1))
    _blocks(draft, chen, (lab, 0, 2))
    return Plans(published, draft, trainee, bai, chen)


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr data-trainee-id="(\d+)"', html)


def _row(html: str, trainee: TraineeProfile) -> str:
    start = html.index(f'<tr data-trainee-id="{trainee.pk}"')
    return html[start : html.index("</tr>", start)]


def _cells(row: str) -> list[tuple[str, str, str]]:
    """``(colspan, class, text)`` of each month cell of a grid row."""
    return [
        (span or "1", css, text)
        for span, css, text in re.findall(
            r'<td(?: colspan="(\d+)")? class="([^"]+)"(?: title="[^"]*")?>([^<]*)</td>', row
        )
        if css != "meta"
    ]


# --- who reaches which page ---------------------------------------------------------------------

EVERYONE = (
    "admin",
    "officer",
    "talent_officer",
    "head",
    "mentor",
    "teacher",
    "trainee",
    "leader",
    "outsider",
)


def _statuses(client: Client, personas: dict[str, User], url: str) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    for name in EVERYONE:
        response = _as(client, personas[name]).get(url)
        seen[name] = (302, response["Location"]) if response.status_code == 302 else response.status_code
    return seen


def test_schedules_list_is_the_planners(client: Client, personas: dict[str, User], plans: Plans) -> None:
    assert _statuses(client, personas, "/rotations/schedules/") == {
        "admin": 200,
        "officer": 200,
        "talent_officer": 403,
        "head": 403,
        "mentor": 403,
        "teacher": 403,
        "trainee": 403,
        "leader": 403,
        "outsider": 404,  # a planner elsewhere, with no training base of their own
    }
    hospital = plans.draft.institution_id
    assert (
        _as(client, personas["outsider"]).get(f"/rotations/schedules/?institution={hospital}").status_code
        == 404
    )


def test_a_schedule_sends_readers_to_their_own_part_of_it(
    client: Client, personas: dict[str, User], plans: Plans
) -> None:
    """Publishing notifies trainees and heads with the schedule's address: they land on their page."""
    url = f"/rotations/schedules/{plans.draft.pk}/"
    assert _statuses(client, personas, url) == {
        "admin": 200,
        "officer": 200,
        "talent_officer": 403,
        "head": (302, "/rotations/roster/"),
        "mentor": 403,
        "teacher": (302, "/rotations/roster/"),
        "trainee": (302, "/rotations/me/"),
        "leader": 403,
        "outsider": 404,
    }
    assert _as(client, personas["officer"]).get("/rotations/schedules/999999/").status_code == 404


@pytest.mark.parametrize("page", ["load/", "export.xlsx"])
def test_load_and_download_are_the_planners(
    client: Client, personas: dict[str, User], plans: Plans, page: str
) -> None:
    url = f"/rotations/schedules/{plans.draft.pk}/{page}"
    expected = {name: 403 for name in EVERYONE} | {"admin": 200, "officer": 200, "outsider": 404}
    assert _statuses(client, personas, url) == expected


def test_only_planners_publish_or_discard(client: Client, personas: dict[str, User], plans: Plans) -> None:
    draft = plans.draft
    for name in ("head", "trainee", "talent_officer", "leader"):
        for action in ("publish", "discard"):
            response = _as(client, personas[name]).post(
                f"/rotations/schedules/{draft.pk}/{action}/", {"version": draft.version}
            )
            assert response.status_code == 403, (name, action)
    response = _as(client, personas["outsider"]).post(
        f"/rotations/schedules/{draft.pk}/publish/", {"version": draft.version}
    )
    assert response.status_code == 404
    assert Schedule.objects.get(pk=draft.pk).status == Schedule.Status.DRAFT


def test_roster_is_for_heads_teachers_and_planners(
    client: Client, personas: dict[str, User], plans: Plans, rotation_world: RotationWorld
) -> None:
    assert _statuses(client, personas, "/rotations/roster/") == {
        "admin": 200,
        "officer": 200,
        "talent_officer": 403,
        "head": 200,
        "mentor": 403,
        "teacher": 200,
        "trainee": 403,
        "leader": 403,
        "outsider": 200,  # their own institution's departments
    }
    card = rotation_world.departments["CARD"].pk
    for name, status in (("head", 404), ("outsider", 404), ("officer", 200)):
        response = _as(client, personas[name]).get(f"/rotations/roster/?department={card}")
        assert response.status_code == status, name
    head_page = _as(client, personas["head"]).get("/rotations/roster/").content.decode()
    assert '<h1 class="h3 mb-1">Cardiology</h1>' in head_page


def test_timeline_follows_the_persons_private_records(
    client: Client, personas: dict[str, User], plans: Plans
) -> None:
    """The trainee persona's stage: themselves, their mentor, their home department's head and teacher,
    and the officers who manage them."""
    assert _statuses(client, personas, f"/rotations/trainees/{plans.trainee.pk}/timeline/") == {
        "admin": 200,
        "officer": 200,
        "talent_officer": 200,
        "head": 200,
        "mentor": 200,
        "teacher": 200,
        "trainee": 200,
        "leader": 404,
        "outsider": 404,
    }
    assert _statuses(client, personas, f"/rotations/trainees/{plans.bai.pk}/timeline/") == {
        "admin": 200,
        "officer": 200,
        "talent_officer": 200,
        "head": 404,
        "mentor": 404,
        "teacher": 404,
        "trainee": 404,
        "leader": 404,
        "outsider": 404,
    }


def test_a_head_reads_the_record_of_a_trainee_rotating_in_their_department(
    client: Client, personas: dict[str, User], plans: Plans, world: Any
) -> None:
    """Rotations widen the head's private tier: trainees the published schedule places in their
    department this month or next, and nobody else."""
    this_month = timezone.localdate().replace(day=1)
    _blocks(plans.published, plans.bai, (world.cardiology, 0, 1))
    RotationBlock.objects.filter(schedule=plans.published, department=world.cardiology).update(
        start_month=this_month
    )
    head = _as(client, personas["head"])
    assert head.get(f"/rotations/trainees/{plans.bai.pk}/timeline/").status_code == 200
    assert head.get(f"/people/{plans.bai.person_id}/").status_code == 200
    assert head.get(f"/rotations/trainees/{plans.chen.pk}/timeline/").status_code == 404
    RotationBlock.objects.filter(schedule=plans.published, department=world.cardiology).update(
        start_month=add_months(this_month, -2)
    )
    assert head.get(f"/rotations/trainees/{plans.bai.pk}/timeline/").status_code == 404


# --- the list and planning ----------------------------------------------------------------------


def test_list_shows_published_first_then_drafts_with_figures(
    client: Client, personas: dict[str, User], plans: Plans, django_assert_max_num_queries: Any
) -> None:
    ScheduleFactory(institution=plans.draft.institution, status=Schedule.Status.DISCARDED, title="Old try")
    officer = _as(client, personas["officer"])
    with django_assert_max_num_queries(14):
        html = officer.get("/rotations/schedules/").content.decode()
    ids = re.findall(r'<tr data-schedule-id="(\d+)" data-status="(\w+)"', html)
    assert [status for _pk, status in ids] == ["published", "draft", "discarded"]
    assert int(ids[0][0]) == plans.published.pk
    row = html[html.index(f'data-schedule-id="{plans.draft.pk}"') :]
    cells = [_text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row[: row.index("</tr>")], re.S)]
    assert cells[1:5] == ["Draft", "3", "1 bound 1", "120 bound 100"]
    assert "3 trainees enrolled in a rotation standard" in html
    assert '<button type="submit" name="replan" value="1" class="btn btn-primary" id="plan-replan">' in html


def test_planning_starts_the_solver_job_and_shows_its_progress(
    client: Client, personas: dict[str, User], plans: Plans
) -> None:
    officer = _as(client, personas["officer"])
    hospital = plans.draft.institution_id
    response = officer.post(
        "/rotations/schedules/plan/", {"institution": hospital, "time_limit": 10, "replan": "1"}
    )
    job = Job.objects.get(kind="rotations.schedule_solve")
    assert (job.owner, job.status, job.label) == (
        personas["officer"],
        Job.Status.QUEUED,
        "Re-plan the rotation schedule",
    )
    assert response["Location"] == f"/rotations/schedules/?institution={hospital}&job={job.pk}"
    html = officer.get(response["Location"]).content.decode()
    box = html[html.index('id="solver-jobs"') :]
    assert f'id="job-{job.pk}"' in box
    assert f'hx-get="/jobs/{job.pk}/progress/"' in box
    assert f'hx-post="/jobs/{job.pk}/cancel/"' in box
    # The job stays on the page, while it runs, without the ?job= of the redirect.
    assert (
        f'id="job-{job.pk}"' in officer.get(f"/rotations/schedules/?institution={hospital}").content.decode()
    )
    # Another user's job, or no job at all, is not shown.
    other = uuid.uuid4()
    assert f"job-{other}" not in officer.get(f"/rotations/schedules/?job={other}").content.decode()


def test_planning_runs_the_solver_to_a_draft_the_job_links_to(
    client: Client,
    personas: dict[str, User],
    rotation_world: RotationWorld,
    monkeypatch: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    monkeypatch.setattr("medtalent.rotations.forms.SOLVER_TIME_LIMITS", (2, 10))
    hospital = rotation_world.world.hospital
    for _ in range(4):
        RotationEnrolmentFactory(
            edition=rotation_world.edition,
            institution=hospital,
            start_month=FIRST,
            trainee=TraineeProfileFactory(institution=hospital),
        )
    officer = _as(client, personas["officer"])
    with django_capture_on_commit_callbacks(execute=True):
        officer.post("/rotations/schedules/plan/", {"institution": hospital.pk, "time_limit": 2})
    job = Job.objects.get(kind="rotations.schedule_solve")
    draft = Schedule.objects.get(institution=hospital)
    assert (job.status, job.result_url, draft.status, draft.job_id) == (
        Job.Status.SUCCEEDED,
        f"/rotations/schedules/{draft.pk}/",
        Schedule.Status.DRAFT,
        job.pk,
    )
    assert job.message.startswith("Overload 0 (cannot go below 0) · objective ")
    progress = officer.get(f"/jobs/{job.pk}/progress/").content.decode()
    assert f'href="/rotations/schedules/{draft.pk}/"' in progress


def test_replanning_needs_a_published_schedule(
    client: Client, personas: dict[str, User], rotation_world: RotationWorld
) -> None:
    RotationEnrolmentFactory(edition=rotation_world.edition, institution=rotation_world.world.hospital)
    officer = _as(client, personas["officer"])
    response = officer.post(
        "/rotations/schedules/plan/",
        {"institution": rotation_world.world.hospital.pk, "time_limit": 10, "replan": "1"},
        follow=True,
    )
    assert "There is no published schedule to re-plan yet." in response.content.decode()
    assert not Job.objects.exists()


# --- the grid -----------------------------------------------------------------------------------


def test_draft_grid_shows_figures_diff_and_changed_cells(
    client: Client, personas: dict[str, User], plans: Plans, rotation_world: RotationWorld
) -> None:
    html = _as(client, personas["officer"]).get(f"/rotations/schedules/{plans.draft.pk}/").content.decode()
    figures = _text(html[html.index('id="solver-figures"') : html.index('id="schedule-diff"')])
    assert "1 overload · proven lower bound 1 No schedule can do better." in figures
    assert "120 objective · bound 100 gap 20 (16.7%)" in figures
    assert "4 trainee-months differ from the published schedule 2 trainees affected" in figures
    diff = html[html.index('id="schedule-diff"') : html.index('id="grid-filters"')]
    assert "4 trainee-months change for 2 trainees compared with “Autumn plan”." in _text(diff)
    assert re.findall(r'data-trainee-id="(\d+)">([^<]+)</a>', diff) == [
        (str(plans.bai.pk), "Bai Lin · 2"),
        (str(plans.chen.pk), "Chen Mo · 2"),
    ]
    assert f'name="version" value="{plans.draft.version}"' in diff
    # Rows in the order of start, standard, name; Bai's months as runs of cells, changes outlined.
    assert _rows(html) == [str(t.pk) for t in (plans.bai, plans.chen, plans.trainee)]
    card, resp, lab = (rotation_world.departments[code].pk for code in ("CARD", "RESP", "LAB"))
    assert _cells(_row(html, plans.bai)) == [
        ("2", f"dep-{resp}", "RESP"),
        ("1", f"dep-{card} chg", "CARD"),
        ("3", f"dep-{card}", "CARD"),
        ("1", "res chg", "Research"),
        ("5", "e", ""),
    ]
    assert 'title="Published: RESP"' in _row(html, plans.bai)
    assert _cells(_row(html, plans.chen)) == [("2", f"dep-{lab} chg", "LAB"), ("10", "e", "")]
    assert _cells(_row(html, plans.trainee)) == [
        ("4", f"dep-{card}", "CARD"),
        ("3", f"dep-{resp}", "RESP"),
        ("5", "e", ""),
    ]
    # Each department's colour is its code's, in the page's own style sheet, and in the legend.
    assert f".dep-{card}{{background:{department_colour('CARD')}}}" in html
    legend = _text(html[html.index('id="grid-legend"') : html.index("</ul>", html.index('id="grid-legend"'))])
    assert "LAB Laboratory medicine (Partner Hospital)" in legend
    assert re.findall(r'data-month="([\d-]+)"', html)[:2] == ["2025-09", "2025-10"]


def test_grid_filters(
    client: Client, personas: dict[str, User], plans: Plans, rotation_world: RotationWorld
) -> None:
    officer = _as(client, personas["officer"])
    url = f"/rotations/schedules/{plans.draft.pk}/"
    lab = rotation_world.departments["LAB"].pk

    def rows(query: str) -> list[str]:
        return _rows(officer.get(f"{url}?{query}").content.decode())

    assert rows("q=bai") == [str(plans.bai.pk)]
    assert rows("q=SCHE") == [str(plans.chen.pk)]  # student number
    assert rows(f"department={lab}") == [str(plans.chen.pk)]
    assert rows("cohort=2024") == [str(plans.bai.pk)]
    assert rows("changed=1") == [str(plans.bai.pk), str(plans.chen.pk)]
    assert rows("cohort=abc&department=&standard=99999999999999") == [
        str(t.pk) for t in (plans.bai, plans.chen, plans.trainee)
    ]
    partial = officer.get(f"{url}?q=bai", HTTP_HX_REQUEST="true").content.decode()
    assert "<html" not in partial
    assert _rows(partial) == [str(plans.bai.pk)]
    assert f'href="/rotations/schedules/{plans.draft.pk}/export.xlsx?q=bai"' in partial


def test_a_published_schedule_has_no_diff_or_buttons(
    client: Client, personas: dict[str, User], plans: Plans
) -> None:
    html = (
        _as(client, personas["officer"]).get(f"/rotations/schedules/{plans.published.pk}/").content.decode()
    )
    assert 'id="schedule-diff"' not in html
    assert 'id="publish"' not in html
    assert " chg" not in html
    assert _rows(html) == [str(plans.bai.pk), str(plans.trainee.pk)]


def _many_trainees(rotation_world: RotationWorld, schedule: Schedule, count: int) -> None:
    departments = [rotation_world.departments[code] for code in ("CARD", "RESP", "GI", "LAB")]
    for index in range(count):
        trainee = TraineeProfileFactory(institution=schedule.institution)
        RotationEnrolmentFactory(
            trainee=trainee,
            edition=rotation_world.edition,
            institution=schedule.institution,
            start_month=FIRST,
        )
        for part, department in enumerate(departments):
            RotationBlockFactory(
                schedule=schedule,
                trainee=trainee,
                department=department,
                start_month=_month((3 * part + index) % 12),
                months=3 if part < 3 else 1,
            )
        if index % 5 == 0:
            LeaveFactory(trainee=trainee, start_month=_month(11), months=1)


@pytest.mark.parametrize("extra", [0, 40])
def test_grid_queries_do_not_grow_with_trainees(
    client: Client,
    personas: dict[str, User],
    plans: Plans,
    rotation_world: RotationWorld,
    extra: int,
    django_assert_max_num_queries: Any,
) -> None:
    _many_trainees(rotation_world, plans.draft, extra)
    officer = _as(client, personas["officer"])
    # Six to sign in and find the user's scope, two for the menu, twelve for the page: the same for 3 or 43.
    with django_assert_max_num_queries(20):
        html = officer.get(f"/rotations/schedules/{plans.draft.pk}/").content.decode()
    assert len(_rows(html)) == 3 + extra
    with django_assert_max_num_queries(15):
        officer.get(f"/rotations/schedules/{plans.draft.pk}/export.xlsx")


def test_grid_pages_two_hundred_trainees_at_a_time(
    client: Client, personas: dict[str, User], plans: Plans, rotation_world: RotationWorld
) -> None:
    _many_trainees(rotation_world, plans.published, 205)
    officer = _as(client, personas["officer"])
    first = officer.get(f"/rotations/schedules/{plans.published.pk}/").content.decode()
    assert len(_rows(first)) == 200
    assert "207 trainees · showing 1–200" in _text(first)
    second = officer.get(f"/rotations/schedules/{plans.published.pk}/?page=2").content.decode()
    assert len(_rows(second)) == 7
    assert set(_rows(first)).isdisjoint(_rows(second))


# --- publish and discard ------------------------------------------------------------------------


def test_publishing_a_draft_supersedes_the_published_one(
    client: Client, personas: dict[str, User], plans: Plans
) -> None:
    officer = _as(client, personas["officer"])
    response = officer.post(
        f"/rotations/schedules/{plans.draft.pk}/publish/", {"version": plans.draft.version}, follow=True
    )
    assert response.redirect_chain == [(f"/rotations/schedules/{plans.draft.pk}/", 302)]
    assert "Published. The trainees whose months changed" in response.content.decode()
    assert Schedule.objects.get(pk=plans.draft.pk).status == Schedule.Status.PUBLISHED
    assert Schedule.objects.get(pk=plans.published.pk).status == Schedule.Status.SUPERSEDED
    event = AuditEvent.objects.get(action="rotations.schedule_publish")
    assert event.changes["changed_trainee_months"] == [None, 4]


def test_a_stale_version_shows_the_conflict_and_publishes_nothing(
    client: Client, personas: dict[str, User], plans: Plans
) -> None:
    officer = _as(client, personas["officer"])
    response = officer.post(
        f"/rotations/schedules/{plans.draft.pk}/publish/", {"version": plans.draft.version - 1}
    )
    assert response.status_code == 409
    html = response.content.decode()
    assert (
        '<div class="alert alert-danger" role="alert" id="conflict">Someone changed this schedule after you '
        "opened it. Reload it and look again.</div>"
    ) in html
    assert f'name="version" value="{plans.draft.version}"' in html  # the form now carries the current one
    assert Schedule.objects.get(pk=plans.draft.pk).status == Schedule.Status.DRAFT
    assert Schedule.objects.get(pk=plans.published.pk).status == Schedule.Status.PUBLISHED
    assert not AuditEvent.objects.filter(action="rotations.schedule_publish").exists()


def test_a_draft_of_a_schedule_no_longer_published_is_a_conflict(
    client: Client, personas: dict[str, User], plans: Plans
) -> None:
    """Someone published another re-plan meanwhile: this draft re-plans a superseded schedule."""
    rival = ScheduleFactory(
        institution=plans.draft.institution, based_on=plans.published, first_month=FIRST, horizon_months=12
    )
    officer = _as(client, personas["officer"])
    officer.post(f"/rotations/schedules/{rival.pk}/publish/", {"version": rival.version})
    response = officer.post(
        f"/rotations/schedules/{plans.draft.pk}/publish/", {"version": plans.draft.version}
    )
    assert response.status_code == 409
    assert (
        "Another schedule was published after this one was planned. Re-plan from the published one."
        in response.content.decode()
    )
    assert Schedule.objects.get(pk=plans.draft.pk).status == Schedule.Status.DRAFT
    assert Schedule.objects.get(pk=rival.pk).status == Schedule.Status.PUBLISHED


def test_publishing_twice_says_only_a_draft_can_be_published(
    client: Client, personas: dict[str, User], plans: Plans
) -> None:
    officer = _as(client, personas["officer"])
    url = f"/rotations/schedules/{plans.draft.pk}/publish/"
    officer.post(url, {"version": plans.draft.version})
    published = Schedule.objects.get(pk=plans.draft.pk)
    response = officer.post(url, {"version": published.version}, follow=True)
    assert "Only a draft can be published." in response.content.decode()


def test_discarding_a_draft(client: Client, personas: dict[str, User], plans: Plans) -> None:
    officer = _as(client, personas["officer"])
    response = officer.post(
        f"/rotations/schedules/{plans.draft.pk}/discard/", {"version": plans.draft.version}
    )
    assert response["Location"] == f"/rotations/schedules/?institution={plans.draft.institution_id}"
    assert Schedule.objects.get(pk=plans.draft.pk).status == Schedule.Status.DISCARDED
    stale = officer.post(f"/rotations/schedules/{plans.published.pk}/discard/", {"version": 1}, follow=True)
    assert "Only a draft can be discarded." in stale.content.decode()


# --- the download -------------------------------------------------------------------------------


def test_xlsx_has_the_secretaries_layout_with_colours_and_a_legend(
    client: Client, personas: dict[str, User], plans: Plans, rotation_world: RotationWorld
) -> None:
    plans.chen.person.name_latin = '=HYPERLINK("http://x","y")'
    plans.chen.person.save()
    response = _as(client, personas["officer"]).get(f"/rotations/schedules/{plans.draft.pk}/export.xlsx")
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert re.match(
        r'attachment; filename="rotation-schedule-\d+-\d{8}\.xlsx"', response["Content-Disposition"]
    )
    workbook = load_workbook(io.BytesIO(response.content))
    assert workbook.sheetnames == ["Schedule", "Legend"]
    sheet = workbook["Schedule"]
    rows = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert rows[0][:6] == ["Name", "Student number", "Standard", "Cohort", "2025-09", "2025-10"]
    assert (rows[0][-1], len(rows[0])) == ("2026-08", 4 + 12)
    assert (
        rows[1]
        == ["Bai Lin", "SBAI", "Internal medicine", 2024]
        + ["RESP"] * 2
        + ["CARD"] * 4
        + ["Research"]
        + [None] * 5
    )
    assert rows[2][:7] == [
        '=HYPERLINK("http://x","y")',
        "SCHE",
        "Internal medicine",
        2025,
        "LAB",
        "LAB",
        None,
    ]
    assert (sheet["A3"].data_type, sheet["A3"].quotePrefix) == ("s", True)
    assert [cell.coordinate for row in sheet.iter_rows() for cell in row if cell.data_type == "f"] == []
    assert rows[3][:8] == ["Trainee", "STRA", "Internal medicine", 2025, "CARD", "CARD", "CARD", "CARD"]
    assert sheet.freeze_panes == "E2"
    assert sheet["E2"].fill.fgColor.rgb == "00" + department_colour("RESP").lstrip("#").upper()
    assert (sheet["G2"].font.b, sheet["E2"].font.b) == (True, False)  # Bai's changed month, 2025-11
    legend = [[cell.value for cell in row] for row in workbook["Legend"].iter_rows()]
    assert legend[0] == ["In the grid", "Department", "Code", "Institution"]
    assert legend[1:4] == [
        ["CARD", "Cardiology rotation", "CARD", "Affiliated Hospital"],
        ["LAB", "Laboratory medicine", "LAB", "Partner Hospital"],
        ["RESP", "Respiratory medicine", "RESP", "Affiliated Hospital"],
    ]
    assert legend[4][:2] == ["Research", "Protected research months"]
    assert ["Schedule", "Re-plan"] in [row[:2] for row in legend]
    filtered = _as(client, personas["officer"]).get(
        f"/rotations/schedules/{plans.draft.pk}/export.xlsx?q=bai"
    )
    assert load_workbook(io.BytesIO(filtered.content))["Schedule"].max_row == 2


def test_in_chinese_the_grid_and_the_xlsx_name_departments_by_their_chinese_names(
    client: Client, personas: dict[str, User], plans: Plans, rotation_world: RotationWorld
) -> None:
    """Chinese department names are a few characters: secretaries read them at a glance, not codes."""
    client.cookies["django_language"] = "zh-hans"
    officer = _as(client, personas["officer"])
    html = officer.get(f"/rotations/schedules/{plans.draft.pk}/").content.decode()
    card, resp = (rotation_world.departments[code].pk for code in ("CARD", "RESP"))
    assert _cells(_row(html, plans.trainee)) == [
        ("4", f"dep-{card}", "心血管内科（轮转）"),
        ("3", f"dep-{resp}", "呼吸内科"),
        ("5", "e", ""),
    ]
    legend = _text(html[html.index('id="grid-legend"') : html.index("</ul>", html.index('id="grid-legend"'))])
    assert "呼吸内科 RESP" in legend  # the code beside the name that the cells show
    workbook = load_workbook(
        io.BytesIO(officer.get(f"/rotations/schedules/{plans.draft.pk}/export.xlsx").content)
    )
    rows = [[cell.value for cell in row] for row in workbook.worksheets[0].iter_rows()]
    assert rows[3][4:8] == ["心血管内科（轮转）"] * 4
    legend_rows = [[cell.value for cell in row] for row in workbook.worksheets[1].iter_rows()]
    assert ["呼吸内科", "呼吸内科", "RESP"] in [row[:3] for row in legend_rows]


# --- load against places ------------------------------------------------------------------------


def test_load_heatmap_counts_trainees_against_places(
    client: Client,
    personas: dict[str, User],
    plans: Plans,
    rotation_world: RotationWorld,
    django_assert_max_num_queries: Any,
) -> None:
    lab = rotation_world.departments["LAB"]
    DepartmentCapacityFactory(department=lab, month=FIRST, maximum=0, minimum=0)
    _many_trainees(rotation_world, plans.draft, 6)
    officer = _as(client, personas["officer"])
    with django_assert_max_num_queries(13):
        html = officer.get(f"/rotations/schedules/{plans.draft.pk}/load/").content.decode()
    row = html[html.index('<tr data-department="LAB"') :]
    cells = re.findall(r'<td class="([^"]+)">(\d+/\d+)</td>', row[: row.index("</tr>")])
    # Chen 2025-09..10; the six more trainees' one LAB month each at offsets 9, 10, 11, 0, 1, 2.
    assert cells[:4] == [("over", "2/0"), ("l3", "2/2"), ("l1", "1/2"), ("l0", "0/2")]
    assert cells[9:12] == [("l1", "1/2"), ("l1", "1/2"), ("l1", "1/2")]
    assert [department for department in re.findall(r'<tr data-department="(\w+)"', html)] == [
        "CARD",
        "GI",
        "RESP",
        "LAB",
    ]
    # LAB is 2 over in 2025-09; CARD has 5 of 4 places in 2025-11 and 2025-12 (Trainee, Bai and three
    # of the six more).
    card = html[html.index('<tr data-department="CARD"') :]
    card_cells = re.findall(r'<td class="([^"]+)">(\d+/\d+)</td>', card[: card.index("</tr>")])
    assert card_cells[:6] == [
        ("l1", "2/4"),
        ("l2", "3/4"),
        ("over", "5/4"),
        ("over", "5/4"),
        ("l3", "4/4"),
        ("l3", "4/4"),
    ]
    start = html.index(">", html.index('id="load-figures"')) + 1
    figures = _text(html[start : html.index('id="load-key"')].rsplit("<ul", 1)[0])
    assert figures == (
        "4 trainee-months over the places 3 department-months over the places "
        "0 trainee-months short of the minimum"
    )


# --- roster -------------------------------------------------------------------------------------


def test_roster_lists_this_month_and_the_next_from_the_published_schedule(
    client: Client,
    personas: dict[str, User],
    plans: Plans,
    world: Any,
    django_assert_max_num_queries: Any,
) -> None:
    this_month = timezone.localdate().replace(day=1)
    published = plans.published
    RotationBlockFactory(
        schedule=published,
        trainee=plans.trainee,
        department=world.cardiology,
        start_month=add_months(this_month, -2),
        months=3,
    )
    RotationBlockFactory(
        schedule=published,
        trainee=plans.bai,
        department=world.cardiology,
        start_month=add_months(this_month, 1),
        months=2,
    )
    RotationBlockFactory(  # drafts do not count
        schedule=plans.draft,
        trainee=plans.chen,
        department=world.cardiology,
        start_month=this_month,
        months=2,
    )
    RotationBlockFactory(  # ended last month
        schedule=published,
        trainee=plans.chen,
        department=world.cardiology,
        start_month=add_months(this_month, -3),
        months=2,
    )
    head = _as(client, personas["head"])
    with django_assert_max_num_queries(12):
        html = head.get("/rotations/roster/").content.decode()
    first = html[html.index('id="roster-1"') : html.index('id="roster-2"')]
    second = html[html.index('id="roster-2"') :]
    assert re.findall(r'<tr data-trainee-id="(\d+)"', first) == [str(plans.trainee.pk)]
    assert re.findall(r'<tr data-trainee-id="(\d+)"', second) == [str(plans.bai.pk)]
    trainee_row = _text(first[first.index("<tbody>") : first.index("</tbody>")])
    until = this_month.strftime("%Y-%m")
    assert trainee_row == (
        f"Trainee leaves after this month Internal medicine 2025 {add_months(this_month, -2):%Y-%m} – "
        f"{until} (3 months)"
    )
    assert "Bai Lin arrives" in _text(second)
    assert "1 trainee · 6 places" in _text(first)
    later = head.get(f"/rotations/roster/?month={add_months(this_month, 1):%Y-%m}").content.decode()
    assert re.findall(r'<tr data-trainee-id="(\d+)"', later) == [str(plans.bai.pk), str(plans.bai.pk)]


def test_roster_lets_officers_pick_a_department(
    client: Client, personas: dict[str, User], plans: Plans, rotation_world: RotationWorld
) -> None:
    html = _as(client, personas["officer"]).get("/rotations/roster/").content.decode()
    options = re.findall(r'<option value="(\d+)"', html[html.index('id="department-picker"') :])
    assert str(rotation_world.departments["CARD"].pk) in options
    assert str(rotation_world.departments["LAB"].pk) in options
    assert str(rotation_world.departments["FOREIGN"].pk) not in options


# --- timeline -----------------------------------------------------------------------------------


def test_timeline_shows_blocks_and_leave_in_order(
    client: Client, personas: dict[str, User], plans: Plans, django_assert_max_num_queries: Any
) -> None:
    LeaveFactory(trainee=plans.trainee, start_month=_month(7), months=2, reason="sick")
    trainee = _as(client, personas["trainee"])
    with django_assert_max_num_queries(12):
        html = trainee.get("/rotations/me/").content.decode()
    items = html[html.index('id="timeline"') :]
    item = r'<li class="[^"]*" data-kind="\w+"[^>]*>(.*?)</li>'
    rows = [_text(row) for row in re.findall(item, items, re.S)]
    assert rows == [
        "2025-09 – 2025-12 Cardiology rotation 4 months Planned",
        "2026-01 – 2026-03 Respiratory medicine 3 months Planned",
        "2026-04 – 2026-05 Sick leave 2 months Leave",
    ]
    assert "Internal medicine · edition 1 · from 2025-09 · cohort 2025" in _text(html)
    assert html.count('class="seg ') == 3
    # The officer reads the same page under the trainee's name; drafts never show on it.
    officer_html = _as(client, personas["officer"]).get(f"/rotations/trainees/{plans.bai.pk}/timeline/")
    assert "Rotations of Bai Lin" in officer_html.content.decode()
    assert "2025-09 – 2025-11 Respiratory medicine" in _text(officer_html.content.decode())


def test_my_rotations_without_a_trainee_record(client: Client, personas: dict[str, User]) -> None:
    html = _as(client, personas["officer"]).get("/rotations/me/").content.decode()
    assert "Your account has no trainee record, so there are no rotations to show." in html


def test_the_person_page_links_each_stage_to_its_timeline(
    client: Client, personas: dict[str, User], plans: Plans
) -> None:
    html = _as(client, personas["officer"]).get(f"/people/{plans.trainee.person_id}/").content.decode()
    assert f'href="/rotations/trainees/{plans.trainee.pk}/timeline/"' in html
