"""The solver against brute force, one hard rule at a time, on tiny hand-made instances.

Every instance has 1-3 trainees, programmes of at most 6 months and a few departments; the standards
are written inline. For each, `tests/brute.py` enumerates every valid schedule, so the optimum is
known. The solver's solution must pass the independent checker, reach brute force's smallest overload
(and objective) and prove it: its `overload_lower_bound` equals brute force's smallest overload.

/tmp/venv/bin/pytest medtalent/rotations/scheduling/tests/test_solver_rules.py -q
"""

from __future__ import annotations

import copy
from collections import Counter
from typing import Any

import pytest

from medtalent.rotations.scheduling import solve_instance
from medtalent.rotations.scheduling.checker import INSTANCE_FORMAT, check_solution, evaluate
from medtalent.rotations.scheduling.tests.brute import brute_force, trainee_rows

N = None
L = "LEAVE"
TIME_LIMIT = 2.0


def instance(
    departments: dict[str, Any],
    requirements: list[dict[str, Any]],
    trainees: list[dict[str, Any]],
    *,
    horizon: int,
    groups: list[dict[str, Any]] | None = None,
    **extra: Any,
) -> dict[str, Any]:
    """An instance with one standard "s"; `departments` maps code -> capacity (or a full entry)."""
    entries = [
        value if isinstance(value, dict) else {"code": code, "capacity": value}
        for code, value in departments.items()
    ]
    standard: dict[str, Any] = {"requirements": requirements}
    if groups is not None:
        standard["groups"] = groups
    result = {
        "format": INSTANCE_FORMAT,
        "start_month": "2025-09",
        "horizon_months": horizon,
        "departments": entries,
        "standards": {"s": standard},
        "trainees": [{"standard": "s", "start": 0, **trainee} for trainee in trainees],
    }
    result.update(extra)
    return result


def req(department: str, months: int, **fields: Any) -> dict[str, Any]:
    return {"department": department, "months": months, **fields}


def solve(data: dict[str, Any]) -> dict[str, Any]:
    return solve_instance(copy.deepcopy(data), time_limit=TIME_LIMIT)


def assert_matches_brute_force(data: dict[str, Any], solution: dict[str, Any]) -> tuple[int, int]:
    """The solution is valid, as good as brute force's best, and its bounds are true.

    Returns brute force's (smallest overload, smallest objective)."""
    min_overload, min_objective, _ = brute_force(data)
    report = check_solution(data, solution)
    assert report.ok, [v.message for v in report.violations + report.mismatches]
    assert solution["status"] in ("optimal", "feasible")
    assert solution["overload"] == min_overload
    assert solution["overload_lower_bound"] == min_overload
    assert solution["objective"] == min_objective
    assert solution["objective_lower_bound"] <= min_objective
    expected_status = "optimal" if solution["objective_lower_bound"] == min_objective else "feasible"
    assert solution["status"] == expected_status
    return min_overload, min_objective


def rows(solution: dict[str, Any]) -> dict[str, list[str | None]]:
    return solution["assignments"]


# --- months per department and capacity ----------------------------------------------------------------


def test_months_per_department_two_trainees_share_one_place() -> None:
    # A and B take one trainee a month; both trainees need 2 months of each in months 0-3.
    data = instance(
        {"A": 1, "B": 1},
        [req("A", 2, max_segments=1), req("B", 2, max_segments=1)],
        [{"id": "t1"}, {"id": "t2"}],
        horizon=4,
    )
    solution = solve(data)
    assert assert_matches_brute_force(data, solution) == (0, 0)
    assert solution["status"] == "optimal"
    assert sorted(rows(solution).values()) == [["A", "A", "B", "B"], ["B", "B", "A", "A"]]


def test_months_per_department_exact_counts() -> None:
    # A 1, B 2, C 1 month: every valid row has exactly these counts (B in one piece).
    data = instance(
        {"A": 1, "B": 1, "C": 1},
        [req("A", 1), req("B", 2, max_segments=1), req("C", 1)],
        [{"id": "t1"}],
        horizon=5,
    )
    solution = solve(data)
    assert assert_matches_brute_force(data, solution) == (0, 0)
    row = rows(solution)["t1"]
    assert row[4] is None
    assert Counter(row[:4]) == {"A": 1, "B": 2, "C": 1}


