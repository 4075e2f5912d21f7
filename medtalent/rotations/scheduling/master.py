"""Price and branch: the best schedule that the bound's columns can make, chosen by CP-SAT.

The column-generation LP of `lagrange.py` ends with, for every group of identical trainees, a handful of
rows priced at the LP's duals: rows that fit *together* well, since the duals price every department-month
by how contested it is. Local search re-lays one trainee at a time and cannot see such combinations (two
trainees swapping months to fill an understaffed ICU month, say). Here:

1. **More columns.** The LP's optimum uses few rows per group, too few to combine. Each group gets more
   from the layout oracle against the duals with random noise added: near-optimal rows at the LP's
   prices, different from one another.
2. **Choice.** One CP-SAT model chooses a row for every trainee among those columns and the current
   schedule's rows, under the instance's own objective (overload, underfill, preferences, changes). The
   current schedule is one feasible choice and CP-SAT starts from it, so the result is never worse. The
   model's own bound is not a bound on the instance: it only knows these columns.

On the public N=100 instances this takes the objective from 969 to about 775 against the LP bound of 700.
"""

from __future__ import annotations

import time
from collections import Counter

import numpy as np
from ortools.sat.python import cp_model

from .evaluate import changed_months, preference_cost, row_is_valid
from .trainee import TraineeProblem

WORKERS = 4  # on 2 cores, 4 proved the N=100 choices optimal in 1.5 s where 2 did not in 5 s
NOISE = 0.2  # of the underfill weight: the spread of the noise on each department-month's price
ROUNDS = 10  # noisy layouts per group


def more_columns(
    problems: list[TraineeProblem],
    groups: list[list[int]],
    columns: list[list[np.ndarray]],
    prices: np.ndarray,
    scale: float,
    rng: np.random.Generator,
    deadline: float,
) -> list[list[np.ndarray]]:
    """Each group's columns plus up to ROUNDS valid rows the oracle lays out against noisy prices.

    Round by round over all groups, so a deadline cuts every group's share alike.
    """
    result = [list(candidates) for candidates in columns]
    for _ in range(ROUNDS):
        for members, candidates in zip(groups, result, strict=True):
            if time.monotonic() >= deadline:
                return result
            problem = problems[members[0]]
            found = problem.layout(prices + rng.normal(0.0, scale, prices.shape), tries=3)
            if found is not None and row_is_valid(problem, found[1]):
                candidates.append(found[1])
    return result


def best_combination(
    problems: list[TraineeProblem],
    codes: list[str],
    groups: list[list[int]],
    columns: list[list[np.ndarray]],
    incumbent: list[np.ndarray],
    capacity: np.ndarray,
    minimum: np.ndarray,
    weights: dict[str, int],
    deadline: float,
    max_overload: int,
) -> list[np.ndarray] | None:
    """Rows for every trainee, chosen among each group's columns and the incumbent rows, or None.

    The overload may not exceed `max_overload` (the incumbent's): it comes first, whatever the weights,
    so no saving elsewhere may buy a trainee-month above capacity.

    None when CP-SAT found no schedule by the deadline (building the model counts against it).
    """
    model = cp_model.CpModel()
    options: list[list[tuple[np.ndarray, cp_model.IntVar]]] = []  # per group: (row, how many take it)
    cells: dict[tuple[int, int], list[cp_model.IntVar]] = {}
    most: dict[tuple[int, int], int] = {}  # the largest load each cell could get
    objective: list[cp_model.LinearExpr] = []
    for members, candidates in zip(groups, columns, strict=True):
        problem = problems[members[0]]
        start = problem.trainee.start
        unique: dict[bytes, np.ndarray] = {}
        for row in [incumbent[i] for i in members] + candidates:
            if row.tobytes() not in unique and row_is_valid(problem, row):
                unique[row.tobytes()] = row
        taken = Counter(incumbent[i].tobytes() for i in members)
        group_options = []
        for key, row in unique.items():
            count = model.new_int_var(0, len(members), "")
            model.add_hint(count, taken[key])
            group_options.append((row, count))
            own = preference_cost(problem, row) * weights["preference"]
            own += changed_months(problem, row, codes) * weights["change"]
            if own:
                objective.append(int(own) * count)
            for offset, d in enumerate(row.tolist()):
                if d >= 0:
                    cells.setdefault((d, start + offset), []).append(count)
                    most[d, start + offset] = most.get((d, start + offset), 0) + len(members)
        model.add(cp_model.LinearExpr.sum([count for _, count in group_options]) == len(members))
        options.append(group_options)
    overloads = []
    for (d, t), counts in cells.items():
        cap, least = int(capacity[d, t]), int(minimum[d, t])
        load = cp_model.LinearExpr.sum(counts)
        if most[d, t] > cap:  # the cell can overflow
            over = model.new_int_var(0, most[d, t] - cap, "")
            model.add(load - cap <= over)
            objective.append(weights["overload"] * over)
            overloads.append(over)
        if least > 0:
            under = model.new_int_var(0, least, "")
            model.add(least - load <= under)
            objective.append(weights["underfill"] * under)
    model.add(cp_model.LinearExpr.sum(overloads) <= max_overload)
    model.minimize(cp_model.LinearExpr.sum(objective))
    left = deadline - time.monotonic()
    if left <= 0:
        return None
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = left
    solver.parameters.num_workers = WORKERS
    if solver.solve(model) not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    rows: list[np.ndarray] = [np.empty(0, dtype=np.int64)] * len(problems)
    for members, group_options in zip(groups, options, strict=True):
        _hand_out(members, [(row, solver.value(count)) for row, count in group_options], incumbent, rows)
    return rows


def _hand_out(
    members: list[int],
    chosen: list[tuple[np.ndarray, int]],
    incumbent: list[np.ndarray],
    rows: list[np.ndarray],
) -> None:
    """Give the group's members the chosen rows; each keeps their own row where it was chosen."""
    left = {row.tobytes(): count for row, count in chosen}
    by_key = {row.tobytes(): row for row, _ in chosen}
    waiting = []
    for i in members:
        key = incumbent[i].tobytes()
        if left.get(key, 0):
            rows[i], left[key] = by_key[key].copy(), left[key] - 1
        else:
            waiting.append(i)
    for key, count in left.items():
        for _ in range(count):
            rows[waiting.pop()] = by_key[key].copy()
