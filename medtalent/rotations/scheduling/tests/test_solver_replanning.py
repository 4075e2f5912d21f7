"""Re-planning changes few months: the minimum-change repair (replan.py) against brute force and the bench.

Tiny instances (brute force knows the least changes), the block moves one by one (each a valid row), and
re-plans of the bench's N=100 plan: unchanged facts change nothing, a capacity cut changes about two
months per trainee-month above the new capacity, fixed blocks never move.

/tmp/venv/bin/pytest medtalent/rotations/scheduling/tests/test_solver_replanning.py -q
"""

from __future__ import annotations

import copy
import importlib
import json
import random
import sys
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from medtalent.rotations.scheduling import replan, solve_instance
from medtalent.rotations.scheduling.change_floor import change_floor
from medtalent.rotations.scheduling.checker import check_solution, evaluate
from medtalent.rotations.scheduling.evaluate import capacity_arrays, figures, row_is_valid
from medtalent.rotations.scheduling.model import read_instance
from medtalent.rotations.scheduling.solver import _kept_row, _Search
from medtalent.rotations.scheduling.tests.brute import brute_force, trainee_rows
from medtalent.rotations.scheduling.tests.test_solver_rules import instance, req
from medtalent.rotations.scheduling.trainee import compile_trainees

BENCH = Path(__file__).resolve().parents[4] / "bench"
N = None


def _bench_module(name: str):
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    return importlib.import_module(name)


def assert_valid(data: dict[str, Any], solution: dict[str, Any]) -> None:
    report = check_solution(data, solution)
    assert report.ok, [v.message for v in report.violations + report.mismatches]


# --- tiny re-plans against brute force -------------------------------------------------------------------


def test_a_capacity_cut_moves_the_fewest_months() -> None:
    # Two trainees were both in A in months 0-1 (A took 2). A now takes 1: one of them swaps A with B,
    # which takes 2: four changed months, and no schedule without overload does it in fewer.
    data = instance(
        {"A": [1, 1, 2], "B": 2, "C": 2},
        [req("A", 2), req("B", 2), req("C", 2)],
        [
            {"id": "t1", "previous": ["A", "A", "B", "B", "C", "C"]},
            {"id": "t2", "previous": ["A", "A", "C", "C", "B", "B"]},
        ],
        horizon=6,
    )
    solution = solve_instance(copy.deepcopy(data), time_limit=2.0)
    assert_valid(data, solution)
    min_overload, min_objective, _ = brute_force(data)
    assert (solution["overload"], solution["objective"]) == (min_overload, min_objective) == (0, 40)
    assert solution["changed_trainee_months"] == 4


def _random_replan(rng: random.Random) -> dict[str, Any]:
    """Up to three trainees with valid previous rows; then one department loses a place in some months."""
    count = rng.choice([2, 3])
    loose = count == 2  # three trainees with loose rules have too many schedules to enumerate quickly
    data = instance(
        {"A": 2, "B": 2, "C": 2},
        [
            req("A", 2, max_segments=rng.choice([1, 2]) if loose else 1),
            req("B", 2),
            req("C", rng.choice([1, 2]) if loose else 1),
        ],
        [{"id": f"t{k}", "start": rng.choice([0, 0, 1])} for k in range(count)],
        horizon=7,
    )
    for trainee in data["trainees"]:
        trainee["previous"] = rng.choice(trainee_rows(data, trainee["id"]))
    load: dict[tuple[str, int], int] = {}
    for trainee in data["trainees"]:
        for month, code in enumerate(trainee["previous"]):
            if code is not None:
                load[code, month] = load.get((code, month), 0) + 1
    department = rng.choice(["A", "B", "C"])
    capacity = [2] * 7
    for month in rng.sample(range(7), 3):
        capacity[month] = max(0, load.get((department, month), 0) - 1)
    for entry in data["departments"]:
        if entry["code"] == department:
            entry["capacity"] = capacity
    if rng.random() < 0.5:  # some months already done: fixed, as a re-plan from month 2 would have them
        trainee = data["trainees"][0]
        trainee["fixed"] = [
            {"department": trainee["previous"][m], "start": m, "months": 1}
            for m in range(2)
            if trainee["previous"][m] is not None
        ]
    return data


