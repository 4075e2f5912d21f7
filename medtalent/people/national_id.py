"""Resident identity card numbers (居民身份证号码, GB 11643-1999): validation and masking."""

import datetime
import re
import unicodedata

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARACTERS = "10X98765432"
_SHAPE = re.compile(r"^\d{17}[\dX]$", re.ASCII)


def national_id_check_character(first_seventeen: str) -> str:
    total = sum(int(digit) * weight for digit, weight in zip(first_seventeen, _WEIGHTS, strict=True))
    return _CHECK_CHARACTERS[total % 11]


def normalise_national_id(value: str) -> str:
    """Full-width digits and letters (typed by Chinese input methods) become ASCII; spaces go."""
    return unicodedata.normalize("NFKC", value).replace(" ", "").strip().upper()


def validate_national_id(value: str) -> None:
    value = normalise_national_id(value)
    if not _SHAPE.match(value):
        raise ValidationError(
            _("An ID number has 18 characters: 17 digits and a final digit or X."), code="national_id_shape"
        )
    try:
        datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
    except ValueError:
        raise ValidationError(
            _("The ID number's birth date (characters 7 to 14) is not a real date."), code="national_id_date"
        ) from None
    if national_id_check_character(value[:17]) != value[17]:
        raise ValidationError(
            _("The ID number's check digit is wrong: please check it for a typing error."),
            code="national_id_check_digit",
        )


def mask_national_id(value: str | None) -> str:
    """Keep the region's first three and the last four characters: 110***********123X."""
    if not value:
        return ""
    return value[:3] + "*" * (len(value) - 7) + value[-4:]


def birth_date_from_national_id(value: str) -> datetime.date:
    return datetime.date(int(value[6:10]), int(value[10:12]), int(value[12:14]))
