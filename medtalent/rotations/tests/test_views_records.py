"""The programme office's rotation records: the trainees list with enrolment, a trainee's record (leave,
research months, enrolment), places per month, and locking blocks of a draft or the published schedule;
who reaches each page, what a refusal shows, and how many queries the lists take."""

import datetime
import html as html_lib
import re
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qs, urlsplit

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from medtalent.core.models import AuditEvent
from medtalent.people.models import Department, TraineeProfile, User
from medtalent.people.tests.factories import DepartmentFactory, PersonFactory, TraineeProfileFactory
from medtalent.rotations.models import (
    DepartmentCapacity,
    Leave,
    MentorResearchCapacity,
    ResearchWindow,
    RotationBlock,
    RotationEnrolment,
    RotationStandard,
    Schedule,
)
from medtalent.rotations.months import add_months
from medtalent.rotations.tests.conftest import RotationWorld
from medtalent.rotations.tests.factories import (
    DepartmentCapacityFactory,
    LeaveFactory,
    RotationBlockFactory,
    RotationEnrolmentFactory,
    RotationStandardFactory,
    ScheduleFactory,
    StandardEditionFactory,
)

pytestmark = pytest.mark.django_db

FIRST = datetime.date(2026, 9, 1)
TRAINEES = reverse("rotation_trainees")
PLACES = reverse("rotation_places")


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
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip())


def _page_link(html: str, label: str) -> dict[str, list[str]]:
    """The query of the pagination link labelled ``label``."""
    href = re.search(rf'<a class="page-link" href="([^"]+)">{label}</a>', html)
    assert href is not None, f"no {label} link"
    return parse_qs(urlsplit(html_lib.unescape(href.group(1))).query)


def _rows(html: str) -> list[str]:
    return re.findall(r'<tr data-trainee-id="(\d+)"', html)


def _row(html: str, trainee: TraineeProfile) -> str:
    start = html.index(f'<tr data-trainee-id="{trainee.pk}"')
    return html[start : html.index("</tr>", start)]


def _error(html: str, field: str) -> str:
    """The error text shown under a field (``data-error-for`` is the field's posted name)."""
    found = re.findall(rf'data-error-for="{re.escape(field)}">([^<]*)<', html)
    return html_lib.unescape(" ".join(found))


def record_url(trainee: TraineeProfile) -> str:
    return reverse("rotation_trainee_record", args=[trainee.pk])


def _trainee(world: Any, name: str, *, cohort: int = 2026, number: str = "") -> TraineeProfile:
    return TraineeProfileFactory(
        person=PersonFactory(name_latin=name, name_zh=name, institution=world.hospital),
        institution=world.hospital,
        cohort=cohort,
        student_number=number,
    )


@dataclass
class Records:
    """Three trainees enrolled at the hospital under internal medicine from 2026-09:
    Trainee (the trainee persona, cohort 2026), Bai Lin (cohort 2025, S25001, 2 + 1 months of leave) and
    Chen Mo (cohort 2026, S26002, 3 research months under the mentor)."""

    rw: RotationWorld
    trainee: TraineeProfile
    bai: TraineeProfile
    chen: TraineeProfile

    @property
    def hospital(self) -> Any:
        return self.rw.world.hospital


@pytest.fixture
def records(rotation_world: RotationWorld) -> Records:
    world = rotation_world.world
    trainee = TraineeProfile.objects.get(person=world.trainee_person)
    trainee.cohort, trainee.student_number = 2026, "S26001"
    trainee.save()
    bai = _trainee(world, "Bai Lin", cohort=2025, number="S25001")
    chen = _trainee(world, "Chen Mo", number="S26002")
    for profile in (trainee, bai, chen):
        RotationEnrolmentFactory(
            trainee=profile, edition=rotation_world.edition, institution=world.hospital, start_month=FIRST
        )
    LeaveFactory(trainee=bai, start_month=datetime.date(2027, 1, 1), months=2)
    LeaveFactory(trainee=bai, start_month=datetime.date(2027, 6, 1), months=1)
    ResearchWindow.objects.create(
        trainee=chen, mentor=world.mentor_person, months=3, earliest_start=0, latest_end=15
    )
    return Records(rotation_world, trainee, bai, chen)


# --- who reaches which page ---------------------------------------------------------------------


@pytest.mark.parametrize("url", [TRAINEES, PLACES])
def test_anonymous_users_are_sent_to_sign_in(client: Client, records: Records, url: str) -> None:
    response = client.get(url)
    assert response.status_code == 302
    assert response["Location"].startswith(f"{reverse('login')}?next=")
    response = client.get(record_url(records.bai))
    assert response.status_code == 302
    assert response["Location"].startswith(f"{reverse('login')}?next=")


@pytest.mark.parametrize("persona", ["trainee", "teacher", "head", "mentor", "talent_officer", "leader"])
@pytest.mark.parametrize("url", [TRAINEES, PLACES])
def test_only_those_who_run_rotations_reach_trainees_and_places(
    client: Client, personas: dict[str, User], records: Records, persona: str, url: str
) -> None:
    browser = _as(client, personas[persona])
    assert browser.get(url).status_code == 403
    before = DepartmentCapacity.objects.count(), RotationEnrolment.objects.count()
    card = records.rw.departments["CARD"]
    assert (
        browser.post(
            PLACES,
            {"department": card.pk, "first_month": "2026-09", "last_month": "2026-09", "maximum": "1"},
        ).status_code
        == 403
    )
    assert (DepartmentCapacity.objects.count(), RotationEnrolment.objects.count()) == before


