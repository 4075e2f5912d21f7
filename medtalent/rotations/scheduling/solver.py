"""MedTalent's rotation scheduler: proven overload bound, then search until the schedule meets it.

1. **Read and check** every trainee: the fast oracle (`trainee.py`) or, failing that, the exact CP-SAT
   model (`exact.py`) must find one valid row; if neither can, the instance is infeasible and the
   conflicting rules are reported in words.
2. **Bound** (`bound.py`): the overload and objective no schedule can beat.
3. **Build**: trainees are inserted one by one against load-aware costs. When re-planning, a trainee's
   previous row is kept whenever it is still valid, so nothing moves without a reason; one whose
   previous row broke is laid out for the fewest changes, capacity aside (the oracle's row or the
   check's, else the exact model with the trainee's own costs: on the bench's leave wave this takes
   the changed months from about 370 to about 320).
4. **Repair**. When re-planning, first the minimum-change repair (`replan.py`): block moves for every
   trainee in or next to an overloaded cell, chosen together by CP-SAT for the fewest changes. Then
   guided local search: take a trainee out of an overloaded department-month and lay them out again;
   cells that stay overloaded grow more expensive, so the search leaves local minima. Stops as soon as
   the overload equals its bound.
5. **Fewer changes** (re-plans, `replan.fewer_changes`): with the overload settled, CP-SAT offers the
   changed trainees their previous months back, and the trainees of the full cells that needs moves
   out, without letting any cell's overload grow: swaps that no single trainee can undo alone.
6. **Polish**: with the overload settled, re-lay trainees for preferences, minimum staffing and fewer
   changes (a still-valid previous row is always one candidate), keeping a new row only if the
   objective does not get worse.
7. **Objective bound, then price and branch**: the column-generation LP of `lagrange.py` proves the
   objective's bound, and `master.py` lets CP-SAT choose every trainee's row among its columns (the
   overload capped at the one reached), in rounds until the deadline.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .bound import LowerBounds
from .evaluate import add_row, capacity_arrays, changed_months, figures, preference_cost, row_is_valid
from .exact import solve_trainee
from .master import NOISE, best_combination, more_columns
from .model import SOLUTION_FORMAT, read_instance
from .replan import fewer_changes
from .replan import repair as minimum_change_repair
from .trainee import TraineeProblem, compile_trainees

Progress = Callable[[dict[str, Any]], bool | None]
STALL_SECONDS = 0.3  # repair time without progress before departments' bounds are (re)computed
REPLAN_SECONDS = 1.0  # CP-SAT's time for one round of minimum-change repair
WRAP_UP_SECONDS = 0.15  # kept at the end for the final figures and diagnostics (0.1 s at N=3000)
MIN_BOUND_SECONDS = 0.25  # less than this left: no Lagrangian round (it could not finish)
MIN_COMBINE_SECONDS = 0.3  # less than this left: no price-and-branch (it could not finish)
COLUMNS_SHARE = 0.3  # of price-and-branch's time, for more columns; CP-SAT's choice gets the rest
OBJECTIVE_BOUND_SHARE = 0.3  # of the time left once the overload is settled
FEWEST_CHANGES_SECONDS = 0.5  # the exact model's time for a broken row's fewest changes
FEWER_CHANGES_SHARE = 0.5  # of the time left once a re-plan's overload is settled, to take changes back


class Cancelled(Exception):
    pass


class Undecided(RuntimeError):
    """CP-SAT could neither lay out a trainee nor prove their rules conflict within its time."""

    def __init__(self, trainee_id: str) -> None:
        super().__init__(
            f"Could not decide in time whether trainee {trainee_id}'s rules can all hold; "
            "try a longer time limit."
        )
        self.trainee_id = trainee_id


@dataclass
class _State:
    rows: list[np.ndarray]
    load: np.ndarray


def solve_instance(
    data: dict[str, Any], *, time_limit: float = 10.0, seed: int = 0, progress: Progress | None = None
) -> dict[str, Any]:
    """Solve an instance (parsed JSON) and return a solution (JSON-ready dict).

    `progress(report)` is called now and then with the phase, percent done and the best figures so far;
    returning False cancels the run (it raises `Cancelled`).
    """
    started = time.monotonic()
    deadline = started + time_limit - min(WRAP_UP_SECONDS, 0.05 * time_limit)  # then the final figures
    instance = read_instance(data)
    codes, problems = compile_trainees(instance)
    capacity, minimum = capacity_arrays(instance)
    weights = instance.weights
    reporter = _Reporter(progress, started, deadline)

    reporter("check", 0)
    kept = [_kept_row(problem) for problem in problems]
    checked: dict[int, np.ndarray] = {}  # rows the check found, for trainees without a kept row
    diagnostics = _infeasible_trainees(problems, codes, kept, checked)
    if diagnostics:
        return {
            "format": SOLUTION_FORMAT,
            "status": "infeasible",
            "assignments": {},
            "diagnostics": diagnostics,
            "elapsed_seconds": round(time.monotonic() - started, 3),
        }

    reporter("build", 5)
    rng = np.random.default_rng(seed)
    search = _Search(problems, codes, capacity, minimum, weights, rng)
    search.build(kept, checked)
    bounds = LowerBounds(instance, problems, capacity, minimum)
    # The soft costs' floors now, while there is time: at N=3000 they take 0.6 s, which at the end of a
    # run that never settled would come after the deadline.
    reporter.bounds(bounds.total_overload(), bounds.objective())
    best_rows = [row.copy() for row in search.rows]
    best = figures(instance, problems, best_rows, codes)
    reporter.best(best.overload, best.objective)

    # Repair: guided local search on the departments whose overload is still above their own bound.
    # Bounds are computed only for departments the search cannot clear by itself: when it stalls, with
    # a time budget that doubles each time.
    best_overload = best.overload
    if search.replanning:
        # A re-plan first tries block moves chosen together for the fewest changes (replan.py); the
        # guided search below then only finishes what they leave.
        while best_overload > 0 and time.monotonic() < deadline:
            seconds = min(REPLAN_SECONDS, max(0.05, deadline - time.monotonic()))
            if not minimum_change_repair(search, seconds) or (current := search.overload()) > best_overload:
                break
            best_rows = [row.copy() for row in search.rows]
            if current == best_overload:
                break
            best_overload = current
            reporter.best(best_overload, None)
    settled_at = None
    budget, stalled_since = 0.1, time.monotonic()
    while True:
        if best_overload == bounds.total_overload():
            settled_at = time.monotonic() - started
            break
        if time.monotonic() >= deadline:
            break
        if time.monotonic() - stalled_since > STALL_SECONDS:
            for d in np.flatnonzero(search.department_overload()):
                bounds.department(int(d), time_limit=min(budget, max(0.05, deadline - time.monotonic())))
            reporter.bounds(bounds.total_overload(), bounds.objective())
            budget, stalled_since = budget * 2, time.monotonic()
            continue
        search.repair_step(bounds)
        if (current := search.overload()) < best_overload:
            best_rows, best_overload = [row.copy() for row in search.rows], current
            stalled_since = time.monotonic()
            reporter.best(best_overload, None)
        reporter("repair", 10 + 70 * _share(started, deadline))
    reporter.bounds(bounds.total_overload(), bounds.objective())

    # Polish the soft objective without giving back overload, pass after pass while it pays.
    search.reset_to(best_rows)
    best = figures(instance, problems, best_rows, codes)
    reporter.best(best.overload, best.objective)
    if search.replanning and settled_at is not None:
        # A re-plan's overload is settled: take back changes that are no longer needed.
        until = time.monotonic() + FEWER_CHANGES_SHARE * (deadline - time.monotonic())
        while (left := until - time.monotonic()) > 0.05 and fewer_changes(search, left):
            final = figures(instance, problems, search.rows, codes)
            if (final.overload, final.objective) >= (best.overload, best.objective):
                search.reset_to(best_rows)
                break
            best_rows, best = [row.copy() for row in search.rows], final
            reporter.best(best.overload, best.objective)
    # Once the overload is settled, the objective's bound gets the time polishing leaves, at least a share.
    reserve = OBJECTIVE_BOUND_SHARE * (deadline - time.monotonic())
    polish_until = deadline - reserve if settled_at is not None else min(deadline, time.monotonic() + 0.5)
    improved = True
    while improved and best.objective > bounds.objective() and time.monotonic() < polish_until:
        improved = False
        for i in rng.permutation(len(problems)):
            if time.monotonic() >= polish_until:
                break
            improved |= search.polish(int(i))
            reporter("polish", 80 + 20 * _share(started, deadline))
        final = figures(instance, problems, search.rows, codes)
        if (final.overload, final.objective) < (best.overload, best.objective):
            best_rows, best = [row.copy() for row in search.rows], final
            reporter.best(best.overload, best.objective)
    # The objective's bound (the column-generation LP) until it converges, then price and branch on what
    # is left. A Lagrangian round needs its columns seeded and the LP solved before it proves anything:
    # with less time than that left, starting one would only run past the deadline.
    left = deadline - time.monotonic()
    if settled_at is not None and best.objective > bounds.objective() and left > MIN_BOUND_SECONDS:
        bounds.refine_objective(best_rows, time_limit=left)
    objective_bound = bounds.objective()
    lp = bounds.lagrangian
    columns = lp.column_rows if lp is not None else []
    # Rounds of price and branch: each adds noisy columns and lets CP-SAT choose again. A round that proves
    # its choice the best of its columns before the deadline leaves time for another, with more columns.
    while (
        lp is not None
        and best.objective > objective_bound
        and deadline - time.monotonic() > MIN_COMBINE_SECONDS
    ):
        reporter("combine", 95)
        columns_until = time.monotonic() + COLUMNS_SHARE * (deadline - time.monotonic())
        scale = NOISE * weights["underfill"]
        columns = more_columns(problems, lp.groups, columns, lp.last_prices, scale, rng, columns_until)
        rows = best_combination(
            problems,
            codes,
            lp.groups,
            columns,
            best_rows,
            capacity,
            minimum,
            weights,
            deadline,
            best.overload,
        )
        if rows is not None and (
            (combined := figures(instance, problems, rows, codes)).overload,
            combined.objective,
        ) < (best.overload, best.objective):
            best_rows, best = rows, combined
            reporter.best(best.overload, best.objective)

    solution = {
        "format": SOLUTION_FORMAT,
        "status": "optimal" if best.objective == objective_bound else "feasible",
        "assignments": {
            p.trainee.id: p.codes(row, codes) for p, row in zip(problems, best_rows, strict=True)
        },
        "overload": best.overload,
        "overload_lower_bound": bounds.total_overload(),
        "underfill": best.underfill,
        "preference_cost": best.preference_cost,
        "objective": best.objective,
        "objective_lower_bound": objective_bound,
        "changed_trainee_months": best.changed_trainee_months,
        "overload_settled_seconds": None if settled_at is None else round(settled_at, 3),
        "diagnostics": _overload_diagnostics(problems, best_rows, capacity, codes),
    }
    solution["elapsed_seconds"] = round(time.monotonic() - started, 3)
    reporter("done", 100)
    return solution


def _share(started: float, deadline: float) -> float:
    total = max(deadline - started, 1e-9)
    return min(1.0, (time.monotonic() - started) / total)


class _Reporter:
    def __init__(self, progress: Progress | None, started: float, deadline: float) -> None:
        self.progress = progress
        self.started = started
        self.deadline = deadline
        self.figures: dict[str, Any] = {}
        self.last = 0.0

    def bounds(self, overload: int, objective: int) -> None:
        self.figures.update(overload_lower_bound=overload, objective_lower_bound=objective)

    def best(self, overload: int, objective: int | None) -> None:
        self.figures["overload"] = overload
        if objective is not None:
            self.figures["objective"] = objective

    def __call__(self, phase: str, percent: float) -> None:
        now = time.monotonic()
        if self.progress is None or (now - self.last < 0.25 and phase not in ("done", "check")):
            return
        self.last = now
        report = {"phase": phase, "percent": int(percent), "elapsed_seconds": round(now - self.started, 2)}
        report.update(self.figures)
        if self.progress(report) is False:
            raise Cancelled


class _Search:
    def __init__(self, problems, codes, capacity, minimum, weights, rng) -> None:
        self.problems: list[TraineeProblem] = problems
        self.codes = codes
        self.capacity = capacity
        self.minimum = minimum
        self.weights = weights
        self.rng = rng
        self.penalty = np.zeros(capacity.shape)
        self.load = np.zeros(capacity.shape, dtype=np.int64)
        self.rows: list[np.ndarray] = [np.empty(0, dtype=np.int64)] * len(problems)
        self.members: dict[tuple[int, int], set[int]] = {}
        self.replanning = any(problem.trainee.previous for problem in problems)
        self.kept: list[np.ndarray | None] = [None] * len(problems)  # still-valid previous rows
        # Re-planned trainees whose previous row broke: the row built for them (fewest changes found,
        # capacity aside), which later rounds may offer them back.
        self.fewest: dict[int, np.ndarray] = {}

    # -- bookkeeping ---------------------------------------------------------------------------------

    def place(self, i: int, row: np.ndarray) -> None:
        problem = self.problems[i]
        self.rows[i] = row
        add_row(self.load, problem, row)
        for offset, d in enumerate(row):
            if d >= 0:
                self.members.setdefault((int(d), problem.trainee.start + offset), set()).add(i)

    def take_out(self, i: int) -> np.ndarray:
        problem = self.problems[i]
        row = self.rows[i]
        add_row(self.load, problem, row, -1)
        for offset, d in enumerate(row):
            if d >= 0:
                self.members[int(d), problem.trainee.start + offset].discard(i)
        return row

    def overload(self) -> int:
        return int(np.maximum(self.load - self.capacity, 0).sum())

    def reset_to(self, rows: list[np.ndarray]) -> None:
        self.load[:] = 0
        self.members = {}
        for i, row in enumerate(rows):
            self.place(i, row.copy())

    # -- costs ---------------------------------------------------------------------------------------

    def marginal_cost(self, guided: bool) -> np.ndarray:
        """What adding one trainee to each department-month costs, given everyone else.

        Guided (building and repairing), a full cell also costs its accumulated penalty, and every cell
        a little for how full it is, so that trainees alike spread out instead of queueing for the same
        months; the spread term stays below one overload.
        """
        full = self.load >= self.capacity
        overload = self.weights["overload"]
        short = self.load < self.minimum
        cost = (
            full * (overload * (1.0 + (self.penalty if guided else 0.0))) - short * self.weights["underfill"]
        )
        if guided:
            cost = cost + (overload / 100.0) * self.load / np.maximum(self.capacity, 1)
        return cost

    def row_cost(self, i: int, row: np.ndarray, shared: np.ndarray) -> float:
        problem = self.problems[i]
        months = np.arange(problem.trainee.start, problem.trainee.start + len(row))
        working = row >= 0
        own = preference_cost(problem, row) * self.weights["preference"]
        own += changed_months(problem, row, self.codes) * self.weights["change"]
        return float(shared[row[working], months[working]].sum()) + own

    def lay_out(
        self, i: int, shared: np.ndarray, tries: int = 3, fallback: np.ndarray | None = None
    ) -> np.ndarray:
        problem = self.problems[i]
        found = problem.layout(shared, tries)
        if found is not None and row_is_valid(problem, found[1]):
            return found[1]
        if fallback is not None:
            return fallback
        exact = solve_trainee(problem, self.codes, shared, time_limit=2.0)
        if exact.row is None:  # feasibility was proven up front, so only a timeout gets here
            exact = solve_trainee(problem, self.codes, None, time_limit=30.0)
        if exact.row is None:
            raise Undecided(problem.trainee.id)
        return exact.row

    # -- phases --------------------------------------------------------------------------------------

    def build(self, kept: list[np.ndarray | None], checked: dict[int, np.ndarray]) -> None:
        """Insert every trainee; keep a still-valid previous row, lay out the most constrained first.

        `checked` holds rows the feasibility check found: a re-planned trainee falls back on theirs
        (laid out for the fewest changes) rather than on the exact model.
        """
        self.kept = kept
        fresh = []
        for i, previous in enumerate(kept):
            if previous is not None:
                self.place(i, previous.copy())
            else:
                fresh.append(i)
        fresh.sort(key=lambda i: (self.problems[i].configuration_count, self.rng.random()))
        for i in fresh:
            if self.problems[i].trainee.previous:
                # A re-planned trainee whose previous row broke (new leave, say) keeps as much of it as
                # their rules allow; the overload that makes is the minimum-change repair's to clear,
                # with everyone's moves weighed together. Minimum staffing still counts.
                cost = (self.load < self.minimum) * -float(self.weights["underfill"])
                self.fewest[i] = self.fewest_changes(i, cost, checked.get(i))
                self.place(i, self.fewest[i].copy())
            else:
                self.place(i, self.lay_out(i, self.marginal_cost(guided=True), tries=1))

    def fewest_changes(self, i: int, shared: np.ndarray, checked: np.ndarray | None) -> np.ndarray:
        """A row for a re-planned trainee whose previous row broke, for the fewest changes (their own
        costs and `shared` count, capacity does not): the oracle's or the check's row (`checked`, laid
        out for the fewest changes), whichever costs less; failing both, the exact model's."""
        problem = self.problems[i]
        candidates = [] if checked is None else [checked]
        found = problem.layout(shared, tries=1)
        if found is not None and row_is_valid(problem, found[1]):
            candidates.append(found[1])
        if candidates:
            return min(candidates, key=lambda row: self.row_cost(i, row, shared))
        exact = _fewest_changes_exactly(problem, self.codes, shared)
        return exact if exact is not None else self.lay_out(i, shared, tries=1)

    def department_overload(self) -> np.ndarray:
        return np.maximum(self.load - self.capacity, 0).sum(axis=1)

    def repair_step(self, bounds: LowerBounds) -> None:
        """Re-lay one trainee from an overloaded cell of a department still above its bound."""
        still_open = bounds.open_departments(self.department_overload())
        over = np.argwhere(self.load[still_open] > self.capacity[still_open])
        if len(over) == 0:
            return
        over[:, 0] = np.array(still_open)[over[:, 0]]
        for d, t in over:
            self.penalty[d, t] += 1.0
        d, t = over[self.rng.integers(len(over))]
        candidates = sorted(self.members.get((int(d), int(t)), ()))
        if not candidates:
            return
        i = candidates[self.rng.integers(len(candidates))]
        old = self.take_out(i)
        shared = self.marginal_cost(guided=True)
        new = self.lay_out(i, shared)
        self.place(i, new if self.row_cost(i, new, shared) <= self.row_cost(i, old, shared) + 1e-9 else old)

    def polish(self, i: int) -> bool:
        """Re-lay one trainee against the true costs; keep the new row only if it is strictly better."""
        old = self.take_out(i)
        shared = self.marginal_cost(guided=False)
        best, lowest = old, self.row_cost(i, old, shared) - 1e-9
        # The still-valid previous row is a candidate of its own: the oracle need not find it.
        for candidate in (self.lay_out(i, shared), self.kept[i]):
            if candidate is not None and (cost := self.row_cost(i, candidate, shared)) < lowest:
                best, lowest = candidate, cost
        self.place(i, best.copy() if best is self.kept[i] else best)
        return best is not old


