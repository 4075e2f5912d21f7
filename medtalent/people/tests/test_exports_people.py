"""Downloads of the people lists (.xlsx and .csv) through the API and the pages, per persona.

Each export gives exactly the rows of the list with the same filters, and only the fields the user
may see: private columns blank for card-only rows, the national ID full for officers and masked
for the others who see the record. Formula text is neutralised; headers follow the language.
"""

import csv
import datetime
import html
import io
import re
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from openpyxl import load_workbook

from medtalent.conftest import World
from medtalent.core.models import AuditEvent
from medtalent.people import services
from medtalent.people.models import Mentorship, Person, TraineeProfile, User
from medtalent.people.national_id import mask_national_id
from medtalent.people.tests.factories import (
    DepartmentFactory,
    FacultyProfileFactory,
    MentorshipFactory,
    PersonFactory,
    TraineeProfileFactory,
    make_national_id,
)

pytestmark = pytest.mark.django_db

FORMATS = ["csv", "xlsx"]
TRAINEE_BIRTH = datetime.date(2000, 5, 6)
TRAINEE_NID = make_national_id(TRAINEE_BIRTH, 1, region="110105")
TRAINEE_NID_MASKED = TRAINEE_NID[:3] + "*" * 11 + TRAINEE_NID[-4:]
TRAINEE_EMAIL = "trainee@example.edu.cn"
TRAINEE_PHONE = "13800000000"
STUDENT_NUMBER = "S2024001"
FORMULA_NAME = '=HYPERLINK("http://x","y")'

PERSON_HEADERS = {
    "en": [
        "Chinese name",
        "Name in Latin script (pinyin)",
        "Gender",
        "Birth date",
        "National ID number",
        "E-mail",
        "Phone",
        "Institution",
        "Department",
        "Level",
        "Cohort (year of entry)",
        "Specialty",
        "Student number",
        "Clinical title",
        "Academic title",
        "Supervisor qualification",
    ],
    "zh-hans": [
        "中文姓名",
        "拼音姓名",
        "性别",
        "出生日期",
        "身份证号",
        "电子邮箱",
        "联系电话",
        "机构",
        "科室",
        "培养层次",
        "年级（入学年份）",
        "专业",
        "学号",
        "临床职称",
        "教学科研职称",
        "导师资格",
    ],
}
# Column positions in PERSON_HEADERS.
PRIVATE_COLUMNS = [2, 3, 4, 5, 6, 12]  # gender, birth date, national ID, e-mail, phone, student number

TRAINEE_ROW_FULL = [
    "Trainee",
    "Trainee",
    "Female",
    "2000-05-06",
    TRAINEE_NID,
    TRAINEE_EMAIL,
    TRAINEE_PHONE,
    "Affiliated Hospital",
    "Cardiology",
    "Professional master's student",
    "2024",
    "内科",
    STUDENT_NUMBER,
    "",
    "",
    "",
]
TRAINEE_ROW_MASKED = [*TRAINEE_ROW_FULL[:4], TRAINEE_NID_MASKED, *TRAINEE_ROW_FULL[5:]]
TRAINEE_ROW_CARD = [
    "Trainee",
    "Trainee",
    "",
    "",
    "",
    "",
    "",
    "Affiliated Hospital",
    "Cardiology",
    "Professional master's student",
    "2024",
    "内科",
    "",
    "",
    "",
    "",
]
OFFICER_ROW_CARD = [
    "Officer",
    "Officer",
    "",
    "",
    "",
    "",
    "",
    "Medical University",
    "",
    "",
    "",
    "",
    "",
    "Attending physician",
    "Lecturer",
    "Master's supervisor",
]

UNI_PEOPLE = ["Head", "Mentor", "Officer", "Other Trainee", "Teacher", "Trainee"]
UNI_FACULTY = ["Head", "Mentor", "Officer", "Teacher"]
HEAD_SEES = ["Head", "Mentor", "Officer", "Teacher", "Trainee"]


# --- helpers -----------------------------------------------------------------------------------


def client_for(user: User | None, language: str = "en") -> Client:
    client = Client(HTTP_ACCEPT_LANGUAGE=language)
    if user is not None:
        client.force_login(user)
    return client


def _body(response: Any) -> bytes:
    return b"".join(response.streaming_content) if response.streaming else response.content


def _csv_table(content: bytes) -> list[list[str]]:
    text = content.decode("utf-8")
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline="")))


