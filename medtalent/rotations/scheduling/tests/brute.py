"""Brute-force reference solver for tiny instances (at most 3 trainees, programmes of at most 6 months).

It enumerates every row the checker accepts for each trainee, then every combination of rows, and
scores them with the checker's own figures. It has no model, no bound and no cleverness beyond pruning
rows that cannot reach their month counts, so its optimum can be trusted when the real solver's is in
doubt.
"""

from __future__ import annotations

import itertools
from collections import Counter
from typing import Any

from medtalent.rotations.scheduling.checker import (
    LEAVE,
    Programme,
    Row,
    evaluate,
    hard_violations_for_trainee,
    instance_violations,
    overload_and_underfill,
    programme,
    trainee_changes,
    trainee_preference_cost,
    trainee_setup_violations,
    trainees_by_id,
    weights,
)


class Infeasible(Exception):
    """Some trainee has no row that keeps the hard rules."""

    def __init__(self, trainee_id: str) -> None:
        super().__init__(f"Trainee {trainee_id} has no valid row.")
        self.trainee_id = trainee_id


def _ceilings(prog: Programme) -> dict[str, int]:
    """The most months a valid row can put in each allowed department."""
    required = prog.required_months()
    ceilings = dict(required)
    for group in prog.groups:
        most = min(group.get("max_each", group["months"]), group["months"])
        for code in group["departments"]:
            ceilings[code] = ceilings.get(code, 0) + most
    return ceilings


def _months_still_needed(prog: Programme, counts: Counter[str]) -> int:
    """A lower bound on the months the row still has to fill: missing required and group months."""
    required = prog.required_months()
    needed = sum(max(0, months - counts[code]) for code, months in required.items())
    for group in prog.groups:
        used = sum(max(0, counts[code] - required.get(code, 0)) for code in group["departments"])
        needed += max(0, group["months"] - used)
    return needed


def _in_window(prog: Programme, code: str, month: int) -> bool:
    for rule in prog.requirements:
        if rule["department"] != code:
            continue
        if month < prog.start + rule.get("earliest_start", 0):
            return False
        if rule.get("latest_end") is not None and month >= prog.start + rule["latest_end"]:
            return False
    return True


def trainee_rows(instance: dict[str, Any], trainee_id: str) -> list[Row]:
    """Every row the checker accepts for this trainee."""
    trainee = trainees_by_id(instance)[trainee_id]
    if trainee_setup_violations(instance, trainee):
        return []  # the programme itself is broken; no row can help
    prog = programme(instance, trainee)
    row: Row = [None] * instance["horizon_months"]
    free: list[int] = []
    for month in range(prog.start, prog.end):
        if month in prog.leave:
            row[month] = LEAVE
        elif month in prog.fixed:
            row[month] = prog.fixed[month]
        else:
            free.append(month)
    counts = Counter(value for value in row if value is not None and value != LEAVE)
    ceilings = _ceilings(prog)
    choices = sorted(prog.allowed_departments())
    rows: list[Row] = []

    def extend(index: int) -> None:
        if _months_still_needed(prog, counts) > len(free) - index:
            return  # the remaining months cannot cover what is missing
        if index == len(free):
            if not hard_violations_for_trainee(instance, trainee_id, row):
                rows.append(list(row))
            return
        month = free[index]
        for code in choices:
            if counts[code] >= ceilings.get(code, 0) or not _in_window(prog, code, month):
                continue
            row[month] = code
            counts[code] += 1
            extend(index + 1)
            counts[code] -= 1
        row[month] = None

    extend(0)
    return rows


def brute_force(instance: dict[str, Any]) -> tuple[int, int, dict[str, Row]]:
    """(smallest overload, smallest objective, assignments reaching that objective).

    The two minima are taken separately: the best objective may accept some avoidable overload."""
    problems = instance_violations(instance)
    if problems:
        raise ValueError("; ".join(v.message for v in problems))
    candidates: dict[str, list[Row]] = {}
    for trainee_id in trainees_by_id(instance):
        candidates[trainee_id] = trainee_rows(instance, trainee_id)
        if not candidates[trainee_id]:
            raise Infeasible(trainee_id)
    w = weights(instance)
    # A row's own cost (preferences, changes) does not depend on the other trainees.
    own_costs = {
        tid: [
            trainee_preference_cost(instance, trainee, row) * w["preference"]
            + trainee_changes(trainee, row) * w["change"]
            for row in candidates[tid]
        ]
        for tid, trainee in trainees_by_id(instance).items()
    }
    ids = list(candidates)
    best_overload: int | None = None
    best_objective: int | None = None
    best: dict[str, Row] = {}
    for choice in itertools.product(*(range(len(candidates[tid])) for tid in ids)):
        occupancy: Counter[tuple[str, int]] = Counter()
        for tid, index in zip(ids, choice, strict=True):
            for month, value in enumerate(candidates[tid][index]):
                if value is not None and value != LEAVE:
                    occupancy[(value, month)] += 1
        overload, underfill = overload_and_underfill(instance, occupancy)
        objective = overload * w["overload"] + underfill * w["underfill"]
        objective += sum(own_costs[tid][index] for tid, index in zip(ids, choice, strict=True))
        if best_overload is None or overload < best_overload:
            best_overload = overload
        if best_objective is None or objective < best_objective:
            best_objective = objective
            best = {tid: candidates[tid][index] for tid, index in zip(ids, choice, strict=True)}
    assert best_overload is not None
    assert best_objective is not None
    # The shortcut above must agree with the checker's full evaluation.
    assert evaluate(instance, best)["objective"] == best_objective
    return best_overload, best_objective, best
