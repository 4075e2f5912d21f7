"""Cell values as people type them, turned into Python values, or a reason in the user's language."""

import datetime
import re
import unicodedata
from collections.abc import Iterable
from decimal import Decimal
from typing import Any

from django.db.models import Choices
from django.utils import translation
from django.utils.translation import gettext as _


class CellError(ValueError):
    """A cell that cannot be read; the message is already translated."""


def clean_text(value: Any) -> str:
    """Full-width letters, digits and spaces become their ASCII forms; surrounding space goes."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return unicodedata.normalize("NFKC", str(value)).strip()


# Excel keeps 15 significant digits of a number; an 18-digit ID stored as a number has lost some.
_EXACT_DIGITS = 15


def digits_text(value: Any) -> str:
    """An ID or phone number as text, whether Excel stored it as text or as a number."""
    if isinstance(value, bool):
        raise CellError(_("A number written as text is expected here."))
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if not value.is_integer():
            raise CellError(_("A whole number is expected here."))
        text = format(Decimal(repr(value)), "f").split(".")[0]
        if len(text.lstrip("-")) > _EXACT_DIGITS:
            raise CellError(
                _(
                    "Excel stored this number with only 15 exact digits, so some digits are lost. "
                    "Format the column as text and type the number again."
                )
            )
        return text
    return clean_text(value).replace(" ", "")


_DATE_PATTERNS = [
    re.compile(r"^(\d{4})[-/.](\d{1,2})[-/.](\d{1,2})$"),
    re.compile(r"^(\d{4})年(\d{1,2})月(\d{1,2})日?$"),
    re.compile(r"^(\d{4})(\d{2})(\d{2})$"),
]
# Excel counts 1900-01-01 as day 1 and, keeping a Lotus bug, a 1900-02-29 that never was as day 60;
# from day 61 on, day 0 is therefore 1899-12-30.
_EXCEL_EPOCH = datetime.date(1899, 12, 30)
_EXCEL_LEAP_BUG_DAY = 60


def parse_date(value: Any) -> datetime.date | None:
    """2024-09-01, 2024/9/1, 2024.9.1, 2024年9月1日, 20240901, a date cell or an Excel serial number."""
    if value is None or value == "":
        return None
    if isinstance(value, datetime.datetime):
        return value.date()
    if isinstance(value, datetime.date):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        if 1 <= value < 2958466 and int(value) != _EXCEL_LEAP_BUG_DAY:  # up to 9999-12-31
            days = int(value) + (1 if value < _EXCEL_LEAP_BUG_DAY else 0)
            return _EXCEL_EPOCH + datetime.timedelta(days=days)
        raise CellError(_("This number is not a date."))
    text = clean_text(value)
    if not text:
        return None
    if text.isdigit() and len(text) <= 5:
        return parse_date(int(text))
    for pattern in _DATE_PATTERNS:
        if match := pattern.match(text):
            try:
                return datetime.date(*(int(part) for part in match.groups()))
            except ValueError:
                break
    raise CellError(_("Not a date: write it as 2024-09-01, 2024/9/1 or 2024年9月1日."))


def _choice_key(text: str) -> str:
    return re.sub(r"[\s'’()（）/·\-]+", "", clean_text(text)).casefold()


def choice_lookup(choices: type[Choices], languages: Iterable[str] = ("zh-hans", "en")) -> dict[str, Any]:
    """Every way to write each choice: its value and its label in each language, spacing ignored."""
    lookup: dict[str, Any] = {}
    for member in choices:
        lookup[_choice_key(str(member.value))] = member.value
        for language in languages:
            with translation.override(language):
                lookup[_choice_key(str(member.label))] = member.value
    return lookup


def parse_choice(value: Any, lookup: dict[str, Any], choices: type[Choices]) -> Any:
    text = clean_text(value)
    if not text:
        return None
    try:
        return lookup[_choice_key(text)]
    except KeyError:
        labels = "、".join(str(label) for label in choices.labels if label)
        raise CellError(
            _("“%(value)s” is not one of: %(labels)s.") % {"value": text, "labels": labels}
        ) from None
