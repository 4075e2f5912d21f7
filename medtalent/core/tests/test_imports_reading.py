"""Opening uploaded tables (``medtalent.core.imports.reading``) on real files.

The .xlsx files are written by openpyxl the way offices leave them (a merged title above the
header, decorated headers, blank rows, numbers where text was meant); the CSV files are written
byte by byte in the encodings Chinese Excel produces. Row numbers are the ones the spreadsheet
shows. Large files are read as a stream.
"""

import codecs
import csv
import datetime
import gc
import io
import tracemalloc
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import translation
from openpyxl import Workbook
from openpyxl.styles import Font

from medtalent.core.errors import ApplicationError
from medtalent.core.imports.reading import (
    HEADER_SEARCH_ROWS,
    SourceColumn,
    Table,
    TableRow,
    header_key,
    open_table,
)
from medtalent.core.imports.values import CellError, digits_text, parse_date

COLUMNS = (
    SourceColumn("name", ("姓名", "Name")),
    SourceColumn("national_id", ("身份证号", "证件号码", "ID number")),
    SourceColumn("phone", ("手机", "手机号", "Phone")),
    SourceColumn("start_date", ("入学日期", "Start date")),
    SourceColumn("address", ("地址", "Address")),
)
SEPTEMBER_FIRST = datetime.date(2024, 9, 1)
EMPTY = "The file is empty."
OLD_XLS = "Old .xls files cannot be read: save the file as .xlsx or .csv."
WRONG_KIND = "Import an .xlsx or a .csv file."
BAD_XLSX = "This .xlsx file cannot be opened: save it again from Excel as .xlsx."
NO_HEADER = "No header row found in the first 10 rows: the columns need names such as 姓名 or 身份证号."


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Messages are asserted in English unless a test switches to Chinese itself."""
    with translation.override("en"):
        yield


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


def open_bytes(data: bytes, filename: str = "roster.csv") -> Table:
    return open_table(io.BytesIO(data), filename=filename, columns=COLUMNS)


def read_all(data: bytes, filename: str = "roster.csv") -> tuple[Table, list[TableRow]]:
    table = open_bytes(data, filename)
    return table, list(table.rows)


def refusal(data: bytes, filename: str = "roster.csv") -> str:
    """The message of the ApplicationError raised while opening or reading the file."""
    with pytest.raises(ApplicationError) as caught:
        read_all(data, filename)
    return str(caught.value.message)


def rows_as_pairs(rows: list[TableRow]) -> list[tuple[int, dict[str, Any]]]:
    return [(row.number, row.cells) for row in rows]


# header_key -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (" 姓 名 ", "姓名"),
        ("*身份证号", "身份证号"),
        ("身份证号（必填）：", "身份证号必填"),
        ("ＩＤ　Ｎｕｍｂｅｒ", "idnumber"),
        ("【手机】", "手机"),
        ("Start_Date", "startdate"),
        (None, ""),
        (12, "12"),
    ],
)
def test_header_key(text: Any, expected: str) -> None:
    assert header_key(text) == expected


# .xlsx ------------------------------------------------------------------------------------------


def office_workbook() -> bytes:
    """A roster as an office sends it: title merged over the columns, a remark column, gaps."""
    workbook = Workbook()
    sheet = workbook.active
    sheet["A1"] = "2024级住院医师规范化培训学员名单"
    sheet.merge_cells("A1:F1")
    # Row 2 is empty; the header is on row 3.
    sheet.append([])
    sheet.append([" 姓 名 ", "*身份证号", "手机号 *", "Ｓｔａｒｔ　ｄａｔｅ", "备注", "地址："])
    sheet.append(["张三", "11010519491231002X", 13800000000, SEPTEMBER_FIRST, "班长", "北京市"])  # row 4
    sheet.append(["李四", 1.1010519491231e17, 13900000000, "2024/9/1", None, None])  # row 5
    sheet.append([])  # row 6: blank
    sheet.append(["  ", None, "", None, "remark only", None])  # row 7: nothing in known columns
    sheet.append(["王五", "110105194912310021", "13700000000", 45536, None, "上海市"])  # row 8
    # Rows 9-12: formatted but empty cells, as Excel leaves at the end of a sheet.
    for row in range(9, 13):
        for column in "ABCDEF":
            sheet[f"{column}{row}"].font = Font(bold=True)
    return xlsx_bytes(workbook)


def test_xlsx_as_offices_write_it() -> None:
    table, rows = read_all(office_workbook(), "学员名单.xlsx")

    assert (table.file_format, table.encoding, table.delimiter) == ("xlsx", "", "")
    assert table.header_row == 3
    assert table.columns == {"name": 0, "national_id": 1, "phone": 2, "start_date": 3, "address": 5}
    assert table.unknown_columns == ["备注"]
    assert rows_as_pairs(rows) == [
        (
            4,
            {
                "name": "张三",
                "national_id": "11010519491231002X",
                "phone": 13800000000,
                # openpyxl reads date cells as naive datetimes
                "start_date": datetime.datetime(2024, 9, 1, 0, 0),  # noqa: DTZ001
                "address": "北京市",
            },
        ),
        (
            5,
            {
                "name": "李四",
                "national_id": 1.1010519491231e17,
                "phone": 13900000000,
                "start_date": "2024/9/1",
                "address": None,
            },
        ),
        (
            8,
            {
                "name": "王五",
                "national_id": "110105194912310021",
                "phone": "13700000000",
                "start_date": 45536,
                "address": "上海市",
            },
        ),
    ]


def test_xlsx_cells_become_values() -> None:
    _table, (zhang, li, wang) = read_all(office_workbook(), "roster.xlsx")

    assert digits_text(zhang.cells["phone"]) == "13800000000"
    assert digits_text(zhang.cells["national_id"]) == "11010519491231002X"
    assert digits_text(wang.cells["national_id"]) == "110105194912310021"
    assert digits_text(li.cells["phone"]) == "13900000000"
    with pytest.raises(CellError) as caught:
        digits_text(li.cells["national_id"])
    assert "15 exact digits" in str(caught.value)
    assert [parse_date(row.cells["start_date"]) for row in (zhang, li, wang)] == [SEPTEMBER_FIRST] * 3


def test_xlsx_with_english_headers() -> None:
    data = sheet_of(["Name", "ID number", "Phone"], ["Zhang San", "11010519491231002X", 13800000000])
    table, rows = read_all(data, "roster.xlsx")
    assert table.header_row == 1
    assert table.columns == {"name": 0, "national_id": 1, "phone": 2}
    assert table.unknown_columns == []
    assert rows_as_pairs(rows) == [
        (2, {"name": "Zhang San", "national_id": "11010519491231002X", "phone": 13800000000})
    ]


def test_xlsx_header_and_no_data() -> None:
    table, rows = read_all(sheet_of(["姓名", "身份证号"]), "roster.xlsx")
    assert (table.header_row, table.columns, rows) == (1, {"name": 0, "national_id": 1}, [])


def test_xlsx_file_name_need_not_say_xlsx() -> None:
    # What decides is the content: a workbook uploaded under another name is still a workbook.
    table, rows = read_all(sheet_of(["姓名", "身份证号"], ["张三", "1"]), "upload")
    assert table.file_format == "xlsx"
    assert rows_as_pairs(rows) == [(2, {"name": "张三", "national_id": "1"})]


def test_xlsx_reads_only_the_first_sheet() -> None:
    workbook = Workbook()
    workbook.active.append(["姓名", "身份证号"])
    workbook.active.append(["张三", "1"])
    other = workbook.create_sheet("说明")
    other.append(["姓名", "身份证号"])
    other.append(["李四", "2"])
    _table, rows = read_all(xlsx_bytes(workbook), "roster.xlsx")
    assert rows_as_pairs(rows) == [(2, {"name": "张三", "national_id": "1"})]


# CSV --------------------------------------------------------------------------------------------

ROSTER_TEXT = [
    ["姓名", "身份证号", "手机"],
    ["张三", "11010519491231002X", "13800000000"],
    ["李四", "110105194912310021", "13900000000"],
]
ROSTER_ROWS = [
    (2, {"name": "张三", "national_id": "11010519491231002X", "phone": "13800000000"}),
    (3, {"name": "李四", "national_id": "110105194912310021", "phone": "13900000000"}),
]


def csv_text(rows: list[list[str]], delimiter: str, newline: str = "\r\n") -> str:
    return "".join(delimiter.join(row) + newline for row in rows)


@pytest.mark.parametrize(
    ("data", "encoding", "delimiter"),
    [
        pytest.param(
            codecs.BOM_UTF8 + csv_text(ROSTER_TEXT, ",").encode("utf-8"), "utf-8-sig", ",", id="utf8-bom"
        ),
        pytest.param(csv_text(ROSTER_TEXT, ";", "\n").encode("utf-8"), "utf-8", ";", id="utf8-semicolon"),
        pytest.param(csv_text(ROSTER_TEXT, "\t").encode("gbk"), "gb18030", "\t", id="gbk-tab"),
        pytest.param(csv_text(ROSTER_TEXT, ",").encode("gb18030"), "gb18030", ",", id="gb18030"),
        # Excel's "Unicode text": UTF-16 little-endian with a BOM, tab separated.
        pytest.param(csv_text(ROSTER_TEXT, "\t").encode("utf-16"), "utf-16", "\t", id="utf16-bom"),
    ],
)
def test_csv_encodings_and_delimiters(data: bytes, encoding: str, delimiter: str) -> None:
    table, rows = read_all(data, "roster.csv")
    assert (table.file_format, table.encoding, table.delimiter) == ("csv", encoding, delimiter)
    assert table.header_row == 1
    assert table.columns == {"name": 0, "national_id": 1, "phone": 2}
    assert rows_as_pairs(rows) == ROSTER_ROWS


def test_utf16_starts_with_a_bom() -> None:
    # The fixture above really is what Excel writes, not just something Python reads back.
    assert csv_text(ROSTER_TEXT, "\t").encode("utf-16")[:2] == codecs.BOM_UTF16_LE


def test_gb18030_characters_outside_gbk() -> None:
    # 𠮷 (U+20BB7) is in names but not in GBK; GB18030 encodes it in four bytes.
    data = csv_text([["姓名", "身份证号"], ["吉𠮷", "1"]], ",").encode("gb18030")
    table, rows = read_all(data, "roster.txt")
    assert table.encoding == "gb18030"
    assert rows_as_pairs(rows) == [(2, {"name": "吉𠮷", "national_id": "1"})]


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_csv_quoted_fields_with_delimiters_and_newlines(delimiter: str) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter, quoting=csv.QUOTE_MINIMAL)
    writer.writerow(["姓名", "身份证号", "地址", "备注"])
    writer.writerow([f"Zhang{delimiter} San", "11010519491231002X", "北京市\r\n海淀区", f"a{delimiter}b"])
    writer.writerow(["李四", "110105194912310021", 'say "hi"', ""])
    table, rows = read_all(buffer.getvalue().encode("utf-8"), "roster.tsv")

    assert table.delimiter == delimiter
    assert table.unknown_columns == ["备注"]
    # The record with a line break inside a cell is one spreadsheet row.
    assert rows_as_pairs(rows) == [
        (
            2,
            {
                "name": f"Zhang{delimiter} San",
                "national_id": "11010519491231002X",
                "address": "北京市\r\n海淀区",
            },
        ),
        (3, {"name": "李四", "national_id": "110105194912310021", "address": 'say "hi"'}),
    ]


def test_csv_title_blank_rows_and_short_rows() -> None:
    text = (
        "2024级学员名单\n"
        "\n"
        "姓名,身份证号,手机,备注\n"  # row 3
        "张三,11010519491231002X,13800000000,班长\n"
        ",,,\n"  # row 5: blank
        " , ,,只有备注\n"  # row 6: nothing in known columns
        "李四,110105194912310021\n"  # row 7: shorter than the header
        "\n"
        ",,,\n"
    )
    table, rows = read_all(text.encode("utf-8"), "roster.csv")
    assert table.header_row == 3
    assert table.unknown_columns == ["备注"]
    assert rows_as_pairs(rows) == [
        (4, {"name": "张三", "national_id": "11010519491231002X", "phone": "13800000000"}),
        (7, {"name": "李四", "national_id": "110105194912310021", "phone": None}),
    ]


def test_csv_row_unreadable_in_the_detected_encoding_is_named() -> None:
    """The first 64 KB are clean UTF-8, so UTF-8 is chosen; row 4000 then has bytes UTF-8 refuses."""
    lines = [b"\xe5\xa7\x93\xe5\x90\x8d,ID number,Phone\n"]  # 姓名
    for number in range(2, 6001):
        if number == 4000:
            lines.append(b"\xff\xfe\xfd,110105194912310021,13800000000\n")
        else:
            lines.append(f"trainee{number:05d},110105194912310021,13800000000\n".encode())
    data = b"".join(lines)
    assert data.index(b"\xff") > 64 * 1024

    assert refusal(data) == (
        "Row 4000 is not readable text in utf-8: save the file as “CSV UTF-8” and try again."
    )


def test_csv_short_file_with_an_unreadable_row_names_that_row() -> None:
    """GBK is detected (the sample is not UTF-8); row 3 holds a byte GB18030 has no character for."""
    data = (
        "姓名,身份证号\n张三,11010519491231002X\n".encode("gbk") + b"\xff\xfe,1\n" + "李四,2\n".encode("gbk")
    )
    assert refusal(data) == (
        "Row 3 is not readable text in gb18030: save the file as “CSV UTF-8” and try again."
    )


def test_csv_unreadable_row_message_in_chinese() -> None:
    data = "姓名".encode("gbk") + b"\xff" + ",身份证号\n张三,1\n".encode("gbk")
    with translation.override("zh-hans"):
        message = refusal(data)
    assert message == "第 1 行无法按 gb18030 编码读取：请将文件另存为“CSV UTF-8”后重试。"


# Header detection -------------------------------------------------------------------------------


def test_header_in_english() -> None:
    data = b"Name,ID number,Phone,Remarks\nZhang San,11010519491231002X,13800000000,x\n"
    table, rows = read_all(data)
    assert table.columns == {"name": 0, "national_id": 1, "phone": 2}
    assert table.unknown_columns == ["Remarks"]
    assert rows_as_pairs(rows) == [
        (2, {"name": "Zhang San", "national_id": "11010519491231002X", "phone": "13800000000"})
    ]


def test_header_mixing_languages_and_column_keys() -> None:
    data = "phone,姓名,ID number\n13800000000,张三,1\n".encode()
    table, _rows = read_all(data)
    assert table.columns == {"phone": 0, "name": 1, "national_id": 2}


def test_two_columns_meaning_the_same_thing() -> None:
    data = "姓名,身份证号,ID number\n张三,1,1\n".encode()
    assert refusal(data) == "Two columns (身份证号 and ID number) mean the same thing; keep one."
    with translation.override("zh-hans"):
        assert refusal(data) == "有两列（身份证号 和 ID number）含义相同，请只保留一列。"


def test_two_columns_meaning_the_same_thing_in_xlsx() -> None:
    data = sheet_of(["姓名", "手机", "证件号码", " 身份证号 *"], ["张三", 1, "1", "1"])
    assert (
        refusal(data, "roster.xlsx") == "Two columns (证件号码 and 身份证号 *) mean the same thing; keep one."
    )


def test_header_on_the_last_row_searched() -> None:
    assert HEADER_SEARCH_ROWS == 10
    title_rows = ["学员名单"] * (HEADER_SEARCH_ROWS - 1)
    data = "\n".join([*title_rows, "姓名,身份证号", "张三,1", ""]).encode()
    table, rows = read_all(data)
    assert table.header_row == 10
    assert rows_as_pairs(rows) == [(11, {"name": "张三", "national_id": "1"})]


def test_no_header_in_the_first_rows() -> None:
    title_rows = ["学员名单"] * HEADER_SEARCH_ROWS
    data = "\n".join([*title_rows, "姓名,身份证号", "张三,1", ""]).encode()
    assert refusal(data) == NO_HEADER


def test_no_header_in_xlsx() -> None:
    data = sheet_of(["张三", "11010519491231002X"], ["李四", "110105194912310021"])
    assert refusal(data, "roster.xlsx") == NO_HEADER
    with translation.override("zh-hans"):
        assert refusal(data, "roster.xlsx") == "前 10 行中未找到表头：各列需要有列名，例如“姓名”“身份证号”。"


def test_one_known_header_is_not_a_header_row() -> None:
    # A title that happens to be a column name is passed over; the real header follows.
    data = "姓名\n姓名,身份证号\n张三,1\n".encode()
    table, rows = read_all(data)
    assert table.header_row == 2
    assert rows_as_pairs(rows) == [(3, {"name": "张三", "national_id": "1"})]


# Refused files ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "roster.xls"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 512, "roster.csv"),  # renamed, still OLE
        ("姓名,身份证号\n张三,1\n".encode(), "ROSTER.XLS"),
    ],
)
def test_old_xls_refused(data: bytes, filename: str) -> None:
    assert refusal(data, filename) == OLD_XLS


def test_old_xls_refused_in_chinese() -> None:
    with translation.override("zh-hans"):
        assert (
            refusal(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "a.xls")
            == "无法读取旧版 .xls 文件：请另存为 .xlsx 或 .csv。"
        )


@pytest.mark.parametrize(
    ("data", "filename"),
    [
        (b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n", "roster.pdf"),
        ("姓名,身份证号\n张三,1\n".encode(), "roster.docx"),
        (b"\x89PNG\r\n\x1a\n", "photo.png"),
    ],
)
def test_other_kinds_refused(data: bytes, filename: str) -> None:
    assert refusal(data, filename) == WRONG_KIND


def zip_of(files: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, content in files.items():
            archive.writestr(name, content)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        pytest.param(b"PK\x03\x04" + b"\x00\x17garbage" * 40, id="corrupt-zip"),
        pytest.param(b"PK", id="two-bytes"),
        pytest.param(zip_of({"readme.txt": "hello"}), id="zip-without-workbook"),
        pytest.param(
            zip_of(
                {
                    "[Content_Types].xml": (
                        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"/>'
                    )
                }
            ),
            id="package-without-workbook",
        ),
        pytest.param(office_workbook()[: len(office_workbook()) // 2], id="truncated-upload"),
    ],
)
def test_broken_xlsx_refused(data: bytes) -> None:
    assert refusal(data, "roster.xlsx") == BAD_XLSX


def test_broken_xlsx_refused_in_chinese() -> None:
    with translation.override("zh-hans"):
        assert (
            refusal(b"PK\x03\x04junk", "roster.xlsx")
            == "无法打开此 .xlsx 文件：请在 Excel 中重新另存为 .xlsx。"
        )


@pytest.mark.parametrize("filename", ["roster.csv", "roster.xlsx", "roster.pdf"])
def test_empty_file_refused(filename: str) -> None:
    assert refusal(b"", filename) == EMPTY
    with translation.override("zh-hans"):
        assert refusal(b"", filename) == "文件为空。"


def test_file_over_the_size_limit_refused(settings: Any) -> None:
    settings.MEDTALENT_IMPORT_MAX_BYTES = 1_000_000
    data = "姓名,身份证号\n".encode() + b"x,1\n" * 375_000  # 1,500,019 bytes
    assert refusal(data) == (
        "The file is 1.5 MB; files up to 1.0 MB can be imported. Split it and import the parts."
    )
    with translation.override("zh-hans"):
        assert (
            refusal(data, "roster.xlsx") == "文件大小为 1.5 MB，最多可导入 1.0 MB 的文件。请拆分后分批导入。"
        )


def test_file_exactly_at_the_size_limit_accepted(settings: Any) -> None:
    data = "姓名,身份证号\n张三,1\n".encode()
    settings.MEDTALENT_IMPORT_MAX_BYTES = len(data)
    _table, rows = read_all(data)
    assert rows_as_pairs(rows) == [(2, {"name": "张三", "national_id": "1"})]
    settings.MEDTALENT_IMPORT_MAX_BYTES = len(data) - 1
    assert refusal(data).startswith("The file is 0.0 MB; files up to 0.0 MB can be imported.")


@pytest.mark.filterwarnings("error::pytest.PytestUnraisableExceptionWarning")
def test_rows_can_be_abandoned_after_the_file_is_closed() -> None:
    """An import that stops early (too many errors) closes the upload; dropping the rows must not fail."""
    file = io.BytesIO("姓名,身份证号\n张三,1\n李四,2\n".encode())
    table = open_table(file, filename="roster.csv", columns=COLUMNS)
    assert next(table.rows).number == 2
    file.close()
    table.rows.close()  # type: ignore[attr-defined]
    del table
    gc.collect()  # the reading generators are finalised here, not at some later test


def test_reading_starts_at_the_beginning_whatever_the_file_position() -> None:
    file = io.BytesIO("姓名,身份证号\n张三,1\n".encode())
    file.seek(0, io.SEEK_END)
    table = open_table(file, filename="roster.csv", columns=COLUMNS)
    assert rows_as_pairs(list(table.rows)) == [(2, {"name": "张三", "national_id": "1"})]


# Streaming --------------------------------------------------------------------------------------

ROW_COUNT = 50_000
MEMORY_LIMIT = 20 * 1024 * 1024
REMARK = "培训备注" * 40  # ~0.5 KB a row, so the whole file is larger than the memory allowed


def test_large_csv_is_streamed(tmp_path: Path, settings: Any) -> None:
    settings.MEDTALENT_IMPORT_MAX_BYTES = 100_000_000
    path = tmp_path / "large.csv"
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("姓名,身份证号,手机,备注\r\n")
        for index in range(ROW_COUNT):
            out.write(f"学员{index},1101051949{index:08d},138{index:08d},{REMARK}\r\n")
    assert path.stat().st_size > MEMORY_LIMIT

    count = 0
    last = first = None
    with path.open("rb") as file:
        tracemalloc.start()
        try:
            table = open_table(file, filename="large.csv", columns=COLUMNS)
            for row in table.rows:
                count += 1
                if first is None:
                    first = row
                last = row
            _current, peak = tracemalloc.get_traced_memory()
        finally:
            tracemalloc.stop()

    assert peak < MEMORY_LIMIT
    assert count == ROW_COUNT
    assert first is not None
    assert last is not None
    assert (first.number, first.cells) == (
        2,
        {"name": "学员0", "national_id": "110105194900000000", "phone": "13800000000"},
    )
    assert (last.number, last.cells) == (
        ROW_COUNT + 1,
        {"name": "学员49999", "national_id": "110105194900049999", "phone": "13800049999"},
    )


def test_large_xlsx_is_read_to_the_end(tmp_path: Path) -> None:
    path = tmp_path / "large.xlsx"
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(["学员名单"])
    sheet.append(["姓名", "身份证号", "手机"])
    for index in range(ROW_COUNT):
        sheet.append([f"学员{index}", f"1101051949{index:08d}", 13800000000 + index])
    workbook.save(path)

    count = 0
    last = None
    with path.open("rb") as file:
        table = open_table(file, filename="large.xlsx", columns=COLUMNS)
        assert table.header_row == 2
        for row in table.rows:
            count += 1
            last = row
    assert count == ROW_COUNT
    assert last is not None
    assert (last.number, last.cells) == (
        ROW_COUNT + 2,
        {"name": "学员49999", "national_id": "110105194900049999", "phone": 13800049999},
    )


def test_csv_with_old_mac_line_ends() -> None:
    data = "姓名,身份证号\r张三,11010519491231002X\r李四,440524188001010014\r".encode()
    table = open_table(io.BytesIO(data), filename="mac.csv", columns=COLUMNS)
    assert [(row.number, row.cells["national_id"]) for row in table.rows] == [
        (2, "11010519491231002X"),
        (3, "440524188001010014"),
    ]
