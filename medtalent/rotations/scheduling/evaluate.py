"""The solver's own accounting: costs of whole schedules and the hard rules for one trainee's row.

The checker (`checker.py`) recomputes all of this independently from the JSON; the solver keeps its own
fast version on arrays so that it can test thousands of candidate rows while it searches.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .model import Instance
from .trainee import TraineeProblem


@dataclass
class Figures:
    overload: int
    underfill: int
    preference_cost: int
    changed_trainee_months: int
    objective: int


def capacity_arrays(instance: Instance) -> tuple[np.ndarray, np.ndarray]:
    months = range(instance.horizon)
    departments = list(instance.departments.values())
    capacity = np.array([[d.capacity_at(t) for t in months] for d in departments], dtype=np.int64)
    minimum = np.array([[d.minimum_at(t) for t in months] for d in departments], dtype=np.int64)
    return capacity, minimum


def add_row(load: np.ndarray, problem: TraineeProblem, row: np.ndarray, sign: int = 1) -> None:
    months = np.arange(problem.trainee.start, problem.trainee.start + len(row))
    working = row >= 0
    np.add.at(load, (row[working], months[working]), sign)


def preference_cost(problem: TraineeProblem, row: np.ndarray) -> int:
    trainee = problem.trainee
    total = 0
    for preference in trainee.preferences:
        d = problem.department_index[preference.department]
        offsets = np.flatnonzero(row == d)
        if len(offsets) == 0:
            continue
        if preference.prefer == "early":
            total += preference.weight * int(offsets[0])
        elif preference.prefer == "late":
            total += preference.weight * (len(row) - int(offsets[-1]) - 1)
        if preference.not_before is not None:
            total += preference.weight * int((offsets < preference.not_before).sum())
        if preference.not_after is not None:
            total += preference.weight * int((offsets > preference.not_after).sum())
    return total


def changed_months(problem: TraineeProblem, row: np.ndarray, codes: list[str]) -> int:
    previous = problem.trainee.previous
    if not previous:
        return 0
    start = problem.trainee.start
    changed = 0
    for t, before in enumerate(previous):
        offset = t - start
        if 0 <= offset < len(row):
            now: str | None = "LEAVE" if row[offset] < 0 else codes[row[offset]]
        else:
            now = None
        changed += now != before
    return changed


def figures(
    instance: Instance, problems: list[TraineeProblem], rows: list[np.ndarray], codes: list[str]
) -> Figures:
    capacity, minimum = capacity_arrays(instance)
    load = np.zeros_like(capacity)
    for problem, row in zip(problems, rows, strict=True):
        add_row(load, problem, row)
    overload = int(np.maximum(load - capacity, 0).sum())
    underfill = int(np.maximum(minimum - load, 0).sum())
    preferences = sum(preference_cost(p, r) for p, r in zip(problems, rows, strict=True))
    changes = sum(changed_months(p, r, codes) for p, r in zip(problems, rows, strict=True))
    w = instance.weights
    objective = (
        overload * w["overload"]
        + underfill * w["underfill"]
        + preferences * w["preference"]
        + changes * w["change"]
    )
    return Figures(overload, underfill, preferences, changes, objective)


def row_is_valid(problem: TraineeProblem, row: np.ndarray) -> bool:
    """Whether a row keeps every hard rule (see the format's "Exact meanings")."""
    trainee = problem.trainee
    start, end, leave, fixed = trainee.start, trainee.end, trainee.leave, problem.fixed
    if len(row) != end - start:
        return False
    if any(not start <= month < end or month in leave for month in fixed):
        return False
    # One pass: each department's months and the lengths of its runs (leave inside a run does not
    # split it; a month in another department does).
    months: dict[int, list[int]] = {}
    runs: dict[int, list[int]] = {}
    current, length = -1, 0
    for offset, d in enumerate(row.tolist()):
        month = start + offset
        if (month in leave) != (d < 0):
            return False
        if d < 0:
            continue
        if fixed.get(month, d) != d:
            return False
        months.setdefault(d, []).append(offset)
        if d == current:
            length += 1
            continue
        if current >= 0:
            runs.setdefault(current, []).append(length)
        current, length = d, 1
    if current >= 0:
        runs.setdefault(current, []).append(length)
    allowed = set(problem.departments)
    if not set(months) <= allowed:
        return False
    grouped: set[int] = set()
    for group in trainee.standard.groups:
        members = [problem.department_index[c] for c in group.departments]
        grouped.update(members)
        chosen = 0
        for d in members:
            extra = len(months.get(d, [])) - (
                problem.requirement_of[d].months if d in problem.requirement_of else 0
            )
            if extra and not group.min_each <= extra <= group.max_each:
                return False
            chosen += extra
        if chosen != group.months:
            return False
    for d, offsets in months.items():
        requirement = problem.requirement_of.get(d)
        if requirement is not None and d not in grouped and len(offsets) != requirement.months:
            return False
        if requirement is not None and d in grouped and len(offsets) < requirement.months:
            return False
        max_segments = requirement.max_segments if requirement else 1
        min_segment = requirement.min_segment_months if requirement else 1
        if len(runs[d]) > max_segments or min(runs[d]) < min_segment:
            return False
        if requirement is not None:
            if requirement.earliest_start is not None and offsets[0] < requirement.earliest_start:
                return False
            if requirement.latest_end is not None and offsets[-1] >= requirement.latest_end:
                return False
    for d in problem.requirement_of:
        if d not in months:
            return False
    if problem.partner_keys:
        per_key: dict[str, int] = {}
        for d, offsets in months.items():
            key = problem.partner_keys.get(d)
            if key is not None:
                per_key[key] = per_key.get(key, 0) + len(offsets)
        limits = problem.partner_limits
        if sum(per_key.values()) > limits["total"] or any(
            v > limits["per_subspecialty"] for v in per_key.values()
        ):
            return False
    return True
