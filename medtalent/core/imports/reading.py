"""Open an uploaded .xlsx or .csv and stream its rows under recognised column names.

Nothing here loads a whole file: CSV is decoded as it is read, and .xlsx is read in openpyxl's
read-only mode. Row numbers are the ones the spreadsheet shows (the first row is 1), so an error
can name the row a person will look for.
"""

import codecs
import csv
import io
import re
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import IO, Any

from django.conf import settings
from django.utils import translation
from django.utils.functional import Promise
from django.utils.translation import gettext as _
from openpyxl import load_workbook

from medtalent.core.errors import ApplicationError

# Header rows are looked for among the first rows: offices put a title (often merged) above them.
HEADER_SEARCH_ROWS = 10
_SAMPLE_BYTES = 64 * 1024


@dataclass(frozen=True)
class SourceColumn:
    """A column an import understands, with every header people write for it (both languages)."""

    key: str
    headers: tuple[Any, ...]  # lazy translations and literal synonyms


@dataclass
class TableRow:
    number: int
    cells: dict[str, Any]
    raw: list[Any] = field(default_factory=list)  # the whole row, unknown columns included


@dataclass
class Table:
    file_format: str
    encoding: str  # "" for .xlsx
    delimiter: str  # "" for .xlsx
    header_row: int
    columns: dict[str, int]  # column key -> position in the row
    unknown_columns: list[str] = field(default_factory=list)
    rows: Iterator[TableRow] = field(default_factory=lambda: iter(()))
    header: list[Any] = field(default_factory=list)  # the header row's cells as written
    fraction_read: Callable[[], float] = lambda: 0.0  # how far through the file the rows are, 0 to 1


def header_key(text: Any) -> str:
    """Headers compare without case, spaces, full-width forms or decoration such as '*' and '：'."""
    normalised = unicodedata.normalize("NFKC", str(text or "")).casefold()
    return re.sub(r"[\s*:：()（）\[\]【】_\-/.·]+", "", normalised)


def _header_lookup(columns: Iterable[SourceColumn]) -> dict[str, str]:
    """Header spellings to column keys. Translated headers count in every language, whoever uploads."""
    lookup: dict[str, str] = {}
    for column in columns:
        for header in (column.key, *column.headers):
            if isinstance(header, Promise):
                for language, _name in settings.LANGUAGES:
                    with translation.override(language):
                        lookup[header_key(header)] = column.key
            else:
                lookup[header_key(header)] = column.key
    return lookup


def _locate_header(
    rows: Iterator[tuple[int, list[Any]]], lookup: dict[str, str]
) -> tuple[int, dict[str, int], list[str], list[Any]]:
    needed = min(2, len(set(lookup.values())))
    for _attempt in range(HEADER_SEARCH_ROWS):
        try:
            number, cells = next(rows)
        except StopIteration:
            break
        matches = {position: lookup.get(header_key(cell)) for position, cell in enumerate(cells)}
        if sum(1 for key in matches.values() if key) < needed:
            continue
        columns: dict[str, int] = {}
        unknown = []
        for position, key in matches.items():
            label = str(cells[position] or "").strip()
            if key is None:
                if label:
                    unknown.append(label)
                continue
            if key in columns:
                raise ApplicationError(
                    _("Two columns (%(first)s and %(second)s) mean the same thing; keep one.")
                    % {"first": str(cells[columns[key]]).strip(), "second": label}
                )
            columns[key] = position
        return number, columns, unknown, cells
    raise ApplicationError(
        _("No header row found in the first %(count)d rows: the columns need names such as 姓名 or 身份证号.")
        % {"count": HEADER_SEARCH_ROWS}
    )


def _data_rows(rows: Iterator[tuple[int, list[Any]]], columns: dict[str, int]) -> Iterator[TableRow]:
    for number, cells in rows:
        values = {
            key: cells[position] if position < len(cells) else None for key, position in columns.items()
        }
        # Blank rows (Excel keeps formatted empty rows at the end) are not data.
        if all(value is None or str(value).strip() == "" for value in values.values()):
            continue
        yield TableRow(number=number, cells=values, raw=cells)


def file_size_within_limit(file: IO[bytes]) -> int:
    """The file's size in bytes; refuses a file over ``MEDTALENT_IMPORT_MAX_MB``."""
    file.seek(0, io.SEEK_END)
    size = file.tell()
    file.seek(0)
    limit = settings.MEDTALENT_IMPORT_MAX_BYTES
    if size > limit:
        raise ApplicationError(
            _(
                "The file is %(size).1f MB; files up to %(limit).1f MB can be imported. "
                "Split it and import the parts."
            )
            % {"size": size / 1e6, "limit": limit / 1e6},
            field="file",
        )
    return size