@pytest.mark.parametrize("persona", ["officer", "admin"])
@pytest.mark.parametrize("url", [TRAINEES, PLACES])
def test_planners_reach_trainees_and_places(
    client: Client, personas: dict[str, User], records: Records, persona: str, url: str
) -> None:
    assert _as(client, personas[persona]).get(url).status_code == 200


@pytest.mark.parametrize("persona", ["trainee", "head", "mentor"])
def test_the_record_is_the_planners_even_for_those_who_read_the_trainee(
    client: Client, personas: dict[str, User], records: Records, persona: str
) -> None:
    """The trainee, their department's head and their mentor read the trainee's timeline, not the record."""
    browser = _as(client, personas[persona])
    assert browser.get(reverse("rotation_timeline", args=[records.trainee.pk])).status_code == 200
    assert browser.get(record_url(records.trainee)).status_code == 404
    response = browser.post(
        record_url(records.trainee),
        {"action": "leave", "leave-start_month": "2027-03", "leave-months": "1", "leave-reason": "sick"},
    )
    assert response.status_code == 404
    assert not Leave.objects.filter(trainee=records.trainee).exists()


def test_an_officer_of_another_institution_reaches_neither_its_trainees_nor_its_base(
    client: Client, personas: dict[str, User], records: Records
) -> None:
    world = records.rw.world
    other_base = RotationStandardFactory(institution=world.other).institution
    outsider = _as(client, personas["outsider"])
    assert outsider.get(TRAINEES).status_code == 200  # their own base
    assert outsider.get(f"{TRAINEES}?institution={records.hospital.pk}").status_code == 404
    assert outsider.get(f"{PLACES}?institution={records.hospital.pk}").status_code == 404
    assert outsider.get(record_url(records.bai)).status_code == 404
    response = outsider.post(
        record_url(records.bai),
        {"action": "leave", "leave-start_month": "2027-09", "leave-months": "1", "leave-reason": "sick"},
    )
    assert response.status_code == 404
    assert Leave.objects.filter(trainee=records.bai).count() == 2
    # And the other way round: the hospital's officer does not plan for the other institution.
    officer = _as(client, personas["officer"])
    assert officer.get(f"{TRAINEES}?institution={other_base.pk}").status_code == 404
    assert officer.get(f"{PLACES}?institution={other_base.pk}").status_code == 404
    foreign = TraineeProfile.objects.get(person=world.foreign_trainee)
    RotationEnrolmentFactory(
        trainee=foreign,
        edition=StandardEditionFactory(standard=RotationStandard.objects.get(institution=world.other)),
        institution=world.other,
    )
    assert officer.get(record_url(foreign)).status_code == 404


def test_the_record_of_a_trainee_not_enrolled_is_not_found(
    client: Client, personas: dict[str, User], records: Records
) -> None:
    other = TraineeProfile.objects.get(person=records.rw.world.other_trainee)
    officer = _as(client, personas["officer"])
    assert officer.get(record_url(other)).status_code == 404
    assert officer.get(reverse("rotation_trainee_record", args=[999_999])).status_code == 404


# --- the trainees list --------------------------------------------------------------------------


def test_the_list_shows_enrolled_trainees_with_their_leave_and_research_months(
    client: Client, personas: dict[str, User], records: Records
) -> None:
    html = _as(client, personas["officer"]).get(TRAINEES).content.decode()
    assert set(_rows(html)) == {str(records.trainee.pk), str(records.bai.pk), str(records.chen.pk)}
    assert "3 trainees enrolled" in _text(html)
    bai = _text(_row(html, records.bai))
    assert bai == "Bai Lin S25001 2025 Internal medicine edition 1 2026-09 3 — Timeline"
    chen = _text(_row(html, records.chen))
    assert chen == "Chen Mo S26002 2026 Internal medicine edition 1 2026-09 — 3 Timeline"
    assert f'href="{record_url(records.bai)}"' in _row(html, records.bai)
    # The trainee not yet enrolled is offered in the enrolment form, the enrolled ones are not.
    form = html[html.index('id="enrol"') : html.index("</details>")]
    assert "Other Trainee" in form
    assert "Bai Lin" not in form
    assert "Foreign Trainee" not in form


def test_the_list_filters_by_standard_cohort_and_text(
    client: Client, personas: dict[str, User], records: Records
) -> None:
    surgery = RotationStandardFactory(institution=records.hospital, specialty="surgery", name_en="Surgery")
    dong = _trainee(records.rw.world, "Dong Yu", cohort=2025, number="S25009")
    RotationEnrolmentFactory(
        trainee=dong, edition=StandardEditionFactory(standard=surgery, total_months=12), start_month=FIRST
    )
    officer = _as(client, personas["officer"])

    def rows(query: str) -> set[str]:
        response = officer.get(f"{TRAINEES}?{query}")
        assert response.status_code == 200
        return set(_rows(response.content.decode()))

    assert rows("") == {str(p.pk) for p in (records.trainee, records.bai, records.chen, dong)}
    assert rows(f"standard={surgery.pk}") == {str(dong.pk)}
    assert rows(f"standard={records.rw.standard.pk}") == {
        str(p.pk) for p in (records.trainee, records.bai, records.chen)
    }
    assert rows("cohort=2025") == {str(records.bai.pk), str(dong.pk)}
    assert rows(f"cohort=2025&standard={records.rw.standard.pk}") == {str(records.bai.pk)}
    assert rows("q=chen") == {str(records.chen.pk)}
    assert rows("q=S2500") == {str(records.bai.pk), str(dong.pk)}
    assert rows("q=nobody") == set()
    # Malformed filters are ignored rather than refused.
    assert len(rows("standard=x&cohort=-1")) == 4
    html = officer.get(f"{TRAINEES}?q=nobody").content.decode()
    assert "No trainee matches." in html


