"""Preview, then commit: the one import mechanism every domain plugs into.

A domain declares an ``Importer``: its columns, how a chunk of parsed rows is matched against the
database and planned (``plan``), and how planned rows are written (``apply``). The engine streams
the stored file in chunks, reads the cells, catches keys that appear twice in the file, and
fingerprints every planned row. The preview stores the errors and counts; the commit plans the
same file again inside one transaction, skips the rows the preview rejected, writes the rest, and
refuses to finish unless it arrived at the very plan the preview showed.
"""

import enum
import functools
import hashlib
import itertools
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django import forms
from django.utils.translation import gettext as _

from medtalent.core.errors import ApplicationError
from medtalent.core.models import ImportBatch

from .reading import SourceColumn, Table, TableRow, open_table
from .values import CellError, clean_text


@dataclass(frozen=True)
class ImportColumn:
    """A column an import reads: its label (the template's header), synonyms, and how to read a cell."""

    key: str
    label: Any  # a lazy translation; recognised in every language
    headers: tuple[Any, ...] = ()  # synonyms people write
    parse: Callable[[Any], Any] = clean_text
    required: bool = False
    example: Any = ""
    hint: Any = ""  # what the cell may hold, for the template's instructions

    def source(self) -> SourceColumn:
        return SourceColumn(self.key, (self.label, *self.headers))


class Action(enum.StrEnum):
    CREATE = "create"
    UPDATE = "update"
    UNCHANGED = "unchanged"
    REJECT = "reject"


@dataclass
class ImportRow:
    """One data row: read by the engine, then matched and planned by the importer."""

    number: int
    values: dict[str, Any]  # readable cells of the columns the file has, empty cells left out
    errors: list[tuple[str, str]] = field(default_factory=list)  # (column key, reason)
    action: Action = Action.UNCHANGED
    changes: dict[str, Any] = field(default_factory=dict)  # what the commit will write, plain values
    kept: list[tuple[str, str]] = field(default_factory=list)  # (column key, note) hand edits kept
    # Natural keys the row will own once written, e.g. ("national_id", "110…"); another row with one
    # of them is a duplicate. ``owned_keys`` are owned without being checked (a name and birth date
    # identify a row only when nothing better does).
    keys: list[tuple[str, Hashable]] = field(default_factory=list)
    owned_keys: list[tuple[str, Hashable]] = field(default_factory=list)
    target: Hashable | None = None  # the existing record it matched: two rows may not share one
    payload: Any = None  # the importer's own, for ``apply``

    def error(self, column: str, message: Any) -> None:
        self.errors.append((column, str(message)))

    def fingerprint(self) -> str:
        text = repr((self.number, str(self.action), sorted(self.changes.items())))
        return hashlib.sha256(text.encode()).hexdigest()[:24]


class Importer:
    """What a domain declares to import a kind of spreadsheet. Register it with ``register_importer``."""

    kind: ClassVar[str]
    label: ClassVar[Any]
    columns: ClassVar[tuple[ImportColumn, ...]]
    key_labels: ClassVar[dict[str, Any]] = {}  # natural key name -> words for duplicate messages
    chunk_size: ClassVar[int] = 1000
    do_not_call_in_templates: ClassVar[bool] = True  # templates show the class's label and columns

    def __init__(self, batch: ImportBatch, actor: Any, *, committing: bool = False) -> None:
        self.batch = batch
        self.actor = actor
        self.options = batch.options
        # At commit the cells are the ones the preview already validated (rows it rejected are
        # skipped), so checks of a cell's own value need not run again; matching does.
        self.committing = committing

    @classmethod
    def can_import(cls, user: Any) -> bool:
        raise NotImplementedError

    @classmethod
    def option_fields(cls, user: Any) -> dict[str, forms.Field]:
        """Extra fields of the upload form (e.g. which institution the rows belong to)."""
        return {}

    @classmethod
    def clean_options(cls, user: Any, data: dict[str, Any]) -> dict[str, Any]:
        """The upload form's extra fields as JSON-ready options; raise ``ApplicationError`` if not allowed."""
        return {}

    def describe_options(self) -> list[tuple[Any, str]]:
        return []

    def plan(self, rows: list[ImportRow]) -> None:
        """Match each row, then set its action, changes, keys, target and payload (or add errors)."""
        raise NotImplementedError

    def apply(self, rows: list[ImportRow]) -> None:
        """Write the rows planned to be created or updated, marking records with ``self.batch``."""
        raise NotImplementedError

    def result_url(self) -> str:
        """Where to see what the import wrote."""
        return ""


_importers: dict[str, type[Importer]] = {}


def register_importer(importer: type[Importer]) -> type[Importer]:
    _importers[importer.kind] = importer
    return importer


def importer_class(kind: str) -> type[Importer]:
    try:
        return _importers[kind]
    except KeyError:
        raise ApplicationError(_("There is no import of this kind."), field="kind") from None


