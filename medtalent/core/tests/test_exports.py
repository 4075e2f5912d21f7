"""The download mechanism (``medtalent.core.exports``) on plain objects and hand-made columns.

CSV: UTF-8 with a BOM, the header in the active language, formula starts neutralised with an
apostrophe. XLSX: the same text stored as text (never a formula), numbers and dates as themselves.
The file name carries today's date in Asia/Shanghai; only .xlsx and .csv exist.
"""

import csv
import datetime
import io
import re
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.http import HttpResponse, StreamingHttpResponse
from django.utils import timezone, translation
from django.utils.translation import gettext_lazy
from openpyxl import load_workbook
from openpyxl.cell import Cell

from medtalent.core import exports
from medtalent.core.errors import ApplicationError
from medtalent.core.exports import FORMAT_PATTERN, ExportColumn, export_response, neutralise

SHANGHAI = ZoneInfo("Asia/Shanghai")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMULA_STARTS = ["=", "+", "-", "@", "\t", "\r"]


@dataclass
class Row:
    text: Any = None
    national_id: Any = None
    phone: Any = None
    day: Any = None
    moment: Any = None
    number: Any = None


COLUMNS = [
    ExportColumn(gettext_lazy("Object"), lambda row: row.text),
    ExportColumn(gettext_lazy("national ID number"), lambda row: row.national_id),
    ExportColumn(gettext_lazy("phone"), lambda row: row.phone),
    ExportColumn(gettext_lazy("birth date"), lambda row: row.day),
    ExportColumn(gettext_lazy("Time"), lambda row: row.moment),
    ExportColumn(gettext_lazy("cohort (year of entry)"), lambda row: row.number),
]
HEADERS = {
    "en": ["Object", "national ID number", "phone", "birth date", "Time", "cohort (year of entry)"],
    "zh-hans": ["对象", "身份证号", "联系电话", "出生日期", "时间", "年级（入学年份）"],
}
ID_NUMBER = "110105194912310021"
PHONE = "13800000000"
CHINESE = "心血管内科 张三（主治医师）"


def _csv_text(response: Any) -> str:
    assert isinstance(response, StreamingHttpResponse)
    return b"".join(response.streaming_content).decode("utf-8")


def _csv_rows(response: Any) -> list[list[str]]:
    text = _csv_text(response)
    assert text.startswith("\ufeff")
    return list(csv.reader(io.StringIO(text[1:], newline="")))


def _sheet_cells(response: Any) -> list[list[Cell]]:
    assert isinstance(response, HttpResponse)
    workbook = load_workbook(io.BytesIO(response.content))
    assert len(workbook.worksheets) == 1
    return [list(row) for row in workbook.worksheets[0].iter_rows()]


def _all_cells(response: Any) -> list[Cell]:
    workbook = load_workbook(io.BytesIO(response.content))
    return [cell for sheet in workbook.worksheets for row in sheet.iter_rows() for cell in row]


def _naive(*parts: int) -> datetime.datetime:
    """A wall-clock time as openpyxl reads one back: without a zone."""
    return datetime.datetime(*parts, tzinfo=SHANGHAI).replace(tzinfo=None)


def _export(rows: list[Row], file_format: str, name: str = "report") -> Any:
    return export_response(rows=rows, columns=COLUMNS, file_format=file_format, name=name)


# --- CSV ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_csv_starts_with_bom_and_header_in_active_language(language: str) -> None:
    with translation.override(language):
        response = _export([], "csv")
        raw = b"".join(response.streaming_content)
    assert raw.startswith(b"\xef\xbb\xbf")
    assert raw == ("\ufeff" + ",".join(HEADERS[language]) + "\r\n").encode("utf-8")
    assert response["Content-Type"] == "text/csv; charset=utf-8"


def test_csv_body_exact() -> None:
    rows = [
        Row(
            text="Zhang San",
            national_id=ID_NUMBER,
            phone=PHONE,
            day=datetime.date(2024, 9, 1),
            moment=datetime.datetime(2024, 9, 1, 1, 30, tzinfo=datetime.UTC),
            number=-5,
        ),
        Row(text=CHINESE),
    ]
    with translation.override("en"):
        text = _csv_text(_export(rows, "csv"))
    assert text == (
        "\ufeffObject,national ID number,phone,birth date,Time,cohort (year of entry)\r\n"
        f"Zhang San,{ID_NUMBER},{PHONE},2024-09-01,2024-09-01 09:30:00,-5\r\n"
        f"{CHINESE},,,,,\r\n"
    )


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_csv_neutralises_a_formula_start(start: str) -> None:
    value = start + 'HYPERLINK("http://x","y")'
    rows = _csv_rows(_export([Row(text=value, national_id=start, phone=start + "1")], "csv"))
    assert rows[1][:3] == ["'" + value, "'" + start, "'" + start + "1"]


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_neutralise_prefixes_an_apostrophe(start: str) -> None:
    assert neutralise(start + "1+1") == "'" + start + "1+1"


