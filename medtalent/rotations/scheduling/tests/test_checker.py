"""The independent checker and the brute-force reference, on hand-made tiny instances.

Every expected number in these tests is worked out by hand in the comments next to it."""

import copy
import itertools
from typing import Any

import pytest

from medtalent.rotations.scheduling.checker import (
    INSTANCE_FORMAT,
    SOLUTION_FORMAT,
    capacity_at,
    check_solution,
    evaluate,
    hard_violations_for_trainee,
    minimum_at,
    segments,
)
from medtalent.rotations.scheduling.tests.brute import Infeasible, brute_force, trainee_rows

N = None
L = "LEAVE"


def base_instance(**changes: Any) -> dict[str, Any]:
    """One trainee t1 from month 0; A for 2 months in one segment, then 2 group months in B/C: months 0-3."""
    instance: dict[str, Any] = {
        "format": INSTANCE_FORMAT,
        "start_month": "2025-09",
        "horizon_months": 6,
        "departments": [
            {"code": "A", "capacity": 1},
            {"code": "B", "capacity": 1},
            {"code": "C", "capacity": 2},
            {"code": "D", "capacity": 1},
        ],
        "standards": {
            "s": {
                "requirements": [
                    {"department": "A", "months": 2, "max_segments": 1, "min_segment_months": 1}
                ],
                "groups": [{"departments": ["B", "C"], "months": 2, "min_each": 1, "max_each": 2}],
            }
        },
        "trainees": [{"id": "t1", "standard": "s", "start": 0}],
    }
    instance.update(changes)
    return instance


def with_trainee(instance: dict[str, Any], **fields: Any) -> dict[str, Any]:
    instance = copy.deepcopy(instance)
    instance["trainees"][0].update(fields)
    return instance


def with_requirement(instance: dict[str, Any], **fields: Any) -> dict[str, Any]:
    instance = copy.deepcopy(instance)
    instance["standards"]["s"]["requirements"][0].update(fields)
    return instance


def solution(instance: dict[str, Any], assignments: dict[str, list[Any]], **stated: Any) -> dict[str, Any]:
    """A solution stating the true figures, unless a test states others."""
    figures = evaluate(instance, assignments)
    result = {
        "format": SOLUTION_FORMAT,
        "status": "feasible",
        "assignments": assignments,
        "overload": figures["overload"],
        "overload_lower_bound": 0,
        "objective": figures["objective"],
        "objective_lower_bound": 0,
        "changed_trainee_months": figures["changed_trainee_months"],
    }
    result.update(stated)
    return result


def kinds(instance: dict[str, Any], assignments: dict[str, list[Any]]) -> set[tuple[str, str | None]]:
    report = check_solution(instance, solution(instance, assignments))
    return {(v.kind, v.trainee) for v in report.violations}


GOOD = ["A", "A", "B", "C", N, N]


# --- correct solutions -----------------------------------------------------------------------------


def test_a_correct_solution_passes() -> None:
    report = check_solution(base_instance(), solution(base_instance(), {"t1": GOOD}))
    assert report.ok, report
    assert report.figures == {
        "overload": 0,
        "underfill": 0,
        "preference_cost": 0,
        "changed_trainee_months": 0,
        "objective": 0,
    }


@pytest.mark.parametrize(
    "row",
    [
        ["B", "B", "A", "A", N, N],
        ["C", "A", "A", "B", N, N],  # group departments one month each, A in one piece
        ["A", "A", "C", "C", N, N],
    ],
)
def test_other_correct_rows_pass(row: list[Any]) -> None:
    assert hard_violations_for_trainee(base_instance(), "t1", row) == []


def test_a_correct_solution_with_hand_stated_figures_passes() -> None:
    instance = with_trainee(base_instance(), previous=["A", "B"])
    # Month 1: A instead of B -> 1 change, objective 10.
    stated = {
        "format": SOLUTION_FORMAT,
        "status": "optimal",
        "assignments": {"t1": GOOD},
        "overload": 0,
        "overload_lower_bound": 0,
        "objective": 10,
        "objective_lower_bound": 10,
        "changed_trainee_months": 1,
    }
    assert check_solution(instance, stated).ok


# --- one test per violation kind ---------------------------------------------------------------------


