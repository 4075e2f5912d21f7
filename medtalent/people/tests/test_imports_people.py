"""The people roster import (``medtalent.people.imports``) end to end, on real files.

The .xlsx files are written by openpyxl the way offices and Excel leave them (a merged title above
the header, numbers where text was meant, dates in every shape); the CSV files are written byte by
byte in the encodings Chinese Excel produces. Every test goes through the services the upload page
and the ``medtalent import`` command use: create the batch, preview it, commit it. Row numbers are
the ones the spreadsheet shows; columns are named as the file's header writes them.
"""

import codecs
import datetime
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone, translation
from openpyxl import Workbook, load_workbook
from openpyxl.styles import Font

from medtalent.core.errors import ApplicationError
from medtalent.core.imports.files import import_rejected_rows_response, import_template_xlsx
from medtalent.core.imports.services import import_batch_commit, import_batch_create, import_batch_preview
from medtalent.core.models import AuditEvent, ImportBatch, ImportRowNote
from medtalent.people.imports import COLUMNS, PeopleImporter
from medtalent.people.models import FacultyProfile, Mentorship, Person, TraineeProfile
from medtalent.people.services import person_update
from medtalent.people.tests.factories import (
    DepartmentFactory,
    FacultyProfileFactory,
    PersonFactory,
    make_national_id,
)

pytestmark = pytest.mark.django_db

FIFTEEN_DIGITS = (
    "Excel stored this number with only 15 exact digits, so some digits are lost. "
    "Format the column as text and type the number again."
)
ID_SHAPE = "An ID number has 18 characters: 17 digits and a final digit or X."
CHANGED_AFTER_PREVIEW = (
    "Records changed after the preview, so the file would now import differently. "
    "Nothing was imported: check the file again and look at the new preview."
)
NOT_MANAGED = "This person belongs to an institution you do not manage."
SEPTEMBER_FIRST = datetime.date(2024, 9, 1)


def national_id(year: int, month: int, day: int, sequence: int) -> str:
    """Valid IDs of a region the factories never use, so they cannot meet the world's people."""
    return make_national_id(datetime.date(year, month, day), sequence, region="110105")


