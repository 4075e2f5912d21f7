"""Resident identity card numbers: shape, birth date, check digit, masking."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from hypothesis import given, settings
from hypothesis import strategies as st

from medtalent.people.national_id import (
    birth_date_from_national_id,
    mask_national_id,
    national_id_check_character,
    normalise_national_id,
    validate_national_id,
)
from medtalent.people.tests.factories import make_national_id


def _error_code(value: str) -> str:
    with pytest.raises(ValidationError) as caught:
        validate_national_id(value)
    return caught.value.code


@pytest.mark.parametrize("value", ["11010519491231002X", "440524188001010014", "310101200002290015"])
def test_valid_numbers_pass(value: str) -> None:
    assert validate_national_id(value) is None


def test_check_characters_of_known_numbers() -> None:
    assert national_id_check_character("11010519491231002") == "X"
    assert national_id_check_character("44052418800101001") == "4"


@pytest.mark.parametrize(
    "value",
    [
        "110105194912310021",  # should end in X
        "11010519491231002Y"[:17] + "0",
        "440524188001010015",
        "440524188001010010",
    ],
)
def test_wrong_check_digit_is_refused(value: str) -> None:
    assert _error_code(value) == "national_id_check_digit"


@pytest.mark.parametrize(
    "value",
    [
        "",
        "11010519491231002",  # 17 characters
        "11010519491231002X0",  # 19 characters
        "1101051949123100",  # 16 characters
        "110105194912310X2X",  # X only at the end
        "A1010519491231002X",
        "11010519491231002Z",
        "1101051949-231002X",
        "X10105194912310021",
    ],
)
def test_wrong_shape_is_refused(value: str) -> None:
    assert _error_code(value) == "national_id_shape"


@pytest.mark.parametrize(
    "first_seventeen",
    [
        "11010519491331002",  # month 13
        "11010519490001002",  # month 00
        "11010519490230002",  # 30 February
        "11010519490100002",  # day 00
        "11010519010229002",  # 29 February in a year that is not a leap year
    ],
)
def test_impossible_birth_date_is_refused(first_seventeen: str) -> None:
    # A correct check character, so only the date can be the reason.
    value = first_seventeen + national_id_check_character(first_seventeen)
    assert _error_code(value) == "national_id_date"


def test_lower_case_x_is_normalised_and_accepted() -> None:
    assert normalise_national_id(" 11010519491231002x ") == "11010519491231002X"
    assert normalise_national_id("110105 19491231 002x") == "11010519491231002X"
    assert validate_national_id("11010519491231002x") is None


def test_non_ascii_digits_are_not_accepted_as_they_are() -> None:
    # Chinese input methods readily type full-width digits. Either the number is refused, or
    # normalising turns it into the ASCII number; a full-width number must never be stored as valid.
    ascii_number = "11010519491231002X"
    full_width = "".join(chr(ord(char) + 0xFEE0) if char.isdigit() else char for char in ascii_number)
    try:
        validate_national_id(full_width)
    except ValidationError as error:
        code = error.code
    else:
        code = "accepted"
    assert code == "national_id_shape" or normalise_national_id(full_width) == ascii_number


def test_mask_keeps_first_three_and_last_four() -> None:
    assert mask_national_id("11010519491231002X") == "110***********002X"
    assert mask_national_id("440524188001010014") == "440***********0014"
    assert len(mask_national_id("440524188001010014")) == 18


@pytest.mark.parametrize("value", [None, ""])
def test_mask_of_nothing_is_empty(value: str | None) -> None:
    assert mask_national_id(value) == ""


def test_birth_date_from_national_id() -> None:
    assert birth_date_from_national_id("11010519491231002X") == datetime.date(1949, 12, 31)
    assert birth_date_from_national_id("440524188001010014") == datetime.date(1880, 1, 1)


def test_make_national_id_helper() -> None:
    assert make_national_id(datetime.date(1949, 12, 31), 2, region="110105") == "11010519491231002X"


_birth_dates = st.dates(min_value=datetime.date(1800, 1, 1), max_value=datetime.date(2099, 12, 31))
_regions = st.from_regex(r"\A[0-9]{6}\Z")


# Each example checks 153 altered numbers; the machine's speed is not under test.
@settings(deadline=None)
@given(birth_date=_birth_dates, sequence=st.integers(min_value=0, max_value=10**6), region=_regions)
def test_generated_numbers_validate_and_every_single_digit_change_is_caught(
    birth_date: datetime.date, sequence: int, region: str
) -> None:
    number = make_national_id(birth_date, sequence, region=region)
    assert len(number) == 18
    validate_national_id(number)
    assert birth_date_from_national_id(number) == birth_date
    for position in range(17):
        for digit in "0123456789":
            if digit == number[position]:
                continue
            changed = number[:position] + digit + number[position + 1 :]
            with pytest.raises(ValidationError) as caught:
                validate_national_id(changed)
            assert caught.value.code in {"national_id_check_digit", "national_id_date"}