def test_random_tiny_replans_change_as_few_months_as_brute_force() -> None:
    # No preferences and no minimum staffing: objective = 1000 x overload + 10 x changed months. The
    # overload must be brute force's (its bound may be lower: the per-department relaxation cannot
    # always prove it); the changes brute force's, give or take a chain of moves the block moves cannot
    # make (at most 2 months, and rarely).
    exact = 0
    seeds = range(30)
    for seed in seeds:
        data = _random_replan(random.Random(seed))
        solution = solve_instance(copy.deepcopy(data), time_limit=1.0)
        assert_valid(data, solution)
        min_overload, min_objective, _ = brute_force(data)
        assert solution["overload"] == min_overload, seed
        assert solution["overload_lower_bound"] <= min_overload, seed
        assert min_objective <= solution["objective"] <= min_objective + 2 * 10, seed
        exact += solution["objective"] == min_objective
        for trainee in data["trainees"]:
            row = solution["assignments"][trainee["id"]]
            for block in trainee.get("fixed", []):
                assert row[block["start"]] == block["department"]
    assert exact >= 0.9 * len(seeds)


# --- block moves -----------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def bench_plan() -> tuple[dict[str, Any], dict[str, Any]]:
    """The bench's N=100 tight instance and a plan for it."""
    data = json.loads((BENCH / "instances" / "n100-s110-seed1.json").read_text(encoding="utf-8"))
    solution = solve_instance(copy.deepcopy(data), time_limit=5.0)
    assert_valid(data, solution)
    return data, solution


def test_every_block_move_is_a_valid_row_with_the_same_month_counts(bench_plan) -> None:
    data, solution = bench_plan
    codes, problems = compile_trainees(read_instance(data))
    rng = np.random.default_rng(0)
    tried = 0
    for problem in problems:
        row = np.array(
            [-1 if c == "LEAVE" else codes.index(c) for c in solution["assignments"][problem.trainee.id] if c]
        )
        assert row_is_valid(problem, row)
        vacate = (rng.random((len(codes), data["horizon_months"])) < 0.2).tolist()
        crowded = (rng.random((len(codes), data["horizon_months"])) < 0.5).tolist()
        for _, move in replan.block_moves(problem, row, vacate, crowded, limit=50):
            tried += 1
            assert row_is_valid(problem, move), (problem.trainee.id, row, move)
            assert sorted(move.tolist()) == sorted(row.tolist())
            months = np.arange(problem.trainee.start, problem.trainee.start + len(row))
            inside = sum(vacate[d][t] for d, t in zip(move.tolist(), months.tolist(), strict=True) if d >= 0)
            before = sum(vacate[d][t] for d, t in zip(row.tolist(), months.tolist(), strict=True) if d >= 0)
            assert inside < before
    assert tried > 500


def test_every_elective_move_gives_up_elective_months_at_one_change_each(bench_plan) -> None:
    data, solution = bench_plan
    codes, problems = compile_trainees(read_instance(data))
    rng = np.random.default_rng(1)
    tried = 0
    for problem in problems:
        row = np.array(
            [-1 if c == "LEAVE" else codes.index(c) for c in solution["assignments"][problem.trainee.id] if c]
        )
        vacate = (rng.random((len(codes), data["horizon_months"])) < 0.5).tolist()
        crowded = (rng.random((len(codes), data["horizon_months"])) < 0.5).tolist()
        months = np.arange(problem.trainee.start, problem.trainee.start + len(row)).tolist()
        for (_, changed), move in replan.elective_moves(problem, row, vacate, crowded):
            tried += 1
            assert row_is_valid(problem, move), (problem.trainee.id, row, move)
            differs = np.flatnonzero(move != row).tolist()
            assert len(differs) == changed
            assert differs == list(range(differs[0], differs[0] + changed))  # consecutive months
            (given_up,) = {int(row[k]) for k in differs}
            (taken,) = {int(move[k]) for k in differs}
            assert all(vacate[given_up][months[k]] and not vacate[taken][months[k]] for k in differs)
            # Both in one elective group, and the months given up are beyond the requirement.
            groups = [{codes.index(c) for c in g.departments} for g in problem.trainee.standard.groups]
            assert any({given_up, taken} <= group for group in groups)
            requirement = problem.requirement_of.get(given_up)
            assert int((move == given_up).sum()) >= (requirement.months if requirement else 0)
    assert tried > 100