def _check_size(file: IO[bytes]) -> int:
    size = file_size_within_limit(file)
    if size == 0:
        raise ApplicationError(_("The file is empty."))
    return size


def _xlsx_rows(file: IO[bytes], position: dict[str, int]) -> Iterator[tuple[int, list[Any]]]:
    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError, ValueError):
        raise ApplicationError(
            _("This .xlsx file cannot be opened: save it again from Excel as .xlsx.")
        ) from None
    try:
        sheet = workbook.worksheets[0]
        position["last"] = sheet.max_row or 0  # from the sheet's dimension, when Excel wrote one
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1):
            position["row"] = number
            yield number, list(row)
    finally:  # also when the reader stops early
        workbook.close()


def _detect_encoding(sample: bytes) -> str:
    if sample.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if sample.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"  # Excel's "Unicode text"
    try:
        # Incremental, so that a character cut at the end of the sample is not taken for an error.
        codecs.getincrementaldecoder("utf-8")().decode(sample, final=False)
    except UnicodeDecodeError:
        return "gb18030"  # what Chinese Excel writes ("GBK"), and its superset
    return "utf-8"


def _detect_delimiter(text: str) -> str:
    try:
        return csv.Sniffer().sniff(text, delimiters=",;\t").delimiter
    except csv.Error:
        return ","


def _text_lines(file: IO[bytes], encoding: str) -> Iterator[str]:
    """The file's text line by line, decoded as it is read.

    Decoding one physical line at a time means an undecodable byte is found in the row that holds
    it, not in the row where a larger buffer happened to start.
    """
    decoder = codecs.getincrementaldecoder(encoding)()
    pending = ""
    for raw in file:  # binary lines, split at b"\n"
        pending += decoder.decode(raw)
        lines = pending.splitlines(keepends=True)
        # The last piece waits unless it ends in "\n": it may be half a line (UTF-16 splits b"\n\x00"
        # across two reads) or a "\r" whose "\n" comes next.
        pending = lines.pop() if lines and not lines[-1].endswith("\n") else ""
        yield from lines
    pending += decoder.decode(b"", final=True)
    yield from pending.splitlines(keepends=True)


def _csv_rows(file: IO[bytes], encoding: str, delimiter: str) -> Iterator[tuple[int, list[Any]]]:
    number = 0
    try:
        for number, row in enumerate(csv.reader(_text_lines(file, encoding), delimiter=delimiter), start=1):
            yield number, list(row)
    except UnicodeDecodeError:
        raise ApplicationError(
            _("Row %(row)d is not readable text in %(encoding)s: save the file as “CSV UTF-8” and try again.")
            % {"row": number + 1, "encoding": encoding}
        ) from None


def open_table(file: IO[bytes], *, filename: str, columns: Iterable[SourceColumn]) -> Table:
    """The file's rows under the import's column keys. Raises ``ApplicationError`` for unreadable files."""
    size = _check_size(file)
    lookup = _header_lookup(columns)
    name = filename.lower()
    head = file.read(8)
    file.seek(0)
    if name.endswith(".xls") or head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ApplicationError(_("Old .xls files cannot be read: save the file as .xlsx or .csv."))
    if head.startswith(b"PK"):
        position = {"row": 0, "last": 0}
        rows = _xlsx_rows(file, position)
        header_row, found, unknown, header = _locate_header(rows, lookup)
        table = Table("xlsx", "", "", header_row, found, unknown, _data_rows(rows, found), header)
        table.fraction_read = lambda: (
            min(1.0, position["row"] / position["last"]) if position["last"] else 0.0
        )
        return table
    if not name.endswith((".csv", ".txt", ".tsv")):
        raise ApplicationError(_("Import an .xlsx or a .csv file."))
    sample = file.read(_SAMPLE_BYTES)
    file.seek(0)
    encoding = _detect_encoding(sample)
    text = codecs.getincrementaldecoder(encoding)(errors="replace").decode(sample, final=False)
    delimiter = _detect_delimiter("\n".join(text.splitlines()[:20]))
    rows = _csv_rows(file, encoding, delimiter)
    header_row, found, unknown, header = _locate_header(rows, lookup)
    table = Table("csv", encoding, delimiter, header_row, found, unknown, _data_rows(rows, found), header)
    table.fraction_read = lambda: min(1.0, file.tell() / size)
    return table
