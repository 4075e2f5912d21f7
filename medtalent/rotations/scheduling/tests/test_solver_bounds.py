"""Property tests: on random tiny instances the solver's bounds are true and its schedule is valid.

For every generated instance (2-3 trainees, 3-5 departments, programmes of at most 5 months, capacities
0-2, optional windows, groups, leave, fixed blocks and preferences) brute force gives the smallest
overload and objective, and the solver must satisfy

    overload_lower_bound <= brute-force overload <= solution overload
    objective_lower_bound <= brute-force objective <= solution objective

with a solution the independent checker accepts. Instances where some trainee has no valid row are left
to the second test: the solver must then answer "infeasible" and name that trainee.

Shrinking is off (each run of the solver may take its whole time limit); the runs are derandomised so
that the file takes the same time, well under a minute, on every run.

/tmp/venv/bin/pytest medtalent/rotations/scheduling/tests/test_solver_bounds.py -q
"""

from __future__ import annotations

import copy
import json
import math
from typing import Any

from hypothesis import Phase, assume, given, note, settings
from hypothesis import strategies as st

from medtalent.rotations.scheduling import solve_instance
from medtalent.rotations.scheduling.checker import INSTANCE_FORMAT, check_solution
from medtalent.rotations.scheduling.model import read_instance
from medtalent.rotations.scheduling.tests.brute import Infeasible, brute_force, trainee_rows

TIME_LIMIT = 2.0
MAX_PROGRAMME = 5
MAX_COMBINATIONS = 3000  # brute force tries every combination of the trainees' rows


def _settings(examples: int) -> settings:
    return settings(
        max_examples=examples,
        deadline=None,
        derandomize=True,
        database=None,
        phases=(Phase.explicit, Phase.reuse, Phase.generate),
    )


@st.composite
def requirement(draw: st.DrawFn, department: str, months: int) -> dict[str, Any]:
    """A requirement; optional fields are sometimes left out (their defaults are part of the test)."""
    result: dict[str, Any] = {"department": department, "months": months}
    if draw(st.booleans()):
        result["max_segments"] = draw(st.integers(1, months))
    if draw(st.integers(0, 3)) == 0:
        result["min_segment_months"] = draw(st.integers(1, months))
    if draw(st.integers(0, 3)) == 0:
        result["earliest_start"] = draw(st.integers(0, 2))
    if draw(st.integers(0, 3)) == 0:
        low = result.get("earliest_start", 0) + months
        result["latest_end"] = draw(st.integers(low, low + 3))
    return result


@st.composite
def standard(draw: st.DrawFn, codes: list[str]) -> tuple[dict[str, Any], int]:
    """A standard over the codes and its total months (1 to MAX_PROGRAMME)."""
    order = draw(st.permutations(codes))
    count = draw(st.integers(1, min(3, len(codes) - 1)))
    requirements, total = [], 0
    for code in order[:count]:
        months = draw(st.integers(1, 2))
        if total + months > MAX_PROGRAMME - 1:
            break
        requirements.append(draw(requirement(code, months)))
        total += months
    result: dict[str, Any] = {"requirements": requirements}
    required = [r["department"] for r in requirements]
    outside = [code for code in order if code not in required]
    room = MAX_PROGRAMME - total
    if outside and room >= 1 and (not requirements or draw(st.booleans())):
        members = outside[: draw(st.integers(1, min(3, len(outside))))]
        if required and draw(st.integers(0, 3)) == 0:
            members.append(required[0])  # a department in a requirement and the group
        months = draw(st.integers(1, min(room, 3)))
        min_each = draw(st.integers(1, months))
        max_each = draw(st.integers(min_each, months))
        if max_each * len(members) >= months:
            result["groups"] = [
                {"departments": members, "months": months, "min_each": min_each, "max_each": max_each}
            ]
            total += months
    assume(total >= 1)
    return result, total


@st.composite
def preference(draw: st.DrawFn, codes: list[str]) -> dict[str, Any]:
    result: dict[str, Any] = {"department": draw(st.sampled_from(codes)), "weight": draw(st.integers(1, 3))}
    kind = draw(st.sampled_from(["prefer", "not_before", "not_after"]))
    if kind == "prefer":
        result["prefer"] = draw(st.sampled_from(["early", "late"]))
    else:
        result[kind] = draw(st.integers(0, 4))
    return result