def _xlsx_cells(content: bytes) -> list[list[Any]]:
    workbook = load_workbook(io.BytesIO(content))
    assert len(workbook.worksheets) == 1
    return [list(row) for row in workbook.worksheets[0].iter_rows()]


def _as_text(value: Any) -> str:
    """An .xlsx value as the .csv writes it, so one expectation serves both formats."""
    if value is None:
        return ""
    if isinstance(value, datetime.datetime) and value.time() == datetime.time(0):
        return value.date().isoformat()
    return str(value)


def table(response: Any, file_format: str) -> list[list[str]]:
    """Header and rows of a download, every cell as text."""
    assert response.status_code == 200
    content = _body(response)
    if file_format == "csv":
        assert response["Content-Type"] == "text/csv; charset=utf-8"
        return _csv_table(content)
    assert response["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return [[_as_text(cell.value) for cell in row] for row in _xlsx_cells(content)]


def _filename(name: str, file_format: str) -> str:
    return f'attachment; filename="{name}-{timezone.localdate():%Y%m%d}.{file_format}"'


def api_export(client: Client, what: str, file_format: str, **params: Any) -> Any:
    return client.get(f"/api/v1/{what}/export", {"file_format": file_format, **params})


def api_names(client: Client, **params: Any) -> list[str]:
    response = client.get("/api/v1/people", {"page_size": 200, **params})
    assert response.status_code == 200
    return [item["name_latin"] for item in response.json()["items"]]


@pytest.fixture
def details(world: World) -> World:
    """Known private values on the cardiology trainee, and a second level for the surgery trainee."""
    Person.objects.filter(pk=world.trainee_person.pk).update(
        birth_date=TRAINEE_BIRTH, national_id=TRAINEE_NID, email=TRAINEE_EMAIL, phone=TRAINEE_PHONE
    )
    TraineeProfile.objects.filter(person=world.trainee_person).update(student_number=STUDENT_NUMBER)
    TraineeProfile.objects.filter(person=world.other_trainee).update(level="doctoral")
    return world


# --- (a) rows and columns per persona ----------------------------------------------------------

ROW_CASES = [
    ("officer", {}, UNI_PEOPLE),
    ("officer", {"q": "Trainee"}, ["Other Trainee", "Trainee"]),
    ("officer", {"q": "trainee@example"}, ["Trainee"]),
    ("officer", {"kind": "faculty"}, UNI_FACULTY),
    ("officer", {"kind": "trainee"}, ["Other Trainee", "Trainee"]),
    ("officer", {"level": "doctoral"}, ["Other Trainee"]),
    ("officer", {"level": "professional_master"}, ["Trainee"]),
    ("officer", {"institution_id": "uni"}, ["Officer"]),
    ("officer", {"institution_id": "other"}, []),
    (
        "officer",
        {"q": "Trainee", "kind": "trainee", "institution_id": "hospital"},
        ["Other Trainee", "Trainee"],
    ),
    ("leader", {}, UNI_PEOPLE),
    ("leader", {"q": "Trainee"}, ["Other Trainee", "Trainee"]),
    ("leader", {"q": "trainee@example"}, []),  # contacts match only where the user may see them
    ("leader", {"kind": "faculty"}, UNI_FACULTY),
    ("leader", {"level": "doctoral"}, ["Other Trainee"]),
    ("leader", {"institution_id": "uni"}, ["Officer"]),
    ("head", {}, HEAD_SEES),
    ("head", {"q": "Trainee"}, ["Trainee"]),
    ("head", {"q": "trainee@example"}, ["Trainee"]),
    ("head", {"kind": "trainee"}, ["Trainee"]),
    ("head", {"kind": "faculty"}, UNI_FACULTY),
    ("head", {"level": "doctoral"}, []),
    ("head", {"institution_id": "uni"}, ["Officer"]),
    ("outsider", {}, ["Foreign Faculty", "Foreign Trainee"]),
    ("outsider", {"q": "Trainee"}, ["Foreign Trainee"]),
    ("outsider", {"kind": "faculty"}, ["Foreign Faculty"]),
    ("outsider", {"institution_id": "hospital"}, []),
]


@pytest.mark.parametrize("file_format", FORMATS)
@pytest.mark.parametrize(("persona", "params", "expected"), ROW_CASES)
def test_people_export_rows_equal_the_api_list(
    details: World,
    personas: dict[str, User],
    persona: str,
    params: dict[str, str],
    expected: list[str],
    file_format: str,
) -> None:
    institutions = {"uni": details.uni.pk, "hospital": details.hospital.pk, "other": details.other.pk}
    query = {key: institutions[value] if key == "institution_id" else value for key, value in params.items()}
    client = client_for(personas[persona])
    response = api_export(client, "people", file_format, **query)
    rows = table(response, file_format)
    assert rows[0] == PERSON_HEADERS["en"]
    assert [row[1] for row in rows[1:]] == expected
    assert [row[1] for row in rows[1:]] == api_names(client, **query)
    assert response["Content-Disposition"] == _filename("people", file_format)


@pytest.mark.parametrize("file_format", FORMATS)
def test_officer_export_has_full_records_and_national_ids(
    details: World, personas: dict[str, User], file_format: str
) -> None:
    rows = table(api_export(client_for(personas["officer"]), "people", file_format), file_format)
    by_name = {row[1]: row for row in rows[1:]}
    assert by_name["Trainee"] == TRAINEE_ROW_FULL
    officer_person = Person.objects.get(pk=details.officer_person.pk)
    assert by_name["Officer"][:8] == [
        "Officer",
        "Officer",
        "Female",
        officer_person.birth_date.isoformat(),
        officer_person.national_id,
        officer_person.email,
        officer_person.phone,
        "Medical University",
    ]
    # Every row is private to the officer: nothing blank among the person's own fields.
    for name, row in by_name.items():
        person = Person.objects.get(name_latin=name)
        assert row[4] == person.national_id
        assert len(row[4]) == 18
        assert row[5] == person.email


@pytest.mark.parametrize("file_format", FORMATS)
def test_head_export_masks_national_id_and_blanks_card_only_rows(
    details: World, personas: dict[str, User], file_format: str
) -> None:
    rows = table(api_export(client_for(personas["head"]), "people", file_format), file_format)
    by_name = {row[1]: row for row in rows[1:]}
    assert by_name["Trainee"] == TRAINEE_ROW_MASKED
    assert by_name["Trainee"][4] == mask_national_id(TRAINEE_NID)
    assert TRAINEE_NID not in _body(api_export(client_for(personas["head"]), "people", "csv")).decode()
    # The officer is only a card to the head (faculty of the same university family).
    assert by_name["Officer"] == OFFICER_ROW_CARD
    # The cardiology staff are the head's records: national ID masked, never full.
    for name in ("Head", "Mentor", "Teacher"):
        person = Person.objects.get(name_latin=name)
        assert by_name[name][4] == person.national_id[:3] + "*" * 11 + person.national_id[-4:]
        assert by_name[name][5] == person.email


@pytest.mark.parametrize("file_format", FORMATS)
def test_leader_export_has_cards_only(details: World, personas: dict[str, User], file_format: str) -> None:
    rows = table(api_export(client_for(personas["leader"]), "people", file_format), file_format)
    by_name = {row[1]: row for row in rows[1:]}
    assert by_name["Trainee"] == TRAINEE_ROW_CARD
    assert by_name["Officer"] == OFFICER_ROW_CARD
    assert [[row[index] for index in PRIVATE_COLUMNS] for row in rows[1:]] == [[""] * 6] * 6


@pytest.mark.parametrize("file_format", FORMATS)
def test_outsider_export_has_only_the_other_institution(
    details: World, personas: dict[str, User], file_format: str
) -> None:
    rows = table(api_export(client_for(personas["outsider"]), "people", file_format), file_format)
    assert [(row[1], row[4], row[7]) for row in rows[1:]] == [
        ("Foreign Faculty", details.foreign_faculty.national_id, "Other Hospital"),
        ("Foreign Trainee", details.foreign_trainee.national_id, "Other Hospital"),
    ]


def test_xlsx_keeps_types_of_the_people_columns(details: World, personas: dict[str, User]) -> None:
    response = api_export(client_for(personas["officer"]), "people", "xlsx")
    cells = {row[1].value: row for row in _xlsx_cells(response.content)[1:]}
    trainee = cells["Trainee"]
    assert (trainee[3].value, trainee[3].is_date) == (
        datetime.datetime(2000, 5, 6, tzinfo=datetime.UTC).replace(tzinfo=None),
        True,
    )
    assert (trainee[4].value, trainee[4].data_type) == (TRAINEE_NID, "s")
    assert (trainee[6].value, trainee[6].data_type) == (TRAINEE_PHONE, "s")
    assert (trainee[10].value, trainee[10].data_type) == (2024, "n")
    assert (trainee[12].value, trainee[12].data_type) == (STUDENT_NUMBER, "s")


def test_people_export_by_api_token(details: World, personas: dict[str, User]) -> None:
    _token, secret = services.api_token_create(actor=personas["officer"], name="exports")
    client = Client(HTTP_ACCEPT_LANGUAGE="en", HTTP_AUTHORIZATION=f"Bearer {secret}")
    rows = table(api_export(client, "people", "csv", q="Trainee"), "csv")
    assert [row[1] for row in rows[1:]] == ["Other Trainee", "Trainee"]


# --- (b) the directory page's filters ----------------------------------------------------------


def _directory_names(client: Client, query: str) -> list[str]:
    response = client.get(f"/people/?{query}")
    assert response.status_code == 200
    ids = [int(pk) for pk in re.findall(r'data-person-id="(\d+)"', response.content.decode())]
    names = dict(Person.objects.filter(pk__in=ids).values_list("pk", "name_latin"))
    return [names[pk] for pk in ids]


def _export_link(client: Client, query: str, file_format: str) -> str:
    page = client.get(f"/people/?{query}").content.decode()
    return html.unescape(re.search(rf'href="([^"]*)" data-export="{file_format}"', page).group(1))


@pytest.mark.parametrize("file_format", FORMATS)
@pytest.mark.parametrize(
    ("persona", "query", "expected"),
    [
        ("officer", "q=Trainee&kind=trainee", ["Other Trainee", "Trainee"]),
        ("officer", "q=Trainee&kind=trainee&level=doctoral", ["Other Trainee"]),
        ("officer", "kind=faculty", UNI_FACULTY),
        ("officer", "", UNI_PEOPLE),
        ("head", "q=Trainee&kind=trainee", ["Trainee"]),
        ("leader", "q=trainee%40example", []),
        ("outsider", "q=Trainee&kind=trainee", ["Foreign Trainee"]),
    ],
)
def test_page_export_carries_the_directory_filters(
    details: World,
    personas: dict[str, User],
    persona: str,
    query: str,
    expected: list[str],
    file_format: str,
) -> None:
    client = client_for(personas[persona])
    assert _directory_names(client, query) == expected
    link = _export_link(client, query, file_format)
    assert link == f"/people/export.{file_format}?{query}"
    response = client.get(link)
    assert response["Content-Disposition"] == _filename("people", file_format)
    assert [row[1] for row in table(response, file_format)[1:]] == expected


def test_page_export_institution_filter(details: World, personas: dict[str, User]) -> None:
    client = client_for(personas["officer"])
    query = f"institution={details.uni.pk}"
    assert _directory_names(client, query) == ["Officer"]
    assert [row[1] for row in table(client.get(f"/people/export.csv?{query}"), "csv")[1:]] == ["Officer"]


# --- (c) formula text --------------------------------------------------------------------------


def test_formula_name_is_neutralised_in_csv(details: World, personas: dict[str, User]) -> None:
    PersonFactory(name_latin=FORMULA_NAME, name_zh="公式", institution=details.hospital)
    for response in (
        api_export(client_for(personas["officer"]), "people", "csv", q="HYPERLINK"),
        client_for(personas["officer"]).get("/people/export.csv?q=HYPERLINK"),
    ):
        rows = table(response, "csv")
        assert [row[:2] for row in rows[1:]] == [["公式", "'" + FORMULA_NAME]]


def test_formula_name_is_text_in_xlsx(details: World, personas: dict[str, User]) -> None:
    PersonFactory(name_latin=FORMULA_NAME, name_zh="公式", institution=details.hospital)
    for response in (
        api_export(client_for(personas["officer"]), "people", "xlsx"),
        client_for(personas["officer"]).get("/people/export.xlsx"),
    ):
        cells = _xlsx_cells(response.content)
        # "=" sorts before letters: the person is the first row.
        name = cells[1][1]
        assert (name.value, name.data_type, name.quotePrefix) == (FORMULA_NAME, "s", True)
        assert [cell.coordinate for row in cells for cell in row if cell.data_type == "f"] == []
        assert [row[1].value for row in cells[1:]] == [FORMULA_NAME, *UNI_PEOPLE]


def test_control_character_in_own_phone_does_not_break_others_xlsx(
    details: World, personas: dict[str, User]
) -> None:
    """The API refuses control characters; one that arrives another way (a page form) must not make
    every .xlsx fail: exports drop it."""
    trainee = Person.objects.get(pk=details.trainee_person.pk)
    response = client_for(personas["trainee"]).patch(
        f"/api/v1/people/{trainee.pk}",
        data={"version": trainee.version, "phone": "1380000\x070000"},
        content_type="application/json",
    )
    assert response.status_code == 422
    assert Person.objects.get(pk=trainee.pk).phone == trainee.phone
    page = Client(HTTP_ACCEPT_LANGUAGE="en")
    page.force_login(personas["trainee"])
    saved = page.post(
        f"/people/{trainee.pk}/edit/",
        {"version": trainee.version, "email": trainee.email, "phone": "1380000\x070000"},
    )
    assert saved.status_code == 302
    assert Person.objects.get(pk=trainee.pk).phone == "1380000\x070000"
    officer = client_for(personas["officer"])
    officer.raise_request_exception = False
    for response in (api_export(officer, "people", "xlsx"), officer.get("/people/export.xlsx")):
        assert response.status_code == 200
        rows = table(response, "xlsx")
        assert next(row for row in rows if row[1] == "Trainee")[6] == TRAINEE_PHONE
    admin = client_for(personas["admin"])
    admin.raise_request_exception = False
    response = admin.get("/audit/export.xlsx?action=person.")
    assert response.status_code == 200
    assert [row[6] for row in table(response, "xlsx")[1:]] == [f"phone: {TRAINEE_PHONE} → {TRAINEE_PHONE}"]


# --- (d) language of the headers ---------------------------------------------------------------


@pytest.mark.parametrize("file_format", FORMATS)
def test_headers_follow_the_request_language(
    details: World, personas: dict[str, User], file_format: str
) -> None:
    zh = table(api_export(client_for(personas["officer"], "zh-hans"), "people", file_format), file_format)
    assert zh[0] == PERSON_HEADERS["zh-hans"]
    assert zh[0][:5] == ["中文姓名", "拼音姓名", "性别", "出生日期", "身份证号"]
    trainee = next(row for row in zh if row[1] == "Trainee")
    assert trainee[2] == "女"
    assert trainee[7:10] == ["附属医院", "心血管内科", "专业学位硕士研究生（专硕）"]

    en = table(api_export(client_for(personas["officer"], "en"), "people", file_format), file_format)
    assert en[0] == PERSON_HEADERS["en"]
    assert en[0][:5] == [
        "Chinese name",
        "Name in Latin script (pinyin)",
        "Gender",
        "Birth date",
        "National ID number",
    ]

    page = table(client_for(personas["officer"], "zh-hans").get(f"/people/export.{file_format}"), file_format)
    assert page[0] == PERSON_HEADERS["zh-hans"]


# --- (e) query count ---------------------------------------------------------------------------


def _add_people(world: World, count: int, start: int) -> None:
    """Surgery staff, cardiology trainees and surgery trainees, in turn."""
    for index in range(start, start + count):
        person = PersonFactory(institution=world.hospital)
        if index % 3 == 0:
            person.department = world.surgery
            person.save()
            FacultyProfileFactory(person=person)
        else:
            department = world.cardiology if index % 3 == 1 else world.surgery
            TraineeProfileFactory(person=person, institution=world.hospital, department=department)


def _export_queries(client: Client, url: str) -> tuple[int, int]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        content = _body(response)
    assert response.status_code == 200
    if url.split("?")[0].endswith("csv") or "file_format=csv" in url:
        rows = len(_csv_table(content)) - 1
    else:
        rows = len(_xlsx_cells(content)) - 1
    return len(queries), rows


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/people/export?file_format=csv",
        "/api/v1/people/export?file_format=xlsx",
        "/people/export.csv",
        "/people/export.xlsx",
    ],
)
@pytest.mark.parametrize("persona", ["officer", "head"])
def test_people_export_query_count_does_not_grow_with_rows(
    details: World, personas: dict[str, User], url: str, persona: str
) -> None:
    client = client_for(personas[persona])
    client.get("/api/v1/people")  # warm up the session and content types
    _add_people(details, 5, 0)
    few, few_rows = _export_queries(client, url)
    _add_people(details, 35, 5)
    many, many_rows = _export_queries(client, url)
    visible = {"officer": 6, "head": 5}[persona]
    # The head sees the new staff (as cards) and cardiology trainees, not the surgery trainees.
    added = {"officer": (5, 40), "head": (4, 27)}[persona]
    assert (few_rows, many_rows) == (visible + added[0], visible + added[1])
    assert many == few


