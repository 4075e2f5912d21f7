"""One trainee's rotation problem, and a fast oracle that lays out their months against per-month costs.

A trainee's schedule is an order of blocks: once the order is chosen, the start months follow. The oracle
works on the trainee's *free* months (the programme minus leave and fixed months), in order:

1. A **configuration** fixes how many months each department gets (elective group choices) and how
   split departments are cut into parts. Configurations are enumerated once per trainee and ranked
   for each call by a cheap score (each part at its own cheapest place).
2. For the best few configurations, a **dynamic programme over counts** finds the cheapest order of
   parts. Parts that may go to the same places with the same length form one class, so the state is the
   number of parts of each class already placed, and the next start month follows from it. Within a class
   the programme prices a place by its cheapest member; an assignment problem then gives each place its
   department.

The oracle is a heuristic (a class relaxes who goes where), so every row it returns is checked against
the hard rules by `TraineeProblem.violations`; the exact CP-SAT model in `exact.py` takes over when the
oracle finds nothing. Lower bounds never rely on it: see `bound.py`.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

import numpy as np
from ortools.graph.python import linear_sum_assignment

from .model import LEAVE, Group, Instance, Requirement, Trainee

INFEASIBLE = 1e15
MAX_CONFIGURATIONS = 4000
MAX_ALONE = 4  # parts placed as themselves in the programme, the costliest departments first


@dataclass(frozen=True)
class Part:
    department: int  # index into the instance's department list
    length: int
    starts: frozenset[int] | None  # allowed start positions (free-month indices); None = anywhere


@dataclass
class Shape:
    parts: list[tuple[int, int, bool]]  # distinct (department, length, continues a fixed run)
    configurations: list[tuple[int, ...]]  # each: indices into `parts`
    incidence: np.ndarray  # configurations x parts: how often each configuration uses each part


@dataclass
class TraineeProblem:
    """Everything about one trainee that does not change while solving."""

    trainee: Trainee
    department_index: dict[str, int]
    horizon: int
    partner_keys: dict[int, str]
    partner_limits: dict[str, int]
    change_weight: int
    preference_weight: int
    shapes: dict[tuple, Shape] = field(default_factory=dict)  # shared by the instance's trainees
    fixed: dict[int, int] = field(init=False)
    free: np.ndarray = field(init=False)  # calendar months to fill, in order
    stretch: np.ndarray = field(init=False)  # free index -> stretch number (fixed months cut stretches)
    _starts: dict[tuple[int, int, bool], frozenset[int] | None] = field(init=False, default_factory=dict)

    def __post_init__(self) -> None:
        trainee = self.trainee
        self.fixed = {month: self.department_index[code] for month, code in trainee.fixed_months().items()}
        working = [m for m in range(trainee.start, trainee.end) if m not in trainee.leave]
        free = [m for m in working if m not in self.fixed]
        stretch, number, previous = [], 0, None
        for month in free:
            if previous is not None and any(m in self.fixed for m in range(previous + 1, month)):
                number += 1
            stretch.append(number)
            previous = month
        self.free = np.array(free, dtype=np.int64)
        self.stretch = np.array(stretch, dtype=np.int64)

    # -- what the trainee may do --------------------------------------------------------------------

    @cached_property
    def departments(self) -> list[int]:
        """Department indices the trainee's standard allows, in a stable order."""
        codes = [r.department for r in self.trainee.requirements]
        codes += [c for g in self.trainee.standard.groups for c in g.departments if c not in codes]
        return [self.department_index[c] for c in codes]

    @cached_property
    def previous_index(self) -> np.ndarray:
        """Per programme offset: the previous plan's department index, -1 for leave, -2 for a month the
        previous plan left empty (any assignment differs) and -3 beyond the previous plan (not compared)."""
        trainee = self.trainee
        previous = trainee.previous
        result = np.full(trainee.end - trainee.start, -3, dtype=np.int64)
        for offset, month in enumerate(range(trainee.start, min(trainee.end, len(previous)))):
            code = previous[month]
            result[offset] = -2 if code is None else -1 if code == LEAVE else self.department_index[code]
        return result

    @cached_property
    def requirement_of(self) -> dict[int, Requirement]:
        return {self.department_index[r.department]: r for r in self.trainee.requirements}

    @cached_property
    def own_cost(self) -> np.ndarray:
        """Per (allowed department, free month): the trainee's own soft costs (changes, month limits)."""
        trainee = self.trainee
        cost = np.zeros((len(self.departments), len(self.free)))
        previous = trainee.previous
        if previous and self.change_weight:
            before = np.array(
                [
                    self.department_index.get(previous[m] or "", -1) if m < len(previous) else -2
                    for m in self.free
                ]
            )
            compared = before != -2
            cost[:, compared] += self.change_weight * (
                np.array(self.departments)[:, None] != before[None, compared]
            )
        position = {d: k for k, d in enumerate(self.departments)}
        offsets = self.free - trainee.start
        for preference in trainee.preferences:
            if (k := position.get(self.department_index[preference.department])) is None:
                continue
            weight = preference.weight * self.preference_weight
            if preference.not_before is not None:
                cost[k] += weight * (offsets < preference.not_before)
            if preference.not_after is not None:
                cost[k] += weight * (offsets > preference.not_after)
        return cost

    def allowed_starts(self, department: int, length: int, adjacent_to_fixed: bool) -> frozenset[int] | None:
        """Start positions where a part fits its window, its stretch and (if asked) touches a fixed run."""
        key = (department, length, adjacent_to_fixed)
        if key not in self._starts:
            self._starts[key] = self._allowed_starts(department, length, adjacent_to_fixed)
        return self._starts[key]

    def _allowed_starts(self, department: int, length: int, adjacent_to_fixed: bool) -> frozenset[int] | None:
        requirement = self.requirement_of.get(department)
        count = len(self.free)
        low = high = None
        if requirement is not None:
            if requirement.earliest_start is not None:
                low = self.trainee.start + requirement.earliest_start
            if requirement.latest_end is not None:
                high = self.trainee.start + requirement.latest_end
        starts = set()
        for p in range(count - length + 1):
            if self.stretch[p] != self.stretch[p + length - 1]:
                continue
            if low is not None and self.free[p] < low:
                continue
            if high is not None and self.free[p + length - 1] >= high:
                continue
            if adjacent_to_fixed and not self._touches_fixed(department, p, p + length - 1):
                continue
            starts.add(p)
        crosses = any(self.stretch[p] != self.stretch[p + length - 1] for p in range(count - length + 1))
        if low is None and high is None and not adjacent_to_fixed and not crosses:
            return None
        return frozenset(starts)

    def _touches_fixed(self, department: int, first: int, last: int) -> bool:
        """Whether free months first..last (indices) continue a fixed run of the department."""
        leave = self.trainee.leave
        month = int(self.free[first]) - 1
        while month in leave:
            month -= 1
        if self.fixed.get(month) == department:
            return True
        month = int(self.free[last]) + 1
        while month in leave:
            month += 1
        return self.fixed.get(month) == department

    # A configuration's shape (which departments, how many months, how they split, whether a part must
    # continue a fixed run) depends only on the standard and the months already fixed, so trainees alike
    # in those share one enumeration through `shapes`. Only the start sets are the trainee's own.

    @cached_property
    def shape_key(self) -> tuple:
        fixed_count: dict[int, int] = {}
        for d in self.fixed.values():
            fixed_count[d] = fixed_count.get(d, 0) + 1
        runs = tuple(sorted((d, self._fixed_runs(d)) for d in fixed_count))
        return (
            self.trainee.standard.code,
            self.trainee.extra_requirements,
            tuple(sorted(fixed_count.items())),
            runs,
        )

    @cached_property
    def shape(self) -> Shape:
        shape = self.shapes.get(self.shape_key)
        if shape is None:
            shape = self.shapes[self.shape_key] = self._enumerate_shape()
        return shape

    @property
    def configuration_count(self) -> int:
        return len(self.shape.configurations)

    @cached_property
    def parts(self) -> list[Part]:
        """The shape's distinct parts with this trainee's start sets, in the shape's order."""
        return [
            Part(d, length, self.allowed_starts(d, length, adjacent))
            for d, length, adjacent in self.shape.parts
        ]

    def month_totals(self, fixed_count: dict[int, int]) -> Iterator[dict[int, int]]:
        """Months per department for every choice in the elective groups that keeps the partner limits
        and leaves room for the fixed months (``fixed_count``: fixed months per department)."""
        base = {self.department_index[r.department]: r.months for r in self.trainee.requirements}
        choices_per_group = [self._group_choices(group) for group in self.trainee.standard.groups]
        for combination in itertools.product(*choices_per_group):
            months = dict(base)
            for chosen in combination:
                for d, extra in chosen.items():
                    months[d] = months.get(d, 0) + extra
            if self._within_partner_limits(months) and all(
                count <= months.get(d, 0) for d, count in fixed_count.items()
            ):
                yield months

    def _enumerate_shape(self) -> Shape:
        """Every way to fill the free months: group choices times split choices (capped)."""
        fixed_count = dict(self.shape_key[2])
        index: dict[tuple[int, int, bool], int] = {}
        options_cache: dict[tuple[int, int], list[tuple[tuple[int, int, bool], ...]]] = {}
        configurations: list[tuple[int, ...]] = []
        for months in self.month_totals(fixed_count):
            per_department = []
            for d, total in months.items():
                remaining = total - fixed_count.get(d, 0)
                if remaining > 0:
                    key = (d, remaining)
                    if key not in options_cache:
                        options_cache[key] = self._department_parts(d, remaining, d in fixed_count)
                    per_department.append(options_cache[key])
            for combo in itertools.product(*per_department):
                configurations.append(
                    tuple(index.setdefault(part, len(index)) for parts in combo for part in parts)
                )
                if len(configurations) >= MAX_CONFIGURATIONS:
                    break
        incidence = np.zeros((len(configurations), len(index)))
        for c, members in enumerate(configurations):
            for k in members:
                incidence[c, k] += 1
        return Shape(list(index), configurations, incidence)

    def _group_choices(self, group: Group) -> list[dict[int, int]]:
        indices = [self.department_index[c] for c in group.departments]
        options = [0, *range(group.min_each, group.max_each + 1)]
        result = []
        for amounts in itertools.product(options, repeat=len(indices)):
            if sum(amounts) != group.months:
                continue
            result.append({d: a for d, a in zip(indices, amounts, strict=True) if a})
        return result

    def _within_partner_limits(self, months: dict[int, int]) -> bool:
        if not self.partner_keys:
            return True
        per_key: dict[str, int] = {}
        for d, m in months.items():
            key = self.partner_keys.get(d)
            if key is not None:
                per_key[key] = per_key.get(key, 0) + m
        return sum(per_key.values()) <= self.partner_limits["total"] and all(
            v <= self.partner_limits["per_subspecialty"] for v in per_key.values()
        )

    def _department_parts(
        self, d: int, remaining: int, has_fixed: bool
    ) -> list[tuple[tuple[int, int, bool], ...]]:
        """How a department's remaining months may be cut: continuing a fixed run, whole, or in two."""
        requirement = self.requirement_of.get(d)
        max_segments = requirement.max_segments if requirement else 1
        min_segment = requirement.min_segment_months if requirement else 1
        fixed_runs = self._fixed_runs(d)
        options: list[tuple[tuple[int, int, bool], ...]] = []
        if has_fixed:
            options.append(((d, remaining, True),))
            for first in range(1, remaining):
                # Grow the fixed run on both sides, or continue it and start one more segment.
                options.append(((d, first, True), (d, remaining - first, True)))
                if fixed_runs < max_segments and remaining - first >= min_segment:
                    options.append(((d, first, True), (d, remaining - first, False)))
        if fixed_runs < max_segments and remaining >= min_segment:
            options.append(((d, remaining, False),))
            if fixed_runs + 2 <= max_segments:
                for first in range(min_segment, remaining - min_segment + 1):
                    if first <= remaining - first:
                        options.append(((d, first, False), (d, remaining - first, False)))
        return options

    def _fixed_runs(self, d: int) -> int:
        runs, previous = 0, None
        for month in sorted(m for m, dep in self.fixed.items() if dep == d):
            if previous is None or any(m not in self.trainee.leave for m in range(previous + 1, month)):
                runs += 1
            previous = month
        return runs

    @cached_property
    def start_end_weights(self) -> dict[int, tuple[int, int]]:
        """Per department, the weights of the trainee's "early" and "late" preferences."""
        weights: dict[int, tuple[int, int]] = {}
        for preference in self.trainee.preferences:
            d = self.department_index[preference.department]
            early, late = weights.get(d, (0, 0))
            weight = preference.weight * self.preference_weight
            if preference.prefer == "early":
                early += weight
            elif preference.prefer == "late":
                late += weight
            weights[d] = (early, late)
        return weights

    @property
    def kind(self) -> tuple:
        """Trainees alike in everything that shapes their possible rows (preferences aside)."""
        trainee = self.trainee
        return (
            trainee.standard.code,
            trainee.start,
            tuple(sorted(trainee.leave)),
            tuple(sorted(self.fixed.items())),
            trainee.extra_requirements,
        )

    # -- the oracle ---------------------------------------------------------------------------------

    def layout(self, shared_cost: np.ndarray, tries: int = 3) -> tuple[float, np.ndarray] | None:
        """The cheapest row this heuristic finds against `shared_cost[department, calendar month]`.

        Returns (cost, row) where row holds one department index per calendar month of the programme
        (-1 for leave), or None when no configuration could be laid out.
        """
        if len(self.free) == 0:
            return 0.0, self.row_from({})
        cost = shared_cost[np.ix_(np.array(self.departments), self.free)] + self.own_cost
        cumulative = np.zeros((cost.shape[0], cost.shape[1] + 1))
        np.cumsum(cost, axis=1, out=cumulative[:, 1:])
        position = {d: k for k, d in enumerate(self.departments)}
        # Departments with any cost here are placed as themselves; pooling them with look-alike parts
        # would let the programme count on places those parts cannot all take.
        pressure = (cost > 0).sum(axis=1)
        costly = {self.departments[k] for k in np.argsort(-pressure)[:MAX_ALONE] if pressure[k]}
        block_cache: dict[Part, np.ndarray] = {}

        def block_costs(part: Part) -> np.ndarray:
            costs = block_cache.get(part)
            if costs is None:
                k = position[part.department]
                row = cumulative[k]
                costs = row[part.length :] - row[: len(row) - part.length]
                early, late = self.start_end_weights.get(part.department, (0, 0))
                if early:
                    costs = costs + early * (self.free[: len(costs)] - self.trainee.start)
                if late:
                    costs = costs + late * (self.trainee.end - self.free[part.length - 1 :] - 1)
                if part.starts is not None:
                    mask = np.full(len(costs), INFEASIBLE)
                    if part.starts:
                        mask[list(part.starts)] = 0.0
                    costs = costs + mask
                block_cache[part] = costs
            return costs

        parts = self.parts
        cheapest = np.array([block_costs(part).min() for part in parts])
        scores = self.shape.incidence @ cheapest
        ranked = np.argsort(scores, kind="stable")[:tries]
        best: tuple[float, dict[int, Part]] | None = None
        for index in ranked:
            chosen = [parts[k] for k in self.shape.configurations[index]]
            found = _order_parts(chosen, len(self.free), block_costs, costly)
            if found is not None and (best is None or found[0] < best[0]):
                best = found
        if best is None or best[0] >= INFEASIBLE:
            return None
        return best[0], self.row_from(best[1])

    def row_from(self, placed: dict[int, Part]) -> np.ndarray:
        """A row over the programme's calendar months from parts placed at free-month indices."""
        trainee = self.trainee
        row = np.full(trainee.end - trainee.start, -1, dtype=np.int64)
        for month, d in self.fixed.items():
            row[month - trainee.start] = d
        for p, part in placed.items():
            row[self.free[p : p + part.length] - trainee.start] = part.department
        return row

    def codes(self, row: np.ndarray, department_codes: list[str]) -> list[str | None]:
        """The solution format's list for this trainee: one entry per calendar month of the horizon."""
        result: list[str | None] = [None] * self.horizon
        for offset, d in enumerate(row):
            result[self.trainee.start + offset] = LEAVE if d < 0 else department_codes[d]
        return result