def importer_classes() -> list[type[Importer]]:
    return list(_importers.values())


@dataclass
class PlanResult:
    """What planning the whole file found: counts, notes and the plan's fingerprint."""

    table: Table
    counts: dict[Action, int] = field(default_factory=lambda: dict.fromkeys(Action, 0))
    fields_kept: int = 0
    # Rows rejected only once a later row turned out to share their key.
    late_rejects: dict[int, tuple[str, str]] = field(default_factory=dict)
    _accepted: dict[int, tuple[Action, str]] = field(default_factory=dict)  # row -> action, fingerprint
    _key_rows: dict[tuple[str, Hashable], int] = field(default_factory=dict)
    _target_rows: dict[Hashable, int] = field(default_factory=dict)

    @property
    def rows_total(self) -> int:
        return sum(self.counts.values())

    @property
    def digest(self) -> str:
        text = "\n".join(f"{number}:{print_}" for number, (_action, print_) in sorted(self._accepted.items()))
        return hashlib.sha256(text.encode()).hexdigest()

    def column_label(self, key: str) -> str:
        position = self.table.columns.get(key)
        if position is None or position >= len(self.table.header):
            return ""
        return clean_text(self.table.header[position])

    def _duplicate(self, row: ImportRow, first: int, column: str, message: Callable[[int], str]) -> None:
        row.error(column, message(first))
        if first in self._accepted and first not in self.late_rejects:
            self.late_rejects[first] = (column, message(row.number))

    def add(self, row: ImportRow, key_labels: dict[str, Any]) -> None:
        for key in row.keys:
            first = self._key_rows.get(key)
            if first is not None:
                words = str(key_labels.get(key[0], key[0]))
                self._duplicate(row, first, key[0], functools.partial(same_key, words))
        if row.target is not None:
            first = self._target_rows.get(row.target)
            if first is not None:
                self._duplicate(row, first, "", same_record)
            else:
                self._target_rows[row.target] = row.number
        for key in (*row.keys, *row.owned_keys):
            self._key_rows.setdefault(key, row.number)
        if row.errors:
            row.action = Action.REJECT
        self.counts[row.action] += 1
        self.fields_kept += len(row.kept) if row.action != Action.REJECT else 0
        if row.action != Action.REJECT:
            self._accepted[row.number] = (row.action, row.fingerprint())

    def finish(self) -> None:
        """Reject the first rows of duplicates too: which of the two is right, only the office knows."""
        for number in self.late_rejects:
            action, _fingerprint = self._accepted.pop(number)
            self.counts[action] -= 1
            self.counts[Action.REJECT] += 1


def same_key(words: str, other: int) -> str:
    return _("%(key)s is the same as in row %(row)d: each record may appear once.") % {
        "key": words,
        "row": other,
    }


def same_record(other: int) -> str:
    return _("This row and row %(row)d describe the same record.") % {"row": other}


def _read(importer: Importer, row: TableRow) -> ImportRow:
    parsed = ImportRow(number=row.number, values={})
    for column in importer.columns:
        if column.key not in row.cells:
            continue
        cell = row.cells[column.key]
        blank = cell is None or (isinstance(cell, str) and not cell.strip())
        try:
            value = None if blank else column.parse(cell)
        except CellError as error:
            parsed.error(column.key, error)
            continue
        if value not in (None, ""):
            parsed.values[column.key] = value
        elif column.required:
            parsed.error(column.key, _("This cell is required."))
    return parsed


def _chunks(rows: Iterator[TableRow], size: int) -> Iterator[list[TableRow]]:
    while chunk := list(itertools.islice(rows, size)):
        yield chunk


def plan_file(
    importer: Importer,
    *,
    skip_rows: frozenset[int] = frozenset(),
    on_chunk: Callable[[list[ImportRow], PlanResult], None],
    on_progress: Callable[[float], None] = lambda fraction: None,
) -> PlanResult:
    """Stream the batch's file through the importer, chunk by chunk. Raises ``ApplicationError``
    when the file as a whole cannot be read (format, header, missing required columns)."""
    batch = importer.batch
    with batch.file.open("rb") as file:
        table = open_table(file, filename=batch.original_name, columns=[c.source() for c in importer.columns])
        missing = [str(c.label) for c in importer.columns if c.required and c.key not in table.columns]
        if missing:
            raise ApplicationError(
                _("The file has no column for: %(columns)s. Download the template to see the columns.")
                % {"columns": "、".join(missing)}
            )
        result = PlanResult(table)
        for chunk in _chunks(table.rows, importer.chunk_size):
            rows = [_read(importer, row) for row in chunk if row.number not in skip_rows]
            importer.plan(rows)
            for row in rows:
                result.add(row, importer.key_labels)
            on_chunk(rows, result)
            on_progress(table.fraction_read())
        result.finish()
    return result