# --- (f) formats and authentication ------------------------------------------------------------


def test_page_export_with_another_ending_is_not_found(details: World, personas: dict[str, User]) -> None:
    client = client_for(personas["officer"])
    assert client.get("/people/export.pdf").status_code == 404
    assert client.get("/people/export.xls").status_code == 404
    assert client.get("/institutions/export.pdf").status_code == 404
    assert client.get(f"/institutions/{details.hospital.pk}/departments.pdf").status_code == 404


@pytest.mark.parametrize("what", ["people", "mentorships", "institutions", "departments"])
def test_api_export_in_another_format_is_422(details: World, personas: dict[str, User], what: str) -> None:
    response = api_export(client_for(personas["officer"]), what, "pdf")
    assert response.status_code == 422
    body = response.json()
    assert body["detail"] == "Some fields are not valid."
    assert [error["field"] for error in body["errors"]] == ["file_format"]


@pytest.mark.parametrize("what", ["people", "mentorships", "institutions", "departments"])
def test_anonymous_api_export_is_401(details: World, what: str) -> None:
    response = api_export(client_for(None), what, "csv")
    assert response.status_code == 401
    assert response.json() == {"detail": "Sign in, or send a valid API token."}


@pytest.mark.parametrize(
    "path",
    ["/people/export.csv?q=Trainee", "/institutions/export.xlsx", "/audit/export.csv"],
)
def test_anonymous_page_export_redirects_to_login(details: World, path: str) -> None:
    response = client_for(None).get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/?next=")
    assert "Content-Disposition" not in response