def test_a_repair_round_never_makes_the_objective_worse(bench_plan) -> None:
    data, solution = bench_plan
    instances = _bench_module("rotation_instances")
    scenario = instances.capacity_cut(data, solution, "GS", 24, 6, 0.8, now=24)
    model = read_instance(scenario)
    codes, problems = compile_trainees(model)
    capacity, minimum = capacity_arrays(model)
    search = _Search(problems, codes, capacity, minimum, model.weights, np.random.default_rng(0))
    search.build([_kept_row(problem) for problem in problems], {})
    before = figures(model, problems, search.rows, codes)
    assert before.overload > 0
    assert before.changed_trainee_months == 0
    assert replan.repair(search, time_limit=5.0)
    after = figures(model, problems, search.rows, codes)
    assert after.objective < before.objective
    assert after.overload == 0
    assert all(row_is_valid(p, r) for p, r in zip(problems, search.rows, strict=True))


# --- re-plans of the bench's plan ------------------------------------------------------------------------


def _changed(scenario: dict[str, Any], solution: dict[str, Any]) -> int:
    return evaluate(scenario, solution["assignments"])["changed_trainee_months"]


def test_a_replan_of_unchanged_facts_changes_nothing(bench_plan) -> None:
    data, solution = bench_plan
    instances = _bench_module("rotation_instances")
    scenario = instances.capacity_cut(data, solution, "GS", 24, 6, 1.0, now=24)  # a cut of nothing
    replanned = solve_instance(copy.deepcopy(scenario), time_limit=3.0)
    assert_valid(scenario, replanned)
    assert replanned["changed_trainee_months"] == 0
    assert replanned["assignments"] == solution["assignments"]


@pytest.mark.parametrize("department", ["GS", "CARD"])
def test_a_capacity_cut_changes_about_two_months_per_month_over(bench_plan, department: str) -> None:
    data, solution = bench_plan
    bench = _bench_module("scheduler_bench")
    instances = _bench_module("rotation_instances")
    scenario = instances.capacity_cut(data, solution, department, 24, 6, 0.8, now=24)
    excess = bench.excess_months(scenario, solution)
    replanned = solve_instance(copy.deepcopy(scenario), time_limit=5.0)
    assert_valid(scenario, replanned)
    assert replanned["overload"] == replanned["overload_lower_bound"]
    # Each month over capacity leaves the department and comes back elsewhere: 2 changes at least
    # (unless an elective group absorbs it: then 1); chains of moves cost a little more.
    assert _changed(scenario, replanned) <= 2.5 * excess + 6
    floor = change_floor(scenario).at_overload(replanned["overload"])
    assert floor is not None
    assert excess <= floor <= _changed(scenario, replanned)
    for trainee in scenario["trainees"]:
        row = replanned["assignments"][trainee["id"]]
        for block in trainee["fixed"]:
            for month in range(block["start"], block["start"] + block["months"]):
                assert row[month] == block["department"]


def test_a_leave_wave_keeps_most_months(bench_plan) -> None:
    data, solution = bench_plan
    instances = _bench_module("rotation_instances")
    scenario = instances.leave_wave(data, solution, 0.05, 2, now=24, seed=1)
    replanned = solve_instance(copy.deepcopy(scenario), time_limit=5.0)
    assert_valid(scenario, replanned)
    assert replanned["overload"] == replanned["overload_lower_bound"]
    bench = _bench_module("scheduler_bench")
    changed, unfrozen = bench.changed_share(scenario, replanned)
    assert changed <= 0.04 * unfrozen
