"""``standard_edition_validate``: one test per rule, each with the exact path and message."""

import itertools
from typing import Any

import pytest

from medtalent.rotations.services import EditionProblem, group_months_reachable, standard_edition_validate
from medtalent.rotations.tests.conftest import RotationWorld, standard_content
from medtalent.rotations.tests.factories import group, requirement

pytestmark = pytest.mark.django_db


def problems(rotation_world: RotationWorld, **changes: Any) -> list[tuple[tuple, str]]:
    content = {**standard_content(), **changes}
    found = standard_edition_validate(
        institution=rotation_world.world.hospital,
        total_months=content["total_months"],
        requirements=content["requirements"],
        groups=content["groups"],
    )
    return [(problem.path, problem.message) for problem in found]


def required(*rows: dict) -> list[dict]:
    """CARD 4, RESP 3, GI 2 with the rows given in place of the first ones."""
    base = [requirement("CARD", 4), requirement("RESP", 3), requirement("GI", 2)]
    return [*rows, *base[len(rows) :]]


def test_a_sound_edition_has_no_problems(rotation_world: RotationWorld) -> None:
    assert problems(rotation_world) == []


def test_problem_names_its_field_as_the_api_does() -> None:
    assert EditionProblem(("requirements", 3, "months"), "x").field == "requirements.3.months"


# --- the total -------------------------------------------------------------------------------


def test_months_must_add_up_to_the_total(rotation_world: RotationWorld) -> None:
    assert problems(rotation_world, total_months=13) == [
        (
            ("total_months",),
            "The required departments (9 months) and the elective groups (3 months) add up to 12 months, "
            "not the 13 months in total.",
        )
    ]


@pytest.mark.parametrize("total", [0, 121, "33", None, True])
def test_total_is_a_whole_number_from_1_to_120(rotation_world: RotationWorld, total: Any) -> None:
    assert problems(rotation_world, total_months=total) == [
        (("total_months",), "Enter a whole number of months from 1 to 120.")
    ]


# --- departments -------------------------------------------------------------------------------


def test_required_department_must_exist_at_the_institution(rotation_world: RotationWorld) -> None:
    assert problems(rotation_world, requirements=required(requirement("NOPE", 4))) == [
        (
            ("requirements", 0, "department"),
            "There is no department with the code “NOPE” at Affiliated Hospital or its affiliates.",
        )
    ]


def test_another_institutions_department_is_refused(rotation_world: RotationWorld) -> None:
    assert problems(rotation_world, requirements=required(requirement("FOREIGN", 4))) == [
        (
            ("requirements", 0, "department"),
            "There is no department with the code “FOREIGN” at Affiliated Hospital or its affiliates.",
        )
    ]


def test_an_affiliates_department_is_accepted(rotation_world: RotationWorld) -> None:
    rows = required(requirement("LAB", 4))
    assert problems(rotation_world, requirements=rows, groups=[group(["GER", "ONC"], 3, 1, 2)]) == []


def test_group_department_must_exist(rotation_world: RotationWorld) -> None:
    assert problems(rotation_world, groups=[group(["GER", "XRAY", "LAB"], 3, 1, 2)]) == [
        (
            ("groups", 0, "departments"),
            "There is no department with the code “XRAY” at Affiliated Hospital or its affiliates.",
        )
    ]


def test_a_department_is_required_once_at_most(rotation_world: RotationWorld) -> None:
    rows = [requirement("CARD", 4), requirement("RESP", 3), requirement("GI", 1), requirement("CARD", 1)]
    assert problems(rotation_world, requirements=rows) == [
        (("requirements", 3, "department"), "“CARD” is already required in row 1.")
    ]


def test_a_department_belongs_to_one_group_at_most(rotation_world: RotationWorld) -> None:
    groups = [group(["GER", "ONC"], 2, 1, 2), group(["ONC", "LAB"], 1, 1, 2)]
    assert problems(rotation_world, groups=groups) == [
        (
            ("groups", 1, "departments"),
            "“ONC” is already in group 1: a department belongs to one group at most.",
        )
    ]