def test_anonymous_departments_page_export_redirects_to_login(details: World) -> None:
    path = f"/institutions/{details.hospital.pk}/departments.xlsx"
    response = client_for(None).get(path)
    assert response.status_code == 302
    assert (
        response["Location"] == f"/accounts/login/?next=/institutions/{details.hospital.pk}/departments.xlsx"
    )


# --- (g) mentorships, institutions, departments ------------------------------------------------


@pytest.fixture
def mentorships(world: World) -> dict[str, Mentorship]:
    return {
        # The mentor's other past mentee: theirs, so listed.
        "ended": MentorshipFactory(
            mentor=world.mentor_person,
            mentee=world.other_trainee,
            kind=Mentorship.Kind.PRIMARY,
            start_date=datetime.date(2020, 9, 1),
            end_date=datetime.date(2021, 6, 30),
            note="=1+1",
        ),
        # Another mentor of the mentor's mentee: the mentee's records are the mentor's, so listed.
        "co_mentor": MentorshipFactory(
            mentor=world.teacher_person,
            mentee=world.trainee_person,
            kind=Mentorship.Kind.SCHOOL,
            start_date=datetime.date(2024, 10, 1),
        ),
        # Neither end is the mentor's: not listed.
        "unrelated": MentorshipFactory(
            mentor=world.teacher_person,
            mentee=world.other_trainee,
            kind=Mentorship.Kind.HOSPITAL,
            start_date=datetime.date(2024, 9, 1),
        ),
        "foreign": MentorshipFactory(
            mentor=world.foreign_faculty,
            mentee=world.foreign_trainee,
            kind=Mentorship.Kind.PRIMARY,
            start_date=datetime.date(2024, 9, 1),
        ),
    }


