"""The logbook pages: who may log, verify, delete and keep the lists; stale pages; the DOPS trigger; query
counts. The pages count from a fixed day (``views_logbook._today``), inside the persona's rotation."""

import datetime
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from medtalent.assessments import views_logbook
from medtalent.assessments.models import (
    Assessment,
    AssessmentOrigin,
    AssessmentStatus,
    LogbookEntry,
    LogbookEntryStatus,
    LogbookItem,
)
from medtalent.people.models import User
from medtalent.people.tests.factories import DepartmentFactory

from .conftest import IN_ROTATION, Bedside
from .factories import LogbookEntryFactory, LogbookItemFactory, shipped_version


@pytest.fixture(autouse=True)
def _fixed_today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(views_logbook, "_today", lambda: IN_ROTATION)


@pytest.fixture
def items(bedside: Bedside) -> dict[str, LogbookItem]:
    cardiology = bedside.world.cardiology
    return {
        "angiography": LogbookItemFactory(
            department=cardiology, code="angiography", name_en="Coronary angiography", minimum=6
        ),
        "pericardiocentesis": LogbookItemFactory(
            department=cardiology,
            code="pericardiocentesis",
            name_en="Pericardiocentesis",
            minimum=2,
            dops_instrument=shipped_version("dops").instrument,
        ),
        "heart_failure": LogbookItemFactory(
            department=cardiology,
            kind=LogbookItem.Kind.CASE,
            code="heart_failure",
            name_en="Heart failure",
            minimum=4,
        ),
    }


def client_for(user: User) -> Client:
    client = Client()
    client.force_login(user)
    client.cookies["django_language"] = "en"
    return client


def entry_for(bedside: Bedside, item: LogbookItem, **overrides: Any) -> LogbookEntry:
    values = {
        "item": item,
        "trainee": bedside.trainee,
        "supervisor": bedside.world.teacher_person,
        "performed_on": IN_ROTATION,
        "rotation_block": bedside.block,
    }
    values.update(overrides)
    return LogbookEntryFactory(**values)


def add_form(bedside: Bedside, item: LogbookItem, **overrides: Any) -> dict[str, Any]:
    data = {
        "item": item.pk,
        "performed_on": IN_ROTATION.isoformat(),
        "role": "performed",
        "supervisor": bedside.world.teacher_person.pk,
        "patient_reference": "",
        "note": "",
    }
    data.update(overrides)
    return data


# --- the trainee's page -------------------------------------------------------------------------


def test_the_trainee_sees_progress_against_the_minimums_and_the_form(
    bedside: Bedside, items: dict[str, LogbookItem], django_assert_max_num_queries: Any
) -> None:
    angiography = items["angiography"]
    for day in range(1, 4):
        entry_for(
            bedside,
            angiography,
            status=LogbookEntryStatus.VERIFIED,
            performed_on=datetime.date(2026, 10, day),
        )
    entry_for(bedside, angiography)
    for day in range(1, 9):
        entry_for(
            bedside, items["heart_failure"], performed_on=datetime.date(2026, 9, day), status="verified"
        )
    client = client_for(bedside.users["trainee"])
    with django_assert_max_num_queries(16):
        response = client.get(reverse("logbook"))
    assert response.status_code == 200
    page = response.content.decode()
    progress = response.context["progress"]
    rows = {
        row.item.code: (row.verified, row.pending, row.minimum, row.expected, row.is_on_pace)
        for row in progress.items
    }
    assert rows == {
        "angiography": (3, 1, 6, 2, True),
        "heart_failure": (8, 0, 4, 1, True),
        "pericardiocentesis": (0, 0, 2, 0, True),
    }
    assert f'data-item-id="{angiography.pk}" data-verified="3" data-pending="1" data-minimum="6"' in page
    assert 'id="logbook-form"' in page
    assert len(response.context["entries"]) == 12
    # The supervisor list: the department's eligible assessors, never the trainee.
    supervisors = {person.name_latin for person in response.context["form"].fields["supervisor"].queryset}
    assert supervisors == {"Head", "Mentor", "Teacher"}


def test_a_trainee_behind_sees_how_many_are_expected_by_now(
    bedside: Bedside, items: dict[str, LogbookItem]
) -> None:
    response = client_for(bedside.users["trainee"]).get(reverse("logbook"))
    page = response.content.decode()
    assert "behind: 2 expected by now" in page  # angiography: 6 × 41/91 days
    assert "behind: 1 expected by now" in page  # heart failure: 4 × 41/91 days
    assert "Behind on 2 items" in page


def test_the_mentor_reads_the_trainees_logbook_an_outsider_gets_404(
    bedside: Bedside, items: dict[str, LogbookItem]
) -> None:
    entry_for(bedside, items["angiography"])
    url = f"{reverse('logbook')}?trainee={bedside.trainee.pk}"
    response = client_for(bedside.users["mentor"]).get(url)
    assert response.status_code == 200
    assert response.context["is_own"] is False
    assert "form" not in response.context
    assert len(response.context["entries"]) == 1
    assert client_for(bedside.users["outsider"]).get(url).status_code == 404