ID_ZHANG = national_id(1995, 3, 7, 21)
ID_LI = national_id(1996, 4, 8, 32)
ID_WANG = national_id(1997, 5, 9, 43)
ID_ZHAO = national_id(1998, 6, 10, 54)
ID_QIAN = national_id(1999, 7, 11, 65)
ID_SUN = national_id(1998, 2, 14, 19)  # ends in X


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Messages are asserted in English unless a test switches to Chinese itself."""
    with translation.override("en"):
        yield


@pytest.fixture
def officer(personas: dict[str, Any]) -> Any:
    return personas["officer"]


# --- helpers -----------------------------------------------------------------------------------


def xlsx_bytes(workbook: Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def sheet_of(*rows: list[Any]) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    for row in rows:
        sheet.append(row)
    return xlsx_bytes(workbook)


def csv_text(*rows: list[Any], delimiter: str = ",") -> str:
    """Rows as Excel saves them: CRLF line ends, empty cells empty."""
    return "".join(delimiter.join("" if cell is None else str(cell) for cell in row) + "\r\n" for row in rows)


def upload(
    actor: Any, data: bytes, filename: str, *, institution: Any, overwrite_manual: bool = False
) -> ImportBatch:
    """What the upload page does, then the preview its background job runs."""
    options = PeopleImporter.clean_options(actor, {"institution": institution})
    batch = import_batch_create(
        actor=actor,
        kind="people",
        file=io.BytesIO(data),
        filename=filename,
        options=options,
        overwrite_manual=overwrite_manual,
    )
    batch = import_batch_preview(batch=batch)
    assert (batch.status, batch.error) == (ImportBatch.Status.PREVIEWED, "")
    return batch


def counts(batch: ImportBatch) -> dict[str, int]:
    return {
        "total": batch.rows_total,
        "created": batch.rows_created,
        "updated": batch.rows_updated,
        "unchanged": batch.rows_unchanged,
        "rejected": batch.rows_rejected,
        "kept": batch.fields_kept,
    }


def tally(
    total: int, *, created: int = 0, updated: int = 0, unchanged: int = 0, rejected: int = 0, kept: int = 0
) -> dict[str, int]:
    return {
        "total": total,
        "created": created,
        "updated": updated,
        "unchanged": unchanged,
        "rejected": rejected,
        "kept": kept,
    }


def errors(batch: ImportBatch) -> list[tuple[int, str, str]]:
    return list(
        batch.notes.filter(kind=ImportRowNote.Kind.ERROR)
        .order_by("row_number", "id")
        .values_list("row_number", "column", "message")
    )


def kept_notes(batch: ImportBatch) -> list[tuple[int, str, str]]:
    return list(
        batch.notes.filter(kind=ImportRowNote.Kind.KEPT)
        .order_by("row_number", "id")
        .values_list("row_number", "column", "message")
    )


def snapshot() -> dict[str, list[dict[str, Any]]]:
    """Every stored value of every record an import writes."""
    return {
        "people": list(Person.objects.order_by("pk").values()),
        "trainees": list(TraineeProfile.objects.order_by("pk").values()),
        "faculty": list(FacultyProfile.objects.order_by("pk").values()),
        "mentorships": list(Mentorship.objects.order_by("pk").values()),
    }


def person(national_id: str) -> Person:
    return Person.objects.get(national_id=national_id)


# A roster as programme offices keep it: trainees with their stage and hospital mentor, a teacher.
ROSTER_HEADER = [
    "姓名",
    "拼音",
    "性别",
    "身份证号",
    "邮箱",
    "手机",
    "科室",
    "培养层次",
    "年级",
    "学号",
    "工号",
    "职称",
    "医院导师",
]
ROSTER_ROWS = [
    [
        "张三",
        "Zhang San",
        "男",
        ID_ZHANG,
        "zhangsan@example.cn",
        "13800000001",
        "心血管内科",
        "专硕",
        "2024",
        "2024110001",
        None,
        None,
        "Mentor",
    ],
    [
        "李四",
        "Li Si",
        "女",
        ID_LI,
        "lisi@example.cn",
        "13800000002",
        "普通外科",
        "学硕",
        "2023级",
        "2023110002",
        None,
        None,
        None,
    ],
    [
        "王五",
        "Wang Wu",
        "男",
        ID_WANG,
        "wangwu@example.cn",
        "13800000003",
        "心血管内科",
        None,
        None,
        None,
        "H0099",
        "主治医师",
        None,
    ],
]


def roster(*changes: tuple[int, int, Any]) -> bytes:
    """The roster as .xlsx, with (row index, column index, new value) edits."""
    rows = [list(row) for row in ROSTER_ROWS]
    for index, column, value in changes:
        rows[index][column] = value
    workbook = Workbook()
    sheet = workbook.active
    sheet.append(ROSTER_HEADER)
    for row in rows:
        sheet.append(row)
    for row in sheet.iter_rows(min_row=2):
        for cell in row:
            cell.number_format = "@"  # the office formatted the sheet as text
    return xlsx_bytes(workbook)


# --- cells as Excel stores them ----------------------------------------------------------------


def test_xlsx_ids_phones_and_dates_as_excel_stores_them(world: Any, officer: Any) -> None:
    full_width_id = ID_SUN[:-1].translate(str.maketrans("0123456789", "０１２３４５６７８９")) + "ｘ"
    data = sheet_of(
        ["姓名", "性别", "出生日期", "身份证号", "手机", "培养层次", "年级", "入学日期"],
        # row 2: the ID typed into a text cell, the phone a number, both dates date cells
        ["张三", "男", datetime.date(1995, 3, 7), ID_ZHANG, 13800138000, "专硕", 2024, SEPTEMBER_FIRST],
        # row 3: the ID typed into a number cell: Excel kept 15 digits of it
        ["李四", "女", None, float(ID_LI), "13900139000", "专硕", 2024, SEPTEMBER_FIRST],
        # rows 4-7: the start date as an Excel serial number, as text in three spellings
        ["王五", "男", None, ID_WANG, 13700137000.0, "学硕", "2024级", 45536],
        ["赵六", "女", None, ID_ZHAO, None, "博士", 2024, "2024/9/1"],
        ["钱七", "女", None, ID_QIAN, None, "本科", 2024, "2024年9月1日"],
        # row 7: full-width digits and a lower-case full-width x, as Chinese input methods type them
        ["孙八", "男", None, full_width_id, None, "规培", 2024, "2024-09-01"],
    )
    batch = upload(officer, data, "名单.xlsx", institution=world.hospital)

    assert (batch.file_format, batch.encoding, batch.delimiter, batch.header_row) == ("xlsx", "", "", 1)
    assert counts(batch) == tally(6, created=5, rejected=1)
    assert errors(batch) == [(3, "身份证号", FIFTEEN_DIGITS)]
    assert batch.unknown_columns == []

    import_batch_commit(batch=batch, actor=officer)

    created = Person.objects.filter(import_batch=batch).order_by("birth_date")
    assert [
        (p.name_zh, p.gender, p.birth_date, p.national_id, p.phone, p.institution_id) for p in created
    ] == [
        ("张三", "male", datetime.date(1995, 3, 7), ID_ZHANG, "13800138000", world.hospital.pk),
        ("王五", "male", datetime.date(1997, 5, 9), ID_WANG, "13700137000", world.hospital.pk),
        ("孙八", "male", datetime.date(1998, 2, 14), ID_SUN, "", world.hospital.pk),
        ("赵六", "female", datetime.date(1998, 6, 10), ID_ZHAO, "", world.hospital.pk),
        ("钱七", "female", datetime.date(1999, 7, 11), ID_QIAN, "", world.hospital.pk),
    ]
    assert ID_SUN.endswith("X")
    stages = TraineeProfile.objects.filter(import_batch=batch).order_by("person__birth_date")
    assert [
        (s.person.name_zh, s.level, s.cohort, s.start_date, s.status, s.institution_id) for s in stages
    ] == [
        ("张三", "professional_master", 2024, SEPTEMBER_FIRST, "active", world.hospital.pk),
        ("王五", "academic_master", 2024, SEPTEMBER_FIRST, "active", world.hospital.pk),
        ("孙八", "resident", 2024, SEPTEMBER_FIRST, "active", world.hospital.pk),
        ("赵六", "doctoral", 2024, SEPTEMBER_FIRST, "active", world.hospital.pk),
        ("钱七", "undergraduate", 2024, SEPTEMBER_FIRST, "active", world.hospital.pk),
    ]
    assert not Person.objects.filter(name_zh="李四").exists()


def test_malformed_id_numbers_reject_their_rows(world: Any, officer: Any) -> None:
    assert ID_WANG == "110105199705090434"
    data = csv_text(
        ["姓名", "身份证号", "出生日期"],
        ["张三", "12345", None],  # too short even to hold a birth date
        ["李四", "110105491231002", None],  # an old 15-digit number
        ["王五", "110105199705090435", None],  # wrong check digit
        ["赵六", "110105199502300011", None],  # 30 February
        ["钱七", ID_QIAN, "1999-07-12"],  # the ID says 11 July
        ["孙八", ID_SUN, "1998/2/14"],
    ).encode()
    batch = upload(officer, data, "ids.csv", institution=world.hospital)

    assert counts(batch) == tally(6, created=1, rejected=5)
    assert errors(batch) == [
        (2, "身份证号", ID_SHAPE),
        (3, "身份证号", ID_SHAPE),
        (4, "身份证号", "The ID number's check digit is wrong: please check it for a typing error."),
        (5, "身份证号", "The ID number's birth date (characters 7 to 14) is not a real date."),
        (6, "出生日期", "The birth date differs from the one in the ID number (1999-07-11)."),
    ]


def test_departments_by_code_or_either_name(world: Any, officer: Any) -> None:
    second = DepartmentFactory(
        institution=world.hospital, code="cardiology-2", name_zh="心血管内科", name_en="Cardiology II"
    )
    DepartmentFactory(institution=world.other, code="ophthalmology", name_zh="眼科", name_en="Ophthalmology")
    data = csv_text(
        ["姓名", "身份证号", "科室"],
        ["张三", ID_ZHANG, "cardiology"],  # a code that is also the department's English name
        ["李四", ID_LI, "General Surgery"],
        ["王五", ID_WANG, "心血管内科"],  # two departments of the hospital have this name
        ["赵六", ID_ZHAO, "Cardiology II"],
        ["钱七", ID_QIAN, "眼科"],  # a department of another institution
    ).encode()
    batch = upload(officer, data, "departments.csv", institution=world.hospital)

    assert counts(batch) == tally(5, created=3, rejected=2)
    assert errors(batch) == [
        (4, "科室", "Two departments of Affiliated Hospital have this name: use its code."),
        (6, "科室", "Affiliated Hospital has no department “眼科”."),
    ]
    import_batch_commit(batch=batch, actor=officer)
    assert list(
        Person.objects.filter(import_batch=batch).order_by("national_id").values_list("name_zh", "department")
    ) == [("张三", world.cardiology.pk), ("李四", world.surgery.pk), ("赵六", second.pk)]


def test_row_errors_in_chinese(world: Any, officer: Any) -> None:
    data = csv_text(
        ["姓名", "身份证号", "邮箱"], ["张三", "12345", None], ["李四", ID_LI, "不是邮箱"]
    ).encode()
    with translation.override("zh-hans"):
        batch = upload(officer, data, "名单.csv", institution=world.hospital)

    assert counts(batch) == tally(2, rejected=2)
    assert errors(batch) == [
        (2, "身份证号", "身份证号应为 18 位：前 17 位为数字，最后一位为数字或 X。"),
        (3, "邮箱", "输入一个有效的 Email 地址。"),
    ]


# --- CSV as Chinese Excel saves it ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("codec", "delimiter", "encoding"),
    [
        ("gb18030", ",", "gb18030"),  # "CSV (逗号分隔)" in Chinese Excel: GBK
        ("utf-8-sig", ",", "utf-8-sig"),  # "CSV UTF-8": with a byte-order mark
        ("utf-8", ";", "utf-8"),  # where the comma is the decimal mark
        ("utf-8", "\t", "utf-8"),
        ("utf-16", "\t", "utf-16"),  # "Unicode text"
    ],
)
def test_csv_encodings_and_delimiters(
    world: Any, officer: Any, codec: str, delimiter: str, encoding: str
) -> None:
    text = csv_text(
        ["姓名", "拼音", "身份证号", "科室"],
        ["张三", "Zhang San", ID_ZHANG, "心血管内科"],
        ["欧阳娜娜", "Ouyang Nana", ID_LI, "普通外科"],
        ["王喆", "Wang Zhe", ID_WANG, "cardiology"],
        delimiter=delimiter,
    )
    data = text.encode(codec)
    if codec == "utf-8-sig":
        assert data.startswith(codecs.BOM_UTF8)
    batch = upload(officer, data, "名单.csv", institution=world.hospital)

    assert (batch.file_format, batch.encoding, batch.delimiter, batch.header_row) == (
        "csv",
        encoding,
        delimiter,
        1,
    )
    assert errors(batch) == []
    assert counts(batch) == tally(3, created=3)
    import_batch_commit(batch=batch, actor=officer)
    assert list(
        Person.objects.filter(import_batch=batch)
        .order_by("national_id")
        .values_list("name_zh", "name_latin", "national_id", "department__code")
    ) == [
        ("张三", "Zhang San", ID_ZHANG, "cardiology"),
        ("欧阳娜娜", "Ouyang Nana", ID_LI, "surgery"),
        ("王喆", "Wang Zhe", ID_WANG, "cardiology"),
    ]


# --- layout: title rows, blank rows, columns the import does not know -------------------------


def test_title_above_header_trailing_blank_rows_and_unknown_columns(world: Any, officer: Any) -> None:
    workbook = Workbook()
    sheet = workbook.active
    sheet["A1"] = "2024级专业学位硕士研究生名单"
    sheet.merge_cells("A1:F1")
    sheet.append(["姓名", "身份证号", "备注", "邮箱", "籍贯", "手机"])  # row 2
    sheet.append(["张三", ID_ZHANG, "班长", "zhangsan@example.cn", "北京", "13800000001"])  # row 3
    sheet.append(["李四", ID_LI, None, "lisi at example", "上海", None])  # row 4
    sheet.append(["王五", ID_WANG, None, None, None, "13800000003"])  # row 5
    for row in range(6, 10):  # formatted but empty, as Excel leaves the end of a sheet
        for column in "ABCDEF":
            sheet[f"{column}{row}"].font = Font(bold=True)
    batch = upload(officer, xlsx_bytes(workbook), "名单.xlsx", institution=world.hospital)

    assert batch.header_row == 2
    assert counts(batch) == tally(3, created=2, rejected=1)
    assert errors(batch) == [(4, "邮箱", "Enter a valid email address.")]
    assert batch.unknown_columns == ["备注", "籍贯"]
    assert batch.recognised_columns == {
        "name_zh": "姓名",
        "national_id": "身份证号",
        "email": "邮箱",
        "phone": "手机",
    }


# --- choices -------------------------------------------------------------------------------------


def test_choice_labels_in_chinese_and_english(world: Any, officer: Any) -> None:
    data = sheet_of(
        ["Chinese name", "Gender", "ID number", "Level", "Cohort"],
        ["张三", "男", ID_ZHANG, "专硕", 2024],
        ["李四", "Female", ID_LI, "Professional master's student", 2024],
        ["王五", "女性", ID_WANG, "专业学位硕士研究生（专硕）", 2024],
        ["赵六", "male", ID_ZHAO, "研究生", 2024],
        ["钱七", "不详", ID_QIAN, "Resident", 2024],
    )
    batch = upload(officer, data, "roster.xlsx", institution=world.hospital)

    assert counts(batch) == tally(5, created=3, rejected=2)
    assert errors(batch) == [
        (
            5,
            "Level",
            "“研究生” is not one of: High-school student、Undergraduate、Professional master's student、"
            "Academic master's student、Doctoral student、Resident、Postdoc.",
        ),
        (6, "Gender", "“不详” is not one of: Female、Male、Not stated."),
    ]
    import_batch_commit(batch=batch, actor=officer)
    assert list(
        TraineeProfile.objects.filter(import_batch=batch)
        .order_by("person__national_id")
        .values_list("person__name_zh", "person__gender", "level")
    ) == [
        ("张三", "male", "professional_master"),
        ("李四", "female", "professional_master"),
        ("王五", "female", "professional_master"),
    ]


# --- one record per file -----------------------------------------------------------------------


def test_duplicate_id_in_one_file_rejects_both_rows(world: Any, officer: Any) -> None:
    data = csv_text(
        ["姓名", "身份证号", "手机"],
        ["张三", ID_ZHANG, "13800000001"],
        ["李四", ID_LI, "13800000002"],
        ["张三丰", ID_ZHANG, "13800000003"],
    ).encode()
    batch = upload(officer, data, "roster.csv", institution=world.hospital)

    assert counts(batch) == tally(3, created=1, rejected=2)
    assert errors(batch) == [
        (2, "身份证号", "The ID number is the same as in row 4: each record may appear once."),
        (4, "身份证号", "The ID number is the same as in row 2: each record may appear once."),
    ]
    import_batch_commit(batch=batch, actor=officer)
    assert list(Person.objects.filter(import_batch=batch).values_list("name_zh", flat=True)) == ["李四"]
    assert not Person.objects.filter(national_id=ID_ZHANG).exists()


def test_two_rows_naming_one_person_by_different_keys_are_both_rejected(world: Any, officer: Any) -> None:
    trainee = world.trainee_person
    TraineeProfile.objects.filter(person=trainee).update(student_number="2024110001")
    data = csv_text(
        ["姓名", "身份证号", "学号", "手机"],
        ["Trainee", trainee.national_id, None, "13911110000"],
        ["Trainee", None, "2024110001", "13922220000"],
    ).encode()
    batch = upload(officer, data, "roster.csv", institution=world.hospital)

    assert counts(batch) == tally(2, rejected=2)
    assert errors(batch) == [
        (2, "", "This row and row 3 describe the same record."),
        (3, "", "This row and row 2 describe the same record."),
    ]


# --- commit: all or nothing --------------------------------------------------------------------


def test_commit_that_no_longer_matches_the_preview_writes_nothing(
    world: Any, officer: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Commit in chunks of one row, so that rows are written before the plan is found to differ.
    monkeypatch.setattr(PeopleImporter, "chunk_size", 1)
    trainee = world.trainee_person
    data = sheet_of(
        ["姓名", "身份证号", "手机", "培养层次", "年级", "医院导师"],
        ["张三", ID_ZHANG, "13800000001", "专硕", 2024, "Teacher"],  # created, with a mentor
        ["Trainee", trainee.national_id, "13999999999", None, None, None],  # phone updated
        ["李四", ID_LI, "13800000002", None, None, None],  # created
    )
    batch = upload(officer, data, "roster.xlsx", institution=world.hospital)
    assert counts(batch) == tally(3, created=2, updated=1)

    # Somebody changes the matched person on a page in between: the file's phone now meets a hand edit.
    trainee.refresh_from_db()
    person_update(actor=officer, person=trainee, expected_version=trainee.version, phone="13811112222")
    before = snapshot()
    people = Person.objects.count()
    stages = TraineeProfile.objects.count()
    mentorships = Mentorship.objects.count()

    with pytest.raises(ApplicationError) as caught:
        import_batch_commit(batch=batch, actor=officer)

    assert str(caught.value.message) == CHANGED_AFTER_PREVIEW
    assert snapshot() == before
    assert (Person.objects.count(), TraineeProfile.objects.count(), Mentorship.objects.count()) == (
        people,
        stages,
        mentorships,
    )
    assert Person.objects.get(pk=trainee.pk).phone == "13811112222"
    assert not Person.objects.filter(national_id__in=[ID_ZHANG, ID_LI]).exists()
    batch.refresh_from_db()
    assert (batch.status, batch.error, batch.committed_at) == (
        ImportBatch.Status.PREVIEWED,
        CHANGED_AFTER_PREVIEW,
        None,
    )
    assert not AuditEvent.objects.filter(action="import.people").exists()

    # Checked again, the preview shows the hand edit kept, and the import goes through.
    batch = import_batch_preview(batch=batch)
    assert counts(batch) == tally(3, created=2, unchanged=1, kept=1)
    assert kept_notes(batch) == [
        (3, "手机", "Kept “13811112222”, changed by hand; the file says “13999999999”.")
    ]
    batch = import_batch_commit(batch=batch, actor=officer)
    assert batch.status == ImportBatch.Status.COMMITTED
    assert Person.objects.count() == people + 2
    assert Person.objects.get(pk=trainee.pk).phone == "13811112222"


# --- importing again ---------------------------------------------------------------------------


def test_reimporting_the_same_file_changes_nothing(world: Any, officer: Any) -> None:
    first = upload(officer, roster(), "roster.xlsx", institution=world.hospital)
    assert counts(first) == tally(3, created=3)
    import_batch_commit(batch=first, actor=officer)
    before = snapshot()
    assert [p["version"] for p in before["people"] if p["import_batch_id"] == first.pk] == [1, 1, 1]

    second = upload(officer, roster(), "roster.xlsx", institution=world.hospital)
    assert counts(second) == tally(3, unchanged=3)
    assert errors(second) == []
    assert kept_notes(second) == []
    import_batch_commit(batch=second, actor=officer)

    assert snapshot() == before
    assert not Person.objects.filter(import_batch=second).exists()
    assert list(
        AuditEvent.objects.filter(action="import.people").order_by("id").values_list("target_id", flat=True)
    ) == [str(first.pk), str(second.pk)]


def test_an_edited_file_updates_only_what_changed(world: Any, officer: Any) -> None:
    first = upload(officer, roster(), "roster.xlsx", institution=world.hospital)
    import_batch_commit(batch=first, actor=officer)
    before = {p.national_id: p for p in Person.objects.filter(import_batch=first)}

    second = upload(officer, roster((1, 5, "13900000002")), "roster.xlsx", institution=world.hospital)
    assert counts(second) == tally(3, updated=1, unchanged=2)
    import_batch_commit(batch=second, actor=officer)

    after = {p.national_id: p for p in Person.objects.filter(national_id__in=before)}
    li, zhang, wang = after[ID_LI], after[ID_ZHANG], after[ID_WANG]
    assert (li.phone, li.version, li.import_batch_id) == ("13900000002", 2, second.pk)
    assert li.email == before[ID_LI].email
    assert li.manually_edited_fields == []
    for unchanged in (zhang, wang):
        previous = before[unchanged.national_id]
        assert (unchanged.phone, unchanged.version, unchanged.import_batch_id, unchanged.updated_at) == (
            previous.phone,
            1,
            first.pk,
            previous.updated_at,
        )
    # The person's stage, not in the edit, is left as it was.
    assert TraineeProfile.objects.get(person=li).import_batch_id == first.pk


def test_hand_edits_survive_a_reimport_unless_overwritten(world: Any, officer: Any) -> None:
    first = upload(officer, roster(), "roster.xlsx", institution=world.hospital)
    import_batch_commit(batch=first, actor=officer)
    zhang = person(ID_ZHANG)
    person_update(actor=officer, person=zhang, expected_version=zhang.version, email="new@x.cn")
    zhang.refresh_from_db()
    assert (zhang.email, zhang.version, zhang.manually_edited_fields) == ("new@x.cn", 2, ["email"])

    again = upload(officer, roster(), "roster.xlsx", institution=world.hospital)
    assert counts(again) == tally(3, unchanged=3, kept=1)
    assert kept_notes(again) == [
        (2, "邮箱", "Kept “new@x.cn”, changed by hand; the file says “zhangsan@example.cn”.")
    ]
    assert errors(again) == []
    import_batch_commit(batch=again, actor=officer)
    zhang.refresh_from_db()
    assert (zhang.email, zhang.version, zhang.manually_edited_fields) == ("new@x.cn", 2, ["email"])

    overwrite = upload(officer, roster(), "roster.xlsx", institution=world.hospital, overwrite_manual=True)
    assert counts(overwrite) == tally(3, updated=1, unchanged=2)
    assert kept_notes(overwrite) == []
    import_batch_commit(batch=overwrite, actor=officer)
    zhang.refresh_from_db()
    assert (zhang.email, zhang.version, zhang.manually_edited_fields, zhang.import_batch_id) == (
        "zhangsan@example.cn",
        3,
        [],
        overwrite.pk,
    )


def test_imported_records_link_back_to_their_import_and_one_audit_event(world: Any, officer: Any) -> None:
    before = Person.objects.count()
    batch = upload(officer, roster(), "roster.xlsx", institution=world.hospital)
    batch = import_batch_commit(batch=batch, actor=officer)

    assert (batch.status, batch.error) == (ImportBatch.Status.COMMITTED, "")
    assert batch.committed_at is not None
    assert Person.objects.count() == before + 3
    assert list(
        Person.objects.filter(import_batch=batch).order_by("national_id").values_list("name_zh", flat=True)
    ) == [
        "张三",
        "李四",
        "王五",
    ]
    assert all(
        p.import_batch == batch for p in Person.objects.filter(national_id__in=[ID_ZHANG, ID_LI, ID_WANG])
    )
    assert list(
        TraineeProfile.objects.filter(import_batch=batch)
        .order_by("person__national_id")
        .values_list("person__name_zh", "level", "cohort", "student_number", "department__code", "start_date")
    ) == [
        ("张三", "professional_master", 2024, "2024110001", "cardiology", SEPTEMBER_FIRST),
        ("李四", "academic_master", 2023, "2023110002", "surgery", datetime.date(2023, 9, 1)),
    ]
    assert list(
        FacultyProfile.objects.filter(import_batch=batch).values_list(
            "person__name_zh", "staff_number", "clinical_title"
        )
    ) == [("王五", "H0099", "attending")]
    assert list(
        Mentorship.objects.filter(import_batch=batch).values_list(
            "mentor__name_zh", "mentee__name_zh", "kind", "start_date", "end_date"
        )
    ) == [("Mentor", "张三", "hospital", SEPTEMBER_FIRST, None)]
    [event] = AuditEvent.objects.filter(action="import.people")
    assert (event.actor, event.target_id) == (officer, str(batch.pk))
    assert event.changes == {
        "file": [None, "roster.xlsx"],
        "sha256": [None, batch.sha256],
        "created": [None, 3],
        "updated": [None, 0],
        "unchanged": [None, 0],
        "rejected": [None, 0],
        "overwrite_manual": [None, False],
    }


# --- mentors -----------------------------------------------------------------------------------


def test_mentor_cells_name_faculty_on_record(world: Any, officer: Any) -> None:
    FacultyProfile.objects.filter(person=world.teacher_person).update(staff_number="T1001")
    second_head = PersonFactory(name_zh="Head", name_latin="Head", institution=world.uni)
    FacultyProfileFactory(person=second_head)
    trainee = world.trainee_person
    data = sheet_of(
        ["姓名", "身份证号", "培养层次", "年级", "导师", "医院导师"],
        ["张三", ID_ZHANG, "专硕", 2024, None, "Mentor"],  # row 2
        ["李四", ID_LI, None, None, None, "无名氏"],  # row 3: nobody of that name
        ["王五", ID_WANG, None, None, "T1001", None],  # row 4: by staff number
        ["赵六", ID_ZHAO, None, None, "Head", None],  # row 5: two faculty members are called Head
        [
            "钱七",
            ID_QIAN,
            None,
            None,
            "Foreign Faculty",
            None,
        ],  # row 6: faculty of an institution not managed
        ["Trainee", trainee.national_id, None, None, None, "Teacher"],  # row 7: mentor set by hand
    )
    batch = upload(officer, data, "mentors.xlsx", institution=world.hospital)

    assert counts(batch) == tally(6, created=2, unchanged=1, rejected=3, kept=1)
    assert errors(batch) == [
        (3, "医院导师", "No faculty member “无名氏” on record: add the mentor first."),
        (5, "导师", "Several faculty members are called “Head”: use the staff number."),
        (6, "导师", "No faculty member “Foreign Faculty” on record: add the mentor first."),
    ]
    assert kept_notes(batch) == [(7, "医院导师", "Kept the mentor Mentor, set by hand.")]
    import_batch_commit(batch=batch, actor=officer)

    zhang, wang = person(ID_ZHANG), person(ID_WANG)
    assert list(
        Mentorship.objects.filter(import_batch=batch)
        .order_by("mentee__national_id")
        .values_list("mentor_id", "mentee_id", "kind", "start_date", "end_date")
    ) == [
        (world.mentor_person.pk, zhang.pk, "hospital", SEPTEMBER_FIRST, None),
        (world.teacher_person.pk, wang.pk, "primary", timezone.localdate(), None),
    ]
    [hospital_mentorship] = Mentorship.objects.filter(mentee=zhang)
    assert hospital_mentorship.is_active_on(timezone.localdate())
    assert list(Mentorship.objects.filter(mentee=trainee).values_list("mentor_id", "end_date")) == [
        (world.mentor_person.pk, None)
    ]


def test_mentorships_starting_later_are_not_imported_twice(world: Any, officer: Any) -> None:
    """A cohort imported before its stage starts: the mentorship starts with the stage."""
    cohort = timezone.localdate().year + 1
    data = sheet_of(
        ["姓名", "身份证号", "培养层次", "年级", "医院导师"], ["张三", ID_ZHANG, "专硕", cohort, "Mentor"]
    )
    first = upload(officer, data, "next-year.xlsx", institution=world.hospital)
    import_batch_commit(batch=first, actor=officer)
    zhang = person(ID_ZHANG)
    assert list(Mentorship.objects.filter(mentee=zhang).values_list("mentor_id", "start_date")) == [
        (world.mentor_person.pk, datetime.date(cohort, 9, 1))
    ]
    before = snapshot()

    second = upload(officer, data, "next-year.xlsx", institution=world.hospital)
    assert counts(second) == tally(1, unchanged=1)
    import_batch_commit(batch=second, actor=officer)
    assert snapshot() == before


# --- who may import what -----------------------------------------------------------------------


def test_an_officer_imports_only_into_institutions_they_manage(world: Any, personas: dict[str, Any]) -> None:
    outsider, officer = personas["outsider"], personas["officer"]
    with pytest.raises(ApplicationError) as caught:
        PeopleImporter.clean_options(outsider, {"institution": world.hospital})
    assert (str(caught.value.message), caught.value.field) == (
        "Choose an institution you manage.",
        "institution",
    )
    assert list(PeopleImporter.option_fields(outsider)["institution"].queryset) == [world.other]
    assert list(PeopleImporter.option_fields(officer)["institution"].queryset) == [world.hospital, world.uni]
    assert PeopleImporter.can_import(personas["trainee"]) is False
    assert PeopleImporter.clean_options(officer, {"institution": world.hospital}) == {
        "institution": world.hospital.pk
    }


def test_a_row_naming_a_person_of_another_institution_is_rejected(world: Any, officer: Any) -> None:
    foreign = world.foreign_trainee
    before = Person.objects.filter(pk=foreign.pk).values().get()
    data = csv_text(
        ["姓名", "身份证号", "手机"],
        ["Foreign Trainee", foreign.national_id, "13900000000"],
        ["张三", ID_ZHANG, "13800000001"],
    ).encode()
    batch = upload(officer, data, "roster.csv", institution=world.hospital)

    assert counts(batch) == tally(2, created=1, rejected=1)
    assert errors(batch) == [(2, "身份证号", NOT_MANAGED)]
    import_batch_commit(batch=batch, actor=officer)
    assert Person.objects.filter(pk=foreign.pk).values().get() == before


# --- a large file --------------------------------------------------------------------------------


def test_fifty_thousand_rows(world: Any, officer: Any, tmp_path: Path) -> None:
    rows = 50_000
    path = tmp_path / "roster.csv"
    with path.open("w", encoding="utf-8", newline="") as file:
        file.write("姓名,身份证号,手机\r\n")
        for number in range(rows):
            born = datetime.date(1980, 1, 1) + datetime.timedelta(days=number // 1000)
            identity = make_national_id(born, number % 1000, region="110105")
            file.write(f"学员{number:05d},{identity},139{number:08d}\r\n")
    people = Person.objects.count()

    batch = upload(officer, path.read_bytes(), "roster.csv", institution=world.hospital)
    assert counts(batch) == tally(rows, created=rows)
    assert Person.objects.count() == people

    import_batch_commit(batch=batch, actor=officer)
    assert Person.objects.count() == people + rows
    assert Person.objects.filter(import_batch=batch).count() == rows
    last = Person.objects.get(name_zh="学员49999")
    assert (last.national_id, last.phone, last.birth_date) == (
        make_national_id(datetime.date(1980, 2, 19), 999, region="110105"),
        "13900049999",
        datetime.date(1980, 2, 19),
    )


# --- the command ---------------------------------------------------------------------------------


def test_import_command_previews_then_commits(world: Any, officer: Any, tmp_path: Path) -> None:
    path = tmp_path / "roster.csv"
    path.write_bytes(
        csv_text(
            ["姓名", "身份证号", "手机", "备注"],
            ["张三", ID_ZHANG, "13800000001", None],
            ["李四", "12345", "13800000002", "ID to check"],
        ).encode("utf-8-sig")
    )
    people = Person.objects.count()
    arguments = ["import", "people", str(path), "--user", "officer", "--option", "institution=hospital"]

    output = io.StringIO()
    call_command(*arguments, stdout=output)
    batch = ImportBatch.objects.get()
    assert output.getvalue().splitlines() == [
        f"Import #{batch.pk}: roster.csv (CSV, utf-8-sig, ',')",
        "rows 2: to create 1, to update 0, unchanged 0, rejected 1",
        "Columns not imported: 备注",
        f"  row 3 [身份证号]: {ID_SHAPE}",
        "Nothing was imported: add --commit to import.",
    ]
    assert (batch.status, batch.created_by, batch.options) == (
        ImportBatch.Status.PREVIEWED,
        officer,
        {"institution": world.hospital.pk},
    )
    assert Person.objects.count() == people
    assert not AuditEvent.objects.filter(action="import.people").exists()

    output = io.StringIO()
    call_command(*arguments, "--commit", stdout=output)
    committed = ImportBatch.objects.exclude(pk=batch.pk).get()
    assert output.getvalue().splitlines() == [
        f"Import #{committed.pk}: roster.csv (CSV, utf-8-sig, ',')",
        "rows 2: to create 1, to update 0, unchanged 0, rejected 1",
        "Columns not imported: 备注",
        f"  row 3 [身份证号]: {ID_SHAPE}",
        f"Imported: import #{committed.pk}.",
    ]
    assert committed.status == ImportBatch.Status.COMMITTED
    assert Person.objects.count() == people + 1
    assert person(ID_ZHANG).import_batch == committed
    assert AuditEvent.objects.filter(action="import.people").count() == 1


def test_import_command_with_a_relative_path(
    world: Any, officer: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a" / "b").mkdir(parents=True)
    (tmp_path / "roster.csv").write_bytes(csv_text(["姓名", "身份证号"], ["张三", ID_ZHANG]).encode())
    monkeypatch.chdir(tmp_path / "a" / "b")

    output = io.StringIO()
    call_command(
        "import",
        "people",
        "../../roster.csv",
        "--user",
        "officer",
        "--option",
        "institution=hospital",
        "--commit",
        stdout=output,
    )
    batch = ImportBatch.objects.get()
    assert batch.status == ImportBatch.Status.COMMITTED
    assert batch.original_name == "roster.csv"  # no server path on the pages
    assert Path(batch.file.name).name == f"{batch.sha256[:16]}-roster.csv"
    assert person(ID_ZHANG).import_batch == batch


def test_import_command_refuses_an_institution_the_user_does_not_manage(
    world: Any, personas: Any, tmp_path: Path
) -> None:
    path = tmp_path / "roster.csv"
    path.write_bytes(csv_text(["姓名", "身份证号"], ["张三", ID_ZHANG]).encode())
    with pytest.raises(CommandError) as caught:
        call_command("import", "people", str(path), "--user", "outsider", "--option", "institution=hospital")
    assert str(caught.value) == (
        "--option institution: Select a valid choice. That choice is not one of the available choices."
    )
    with pytest.raises(CommandError) as caught:
        call_command("import", "people", str(path), "--user", "trainee")
    assert str(caught.value) == "This user may not import this kind of file."
    assert not ImportBatch.objects.exists()


# --- the template ------------------------------------------------------------------------------

ENGLISH_HEADERS = [
    "Chinese name",
    "Name in Latin script",
    "Gender",
    "Birth date",
    "ID number",
    "E-mail",
    "Phone",
    "Department",
    "Level",
    "Cohort",
    "Specialty",
    "Student number",
    "Start date",
    "Staff number",
    "Clinical title",
    "Academic title",
    "Supervisor qualification",
    "Mentor",
    "School mentor",
    "Hospital mentor",
]


def template_rows(language: str) -> list[list[Any]]:
    with translation.override(language):
        data = import_template_xlsx(PeopleImporter)
    sheet = load_workbook(io.BytesIO(data)).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def test_template_headers_in_both_languages(world: Any) -> None:
    english_rows = template_rows("en")
    assert english_rows[0] == ENGLISH_HEADERS
    chinese = template_rows("zh-hans")[0]
    assert chinese == [
        "中文姓名",
        "拼音姓名",
        "性别",
        "出生日期",
        "身份证号",
        "电子邮箱",
        "联系电话",
        "科室",
        "培养层次",
        "年级",
        "专业",
        "学号",
        "开始日期",
        "工号",
        "临床职称",
        "教学科研职称",
        "导师资格",
        "导师",
        "校内导师",
        "院内导师",
    ]
    # The example row; below it, empty cells formatted as text for the rows people will type.
    assert len(english_rows) == 1001
    assert [row for row in english_rows[2:] if any(cell is not None for cell in row)] == []
    assert english_rows[1] == [
        "王小明",
        "Wang Xiaoming",
        "男",
        None,
        "110105199503070021",
        "wxm@example.edu.cn",
        "13800138000",
        "心内科",
        "专硕",
        2024,
        "内科学",
        "2024110001",
        "2024-09-01",
        None,
        None,
        None,
        None,
        None,
        "李建国",
        "陈静",
    ]


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_the_template_uploaded_as_it_is(world: Any, officer: Any, language: str) -> None:
    with translation.override(language):
        data = import_template_xlsx(PeopleImporter)
    batch = upload(officer, data, "template.xlsx", institution=world.hospital)

    assert batch.header_row == 1
    assert batch.unknown_columns == []
    assert sorted(batch.recognised_columns) == sorted(column.key for column in COLUMNS)
    # The example row is the only row; it names a department the hospital does not have (checking
    # the row stops there: its mentors, whom nobody has either, are not looked at).
    assert counts(batch) == tally(1, rejected=1)
    assert errors(batch) == [
        (2, batch.recognised_columns["department"], "Affiliated Hospital has no department “心内科”.")
    ]


def test_the_template_example_imports_where_its_department_and_mentors_exist(
    world: Any, officer: Any
) -> None:
    department = DepartmentFactory(institution=world.hospital, code="xnk", name_zh="心内科", name_en="")
    school_mentor = PersonFactory(name_zh="李建国", name_latin="Li Jianguo", institution=world.uni)
    hospital_mentor = PersonFactory(name_zh="陈静", name_latin="Chen Jing", institution=world.hospital)
    FacultyProfileFactory(person=school_mentor)
    FacultyProfileFactory(person=hospital_mentor)
    with translation.override("zh-hans"):
        data = import_template_xlsx(PeopleImporter)
    batch = upload(officer, data, "template.xlsx", institution=world.hospital)

    assert counts(batch) == tally(1, created=1)
    import_batch_commit(batch=batch, actor=officer)
    created = Person.objects.get(import_batch=batch)
    assert (
        created.name_zh,
        created.name_latin,
        created.gender,
        created.birth_date,
        created.national_id,
        created.email,
        created.phone,
        created.department,
    ) == (
        "王小明",
        "Wang Xiaoming",
        "male",
        datetime.date(1995, 3, 7),
        "110105199503070021",
        "wxm@example.edu.cn",
        "13800138000",
        department,
    )
    assert list(
        TraineeProfile.objects.filter(person=created).values_list(
            "level", "cohort", "specialty", "student_number", "start_date", "department"
        )
    ) == [("professional_master", 2024, "内科学", "2024110001", SEPTEMBER_FIRST, department.pk)]
    assert list(
        Mentorship.objects.filter(mentee=created).order_by("kind").values_list("mentor", "kind", "start_date")
    ) == [
        (hospital_mentor.pk, "hospital", SEPTEMBER_FIRST),
        (school_mentor.pk, "school", SEPTEMBER_FIRST),
    ]


# --- the rejected rows -------------------------------------------------------------------------


def test_rejected_rows_download(world: Any, officer: Any) -> None:
    data = sheet_of(
        ["姓名", "身份证号", "备注", "邮箱"],
        ["张三", ID_ZHANG, "ok", "zhangsan@example.cn"],  # row 2
        ["李四", float(ID_LI), "number", None],  # row 3
        ["王五", ID_WANG, None, "not an e-mail"],  # row 4
        ["赵六", ID_ZHAO, None, None],  # row 5
        ["张三丰", ID_ZHANG, "again", None],  # row 6: the same ID as row 2
    )
    batch = upload(officer, data, "roster.xlsx", institution=world.hospital)
    assert counts(batch) == tally(5, created=1, rejected=4)
    # The number the file holds: openpyxl, like Excel, writes at most 16 significant digits.
    stored_as_number = float(f"{float(ID_LI):.16g}")
    assert stored_as_number != float(ID_LI)

    response = import_rejected_rows_response(batch=batch, file_format="xlsx")

    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).worksheets[0]
    assert [list(row) for row in sheet.iter_rows(values_only=True)] == [
        ["姓名", "身份证号", "备注", "邮箱", "Row in the file", "Why it was rejected"],
        [
            "张三",
            ID_ZHANG,
            "ok",
            "zhangsan@example.cn",
            2,
            "身份证号: The ID number is the same as in row 6: each record may appear once.",
        ],
        ["李四", stored_as_number, "number", None, 3, f"身份证号: {FIFTEEN_DIGITS}"],
        ["王五", ID_WANG, None, "not an e-mail", 4, "邮箱: Enter a valid email address."],
        [
            "张三丰",
            ID_ZHANG,
            "again",
            None,
            6,
            "身份证号: The ID number is the same as in row 2: each record may appear once.",
        ],
    ]


def test_the_person_page_links_to_the_import_and_names_fields_changed_by_hand(
    world: Any, officer: Any, client: Any
) -> None:
    batch = upload(officer, roster(), "roster.xlsx", institution=world.hospital)
    import_batch_commit(batch=batch, actor=officer)
    zhang = person(ID_ZHANG)
    person_update(actor=officer, person=zhang, expected_version=zhang.version, email="new@x.cn")
    client.force_login(officer)

    page = client.get(f"/people/{zhang.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert f'<a href="/people/?import_batch={batch.pk}">#{batch.pk}</a>' in page
    assert "changed by hand since: e-mail" in page
    directory = client.get(f"/people/?import_batch={batch.pk}", HTTP_ACCEPT_LANGUAGE="en")
    listed = sorted(listed_person.pk for listed_person in directory.context["page"].object_list)
    assert len(listed) == 3
    assert listed == sorted(Person.objects.filter(import_batch=batch).values_list("pk", flat=True))