def test_capacity_overload_unavoidable_is_proven() -> None:
    # Three trainees need A and B for 2 months each in months 0-3; each takes 1 a month. Per department:
    # 6 trainee-months for 4 places -> 2 over, in A and in B: 4 in all, and no schedule does better.
    data = instance(
        {"A": 1, "B": 1},
        [req("A", 2, max_segments=1), req("B", 2, max_segments=1)],
        [{"id": "t1"}, {"id": "t2"}, {"id": "t3"}],
        horizon=4,
    )
    solution = solve(data)
    assert assert_matches_brute_force(data, solution) == (4, 4000)
    assert solution["status"] == "optimal"
    assert solution["overload_lower_bound"] == 4
    assert solution["objective_lower_bound"] == 4000
    overloads = [d for d in solution["diagnostics"] if d["kind"] == "overload"]
    assert sorted((d["department"], d["excess"]) for d in overloads) == [("A", 2), ("B", 2)]


def test_capacity_given_per_month_last_value_repeats() -> None:
    # A takes nobody in months 0-1, one trainee from month 2 on ([0, 0, 1] repeats 1): A is months 2-3.
    data = instance(
        {"A": [0, 0, 1], "B": 1},
        [req("A", 2, max_segments=1), req("B", 2, max_segments=1)],
        [{"id": "t1"}],
        horizon=4,
    )
    solution = solve(data)
    assert assert_matches_brute_force(data, solution) == (0, 0)
    assert rows(solution) == {"t1": ["B", "B", "A", "A"]}


# --- elective groups -----------------------------------------------------------------------------------


def test_group_min_each_and_max_each() -> None:
    # A 1 month, then 4 group months in G1/G2/G3 with 2 to 3 in each department chosen. G3 takes nobody
    # and every G2 month costs 1 (not_before 9). Without max_each, G1 x4 would cost 0; without
    # min_each, G1 x3 + G2 x1 would cost 1. With both: G1 x2 + G2 x2, cost 2.
    data = instance(
        {"A": 1, "G1": 1, "G2": 1, "G3": 0},
        [req("A", 1)],
        [{"id": "t1", "preferences": [{"department": "G2", "not_before": 9, "weight": 1}]}],
        horizon=5,
        groups=[{"departments": ["G1", "G2", "G3"], "months": 4, "min_each": 2, "max_each": 3}],
    )
    solution = solve(data)
    assert assert_matches_brute_force(data, solution) == (0, 2)
    assert Counter(rows(solution)["t1"]) == {"A": 1, "G1": 2, "G2": 2}
    assert solution["preference_cost"] == 2


def test_group_choice_spreads_two_trainees() -> None:
    # Group of 2 months among G1/G2/G3, 1 to 2 in each; each takes one trainee a month. The trainees
    # need A (1 month, capacity 2) and their group months; 0 overload is possible.
    data = instance(
        {"A": 2, "G1": 1, "G2": 1, "G3": 1},
        [req("A", 1)],
        [{"id": "t1"}, {"id": "t2"}],
        horizon=3,
        groups=[{"departments": ["G1", "G2", "G3"], "months": 2, "min_each": 1, "max_each": 2}],
    )
    solution = solve(data)
    assert assert_matches_brute_force(data, solution) == (0, 0)
    assert solution["status"] == "optimal"
    for row in rows(solution).values():
        counts = Counter(row)
        assert counts["A"] == 1
        assert counts["G1"] + counts["G2"] + counts["G3"] == 2