def test_format_wrong_solution_format_string() -> None:
    report = check_solution(base_instance(), solution(base_instance(), {"t1": GOOD}, format="other/1"))
    assert [v.kind for v in report.violations] == ["format"]


def test_format_wrong_instance_format_string() -> None:
    instance = base_instance(format="medtalent-rotation-instance/0")
    report = check_solution(instance, solution(instance, {"t1": GOOD}))
    assert [v.kind for v in report.violations] == ["format"]


def test_format_missing_trainee() -> None:
    instance = base_instance()
    report = check_solution(instance, solution(instance, {}))
    assert [(v.kind, v.trainee) for v in report.violations] == [("format", "t1")]


def test_format_row_of_wrong_length() -> None:
    assert kinds(base_instance(), {"t1": ["A", "A", "B", "C", N]}) == {("format", "t1")}


def test_format_unknown_department() -> None:
    violations = hard_violations_for_trainee(base_instance(), "t1", ["A", "A", "B", "X", N, N])
    assert [(v.kind, v.trainee) for v in violations] == [("format", "t1")]
    assert "X" in violations[0].message
    assert "month 3 (2025-12)" in violations[0].message


def test_format_unknown_trainee_in_solution() -> None:
    instance = base_instance()
    assert ("format", "t9") in kinds(instance, {"t1": GOOD, "t9": GOOD})


def test_outside_programme_assignment_after_the_end() -> None:
    row = ["A", "A", "B", "C", "D", N]
    assert ("outside_programme", "t1") in kinds(base_instance(), {"t1": row})


def test_outside_programme_null_inside() -> None:
    violations = hard_violations_for_trainee(base_instance(), "t1", ["A", "A", "B", N, N, N])
    assert ("outside_programme", "t1") in {(v.kind, v.trainee) for v in violations}


def test_leave_month_not_taken() -> None:
    instance = with_trainee(base_instance(), leave=[{"start": 1, "months": 1}])
    # Programme: 4 months + 1 leave = months 0-4; leave must sit at month 1.
    assert hard_violations_for_trainee(instance, "t1", ["A", L, "A", "B", "C", N]) == []
    violations = hard_violations_for_trainee(instance, "t1", ["A", "A", L, "B", "C", N])
    assert {(v.kind, v.trainee) for v in violations} == {("leave", "t1")}
    assert len(violations) == 2  # month 1 not on leave, month 2 on undeclared leave


def test_leave_where_none_is_declared() -> None:
    violations = hard_violations_for_trainee(base_instance(), "t1", ["A", "A", L, "C", N, N])
    assert ("leave", "t1") in {(v.kind, v.trainee) for v in violations}


def test_fixed_month_elsewhere() -> None:
    instance = with_trainee(base_instance(), fixed=[{"department": "A", "start": 2, "months": 2}])
    assert hard_violations_for_trainee(instance, "t1", ["B", "C", "A", "A", N, N]) == []
    violations = hard_violations_for_trainee(instance, "t1", GOOD)
    assert [(v.kind, v.trainee) for v in violations] == [("fixed", "t1")]
    assert "A" in violations[0].message
    assert "month 2 (2025-11)" in violations[0].message


def test_months_too_many_in_a_required_department() -> None:
    violations = hard_violations_for_trainee(base_instance(), "t1", ["A", "A", "A", "C", N, N])
    assert ("months", "t1") in {(v.kind, v.trainee) for v in violations}


def test_months_department_outside_the_standard() -> None:
    violations = hard_violations_for_trainee(base_instance(), "t1", ["A", "A", "B", "D", N, N])
    found = [v for v in violations if v.kind == "months"]
    assert found
    assert found[0].trainee == "t1"
    assert "D" in found[0].message


def test_group_total_wrong() -> None:
    # A twice, then 1 group month (B) and D, which is outside the standard: group total 1, not 2.
    violations = hard_violations_for_trainee(base_instance(), "t1", ["A", "A", "B", "D", N, N])
    assert ("group", "t1") in {(v.kind, v.trainee) for v in violations}


def test_group_above_max_each() -> None:
    instance = copy.deepcopy(base_instance())
    instance["standards"]["s"]["groups"][0].update(months=3, max_each=2)
    instance["horizon_months"] = 5
    # Programme 5 months; B 3 months is one over max_each.
    violations = hard_violations_for_trainee(instance, "t1", ["A", "A", "B", "B", "B"])
    assert [(v.kind, v.trainee) for v in violations] == [("group", "t1")]
    assert hard_violations_for_trainee(instance, "t1", ["A", "A", "B", "B", "C"]) == []


