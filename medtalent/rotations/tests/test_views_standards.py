"""Pages: the standards list, one standard, edit (in place, new edition, problems, conflict), add."""

import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from medtalent.people.models import User
from medtalent.rotations.models import RotationStandard, StandardEdition
from medtalent.rotations.tests.conftest import RotationWorld, standard_content
from medtalent.rotations.tests.factories import (
    RotationEnrolmentFactory,
    RotationStandardFactory,
    StandardEditionFactory,
)

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


def _standard_ids(html: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'data-standard-id="(\d+)"', html)]


def _form(edition: StandardEdition, **changes: Any) -> dict[str, Any]:
    """The edit form as the page posts it: the edition's rows, one blank row each, and the changes."""
    data: dict[str, Any] = {
        "label": edition.label,
        "total_months": edition.total_months,
        "source": edition.source,
        "version": edition.version,
        "requirements-TOTAL_FORMS": len(edition.requirements) + 1,
        "requirements-INITIAL_FORMS": len(edition.requirements),
        "groups-TOTAL_FORMS": len(edition.groups) + 1,
        "groups-INITIAL_FORMS": len(edition.groups),
    }
    for index, item in enumerate(edition.requirements):
        for name in (
            "department",
            "months",
            "max_segments",
            "min_segment_months",
            "earliest_start",
            "latest_end",
        ):
            data[f"requirements-{index}-{name}"] = item.get(name, "")
    blank = len(edition.requirements)
    data[f"requirements-{blank}-max_segments"] = 1
    data[f"requirements-{blank}-min_segment_months"] = 1
    for index, item in enumerate(edition.groups):
        data[f"groups-{index}-departments"] = ", ".join(item["departments"])
        for name in ("months", "min_each", "max_each"):
            data[f"groups-{index}-{name}"] = item[name]
    blank = len(edition.groups)
    data[f"groups-{blank}-min_each"] = 1
    data[f"groups-{blank}-max_each"] = 1
    data.update(changes)
    return data


# --- list ---------------------------------------------------------------------------------------


def test_list_shows_current_edition_total_and_trainees(
    client: Client, personas: dict[str, Any], rotation_world: RotationWorld
) -> None:
    standard = rotation_world.standard
    StandardEditionFactory(standard=standard, number=2, total_months=12, label="2024 review")
    RotationEnrolmentFactory(edition=rotation_world.edition)
    RotationEnrolmentFactory(edition=rotation_world.edition)
    html = _as(client, personas["officer"]).get("/rotations/standards/").content.decode()
    row = html[html.index(f'data-standard-id="{standard.pk}"') :]
    row = row[: row.index("</tr>")]
    cells = [_text(cell) for cell in re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)]
    assert cells == ["Internal medicine internal_medicine", "Affiliated Hospital", "2 2024 review", "12", "2"]
    assert "Add a standard" in html


def test_rotations_menu_entry_leads_each_role_to_their_page(
    client: Client, personas: dict[str, Any], rotation_world: RotationWorld
) -> None:
    for name in ("officer", "head", "teacher", "trainee", "admin"):
        assert 'data-nav="rotations"' in _as(client, personas[name]).get("/").content.decode(), name
    for name in ("mentor", "talent_officer", "leader"):
        assert 'data-nav="rotations"' not in _as(client, personas[name]).get("/").content.decode(), name
    landings = {
        "officer": "/rotations/schedules/",
        "admin": "/rotations/schedules/",
        "head": "/rotations/roster/",
        "teacher": "/rotations/roster/",
        "trainee": "/rotations/me/",
        "leader": "/rotations/standards/",
    }
    for name, landing in landings.items():
        response = _as(client, personas[name]).get("/rotations/")
        assert (response.status_code, response["Location"]) == (302, landing), name


def test_list_shows_only_the_users_institution_family(
    client: Client, personas: dict[str, Any], rotation_world: RotationWorld
) -> None:
    foreign = RotationStandardFactory(institution=rotation_world.world.other)
    StandardEditionFactory(standard=foreign)
    mine = [rotation_world.standard.pk]
    for name in ("officer", "head", "mentor", "trainee", "leader"):
        html = _as(client, personas[name]).get("/rotations/standards/").content.decode()
        assert _standard_ids(html) == mine, name
        assert ("Add a standard" in html) is (name == "officer"), name
    assert _standard_ids(_as(client, personas["outsider"]).get("/rotations/standards/").content.decode()) == [
        foreign.pk
    ]
    assert sorted(
        _standard_ids(_as(client, personas["admin"]).get("/rotations/standards/").content.decode())
    ) == (sorted([*mine, foreign.pk]))


