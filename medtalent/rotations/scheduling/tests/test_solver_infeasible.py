"""Planted conflicts make the solver answer "infeasible" with the trainee and the rules in words;
malformed instances raise `InstanceError` naming the offending field.

/tmp/venv/bin/pytest medtalent/rotations/scheduling/tests/test_solver_infeasible.py -q
"""

from __future__ import annotations

import copy
from typing import Any

import pytest

from medtalent.rotations.scheduling import InstanceError, solve_instance
from medtalent.rotations.scheduling.checker import INSTANCE_FORMAT, SOLUTION_FORMAT, check_solution
from medtalent.rotations.scheduling.tests.brute import Infeasible, brute_force


def instance(
    departments: list[str],
    requirements: list[dict[str, Any]],
    trainees: list[dict[str, Any]],
    *,
    horizon: int,
    groups: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    standard: dict[str, Any] = {"requirements": requirements}
    if groups is not None:
        standard["groups"] = groups
    return {
        "format": INSTANCE_FORMAT,
        "start_month": "2025-09",
        "horizon_months": horizon,
        "departments": [{"code": code, "capacity": 2} for code in departments],
        "standards": {"s": standard},
        "trainees": [{"standard": "s", "start": 0, **trainee} for trainee in trainees],
    }


def solve(data: dict[str, Any]) -> dict[str, Any]:
    return solve_instance(copy.deepcopy(data), time_limit=2.0)


def infeasible_diagnostics(data: dict[str, Any]) -> list[dict[str, Any]]:
    """Solve, check the infeasible answer's shape, and return its diagnostics."""
    solution = solve(data)
    assert solution["format"] == SOLUTION_FORMAT
    assert solution["status"] == "infeasible"
    assert solution["assignments"] == {}
    assert check_solution(data, solution).ok
    diagnostics = solution["diagnostics"]
    assert diagnostics
    assert all(d["kind"] == "infeasible" for d in diagnostics)
    return diagnostics


def rule_kinds(diagnostic: dict[str, Any]) -> set[tuple[str, str | None]]:
    return {(rule["kind"], rule["department"]) for rule in diagnostic["rules"]}


# --- planted conflicts ---------------------------------------------------------------------------------


def window_and_fixed_block() -> dict[str, Any]:
    # A needs 4 months, all within months 0-3 (latest_end 4), but month 1 is locked in B. A may come in
    # two pieces, so the conflict is the window, the months and the fixed block, nothing else.
    return instance(
        ["A", "B"],
        [
            {"department": "A", "months": 4, "max_segments": 2, "latest_end": 4},
            {"department": "B", "months": 1},
        ],
        [{"id": "t1", "fixed": [{"department": "B", "start": 1, "months": 1}]}],
        horizon=5,
    )


def test_requirement_window_and_fixed_block() -> None:
    data = window_and_fixed_block()
    with pytest.raises(Infeasible) as found:
        brute_force(data)
    assert found.value.trainee_id == "t1"
    [diagnostic] = infeasible_diagnostics(data)
    assert diagnostic["trainee"] == "t1"
    # Without the fixed block or the window, t1 fits: both are in every explanation. The third rule is a
    # month count: A's 4 months, or B's 1 month (which leaves month 4 to A, outside the window).
    kinds = rule_kinds(diagnostic)
    assert {("fixed", None), ("window", "A")} <= kinds
    assert kinds & {("months", "A"), ("months", "B")}
    explanation = diagnostic["explanation"]
    assert explanation.startswith("Trainee t1 ")
    assert "B from month 1 for 1" in explanation
    assert "A needs 4 months" in explanation or "B needs 1 months" in explanation
    assert "A must lie within months" in explanation


def test_window_explanation_names_the_allowed_months() -> None:
    # latest_end 4 means months 0 to 3 (the end is exclusive). The same explanation calls the programme
    # "months 0 to 4" for months 0-4 (inclusive), so the window must read "0 to 3", not "0 to 4".
    [diagnostic] = infeasible_diagnostics(window_and_fixed_block())
    assert "(s, months 0 to 4)" in diagnostic["explanation"]
    assert "A must lie within months 0 to 3 of the programme" in diagnostic["explanation"]


def test_two_windows_need_the_same_months() -> None:
    # A and B, 2 months each, must both lie in months 0-2: 4 months in 3. C fills the rest.
    data = instance(
        ["A", "B", "C"],
        [
            {"department": "A", "months": 2, "max_segments": 1, "latest_end": 3},
            {"department": "B", "months": 2, "max_segments": 1, "latest_end": 3},
            {"department": "C", "months": 1},
        ],
        [{"id": "ok", "start": 0, "standard": "other"}, {"id": "t2"}],
        horizon=5,
    )
    data["standards"]["other"] = {"requirements": [{"department": "C", "months": 5}]}
    with pytest.raises(Infeasible) as found:
        brute_force(data)
    assert found.value.trainee_id == "t2"
    [diagnostic] = infeasible_diagnostics(data)
    assert diagnostic["trainee"] == "t2"
    # Without either window the trainee fits, so both windows are in every explanation.
    assert {("window", "A"), ("window", "B")} <= rule_kinds(diagnostic)
    explanation = diagnostic["explanation"]
    assert explanation.startswith("Trainee t2 ")
    assert "A must lie within months" in explanation
    assert "B must lie within months" in explanation


def test_fixed_block_outside_the_standard() -> None:
    # X is a department of the instance but not of t2's standard; t1 is fine.
    data = instance(
        ["A", "B", "X"],
        [{"department": "A", "months": 2}, {"department": "B", "months": 1}],
        [{"id": "t1"}, {"id": "t2", "fixed": [{"department": "X", "start": 1, "months": 1}]}],
        horizon=4,
    )
    with pytest.raises(Infeasible) as found:
        brute_force(data)
    assert found.value.trainee_id == "t2"
    [diagnostic] = infeasible_diagnostics(data)
    assert diagnostic["trainee"] == "t2"
    assert ("fixed", None) in rule_kinds(diagnostic)
    assert diagnostic["explanation"].startswith("Trainee t2 ")
    assert "X from month 1 for 1" in diagnostic["explanation"]


def test_fixed_block_on_leave() -> None:
    # t1 is locked in A in month 1, where they are on leave.
    data = instance(
        ["A", "B"],
        [{"department": "A", "months": 2}, {"department": "B", "months": 1}],
        [
            {
                "id": "t1",
                "fixed": [{"department": "A", "start": 1, "months": 1}],
                "leave": [{"start": 1, "months": 1}],
            }
        ],
        horizon=4,
    )
    with pytest.raises(Infeasible):
        brute_force(data)
    [diagnostic] = infeasible_diagnostics(data)
    assert diagnostic["trainee"] == "t1"
    assert ("fixed", None) in rule_kinds(diagnostic)
    assert "A from month 1 for 1" in diagnostic["explanation"]


def fixed_past_the_end(capacity: int, previous: list[str | None] | None) -> dict[str, Any]:
    # t1's programme is month 0 only (A, 1 month), but the fixed block covers months 0-1.
    data = instance(
        ["A"],
        [{"department": "A", "months": 1}],
        [{"id": "t1", "fixed": [{"department": "A", "start": 0, "months": 2}]}],
        horizon=3,
    )
    data["departments"][0]["capacity"] = capacity
    if previous is not None:
        data["trainees"][0]["previous"] = previous
    return data


def test_fixed_block_past_the_programme_end() -> None:
    data = fixed_past_the_end(1, None)
    with pytest.raises(Infeasible):
        brute_force(data)
    [diagnostic] = infeasible_diagnostics(data)
    assert diagnostic["trainee"] == "t1"
    assert ("fixed", None) in rule_kinds(diagnostic)
    assert "A from month 0 for 2" in diagnostic["explanation"]


@pytest.mark.parametrize("capacity", [1, 0], ids=["capacity-1", "capacity-0"])
def test_fixed_block_past_the_programme_end_with_a_previous_row(capacity: int) -> None:
    # The same conflict, re-planning: the previous row ["A"] fits the programme but not the fixed month 1.
    data = fixed_past_the_end(capacity, ["A"])
    with pytest.raises(Infeasible):
        brute_force(data)
    [diagnostic] = infeasible_diagnostics(data)
    assert diagnostic["trainee"] == "t1"
    assert ("fixed", None) in rule_kinds(diagnostic)


def test_group_min_each_conflicts_with_fixed_blocks() -> None:
    # A in month 0 (latest_end 1), then group G1/G2: 3 months, 2-3 in each department chosen. G1 is
    # locked in month 1 and G2 in month 2, so month 3 gives G1 a second segment (only one allowed) or
    # leaves G1 with 1 month (min_each 2): no valid row.
    data = instance(
        ["A", "G1", "G2"],
        [{"department": "A", "months": 1, "latest_end": 1}],
        [
            {
                "id": "t1",
                "fixed": [
                    {"department": "G1", "start": 1, "months": 1},
                    {"department": "G2", "start": 2, "months": 1},
                ],
            }
        ],
        horizon=4,
        groups=[{"departments": ["G1", "G2"], "months": 3, "min_each": 2, "max_each": 3}],
    )
    with pytest.raises(Infeasible):
        brute_force(data)
    [diagnostic] = infeasible_diagnostics(data)
    assert diagnostic["trainee"] == "t1"
    kinds = rule_kinds(diagnostic)
    assert ("fixed", None) in kinds
    assert ("group", None) in kinds
    assert "G1/G2" in diagnostic["explanation"]


def test_every_infeasible_trainee_is_named() -> None:
    # t1 and t2 have the same impossible programme; t3 is fine. Both t1 and t2 must be named.
    data = window_and_fixed_block()
    t1 = data["trainees"][0]
    data["trainees"] = [t1, {**t1, "id": "t2"}, {"id": "t3", "standard": "s", "start": 0}]
    diagnostics = infeasible_diagnostics(data)
    assert sorted(d["trainee"] for d in diagnostics) == ["t1", "t2"]


def test_infeasible_trainees_of_different_kinds_are_all_named() -> None:
    data = window_and_fixed_block()
    t1 = data["trainees"][0]
    data["trainees"] = [t1, {"id": "t2", "standard": "s", "start": 0, "leave": [{"start": 0, "months": 1}]}]
    data["horizon_months"] = 6
    # t2: leave in month 0, so A's window (offsets 0-3) keeps only months 1-3: 3 months for 4.
    diagnostics = infeasible_diagnostics(data)
    assert sorted(d["trainee"] for d in diagnostics) == ["t1", "t2"]


# --- malformed instances -------------------------------------------------------------------------------


def valid_instance() -> dict[str, Any]:
    return instance(
        ["A", "B"],
        [{"department": "A", "months": 2}, {"department": "B", "months": 1}],
        [{"id": "t1"}, {"id": "t2", "start": 1}],
        horizon=5,
    )


def test_the_valid_instance_solves() -> None:
    assert solve(valid_instance())["status"] == "optimal"


def _set(path: list[Any], value: Any) -> Any:
    def change(data: dict[str, Any]) -> None:
        target = data
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return change


def _duplicate_id(data: dict[str, Any]) -> None:
    data["trainees"][1]["id"] = "t1"


def _late_start(data: dict[str, Any]) -> None:
    data["trainees"][1]["start"] = 3  # 3 months from month 3 end at 6 > 5


def _long_leave(data: dict[str, Any]) -> None:
    data["trainees"][0]["leave"] = [{"start": 1, "months": 3}]  # 3 + 3 months from 0 end at 6 > 5


REQUIREMENTS = ["standards", "s", "requirements"]
BAD_FIXED = [{"department": "A", "start": 0, "months": -1}]
UNKNOWN_FIXED = [{"department": "Q", "start": 0, "months": 1}]


@pytest.mark.parametrize(
    ("change", "path"),
    [
        pytest.param(_set(["format"], "medtalent-rotation-instance/2"), "format", id="format"),
        pytest.param(_set(["format"], "medtalent-rotation-solution/1"), "format", id="solution-format"),
        pytest.param(
            _set([*REQUIREMENTS, 1, "department"], "ZZZ"),
            "standards.s.requirements[1].department",
            id="unknown-department",
        ),
        pytest.param(
            _set([*REQUIREMENTS, 0, "months"], -2), "standards.s.requirements[0].months", id="negative-months"
        ),
        pytest.param(
            _set([*REQUIREMENTS, 0, "months"], 0), "standards.s.requirements[0].months", id="zero-months"
        ),
        pytest.param(
            _set(["trainees", 0, "leave"], [{"start": 1, "months": -1}]),
            "trainees[0].leave[0].months",
            id="negative-leave",
        ),
        pytest.param(
            _set(["trainees", 0, "fixed"], BAD_FIXED), "trainees[0].fixed[0].months", id="negative-fixed"
        ),
        pytest.param(
            _set(["trainees", 0, "fixed"], UNKNOWN_FIXED),
            "trainees[0].fixed[0].department",
            id="unknown-fixed-department",
        ),
        pytest.param(_late_start, "trainees[1].start", id="beyond-horizon"),
        pytest.param(_long_leave, "trainees[0].start", id="beyond-horizon-with-leave"),
        pytest.param(_duplicate_id, "trainees[1].id", id="duplicate-id"),
        pytest.param(_set(["horizon_months"], 0), "horizon_months", id="zero-horizon"),
    ],
)
def test_malformed_instance_names_the_field(change: Any, path: str) -> None:
    data = valid_instance()
    change(data)
    with pytest.raises(InstanceError) as raised:
        solve(data)
    assert raised.value.path == path
    assert str(raised.value).startswith(f"{path}: ")