def test_group_below_min_each() -> None:
    instance = copy.deepcopy(base_instance())
    instance["standards"]["s"]["groups"][0].update(months=3, min_each=2, max_each=3)
    instance["horizon_months"] = 5
    violations = hard_violations_for_trainee(instance, "t1", ["A", "A", "B", "B", "C"])
    assert [(v.kind, v.trainee) for v in violations] == [("group", "t1")]
    assert "C" in violations[0].message
    assert hard_violations_for_trainee(instance, "t1", ["A", "A", "B", "B", "B"]) == []


def test_segments_too_many() -> None:
    violations = hard_violations_for_trainee(base_instance(), "t1", ["A", "B", "A", "C", N, N])
    assert [(v.kind, v.trainee) for v in violations] == [("segments", "t1")]
    assert "A" in violations[0].message


def test_segments_too_short() -> None:
    instance = with_requirement(base_instance(), max_segments=2, min_segment_months=2)
    assert hard_violations_for_trainee(instance, "t1", ["A", "A", "B", "C", N, N]) == []
    violations = hard_violations_for_trainee(instance, "t1", ["A", "B", "A", "C", N, N])
    assert [(v.kind, v.trainee) for v in violations] == [("segments", "t1"), ("segments", "t1")]


def test_segments_group_only_department_in_one_piece() -> None:
    violations = hard_violations_for_trainee(base_instance(), "t1", ["B", "A", "A", "B", N, N])
    assert [(v.kind, v.trainee) for v in violations] == [("segments", "t1")]
    assert "B" in violations[0].message


def test_leave_inside_a_run_does_not_split_it() -> None:
    instance = with_requirement(
        with_trainee(base_instance(), leave=[{"start": 1, "months": 1}]), min_segment_months=2
    )
    # A, leave, A is one segment of two months: max_segments 1 and min_segment_months 2 both hold.
    assert segments(["A", L, "A", "B", "C", N], "A") == [[0, 2]]
    assert hard_violations_for_trainee(instance, "t1", ["A", L, "A", "B", "C", N]) == []
    # A month in another department does split it.
    violations = hard_violations_for_trainee(instance, "t1", ["A", L, "B", "A", "C", N])
    assert ("segments", "t1") in {(v.kind, v.trainee) for v in violations}


def test_window_month_too_late() -> None:
    instance = with_requirement(base_instance(), latest_end=3)
    assert hard_violations_for_trainee(instance, "t1", ["B", "A", "A", "C", N, N]) == []
    violations = hard_violations_for_trainee(instance, "t1", ["B", "C", "A", "A", N, N])
    assert [(v.kind, v.trainee) for v in violations] == [("window", "t1")]
    assert "month 3 (2025-12)" in violations[0].message


def test_window_counts_from_the_trainees_own_start() -> None:
    instance = with_requirement(with_trainee(base_instance(), start=2), earliest_start=1)
    # Programme months 2-5; A may start at month 3 (2 + 1), not at 2.
    assert hard_violations_for_trainee(instance, "t1", [N, N, "B", "A", "A", "C"]) == []
    violations = hard_violations_for_trainee(instance, "t1", [N, N, "A", "A", "B", "C"])
    assert [(v.kind, v.trainee) for v in violations] == [("window", "t1")]


def partner_instance(**limits: int) -> dict[str, Any]:
    """Group of 4 months over two partner departments P1, P2 (key neuro) and a partner Q (key eye)."""
    instance = base_instance(horizon_months=6)
    instance["departments"] += [
        {"code": "P1", "capacity": 1, "partner": "neuro"},
        {"code": "P2", "capacity": 1, "partner": "neuro"},
        {"code": "Q", "capacity": 1, "partner": "eye"},
    ]
    instance["standards"]["s"]["groups"] = [
        {"departments": ["P1", "P2", "Q"], "months": 4, "min_each": 1, "max_each": 4}
    ]
    if limits:
        instance["partner_limits"] = limits
    return instance