def test_department_in_a_requirement_and_a_group_one_trainee() -> None:
    # A is required for 1 month and is also in the group A/C (2 months, 1-2 each). C takes nobody, so
    # A gets 1 + 2 = 3 months, in one segment (the requirement's max_segments=1 covers group months).
    data = instance(
        {"A": 1, "B": 1, "C": 0},
        [req("A", 1, max_segments=1), req("B", 1)],
        [{"id": "t1"}],
        horizon=4,
        groups=[{"departments": ["A", "C"], "months": 2, "min_each": 1, "max_each": 2}],
    )
    assert sorted(row for row in trainee_rows(data, "t1") if "C" not in row) == [
        ["A", "A", "A", "B"],
        ["B", "A", "A", "A"],
    ]
    solution = solve(data)
    assert assert_matches_brute_force(data, solution) == (0, 0)
    assert rows(solution)["t1"] in (["A", "A", "A", "B"], ["B", "A", "A", "A"])


def test_department_in_a_requirement_and_a_group_two_trainees() -> None:
    # As above with two trainees: A takes one a month, C none. Each trainee needs >= 1 month of A and
    # 2 group months in A or C; brute force: 2 over at best. The bound must prove 2.
    data = instance(
        {"A": 1, "B": 2, "C": 0},
        [req("A", 1, max_segments=1), req("B", 1, max_segments=1)],
        [{"id": "t1"}, {"id": "t2"}],
        horizon=4,
        groups=[{"departments": ["A", "C"], "months": 2, "min_each": 1, "max_each": 2}],
    )
    solution = solve(data)
    assert assert_matches_brute_force(data, solution) == (2, 2000)


# --- segments ------------------------------------------------------------------------------------------


def test_split_department_max_segments_and_min_segment_months() -> None:
    # B: 4 months in at most 2 segments of at least 2; B takes nobody in months 2-3. Only B B A A B B
    # avoids overload.
    data = instance(
        {"A": 1, "B": [1, 1, 0, 0, 1, 1]},
        [req("A", 2, max_segments=1), req("B", 4, max_segments=2, min_segment_months=2)],
        [{"id": "t1"}],
        horizon=6,
    )
    solution = solve(data)
    assert assert_matches_brute_force(data, solution) == (0, 0)
    assert solution["status"] == "optimal"
    assert rows(solution) == {"t1": ["B", "B", "A", "A", "B", "B"]}


def test_min_segment_months_forbids_short_pieces() -> None:
    # Same, but B takes nobody in month 1 only ([1, 0, 1] repeats 1). B A A B B B would avoid month 1
    # but its first B segment is 1 month (too short); the only row without overload is A A B B B B.
    data = instance(
        {"A": 1, "B": [1, 0, 1]},
        [req("A", 2, max_segments=1), req("B", 4, max_segments=2, min_segment_months=2)],
        [{"id": "t1"}],
        horizon=6,
    )
    valid = trainee_rows(data, "t1")
    assert ["B", "A", "A", "B", "B", "B"] not in valid
    solution = solve(data)
    assert assert_matches_brute_force(data, solution) == (0, 0)
    assert rows(solution) == {"t1": ["A", "A", "B", "B", "B", "B"]}


def test_max_segments_one_keeps_the_department_whole() -> None:
    # As the split test, but B in one segment: any 4-month B block covers months 2-3 -> 2 over, proven.
    data = instance(
        {"A": 1, "B": [1, 1, 0, 0, 1, 1]},
        [req("A", 2, max_segments=1), req("B", 4, max_segments=1)],
        [{"id": "t1"}],
        horizon=6,
    )
    solution = solve(data)
    assert assert_matches_brute_force(data, solution) == (2, 2000)
    assert solution["status"] == "optimal"
    row = rows(solution)["t1"]
    assert row in (["B", "B", "B", "B", "A", "A"], ["A", "A", "B", "B", "B", "B"])


def test_max_segments_left_out_means_no_limit() -> None:
    # The checker's reading (checker.py docstring): a requirement without max_segments may be split at
    # will. B costs 1 a month outside offsets 1-2, so the best row is A B B A (A in two pieces), cost 0.
    data = instance(
        {"A": 1, "B": 1},
        [req("A", 2), req("B", 2)],
        [
            {
                "id": "t1",
                "preferences": [
                    {"department": "B", "not_before": 1, "weight": 1},
                    {"department": "B", "not_after": 2, "weight": 1},
                ],
            }
        ],
        horizon=4,
    )
    assert brute_force(data)[:2] == (0, 0)
    solution = solve(data)
    assert assert_matches_brute_force(data, solution) == (0, 0)
    assert rows(solution) == {"t1": ["A", "B", "B", "A"]}