def test_a_department_may_be_both_required_and_in_a_group(rotation_world: RotationWorld) -> None:
    assert problems(rotation_world, groups=[group(["CARD", "GER"], 3, 1, 2)]) == []


def test_a_department_is_named_once_in_a_group(rotation_world: RotationWorld) -> None:
    assert problems(rotation_world, groups=[group(["GER", "GER", "ONC"], 3, 1, 2)]) == [
        (("groups", 0, "departments"), "“GER” is named twice in this group.")
    ]


def test_a_group_names_at_least_one_department(rotation_world: RotationWorld) -> None:
    assert problems(rotation_world, groups=[group([], 3, 1, 2)]) == [
        (("groups", 0, "departments"), "Name at least one department.")
    ]


# --- months and segments -------------------------------------------------------------------------


def test_a_requirement_has_at_least_one_month(rotation_world: RotationWorld) -> None:
    assert problems(rotation_world, requirements=required(requirement("CARD", 0))) == [
        (("requirements", 0, "months"), "A required department needs at least 1 month.")
    ]


def test_a_requirement_allows_at_least_one_segment(rotation_world: RotationWorld) -> None:
    assert problems(rotation_world, requirements=required(requirement("CARD", 4, max_segments=0))) == [
        (("requirements", 0, "max_segments"), "Allow at least 1 segment.")
    ]


def test_segments_last_at_least_one_month(rotation_world: RotationWorld) -> None:
    assert problems(rotation_world, requirements=required(requirement("CARD", 4, min_segment_months=0))) == [
        (("requirements", 0, "min_segment_months"), "A segment lasts at least 1 month.")
    ]


def test_the_shortest_segment_fits_in_the_months(rotation_world: RotationWorld) -> None:
    rows = required(requirement("CARD", 4, max_segments=2, min_segment_months=5))
    assert problems(rotation_world, requirements=rows) == [
        (
            ("requirements", 0, "min_segment_months"),
            "A segment of at least 5 months does not fit in 4 months.",
        )
    ]


def test_numbers_must_be_whole_numbers(rotation_world: RotationWorld) -> None:
    rows = required({**requirement("CARD", 4), "months": "4", "max_segments": True})
    assert problems(rotation_world, requirements=rows) == [
        (("requirements", 0, "months"), "Enter a whole number."),
        (("requirements", 0, "max_segments"), "Enter a whole number."),
    ]


def test_missing_fields_are_required(rotation_world: RotationWorld) -> None:
    rows = required({"department": "CARD", "months": 4, "max_segments": 1})
    assert problems(rotation_world, requirements=rows) == [
        (("requirements", 0, "min_segment_months"), "This field is required.")
    ]


def test_unknown_fields_are_refused(rotation_world: RotationWorld) -> None:
    rows = required({**requirement("CARD", 4), "colour": "red"})
    assert problems(rotation_world, requirements=rows) == [(("requirements", 0), "Unknown fields: colour.")]


def test_requirements_must_be_a_list_of_rows(rotation_world: RotationWorld) -> None:
    assert problems(rotation_world, requirements={"CARD": 4}) == [
        (("requirements",), "Give the required departments as a list.")
    ]
    assert problems(rotation_world, requirements=["CARD"]) == [
        (("requirements", 0), "Each required department is a set of fields.")
    ]


# --- windows --------------------------------------------------------------------------------------


def test_window_starts_at_month_zero_at_the_earliest(rotation_world: RotationWorld) -> None:
    assert problems(rotation_world, requirements=required(requirement("CARD", 4, earliest_start=-1))) == [
        (("requirements", 0, "earliest_start"), "The window cannot start before the programme (month 0).")
    ]


def test_window_ends_by_the_end_of_the_programme(rotation_world: RotationWorld) -> None:
    assert problems(rotation_world, requirements=required(requirement("CARD", 4, latest_end=13))) == [
        (("requirements", 0, "latest_end"), "The window must end by the end of the programme (month 12).")
    ]


