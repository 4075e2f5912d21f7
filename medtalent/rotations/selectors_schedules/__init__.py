"""Reads of rotation schedules for their pages: the list, the cohort grid and its diff, the load against
capacity, a department's roster and a trainee's timeline.

Each one runs a fixed handful of queries whatever the number of trainees: blocks are fetched once per page
as plain values and laid out in Python, and the load is one aggregate swept over the months.
"""

from .common import (
    SolverFigures,
    blocks_covering,
    department_colour,
    department_trainees_now_q,
    enrolled_trainee_count,
    enrolment_of,
    month_list,
    published_schedule,
    schedule_list_for_institution,
    year_spans,
)
from .grid import (
    CHANGED_TRAINEES_LISTED,
    GRID_PAGE_SIZE,
    LEAVE,
    RESEARCH,
    GridFilters,
    GridRow,
    GridRun,
    LegendEntry,
    ScheduleDiff,
    ScheduleGrid,
    grid_labels,
    grid_rows,
    schedule_diff,
    schedule_grid,
    schedule_legend,
    schedule_trainees,
)
from .load import LoadCell, LoadRow, ScheduleLoad, schedule_load
from .roster import Roster, RosterEntry, RosterMonth, department_roster
from .timeline import StripSegment, Timeline, TimelineEntry, trainee_timeline

__all__ = [
    "CHANGED_TRAINEES_LISTED",
    "GRID_PAGE_SIZE",
    "LEAVE",
    "RESEARCH",
    "GridFilters",
    "GridRow",
    "GridRun",
    "LegendEntry",
    "LoadCell",
    "LoadRow",
    "Roster",
    "RosterEntry",
    "RosterMonth",
    "ScheduleDiff",
    "ScheduleGrid",
    "ScheduleLoad",
    "SolverFigures",
    "StripSegment",
    "Timeline",
    "TimelineEntry",
    "blocks_covering",
    "department_colour",
    "department_roster",
    "department_trainees_now_q",
    "enrolled_trainee_count",
    "enrolment_of",
    "grid_labels",
    "grid_rows",
    "month_list",
    "published_schedule",
    "schedule_diff",
    "schedule_grid",
    "schedule_legend",
    "schedule_list_for_institution",
    "schedule_load",
    "schedule_trainees",
    "trainee_timeline",
    "year_spans",
]