def test_someone_without_a_trainee_stage_is_sent_to_the_queue(bedside: Bedside) -> None:
    response = client_for(bedside.users["teacher"]).get(reverse("logbook"))
    assert response.status_code == 302
    assert response["Location"] == reverse("logbook_queue")


# --- logging ------------------------------------------------------------------------------------


def test_the_trainee_logs_a_procedure_and_the_supervisor_is_asked_for_a_dops(
    bedside: Bedside, items: dict[str, LogbookItem]
) -> None:
    client = client_for(bedside.users["trainee"])
    response = client.post(reverse("logbook_add"), add_form(bedside, items["pericardiocentesis"]))
    assert response.status_code == 302
    assert response["Location"] == reverse("logbook")
    entry = LogbookEntry.objects.get()
    assert (entry.status, entry.supervisor, entry.rotation_block) == (
        "pending",
        bedside.world.teacher_person,
        bedside.block,
    )
    dops = Assessment.objects.get()
    assert entry.dops_assessment == dops
    assert (dops.status, dops.origin, dops.assessor) == (
        AssessmentStatus.REQUESTED,
        AssessmentOrigin.LOGBOOK,
        bedside.world.teacher_person,
    )
    assert dops.instrument_version.instrument.code == "dops"
    page = client.get(reverse("logbook")).content.decode()
    assert "Logged. Teacher is asked to verify it and to assess you with a DOPS." in page


def test_the_form_shows_the_services_refusal_on_its_field(
    bedside: Bedside, items: dict[str, LogbookItem]
) -> None:
    client = client_for(bedside.users["trainee"])
    tomorrow = (IN_ROTATION + datetime.timedelta(days=1)).isoformat()
    response = client.post(
        reverse("logbook_add"), add_form(bedside, items["angiography"], performed_on=tomorrow)
    )
    assert response.status_code == 200
    assert response.context["form"].errors == {"performed_on": ["The date cannot be in the future."]}
    response = client.post(
        reverse("logbook_add"),
        add_form(bedside, items["angiography"], supervisor=bedside.world.officer_person.pk),
    )
    assert "supervisor" in response.context["form"].errors  # not in the list of eligible assessors
    assert LogbookEntry.objects.count() == 0


def test_only_a_trainee_logs(bedside: Bedside, items: dict[str, LogbookItem]) -> None:
    for name in ("teacher", "officer"):
        response = client_for(bedside.users[name]).post(
            reverse("logbook_add"), add_form(bedside, items["angiography"])
        )
        assert response.status_code == 403
    assert LogbookEntry.objects.count() == 0


def test_the_trainee_deletes_a_pending_entry_but_nobody_elses(
    bedside: Bedside, items: dict[str, LogbookItem]
) -> None:
    entry = entry_for(bedside, items["angiography"])
    url = reverse("logbook_entry_delete", args=[entry.pk])
    assert client_for(bedside.users["teacher"]).post(url, {"version": 1}).status_code == 403
    assert client_for(bedside.users["outsider"]).post(url, {"version": 1}).status_code == 404
    assert client_for(bedside.users["trainee"]).post(url, {"version": 2}).status_code == 409
    assert LogbookEntry.objects.filter(pk=entry.pk).exists()
    response = client_for(bedside.users["trainee"]).post(url, {"version": 1})
    assert response.status_code == 302
    assert not LogbookEntry.objects.filter(pk=entry.pk).exists()


# --- the supervisor's queue ---------------------------------------------------------------------


def test_the_supervisor_sees_the_entries_waiting_and_verifies_one_in_a_click(
    bedside: Bedside, items: dict[str, LogbookItem], django_assert_max_num_queries: Any
) -> None:
    entries = [
        entry_for(bedside, items["angiography"], performed_on=datetime.date(2026, 10, day))
        for day in range(1, 11)
    ]
    entry_for(bedside, items["angiography"], supervisor=bedside.world.head_person)  # the head's, not shown
    client = client_for(bedside.users["teacher"])
    with django_assert_max_num_queries(10):
        response = client.get(reverse("logbook_queue"))
    assert [entry.pk for entry in response.context["entries"]] == [entry.pk for entry in entries]
    response = client.post(reverse("logbook_entry_verify", args=[entries[0].pk]), {"version": 1})
    assert response.status_code == 302
    entries[0].refresh_from_db()
    assert entries[0].status == LogbookEntryStatus.VERIFIED
    assert len(client.get(reverse("logbook_queue")).context["entries"]) == 9


