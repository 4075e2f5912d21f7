"""Calendar months as the rotations app counts them: a month is the date of its first day.

Blocks, leave, capacities and schedules all start on the 1st and last whole months; a month index counts
calendar months from some first month (the schedule's, or the trainee's start).
"""

import datetime

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _


def validate_first_of_month(value: datetime.date) -> None:
    if value.day != 1:
        raise ValidationError(_("Enter the first day of a month."), code="not_first_of_month")


def first_of_month(day: datetime.date) -> datetime.date:
    return day.replace(day=1)


def add_months(month: datetime.date, count: int) -> datetime.date:
    """The first of the month ``count`` months after (or, if negative, before) ``month``."""
    index = month.year * 12 + month.month - 1 + count
    return datetime.date(index // 12, index % 12 + 1, 1)


def parse_month(value: str) -> datetime.date | None:
    """A month written ``YYYY-MM`` (as pages post it), or None when it is not one."""
    try:
        month = datetime.date.fromisoformat(f"{value}-01")
    except ValueError:
        return None
    return month if 2000 <= month.year <= 2100 else None


def months_between(first: datetime.date, later: datetime.date) -> int:
    """How many calendar months ``later`` is after ``first`` (negative when it is before)."""
    return (later.year - first.year) * 12 + later.month - first.month
