"""The import pages: upload, the preview its background job writes, commit, downloads, polling.

Tasks run in the test process (ImmediateBackend) once the request's transaction commits, so every
POST that starts a job runs inside ``django_capture_on_commit_callbacks(execute=True)``.
"""

import datetime
import html
import io
import re
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import Workbook, load_workbook

from medtalent.core.exports import XLSX_TYPE
from medtalent.core.models import AuditEvent, ImportBatch, Job
from medtalent.people.models import Person, User
from medtalent.people.tests.factories import make_national_id
from medtalent.people.tests.test_imports_people import ENGLISH_HEADERS, ID_SHAPE

pytestmark = pytest.mark.django_db

ID_ZHANG = make_national_id(datetime.date(1995, 3, 7), 21, region="110105")
ID_LI = make_national_id(datetime.date(1996, 4, 8), 32, region="110105")


@pytest.fixture
def client() -> Client:
    """A browser that reads English, so the tests can assert the exact texts."""
    browser = Client()
    browser.cookies["django_language"] = "en"
    return browser


@pytest.fixture
def officer(personas: dict[str, Any]) -> User:
    """The officer works in English: the background check writes its notes in their language."""
    user = personas["officer"]
    user.language = "en"
    user.save(update_fields=["language"])
    return user


@pytest.fixture
def office(client: Client, officer: User) -> Client:
    client.force_login(officer)
    return client