def _previous_row(problem: TraineeProblem) -> np.ndarray | None:
    trainee = problem.trainee
    if len(trainee.previous) < trainee.end:
        return None
    row = []
    for month in range(trainee.start, trainee.end):
        code = trainee.previous[month]
        if code is None:
            return None
        row.append(-1 if code == "LEAVE" else problem.department_index[code])
    return np.array(row, dtype=np.int64)


def _kept_row(problem: TraineeProblem) -> np.ndarray | None:
    """The trainee's previous row if it is complete and still keeps every hard rule."""
    previous = _previous_row(problem)
    return previous if previous is not None and row_is_valid(problem, previous) else None


def _infeasible_trainees(
    problems: list[TraineeProblem],
    codes: list[str],
    kept: list[np.ndarray | None],
    checked: dict[int, np.ndarray],
) -> list[dict[str, Any]]:
    """Trainees whose own rules cannot all hold, each with the conflicting rules in words.

    Trainees alike (same kind) share the verdict, so each kind is solved once and all its trainees are
    named. The rows found on the way go into `checked`.
    """
    verdicts: dict[tuple, list | None] = {}
    diagnostics = []
    for i, (problem, row) in enumerate(zip(problems, kept, strict=True)):
        if problem.kind not in verdicts:
            if row is not None:
                verdicts[problem.kind] = None
            else:
                verdicts[problem.kind], found = _conflict(problem, codes)
                if found is not None:
                    checked[i] = found
        rules = verdicts[problem.kind]
        if rules is None:
            continue
        trainee = problem.trainee
        diagnostics.append(
            {
                "kind": "infeasible",
                "trainee": trainee.id,
                "rules": [{"kind": r.kind, "department": r.department, **r.details} for r in rules],
                "explanation": (
                    f"Trainee {trainee.id} ({trainee.standard.code}, months {trainee.start} to "
                    f"{trainee.end - 1}) cannot meet these rules together: "
                    + "; ".join(r.text for r in rules)
                    + "."
                ),
            }
        )
    return diagnostics


