"""Cell values as people type them (``medtalent.core.imports.values``).

Text is normalised to ASCII forms; IDs and phones come back as digit strings whether Excel stored
them as text or as numbers (but an 18-digit number Excel rounded is refused); dates are read in
the forms offices write and as Excel serial numbers; choices match by value or by either
language's label. Every refusal is a ``CellError`` whose message is in the active language.
"""

import datetime
from collections.abc import Iterator
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import translation
from hypothesis import given
from hypothesis import strategies as st

from medtalent.core.imports.values import (
    CellError,
    choice_lookup,
    clean_text,
    digits_text,
    parse_choice,
    parse_date,
)
from medtalent.people.models import Gender, TraineeLevel

SHANGHAI = ZoneInfo("Asia/Shanghai")
EXCEL_DAY_ZERO = datetime.date(1899, 12, 30)
SEPTEMBER_FIRST = datetime.date(2024, 9, 1)

NOT_A_DATE = "Not a date: write it as 2024-09-01, 2024/9/1 or 2024年9月1日."
NUMBER_NOT_A_DATE = "This number is not a date."
WHOLE_NUMBER = "A whole number is expected here."
NUMBER_AS_TEXT = "A number written as text is expected here."
LOST_DIGITS = (
    "Excel stored this number with only 15 exact digits, so some digits are lost. "
    "Format the column as text and type the number again."
)


@pytest.fixture(autouse=True)
def english() -> Iterator[None]:
    """Messages are asserted in English unless a test switches to Chinese itself."""
    with translation.override("en"):
        yield


def cell_error(function: Any, *args: Any) -> str:
    with pytest.raises(CellError) as caught:
        function(*args)
    return str(caught.value)


# clean_text -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("ＡＢＣ１２３", "ABC123"),
        ("\u3000张三\u3000", "张三"),  # ideographic spaces around
        ("张\u3000三", "张 三"),  # ideographic space inside becomes an ordinary one
        ("  Zhang San \t", "Zhang San"),
        (3.0, "3"),
        (3.5, "3.5"),
        (42, "42"),
        (None, ""),
        ("", ""),
        ("（专硕）", "(专硕)"),
    ],
)
def test_clean_text(value: Any, expected: str) -> None:
    assert clean_text(value) == expected


# digits_text ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (13800000000, "13800000000"),
        (13800000000.0, "13800000000"),
        (123456789012345.0, "123456789012345"),  # 15 digits: still exact
        (110105194912310021, "110105194912310021"),  # an int keeps every digit
        ("11010519491231002X", "11010519491231002X"),
        ("138 0000 0000", "13800000000"),
        ("１３８００００００００", "13800000000"),
        ("\u3000138\u30000000\u30000000 ", "13800000000"),
        (None, ""),
    ],
)
def test_digits_text(value: Any, expected: str) -> None:
    assert digits_text(value) == expected


@pytest.mark.parametrize("value", [1.1010519491231e17, 1234567890123456.0])
def test_digits_text_refuses_numbers_excel_rounded(value: float) -> None:
    assert cell_error(digits_text, value) == LOST_DIGITS


def test_digits_text_refuses_a_fraction() -> None:
    assert cell_error(digits_text, 138.5) == WHOLE_NUMBER


@pytest.mark.parametrize("value", [True, False])
def test_digits_text_refuses_a_boolean(value: bool) -> None:
    assert cell_error(digits_text, value) == NUMBER_AS_TEXT


def test_digits_text_message_in_chinese() -> None:
    with translation.override("zh-hans"):
        message = cell_error(digits_text, 1.1010519491231e17)
    assert message == (
        "Excel 以数字形式保存此号码时只保留 15 位有效数字，部分数字已丢失。请将该列设置为文本格式后重新填写。"
    )


# parse_date -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    [
        "2024-09-01",
        "2024-9-1",
        "2024/9/1",
        "2024/09/01",
        "2024.9.1",
        "2024年9月1日",
        "2024年09月01日",
        "2024年9月1",
        "20240901",
        " 2024-09-01 ",
        "２０２４－０９－０１",
        "２０２４年９月１日",
        45536,
        45536.0,
        45536.75,  # a date-time serial: the time of day is dropped
        "45536",
        datetime.datetime(2024, 9, 1, 0, 0),  # noqa: DTZ001 - openpyxl gives naive datetimes for date cells
        datetime.datetime(2024, 9, 1, 23, 30, tzinfo=SHANGHAI),
        SEPTEMBER_FIRST,
    ],
)
def test_parse_date_accepts(value: Any) -> None:
    assert parse_date(value) == SEPTEMBER_FIRST


@pytest.mark.parametrize("value", ["", None, "   ", "\u3000"])
def test_parse_date_of_nothing_is_none(value: Any) -> None:
    assert parse_date(value) is None


@pytest.mark.parametrize(
    "value", ["2024-13-01", "2024-02-30", "2023年2月29日", "yesterday", "2024-09", "9/1/2024", "20241301"]
)
def test_parse_date_refuses_text(value: str) -> None:
    assert cell_error(parse_date, value) == NOT_A_DATE