# --- windows -------------------------------------------------------------------------------------------


def test_windows_count_from_the_trainees_own_start() -> None:
    # B in the first month (latest_end 1), A not before offset 2, C anywhere: from start 0 the only row
    # is B C A A; from start 1 it is (null) B C A A. A overlaps in month 3 whatever happens: 1 over.
    data = instance(
        {"A": 1, "B": 1, "C": 1},
        [req("A", 2, max_segments=1, earliest_start=2), req("B", 1, latest_end=1), req("C", 1)],
        [{"id": "t1"}, {"id": "t2", "start": 1}],
        horizon=5,
    )
    assert trainee_rows(data, "t1") == [["B", "C", "A", "A", N]]
    assert trainee_rows(data, "t2") == [[N, "B", "C", "A", "A"]]
    solution = solve(data)
    assert assert_matches_brute_force(data, solution) == (1, 1000)
    assert solution["status"] == "optimal"
    assert rows(solution) == {"t1": ["B", "C", "A", "A", N], "t2": [N, "B", "C", "A", "A"]}


def test_latest_end_keeps_a_department_early_despite_capacity() -> None:
    # A must end by offset 2 (months 0-1) though A takes nobody in month 0: 1 over is forced.
    data = instance(
        {"A": [0, 1], "B": 1},
        [req("A", 2, max_segments=1, latest_end=2), req("B", 2, max_segments=1)],
        [{"id": "t1"}],
        horizon=4,
    )
    solution = solve(data)
    assert assert_matches_brute_force(data, solution) == (1, 1000)
    assert solution["status"] == "optimal"
    assert rows(solution) == {"t1": ["A", "A", "B", "B"]}


# --- fixed blocks --------------------------------------------------------------------------------------


def test_fixed_past_prefix() -> None:
    # t1 has done A in months 0-1 (fixed); t2 is free. A and B take one trainee a month: t2 must go
    # B B A A.
    data = instance(
        {"A": 1, "B": 1},
        [req("A", 2, max_segments=1), req("B", 2, max_segments=1)],
        [{"id": "t1", "fixed": [{"department": "A", "start": 0, "months": 2}]}, {"id": "t2"}],
        horizon=4,
    )
    solution = solve(data)
    assert assert_matches_brute_force(data, solution) == (0, 0)
    assert solution["status"] == "optimal"
    assert rows(solution) == {"t1": ["A", "A", "B", "B"], "t2": ["B", "B", "A", "A"]}


def test_fixed_past_prefix_continued_by_the_same_department() -> None:
    # A: 3 months in one piece, the first 2 already done: the third must follow at once.
    data = instance(
        {"A": 1, "B": 1},
        [req("A", 3, max_segments=1), req("B", 1)],
        [{"id": "t1", "fixed": [{"department": "A", "start": 0, "months": 2}]}],
        horizon=4,
    )
    assert trainee_rows(data, "t1") == [["A", "A", "A", "B"]]
    solution = solve(data)
    assert assert_matches_brute_force(data, solution) == (0, 0)
    assert rows(solution) == {"t1": ["A", "A", "A", "B"]}


def test_locked_block_in_the_middle_splits_the_rest() -> None:
    # C is locked in month 2: A and B (2 months each, one piece) go on either side; the two trainees
    # take opposite sides.
    data = instance(
        {"A": 1, "B": 1, "C": 2},
        [req("A", 2, max_segments=1), req("B", 2, max_segments=1), req("C", 1)],
        [
            {"id": "t1", "fixed": [{"department": "C", "start": 2, "months": 1}]},
            {"id": "t2", "fixed": [{"department": "C", "start": 2, "months": 1}]},
        ],
        horizon=5,
    )
    solution = solve(data)
    assert assert_matches_brute_force(data, solution) == (0, 0)
    assert solution["status"] == "optimal"
    assert sorted(rows(solution).values()) == [["A", "A", "C", "B", "B"], ["B", "B", "C", "A", "A"]]