def test_list_query_count_does_not_grow_with_the_standards(
    client: Client,
    personas: dict[str, Any],
    rotation_world: RotationWorld,
    django_assert_max_num_queries: Any,
) -> None:
    _as(client, personas["officer"])
    client.get("/rotations/standards/")
    with CaptureQueriesContext(connection) as few:
        client.get("/rotations/standards/")
    for _ in range(10):
        standard = RotationStandardFactory(institution=rotation_world.world.hospital)
        for number in (1, 2):
            RotationEnrolmentFactory(edition=StandardEditionFactory(standard=standard, number=number))
    with django_assert_max_num_queries(len(few.captured_queries)):
        response = client.get("/rotations/standards/")
    assert len(_standard_ids(response.content.decode())) == 11


def test_list_needs_sign_in(client: Client, db: Any) -> None:
    response = client.get("/rotations/standards/")
    assert (response.status_code, response["Location"]) == (
        302,
        "/accounts/login/?next=/rotations/standards/",
    )


# --- detail ---------------------------------------------------------------------------------------


def test_detail_shows_the_current_edition_in_the_readers_language(
    client: Client, personas: dict[str, Any], rotation_world: RotationWorld
) -> None:
    standard = rotation_world.standard
    html = _as(client, personas["trainee"]).get(f"/rotations/standards/{standard.pk}/").content.decode()
    requirements = html[html.index('id="requirements"') : html.index('id="groups"')]
    rows = re.findall(
        r'<tr data-department="(\w+)">.*?<td[^>]*>(.*?)</td>\s*<td[^>]*>(\d+)</td>', requirements, re.S
    )
    assert [(code, _text(name), months) for code, name, months in rows] == [
        ("CARD", "Cardiology rotation CARD", "4"),
        ("RESP", "Respiratory medicine RESP", "3"),
        ("GI", "Gastroenterology GI", "2"),
    ]
    groups = html[html.index('id="groups"') : html.index('id="editions"')]
    assert "Geriatrics、Medical oncology、Laboratory medicine" in groups
    assert "1–2 months" in groups
    assert 'id="total-months">12<' in html
    assert "Edit</a>" not in html  # a trainee reads, never edits

    chinese = Client()
    chinese.cookies["django_language"] = "zh-hans"
    chinese.force_login(personas["trainee"])
    assert "心血管内科（轮转）" in chinese.get(f"/rotations/standards/{standard.pk}/").content.decode()


def test_detail_shows_windows_and_segments(
    client: Client, personas: dict[str, Any], rotation_world: RotationWorld
) -> None:
    edition = rotation_world.edition
    edition.requirements[0].update(max_segments=2, min_segment_months=2, earliest_start=0, latest_end=6)
    edition.save()
    html = (
        _as(client, personas["officer"]).get(f"/rotations/standards/{edition.standard_id}/").content.decode()
    )
    card = html[html.index('data-department="CARD"') :]
    card = card[: card.index("</tr>")]
    assert "up to 2 segments of at least 2 months" in card
    assert "within months 1–6" in card
    assert "any time" in html[html.index('data-department="RESP"') :]


def test_detail_lists_older_editions_and_shows_one_on_request(
    client: Client, personas: dict[str, Any], rotation_world: RotationWorld
) -> None:
    standard = rotation_world.standard
    StandardEditionFactory(standard=standard, number=2, total_months=12, label="2024 review", requirements=[])
    _as(client, personas["officer"])
    html = client.get(f"/rotations/standards/{standard.pk}/").content.decode()
    assert re.findall(r'data-edition="(\d+)"', html) == ["2", "1"]
    assert "No required departments." in html
    older = client.get(f"/rotations/standards/{standard.pk}/?edition=1").content.decode()
    assert "older edition" in older
    assert 'data-department="CARD"' in older
    assert "Edit</a>" in older


def test_detail_of_another_institutions_standard_is_not_found(
    client: Client, personas: dict[str, Any], rotation_world: RotationWorld
) -> None:
    url = f"/rotations/standards/{rotation_world.standard.pk}/"
    assert _as(client, personas["outsider"]).get(url).status_code == 404


# --- edit: who ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("persona", "status"),
    [
        ("admin", 200),
        ("officer", 200),
        ("talent_officer", 403),
        ("head", 403),
        ("mentor", 403),
        ("teacher", 403),
        ("trainee", 403),
        ("leader", 403),
        ("outsider", 404),
    ],
)
def test_who_may_edit(
    client: Client, personas: dict[str, Any], rotation_world: RotationWorld, persona: str, status: int
) -> None:
    edition = rotation_world.edition
    url = f"/rotations/standards/{edition.standard_id}/edit/"
    _as(client, personas[persona])
    assert client.get(url).status_code == status
    response = client.post(url, _form(edition, source="changed"))
    assert response.status_code == (302 if status == 200 else status)
    source = StandardEdition.objects.get(pk=edition.pk).source
    assert source == ("changed" if status == 200 else "test")