@pytest.mark.parametrize("file_format", FORMATS)
def test_mentor_exports_exactly_their_visible_mentorships(
    world: World, personas: dict[str, User], mentorships: dict[str, Mentorship], file_format: str
) -> None:
    client = client_for(personas["mentor"])
    response = api_export(client, "mentorships", file_format)
    assert response["Content-Disposition"] == _filename("mentorships", file_format)
    rows = table(response, file_format)
    assert rows[0] == ["Mentor", "Mentee", "Kind", "Start date", "End date", "Note"]
    note = "'=1+1" if file_format == "csv" else "=1+1"
    # Ordered by mentee, kind, newest start.
    expected = sorted(
        [
            [
                "Mentor",
                "Trainee",
                "Hospital mentor",
                "2024-09-01",
                "",
                "",
                world.trainee_person.pk,
                "hospital",
            ],
            ["Teacher", "Trainee", "School mentor", "2024-10-01", "", "", world.trainee_person.pk, "school"],
            [
                "Mentor",
                "Other Trainee",
                "Primary mentor",
                "2020-09-01",
                "2021-06-30",
                note,
                world.other_trainee.pk,
                "primary",
            ],
        ],
        key=lambda row: (row[6], row[7]),
    )
    assert rows[1:] == [row[:6] for row in expected]
    listed = client.get("/api/v1/mentorships", {"page_size": 200}).json()["items"]
    assert [(item["mentor_name"], item["mentee_name"], item["kind"]) for item in listed] == [
        (row[0], row[1], row[7]) for row in expected
    ]