def test_locked_month_inside_a_run_extended_on_both_sides() -> None:
    # A: 3 months in one piece, month 2 locked in A. B (2 months, up to 2 pieces) takes nobody in
    # months 1-3, so the only row without overload is B A A A B: the run grows on both sides of the lock.
    data = instance(
        {"A": 1, "B": [1, 0, 0, 0, 1]},
        [req("A", 3, max_segments=1), req("B", 2, max_segments=2)],
        [{"id": "t1", "fixed": [{"department": "A", "start": 2, "months": 1}]}],
        horizon=5,
    )
    assert ["B", "A", "A", "A", "B"] in trainee_rows(data, "t1")
    solution = solve(data)
    assert assert_matches_brute_force(data, solution) == (0, 0)
    assert rows(solution) == {"t1": ["B", "A", "A", "A", "B"]}


def test_locked_month_continued_and_a_second_segment_elsewhere() -> None:
    # A: 3 months in up to 2 pieces, month 0 locked in A; B (2 months, one piece) takes nobody except in
    # months 2-3. Only A A B B A has no overload: one piece continues the lock, one stands alone.
    data = instance(
        {"A": 1, "B": [0, 0, 1, 1, 0]},
        [req("A", 3, max_segments=2), req("B", 2, max_segments=1)],
        [{"id": "t1", "fixed": [{"department": "A", "start": 0, "months": 1}]}],
        horizon=5,
    )
    solution = solve(data)
    assert assert_matches_brute_force(data, solution) == (0, 0)
    assert rows(solution) == {"t1": ["A", "A", "B", "B", "A"]}


# --- leave ---------------------------------------------------------------------------------------------


def test_leave_inside_a_run_does_not_split_it() -> None:
    # A: 3 months in one segment of at least 3, leave in month 1, B not before offset 4. The programme is
    # months 0-4 and the only valid row is A LEAVE A A B: A's run goes through the leave.
    data = instance(
        {"A": 1, "B": 1},
        [req("A", 3, max_segments=1, min_segment_months=3), req("B", 1, earliest_start=4)],
        [{"id": "t1", "leave": [{"start": 1, "months": 1}]}],
        horizon=5,
    )
    assert trainee_rows(data, "t1") == [["A", L, "A", "A", "B"]]
    solution = solve(data)
    assert assert_matches_brute_force(data, solution) == (0, 0)
    assert solution["status"] == "optimal"
    assert rows(solution) == {"t1": ["A", L, "A", "A", "B"]}


def test_leave_lengthens_the_programme_and_sits_where_declared() -> None:
    # Two trainees, A and B for 2 months each, one place a month; t2 is on leave in month 2, so t2's
    # programme is months 0-4. Without overload: A A B B and B B LEAVE A A (or the mirror image).
    data = instance(
        {"A": 1, "B": 1},
        [req("A", 2, max_segments=1), req("B", 2, max_segments=1)],
        [{"id": "t1"}, {"id": "t2", "leave": [{"start": 2, "months": 1}]}],
        horizon=5,
    )
    solution = solve(data)
    assert assert_matches_brute_force(data, solution) == (0, 0)
    assert solution["status"] == "optimal"
    assert rows(solution) in (
        {"t1": ["A", "A", "B", "B", N], "t2": ["B", "B", L, "A", "A"]},
        {"t1": ["B", "B", "A", "A", N], "t2": ["A", "A", L, "B", "B"]},
    )