@pytest.mark.parametrize("value", [-5, 0, 3000000, 2958466, -1.5, "0"])
def test_parse_date_refuses_numbers_out_of_range(value: Any) -> None:
    assert cell_error(parse_date, value) == NUMBER_NOT_A_DATE


def test_parse_date_range_ends() -> None:
    assert parse_date(2958465) == datetime.date(9999, 12, 31)
    assert parse_date(61) == datetime.date(1900, 3, 1)


def test_parse_date_message_in_chinese() -> None:
    with translation.override("zh-hans"):
        assert (
            cell_error(parse_date, "yesterday")
            == "不是有效日期：请写成 2024-09-01、2024/9/1 或 2024年9月1日。"
        )
        assert cell_error(parse_date, -5) == "此数字不是有效日期。"


@given(st.dates(min_value=datetime.date(1900, 3, 1), max_value=datetime.date(9999, 12, 31)))
def test_parse_date_round_trips_every_form(day: datetime.date) -> None:
    serial = (day - EXCEL_DAY_ZERO).days
    assert parse_date(f"{day.year}年{day.month}月{day.day}日") == day
    assert parse_date(day.isoformat()) == day
    assert parse_date(f"{day.year}/{day.month}/{day.day}") == day
    assert parse_date(serial) == day
    assert parse_date(float(serial)) == day


# choices ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("female", Gender.FEMALE),
        ("女", Gender.FEMALE),
        ("Female", Gender.FEMALE),
        ("female ", Gender.FEMALE),
        (" FEMALE", Gender.FEMALE),
        ("男", Gender.MALE),
        ("Male", Gender.MALE),
        ("未填写", Gender.UNSPECIFIED),
        ("Not stated", Gender.UNSPECIFIED),
        ("unspecified", Gender.UNSPECIFIED),
    ],
)
def test_parse_choice_gender(value: str, expected: str) -> None:
    assert parse_choice(value, choice_lookup(Gender), Gender) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("专业学位硕士研究生（专硕）", TraineeLevel.PROFESSIONAL_MASTER),
        ("专业学位硕士研究生(专硕)", TraineeLevel.PROFESSIONAL_MASTER),
        ("Professional master's student", TraineeLevel.PROFESSIONAL_MASTER),
        ("professional masters student", TraineeLevel.PROFESSIONAL_MASTER),
        ("Professional master’s student", TraineeLevel.PROFESSIONAL_MASTER),
        ("professional_master", TraineeLevel.PROFESSIONAL_MASTER),
        ("学术学位硕士研究生（学硕）", TraineeLevel.ACADEMIC_MASTER),
        ("High-school student", TraineeLevel.HIGH_SCHOOL),
        ("高中生", TraineeLevel.HIGH_SCHOOL),
        ("博士后", TraineeLevel.POSTDOC),
        ("住院医师", TraineeLevel.RESIDENT),
    ],
)
def test_parse_choice_trainee_level(value: str, expected: str) -> None:
    assert parse_choice(value, choice_lookup(TraineeLevel), TraineeLevel) == expected


def test_choice_lookup_is_built_in_any_active_language() -> None:
    with translation.override("zh-hans"):
        in_chinese = choice_lookup(Gender)
    assert in_chinese == choice_lookup(Gender)
    assert in_chinese == {
        "female": "female",
        "女": "female",
        "male": "male",
        "男": "male",
        "unspecified": "unspecified",
        "未填写": "unspecified",
        "notstated": "unspecified",
    }


@pytest.mark.parametrize("value", [None, "", "  "])
def test_parse_choice_of_nothing_is_none(value: Any) -> None:
    assert parse_choice(value, choice_lookup(Gender), Gender) is None


def test_parse_choice_unknown_lists_the_labels() -> None:
    assert cell_error(parse_choice, "F", choice_lookup(Gender), Gender) == (
        "“F” is not one of: Female、Male、Not stated."
    )
    with translation.override("zh-hans"):
        assert cell_error(parse_choice, "硕士", choice_lookup(TraineeLevel), TraineeLevel) == (
            "“硕士”不在可选项中：高中生、本科生、专业学位硕士研究生（专硕）、学术学位硕士研究生（学硕）、"
            "博士研究生、住院医师、博士后。"
        )


@pytest.mark.parametrize(
    ("serial", "expected"),
    [
        (1, datetime.date(1900, 1, 1)),
        (59, datetime.date(1900, 2, 28)),
        (61, datetime.date(1900, 3, 1)),
        (45536, datetime.date(2024, 9, 1)),
    ],
)
def test_excel_serials_around_the_1900_leap_year_bug(serial: int, expected: datetime.date) -> None:
    assert parse_date(serial) == expected


def test_excel_serial_60_is_the_day_that_never_was() -> None:
    with pytest.raises(CellError):
        parse_date(60)
