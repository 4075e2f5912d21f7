"""The floor on changed months of a capacity-cut re-plan (change_floor.py) against brute force.

On tiny instances every combination of valid rows is enumerated: for each overload, the fewest changed
months of any schedule with at most that overload. The floor must never be above it, and must say
"impossible" only when no schedule has so little overload.

/tmp/venv/bin/pytest medtalent/rotations/scheduling/tests/test_change_floor.py -q
"""

from __future__ import annotations

import random
from collections import Counter
from typing import Any

import numpy as np

from medtalent.rotations.scheduling.change_floor import change_floor
from medtalent.rotations.scheduling.checker import (
    LEAVE,
    capacity_at,
    departments_by_code,
    trainee_changes,
)
from medtalent.rotations.scheduling.tests.brute import trainee_rows
from medtalent.rotations.scheduling.tests.test_solver_rules import instance, req


def fewest_changes(data: dict[str, Any]) -> dict[int, int]:
    """Overload -> the fewest changed months of a schedule with exactly that overload (brute force over
    every combination of valid rows, on arrays)."""
    departments = departments_by_code(data)
    horizon = data["horizon_months"]
    cells = [(code, month) for code in departments for month in range(horizon)]
    limits = [capacity_at(departments[code], month) for code, month in cells]
    capacity = np.array([len(data["trainees"]) if limit is None else limit for limit in limits])
    load = np.zeros(len(cells), dtype=np.int16)
    changes = np.zeros((), dtype=np.int16)
    for trainee in data["trainees"]:
        rows = trainee_rows(data, trainee["id"])
        assert rows, "every trainee needs a valid row"
        own_load = np.array([[row[month] == code for code, month in cells] for row in rows], dtype=np.int16)
        own_changes = np.array([trainee_changes(trainee, row) for row in rows], dtype=np.int16)
        load = load[..., None, :] + own_load.reshape((1,) * changes.ndim + own_load.shape)
        changes = changes[..., None] + own_changes.reshape((1,) * changes.ndim + own_changes.shape)
    overload = np.maximum(load - capacity, 0).sum(axis=-1).ravel()
    changes = changes.ravel()
    return {int(o): int(changes[overload == o].min()) for o in np.unique(overload)}


def assert_floor_holds(data: dict[str, Any]) -> tuple[int, int | None]:
    """Checks the floor at every overload; returns (the least overload, its floor)."""
    exact = fewest_changes(data)
    floor = change_floor(data)
    least = min(exact)
    for overload in range(max(exact) + 1):
        possible = [changes for o, changes in exact.items() if o <= overload]
        bound = floor.at_overload(overload)
        if bound is None:
            assert not possible, (overload, exact)
        elif possible:
            assert bound <= min(possible), (overload, bound, exact)
    return least, floor.at_overload(least)


def _random_cut(rng: random.Random) -> dict[str, Any]:
    """Two or three trainees with valid previous rows, sometimes an elective group, some months fixed
    or newly on leave; then one or two departments lose places where the previous rows filled them."""
    count = rng.choice([2, 3])
    loose = count == 2
    grouped = rng.random() < 0.4
    data = instance(
        {"A": 3, "B": 3, "C": 3, "E": 3},
        [
            req("A", 2, max_segments=rng.choice([1, 2]) if loose else 1),
            req("B", rng.choice([1, 2])),
            req("C", 1),
        ],
        [{"id": f"t{k}", "start": rng.choice([0, 0, 1])} for k in range(count)],
        horizon=7,
        groups=[{"departments": ["C", "E"], "months": 1}] if grouped else None,
    )
    for trainee in data["trainees"]:
        trainee["previous"] = rng.choice(trainee_rows(data, trainee["id"]))
    load: Counter[tuple[str, int]] = Counter(
        (code, month)
        for trainee in data["trainees"]
        for month, code in enumerate(trainee["previous"])
        if code is not None and code != LEAVE
    )
    for department in rng.sample(["A", "B", "C", "E"], rng.choice([1, 1, 2])):
        capacity = [3] * 7
        for month in rng.sample(range(7), rng.choice([2, 3, 4])):
            capacity[month] = max(0, load[department, month] - rng.choice([1, 1, 2]))
        for entry in data["departments"]:
            if entry["code"] == department:
                entry["capacity"] = capacity
    trainee = data["trainees"][0]
    if rng.random() < 0.4:  # months already done are fixed, as a re-plan from month 2 has them
        trainee["fixed"] = [
            {"department": trainee["previous"][m], "start": m, "months": 1}
            for m in range(2)
            if trainee["previous"][m] not in (None, LEAVE)
        ]
    elif rng.random() < 0.3 and trainee["start"] == 0:  # new leave: that month leaves whatever happens
        month = rng.choice([m for m, code in enumerate(trainee["previous"]) if code is not None])
        trainee["leave"] = [{"start": month, "months": 1}]
    return data


def test_the_floor_never_exceeds_the_fewest_changes_on_random_tiny_cuts() -> None:
    informative = 0
    for seed in range(120):
        data = _random_cut(random.Random(seed))
        if not all(trainee_rows(data, t["id"]) for t in data["trainees"]):
            continue  # new leave left some trainee without a valid row
        _, bound = assert_floor_holds(data)
        informative += bool(bound)
    assert informative >= 40  # the floor is not trivially zero


def test_the_floor_is_tight_when_both_trainees_must_leave_and_come_back() -> None:
    # Both trainees were in A in months 0-1; A now takes one of them. In each of months 0 and 1 one
    # trainee leaves A and must come back to it in another month: 4 changes, and a swap with B does it.
    data = instance(
        {"A": [1, 1, 2], "B": 2, "C": 2},
        [req("A", 2), req("B", 2), req("C", 2)],
        [
            {"id": "t1", "previous": ["A", "A", "B", "B", "C", "C"]},
            {"id": "t2", "previous": ["A", "A", "C", "C", "B", "B"]},
        ],
        horizon=6,
    )
    floor = change_floor(data)
    assert floor.excess == 2
    assert assert_floor_holds(data) == (0, 4)


def test_an_elective_month_may_leave_for_another_department_at_one_change() -> None:
    # The second month of E is the elective group's; it may go to F in the same month: one change.
    data = instance(
        {"A": 2, "E": [2, 1, 2], "F": 2},
        [req("A", 1)],
        [
            {"id": "t1", "previous": ["A", "E", None]},
            {"id": "t2", "previous": [None, "E", "A"], "start": 1},
        ],
        horizon=3,
        groups=[{"departments": ["E", "F"], "months": 1}],
    )
    assert assert_floor_holds(data) == (0, 1)


def test_a_fixed_month_cannot_leave_so_the_overload_stays() -> None:
    # Both trainees are fixed in A in month 0, which now takes one: overload 1 in every schedule.
    data = instance(
        {"A": [1, 2], "B": 2},
        [req("A", 1), req("B", 1)],
        [
            {"id": "t1", "previous": ["A", "B"], "fixed": [{"department": "A", "start": 0, "months": 1}]},
            {"id": "t2", "previous": ["A", "B"], "fixed": [{"department": "A", "start": 0, "months": 1}]},
        ],
        horizon=2,
    )
    floor = change_floor(data)
    assert floor.at_overload(0) is None
    assert assert_floor_holds(data) == (1, 0)