def test_the_list_pages_and_the_page_links_keep_the_filters(
    client: Client, personas: dict[str, User], records: Records, monkeypatch: Any
) -> None:
    monkeypatch.setattr("medtalent.rotations.views_records.TRAINEES_PER_PAGE", 2)
    officer = _as(client, personas["officer"])
    first = officer.get(f"{TRAINEES}?cohort=2026").content.decode()
    assert len(_rows(first)) == 2
    assert 'class="pagination' not in first  # two of cohort 2026 fit on one page
    first = officer.get(TRAINEES).content.decode()
    assert "Page 1 of 2" in first
    assert _page_link(first, "Next") == {"page": ["2"]}
    second = officer.get(f"{TRAINEES}?page=2").content.decode()
    assert "Page 2 of 2" in second
    assert _page_link(second, "Previous") == {"page": ["1"]}
    assert set(_rows(first)) | set(_rows(second)) == {
        str(p.pk) for p in (records.trainee, records.bai, records.chen)
    }
    assert not set(_rows(first)) & set(_rows(second))
    filtered = officer.get(f"{TRAINEES}?standard={records.rw.standard.pk}&page=1").content.decode()
    assert _page_link(filtered, "Next") == {"standard": [str(records.rw.standard.pk)], "page": ["2"]}
    # A page past the end shows the last one.
    assert set(_rows(officer.get(f"{TRAINEES}?page=9").content.decode())) == set(_rows(second))


def test_enrolling_a_trainee_follows_the_newest_edition_and_opens_their_record(
    client: Client, personas: dict[str, User], records: Records
) -> None:
    newest = StandardEditionFactory(standard=records.rw.standard, number=2, total_months=12)
    other = TraineeProfile.objects.get(person=records.rw.world.other_trainee)
    response = _as(client, personas["officer"]).post(
        TRAINEES,
        {
            "institution": records.hospital.pk,
            "trainee": other.pk,
            "standard": records.rw.standard.pk,
            "start_month": "2026-10",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == record_url(other)
    enrolment = RotationEnrolment.objects.get(trainee=other)
    assert enrolment.edition == newest
    assert enrolment.start_month == datetime.date(2026, 10, 1)
    assert enrolment.institution == records.hospital
    assert AuditEvent.objects.filter(action="rotations.enrolment_save").count() == 1
    page = client.get(response["Location"])
    assert page.status_code == 200
    assert "Other Trainee is enrolled under Internal medicine from 2026-10." in page.content.decode()


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        ({"start_month": "2026-13"}, "start_month", "Enter a month as YYYY-MM, for example 2026-09."),
        ({"start_month": "September"}, "start_month", "Enter a month as YYYY-MM, for example 2026-09."),
        ({"trainee": ""}, "trainee", "This field is required."),
        ({"standard": ""}, "standard", "This field is required."),
    ],
)
def test_a_wrong_enrolment_shows_the_error_and_enrols_nobody(
    client: Client, personas: dict[str, User], records: Records, change: dict, field: str, message: str
) -> None:
    other = TraineeProfile.objects.get(person=records.rw.world.other_trainee)
    posted = {"trainee": other.pk, "standard": records.rw.standard.pk, "start_month": "2026-09", **change}
    response = _as(client, personas["officer"]).post(TRAINEES, posted)
    assert response.status_code == 400
    html = response.content.decode()
    assert _error(html, field) == message
    assert '<details class="card p-3 mb-3" id="enrol" open>' in html
    assert RotationEnrolment.objects.count() == 3
    assert not AuditEvent.objects.filter(action="rotations.enrolment_save").exists()


def test_a_trainee_of_another_institution_cannot_be_enrolled(
    client: Client, personas: dict[str, User], records: Records
) -> None:
    foreign = TraineeProfile.objects.get(person=records.rw.world.foreign_trainee)
    response = _as(client, personas["officer"]).post(
        TRAINEES, {"trainee": foreign.pk, "standard": records.rw.standard.pk, "start_month": "2026-09"}
    )
    assert response.status_code == 400
    assert "Select a valid choice" in _error(response.content.decode(), "trainee")
    assert not RotationEnrolment.objects.filter(trainee=foreign).exists()


def _many_enrolled(rotation_world: RotationWorld, count: int) -> None:
    world = rotation_world.world
    for index in range(count):
        profile = TraineeProfileFactory(
            institution=world.hospital, cohort=2024 + index % 3, student_number=f"X{index:04d}"
        )
        RotationEnrolmentFactory(
            trainee=profile,
            edition=rotation_world.edition,
            institution=world.hospital,
            start_month=add_months(FIRST, index % 4),
        )
        LeaveFactory(trainee=profile, start_month=add_months(FIRST, 6), months=1 + index % 2)
        if index % 3 == 0:
            ResearchWindow.objects.create(
                trainee=profile, mentor=world.mentor_person, months=2, earliest_start=0, latest_end=14
            )
        TraineeProfileFactory(institution=world.hospital)  # one more to enrol