def test_partner_per_subspecialty_default_three() -> None:
    instance = partner_instance()
    assert hard_violations_for_trainee(instance, "t1", ["A", "A", "P1", "P2", "P2", "Q"]) == []
    # neuro: P1 + P2 = 4 months, above the default 3.
    violations = hard_violations_for_trainee(instance, "t1", ["A", "A", "P1", "P2", "P2", "P2"])
    assert [(v.kind, v.trainee) for v in violations] == [("partner", "t1")]
    assert "neuro" in violations[0].message


def test_partner_total_limit() -> None:
    instance = partner_instance(total=3)
    # 4 partner months in all, above total 3; neuro 3 and eye 1 stay within per_subspecialty 3.
    violations = hard_violations_for_trainee(instance, "t1", ["A", "A", "P1", "P2", "P2", "Q"])
    assert [(v.kind, v.trainee) for v in violations] == [("partner", "t1")]


def test_horizon_programme_does_not_fit() -> None:
    instance = with_trainee(base_instance(), start=3)
    violations = hard_violations_for_trainee(instance, "t1", [N, N, N, "A", "A", "B"])
    assert [(v.kind, v.trainee) for v in violations] == [("horizon", "t1")]


# --- departments in a requirement and a group; extra requirements -----------------------------------


def overlap_instance() -> dict[str, Any]:
    """A required 1 month, and A/B in a group of 2: A's months are 1 + the group months chosen there."""
    instance = base_instance(horizon_months=3)
    instance["standards"]["s"] = {
        "requirements": [{"department": "A", "months": 1}],
        "groups": [{"departments": ["A", "B"], "months": 2, "min_each": 1, "max_each": 2}],
    }
    return instance


@pytest.mark.parametrize("row", [["A", "A", "B"], ["A", "B", "B"], ["A", "A", "A"]])
def test_department_in_a_requirement_and_a_group_valid(row: list[Any]) -> None:
    assert hard_violations_for_trainee(overlap_instance(), "t1", row) == []


def test_department_in_a_requirement_and_a_group_invalid() -> None:
    # A 0 months: below its requirement; B 3: group total 3 and above max_each 2.
    violations = hard_violations_for_trainee(overlap_instance(), "t1", ["B", "B", "B"])
    assert {(v.kind, v.trainee) for v in violations} == {("months", "t1"), ("group", "t1")}


def test_extra_requirements_extend_the_programme() -> None:
    instance = base_instance()
    instance["departments"].append({"code": "RES-m12", "capacity": 1})
    instance = with_trainee(instance, extra_requirements=[{"department": "RES-m12", "months": 1}])
    # 2 + 2 standard months + 1 extra: months 0-4.
    assert hard_violations_for_trainee(instance, "t1", ["A", "A", "B", "C", "RES-m12", N]) == []
    violations = hard_violations_for_trainee(instance, "t1", GOOD)
    assert ("outside_programme", "t1") in {(v.kind, v.trainee) for v in violations}


def test_extra_requirement_already_in_the_standard_is_a_format_error() -> None:
    instance = with_trainee(base_instance(), extra_requirements=[{"department": "B", "months": 1}])
    violations = hard_violations_for_trainee(instance, "t1", GOOD)
    assert [(v.kind, v.trainee) for v in violations] == [("format", "t1")]


# --- figures ----------------------------------------------------------------------------------------


def figures_instance() -> dict[str, Any]:
    """Two trainees over 4 months; A 1 month then 2 group months in B/C."""
    return {
        "format": INSTANCE_FORMAT,
        "start_month": "2025-01",
        "horizon_months": 4,
        "departments": [
            {"code": "A", "capacity": 1},
            {"code": "B", "capacity": [2, 1]},  # 2 in month 0, then 1 for every later month
            {"code": "C", "capacity": 5, "minimum": [0, 1, 2]},  # 0, 1, then 2 for months 2 and 3
        ],
        "standards": {
            "s": {
                "requirements": [{"department": "A", "months": 1}],
                "groups": [{"departments": ["B", "C"], "months": 2, "min_each": 1, "max_each": 2}],
            }
        },
        "trainees": [
            {
                "id": "t1",
                "standard": "s",
                "start": 0,
                "previous": ["A", "A", "B"],
                "preferences": [
                    {"department": "B", "prefer": "early", "weight": 2},
                    {"department": "A", "prefer": "late", "weight": 3},
                    {"department": "C", "prefer": "early", "weight": 7},
                ],
            },
            {
                "id": "t2",
                "standard": "s",
                "start": 1,
                "previous": [None, "B", "B"],
                "preferences": [
                    {"department": "C", "not_before": 2, "weight": 5},
                    {"department": "A", "not_after": 1, "weight": 4},
                ],
            },
        ],
    }