def test_mentorship_export_filters(
    world: World, personas: dict[str, User], mentorships: dict[str, Mentorship]
) -> None:
    client = client_for(personas["mentor"])
    active = table(api_export(client, "mentorships", "csv", active="true"), "csv")
    assert [(row[0], row[1]) for row in active[1:]] == [("Mentor", "Trainee"), ("Teacher", "Trainee")]
    own = table(api_export(client, "mentorships", "csv", mentor_id=world.mentor_person.pk), "csv")
    assert sorted((row[0], row[1]) for row in own[1:]) == [("Mentor", "Other Trainee"), ("Mentor", "Trainee")]
    school = table(api_export(client, "mentorships", "csv", kind="school"), "csv")
    assert [(row[0], row[1]) for row in school[1:]] == [("Teacher", "Trainee")]


def test_outsider_mentorship_export_lists_only_their_institution(
    world: World, personas: dict[str, User], mentorships: dict[str, Mentorship]
) -> None:
    rows = table(api_export(client_for(personas["outsider"]), "mentorships", "csv"), "csv")
    assert rows[1:] == [["Foreign Faculty", "Foreign Trainee", "Primary mentor", "2024-09-01", "", ""]]


@pytest.mark.parametrize("file_format", FORMATS)
def test_institutions_export_lists_every_code(
    world: World, personas: dict[str, User], file_format: str
) -> None:
    for response in (
        api_export(client_for(personas["leader"]), "institutions", file_format),
        client_for(personas["trainee"]).get(f"/institutions/export.{file_format}"),
    ):
        assert response["Content-Disposition"] == _filename("institutions", file_format)
        rows = table(response, file_format)
        assert rows == [
            ["Code", "Name (Chinese)", "Name (English)", "Kind", "Affiliated with", "City"],
            ["hospital", "附属医院", "Affiliated Hospital", "Hospital", "Medical University", ""],
            ["other", "其他医院", "Other Hospital", "Hospital", "", ""],
            ["uni", "医科大学", "Medical University", "University", "", ""],
        ]
    universities = table(
        api_export(client_for(personas["leader"]), "institutions", "csv", kind="university"), "csv"
    )
    assert [row[0] for row in universities[1:]] == ["uni"]