# Six to sign in and find the user's scope, two for the menu and the rest for the page: the same for
# 3 or 33 enrolled trainees (and 1 or 31 still to enrol).
LIST_QUERIES = 16


@pytest.mark.parametrize("extra", [0, 30])
def test_the_list_queries_do_not_grow_with_the_trainees(
    client: Client,
    personas: dict[str, User],
    records: Records,
    extra: int,
    django_assert_max_num_queries: Any,
) -> None:
    _many_enrolled(records.rw, extra)
    officer = _as(client, personas["officer"])
    with django_assert_max_num_queries(LIST_QUERIES):
        html = officer.get(TRAINEES).content.decode()
    assert len(_rows(html)) == 3 + extra


# --- a trainee's record -------------------------------------------------------------------------


def test_the_record_shows_the_enrolment_leave_and_research_months(
    client: Client, personas: dict[str, User], records: Records
) -> None:
    officer = _as(client, personas["officer"])
    html = officer.get(record_url(records.bai)).content.decode()
    # 12 months of the standard and 3 of leave.
    summary = _text(html[html.index('id="record-summary"') :].split("</div>", 1)[0])
    assert summary.endswith("cohort 2025 · 15 months, 2026-09 to 2027-11")
    leave = _text(html[html.index('id="leave-table"') :].split("</table>", 1)[0])
    assert "2027-01 – 2027-02 (2) Sick leave" in leave
    assert "2027-06 (1) Sick leave" in leave
    assert 'id="research-none"' in html
    html = officer.get(record_url(records.chen)).content.decode()
    research = _text(html[html.index('id="research-table"') :].split("</table>", 1)[0])
    assert "Mentor 2 3 from month 0 to before month 15 (2026-09 – 2027-11)" in research  # takes 2 at once
    assert 'id="leave-none"' in html


def _leave(start: str, months: int, reason: str = "sick", note: str = "") -> dict[str, Any]:
    return {
        "action": "leave",
        "leave-start_month": start,
        "leave-months": months,
        "leave-reason": reason,
        "leave-note": note,
    }


def test_recording_leave_saves_audits_and_shows_it(
    client: Client, personas: dict[str, User], records: Records
) -> None:
    officer = _as(client, personas["officer"])
    response = officer.post(record_url(records.trainee), _leave("2027-03", 2, "exam", "Licensing exam"))
    assert response.status_code == 302
    assert response["Location"] == record_url(records.trainee)
    leave = Leave.objects.get(trainee=records.trainee)
    assert (leave.start_month, leave.months, leave.reason, leave.note) == (
        datetime.date(2027, 3, 1),
        2,
        "exam",
        "Licensing exam",
    )
    assert leave.created_by == personas["officer"]
    event = AuditEvent.objects.get(action="rotations.leave_create")
    assert event.actor == personas["officer"]
    assert event.changes == {"leave": [None, ["2027-03", 2, "exam"]]}
    html = officer.get(response["Location"]).content.decode()
    assert "Leave recorded. Re-plan the schedule to place the trainee around it." in html
    row = _text(html[html.index(f'<tr data-leave-id="{leave.pk}"') :].split("</tr>", 1)[0])
    assert row == "2027-03 – 2027-04 (2) Examination leave Licensing exam Remove"


def test_overlapping_leave_is_refused_on_the_page_and_nothing_is_saved(
    client: Client, personas: dict[str, User], records: Records
) -> None:
    response = _as(client, personas["officer"]).post(record_url(records.bai), _leave("2027-02", 3))
    assert response.status_code == 400
    html = response.content.decode()
    assert _error(html, "leave-start_month") == "This overlaps the leave from 2027-01 to 2027-02."
    assert '<details open id="leave-add">' in html
    assert 'value="2027-02"' in html  # what was typed stays in the form
    assert Leave.objects.filter(trainee=records.bai).count() == 2
    assert not AuditEvent.objects.filter(action="rotations.leave_create").exists()


@pytest.mark.parametrize(
    ("posted", "field", "message"),
    [
        (_leave("2026-13", 1), "leave-start_month", "Enter a month as YYYY-MM, for example 2026-09."),
        (_leave("2026-08", 1), "leave-start_month", "The rotations start in 2026-09"),
        (_leave("2027-03", 13), "leave-months", "Ensure this value is less than or equal to 12."),
        (_leave("2027-03", 0), "leave-months", "Ensure this value is greater than or equal to 1."),
        (_leave("2027-03", 1, "holiday"), "leave-reason", "Select a valid choice."),
    ],
)
def test_wrong_leave_shows_the_error_on_its_field(
    client: Client, personas: dict[str, User], records: Records, posted: dict, field: str, message: str
) -> None:
    response = _as(client, personas["officer"]).post(record_url(records.trainee), posted)
    assert response.status_code == 400
    assert _error(response.content.decode(), field).startswith(message)
    assert not Leave.objects.filter(trainee=records.trainee).exists()