@pytest.mark.parametrize(
    "value",
    ["a-b", "x=1", "1+1", "user@example.edu.cn", "text\twith tab", "'quoted", " =1", "", "心血管-内科"],
)
def test_csv_leaves_text_with_a_formula_character_elsewhere_untouched(value: str) -> None:
    assert neutralise(value) == value
    rows = _csv_rows(_export([Row(text=value)], "csv"))
    assert rows[1][0] == value


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (-5, -5),
        (-2.5, -2.5),
        (0, 0),
        (datetime.date(1949, 12, 31), datetime.date(1949, 12, 31)),
        (None, None),
    ],
)
def test_neutralise_leaves_non_text_untouched(value: Any, expected: Any) -> None:
    assert neutralise(value) == expected
    assert type(neutralise(value)) is type(expected)


def test_csv_numbers_and_dates_untouched() -> None:
    rows = _csv_rows(
        _export(
            [Row(number=-5, day=datetime.date(1949, 12, 31)), Row(number=-2.5, text="-")],
            "csv",
        )
    )
    assert rows[1] == ["", "", "", "1949-12-31", "", "-5"]
    assert rows[2] == ["'-", "", "", "", "", "-2.5"]


def test_csv_none_becomes_empty() -> None:
    rows = _csv_rows(_export([Row()], "csv"))
    assert rows[1:] == [["", "", "", "", "", ""]]


def test_csv_id_and_phone_keep_all_digits_and_chinese_round_trips() -> None:
    rows = _csv_rows(_export([Row(text=CHINESE, national_id=ID_NUMBER, phone=PHONE)], "csv"))
    assert rows[1][:3] == [CHINESE, ID_NUMBER, PHONE]


def test_csv_rows_come_one_line_per_object() -> None:
    objects = [Row(text=f"row {index}", number=index) for index in range(3)]
    rows = _csv_rows(_export(objects, "csv"))
    assert [row[0] for row in rows[1:]] == ["row 0", "row 1", "row 2"]
    assert [row[5] for row in rows[1:]] == ["0", "1", "2"]


# --- XLSX --------------------------------------------------------------------------------------


@pytest.mark.parametrize("language", ["en", "zh-hans"])
def test_xlsx_header_in_active_language_and_bold(language: str) -> None:
    with translation.override(language):
        response = _export([], "xlsx")
    cells = _sheet_cells(response)
    assert [[cell.value for cell in row] for row in cells] == [HEADERS[language]]
    assert [cell.font.b for cell in cells[0]] == [True] * 6
    assert response["Content-Type"] == XLSX_TYPE


def test_xlsx_sheet_is_named_after_the_export() -> None:
    response = _export([], "xlsx", name="people")
    assert load_workbook(io.BytesIO(response.content)).sheetnames == ["people"]


@pytest.mark.parametrize("start", FORMULA_STARTS)
def test_xlsx_formula_start_stays_exact_text_with_quote_prefix(start: str) -> None:
    value = start + 'HYPERLINK("http://x","y")'
    response = _export([Row(text=value, national_id=start)], "xlsx")
    cells = _sheet_cells(response)[1]
    assert (cells[0].value, cells[0].data_type, cells[0].quotePrefix) == (value, "s", True)
    assert (cells[1].value, cells[1].data_type, cells[1].quotePrefix) == (start, "s", True)
    assert [cell.coordinate for cell in _all_cells(response) if cell.data_type == "f"] == []


def test_xlsx_has_no_formula_anywhere() -> None:
    rows = [
        Row(text="=1+2", national_id="=SUM(A1:A9)", phone="+1", day="-1", moment="@A1", number="\t=1"),
        Row(text="=cmd|' /C calc'!A0"),
    ]
    response = _export(rows, "xlsx")
    cells = _all_cells(response)
    assert [cell.coordinate for cell in cells if cell.data_type == "f"] == []
    assert [cell.value for cell in _sheet_cells(response)[1]] == [
        "=1+2",
        "=SUM(A1:A9)",
        "+1",
        "-1",
        "@A1",
        "\t=1",
    ]
    assert _sheet_cells(response)[2][0].value == "=cmd|' /C calc'!A0"


@pytest.mark.parametrize("value", ["a-b", "x=1", "user@example.edu.cn", "'quoted", "心血管-内科"])
def test_xlsx_safe_text_has_no_quote_prefix(value: str) -> None:
    cell = _sheet_cells(_export([Row(text=value)], "xlsx"))[1][0]
    assert (cell.value, cell.data_type, cell.quotePrefix) == (value, "s", False)


@pytest.mark.parametrize("number", [-5, -2.5, 0, 2024])
def test_xlsx_numbers_stay_numbers(number: float) -> None:
    cell = _sheet_cells(_export([Row(number=number)], "xlsx"))[1][5]
    assert (cell.value, cell.data_type, cell.quotePrefix) == (number, "n", False)
    assert type(cell.value) is type(number)