def _fewest_changes_exactly(
    problem: TraineeProblem, codes: list[str], shared: np.ndarray
) -> np.ndarray | None:
    """The exact model's row for the least `shared` cost plus the trainee's own (changes first); None if
    it finds none in its short time."""
    cost = shared.copy()
    cost[np.ix_(np.array(problem.departments), problem.free)] += problem.own_cost
    return solve_trainee(problem, codes, cost, time_limit=FEWEST_CHANGES_SECONDS).row


def _conflict(problem: TraineeProblem, codes: list[str]) -> tuple[list | None, np.ndarray | None]:
    """(None, a valid row) when the trainee has one (the oracle's is the fewest changes and least
    preference cost it finds, and so is the exact model's for a re-planned trainee); else (the rules
    that conflict, None)."""
    if problem.configuration_count:
        found = problem.layout(np.zeros((len(codes), problem.horizon)), tries=5)
        if found is not None and row_is_valid(problem, found[1]):
            return None, found[1]
    exact = solve_trainee(problem, codes, None, time_limit=10.0)
    if exact.row is None and not exact.conflict:  # a timeout proves nothing either way
        exact = solve_trainee(problem, codes, None, time_limit=60.0)
        if exact.row is None and not exact.conflict:
            raise Undecided(problem.trainee.id)
    if exact.row is not None and problem.trainee.previous:
        # The check only asked for a row; a re-planned trainee falls back on it, so ask for few changes.
        fewest = _fewest_changes_exactly(problem, codes, np.zeros((len(codes), problem.horizon)))
        return None, fewest if fewest is not None else exact.row
    return (None, exact.row) if exact.row is not None else (exact.conflict, None)


def _overload_diagnostics(problems, rows, capacity, codes) -> list[dict[str, Any]]:
    load = np.zeros_like(capacity)
    for problem, row in zip(problems, rows, strict=True):
        add_row(load, problem, row)
    diagnostics = []
    excess = np.maximum(load - capacity, 0)
    for d in np.flatnonzero(excess.sum(axis=1)):
        months = [int(t) for t in np.flatnonzero(excess[d])]
        total = int(excess[d].sum())
        diagnostics.append(
            {
                "kind": "overload",
                "department": codes[d],
                "months": months,
                "excess": total,
                "explanation": (
                    f"{codes[d]} has {total} trainee-month(s) above its capacity in month(s) "
                    + ", ".join(str(t) for t in months)
                    + "."
                ),
            }
        )
    return diagnostics