FIGURE_ROWS = {"t1": ["A", "B", "B", N], "t2": [N, "B", "C", "A"]}


def test_figures_are_exact() -> None:
    figures = evaluate(figures_instance(), FIGURE_ROWS)
    # B in month 1 holds t1 and t2, capacity 1 -> overload 1. Nothing else over.
    assert figures["overload"] == 1
    # C needs 0, 1, 2, 2 and holds 0, 0, 1, 0 -> 0 + 1 + 1 + 2 = 4.
    assert figures["underfill"] == 4
    # t1: B early 2 x (1 - 0) = 2; A late 3 x (3 - 0 - 1) = 6; C never visited = 0.
    # t2: C not_before 2 at offset 1 -> 5 x 1 = 5; A not_after 1 at offset 2 -> 4 x 1 = 4. Sum 17.
    assert figures["preference_cost"] == 17
    # t1 month 1 B vs A; t2 month 2 C vs B; month 3 is beyond both previous lists -> 2.
    assert figures["changed_trainee_months"] == 2
    # 1 x 1000 + 4 x 100 + 17 x 1 + 2 x 10.
    assert figures["objective"] == 1437


def test_the_figure_rows_are_valid() -> None:
    instance = figures_instance()
    assert check_solution(instance, solution(instance, FIGURE_ROWS)).ok


@pytest.mark.parametrize(
    ("preference", "cost"),
    [
        ({"department": "B", "prefer": "early", "weight": 2}, 2),  # first B month 1, start 0
        ({"department": "B", "prefer": "late", "weight": 2}, 0),  # last B month 2, end 3: 3 - 2 - 1
        ({"department": "A", "prefer": "late", "weight": 3}, 6),  # last A month 0: 3 - 0 - 1 = 2
        ({"department": "B", "not_before": 2, "weight": 5}, 5),  # offsets 1, 2: one below 2
        ({"department": "B", "not_after": 0, "weight": 5}, 10),  # offsets 1, 2: both above 0
        ({"department": "B", "not_after": 1}, 1),  # weight defaults to 1; offset 2 above 1
        ({"department": "C", "prefer": "early", "weight": 9}, 0),  # never visited
    ],
)
def test_each_preference_kind(preference: dict[str, Any], cost: int) -> None:
    instance = figures_instance()
    instance["trainees"] = [
        {"id": "t1", "standard": "s", "start": 0, "preferences": [preference]},
    ]
    assert evaluate(instance, {"t1": ["A", "B", "B", N]})["preference_cost"] == cost


def test_preferences_count_from_the_trainees_own_start() -> None:
    instance = figures_instance()
    instance["trainees"] = [
        {
            "id": "t2",
            "standard": "s",
            "start": 1,
            "preferences": [
                {"department": "A", "prefer": "early", "weight": 2},
                {"department": "B", "prefer": "late", "weight": 3},
            ],
        },
    ]
    # A first at month 3, start 1 -> 2 x 2 = 4. B last at month 1, end 4 -> 3 x (4 - 1 - 1) = 6.
    assert evaluate(instance, {"t2": [N, "B", "C", "A"]})["preference_cost"] == 10


def test_custom_weights_and_defaults_for_the_missing_ones() -> None:
    instance = figures_instance()
    instance["weights"] = {"overload": 1, "change": 0}
    # 1 x 1 + 4 x 100 (default) + 17 x 1 (default) + 2 x 0.
    assert evaluate(instance, FIGURE_ROWS)["objective"] == 418


def test_changes_compare_null_and_leave_too() -> None:
    instance = with_trainee(base_instance(), previous=[N, "A", "LEAVE", "C", "C", N, "A"])
    # Row A A B C - -: month 0 A vs null, month 2 B vs LEAVE, month 4 null vs C -> 3.
    # Month 6 is beyond the horizon (6 months) and is not compared.
    assert evaluate(instance, {"t1": GOOD})["changed_trainee_months"] == 3