def _order_parts(
    parts, free_count: int, block_costs, costly: set[int]
) -> tuple[float, dict[int, Part]] | None:
    """The cheapest order of parts over the free months, by dynamic programming over class counts.

    A state counts the parts of each class placed so far; the next start month is the sum of their
    lengths. The programme runs in waves (one more part per wave), each class's step vectorised over all
    states of the wave.
    """
    classes: dict[tuple, list[Part]] = {}
    for part in parts:
        alone = part.department if part.department in costly else None
        classes.setdefault((part.length, part.starts, alone), []).append(part)
    keys = list(classes)
    if sum(len(classes[k]) * k[0] for k in keys) != free_count:
        return None
    shape = tuple((key[0], len(classes[key])) for key in keys)
    counts, radix, position, waves = _state_space(shape)
    envelopes = []
    for key in keys:
        envelope = np.full(free_count + 1, INFEASIBLE)
        lowest = np.min([block_costs(p) for p in classes[key]], axis=0)
        envelope[: len(lowest)] = lowest
        envelopes.append(envelope)
    cost = np.full(len(counts), INFEASIBLE)
    cost[0] = 0.0
    for wave in waves[:-1]:
        states = wave[cost[wave] < INFEASIBLE]
        if len(states) == 0:
            return None
        for c, (_, limit) in enumerate(shape):
            movable = states[counts[states, c] < limit]
            if len(movable) == 0:
                continue
            candidate = cost[movable] + envelopes[c][position[movable]]
            successors = movable + radix[c]
            cost[successors] = np.minimum(cost[successors], candidate)
    goal = len(counts) - 1
    if cost[goal] >= INFEASIBLE:
        return None
    slots: dict[int, list[int]] = {}
    state = goal
    while state != 0:
        for c in range(len(shape)):
            if counts[state, c] == 0:
                continue
            previous = state - radix[c]
            step = cost[previous] + envelopes[c][position[previous]]
            if abs(step - cost[state]) <= 1e-6 * max(1.0, abs(cost[state])):
                slots.setdefault(c, []).append(int(position[previous]))
                state = previous
                break
        else:  # pragma: no cover - the costs above always leave a predecessor
            return None
    placed: dict[int, Part] = {}
    total = 0.0
    for c, positions in slots.items():
        assignment = _assign(classes[keys[c]], positions, block_costs)
        if assignment is None:
            return None
        for start, part in assignment:
            placed[start] = part
            total += float(block_costs(part)[start])
    return total, placed