def roster_xlsx(*rows: list[Any]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(["姓名", "身份证号", "科室", "备注"])
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


SMALL_ROSTER = [
    ["张三", ID_ZHANG, "心血管内科", None],  # row 2
    ["李四", ID_LI, "普通外科", "transferred"],  # row 3
    ["王五", "12345", "心血管内科", None],  # row 4: not an ID number
    ["赵六", None, "眼科", None],  # row 5: no such department
]


def upload_file(name: str, data: bytes) -> io.BytesIO:
    file = io.BytesIO(data)
    file.name = name
    return file


def post_upload(
    client: Client, capture: Any, data: bytes, *, name: str = "roster.xlsx", institution: str = "hospital"
) -> Any:
    with capture(execute=True):
        return client.post(
            reverse("import_new", args=["people"]),
            {"institution": institution, "file": upload_file(name, data)},
        )


def counts_shown(page: str) -> dict[str, int]:
    return {name: int(value) for name, value in re.findall(r'data-count="(\w+)">(\d+)<', page)}


def error_rows(page: str) -> list[tuple[int, str, str]]:
    table = page.split('id="import-errors"', 1)[1].split("</table>", 1)[0]
    return [
        (int(row), html.unescape(column), html.unescape(reason))
        for row, column, reason in re.findall(
            r'<td data-label="Row">(\d+)</td><td data-label="Column">([^<]*)</td>'
            r'<td data-label="Reason">([^<]*)</td>',
            table,
        )
    ]


def test_upload_form_for_an_officer_and_not_for_a_trainee(office: Client, personas: dict[str, Any]) -> None:
    response = office.get(reverse("import_new", args=["people"]))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'enctype="multipart/form-data"' in page
    assert 'name="file"' in page
    select = page.split('name="institution"', 1)[1].split("</select>", 1)[0]
    assert re.findall(r'<option value="([^"]*)"', select) == ["", "hospital", "uni"]
    assert reverse("import_template", args=["people", "zh-hans"]) in page
    assert reverse("import_template", args=["people", "en"]) in page

    trainee = Client()
    trainee.force_login(personas["trainee"])
    assert trainee.get(reverse("import_new", args=["people"])).status_code == 403
    assert trainee.get(reverse("import_template", args=["people", "en"])).status_code == 403


def test_upload_preview_and_commit(
    office: Client, officer: User, world: Any, django_capture_on_commit_callbacks: Any
) -> None:
    people = Person.objects.count()
    response = post_upload(office, django_capture_on_commit_callbacks, roster_xlsx(*SMALL_ROSTER))

    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("import_detail", args=[batch.pk])
    assert (batch.status, batch.created_by, batch.options, batch.original_name) == (
        ImportBatch.Status.PREVIEWED,
        officer,
        {"institution": world.hospital.pk},
        "roster.xlsx",
    )
    assert batch.job.status == Job.Status.SUCCEEDED
    assert Person.objects.count() == people

    page = office.get(response["Location"]).content.decode()
    assert counts_shown(page) == {"created": 2, "updated": 0, "unchanged": 0, "rejected": 2}
    assert error_rows(page) == [
        (4, "身份证号", ID_SHAPE),
        (5, "科室", "Affiliated Hospital has no department “眼科”."),
    ]
    assert 'id="import-commit"' in page
    assert "Import 2 rows, skip the rejected ones" in page
    assert "These columns are not known and will not be imported:" in page
    assert "<strong>备注</strong>" in page
    assert reverse("import_rejected", args=[batch.pk, "xlsx"]) in page

    with django_capture_on_commit_callbacks(execute=True):
        response = office.post(reverse("import_commit", args=[batch.pk]))
    assert response.status_code == 302
    assert response["Location"] == reverse("import_detail", args=[batch.pk])
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.COMMITTED
    assert Person.objects.count() == people + 2
    assert list(
        Person.objects.filter(import_batch=batch)
        .order_by("national_id")
        .values_list("name_zh", "department__code")
    ) == [("张三", "cardiology"), ("李四", "surgery")]
    assert AuditEvent.objects.filter(action="import.people").count() == 1

    page = office.get(reverse("import_detail", args=[batch.pk])).content.decode()
    assert re.search(r'id="import-state">([^<]*)<', page).group(1) == "Imported"
    assert counts_shown(page) == {"created": 2, "updated": 0, "unchanged": 0, "rejected": 2}
    assert 'id="import-commit"' not in page
    assert f'href="{reverse("directory")}?import_batch={batch.pk}"' in page

    # Committing again changes nothing.
    with django_capture_on_commit_callbacks(execute=True):
        response = office.post(reverse("import_commit", args=[batch.pk]))
    assert response.status_code == 302
    assert Person.objects.count() == people + 2
    assert AuditEvent.objects.filter(action="import.people").count() == 1


def test_rejected_rows_download_page(office: Client, django_capture_on_commit_callbacks: Any) -> None:
    post_upload(office, django_capture_on_commit_callbacks, roster_xlsx(*SMALL_ROSTER))
    batch = ImportBatch.objects.get()

    response = office.get(reverse("import_rejected", args=[batch.pk, "xlsx"]))
    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_TYPE
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [list(row) for row in sheet.iter_rows(values_only=True)] == [
        ["姓名", "身份证号", "科室", "备注", "Row in the file", "Why it was rejected"],
        ["王五", "12345", "心血管内科", None, 4, f"身份证号: {ID_SHAPE}"],
        ["赵六", None, "眼科", None, 5, "科室: Affiliated Hospital has no department “眼科”."],
    ]


def test_another_users_import_is_not_found(
    office: Client, personas: dict[str, Any], django_capture_on_commit_callbacks: Any
) -> None:
    post_upload(office, django_capture_on_commit_callbacks, roster_xlsx(*SMALL_ROSTER))
    batch = ImportBatch.objects.get()
    other = Client()
    other.force_login(personas["talent_officer"])

    assert other.get(reverse("import_detail", args=[batch.pk])).status_code == 404
    assert other.get(reverse("import_status", args=[batch.pk])).status_code == 404
    assert other.get(reverse("import_rejected", args=[batch.pk, "xlsx"])).status_code == 404
    with django_capture_on_commit_callbacks(execute=True):
        assert other.post(reverse("import_commit", args=[batch.pk])).status_code == 404
        assert other.post(reverse("import_discard", args=[batch.pk])).status_code == 404
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED
    assert not Person.objects.filter(national_id=ID_ZHANG).exists()


def test_template_download(office: Client) -> None:
    response = office.get(reverse("import_template", args=["people", "en"]))

    assert response.status_code == 200
    assert response["Content-Type"] == XLSX_TYPE
    assert response["Content-Disposition"] == 'attachment; filename="medtalent-people-template-en.xlsx"'
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [cell.value for cell in sheet[1]] == ENGLISH_HEADERS
    assert office.get("/imports/template/people-fr.xlsx").status_code == 404


def test_status_partial_polls_while_working_and_refreshes_when_done(
    office: Client, django_capture_on_commit_callbacks: Any
) -> None:
    # The background check is held back until the callbacks run, as a queue holds it for a worker.
    with django_capture_on_commit_callbacks() as callbacks:
        response = office.post(
            reverse("import_new", args=["people"]),
            {"institution": "hospital", "file": upload_file("roster.xlsx", roster_xlsx(*SMALL_ROSTER))},
        )
    batch = ImportBatch.objects.get()
    assert response.status_code == 302
    assert batch.status == ImportBatch.Status.PREVIEWING
    status_url = reverse("import_status", args=[batch.pk])

    waiting = office.get(status_url)
    assert waiting.status_code == 200
    assert "HX-Refresh" not in waiting
    assert f'hx-get="{status_url}"' in waiting.content.decode()

    assert len(callbacks) == 1
    callbacks[0]()
    batch.refresh_from_db()
    assert batch.status == ImportBatch.Status.PREVIEWED
    done = office.get(status_url)
    assert done.status_code == 200
    assert done["HX-Refresh"] == "true"
    assert "hx-get" not in done.content.decode()


def test_a_file_over_the_limit_is_refused_on_the_form(
    office: Client, settings: Any, django_capture_on_commit_callbacks: Any
) -> None:
    settings.MEDTALENT_IMPORT_MAX_BYTES = 100_000
    lines = ["姓名,身份证号"] + [f"学员{number:05d},{ID_ZHANG}" for number in range(6000)]
    data = "\r\n".join(lines).encode()
    assert 150_000 < len(data) < 250_000

    response = post_upload(office, django_capture_on_commit_callbacks, data, name="roster.csv")

    assert response.status_code == 200
    page = response.content.decode()
    assert (
        '<div class="invalid-feedback d-block">The file is 0.2 MB; files up to 0.1 MB can be imported. '
        "Split it and import the parts.</div>"
    ) in page
    assert not ImportBatch.objects.exists()
    assert not Job.objects.exists()


def test_detail_page_queries_do_not_grow_with_the_rows(
    office: Client, django_capture_on_commit_callbacks: Any, django_assert_max_num_queries: Any
) -> None:
    post_upload(office, django_capture_on_commit_callbacks, roster_xlsx(*SMALL_ROSTER))
    many = [[f"学员{number}", f"bad-{number}", "心血管内科", None] for number in range(150)]
    post_upload(office, django_capture_on_commit_callbacks, roster_xlsx(*many), name="many.xlsx")
    small, large = ImportBatch.objects.order_by("pk")
    assert (small.rows_rejected, large.rows_rejected) == (2, 150)

    for batch in (small, large):
        with django_assert_max_num_queries(QUERIES_ON_DETAIL):
            response = office.get(reverse("import_detail", args=[batch.pk]))
        assert response.status_code == 200
    assert len(error_rows(response.content.decode())) == 150


# Measured: the session, the user, their roles, person, institution families (twice) and
# permissions (twice); the batch with its job; the importer's institution and departments; the error
# and the kept notes; whether the user may import; unread notifications. The same for 2 or 150 errors.
QUERIES_ON_DETAIL = 15