def test_removing_leave(client: Client, personas: dict[str, User], records: Records) -> None:
    officer = _as(client, personas["officer"])
    first = Leave.objects.filter(trainee=records.bai).order_by("start_month").first()
    assert first is not None
    # Another trainee's leave cannot be removed through this trainee's page.
    assert (
        officer.post(record_url(records.chen), {"action": "leave_delete", "id": first.pk}).status_code == 404
    )
    assert officer.post(record_url(records.bai), {"action": "leave_delete", "id": "x"}).status_code == 404
    response = officer.post(record_url(records.bai), {"action": "leave_delete", "id": first.pk})
    assert response.status_code == 302
    assert not Leave.objects.filter(pk=first.pk).exists()
    assert Leave.objects.filter(trainee=records.bai).count() == 1
    event = AuditEvent.objects.get(action="rotations.leave_delete")
    assert event.changes == {"leave": [["2027-01", 2, "sick"], None]}
    html = officer.get(record_url(records.bai)).content.decode()
    assert "Removed. Re-plan the schedule to use the months." in html


def _research(mentor: Any, months: int, earliest: int, latest: int) -> dict[str, Any]:
    return {
        "action": "research",
        "research-mentor": mentor.pk,
        "research-months": months,
        "research-earliest_start": earliest,
        "research-latest_end": latest,
    }


def test_protecting_research_months(client: Client, personas: dict[str, User], records: Records) -> None:
    world = records.rw.world
    officer = _as(client, personas["officer"])
    response = officer.post(record_url(records.trainee), _research(world.mentor_person, 3, 3, 15))
    assert response.status_code == 302
    window = ResearchWindow.objects.get(trainee=records.trainee)
    assert (window.mentor, window.months, window.earliest_start, window.latest_end) == (
        world.mentor_person,
        3,
        3,
        15,
    )
    assert AuditEvent.objects.filter(action="rotations.research_create").count() == 1
    html = officer.get(record_url(records.trainee)).content.decode()
    assert "Research months protected. Re-plan the schedule to place them." in html
    assert "15 months, 2026-09 to 2027-11" in _text(html)
    # And removed again.
    response = officer.post(record_url(records.trainee), {"action": "research_delete", "id": window.pk})
    assert response.status_code == 302
    assert not ResearchWindow.objects.filter(trainee=records.trainee).exists()
    assert AuditEvent.objects.filter(action="rotations.research_delete").count() == 1