def test_capacity_list_last_value_repeats() -> None:
    department = {"code": "B", "capacity": [2, 1], "minimum": [3, 0, 1]}
    assert [capacity_at(department, m) for m in range(5)] == [2, 1, 1, 1, 1]
    assert [minimum_at(department, m) for m in range(5)] == [3, 0, 1, 1, 1]
    assert minimum_at({"code": "X"}, 4) == 0
    # Both trainees in B at month 2, past the list's end: capacity 1 -> overload 1.
    rows = {"t1": ["A", "B", "B", N], "t2": [N, "A", "B", "C"]}
    assert evaluate(figures_instance(), rows)["overload"] == 1


# --- misstated figures ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "stated",
    [
        {"overload": 0},
        {"objective": 1436},
        {"changed_trainee_months": 3},
        {"overload_lower_bound": 2},  # above the real overload 1
        {"objective_lower_bound": 1438},  # above the real objective 1437
        {"status": "optimal", "objective_lower_bound": 1400},  # optimal but not proved
    ],
)
def test_misstated_figures_are_mismatches(stated: dict[str, Any]) -> None:
    instance = figures_instance()
    report = check_solution(instance, solution(instance, FIGURE_ROWS, **stated))
    assert report.violations == []
    assert [m.kind for m in report.mismatches] == ["figure"]
    assert not report.ok


def test_missing_figure_is_a_mismatch() -> None:
    instance = figures_instance()
    stated = solution(instance, FIGURE_ROWS)
    del stated["objective"]
    assert [m.kind for m in check_solution(instance, stated).mismatches] == ["figure"]


def test_optimal_with_the_bound_equal_to_the_objective_passes() -> None:
    instance = figures_instance()
    stated = solution(
        instance, FIGURE_ROWS, status="optimal", overload_lower_bound=1, objective_lower_bound=1437
    )
    assert check_solution(instance, stated).ok


def test_infeasible_needs_diagnostics() -> None:
    instance = base_instance()
    bare = {"format": SOLUTION_FORMAT, "status": "infeasible"}
    assert not check_solution(instance, bare).ok
    explained = {**bare, "diagnostics": [{"kind": "window", "trainee": "t1", "explanation": "A cannot fit"}]}
    assert check_solution(instance, explained).ok


def test_unknown_status_without_assignments_has_nothing_to_check() -> None:
    assert check_solution(base_instance(), {"format": SOLUTION_FORMAT, "status": "unknown"}).ok


def test_department_in_two_groups_is_a_format_error() -> None:
    instance = copy.deepcopy(base_instance())
    instance["standards"]["s"]["groups"].append({"departments": ["C", "D"], "months": 1})
    report = check_solution(instance, solution(instance, {"t1": GOOD}))
    assert [(v.kind, v.trainee) for v in report.violations if v.kind == "format"] == [("format", None)]
    assert "C" in report.violations[0].message


def test_unknown_status_is_a_format_error() -> None:
    instance = base_instance()
    report = check_solution(instance, solution(instance, {"t1": GOOD}, status="solved"))
    assert [v.kind for v in report.violations] == ["format"]


def test_messages_name_trainee_department_and_months() -> None:
    instance = with_requirement(base_instance(), latest_end=3)
    [violation] = hard_violations_for_trainee(instance, "t1", ["B", "C", "A", "A", N, N])
    assert "t1" in violation.message
    assert "A" in violation.message
    assert "2025-12" in violation.message


# --- brute force ------------------------------------------------------------------------------------


def two_month_instance(trainees: int, **changes: Any) -> dict[str, Any]:
    """Each trainee needs A for 1 month and B for 1 month, over 2 months."""
    instance: dict[str, Any] = {
        "format": INSTANCE_FORMAT,
        "start_month": "2026-01",
        "horizon_months": 2,
        "departments": [{"code": "A", "capacity": 1}, {"code": "B", "capacity": 1}],
        "standards": {
            "s": {"requirements": [{"department": "A", "months": 1}, {"department": "B", "months": 1}]}
        },
        "trainees": [{"id": f"t{i}", "standard": "s", "start": 0} for i in range(1, trainees + 1)],
    }
    instance.update(changes)
    return instance