@st.composite
def tiny_instances(draw: st.DrawFn, planted_conflict: bool = False) -> dict[str, Any]:
    codes = [f"D{k}" for k in range(draw(st.integers(3, 5)))]
    departments = []
    for code in codes:
        capacity = draw(st.one_of(st.integers(0, 2), st.lists(st.integers(0, 2), min_size=1, max_size=3)))
        department: dict[str, Any] = {"code": code, "capacity": capacity}
        if draw(st.integers(0, 4)) == 0:
            department["minimum"] = 1
        departments.append(department)
    std, total = draw(standard(codes))
    allowed = [r["department"] for r in std["requirements"]]
    allowed += [c for g in std.get("groups", []) for c in g["departments"] if c not in allowed]
    horizon = draw(st.integers(MAX_PROGRAMME, MAX_PROGRAMME + 2))
    trainees = []
    for i in range(draw(st.integers(2, 3))):
        trainee: dict[str, Any] = {"id": f"t{i + 1}", "standard": "s"}
        leave = total < MAX_PROGRAMME and draw(st.integers(0, 3)) == 0
        length = total + leave
        start = draw(st.integers(0, horizon - length))
        trainee["start"] = start
        if leave:
            trainee["leave"] = [{"start": start + draw(st.integers(0, length - 1)), "months": 1}]
        if planted_conflict and i == draw(st.integers(0, 2)):
            # A block anywhere in the programme, in any department: often impossible to keep.
            code = draw(st.sampled_from(codes))
            months = draw(st.integers(1, 2))
            first = start + draw(st.integers(0, length - 1))
            trainee["fixed"] = [{"department": code, "start": first, "months": months}]
        elif draw(st.integers(0, 3)) == 0:
            code = draw(st.sampled_from(allowed))
            trainee["fixed"] = [
                {"department": code, "start": start + draw(st.integers(0, length - 1)), "months": 1}
            ]
        if draw(st.integers(0, 2)) == 0:
            trainee["preferences"] = [draw(preference(allowed))]
        if draw(st.integers(0, 5)) == 0:
            trainee["previous"] = draw(
                st.lists(st.sampled_from([*allowed, None]), min_size=1, max_size=horizon)
            )
        trainees.append(trainee)
    data = {
        "format": INSTANCE_FORMAT,
        "start_month": "2025-09",
        "horizon_months": horizon,
        "departments": departments,
        "standards": {"s": std},
        "trainees": trainees,
    }
    read_instance(data)  # valid by construction: InstanceError here is a generator bug
    return data


def brute_force_or_none(data: dict[str, Any]) -> tuple[int, int] | str:
    """Brute force's (overload, objective), or the id of the first trainee with no valid row."""
    note(f"instance: {json.dumps(data)}")
    combinations = math.prod(max(1, len(trainee_rows(data, t["id"]))) for t in data["trainees"])
    assume(combinations <= MAX_COMBINATIONS)
    try:
        min_overload, min_objective, _ = brute_force(data)
    except Infeasible as error:
        return error.trainee_id
    return min_overload, min_objective


@_settings(75)
@given(tiny_instances())
def test_bounds_are_true_and_the_solution_is_valid(data: dict[str, Any]) -> None:
    reference = brute_force_or_none(data)
    assume(not isinstance(reference, str))
    assert not isinstance(reference, str)
    min_overload, min_objective = reference
    solution = solve_instance(copy.deepcopy(data), time_limit=TIME_LIMIT)
    note(f"brute force: overload {min_overload}, objective {min_objective}")
    note(f"solution: {solution}")
    assert solution["status"] in ("optimal", "feasible")
    report = check_solution(data, solution)
    assert report.ok, [v.message for v in report.violations + report.mismatches]
    assert solution["overload_lower_bound"] <= min_overload <= solution["overload"]
    assert solution["objective_lower_bound"] <= min_objective <= solution["objective"]
    if solution["overload_settled_seconds"] is not None:  # nothing after settling may give overload back
        assert solution["overload"] == solution["overload_lower_bound"]
    if solution["status"] == "optimal":
        assert solution["objective"] == min_objective


@_settings(100)
@given(tiny_instances(planted_conflict=True))
def test_a_trainee_without_a_valid_row_makes_the_instance_infeasible(data: dict[str, Any]) -> None:
    reference = brute_force_or_none(data)
    assume(isinstance(reference, str))
    solution = solve_instance(copy.deepcopy(data), time_limit=TIME_LIMIT)
    note(f"brute force: trainee {reference} has no valid row")
    note(f"solution: {solution}")
    assert solution["status"] == "infeasible"
    assert check_solution(data, solution).ok
    named = [d for d in solution["diagnostics"] if d["kind"] == "infeasible" and d["trainee"] == reference]
    assert len(named) == 1
    assert named[0]["explanation"].startswith(f"Trainee {reference} ")
    assert named[0]["rules"]
