"""Pages of the instrument builder: list, detail (the form as the assessor sees it, versions with their
use), new, edit (in place, new version, problems on their rows, conflict), preview, taking out of use."""

import re
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from medtalent.assessments.models import Instrument, InstrumentKind, InstrumentVersion
from medtalent.assessments.services.instruments import definition_digest, instrument_create
from medtalent.assessments.tests.factories import AssessmentFactory, shipped_version
from medtalent.assessments.tests.test_services_instruments import FROZEN_AT, handover
from medtalent.conftest import World
from medtalent.people.models import User
from medtalent.people.tests.factories import InstitutionFactory

pytestmark = pytest.mark.django_db


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


def _handover(world: World, personas: dict[str, User], **overrides: Any) -> Instrument:
    arguments: dict[str, Any] = {
        "actor": personas["officer"],
        "institution": world.hospital,
        "code": "handover",
        "kind": InstrumentKind.RATING_SCALE,
        "name_zh": "交接班质量",
        "name_en": "Handover quality",
        "definition": handover(),
    }
    arguments.update(overrides)
    return instrument_create(**arguments)


def _rows(prefix: str, rows: list[dict[str, Any]], *, blank: dict[str, Any] | None = None) -> dict[str, Any]:
    """A formset as the page posts it: the rows, then one blank row."""
    data: dict[str, Any] = {f"{prefix}-TOTAL_FORMS": len(rows) + 1, f"{prefix}-INITIAL_FORMS": len(rows)}
    for index, row in enumerate(rows):
        for name, value in row.items():
            if value is True:
                data[f"{prefix}-{index}-{name}"] = "on"
            elif value is not False and value is not None:
                data[f"{prefix}-{index}-{name}"] = value
    for name, value in (blank or {}).items():
        data[f"{prefix}-{len(rows)}-{name}"] = value
    return data


def _field_row(entry: dict[str, Any], group: str = "extra_fields") -> dict[str, Any]:
    kind = "choice" if "choices" in entry else entry.get("type", "text")
    return {
        "code": entry["code"],
        "zh": entry.get("zh", ""),
        "en": entry.get("en", ""),
        "type": kind,
        "choices": ", ".join(entry.get("choices", [])),
        "multiple": entry.get("multiple", False),
        "min": entry.get("min"),
        "max": entry.get("max"),
        "required": entry.get("required", False),
        "group": group,
    }


def _builder(definition: dict[str, Any], version: InstrumentVersion | None = None) -> dict[str, Any]:
    """The builder's form as the page posts a rating-scale definition."""
    scale = definition["scale"]
    data: dict[str, Any] = {
        "scale_min": scale["min"],
        "scale_max": scale["max"],
        "not_applicable_allowed": "on" if scale.get("not_applicable_allowed") else "",
        "number": version.number if version else "",
        "digest": definition_digest(version.definition) if version else "",
    }
    data.update(_rows("items", definition["items"]))
    data.update(_rows("bands", scale.get("bands", [])))
    data.update(
        _rows(
            "fields",
            [
                _field_row(entry, section)
                for section in ("context_fields", "extra_fields")
                for entry in definition.get(section, [])
            ],
            blank={"type": "text", "group": "extra_fields"},
        )
    )
    for prefix in ("sections", "grading"):
        data.update(_rows(prefix, []))
    return data


# --- list -----------------------------------------------------------------------------------------------


def test_the_list_shows_shipped_instruments_and_those_in_scope(
    client: Client, world: World, personas: dict[str, User], django_assert_max_num_queries: Any
) -> None:
    ours = _handover(world, personas)
    theirs = _handover(world, personas, actor=personas["outsider"], institution=world.other)
    AssessmentFactory.create_batch(3, instrument_version=ours.versions.get(), scores={"situation": 3})
    for number in range(5):
        _handover(world, personas, code=f"extra_{number}")
    _as(client, personas["officer"])
    # The page's frame (session, user, roles, scope, menu, notifications) and one query for the list.
    with django_assert_max_num_queries(10):
        response = client.get(reverse("instrument_list"))
    html = response.content.decode()
    ids = [int(pk) for pk in re.findall(r'data-instrument-id="(\d+)"', html)]
    assert len(ids) == 4 + 6
    assert theirs.pk not in ids
    assert ids[:4] == list(
        Instrument.objects.filter(institution=None).order_by("code").values_list("pk", flat=True)
    )
    row = html.split(f'data-instrument-id="{ours.pk}"')[1].split("</tr>")[0]
    assert "Affiliated Hospital" in row
    assert re.search(r"data-assessments>3<", row)
    assert 'id="add-instrument"' in html