def test_window_ends_after_it_starts(rotation_world: RotationWorld) -> None:
    rows = required(requirement("CARD", 4, earliest_start=5, latest_end=5))
    assert problems(rotation_world, requirements=rows) == [
        (("requirements", 0, "latest_end"), "The window must end after it starts.")
    ]


def test_window_holds_the_months_required(rotation_world: RotationWorld) -> None:
    rows = required(requirement("CARD", 4, earliest_start=0, latest_end=3))
    assert problems(rotation_world, requirements=rows) == [
        (
            ("requirements", 0, "latest_end"),
            "The window from month 0 to month 3 is 3 months long, shorter than the 4 months required.",
        )
    ]


def test_window_with_only_a_start_runs_to_the_end_of_the_programme(rotation_world: RotationWorld) -> None:
    assert problems(rotation_world, requirements=required(requirement("CARD", 4, earliest_start=11))) == [
        (
            ("requirements", 0, "latest_end"),
            "The window from month 11 to month 12 is 1 month long, shorter than the 4 months required.",
        )
    ]


def test_window_exactly_as_long_as_the_months_is_fine(rotation_world: RotationWorld) -> None:
    rows = required(requirement("CARD", 4, earliest_start=8, latest_end=12))
    assert problems(rotation_world, requirements=rows) == []


# --- groups ---------------------------------------------------------------------------------------


def test_a_group_has_at_least_one_month(rotation_world: RotationWorld) -> None:
    assert problems(rotation_world, total_months=9, groups=[group(["GER", "ONC"], 0, 1, 2)]) == [
        (("groups", 0, "months"), "A group needs at least 1 month.")
    ]


def test_a_group_department_takes_at_least_one_month(rotation_world: RotationWorld) -> None:
    assert problems(rotation_world, groups=[group(["GER", "ONC", "LAB"], 3, 0, 2)]) == [
        (("groups", 0, "min_each"), "A department chosen in a group takes at least 1 month.")
    ]


def test_most_months_in_each_is_not_below_the_fewest(rotation_world: RotationWorld) -> None:
    assert problems(rotation_world, groups=[group(["GER", "ONC", "LAB"], 3, 2, 1)]) == [
        (("groups", 0, "max_each"), "The most months in one department cannot be fewer than the fewest (2).")
    ]


def test_fewest_months_in_each_fit_in_the_group(rotation_world: RotationWorld) -> None:
    assert problems(rotation_world, groups=[group(["GER", "ONC", "LAB"], 3, 4, 4)]) == [
        (
            ("groups", 0, "min_each"),
            "A department chosen in this group takes at least 4 months, more than the group's 3 months.",
        )
    ]


def test_a_group_has_enough_departments_for_its_months(rotation_world: RotationWorld) -> None:
    assert problems(rotation_world, groups=[group(["GER", "ONC"], 3, 1, 1)]) == [
        (
            ("groups", 0, "months"),
            "The group's 3 months cannot be filled: its 2 departments take at most 1 each, 2 in all.",
        )
    ]


def test_a_group_whose_months_cannot_be_split_is_refused(rotation_world: RotationWorld) -> None:
    # One department gives 3–4 months, two give 6–8: 5 is out of reach though 3 departments could hold 12.
    assert problems(rotation_world, total_months=14, groups=[group(["GER", "ONC", "LAB"], 5, 3, 4)]) == [
        (
            ("groups", 0, "months"),
            "5 months cannot be split among these departments with 3 to 4 months in each department chosen.",
        )
    ]


def _brute_force(months: int, departments: int, fewest: int, most: int) -> bool:
    choices = range(0, most + 1)
    return any(
        sum(counts) == months and all(count == 0 or fewest <= count for count in counts)
        for counts in itertools.product(choices, repeat=departments)
    )


def test_group_months_reachable_agrees_with_trying_every_choice() -> None:
    for departments, fewest, most, months in itertools.product(
        range(1, 4), range(1, 4), range(1, 5), range(1, 13)
    ):
        if most < fewest:
            continue
        expected = _brute_force(months, departments, fewest, most)
        found = group_months_reachable(months=months, departments=departments, fewest=fewest, most=most)
        assert found == expected, (months, departments, fewest, most)
