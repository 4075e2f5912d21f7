"""The Lagrangian objective bound (`lagrange.py`) against brute force on tiny instances.

Two things must hold for the bound to be proven:
- the exact pricing never prices a trainee above their cheapest valid row, and equals it when the
  trainee has no fixed months (the only rules it relaxes are next to fixed blocks);
- the certified bound never exceeds the brute-force optimum, on instances with capacity, minimum
  staffing, preferences and previous rows.

/tmp/venv/bin/pytest medtalent/rotations/scheduling/tests/test_objective_bound.py -q
"""

from __future__ import annotations

import copy
import math
from typing import Any

import numpy as np
from hypothesis import assume, given, note
from hypothesis import strategies as st

from medtalent.rotations.scheduling import solve_instance
from medtalent.rotations.scheduling.bound import LowerBounds
from medtalent.rotations.scheduling.checker import INSTANCE_FORMAT, LEAVE
from medtalent.rotations.scheduling.evaluate import capacity_arrays, changed_months, preference_cost
from medtalent.rotations.scheduling.lagrange import ObjectiveBound, _Pricer
from medtalent.rotations.scheduling.model import read_instance
from medtalent.rotations.scheduling.tests.brute import brute_force, trainee_rows
from medtalent.rotations.scheduling.tests.test_solver_bounds import (
    _settings,
    brute_force_or_none,
    tiny_instances,
)
from medtalent.rotations.scheduling.trainee import TraineeProblem, compile_trainees


def _index_row(problem: TraineeProblem, codes: list[str], row: list[str | None]) -> np.ndarray:
    index = {code: i for i, code in enumerate(codes)}
    trainee = problem.trainee
    return np.array([-1 if c == LEAVE else index[c] for c in row[trainee.start : trainee.end]])


def _priced(problem: TraineeProblem, codes: list[str], row: np.ndarray, shared: np.ndarray) -> float:
    months = np.arange(problem.trainee.start, problem.trainee.start + len(row))
    working = row >= 0
    own = preference_cost(problem, row) * problem.preference_weight
    own += changed_months(problem, row, codes) * problem.change_weight
    return float(shared[row[working], months[working]].sum()) + own


@_settings(60)
@given(tiny_instances(), st.integers(0, 2**32 - 1))
def test_exact_pricing_is_the_cheapest_valid_row(data: dict[str, Any], seed: int) -> None:
    instance = read_instance(data)
    codes, problems = compile_trainees(instance)
    rng = np.random.default_rng(seed)
    shared = rng.integers(-5, 6, (len(codes), instance.horizon)).astype(float)
    for problem in problems:
        rows = trainee_rows(data, problem.trainee.id)
        assume(rows)
        cheapest = min(_priced(problem, codes, _index_row(problem, codes, r), shared) for r in rows)
        value, row = _Pricer(problem, codes).minimum(shared, math.inf)
        note(f"{problem.trainee.id}: pricing {value}, brute force {cheapest}")
        assert value <= cheapest + 1e-9
        if not problem.fixed:
            assert value == cheapest
            assert row is not None
            assert _priced(problem, codes, row, shared) == cheapest


@_settings(60)
@given(tiny_instances())
def test_lagrangian_bound_never_exceeds_the_optimum(data: dict[str, Any]) -> None:
    reference = brute_force_or_none(data)
    assume(not isinstance(reference, str))
    assert not isinstance(reference, str)
    _, min_objective = reference
    _, _, best = brute_force(data)
    instance = read_instance(data)
    codes, problems = compile_trainees(instance)
    capacity, minimum = capacity_arrays(instance)
    rows = [_index_row(p, codes, best[p.trainee.id]) for p in problems]
    bound = ObjectiveBound(problems, codes, capacity, minimum, instance.weights)
    value = bound.run(rows, time_limit=5.0)
    note(f"bound {value}, optimum {min_objective}")
    assert value <= min_objective
    solution = solve_instance(copy.deepcopy(data), time_limit=2.0)
    assert solution["objective_lower_bound"] <= min_objective


def _queue_for_one_place() -> dict[str, Any]:
    """Two trainees who both want A first; A takes one at a time, so one of them waits a month."""
    return {
        "format": INSTANCE_FORMAT,
        "start_month": "2025-09",
        "horizon_months": 2,
        "departments": [{"code": "A", "capacity": 1}, {"code": "B", "capacity": 1, "minimum": 1}],
        "standards": {
            "s": {"requirements": [{"department": "A", "months": 1}, {"department": "B", "months": 1}]}
        },
        "trainees": [
            {
                "id": f"t{i}",
                "standard": "s",
                "start": 0,
                "preferences": [{"department": "A", "prefer": "early", "weight": 3}],
            }
            for i in (1, 2)
        ],
    }


def test_capacity_makes_the_lagrangian_bound_stronger_than_the_floors() -> None:
    data = _queue_for_one_place()
    instance = read_instance(data)
    _, problems = compile_trainees(instance)
    capacity, minimum = capacity_arrays(instance)
    bounds = LowerBounds(instance, problems, capacity, minimum)
    assert bounds.floors() == 0  # each trainee alone could take A first
    rows = [np.array([0, 1]), np.array([1, 0])]
    assert bounds.refine_objective(rows, time_limit=5.0) == 3
    assert brute_force(data)[1] == 3
    solution = solve_instance(copy.deepcopy(data), time_limit=2.0)
    assert solution["objective"] == solution["objective_lower_bound"] == 3
    assert solution["status"] == "optimal"


def test_the_bound_claims_nothing_before_a_round_has_finished() -> None:
    """Before any round has finished the Lagrangian bound is 0, not an error (-inf made OverflowError)."""
    data = _queue_for_one_place()
    instance = read_instance(data)
    _, problems = compile_trainees(instance)
    capacity, minimum = capacity_arrays(instance)
    bounds = LowerBounds(instance, problems, capacity, minimum)
    bounds.refine_objective([np.array([0, 1]), np.array([1, 0])], time_limit=0.0)
    assert bounds._lagrangian is not None
    bounds._lagrangian.best = -math.inf  # as when the deadline passes before the first round ends
    assert bounds.objective() == bounds.floors() == 0