def test_xlsx_id_and_phone_stay_text_with_all_digits() -> None:
    cells = _sheet_cells(_export([Row(national_id=ID_NUMBER, phone=PHONE)], "xlsx"))[1]
    assert (cells[1].value, cells[1].data_type, cells[1].quotePrefix) == (ID_NUMBER, "s", False)
    assert (cells[2].value, cells[2].data_type, cells[2].quotePrefix) == (PHONE, "s", False)


def test_xlsx_dates_stay_dates() -> None:
    rows = [
        Row(
            day=datetime.date(1949, 12, 31),
            moment=datetime.datetime(2024, 9, 1, 1, 30, 15, tzinfo=datetime.UTC),
        )
    ]
    cells = _sheet_cells(_export(rows, "xlsx"))[1]
    assert (cells[3].value, cells[3].data_type, cells[3].is_date) == (
        _naive(1949, 12, 31),
        "d",
        True,
    )
    assert cells[3].number_format == "yyyy-mm-dd"
    # An aware time is written in Asia/Shanghai, as the reader's clock shows it.
    assert (cells[4].value, cells[4].data_type, cells[4].is_date) == (
        _naive(2024, 9, 1, 9, 30, 15),
        "d",
        True,
    )


def test_xlsx_none_becomes_empty() -> None:
    cells = _sheet_cells(_export([Row(text="x")], "xlsx"))[1]
    assert [cell.value for cell in cells] == ["x", None, None, None, None, None]


def test_xlsx_chinese_round_trips() -> None:
    with translation.override("zh-hans"):
        cells = _sheet_cells(_export([Row(text=CHINESE)], "xlsx"))
    assert [cell.value for cell in cells[0]] == HEADERS["zh-hans"]
    assert (cells[1][0].value, cells[1][0].data_type) == (CHINESE, "s")


def test_xlsx_drops_control_characters_a_worksheet_cannot_hold() -> None:
    # Excel's XML cannot hold C0 control characters other than tab, LF and CR. Text with one (a
    # pasted phone number, say) must still export, not fail the whole download.
    rows = [Row(text="Bell\x07Name", phone="1380000\x0b0000", national_id="\x1b=cmd|' /C calc'!A0")]
    response = _export(rows, "xlsx")
    cells = _sheet_cells(response)[1]
    assert [cell.value for cell in cells[:3]] == ["BellName", "=cmd|' /C calc'!A0", "13800000000"]
    # Once the control character is gone the text starts a formula: it must still be plain text.
    assert (cells[1].data_type, cells[1].quotePrefix) == ("s", True)
    assert [cell.coordinate for cell in _all_cells(response) if cell.data_type == "f"] == []


# --- the response ------------------------------------------------------------------------------


def _today_in_shanghai() -> str:
    return f"{datetime.datetime.now(SHANGHAI):%Y%m%d}"


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_filename_has_name_today_in_shanghai_and_extension(file_format: str) -> None:
    before = _today_in_shanghai()
    response = _export([], file_format, name="people")
    after = _today_in_shanghai()
    assert response["Content-Disposition"] in {
        f'attachment; filename="people-{before}.{file_format}"',
        f'attachment; filename="people-{after}.{file_format}"',
    }


@pytest.mark.parametrize("file_format", ["xlsx", "csv"])
def test_filename_date_is_shanghai_not_utc(file_format: str, monkeypatch: pytest.MonkeyPatch) -> None:
    # 2024-12-31 16:30 UTC is already 1 January 2025 in Shanghai.
    instant = datetime.datetime(2024, 12, 31, 16, 30, tzinfo=datetime.UTC)
    monkeypatch.setattr(timezone, "now", lambda: instant)
    response = _export([], file_format, name="mentorships")
    assert response["Content-Disposition"] == f'attachment; filename="mentorships-20250101.{file_format}"'


@pytest.mark.parametrize("file_format", ["pdf", "XLSX", "xls", "", "csv "])
def test_other_formats_raise_application_error(file_format: str) -> None:
    with translation.override("en"), pytest.raises(ApplicationError) as raised:
        _export([Row(text="x")], file_format)
    assert str(raised.value.message) == "Choose .xlsx or .csv."
    assert raised.value.field == "format"
    assert raised.value.status_code == 400


@pytest.mark.parametrize(
    ("ending", "expected"), [("xlsx", "xlsx"), ("csv", "csv"), ("pdf", None), ("xls", None), ("CSV", None)]
)
def test_url_pattern_matches_only_the_two_formats(ending: str, expected: str | None) -> None:
    assert exports.FORMATS == ("xlsx", "csv")
    match = re.fullmatch(FORMAT_PATTERN, ending)
    assert (match.group("file_format") if match else None) == expected