@pytest.mark.parametrize(
    ("window", "field", "message"),
    [
        ((3, 6, 8), "research-latest_end", "The window from month 6 to month 8 is too short for 3 months."),
        (
            (3, 3, 16),
            "research-latest_end",
            "With these research months the programme lasts 15 months: the window must end by then.",
        ),
    ],
)
def test_a_window_that_cannot_hold_the_months_is_refused(
    client: Client, personas: dict[str, User], records: Records, window: tuple, field: str, message: str
) -> None:
    response = _as(client, personas["officer"]).post(
        record_url(records.trainee), _research(records.rw.world.mentor_person, *window)
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert _error(html, field) == message
    assert '<details open id="research-add">' in html
    assert not ResearchWindow.objects.filter(trainee=records.trainee).exists()


def test_a_mentor_of_another_institution_is_not_offered(
    client: Client, personas: dict[str, User], records: Records
) -> None:
    response = _as(client, personas["officer"]).post(
        record_url(records.trainee), _research(records.rw.world.foreign_faculty, 3, 3, 15)
    )
    assert response.status_code == 400
    assert _error(response.content.decode(), "research-mentor").startswith("Select a valid choice.")
    assert not ResearchWindow.objects.filter(trainee=records.trainee).exists()


def test_setting_a_mentors_research_capacity(
    client: Client, personas: dict[str, User], records: Records
) -> None:
    officer = _as(client, personas["officer"])
    mentor = records.rw.world.mentor_person
    form = officer.get(record_url(records.chen)).content.decode().split('id="mentor-capacity"', 1)[1]
    assert re.search(rf'<option value="{mentor.pk}" selected>', form)  # the research mentor's, to start
    assert re.search(r'name="capacity-concurrent_students" value="2"', form)
    posted = {"action": "mentor_capacity", "capacity-mentor": mentor.pk, "capacity-concurrent_students": 5}
    response = officer.post(record_url(records.chen), posted)
    assert response.status_code == 302
    assert MentorResearchCapacity.objects.get(mentor=mentor).concurrent_students == 5
    assert AuditEvent.objects.get(action="rotations.mentor_capacity").changes == {
        "concurrent_students": [2, 5]
    }
    html = officer.get(record_url(records.chen)).content.decode()
    assert "Mentor&#x27;s capacity saved. Re-plan the schedule to use it." in html
    assert f'<td data-mentor-capacity="{mentor.pk}">5</td>' in html


def test_the_record_page_reads_mentors_capacities_in_one_go(
    client: Client, personas: dict[str, User], records: Records
) -> None:
    """Each research window shows its mentor's capacity; more windows and mentors add no queries."""
    officer = _as(client, personas["officer"])
    url = record_url(records.chen)
    officer.get(url)  # warm the session and caches
    with CaptureQueriesContext(connection) as before:
        officer.get(url)
    for months in (1, 2):
        mentor = PersonFactory(institution=records.rw.world.hospital)
        MentorResearchCapacity.objects.create(mentor=mentor, concurrent_students=months + 5)
        ResearchWindow.objects.create(
            trainee=records.chen, mentor=mentor, months=1, earliest_start=0, latest_end=16
        )
    with CaptureQueriesContext(connection) as after:
        html = officer.get(url).content.decode()
    assert len(after) == len(before)
    assert [int(v) for v in re.findall(r'data-mentor-capacity="\d+">(\d+)<', html)] == [2, 6, 7]


def test_a_mentor_capacity_out_of_range_names_its_field(
    client: Client, personas: dict[str, User], records: Records
) -> None:
    posted = {
        "action": "mentor_capacity",
        "capacity-mentor": records.rw.world.mentor_person.pk,
        "capacity-concurrent_students": 21,
    }
    response = _as(client, personas["officer"]).post(record_url(records.chen), posted)
    assert response.status_code == 400
    html = response.content.decode()
    assert _error(html, "capacity-concurrent_students") == "Ensure this value is less than or equal to 20."
    assert '<details open id="mentor-capacity">' in html
    assert not MentorResearchCapacity.objects.exists()


def test_moving_the_first_month_keeps_the_edition_another_standard_takes_its_newest(
    client: Client, personas: dict[str, User], records: Records
) -> None:
    StandardEditionFactory(standard=records.rw.standard, number=2, total_months=12)
    officer = _as(client, personas["officer"])
    response = officer.post(
        record_url(records.bai),
        {
            "action": "enrolment",
            "enrolment-standard": records.rw.standard.pk,
            "enrolment-start_month": "2026-10",
        },
    )
    assert response.status_code == 302
    enrolment = RotationEnrolment.objects.get(trainee=records.bai)
    assert enrolment.edition == records.rw.edition  # still edition 1
    assert enrolment.start_month == datetime.date(2026, 10, 1)
    event = AuditEvent.objects.get(action="rotations.enrolment_save")
    assert event.changes == {"start_month": ["2026-09", "2026-10"]}
    assert "Enrolment saved." in officer.get(record_url(records.bai)).content.decode()

    surgery = RotationStandardFactory(institution=records.hospital, specialty="surgery")
    StandardEditionFactory(standard=surgery, number=1, total_months=24)
    newest = StandardEditionFactory(standard=surgery, number=2, total_months=24)
    response = officer.post(
        record_url(records.bai),
        {"action": "enrolment", "enrolment-standard": surgery.pk, "enrolment-start_month": "2026-10"},
    )
    assert response.status_code == 302
    assert RotationEnrolment.objects.get(trainee=records.bai).edition == newest


def test_a_wrong_enrolment_change_shows_the_error(
    client: Client, personas: dict[str, User], records: Records
) -> None:
    empty = RotationStandardFactory(institution=records.hospital, specialty="no_edition")
    officer = _as(client, personas["officer"])
    response = officer.post(
        record_url(records.bai),
        {"action": "enrolment", "enrolment-standard": empty.pk, "enrolment-start_month": "2026-10"},
    )
    assert response.status_code == 400
    assert _error(response.content.decode(), "enrolment-standard") == "This standard has no edition yet."
    response = officer.post(
        record_url(records.bai),
        {
            "action": "enrolment",
            "enrolment-standard": records.rw.standard.pk,
            "enrolment-start_month": "2026-9",
        },
    )
    assert response.status_code == 400
    assert _error(response.content.decode(), "enrolment-start_month").startswith("Enter a month as YYYY-MM")
    enrolment = RotationEnrolment.objects.get(trainee=records.bai)
    assert (enrolment.edition, enrolment.start_month) == (records.rw.edition, FIRST)


def test_an_unknown_action_is_not_found(client: Client, personas: dict[str, User], records: Records) -> None:
    assert (
        _as(client, personas["officer"]).post(record_url(records.bai), {"action": "explode"}).status_code
        == 404
    )


# --- places per month ---------------------------------------------------------------------------


def _places(department: Department, first: str, last: str, maximum: Any, minimum: Any = "") -> dict:
    return {
        "department": department.pk,
        "first_month": first,
        "last_month": last,
        "maximum": maximum,
        "minimum": minimum,
    }


def _place_cells(html: str, code: str) -> list[tuple[str, str]]:
    start = html.index(f'<tr data-department="{code}"')
    row = html[start : html.index("</tr>", start)]
    return [
        (css, re.sub(r"<[^>]+>", "", text))
        for css, text in re.findall(r'<td class="(places-\w+)">(.*?)</td>', row)
    ]


def test_setting_places_for_some_months(client: Client, personas: dict[str, User], records: Records) -> None:
    card = records.rw.departments["CARD"]
    officer = _as(client, personas["officer"])
    response = officer.post(
        PLACES, {"institution": records.hospital.pk, **_places(card, "2026-10", "2026-12", 2, 1)}
    )
    assert response.status_code == 302
    assert response["Location"] == f"{PLACES}?institution={records.hospital.pk}&from=2026-10"
    rows = DepartmentCapacity.objects.filter(department=card).order_by("month")
    assert [(r.month, r.maximum, r.minimum) for r in rows] == [
        (datetime.date(2026, 10, 1), 2, 1),
        (datetime.date(2026, 11, 1), 2, 1),
        (datetime.date(2026, 12, 1), 2, 1),
    ]
    assert AuditEvent.objects.filter(action="rotations.capacity_set").count() == 1
    page = officer.get(f"{PLACES}?institution={records.hospital.pk}&from=2026-09")
    html = page.content.decode()
    assert "Cardiology rotation takes 1 to 2 trainees a month from 2026-10 to 2026-12." in html
    cells = _place_cells(html, "CARD")
    assert len(cells) == 12
    assert cells[:5] == [
        ("places-usual", "4"),
        ("places-set", "2/1"),
        ("places-set", "2/1"),
        ("places-set", "2/1"),
        ("places-usual", "4"),
    ]
    assert all(css == "places-usual" for css, _text_ in _place_cells(html, "RESP"))
    # The partner's laboratory is listed too, with its own usual places.
    assert _place_cells(html, "LAB")[0] == ("places-usual", "2")
    assert 'data-department="FOREIGN"' not in html


def test_blank_most_trainees_returns_the_months_to_the_usual_places(
    client: Client, personas: dict[str, User], records: Records
) -> None:
    card = records.rw.departments["CARD"]
    for offset in range(4):
        DepartmentCapacityFactory(department=card, month=add_months(FIRST, offset), maximum=1)
    officer = _as(client, personas["officer"])
    response = officer.post(PLACES, _places(card, "2026-10", "2026-11", ""))
    assert response.status_code == 302
    assert response["Location"].endswith("&from=2026-10")
    assert sorted(DepartmentCapacity.objects.filter(department=card).values_list("month", flat=True)) == [
        datetime.date(2026, 9, 1),
        datetime.date(2026, 12, 1),
    ]
    html = officer.get(response["Location"]).content.decode()
    assert "Cardiology rotation takes its usual places again from 2026-10 to 2026-11." in html


@pytest.mark.parametrize(
    ("posted", "field", "message"),
    [
        (
            ("2026-10", "2026-12", 1, 2),
            "minimum",
            "The fewest trainees needed must be between 0 and the most trainees (1).",
        ),
        (("2026-12", "2026-10", 1, 0), "last_month", "The last month comes before the first."),
        (("2026-10", "2031-10", 1, 0), "last_month", "Set at most 60 months at a time."),
        (("2026-10", "2026-1x", 1, 0), "last_month", "Enter a month as YYYY-MM, for example 2026-09."),
        (("2026-10", "2026-12", -1, 0), "maximum", "Ensure this value is greater than or equal to 0."),
    ],
)
def test_wrong_places_show_the_error_and_set_nothing(
    client: Client, personas: dict[str, User], records: Records, posted: tuple, field: str, message: str
) -> None:
    card = records.rw.departments["CARD"]
    response = _as(client, personas["officer"]).post(PLACES, _places(card, *posted))
    assert response.status_code == 400
    assert _error(response.content.decode(), field) == message
    assert not DepartmentCapacity.objects.exists()
    assert not AuditEvent.objects.filter(action="rotations.capacity_set").exists()


def test_places_of_a_department_of_another_institution_cannot_be_set(
    client: Client, personas: dict[str, User], records: Records
) -> None:
    foreign = records.rw.departments["FOREIGN"]
    response = _as(client, personas["officer"]).post(PLACES, _places(foreign, "2026-10", "2026-12", 1))
    assert response.status_code == 400
    assert _error(response.content.decode(), "department").startswith("Select a valid choice.")
    assert not DepartmentCapacity.objects.exists()


def test_places_pages_through_the_months(client: Client, personas: dict[str, User], records: Records) -> None:
    html = _as(client, personas["officer"]).get(f"{PLACES}?from=2026-09").content.decode()
    hospital = records.hospital.pk
    assert f'href="?institution={hospital}&amp;from=2025-09" id="places-earlier"' in html
    assert f'href="?institution={hospital}&amp;from=2027-09" id="places-later"' in html
    # The form proposes six months from the first shown.
    assert 'name="first_month" value="2026-09"' in html
    assert 'name="last_month" value="2027-02"' in html


def _more_departments(rotation_world: RotationWorld, count: int) -> None:
    hospital = rotation_world.world.hospital
    for index in range(count):
        department = DepartmentFactory(institution=hospital, code=f"D{index:02d}", rotation_capacity=3)
        for offset in range(0, 12, 2):
            DepartmentCapacityFactory(department=department, month=add_months(FIRST, offset), maximum=2)


PLACES_QUERIES = 14


@pytest.mark.parametrize("extra", [0, 25])
def test_the_places_queries_do_not_grow_with_departments_and_months(
    client: Client,
    personas: dict[str, User],
    records: Records,
    extra: int,
    django_assert_max_num_queries: Any,
) -> None:
    _more_departments(records.rw, extra)
    officer = _as(client, personas["officer"])
    with django_assert_max_num_queries(PLACES_QUERIES):
        html = officer.get(f"{PLACES}?from=2026-09").content.decode()
    # The six rotation departments, the partner's LAB, cardiology and surgery; not FOREIGN.
    assert html.count("<tr data-department=") == 9 + extra
    assert html.count('class="places-set"') == 6 * extra


# --- locks on blocks ----------------------------------------------------------------------------


def _schedule(records: Records, status: str) -> Schedule:
    """A schedule of the hospital placing Bai: CARD 4, RESP 3, then a research month."""
    schedule = ScheduleFactory(
        institution=records.hospital,
        status=status,
        published_at=None if status == Schedule.Status.DRAFT else timezone.now(),
        first_month=FIRST,
        horizon_months=12,
    )
    d = records.rw.departments
    for department, start, months in ((d["CARD"], 0, 4), (d["RESP"], 4, 3), (None, 7, 1)):
        RotationBlockFactory(
            schedule=schedule,
            trainee=records.bai,
            department=department,
            kind=RotationBlock.Kind.ROTATION if department else RotationBlock.Kind.RESEARCH,
            start_month=add_months(FIRST, start),
            months=months,
        )
    return schedule


def _edit_url(schedule: Schedule, trainee: TraineeProfile) -> str:
    return reverse("rotation_schedule_trainee_edit", args=[schedule.pk, trainee.pk])


def _block(schedule: Schedule, code: str | None) -> RotationBlock:
    if code is None:
        return RotationBlock.objects.get(schedule=schedule, department__isnull=True)
    return RotationBlock.objects.get(schedule=schedule, department__code=code)


@pytest.mark.parametrize("status", [Schedule.Status.PUBLISHED, Schedule.Status.DRAFT])
def test_locking_and_unlocking_a_block(
    client: Client, personas: dict[str, User], records: Records, status: str
) -> None:
    schedule = _schedule(records, status)
    version = schedule.version
    officer = _as(client, personas["officer"])
    page = officer.get(_edit_url(schedule, records.bai)).content.decode()
    card = _block(schedule, "CARD")
    assert f'data-lock="{card.pk}"' in page
    response = officer.post(
        _edit_url(schedule, records.bai), {"action": "lock", "block": card.pk, "version": version}
    )
    assert response.status_code == 302
    assert _block(schedule, "CARD").locked
    assert not _block(schedule, "RESP").locked
    assert Schedule.objects.get(pk=schedule.pk).version == version + 1
    event = AuditEvent.objects.get(action="rotations.block_lock")
    assert event.actor == personas["officer"]
    assert event.changes["locked"] == [False, True]
    html = officer.get(response["Location"]).content.decode()
    assert "Saved. A locked block stays as it is when the schedule is re-planned." in html
    assert "Unlock" in html

    response = officer.post(
        _edit_url(schedule, records.bai), {"action": "unlock", "block": card.pk, "version": version + 1}
    )
    assert response.status_code == 302
    assert not _block(schedule, "CARD").locked
    assert Schedule.objects.get(pk=schedule.pk).version == version + 2
    assert AuditEvent.objects.filter(action="rotations.block_unlock").count() == 1


def test_a_stale_lock_answers_409_and_changes_nothing(
    client: Client, personas: dict[str, User], records: Records
) -> None:
    schedule = _schedule(records, Schedule.Status.PUBLISHED)
    card = _block(schedule, "CARD")
    response = _as(client, personas["officer"]).post(
        _edit_url(schedule, records.bai),
        {"action": "lock", "block": card.pk, "version": schedule.version - 1},
    )
    assert response.status_code == 409
    assert "Someone else changed this record after you opened it." in response.content.decode()
    assert not _block(schedule, "CARD").locked
    assert Schedule.objects.get(pk=schedule.pk).version == schedule.version
    assert not AuditEvent.objects.filter(action="rotations.block_lock").exists()


@pytest.mark.parametrize("status", [Schedule.Status.SUPERSEDED, Schedule.Status.DISCARDED])
def test_a_schedule_no_longer_in_use_takes_no_locks(
    client: Client, personas: dict[str, User], records: Records, status: str
) -> None:
    schedule = _schedule(records, status)
    card = _block(schedule, "CARD")
    officer = _as(client, personas["officer"])
    assert f'data-lock="{card.pk}"' not in officer.get(_edit_url(schedule, records.bai)).content.decode()
    response = officer.post(
        _edit_url(schedule, records.bai), {"action": "lock", "block": card.pk, "version": schedule.version}
    )
    assert response.status_code == 400
    assert "Only a draft or the published schedule takes locks." in response.content.decode()
    assert not _block(schedule, "CARD").locked
    assert Schedule.objects.get(pk=schedule.pk).version == schedule.version


def test_research_months_and_other_trainees_blocks_take_no_locks(
    client: Client, personas: dict[str, User], records: Records
) -> None:
    schedule = _schedule(records, Schedule.Status.PUBLISHED)
    officer = _as(client, personas["officer"])
    research = _block(schedule, None)
    response = officer.post(
        _edit_url(schedule, records.bai),
        {"action": "lock", "block": research.pk, "version": schedule.version},
    )
    assert response.status_code == 400
    assert "Research months are placed by the solver within their window." in response.content.decode()
    other = RotationBlockFactory(
        schedule=schedule, trainee=records.chen, department=records.rw.departments["GI"], start_month=FIRST
    )
    response = officer.post(
        _edit_url(schedule, records.bai), {"action": "lock", "block": other.pk, "version": schedule.version}
    )
    assert response.status_code == 400
    assert "Choose one of the trainee's blocks." in _text(response.content.decode())
    assert not RotationBlock.objects.filter(schedule=schedule, locked=True).exists()
    assert Schedule.objects.get(pk=schedule.pk).version == schedule.version


@pytest.mark.parametrize(("persona", "status"), [("head", 403), ("trainee", 403), ("outsider", 404)])
def test_only_planners_lock(
    client: Client, personas: dict[str, User], records: Records, persona: str, status: int
) -> None:
    schedule = _schedule(records, Schedule.Status.PUBLISHED)
    card = _block(schedule, "CARD")
    response = _as(client, personas[persona]).post(
        _edit_url(schedule, records.bai), {"action": "lock", "block": card.pk, "version": schedule.version}
    )
    assert response.status_code == status
    assert not _block(schedule, "CARD").locked