def test_only_the_named_supervisor_verifies(bedside: Bedside, items: dict[str, LogbookItem]) -> None:
    entry = entry_for(bedside, items["angiography"])
    url = reverse("logbook_entry_verify", args=[entry.pk])
    for name in ("head", "trainee", "mentor", "officer"):
        assert client_for(bedside.users[name]).post(url, {"version": 1}).status_code == 403, name
    assert client_for(bedside.users["outsider"]).post(url, {"version": 1}).status_code == 404
    entry.refresh_from_db()
    assert (entry.status, entry.version) == (LogbookEntryStatus.PENDING, 1)


def test_a_stale_verify_answers_409_and_changes_nothing(
    bedside: Bedside, items: dict[str, LogbookItem]
) -> None:
    entry = entry_for(bedside, items["angiography"])
    LogbookEntry.objects.filter(pk=entry.pk).update(version=2)
    response = client_for(bedside.users["teacher"]).post(
        reverse("logbook_entry_verify", args=[entry.pk]), {"version": 1}
    )
    assert response.status_code == 409
    assert "Someone else changed this record after you opened it." in response.content.decode()
    entry.refresh_from_db()
    assert (entry.status, entry.version) == (LogbookEntryStatus.PENDING, 2)


def test_rejecting_without_a_reason_is_refused_on_the_row_with_one_it_is_done(
    bedside: Bedside, items: dict[str, LogbookItem]
) -> None:
    entry = entry_for(bedside, items["angiography"])
    client = client_for(bedside.users["teacher"])
    url = reverse("logbook_entry_reject", args=[entry.pk])
    response = client.post(url, {"version": 1, "reason": ""})
    assert response.status_code == 400
    assert response.context["reject_errors"] == {entry.pk: ["Say why the entry is rejected."]}
    entry.refresh_from_db()
    assert entry.status == LogbookEntryStatus.PENDING
    assert client.post(url, {"version": 1, "reason": "Not in my theatre"}).status_code == 302
    entry.refresh_from_db()
    assert (entry.status, entry.rejection_reason) == (LogbookEntryStatus.REJECTED, "Not in my theatre")


def test_pages_need_a_post_for_actions(bedside: Bedside, items: dict[str, LogbookItem]) -> None:
    entry = entry_for(bedside, items["angiography"])
    assert (
        client_for(bedside.users["teacher"]).get(reverse("logbook_entry_verify", args=[entry.pk])).status_code
        == 405
    )


# --- the lists ----------------------------------------------------------------------------------


def test_officers_and_the_head_keep_the_list_others_may_not(
    bedside: Bedside, items: dict[str, LogbookItem], django_assert_max_num_queries: Any
) -> None:
    cardiology = bedside.world.cardiology
    url = f"{reverse('logbook_items')}?department={cardiology.pk}"
    officer = client_for(bedside.users["officer"])
    with django_assert_max_num_queries(15):
        response = officer.get(url)
    assert response.status_code == 200
    assert [item.code for item in response.context["items"]] == [
        "heart_failure",
        "angiography",
        "pericardiocentesis",
    ]
    data = {
        "department": cardiology.pk,
        "kind": "procedure",
        "code": "ecg",
        "name_zh": "心电图",
        "name_en": "ECG",
        "minimum": 10,
        "is_active": "on",
    }
    response = client_for(bedside.users["head"]).post(reverse("logbook_items"), data)
    assert response.status_code == 302
    assert LogbookItem.objects.get(code="ecg").minimum == 10
    edit = {**data, "item": items["angiography"].pk, "code": "angiography", "minimum": 8}
    assert client_for(bedside.users["officer"]).post(reverse("logbook_items"), edit).status_code == 302
    assert LogbookItem.objects.get(pk=items["angiography"].pk).minimum == 8
    for name in ("trainee", "teacher", "mentor"):
        assert client_for(bedside.users[name]).get(url).status_code == 403, name
    # A programme officer elsewhere keeps their own lists and cannot reach cardiology's.
    DepartmentFactory(institution=bedside.world.other)
    assert client_for(bedside.users["outsider"]).get(url).status_code == 404
    assert client_for(bedside.users["outsider"]).post(reverse("logbook_items"), data).status_code == 404
    # The head keeps cardiology's list only.
    surgery = f"{reverse('logbook_items')}?department={bedside.world.surgery.pk}"
    assert client_for(bedside.users["head"]).get(surgery).status_code == 404


def test_a_repeated_code_lands_on_its_field(bedside: Bedside, items: dict[str, LogbookItem]) -> None:
    data = {
        "department": bedside.world.cardiology.pk,
        "kind": "procedure",
        "code": "angiography",
        "name_zh": "冠脉造影",
        "minimum": 3,
    }
    response = client_for(bedside.users["officer"]).post(reverse("logbook_items"), data)
    assert response.status_code == 200
    assert response.context["form"].errors == {"code": ["The department's list has this code already."]}