@pytest.mark.parametrize("file_format", FORMATS)
def test_departments_export_lists_every_code(
    world: World, personas: dict[str, User], file_format: str
) -> None:
    DepartmentFactory(
        institution=world.other, code="icu", name_zh="重症医学科", name_en="ICU", rotation_capacity=None
    )
    client = client_for(personas["officer"])
    response = api_export(client, "departments", file_format)
    assert response["Content-Disposition"] == _filename("departments", file_format)
    rows = table(response, file_format)
    assert rows == [
        ["Institution", "Code", "Name (Chinese)", "Name (English)", "Kind", "Rotation places per month"],
        ["Affiliated Hospital", "cardiology", "心血管内科", "Cardiology", "Clinical department", "6"],
        ["Affiliated Hospital", "surgery", "普通外科", "General Surgery", "Clinical department", "6"],
        ["Other Hospital", "icu", "重症医学科", "ICU", "Clinical department", ""],
    ]
    hospital = table(
        api_export(client, "departments", file_format, institution_id=world.hospital.pk), file_format
    )
    assert [row[1] for row in hospital[1:]] == ["cardiology", "surgery"]


@pytest.mark.parametrize("file_format", FORMATS)
def test_institution_page_departments_download(
    world: World, personas: dict[str, User], file_format: str
) -> None:
    DepartmentFactory(institution=world.other, code="icu")
    client = client_for(personas["teacher"])
    page = client.get(f"/institutions/{world.hospital.pk}/").content.decode()
    link = f"/institutions/{world.hospital.pk}/departments.{file_format}"
    assert f'href="{link}" data-export="{file_format}"' in page
    response = client.get(link)
    assert response["Content-Disposition"] == _filename("departments", file_format)
    rows = table(response, file_format)
    assert [(row[0], row[1]) for row in rows[1:]] == [
        ("Affiliated Hospital", "cardiology"),
        ("Affiliated Hospital", "surgery"),
    ]
    assert client.get("/institutions/999999/departments.xlsx").status_code == 404