# --- partner institutions ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("partners", "limits"),
    [
        ({"P1": "x", "P2": "x"}, {"total": 6, "per_subspecialty": 2}),
        ({"P1": "x", "P2": "y"}, {"total": 2, "per_subspecialty": 3}),
    ],
    ids=["per_subspecialty", "total"],
)
def test_partner_limits(partners: dict[str, str], limits: dict[str, int]) -> None:
    # Group P1/P2/Q of 3 months (1-3 each); every Q month costs 5. Without the limits, P1/P2 would take
    # all 3 months (cost 0). With at most 2 partner months, Q must take 1: cost 5.
    departments = {
        "A": 1,
        "P1": {"code": "P1", "capacity": 1, "partner": partners["P1"]},
        "P2": {"code": "P2", "capacity": 1, "partner": partners["P2"]},
        "Q": 1,
    }
    data = instance(
        departments,
        [req("A", 1)],
        [{"id": "t1", "preferences": [{"department": "Q", "not_before": 9, "weight": 5}]}],
        horizon=4,
        groups=[{"departments": ["P1", "P2", "Q"], "months": 3, "min_each": 1, "max_each": 3}],
        partner_limits=limits,
    )
    solution = solve(data)
    assert assert_matches_brute_force(data, solution) == (0, 5)
    counts = Counter(rows(solution)["t1"])
    assert counts["A"] == 1
    assert counts["Q"] == 1
    assert counts["P1"] + counts["P2"] == 2


def test_partner_default_limit_three_per_subspecialty() -> None:
    # No partner_limits: at most 3 months per partner subspecialty. P (partner x) is cheap, Q costs 1 a
    # month: the group of 4 months must give Q at least 1.
    data = instance(
        {"P": {"code": "P", "capacity": 1, "partner": "x"}, "Q": 1},
        [],
        [{"id": "t1", "preferences": [{"department": "Q", "not_before": 9, "weight": 1}]}],
        horizon=4,
        groups=[{"departments": ["P", "Q"], "months": 4, "min_each": 1, "max_each": 4}],
    )
    solution = solve(data)
    assert assert_matches_brute_force(data, solution) == (0, 1)
    assert Counter(rows(solution)["t1"]) == {"P": 3, "Q": 1}


# --- extra requirements (protected research months) ----------------------------------------------------


def test_extra_requirement_protected_research_month_shared_by_two_trainees() -> None:
    # Both trainees have an extra month in RES-m1, which takes one trainee a month, and both would like
    # it as early as possible. Only one can have offset 0; the other pays 1. Programmes: 3 + 1 months.
    research = {"department": "RES-m1", "prefer": "early", "weight": 1}
    data = instance(
        {"A": 2, "B": 2, "RES-m1": 1},
        [req("A", 2, max_segments=1), req("B", 1)],
        [
            {"id": "t1", "extra_requirements": [req("RES-m1", 1)], "preferences": [research]},
            {"id": "t2", "extra_requirements": [req("RES-m1", 1)], "preferences": [research]},
        ],
        horizon=4,
    )
    solution = solve(data)
    assert assert_matches_brute_force(data, solution) == (0, 1)
    t1, t2 = rows(solution)["t1"], rows(solution)["t2"]
    assert t1.count("RES-m1") == 1
    assert t2.count("RES-m1") == 1
    assert t1.index("RES-m1") != t2.index("RES-m1")
    assert sorted([t1.index("RES-m1"), t2.index("RES-m1")]) == [0, 1]
    assert None not in t1
    assert None not in t2


def test_extra_requirement_window_forces_research_apart() -> None:
    # RES-m1 must fall in the first 2 months of each programme (latest_end 2) and takes one trainee a
    # month: the two trainees take months 0 and 1, in either order, with no overload.
    data = instance(
        {"A": 2, "B": 2, "RES-m1": 1},
        [req("A", 2, max_segments=1), req("B", 1)],
        [
            {"id": "t1", "extra_requirements": [req("RES-m1", 1, latest_end=2)]},
            {"id": "t2", "extra_requirements": [req("RES-m1", 1, latest_end=2)]},
        ],
        horizon=4,
    )
    solution = solve(data)
    assert assert_matches_brute_force(data, solution) == (0, 0)
    assert solution["status"] == "optimal"
    months = sorted(row.index("RES-m1") for row in rows(solution).values())
    assert months == [0, 1]


