"""Downloads of lists as .xlsx and .csv: one mechanism for every list page and API list.

A list declares its columns once (``ExportColumn``); the page and the API call the same export
function with the user's filters, so both give the same rows and only the fields the user may see.
Every cell that a spreadsheet would run as a formula is neutralised.
"""

import csv
import datetime
import io
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.http import HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font

from .errors import ApplicationError

FORMATS = ("xlsx", "csv")
# For download URLs: ``…/export.xlsx``; any other ending is simply not found.
FORMAT_PATTERN = r"(?P<file_format>xlsx|csv)"
# What Excel, LibreOffice and WPS start a formula with (OWASP "CSV injection").
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass(frozen=True)
class ExportColumn:
    label: Any  # a lazy translation: rendered in the downloader's language
    value: Callable[[Any], Any]


def is_formula_like(value: Any) -> bool:
    return isinstance(value, str) and value.startswith(_FORMULA_STARTS)


def neutralise(value: Any) -> Any:
    """For CSV: a text cell that would start a formula gets a leading apostrophe, read as text."""
    return "'" + value if is_formula_like(value) else value


def _plain(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, str):
        # Control characters cannot be stored in a worksheet (and mean nothing in a list); dropping
        # them first also stops "\x1b=cmd" from turning into a formula once the escape is gone.
        return ILLEGAL_CHARACTERS_RE.sub("", value)
    if isinstance(value, datetime.datetime):
        return timezone.localtime(value).replace(tzinfo=None) if timezone.is_aware(value) else value
    return value


def _csv_lines(rows: Iterable[Any], columns: list[ExportColumn], language: str) -> Iterator[str]:
    # The body is written after the view has returned: keep the downloader's language for it.
    with translation.override(language):
        yield from _csv_lines_in_active_language(rows, columns)


def _csv_lines_in_active_language(rows: Iterable[Any], columns: list[ExportColumn]) -> Iterator[str]:
    buffer = io.StringIO()
    writer = csv.writer(buffer)

    def line(values: list[Any]) -> str:
        buffer.seek(0)
        buffer.truncate()
        writer.writerow(values)
        return buffer.getvalue()

    # A BOM, so that Excel opens the UTF-8 file with its Chinese intact.
    yield "\ufeff" + line([str(column.label) for column in columns])
    for row in rows:
        yield line([neutralise(_plain(column.value(row))) for column in columns])


def xlsx_cell(sheet: Any, value: Any) -> WriteOnlyCell:
    """A cell of a write-only sheet holding ``value`` safely: control characters dropped, aware times in
    local time, and formula-looking text kept as text."""
    value = _plain(value)
    cell = WriteOnlyCell(sheet, value=value)
    if is_formula_like(value):
        # openpyxl would store "=…" as a formula. Stored instead as Excel stores text typed
        # with a leading apostrophe: the exact text, which stays text even when edited.
        cell.data_type = "s"
        cell.quotePrefix = True
    return cell


def _xlsx_bytes(rows: Iterable[Any], columns: list[ExportColumn], title: str) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    bold = Font(bold=True)
    header = []
    for column in columns:
        cell = WriteOnlyCell(sheet, value=str(column.label))
        cell.font = bold
        header.append(cell)
    sheet.append(header)
    for row in rows:
        sheet.append([xlsx_cell(sheet, column.value(row)) for column in columns])
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def export_response(
    *, rows: Iterable[Any], columns: list[ExportColumn], file_format: str, name: str
) -> HttpResponseBase:
    """The rows as a download named ``{name}-{date}.{format}``."""
    if file_format not in FORMATS:
        raise ApplicationError(_("Choose .xlsx or .csv."), field="format")
    filename = f"{name}-{timezone.localdate():%Y%m%d}.{file_format}"
    response: HttpResponseBase
    if file_format == "csv":
        response = StreamingHttpResponse(
            _csv_lines(rows, columns, translation.get_language() or settings.LANGUAGE_CODE),
            content_type="text/csv; charset=utf-8",
        )
    else:
        response = HttpResponse(_xlsx_bytes(rows, columns, name), content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
