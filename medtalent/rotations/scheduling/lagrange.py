"""A proven lower bound on the whole objective: column generation, certified by Lagrangian relaxation.

Only the department-month coupling (capacity and minimum staffing) ties trainees together. Price each
trainee-month in department d at month t with λ[d, t] - μ[d, t], where 0 <= λ <= w_overload and
0 <= μ <= w_underfill. Because w_overload · max(0, load - capacity) >= λ · (load - capacity) and
w_underfill · max(0, minimum - load) >= μ · (minimum - load), every schedule costs at least

    Σ_trainees min_row [own cost(row) + Σ (λ - μ)[d, t] over the row's months] - Σ λ·capacity + Σ μ·minimum

for *any* such λ, μ, provided each per-trainee minimum is exact or itself a lower bound. Good multipliers
come from a column-generation LP (GLOP): one convexity row per group of trainees with identical data
(they share one pricing problem), one overload and one underfill row per department-month; its duals are
λ and μ. Its columns come from the fast layout oracle (`trainee.py`) and from the exact pricing below.

The bound never trusts the heuristic oracle: the per-trainee minimum in the bound is `_Pricer.minimum`,
a branch and bound over every way to split the trainee's months into parts (elective choices, segment
splits) with an exact dynamic programme over the order of the parts. Parts whose costs are identical
share one class of that programme, which is exact; when the state space would grow too large, parts of
one length are pooled and each place is priced by the cheapest of them, a relaxation, so the result is
still a lower bound. Rules the parts do not express exactly (segments next to fixed blocks, an early or
late preference on a split department) are relaxed the same way, never tightened.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass

import numpy as np
from ortools.linear_solver import pywraplp

from .evaluate import changed_months, preference_cost
from .trainee import Part, TraineeProblem, _state_space

MAX_STATES = 20000  # beyond this many states, parts of one length are pooled (a relaxation)
TOLERANCE = 1e-6


@dataclass
class _Part:
    department: int
    length: int
    early: bool  # carries the department's early preference cost
    late: bool  # carries its late preference cost


class _Pricer:
    """One pricing problem: a trainee (and every trainee with identical data), against month prices."""

    def __init__(self, problem: TraineeProblem, codes: list[str]) -> None:
        self.problem = problem
        self.codes = codes
        self.position = {d: k for k, d in enumerate(problem.departments)}
        self.parts: list[_Part] = []
        self.configurations = self._configurations()
        self.incidence = np.zeros((len(self.configurations), len(self.parts)))
        for c, members in enumerate(self.configurations):
            for k in members:
                self.incidence[c, k] += 1
        self.constant = self._constant()

    # -- every way to split the free months into parts -----------------------------------------------

    def _configurations(self) -> list[tuple[int, ...]]:
        problem = self.problem
        fixed_count: dict[int, int] = {}
        for d in problem.fixed.values():
            fixed_count[d] = fixed_count.get(d, 0) + 1
        index: dict[tuple[int, int, bool, bool], int] = {}
        options: dict[tuple[int, int], list[list[tuple[int, int, bool, bool]]]] = {}
        result = []
        for months in problem.month_totals(fixed_count):
            per_department = []
            for d, total in months.items():
                remaining = total - fixed_count.get(d, 0)
                if remaining <= 0:
                    continue
                if (d, remaining) not in options:
                    options[d, remaining] = [
                        variant
                        for split in self._splits(d, remaining)
                        for variant in self._charges(d, split, fixed_count)
                    ]
                per_department.append(options[d, remaining])
            for combo in itertools.product(*per_department):
                result.append(tuple(index.setdefault(part, len(index)) for parts in combo for part in parts))
        self.parts = [_Part(*key) for key in index]
        return result

    def _charges(
        self, d: int, split: tuple[int, ...], fixed_count: dict[int, int]
    ) -> list[list[tuple[int, int, bool, bool]]]:
        """The department's parts, once per choice of which part carries its early and its late cost.

        Charging one part with the early cost overestimates unless it is the first one, so the cheapest
        choice is exact. With fixed months in the department no part carries them (a relaxation).
        """
        early, late = self.problem.start_end_weights.get(d, (0, 0))
        if d in fixed_count:
            early = late = 0
        first = range(len(split)) if early else [None]
        last = range(len(split)) if late else [None]
        variants = set()
        for i, j in itertools.product(first, last):
            variants.add(tuple(sorted((d, length, k == i, k == j) for k, length in enumerate(split))))
        return [list(v) for v in variants]

    def _splits(self, d: int, remaining: int) -> list[tuple[int, ...]]:
        """Lengths of the free runs department d may have (non-increasing), a superset of the valid ones.

        Without fixed months each run is a segment: at most max_segments runs of min_segment months or
        more. Fixed runs may absorb up to two free runs each and short ones: then only the count of runs
        is limited, a relaxation.
        """
        requirement = self.problem.requirement_of.get(d)
        max_segments = requirement.max_segments if requirement else 1
        shortest = requirement.min_segment_months if requirement else 1
        fixed_runs = self.problem._fixed_runs(d)
        if fixed_runs:
            max_segments, shortest = 2 * fixed_runs + max_segments - 1, 1
        return [split for k in range(1, max_segments + 1) for split in _partitions(remaining, k, shortest)]

    def _constant(self) -> float:
        """Own costs of the months no choice touches: leave, fixed blocks, months outside the programme.

        (The prices of the fixed months are added when pricing.)
        """
        problem = self.problem
        trainee = problem.trainee
        free = set(problem.free.tolist())
        changes = 0
        for t, before in enumerate(trainee.previous):
            if t in free:
                continue
            if not trainee.start <= t < trainee.end:
                now = None
            elif t in trainee.leave:
                now = "LEAVE"
            else:
                now = self.codes[problem.fixed[t]]
            changes += now != before
        preference = 0
        for p in trainee.preferences:
            d = problem.department_index[p.department]
            for month, fixed in problem.fixed.items():
                offset = month - trainee.start
                if fixed == d and p.not_before is not None and offset < p.not_before:
                    preference += p.weight
                if fixed == d and p.not_after is not None and offset > p.not_after:
                    preference += p.weight
        return float(changes * problem.change_weight + preference * problem.preference_weight)

    # -- pricing -------------------------------------------------------------------------------------

    def block_costs(self, shared: np.ndarray) -> list[np.ndarray]:
        """Per part: the cost of starting it at each free-month index (inf where it may not start)."""
        problem = self.problem
        free = problem.free
        count = len(free)
        cost = shared[np.ix_(np.array(problem.departments), free)] + problem.own_cost
        cumulative = np.zeros((cost.shape[0], count + 1))
        np.cumsum(cost, axis=1, out=cumulative[:, 1:])
        result = []
        for part in self.parts:
            row = cumulative[self.position[part.department]]
            costs = row[part.length :] - row[: count + 1 - part.length]
            early, late = problem.start_end_weights.get(part.department, (0, 0))
            if part.early:
                costs = costs + early * (free[: len(costs)] - problem.trainee.start)
            if part.late:
                costs = costs + late * (problem.trainee.end - free[part.length - 1 :] - 1)
            starts = problem.allowed_starts(part.department, part.length, False)
            if starts is not None:
                mask = np.full(len(costs), np.inf)
                mask[list(starts)] = 0.0
                costs = costs + mask
            padded = np.full(count + 1, np.inf)
            padded[: len(costs)] = costs
            result.append(padded)
        return result

    def minimum(self, shared: np.ndarray, deadline: float) -> tuple[float, np.ndarray | None]:
        """A lower bound on the trainee's cheapest row against `shared`, and a row when one was found.

        The bound is exact when every configuration was priced exactly before the deadline.
        """
        problem = self.problem
        constant = self.constant + sum(float(shared[d, month]) for month, d in problem.fixed.items())
        if len(problem.free) == 0:
            return constant, problem.row_from({})
        if not self.configurations:
            return math.inf, None
        blocks = self.block_costs(shared)
        cheapest = np.array([b.min() for b in blocks])
        scores = self.incidence @ np.where(np.isfinite(cheapest), cheapest, 0.0)
        scores[self.incidence[:, ~np.isfinite(cheapest)].any(axis=1)] = np.inf
        order = np.argsort(scores, kind="stable")
        best, best_placed = math.inf, None
        done: dict[tuple, float] = {}
        for c in order:
            score = float(scores[c])
            if score >= best - TOLERANCE or not math.isfinite(score):
                break
            if time.monotonic() > deadline:
                best = min(best, score)  # what is left costs at least its score
                best_placed = None
                break
            members = self.configurations[c]
            signature = tuple(sorted((self.parts[k].length, blocks[k].tobytes()) for k in members))
            if signature in done:
                continue
            value, placed = _cheapest_order([(self.parts[k].length, blocks[k], k) for k in members])
            value = max(value, score)
            done[signature] = value
            if value < best:
                best, best_placed = value, placed
        row = None
        if best_placed is not None:
            parts = self.parts
            row = problem.row_from(
                {p: Part(parts[k].department, parts[k].length, None) for p, k in best_placed.items()}
            )
        return best + constant, row


def _partitions(total: int, count: int, shortest: int, largest: int | None = None) -> list[tuple[int, ...]]:
    """Non-increasing tuples of `count` integers, each at least `shortest`, adding up to `total`."""
    largest = total if largest is None else largest
    if count == 1:
        return [(total,)] if shortest <= total <= largest else []
    result = []
    for first in range(min(largest, total - shortest * (count - 1)), shortest - 1, -1):
        if first * count < total:
            break
        result += [(first, *rest) for rest in _partitions(total - first, count - 1, shortest, first)]
    return result


def _cheapest_order(parts: list[tuple[int, np.ndarray, int]]) -> tuple[float, dict[int, int] | None]:
    """The cheapest order of parts (length, cost per start, id) over the free months: a lower bound.

    Parts of one length with identical costs form one class (exact). While the state space is too large,
    the two classes of one length whose costs differ least are pooled, each start priced by the cheaper
    (a relaxation). Returns the value and, when the programme stayed exact, start -> part id.
    """
    classes: list[tuple[int, np.ndarray, list[int]]] = []
    for length, costs, k in parts:
        for length_c, costs_c, members in classes:
            if length_c == length and np.array_equal(costs_c, costs):
                members.append(k)
                break
        else:
            classes.append((length, costs, [k]))
    exact = True
    while math.prod(len(m) + 1 for _, _, m in classes) > MAX_STATES:
        pair = _closest_pair(classes)
        if pair is None:
            return -math.inf, None  # nothing left to pool: the caller falls back on the parts' minima
        a, b = pair
        length, costs_a, members_a = classes[a]
        _, costs_b, members_b = classes[b]
        classes[a] = (length, np.minimum(costs_a, costs_b), members_a + members_b)
        del classes[b]
        exact = False
    shape = tuple((length, len(members)) for length, _, members in classes)
    counts, radix, position, waves = _state_space(shape)
    free_count = len(classes[0][1]) - 1
    if int(position[-1]) != free_count:
        return math.inf, None
    cost = np.full(len(counts), np.inf)
    cost[0] = 0.0
    for wave in waves[:-1]:
        states = wave[np.isfinite(cost[wave])]
        if len(states) == 0:
            return math.inf, None
        for c, (_, limit) in enumerate(shape):
            movable = states[counts[states, c] < limit]
            if len(movable):
                successors = movable + radix[c]
                candidate = cost[movable] + classes[c][1][position[movable]]
                cost[successors] = np.minimum(cost[successors], candidate)
    value = float(cost[-1])
    if not exact or not math.isfinite(value):
        return value, None
    placed: dict[int, int] = {}
    state, taken = len(counts) - 1, [0] * len(classes)
    while state != 0:
        for c in range(len(classes)):
            if counts[state, c] == 0:
                continue
            previous = state - radix[c]
            step = cost[previous] + classes[c][1][position[previous]]
            if abs(step - cost[state]) <= TOLERANCE * max(1.0, abs(cost[state])):
                placed[int(position[previous])] = classes[c][2][taken[c]]
                taken[c] += 1
                state = previous
                break
        else:  # pragma: no cover - floating ties only
            return value, None
    return value, placed


def _closest_pair(classes: list[tuple[int, np.ndarray, list[int]]]) -> tuple[int, int] | None:
    best, pair = math.inf, None
    for a, b in itertools.combinations(range(len(classes)), 2):
        if classes[a][0] != classes[b][0]:
            continue
        ca, cb = classes[a][1], classes[b][1]
        both = np.isfinite(ca) & np.isfinite(cb)
        gap = float(np.abs(ca[both] - cb[both]).sum()) + float((np.isfinite(ca) != np.isfinite(cb)).sum())
        if gap < best:
            best, pair = gap, (a, b)
    return pair


class ObjectiveBound:
    """The column-generation LP and the certified Lagrangian bound it leads to."""

    def __init__(
        self,
        problems: list[TraineeProblem],
        codes: list[str],
        capacity: np.ndarray,
        minimum: np.ndarray,
        weights: dict[str, int],
    ) -> None:
        self.problems = problems
        self.codes = codes
        self.capacity = capacity
        self.minimum = minimum
        self.weights = weights
        groups: dict[tuple, list[int]] = {}
        for i, problem in enumerate(problems):
            trainee = problem.trainee
            groups.setdefault((problem.kind, trainee.preferences, trainee.previous), []).append(i)
        self.groups = list(groups.values())
        self.pricers: dict[int, _Pricer] = {}
        self.best = -math.inf  # the best certified bound so far
        self._build_master()

    def _build_master(self) -> None:
        potential = np.zeros(self.capacity.shape)
        for members in self.groups:
            problem = self.problems[members[0]]
            trainee = problem.trainee
            working = [m for m in range(trainee.start, trainee.end) if m not in trainee.leave]
            potential[np.ix_(problem.departments, working)] += len(members)
        lp = pywraplp.Solver.CreateSolver("GLOP")
        infinity = lp.infinity()
        self.lp = lp
        self.objective = lp.Objective()
        self.convexity = [lp.Constraint(len(m), len(m)) for m in self.groups]
        self.rows: dict[tuple[int, int], list] = {}  # cell -> its overload and underfill rows
        for d, t in np.argwhere(potential > self.capacity):
            row = lp.Constraint(-infinity, float(self.capacity[d, t]))
            over = lp.NumVar(0, infinity, "")
            row.SetCoefficient(over, -1)
            self.objective.SetCoefficient(over, self.weights["overload"])
            self.rows.setdefault((int(d), int(t)), []).append(row)
        for d, t in np.argwhere(self.minimum > 0):
            row = lp.Constraint(float(self.minimum[d, t]), infinity)
            under = lp.NumVar(0, infinity, "")
            row.SetCoefficient(under, 1)
            self.objective.SetCoefficient(under, self.weights["underfill"])
            self.rows.setdefault((int(d), int(t)), []).append(row)
        self.objective.SetMinimization()
        self.columns: set[tuple[int, bytes]] = set()
        self.column_rows: list[list[np.ndarray]] = [[] for _ in self.groups]  # per group, for `master.py`
        self.last_prices = np.zeros(self.capacity.shape)  # the month prices of the last LP solved

    def own_cost(self, problem: TraineeProblem, row: np.ndarray) -> float:
        w = self.weights
        return float(
            preference_cost(problem, row) * w["preference"]
            + changed_months(problem, row, self.codes) * w["change"]
        )

    def add_column(self, g: int, row: np.ndarray) -> bool:
        if (g, row.tobytes()) in self.columns:
            return False
        self.columns.add((g, row.tobytes()))
        self.column_rows[g].append(row)
        problem = self.problems[self.groups[g][0]]
        variable = self.lp.NumVar(0, self.lp.infinity(), "")
        self.objective.SetCoefficient(variable, self.own_cost(problem, row))
        self.convexity[g].SetCoefficient(variable, 1)
        for offset, d in enumerate(row):
            for constraint in self.rows.get((int(d), problem.trainee.start + offset), ()):
                constraint.SetCoefficient(variable, 1)
        return True

    def prices(self, deadline: float = math.inf) -> tuple[np.ndarray, float]:
        """Solve the LP; the month prices λ - μ from its duals, and the constant -Σλ·cap + Σμ·min.

        An LP stopped by the deadline still gives prices: any prices in range make a valid bound.
        """
        if math.isfinite(deadline):
            self.lp.SetTimeLimit(max(1, int(1000 * (deadline - time.monotonic()))))
        self.lp.Solve()
        shared = np.zeros(self.capacity.shape)
        constant = 0.0
        w = self.weights
        for (d, t), constraints in self.rows.items():
            for constraint in constraints:
                if constraint.ub() < self.lp.infinity():  # overload row: λ = -dual in [0, w_overload]
                    price = min(max(-constraint.dual_value(), 0.0), w["overload"])
                    constant -= price * constraint.ub()
                else:  # underfill row: μ = dual in [0, w_underfill]
                    price = -min(max(constraint.dual_value(), 0.0), w["underfill"])
                    constant -= price * constraint.lb()
                shared[d, t] += price
        return shared, constant

    def reduced_costs(self) -> list[float]:
        return [c.dual_value() for c in self.convexity]

    def row_price(self, problem: TraineeProblem, row: np.ndarray, shared: np.ndarray) -> float:
        months = np.arange(problem.trainee.start, problem.trainee.start + len(row))
        working = row >= 0
        return float(shared[row[working], months[working]].sum()) + self.own_cost(problem, row)

    def pricer(self, g: int) -> _Pricer:
        if g not in self.pricers:
            self.pricers[g] = _Pricer(self.problems[self.groups[g][0]], self.codes)
        return self.pricers[g]

    def run(self, rows: list[np.ndarray], time_limit: float) -> int:
        """Improve the bound for about `time_limit` seconds (starting from these rows); the best so far.

        Each round solves the LP, prices every group exactly at its duals (which certifies a bound) and
        adds the rows that would lower the LP, until none would or the time is up.
        """
        started = time.monotonic()
        deadline = started + time_limit
        group_of = {i: g for g, members in enumerate(self.groups) for i in members}
        for i, seed_row in enumerate(rows):
            self.add_column(group_of[i], seed_row)
        while time.monotonic() < deadline:
            shared, constant = self.prices(deadline)
            self.last_prices = shared
            duals = self.reduced_costs()
            total, added = constant, 0
            for g, members in enumerate(self.groups):
                if time.monotonic() >= deadline:  # a round cut short proves nothing
                    total = math.nan
                    break
                share = max(0.0, (deadline - time.monotonic()) / (len(self.groups) - g))
                value, cheapest = self.pricer(g).minimum(shared, time.monotonic() + share)
                total += len(members) * value
                if cheapest is not None and value < duals[g] - TOLERANCE:
                    added += self.add_column(g, cheapest)
            if math.isfinite(total):
                self.best = max(self.best, total)
            if not added:
                break
        return self.bound()

    def bound(self) -> int:
        """The best certified bound, rounded up; 0 until a round has finished (no claim yet)."""
        if not math.isfinite(self.best):
            return 0
        return max(0, math.ceil(self.best - TOLERANCE * max(1.0, abs(self.best))))