def test_a_trainee_sees_the_list_without_the_add_button(
    client: Client, world: World, personas: dict[str, User]
) -> None:
    _handover(world, personas)
    html = _as(client, personas["trainee"]).get(reverse("instrument_list")).content.decode()
    assert "Handover quality" in html
    assert 'id="add-instrument"' not in html


# --- detail ---------------------------------------------------------------------------------------------


def test_the_detail_shows_the_form_and_the_versions_with_their_use(
    client: Client, world: World, personas: dict[str, User], django_assert_max_num_queries: Any
) -> None:
    instrument = _handover(world, personas)
    first = instrument.versions.get()
    AssessmentFactory.create_batch(2, instrument_version=first, scores={"situation": 3})
    InstrumentVersion.objects.filter(pk=first.pk).update(frozen_at=FROZEN_AT)
    InstrumentVersion.objects.create(instrument=instrument, number=2, definition=handover())
    _as(client, personas["officer"])
    # The frame, the instrument, and its versions with their counts.
    with django_assert_max_num_queries(11):
        response = client.get(reverse("instrument_detail", args=[instrument.pk]))
    html = response.content.decode()
    versions = html.split('id="versions"')[1]
    second = InstrumentVersion.objects.get(number=2, instrument=instrument)
    assert [_text(row) for row in re.findall(r'<tr data-version="\d+".*?</tr>', versions, re.S)] == [
        # Shown in the institution's time zone: near midnight it is another day than in UTC.
        f"2 current editable unused {timezone.localtime(second.created_at):%Y-%m-%d}",
        f"1 frozen 2026-10-12 used by 2 {timezone.localtime(first.created_at):%Y-%m-%d} · officer",
    ]
    preview = _text(html.split('id="instrument-preview"')[1].split('id="versions"')[0])
    assert "Situation * 1 2 3 4 5 N/A Background 1 2 3 4 5 N/A" in preview
    assert "Points to improve * " in preview
    assert "Shift 白班 夜班" in preview
    assert 'id="edit-instrument"' in html


def test_an_older_version_is_shown_on_request(
    client: Client, world: World, personas: dict[str, User]
) -> None:
    instrument = _handover(world, personas)
    changed = handover()
    changed["items"][0]["en"] = "Situation now"
    InstrumentVersion.objects.create(instrument=instrument, number=2, definition=changed)
    html = (
        _as(client, personas["officer"])
        .get(reverse("instrument_detail", args=[instrument.pk]) + "?version=1")
        .content.decode()
    )
    assert "older version" in html
    assert "Situation now" not in html.split('id="versions"')[0]


def test_another_institutions_instrument_is_not_found(
    client: Client, world: World, personas: dict[str, User]
) -> None:
    instrument = _handover(world, personas)
    _as(client, personas["outsider"])
    for name in ("instrument_detail", "instrument_edit"):
        assert client.get(reverse(name, args=[instrument.pk])).status_code == 404
    assert (
        client.post(reverse("instrument_set_active", args=[instrument.pk]), {"is_active": "0"}).status_code
        == 404
    )


def test_people_who_see_but_may_not_change_are_forbidden(
    client: Client, world: World, personas: dict[str, User]
) -> None:
    instrument = _handover(world, personas)
    _as(client, personas["teacher"])
    assert client.get(reverse("instrument_detail", args=[instrument.pk])).status_code == 200
    assert (
        'id="edit-instrument"'
        not in client.get(reverse("instrument_detail", args=[instrument.pk])).content.decode()
    )
    assert client.get(reverse("instrument_edit", args=[instrument.pk])).status_code == 403
    assert client.get(reverse("instrument_new")).status_code == 403
    dops = shipped_version("dops").instrument
    _as(client, personas["officer"])
    assert client.get(reverse("instrument_edit", args=[dops.pk])).status_code == 403
    _as(client, personas["admin"])
    assert client.get(reverse("instrument_edit", args=[dops.pk])).status_code == 200