# --- preferences ---------------------------------------------------------------------------------------

AAB = ["A", "A", "B"]
BAA = ["B", "A", "A"]


@pytest.mark.parametrize("start", [0, 2])
@pytest.mark.parametrize(
    ("preference", "expected"),
    [
        ({"department": "A", "prefer": "early"}, AAB),
        ({"department": "A", "prefer": "late"}, BAA),
        ({"department": "B", "prefer": "early"}, BAA),
        ({"department": "B", "prefer": "late"}, AAB),
        ({"department": "A", "not_before": 1}, BAA),
        ({"department": "A", "not_after": 1}, AAB),
        ({"department": "B", "not_before": 1}, AAB),
        ({"department": "B", "not_after": 1}, BAA),
    ],
)
def test_preference_chooses_the_row(preference: dict[str, Any], expected: list[str], start: int) -> None:
    # A 2 months in one piece and B 1 month: the only rows are A A B and B A A. Each preference (offsets
    # from the trainee's own start) is met by exactly one of them, at cost 0.
    data = instance(
        {"A": 1, "B": 1},
        [req("A", 2, max_segments=1), req("B", 1)],
        [{"id": "t1", "start": start, "preferences": [{**preference, "weight": 2}]}],
        horizon=5,
    )
    solution = solve(data)
    assert assert_matches_brute_force(data, solution) == (0, 0)
    assert solution["status"] == "optimal"
    assert rows(solution)["t1"][start : start + 3] == expected


def test_conflicting_preferences_the_heavier_wins() -> None:
    # A early (weight 3) and B early (weight 1): A A B costs 1 x 2 = 2, B A A costs 3 x 1 = 3.
    data = instance(
        {"A": 1, "B": 1},
        [req("A", 2, max_segments=1), req("B", 1)],
        [
            {
                "id": "t1",
                "preferences": [
                    {"department": "A", "prefer": "early", "weight": 3},
                    {"department": "B", "prefer": "early", "weight": 1},
                ],
            }
        ],
        horizon=3,
    )
    solution = solve(data)
    assert assert_matches_brute_force(data, solution) == (0, 2)
    assert rows(solution) == {"t1": AAB}
    assert solution["preference_cost"] == 2


# --- re-planning with `previous` -------------------------------------------------------------------------


def replanning_instance() -> dict[str, Any]:
    # A 2 months (one piece), B 1, C 1; one place a month everywhere. The previous schedule is valid and
    # has no overload.
    return instance(
        {"A": 1, "B": 1, "C": 1},
        [req("A", 2, max_segments=1), req("B", 1), req("C", 1)],
        [
            {"id": "t1", "previous": ["A", "A", "B", "C", N, N]},
            {"id": "t2", "previous": ["B", "C", "A", "A", N, N]},
        ],
        horizon=6,
    )


def test_previous_schedule_still_valid_comes_back_unchanged() -> None:
    data = replanning_instance()
    solution = solve(data)
    assert assert_matches_brute_force(data, solution) == (0, 0)
    assert solution["status"] == "optimal"
    assert solution["changed_trainee_months"] == 0
    assert rows(solution) == {t["id"]: t["previous"] for t in data["trainees"]}


def test_previous_with_new_leave_only_that_trainee_changes_minimally() -> None:
    data = replanning_instance()
    data["trainees"][1]["leave"] = [{"start": 1, "months": 1}]
    # t2's programme is now months 0-4 with leave in month 1. Month 1 (C -> LEAVE) and month 4 (null ->
    # something) must change; B LEAVE A A C changes nothing else: 2 changes x 10 = 20.
    _, min_objective, best = brute_force(data)
    assert min_objective == 20
    assert evaluate(data, best)["changed_trainee_months"] == 2
    solution = solve(data)
    assert assert_matches_brute_force(data, solution) == (0, 20)
    assert solution["status"] == "optimal"
    assert solution["changed_trainee_months"] == 2
    assert rows(solution)["t1"] == data["trainees"][0]["previous"]
    assert rows(solution)["t2"] == ["B", L, "A", "A", "C", N]
