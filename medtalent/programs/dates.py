"""Dates of a plan: templates count in whole months from the plan's start."""

import calendar
import datetime


def months_after(day: datetime.date, months: int) -> datetime.date:
    """The same day ``months`` months later, moved back to the month's last day where it has none."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    last = calendar.monthrange(year, month + 1)[1]
    return datetime.date(year, month + 1, min(day.day, last))


def due_after(start: datetime.date, months: int) -> datetime.date:
    """The last day of the ``months``-th month of a plan that starts on ``start`` (its start for 0)."""
    if months <= 0:
        return start
    return months_after(start, months) - datetime.timedelta(days=1)