# --- edit -----------------------------------------------------------------------------------------------


def test_the_edit_page_shows_the_current_rows(
    client: Client, world: World, personas: dict[str, User], django_assert_max_num_queries: Any
) -> None:
    instrument = _handover(world, personas)
    _as(client, personas["officer"])
    # The frame, the instrument, its current version and whether an assessment uses it.
    with django_assert_max_num_queries(12):
        response = client.get(reverse("instrument_edit", args=[instrument.pk]))
    html = response.content.decode()
    assert 'name="items-0-code" value="situation"' in html
    assert 'name="bands-1-en" value="Meets expectations"' in html
    assert 'name="fields-2-choices" value="白班, 夜班"' in html
    assert 'name="number" value="1"' in html
    assert 'id="in-use-notice"' not in html


def test_saving_an_unused_version_edits_it_in_place(
    client: Client, world: World, personas: dict[str, User]
) -> None:
    instrument = _handover(world, personas)
    version = instrument.versions.get()
    changed = handover()
    changed["items"].append({"code": "questions", "zh": "答疑", "en": "Questions answered", "required": True})
    response = _as(client, personas["officer"]).post(
        reverse("instrument_edit", args=[instrument.pk]), _builder(changed, version), follow=True
    )
    assert response.redirect_chain == [(reverse("instrument_detail", args=[instrument.pk]), 302)]
    assert "Saved as version 1." in response.content.decode()
    version.refresh_from_db()
    assert version.definition == changed


def test_the_page_round_trip_of_a_shipped_instrument_changes_nothing(
    client: Client, personas: dict[str, User], world: World
) -> None:
    version = shipped_version("mini_cex")
    before = version.definition
    response = _as(client, personas["admin"]).post(
        reverse("instrument_edit", args=[version.instrument_id]), _builder(before, version)
    )
    assert response.status_code == 302
    assert InstrumentVersion.objects.filter(instrument=version.instrument).count() == 1
    version.refresh_from_db()
    assert version.definition == before


def test_saving_a_frozen_version_makes_the_next(
    client: Client, world: World, personas: dict[str, User]
) -> None:
    instrument = _handover(world, personas)
    version = instrument.versions.get()
    assessment = AssessmentFactory(instrument_version=version, scores={"situation": 4}, total=Decimal("4.00"))
    InstrumentVersion.objects.filter(pk=version.pk).update(frozen_at=FROZEN_AT)
    version.refresh_from_db()
    _as(client, personas["officer"])
    assert (
        'id="in-use-notice"' in client.get(reverse("instrument_edit", args=[instrument.pk])).content.decode()
    )
    changed = handover()
    changed["scale"]["max"] = 7
    changed["scale"]["bands"][1]["max"] = 7
    response = client.post(
        reverse("instrument_edit", args=[instrument.pk]), _builder(changed, version), follow=True
    )
    assert (
        "Version 1 is used by assessments, so your changes were saved as version 2. Those assessments keep "
        "version 1; assessments made from now on use version 2." in response.content.decode()
    )
    assert list(instrument.versions.order_by("number").values_list("number", "definition")) == [
        (1, handover()),
        (2, changed),
    ]
    assessment.refresh_from_db()
    assert assessment.instrument_version_id == version.pk


def test_problems_appear_on_their_rows_and_nothing_is_saved(
    client: Client, world: World, personas: dict[str, User]
) -> None:
    instrument = _handover(world, personas)
    version = instrument.versions.get()
    broken = handover()
    broken["items"][1]["code"] = "situation"
    broken["scale"]["bands"][1]["min"] = 2
    broken["extra_fields"][2]["choices"] = ["白班", "白班"]
    response = _as(client, personas["officer"]).post(
        reverse("instrument_edit", args=[instrument.pk]), _builder(broken, version)
    )
    assert response.status_code == 200
    html = response.content.decode()
    errors = dict(re.findall(r'data-error-for="([^"]+)">([^<]+)<', html))
    assert errors == {
        "items-1-code": "The code “situation” is already used by row 1.",
        "bands-1-min": "This band overlaps band 1.",
        "fields-2-choices": "The option “白班” is listed twice.",
    }
    assert "The instrument has 3 problems; they are marked below." in html
    assert re.search(r'name="items-1-code" value="situation"[^>]* class="form-control is-invalid"', html)
    version.refresh_from_db()
    assert version.definition == handover()