# --- (h) the audit trail -----------------------------------------------------------------------


@pytest.fixture
def audit_events(details: World, personas: dict[str, User]) -> dict[str, Any]:
    trainee = Person.objects.get(pk=details.trainee_person.pk)
    new_nid = make_national_id(trainee.birth_date, 777, region="110105")
    services.person_update(
        actor=personas["officer"], person=trainee, expected_version=trainee.version, national_id=new_nid
    )
    other = Person.objects.get(pk=details.other_trainee.pk)
    old_phone = other.phone
    services.person_update(
        actor=personas["officer"], person=other, expected_version=other.version, phone="13911112222"
    )
    services.api_token_create(actor=personas["admin"], name="not a person event")
    return {"trainee": trainee, "other": other, "new_nid": new_nid, "old_phone": old_phone}


def test_audit_export_is_for_administrators_only(
    audit_events: dict[str, Any], personas: dict[str, User]
) -> None:
    for persona in ("officer", "head", "leader", "outsider"):
        for file_format in FORMATS:
            assert (
                client_for(personas[persona]).get(f"/audit/export.{file_format}?action=person.").status_code
                == 403
            )
    assert client_for(personas["admin"]).get("/audit/export.csv?action=person.").status_code == 200


def test_audit_export_without_filter_has_every_event_and_no_full_id(
    audit_events: dict[str, Any], personas: dict[str, User]
) -> None:
    response = client_for(personas["admin"]).get("/audit/export.csv")
    content = _body(response).decode("utf-8")
    rows = _csv_table(content.encode("utf-8"))
    assert [row[2] for row in rows[1:]] == list(
        AuditEvent.objects.order_by("-created_at", "-id").values_list("action", flat=True)
    )
    assert sorted(row[2] for row in rows[1:]) == ["api_token.create", "person.update", "person.update"]
    assert TRAINEE_NID not in content
    assert audit_events["new_nid"] not in content
    assert TRAINEE_NID_MASKED in content


@pytest.mark.parametrize("file_format", FORMATS)
def test_audit_export_one_row_per_filtered_event_with_masked_ids(
    audit_events: dict[str, Any], personas: dict[str, User], file_format: str
) -> None:
    response = client_for(personas["admin"]).get(f"/audit/export.{file_format}?action=person.")
    assert response["Content-Disposition"] == _filename("audit", file_format)
    content = _body(response)
    if file_format == "csv":
        rows = _csv_table(content)
        times: list[Any] = [row[0] for row in rows[1:]]
    else:
        cells = _xlsx_cells(content)
        rows = [[_as_text(cell.value) for cell in row] for row in cells]
        times = [row[0].value for row in cells[1:]]
    events = list(AuditEvent.objects.filter(action__startswith="person.").order_by("-created_at", "-id"))
    assert [event.action for event in events] == ["person.update", "person.update"]
    trainee, other = audit_events["trainee"], audit_events["other"]
    person_type = "People and organisations | person"
    local_times = [timezone.localtime(event.created_at).replace(tzinfo=None) for event in events]
    if file_format == "csv":
        assert times == [str(local) for local in local_times]
    else:
        # Excel keeps milliseconds: the time to the millisecond, in Asia/Shanghai.
        assert [
            abs(value - local) < datetime.timedelta(milliseconds=1)
            for value, local in zip(times, local_times, strict=True)
        ] == [True, True]

    assert rows[0] == ["Time", "Actor", "Action", "Object type", "Object ID", "Object", "Changes", "Address"]
    assert [row[1:] for row in rows[1:]] == [
        [
            "officer",
            "person.update",
            person_type,
            str(other.pk),
            "Other Trainee",
            f"phone: {audit_events['old_phone']} → 13911112222",
            "",
        ],
        [
            "officer",
            "person.update",
            person_type,
            str(trainee.pk),
            "Trainee",
            f"national_id: {mask_national_id(TRAINEE_NID)} → {mask_national_id(audit_events['new_nid'])}",
            "",
        ],
    ]
    text = "\n".join(",".join(row) for row in rows)
    for full in (TRAINEE_NID, audit_events["new_nid"]):
        assert full not in text
        assert full not in content.decode("utf-8", errors="replace")
    assert mask_national_id(TRAINEE_NID) == TRAINEE_NID_MASKED
