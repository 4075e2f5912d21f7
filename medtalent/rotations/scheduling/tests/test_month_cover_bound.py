"""The month-cover bound: a standard's own departments must hold its trainees whenever nothing else can.

Brute force checks it on random tiny instances: for every standard's own departments, the bound never
exceeds the smallest overload those departments can have. A planted instance shows what it adds: three
trainees who must all be in two one-place departments for two months, which each department alone
cannot see.

/tmp/venv/bin/pytest medtalent/rotations/scheduling/tests/test_month_cover_bound.py -q
"""

from __future__ import annotations

import copy
import itertools
from typing import Any

from hypothesis import given, note

from medtalent.rotations.scheduling import solve_instance
from medtalent.rotations.scheduling.bound import LowerBounds
from medtalent.rotations.scheduling.checker import INSTANCE_FORMAT
from medtalent.rotations.scheduling.evaluate import capacity_arrays
from medtalent.rotations.scheduling.model import read_instance
from medtalent.rotations.scheduling.tests.brute import trainee_rows
from medtalent.rotations.scheduling.tests.test_solver_bounds import (
    MAX_COMBINATIONS,
    _settings,
    tiny_instances,
)
from medtalent.rotations.scheduling.trainee import compile_trainees


def _bounds(data: dict[str, Any]) -> tuple[LowerBounds, list[str]]:
    instance = read_instance(copy.deepcopy(data))
    _codes, problems = compile_trainees(instance)
    capacity, minimum = capacity_arrays(instance)
    return LowerBounds(instance, problems, capacity, minimum), list(instance.departments)


def _least_overload(data: dict[str, Any], departments: set[str]) -> int | None:
    """Brute force: the smallest overload of these departments over every combination of valid rows."""
    rows = [trainee_rows(data, t["id"]) for t in data["trainees"]]
    if any(not r for r in rows) or len(list(itertools.product(*rows))) > MAX_COMBINATIONS:
        return None
    capacity = {d["code"]: d["capacity"] for d in data["departments"]}

    def cap(code: str, month: int) -> int:
        value = capacity[code]
        return value[min(month, len(value) - 1)] if isinstance(value, list) else value

    best = None
    for combination in itertools.product(*rows):
        load: dict[tuple[str, int], int] = {}
        for row in combination:
            for month, code in enumerate(row):
                if code in departments:
                    load[code, month] = load.get((code, month), 0) + 1
        overload = sum(max(0, n - cap(code, month)) for (code, month), n in load.items())
        best = overload if best is None else min(best, overload)
    return best


@_settings(60)
@given(tiny_instances())
def test_month_cover_bound_never_exceeds_the_least_overload(data: dict[str, Any]) -> None:
    bounds, codes = _bounds(data)
    clusters = {tuple(members) for members in bounds.clusters.values()}
    for own in bounds.own_departments([list(c) for c in clusters]):
        value = bounds.month_cover_overload(own)
        if value == 0:
            continue
        least = _least_overload(data, {codes[d] for d in own})
        note(f"own departments {[codes[d] for d in own]}: bound {value}, brute force {least}")
        assert least is None or value <= least


def _planted() -> dict[str, Any]:
    """E (shared, roomy) in month 0 by window; then A and B, one place each, for three trainees."""
    anaes = {
        "requirements": [
            {"department": "E", "months": 1, "latest_end": 1},
            {"department": "A", "months": 1},
            {"department": "B", "months": 1},
        ]
    }
    other = {"requirements": [{"department": "E", "months": 1}]}
    trainees = [{"id": f"t{i}", "standard": "anaes", "start": 0} for i in range(3)]
    trainees.append({"id": "o1", "standard": "other", "start": 0})
    return {
        "format": INSTANCE_FORMAT,
        "start_month": "2025-09",
        "horizon_months": 3,
        "departments": [
            {"code": "A", "capacity": 1},
            {"code": "B", "capacity": 1},
            {"code": "E", "capacity": 4},
        ],
        "standards": {"anaes": anaes, "other": other},
        "trainees": trainees,
    }


def test_a_standards_own_departments_are_bounded_together() -> None:
    data = _planted()
    bounds, codes = _bounds(data)
    a, b = codes.index("A"), codes.index("B")
    assert bounds.clusters[a] == bounds.clusters[b] == (a, b)
    assert bounds.together == {(a, b): 2}
    # Each department alone could take its three trainees one month each: only together is 2 proven.
    assert bounds._cluster_overload((a,), 1.0) == (0, True)
    assert _least_overload(data, {"A", "B"}) == 2
    solution = solve_instance(copy.deepcopy(data), time_limit=2.0)
    assert solution["overload"] == solution["overload_lower_bound"] == 2