def test_a_list_left_empty_says_so_above_it(client: Client, world: World, personas: dict[str, User]) -> None:
    instrument = _handover(world, personas)
    version = instrument.versions.get()
    emptied = handover()
    emptied["items"] = []
    html = (
        _as(client, personas["officer"])
        .post(reverse("instrument_edit", args=[instrument.pk]), _builder(emptied, version))
        .content.decode()
    )
    assert re.search(r'data-errors-for="items"><div>Add at least one item to rate.</div>', html)


def test_a_stale_save_answers_409_and_changes_nothing(
    client: Client, world: World, personas: dict[str, User]
) -> None:
    instrument = _handover(world, personas)
    version = instrument.versions.get()
    opened = _builder(handover(), version)
    changed = handover()
    changed["items"][0]["en"] = "Situation (theirs)"
    InstrumentVersion.objects.filter(pk=version.pk).update(definition=changed)  # someone saved meanwhile
    mine = handover()
    mine["items"][0]["en"] = "Situation (mine)"
    data = {**_builder(mine, version), "digest": opened["digest"]}
    response = _as(client, personas["officer"]).post(reverse("instrument_edit", args=[instrument.pk]), data)
    assert response.status_code == 409
    assert "Someone else changed this instrument after you opened it." in response.content.decode()
    version.refresh_from_db()
    assert version.definition == changed


def test_the_exit_exam_is_not_built_here(client: Client, personas: dict[str, User], world: World) -> None:
    exam = shipped_version("department_exit_exam").instrument
    response = _as(client, personas["admin"]).get(reverse("instrument_edit", args=[exam.pk]), follow=True)
    assert response.redirect_chain == [(reverse("instrument_detail", args=[exam.pk]), 302)]
    assert "ship with MedTalent; they are not built here." in response.content.decode()


# --- new ------------------------------------------------------------------------------------------------


def _new(definition: dict[str, Any], **fields: Any) -> dict[str, Any]:
    data = {
        "instrument-kind": InstrumentKind.RATING_SCALE,
        "instrument-code": "handover",
        "instrument-name_zh": "交接班质量",
        "instrument-name_en": "Handover quality",
        **_builder(definition),
    }
    data.update({f"instrument-{name}": value for name, value in fields.items()})
    return data


def test_an_officer_builds_a_new_instrument(client: Client, world: World, personas: dict[str, User]) -> None:
    _as(client, personas["officer"])
    page = client.get(reverse("instrument_new")).content.decode()
    # The start: a 1-5 scale and the two prompts every feedback form has.
    assert 'name="scale_max" value="5"' in page
    assert 'name="fields-0-code" value="strengths"' in page
    assert 'name="fields-1-code" value="improvements"' in page
    assert '<option value="exit_exam"' not in page
    response = client.post(reverse("instrument_new"), _new(handover(), institution=world.hospital.pk))
    instrument = Instrument.objects.get(code="handover")
    assert response.status_code == 302
    assert response["Location"] == reverse("instrument_detail", args=[instrument.pk])
    assert (instrument.institution, instrument.versions.get().definition) == (world.hospital, handover())


def test_a_new_instrument_with_problems_shows_them_on_rows(
    client: Client, world: World, personas: dict[str, User]
) -> None:
    broken = handover()
    broken["items"][0]["zh"] = broken["items"][0]["en"] = ""
    _as(client, personas["officer"])
    html = client.post(
        reverse("instrument_new"), _new(broken, institution=world.hospital.pk, code="mini_cex")
    ).content.decode()
    # What the instrument is comes first; its rows once that is right.
    assert dict(re.findall(r'data-error-for="([^"]+)">([^<]+)<', html)) == {
        "instrument-code": "An instrument with the code “mini_cex” already exists here."
    }
    html = client.post(
        reverse("instrument_new"), _new(broken, institution=world.hospital.pk)
    ).content.decode()
    assert dict(re.findall(r'data-error-for="([^"]+)">([^<]+)<', html)) == {
        "items-0-zh": "Give a name in Chinese or English."
    }
    assert not Instrument.objects.filter(institution=world.hospital).exists()