# --- edit: what ------------------------------------------------------------------------------------


def test_officer_edits_an_edition_in_place(
    client: Client, personas: dict[str, Any], rotation_world: RotationWorld
) -> None:
    edition = rotation_world.edition
    _as(client, personas["officer"])
    form = client.get(f"/rotations/standards/{edition.standard_id}/edit/").content.decode()
    assert re.search(r'<input type="hidden" name="version" value="1"', form)
    assert 'id="in-use-notice"' not in form
    response = client.post(
        f"/rotations/standards/{edition.standard_id}/edit/",
        _form(
            edition,
            **{
                "requirements-0-months": 3,
                "requirements-3-department": "ICU",
                "requirements-3-months": 1,
                "requirements-3-latest_end": 6,
                "requirements-3-confirmed": "on",
                "groups-0-departments": "GER，ONC LAB",
            },
        ),
    )
    assert response.status_code == 302
    assert response["Location"] == f"/rotations/standards/{edition.standard_id}/"
    row = StandardEdition.objects.get(pk=edition.pk)
    assert row.version == 2
    assert row.requirements[0] == {
        "department": "CARD",
        "months": 3,
        "max_segments": 1,
        "min_segment_months": 1,
    }
    assert row.requirements[3] == {
        "department": "ICU",
        "months": 1,
        "max_segments": 1,
        "min_segment_months": 1,
        "latest_end": 6,
        "confirmed": True,
    }
    assert row.groups == standard_content()["groups"]
    assert "Saved." in client.get(response["Location"]).content.decode()


def test_officer_removes_a_row(
    client: Client, personas: dict[str, Any], rotation_world: RotationWorld
) -> None:
    edition = rotation_world.edition
    _as(client, personas["officer"])
    data = _form(edition, **{"requirements-2-DELETE": "on", "total_months": 10})
    assert client.post(f"/rotations/standards/{edition.standard_id}/edit/", data).status_code == 302
    row = StandardEdition.objects.get(pk=edition.pk)
    assert ([item["department"] for item in row.requirements], row.total_months) == (["CARD", "RESP"], 10)


def test_saving_an_edition_in_use_makes_a_new_edition_and_says_so(
    client: Client, personas: dict[str, Any], rotation_world: RotationWorld
) -> None:
    edition = rotation_world.edition
    RotationEnrolmentFactory(edition=edition)
    _as(client, personas["officer"])
    url = f"/rotations/standards/{edition.standard_id}/edit/"
    assert 'id="in-use-notice"' in client.get(url).content.decode()
    response = client.post(url, _form(edition, **{"requirements-0-months": 5, "requirements-1-months": 2}))
    assert response.status_code == 302
    page = client.get(response["Location"]).content.decode()
    assert (
        "Edition 1 is followed by 1 trainee, so your changes were saved as a new edition 2. "
        "That trainee keeps edition 1; trainees enrolled from now on follow edition 2."
    ) in page
    assert list(
        StandardEdition.objects.filter(standard=edition.standard).values_list("number", "version")
    ) == [
        (2, 1),
        (1, 1),
    ]


def test_problems_show_on_their_row_and_field(
    client: Client, personas: dict[str, Any], rotation_world: RotationWorld
) -> None:
    edition = rotation_world.edition
    _as(client, personas["officer"])
    data = _form(
        edition,
        **{
            "requirements-1-latest_end": 2,
            "groups-0-departments": "GER, XRAY, LAB",
            "requirements-0-months": 5,
        },
    )
    response = client.post(f"/rotations/standards/{edition.standard_id}/edit/", data)
    assert response.status_code == 200
    html = response.content.decode()
    errors = dict(re.findall(r'data-error-for="([\w-]+)">([^<]+)<', html))
    assert errors == {
        "requirements-1-latest_end": (
            "The window from month 0 to month 2 is 2 months long, shorter than the 3 months required."
        ),
        "groups-0-departments": (
            "There is no department with the code “XRAY” at Affiliated Hospital or its affiliates."
        ),
        "total_months": (
            "The required departments (10 months) and the elective groups (3 months) add up to 13 months, "
            "not the 12 months in total."
        ),
    }
    assert 'name="requirements-1-latest_end" value="2"' in html  # the input is kept
    assert StandardEdition.objects.get(pk=edition.pk).version == 1


