"""The cohort grid as the .xlsx the rotation secretaries keep: a trainee per row (name, student number,
standard, cohort), a month per column holding the department's code on its colour, and a legend sheet.

Written in openpyxl's write-only mode, row by row; every text cell goes through ``core.exports.xlsx_cell``,
so a name that looks like a formula stays text.
"""

import io
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from medtalent.core.exports import xlsx_cell

from .models import Schedule
from .selectors_schedules import (
    LEAVE,
    RESEARCH,
    GridFilters,
    ScheduleDiff,
    grid_labels,
    grid_rows,
    month_list,
    schedule_legend,
    schedule_trainees,
)

RESEARCH_FILL = "D9D9D9"
LEAVE_FILL = "F2F2F2"
TRAINEE_COLUMNS = 4


def _fill(colour: str) -> PatternFill:
    colour = colour.lstrip("#").upper()
    return PatternFill(fill_type="solid", start_color=colour, end_color=colour)


def schedule_grid_xlsx(schedule: Schedule, filters: GridFilters, diff: ScheduleDiff | None) -> bytes:
    """Every trainee of the schedule that passes the filters (no paging), in the grid's order."""
    legend = schedule_legend(schedule, diff)
    labels = grid_labels(legend)
    trainees_query = schedule_trainees(schedule, filters, diff)
    trainees = list(trainees_query)
    rows = grid_rows(
        schedule, trainees, diff, labels=labels, trainee_ids=trainees_query.order_by().values("pk")
    )
    months = month_list(schedule.first_month, schedule.horizon_months)
    fills: dict[int | None, PatternFill] = {entry.department_id: _fill(entry.colour) for entry in legend}
    fills[RESEARCH] = _fill(RESEARCH_FILL)
    fills[LEAVE] = _fill(LEAVE_FILL)
    bold = Font(bold=True)
    changed_font = Font(bold=True, color="C00000")
    centred = Alignment(horizontal="center")

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=_("Schedule")[:31])
    for index, width in enumerate((18, 14, 18, 8), start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    for index in range(len(months)):
        sheet.column_dimensions[get_column_letter(TRAINEE_COLUMNS + 1 + index)].width = 7
    sheet.freeze_panes = f"{get_column_letter(TRAINEE_COLUMNS + 1)}2"

    header = [_("Name"), _("Student number"), _("Standard"), _("Cohort")] + [f"{m:%Y-%m}" for m in months]
    header_cells = []
    for text in header:
        cell = xlsx_cell(sheet, text)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)

    for row in rows:
        standard = row.standard
        cells: list[Any] = [
            xlsx_cell(sheet, row.trainee.person.display_name),
            xlsx_cell(sheet, row.trainee.student_number),
            xlsx_cell(sheet, standard.name if standard else ""),
            xlsx_cell(sheet, row.trainee.cohort),
        ]
        for index, value in enumerate(row.cells):
            cell = xlsx_cell(sheet, labels.get(value, "") if value is not None else None)
            if value is not None:
                cell.fill = fills[value]
                cell.alignment = centred
            if index in row.changed_months:
                cell.font = changed_font
            cells.append(cell)
        sheet.append(cells)

    key = workbook.create_sheet(title=_("Legend")[:31])
    key.column_dimensions["A"].width = 12
    key.column_dimensions["B"].width = 28
    key.column_dimensions["C"].width = 14
    key.column_dimensions["D"].width = 28
    key_header = []
    for text in (_("In the grid"), _("Department"), _("Code"), _("Institution")):
        cell = xlsx_cell(key, text)
        cell.font = bold
        key_header.append(cell)
    key.append(key_header)
    for entry in legend:
        label = xlsx_cell(key, entry.label)
        label.fill = fills[entry.department_id]
        key.append(
            [label, xlsx_cell(key, entry.name), xlsx_cell(key, entry.code), xlsx_cell(key, entry.institution)]
        )
    for value, meaning in ((RESEARCH, _("Protected research months")), (LEAVE, _("Leave"))):
        label = xlsx_cell(key, labels[value])
        label.fill = fills[value]
        key.append([label, xlsx_cell(key, meaning), None, None])
    key.append([])
    if diff is not None:
        note = xlsx_cell(key, _("Bold red: differs from the published schedule"))
        note.font = changed_font
        key.append([note])
    key.append([xlsx_cell(key, _("Schedule")), xlsx_cell(key, schedule.title)])
    key.append([xlsx_cell(key, _("Status")), xlsx_cell(key, schedule.get_status_display())])
    key.append([xlsx_cell(key, _("Downloaded")), xlsx_cell(key, f"{timezone.localtime():%Y-%m-%d %H:%M}")])

    output = io.BytesIO()
    workbook.save(output)
    return output.getvalue()