def test_trainee_rows_enumerates_exactly_the_valid_rows() -> None:
    # A A as one block, and the group as BB, CC or B + C (each group-only department in one piece):
    # [AA][BB] 2 orders, [AA][CC] 2 orders, [AA][B][C] 3! = 6 orders -> 10 rows.
    instance = base_instance(horizon_months=4)
    rows = trainee_rows(instance, "t1")
    assert len(rows) == 10
    assert len({tuple(row) for row in rows}) == 10
    assert all(hard_violations_for_trainee(instance, "t1", row) == [] for row in rows)
    # With A fixed at month 0: A A first, then BB, CC, BC or CB -> 4 rows.
    fixed = with_trainee(instance, fixed=[{"department": "A", "start": 0, "months": 1}])
    assert sorted(trainee_rows(fixed, "t1")) == [
        ["A", "A", "B", "B"],
        ["A", "A", "B", "C"],
        ["A", "A", "C", "B"],
        ["A", "A", "C", "C"],
    ]


def test_trainee_rows_match_a_naive_enumeration() -> None:
    # The pruned enumeration must find exactly the rows that survive trying every department in every
    # programme month (D included, though no rule allows it). Leave at month 1, A fixed at month 2,
    # A only in months 0-3 (latest_end 4): programme months 0-4.
    instance = with_requirement(base_instance(horizon_months=5), latest_end=4)
    instance = with_trainee(
        instance,
        leave=[{"start": 1, "months": 1}],
        fixed=[{"department": "A", "start": 2, "months": 1}],
    )
    naive = []
    for choice in itertools.product("ABCD", repeat=4):
        row = [choice[0], L, choice[1], choice[2], choice[3]]
        if hard_violations_for_trainee(instance, "t1", row) == []:
            naive.append(row)
    assert sorted(trainee_rows(instance, "t1")) == sorted(naive)
    # A's second month is 0 (joined to month 2 across the leave) or 3 (month 4 is past the window).
    # A L A _ _: months 3-4 take BB, CC, BC or CB -> 4. _ L A A _: B/C at 0 and 4 must differ, or
    # the group department would have two segments -> BC, CB -> 2. Total 6.
    assert len(naive) == 6


def test_trainee_rows_keep_leave_in_place() -> None:
    instance = with_trainee(two_month_instance(1, horizon_months=3), leave=[{"start": 1, "months": 1}])
    assert sorted(trainee_rows(instance, "t1")) == [["A", L, "B"], ["B", L, "A"]]


def test_brute_force_separates_two_trainees() -> None:
    # Both prefer A early; A holds one at a time. One trainee takes A in month 1: preference cost 1.
    instance = two_month_instance(2)
    for trainee in instance["trainees"]:
        trainee["preferences"] = [{"department": "A", "prefer": "early", "weight": 1}]
    overload, objective, best = brute_force(instance)
    assert (overload, objective) == (0, 1)
    assert sorted(row[0] for row in best.values()) == ["A", "B"]


def test_brute_force_unavoidable_overload() -> None:
    # Three trainees, two places a month (A and B, capacity 1 each): one too many in each month -> 2.
    overload, objective, best = brute_force(two_month_instance(3))
    assert (overload, objective) == (2, 2000)
    assert evaluate(two_month_instance(3), best)["overload"] == 2


def test_brute_force_cheap_overload_beats_preferences() -> None:
    # Overload costs only 2 here; both trainees prefer A early at weight 3, and B takes two. Both in A
    # in month 0: overload 1 x 2 = 2 < spreading them (preference 3). Minimum overload is still 0.
    instance = two_month_instance(2, weights={"overload": 2})
    instance["departments"][1]["capacity"] = 2
    for trainee in instance["trainees"]:
        trainee["preferences"] = [{"department": "A", "prefer": "early", "weight": 3}]
    overload, objective, best = brute_force(instance)
    assert (overload, objective) == (0, 2)
    assert best == {"t1": ["A", "B"], "t2": ["A", "B"]}


def test_brute_force_infeasible_window() -> None:
    instance = two_month_instance(1, horizon_months=3)
    instance["standards"]["s"]["requirements"][0].update(months=2, latest_end=1)
    with pytest.raises(Infeasible) as raised:
        brute_force(instance)
    assert raised.value.trainee_id == "t1"
