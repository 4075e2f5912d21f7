"""Spreadsheets the import mechanism hands out: the template of an import, and the rejected rows."""

import io
from collections import defaultdict
from typing import Any

from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill

from medtalent.core.exports import ExportColumn, export_response
from medtalent.core.models import ImportBatch, ImportRowNote

from .engine import Importer, importer_class
from .reading import open_table
from .values import digits_text


def import_template_xlsx(importer: type[Importer]) -> bytes:
    """The import's columns with an example row, and a sheet saying what each column takes.

    Written in the active language; number-like columns (ID, phone) are formatted as text, so that
    Excel keeps every digit of what people type into them.
    """
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = _("Data")[:31]
    bold = Font(bold=True)
    for position, column in enumerate(importer.columns, start=1):
        header = sheet.cell(row=1, column=position, value=str(column.label))
        header.font = bold
        header.fill = PatternFill("solid", fgColor="FFE2EFDA" if column.required else "FFDDEBF7")
        example = sheet.cell(row=2, column=position, value=column.example if column.example != "" else None)
        letter = header.column_letter
        sheet.column_dimensions[letter].width = max(12, len(str(column.label)) * 2 + 2)
        if column.parse is digits_text or column.key.endswith(("national_id", "_number", "phone")):
            example.number_format = "@"
            for row in range(3, 1002):
                sheet.cell(row=row, column=position).number_format = "@"
    sheet.freeze_panes = "A2"
    notes = workbook.create_sheet(_("Instructions")[:31])
    notes.append([_("Column"), _("Required"), _("What to write")])
    for cell in notes[1]:
        cell.font = bold
    for column in importer.columns:
        notes.append([str(column.label), _("yes") if column.required else "", str(column.hint)])
    notes.append([])
    notes.append(
        [
            _(
                "Headers may be in Chinese or English. Empty cells leave what is on record as it is. "
                "Keep the example row or delete it: a row is imported like any other."
            )
        ]
    )
    notes.column_dimensions["A"].width = 24
    notes.column_dimensions["C"].width = 70
    for row in notes.iter_rows(min_row=2):
        row[-1].alignment = Alignment(wrap_text=True)
    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()


def import_rejected_rows_response(*, batch: ImportBatch, file_format: str = "xlsx") -> HttpResponseBase:
    """The rows the preview rejected, as the file had them, with a column saying why."""
    reasons: dict[int, list[str]] = defaultdict(list)
    for number, column, message in batch.notes.filter(kind=ImportRowNote.Kind.ERROR).values_list(
        "row_number", "column", "message"
    ):
        reasons[number].append(f"{column}: {message}" if column else message)
    importer = importer_class(batch.kind)
    with batch.file.open("rb") as file:
        table = open_table(file, filename=batch.original_name, columns=[c.source() for c in importer.columns])
        rejected = (row for row in table.rows if row.number in reasons)

        def cell(position: int) -> Any:
            return lambda row: row.raw[position] if position < len(row.raw) else None

        columns = [
            ExportColumn("" if label is None else label, cell(position))
            for position, label in enumerate(table.header)
        ]
        columns += [
            ExportColumn(_("Row in the file"), lambda row: row.number),
            ExportColumn(_("Why it was rejected"), lambda row: "\n".join(reasons[row.number])),
        ]
        return export_response(
            rows=list(rejected), columns=columns, file_format=file_format, name=f"rejected-{batch.pk}"
        )
