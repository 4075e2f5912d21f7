"""Price and branch (`master.py`): CP-SAT's choice among columns, checked against brute force."""

from __future__ import annotations

import json
import math
import time
from pathlib import Path
from typing import Any

import numpy as np
from hypothesis import assume, given, note

from medtalent.rotations.scheduling.evaluate import capacity_arrays, figures, row_is_valid
from medtalent.rotations.scheduling.master import best_combination, more_columns
from medtalent.rotations.scheduling.model import read_instance
from medtalent.rotations.scheduling.tests.brute import trainee_rows
from medtalent.rotations.scheduling.tests.test_objective_bound import _index_row, _queue_for_one_place
from medtalent.rotations.scheduling.tests.test_solver_bounds import (
    _settings,
    brute_force_or_none,
    tiny_instances,
)
from medtalent.rotations.scheduling.trainee import compile_trainees

BENCH = Path(__file__).resolve().parents[4] / "bench" / "instances"


def _setup(data: dict[str, Any]):
    instance = read_instance(data)
    codes, problems = compile_trainees(instance)
    capacity, minimum = capacity_arrays(instance)
    return instance, codes, problems, capacity, minimum


@_settings(60)
@given(tiny_instances())
def test_with_every_row_as_a_column_the_choice_is_the_optimum(data: dict[str, Any]) -> None:
    """Given all valid rows, CP-SAT's choice is the brute-force optimum, and never worse than the start."""
    reference = brute_force_or_none(data)
    assume(not isinstance(reference, str))
    assert not isinstance(reference, str)
    _, optimum = reference
    instance, codes, problems, capacity, minimum = _setup(data)
    columns = [[_index_row(p, codes, r) for r in trainee_rows(data, p.trainee.id)] for p in problems]
    incumbent = [c[-1] for c in columns]
    start = figures(instance, problems, incumbent, codes).objective
    groups = [[i] for i in range(len(problems))]
    rows = best_combination(
        problems,
        codes,
        groups,
        columns,
        incumbent,
        capacity,
        minimum,
        instance.weights,
        time.monotonic() + 10,
        max_overload=10**6,  # no cap: the weighted optimum, as brute force takes it
    )
    assert rows is not None
    value = figures(instance, problems, rows, codes).objective
    note(f"start {start}, chosen {value}, optimum {optimum}")
    assert value == optimum <= start
    assert all(row_is_valid(p, r) for p, r in zip(problems, rows, strict=True))


def test_a_group_of_identical_trainees_shares_its_columns_and_members_keep_their_rows() -> None:
    """Two identical trainees queue for A (one place): one waits, even with both columns on one variable."""
    data = _queue_for_one_place()
    del data["departments"][1]["minimum"]  # only the overload keeps them apart
    instance, codes, problems, capacity, minimum = _setup(data)
    a_first, b_first = np.array([0, 1]), np.array([1, 0])

    def choose(incumbent: list[np.ndarray]) -> list[list[int]]:
        rows = best_combination(
            problems, codes, [[0, 1]], [[a_first, b_first]], incumbent, capacity, minimum,
            instance.weights, time.monotonic() + 10, max_overload=1,
        )  # fmt: skip
        assert rows is not None
        assert figures(instance, problems, rows, codes).objective == 3  # one waits for A: early pref. 3
        return [r.tolist() for r in rows]

    assert sorted(choose([a_first.copy(), a_first.copy()])) == [[0, 1], [1, 0]]  # from overload 1
    assert choose([b_first, a_first]) == [[1, 0], [0, 1]]  # an optimal start: nobody swaps


def test_no_saving_elsewhere_buys_overload() -> None:
    """Both want A first so badly (weight 5000) that overload (1000) would be cheaper: the cap forbids it."""
    data = _queue_for_one_place()
    del data["departments"][1]["minimum"]
    for trainee in data["trainees"]:
        trainee["preferences"][0]["weight"] = 5000
    instance, codes, problems, capacity, minimum = _setup(data)
    a_first, b_first = np.array([0, 1]), np.array([1, 0])
    columns = [[a_first, b_first], [a_first, b_first]]
    groups, start = [[0], [1]], [a_first, b_first]

    def choose(cap: int) -> list[list[int]]:
        rows = best_combination(
            problems, codes, groups, columns, start, capacity, minimum, instance.weights,
            time.monotonic() + 10, cap,
        )  # fmt: skip
        assert rows is not None
        return [r.tolist() for r in rows]

    assert choose(10) == [[0, 1], [0, 1]]  # weighted alone: both in A at once
    assert figures(instance, problems, [a_first, b_first], codes).overload == 0
    assert sorted(choose(0)) == [[0, 1], [1, 0]]  # capped at the start's overload: one waits


def test_no_time_left_chooses_nothing() -> None:
    data = _queue_for_one_place()
    instance, codes, problems, capacity, minimum = _setup(data)
    rows = [np.array([0, 1]), np.array([1, 0])]
    assert (
        best_combination(
            problems,
            codes,
            [[0], [1]],
            [[], []],
            rows,
            capacity,
            minimum,
            instance.weights,
            time.monotonic(),
            0,
        )
        is None
    )


def test_noisy_columns_are_valid_and_new() -> None:
    data = json.loads((BENCH / "n100-s110-seed1.json").read_text(encoding="utf-8"))
    _, _, problems, capacity, _ = _setup(data)
    groups = [[i] for i in range(10)]
    prices = np.zeros(capacity.shape)
    rng = np.random.default_rng(1)
    columns = more_columns(problems, groups, [[] for _ in groups], prices, 20.0, rng, math.inf)
    for members, candidates in zip(groups, columns, strict=True):
        assert candidates, "every group gets columns"
        assert all(row_is_valid(problems[members[0]], row) for row in candidates)
    assert sum(len({r.tobytes() for r in c}) for c in columns) > len(groups)  # the noise gives variety
    assert more_columns(problems, groups, [[] for _ in groups], prices, 20.0, rng, 0.0) == [[]] * 10