@lru_cache(maxsize=1024)
def _state_space(
    shape: tuple[tuple[int, int], ...],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, list[np.ndarray]]:
    """All count vectors for classes of (length, count), in mixed radix, with positions and waves."""
    counts = np.array(list(itertools.product(*[range(n + 1) for _, n in shape])), dtype=np.int64)
    sizes = [n + 1 for _, n in shape]
    radix = np.array([int(np.prod(sizes[c + 1 :])) for c in range(len(shape))], dtype=np.int64)
    lengths = np.array([length for length, _ in shape], dtype=np.int64)
    position = counts @ lengths
    level = counts.sum(axis=1)
    waves = [np.flatnonzero(level == k) for k in range(int(level.max()) + 1)]
    return counts, radix, position, waves


def _assign(members: list[Part], positions: list[int], block_costs) -> list[tuple[int, Part]] | None:
    """Give each place of a class one of its parts, at least total cost."""
    if len(members) == 1:
        return [(positions[0], members[0])]
    matrix = [[float(block_costs(part)[p]) for p in positions] for part in members]
    if len(members) <= 3:
        best = min(
            itertools.permutations(range(len(positions))),
            key=lambda perm: sum(matrix[i][perm[i]] for i in range(len(members))),
        )
        return [(positions[best[i]], members[i]) for i in range(len(members))]
    solver = linear_sum_assignment.SimpleLinearSumAssignment()
    for i, row in enumerate(matrix):
        for j, value in enumerate(row):
            solver.add_arc_with_cost(i, j, int(min(value, INFEASIBLE)))
    if solver.solve() != solver.OPTIMAL:
        return None
    return [(positions[solver.right_mate(i)], members[i]) for i in range(len(members))]


def compile_trainees(instance: Instance) -> tuple[list[str], list[TraineeProblem]]:
    codes = list(instance.departments)
    index = {code: i for i, code in enumerate(codes)}
    partner_keys = {index[c]: d.partner for c, d in instance.departments.items() if d.partner}
    shapes: dict[tuple, Shape] = {}
    problems = [
        TraineeProblem(
            trainee,
            index,
            instance.horizon,
            partner_keys,
            instance.partner_limits,
            instance.weights["change"],
            instance.weights["preference"],
            shapes,
        )
        for trainee in instance.trainees
    ]
    return codes, problems