def test_an_unparsable_number_is_refused_by_the_form(
    client: Client, personas: dict[str, Any], rotation_world: RotationWorld
) -> None:
    edition = rotation_world.edition
    _as(client, personas["officer"])
    response = client.post(
        f"/rotations/standards/{edition.standard_id}/edit/",
        _form(edition, **{"requirements-0-months": "four"}),
    )
    assert response.status_code == 200
    assert re.search(
        r'data-error-for="requirements-0-months">Enter a whole number.<', response.content.decode()
    )


def test_stale_edit_shows_the_conflict_and_keeps_the_input(
    client: Client, personas: dict[str, Any], rotation_world: RotationWorld
) -> None:
    edition = rotation_world.edition
    stale = _form(edition, source="my source", **{"requirements-0-months": 5, "requirements-1-months": 2})
    _as(client, personas["admin"]).post(
        f"/rotations/standards/{edition.standard_id}/edit/", _form(edition, source="their source")
    )
    response = _as(client, personas["officer"]).post(
        f"/rotations/standards/{edition.standard_id}/edit/", stale
    )
    assert response.status_code == 200
    html = response.content.decode()
    assert "Someone else changed this standard after you opened it. Nothing was saved" in html
    assert "my source</textarea>" in html
    row = StandardEdition.objects.get(pk=edition.pk)
    assert (row.version, row.source, row.requirements[0]["months"]) == (2, "their source", 4)


# --- new -------------------------------------------------------------------------------------------


def test_officer_adds_a_standard(
    client: Client, personas: dict[str, Any], rotation_world: RotationWorld
) -> None:
    hospital = rotation_world.world.hospital
    _as(client, personas["officer"])
    page = client.get(f"/rotations/standards/new/?institution={hospital.pk}").content.decode()
    assert '<option value="CARD">Cardiology rotation (CARD)</option>' in page
    data = {
        "institution": hospital.pk,
        "specialty": "geriatrics",
        "name_zh": "老年医学",
        "name_en": "Geriatric medicine",
        "label": "",
        "total_months": 3,
        "source": "",
        "requirements-TOTAL_FORMS": 2,
        "requirements-INITIAL_FORMS": 0,
        "requirements-0-department": "GER",
        "requirements-0-months": 2,
        "requirements-0-max_segments": 1,
        "requirements-0-min_segment_months": 1,
        "requirements-1-max_segments": 1,
        "requirements-1-min_segment_months": 1,
        "groups-TOTAL_FORMS": 1,
        "groups-INITIAL_FORMS": 0,
        "groups-0-departments": "ICU ONC",
        "groups-0-months": 1,
        "groups-0-min_each": 1,
        "groups-0-max_each": 1,
    }
    response = client.post("/rotations/standards/new/", data)
    assert response.status_code == 302
    standard = RotationStandard.objects.get(specialty="geriatrics")
    assert response["Location"] == f"/rotations/standards/{standard.pk}/"
    [edition] = standard.editions.all()
    assert (edition.total_months, edition.requirements, edition.groups) == (
        3,
        [{"department": "GER", "months": 2, "max_segments": 1, "min_segment_months": 1}],
        [{"departments": ["ICU", "ONC"], "months": 1, "min_each": 1, "max_each": 1}],
    )

    again = client.post("/rotations/standards/new/", data)
    assert again.status_code == 200
    assert re.search(
        r'data-error-for="specialty">Affiliated Hospital already has a standard for this specialty.<',
        again.content.decode(),
    )


def test_only_programme_officers_and_administrators_add_standards(
    client: Client, personas: dict[str, Any], rotation_world: RotationWorld
) -> None:
    for name in ("talent_officer", "head", "mentor", "trainee", "leader"):
        assert _as(client, personas[name]).get("/rotations/standards/new/").status_code == 403, name
    assert _as(client, personas["admin"]).get("/rotations/standards/new/").status_code == 200
    # The outsider runs their own institution's rotations, not the hospital's.
    outsider = _as(client, personas["outsider"])
    page = outsider.get("/rotations/standards/new/").content.decode()
    assert f'value="{rotation_world.world.hospital.pk}"' not in page
    response = outsider.post(
        "/rotations/standards/new/",
        {
            "institution": rotation_world.world.hospital.pk,
            "specialty": "x",
            "name_zh": "x",
            "total_months": 1,
        },
    )
    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    assert not RotationStandard.objects.filter(specialty="x").exists()


def test_a_standard_without_an_edition_is_not_found(
    client: Client, personas: dict[str, Any], rotation_world: RotationWorld
) -> None:
    bare = RotationStandardFactory(institution=rotation_world.world.hospital)
    _as(client, personas["officer"])
    assert client.get(f"/rotations/standards/{bare.pk}/").status_code == 404
    assert client.get(f"/rotations/standards/{bare.pk}/edit/").status_code == 404