def test_an_officer_cannot_add_at_another_institution(
    client: Client, world: World, personas: dict[str, User]
) -> None:
    html = (
        _as(client, personas["officer"])
        .post(reverse("instrument_new"), _new(handover(), institution=world.other.pk))
        .content.decode()
    )
    assert "Select a valid choice." in html
    assert not Instrument.objects.filter(code="handover").exists()


def test_a_points_instrument_is_built_from_sections_and_grades(
    client: Client, world: World, personas: dict[str, User]
) -> None:
    data = {
        "instrument-kind": InstrumentKind.POINTS,
        "instrument-institution": world.hospital.pk,
        "instrument-code": "discharge_letter",
        "instrument-name_zh": "出院小结",
        "scale_min": "",
        "scale_max": "",
        **_rows("items", []),
        **_rows("bands", []),
        **_rows("fields", [], blank={"type": "text", "group": "extra_fields"}),
        **_rows(
            "sections",
            [
                {"code": "diagnosis", "zh": "诊断", "points": "10"},
                {"code": "medication", "zh": "用药", "points": "7.5"},
            ],
        ),
        **_rows("grading", [{"min": "12", "zh": "合格"}, {"min": "0", "zh": "不合格"}]),
    }
    response = _as(client, personas["officer"]).post(reverse("instrument_new"), data)
    assert response.status_code == 302
    assert Instrument.objects.get(code="discharge_letter").versions.get().definition == {
        "sections": [
            {"code": "diagnosis", "zh": "诊断", "points": 10},
            {"code": "medication", "zh": "用药", "points": 7.5},
        ],
        "grading": [{"min": 12, "zh": "合格"}, {"min": 0, "zh": "不合格"}],
        "extra_fields": [],
    }


# --- preview and in use --------------------------------------------------------------------------------


def test_the_preview_draws_the_unsaved_rows(client: Client, world: World, personas: dict[str, User]) -> None:
    _as(client, personas["officer"])
    response = client.post(
        reverse("instrument_preview"), {"kind": InstrumentKind.RATING_SCALE, **_builder(handover())}
    )
    text = _text(response.content.decode())
    assert text.startswith("Situation * 1 2 3 4 5 N/A Background")
    assert "Patients handed over" in text
    broken = handover()
    broken["items"] = []
    response = client.post(
        reverse("instrument_preview"), {"kind": InstrumentKind.RATING_SCALE, **_builder(broken)}
    )
    assert _text(response.content.decode()) == "Not yet a form: Add at least one item to rate."
    _as(client, personas["teacher"])
    assert client.post(reverse("instrument_preview"), _builder(handover())).status_code == 403


def test_taking_out_of_use_and_back(client: Client, world: World, personas: dict[str, User]) -> None:
    instrument = _handover(world, personas)
    _as(client, personas["officer"])
    url = reverse("instrument_set_active", args=[instrument.pk])
    response = client.post(url, {"is_active": "0"}, follow=True)
    assert "Assessors no longer see this instrument." in response.content.decode()
    instrument.refresh_from_db()
    assert instrument.is_active is False
    client.post(url, {"is_active": "1"})
    instrument.refresh_from_db()
    assert instrument.is_active is True
    _as(client, personas["teacher"])
    assert client.post(url, {"is_active": "0"}).status_code == 403


def test_an_institution_outside_every_scope_sees_only_shipped(
    client: Client, world: World, personas: dict[str, User]
) -> None:
    stranger_base = InstitutionFactory(code="far")
    far = _handover(world, personas, actor=personas["admin"], institution=stranger_base, code="far_away")
    html = _as(client, personas["officer"]).get(reverse("instrument_list")).content.decode()
    assert f'data-instrument-id="{far.pk}"' not in html
