"""Proven lower bounds: the overload (and the objective) no schedule can go below.

The bound relaxes exactly one thing: that a trainee is in one department at a time. Each department is
then a problem of its own. Every trainee must still give it a set of months that its rules allow (months,
window, segments, fixed months, leave), so the department's smallest possible overload is a small integer
programme over "how many trainees of each kind take each placement". Its optimum, or CP-SAT's proven
bound on it when time runs out, summed over departments, bounds the overload of any schedule from below.

Placements are compared only on the department's *critical* months (where more trainees could come than
there are places); placements alike there are one choice, which keeps the programmes small.

That relaxation cannot see a standard whose own departments must hold its trainees month after month:
when everyone starts together and every other department's window has closed, the trainees outnumber
the places of all those departments together, whatever each department does. So a second bound keeps
the one-place-at-a-time rule and forgets which department: for the departments only one standard uses
(its *own* departments), each kind of trainee must spend its months there, must be there in a month no
other department can take, and cannot be there where none of them can; the overload is then at least
the total above their summed capacity, month by month. Where that bound is positive the own departments
are bounded as one cluster, by the better of the two bounds.

The objective's bound is the better of two: the overload bound plus floors for the soft costs (each
ignoring capacity), and the Lagrangian bound of `lagrange.py`, which prices capacity and minimum staffing
into every trainee's choice.
"""

from __future__ import annotations

import math
from functools import cached_property

import numpy as np
from ortools.sat.python import cp_model

from .lagrange import ObjectiveBound
from .model import Instance
from .trainee import TraineeProblem

MAX_PLACEMENTS = 20000


def placements(problem: TraineeProblem, d: int) -> list[frozenset[int]] | None:
    """Every set of calendar months department d may take in this trainee's schedule (None: too many).

    Sizes run from the smallest to the largest number of months the rules allow, so the list covers every
    real schedule's months in d (a group department may also take none).
    """
    trainee = problem.trainee
    requirement = problem.requirement_of.get(d)
    low = high = requirement.months if requirement else 0
    max_segments = requirement.max_segments if requirement else 1
    min_segment = requirement.min_segment_months if requirement else 1
    for group in trainee.standard.groups:
        if any(problem.department_index[c] == d for c in group.departments):
            high += group.max_each
            if requirement is None:
                low = 0
    working = [m for m in range(trainee.start, trainee.end) if m not in trainee.leave]
    window_low = trainee.start + (requirement.earliest_start or 0) if requirement else trainee.start
    window_high = (
        trainee.start + requirement.latest_end
        if requirement is not None and requirement.latest_end is not None
        else trainee.end
    )
    usable = [(problem.fixed.get(m, d) == d) and window_low <= m < window_high for m in working]
    must = frozenset(m for m, dep in problem.fixed.items() if dep == d)
    result: set[frozenset[int]] = set()
    if low == 0 and not must:
        result.add(frozenset())
    count = len(working)

    def extend(first: int, segments_left: int, chosen: tuple[int, ...]) -> None:
        if len(result) > MAX_PLACEMENTS:
            return
        if low <= len(chosen) <= high and must <= set(chosen):
            result.add(frozenset(chosen))
        if segments_left == 0:
            return
        shortest = min_segment
        if segments_left == 1:  # the last block must bring the total into range
            shortest = max(min_segment, low - len(chosen))
        for begin in range(first, count):
            if not usable[begin]:
                continue
            for end in range(begin + 1, count + 1):
                if not usable[end - 1] or len(chosen) + end - begin > high:
                    break
                if end - begin >= shortest:
                    extend(end + 1, segments_left - 1, chosen + tuple(working[begin:end]))

    extend(0, max_segments, ())
    if len(result) > MAX_PLACEMENTS:
        return None
    return list(result)


class LowerBounds:
    """Per-department overload bounds, computed on demand and kept; soft-cost floors for the rest.

    A department's bound is only worth computing where a schedule still overloads it: elsewhere zero is
    both the bound and the value reached.
    """

    def __init__(
        self, instance: Instance, problems: list[TraineeProblem], capacity: np.ndarray, minimum: np.ndarray
    ) -> None:
        self.instance = instance
        self.capacity = capacity
        self.minimum = minimum
        kinds: dict[tuple, list[int]] = {}
        for i, problem in enumerate(problems):
            kinds.setdefault(problem.kind, []).append(i)
        self.kinds = [(problems[members[0]], len(members)) for members in kinds.values()]
        self.problems = problems
        self.overload: dict[tuple[int, ...], int] = {}  # cluster -> proven bound on its overload
        self.exact: dict[tuple[int, ...], bool] = {}
        self.limit_used: dict[tuple[int, ...], float] = {}
        self._soft: tuple[int, int, int] | None = None
        self._lagrangian: ObjectiveBound | None = None
        self._classes: dict[int, list[tuple[int, list[frozenset[int]] | None]]] = {}
        self.together: dict[tuple[int, ...], int] = {}  # own departments bounded as one -> their bound

    def classes(self, d: int) -> list[tuple[int, list[frozenset[int]] | None]]:
        if d not in self._classes:
            self._classes[d] = [
                (size, placements(problem, d)) for problem, size in self.kinds if d in problem.departments
            ]
        return self._classes[d]

    def most(self, d: int, classes) -> np.ndarray:
        """How many trainees could be in the department in each month, each on their own."""
        most = np.zeros(self.capacity.shape[1], dtype=np.int64)
        for size, options in classes:
            reachable = _reachable_months(options)
            if reachable is None:
                most += size
            else:
                most[list(reachable)] += size
        return most

    @cached_property
    def clusters(self) -> dict[int, tuple[int, ...]]:
        """Departments tied by elective groups are bounded together: department -> its cluster."""
        parent: dict[int, int] = {}

        def root(d: int) -> int:
            while parent.setdefault(d, d) != d:
                d = parent[d]
            return d

        for problem, _size in self.kinds:
            for group in problem.trainee.standard.groups:
                members = [problem.department_index[c] for c in group.departments]
                for d in members[1:]:
                    parent[root(d)] = root(members[0])
        department_count = self.capacity.shape[0]
        clusters: dict[int, list[int]] = {}
        for d in range(department_count):
            clusters.setdefault(root(d), []).append(d)
        for own in self.own_departments(list(clusters.values())):
            value = self.month_cover_overload(own)
            if value > 0:  # bounded together from now on; the per-department bound alone would miss it
                self.together[own] = value
                for d in own[1:]:
                    parent[root(d)] = root(own[0])
        clusters = {}
        for d in range(department_count):
            clusters.setdefault(root(d), []).append(d)
        return {d: tuple(members) for members in clusters.values() for d in members}

    def own_departments(self, clusters: list[list[int]]) -> list[tuple[int, ...]]:
        """Per standard, the clusters no other standard's trainee uses, as one set of departments."""
        users: dict[int, set[str]] = {}
        for problem, _size in self.kinds:
            for d in problem.departments:
                users.setdefault(d, set()).add(problem.trainee.standard.code)
        own: dict[str, list[int]] = {}
        for members in clusters:
            standards = set().union(*(users.get(d, set()) for d in members))
            if len(standards) == 1:
                own.setdefault(standards.pop(), []).extend(members)
        return [tuple(sorted(members)) for members in own.values()]

    def month_cover_overload(self, departments: tuple[int, ...], time_limit: float = 2.0) -> int:
        """A proven bound on these departments' overload from their months in total (whole clusters only).

        Per kind of trainee: the months it spends in these departments, the months it must be in one of
        them (working months no other department of theirs can take) and the months it may be. Which of
        the departments is forgotten, so the bound is the least total above their summed capacity.
        """
        inside = set(departments)
        horizon = self.capacity.shape[1]
        room = self.capacity[list(departments)].sum(axis=0)
        model = cp_model.CpModel()
        per_month: dict[int, tuple[list, int]] = {}  # month -> (its counts, their largest total)
        for k, (problem, size) in enumerate(self.kinds):
            members = [d for d in problem.departments if d in inside]
            if not members:
                continue
            trainee = problem.trainee
            working = {m for m in range(trainee.start, trainee.end) if m not in trainee.leave}
            may = _months_reachable(problem, members, working)
            elsewhere = _months_reachable(
                problem, [d for d in problem.departments if d not in inside], working
            )
            must = working - elsewhere
            if not must <= may:
                continue  # no valid row (the check reports it); leaving a kind out only lowers the bound
            months = _cluster_months(problem, members)
            if len(must) > months or len(may) < months:
                continue
            total = []
            for t in sorted(may):
                count = model.new_int_var(size if t in must else 0, size, f"c{k}_{t}")
                total.append(count)
                terms, most = per_month.get(t, ([], 0))
                per_month[t] = ([*terms, count], most + size)
            model.add(sum(total) == size * months)
        excess = []
        for t, (terms, most) in per_month.items():
            if t < horizon and most > room[t]:
                over = model.new_int_var(0, most - int(room[t]), f"o{t}")
                model.add(over >= sum(terms) - int(room[t]))
                excess.append(over)
        return _least_excess(model, excess, time_limit, workers=1)[0]

    def department(self, d: int, time_limit: float) -> int:
        """The proven overload bound of the department's cluster; an unfinished one gets more time."""
        cluster = self.clusters[d]
        if cluster not in self.overload or (
            not self.exact[cluster] and time_limit > self.limit_used.get(cluster, 0.0)
        ):
            self.limit_used[cluster] = time_limit
            value, exact = self._cluster_overload(cluster, time_limit)
            value = max(value, self.together.get(cluster, 0))
            self.overload[cluster] = max(value, self.overload.get(cluster, 0))
            self.exact[cluster] = bool(exact)
        return self.overload[cluster]

    def open_departments(self, per_department: np.ndarray) -> list[int]:
        """Overloaded departments whose cluster's overload is still above its bound (or not yet bounded)."""
        result = []
        for d in np.flatnonzero(per_department):
            cluster = self.clusters[int(d)]
            if int(per_department[list(cluster)].sum()) > self.overload.get(cluster, 0):
                result.append(int(d))
        return result

    def total_overload(self) -> int:
        return sum(self.overload.values())

    def _cluster_overload(self, cluster: tuple[int, ...], time_limit: float) -> tuple[int, bool]:
        """The least overload of a cluster when only its departments' rules count (exact, or CP-SAT's bound).

        Per kind of trainee and department: how many take each placement. Placements alike on the
        critical months (and in length) are one choice. Within a cluster, each kind's months in its
        departments must add up to what its standard requires there, which ties group departments.
        """
        model = cp_model.CpModel()
        loads: dict[tuple[int, int], list] = {}
        critical: dict[int, list[int]] = {}
        most: dict[int, np.ndarray] = {}
        for d in cluster:
            most[d] = self.most(d, self.classes(d))
            critical[d] = [t for t in range(len(most[d])) if most[d][t] > self.capacity[d, t]]
        if not any(critical.values()):
            return 0, True
        for k, (problem, size) in enumerate(self.kinds):
            members = [d for d in cluster if d in problem.departments]
            options = {d: placements(problem, d) for d in members}
            if not members or any(o is None for o in options.values()):
                continue  # too many shapes to list: this kind is left out, which only lowers the bound
            months_terms = []
            for d in members:
                keep = set(critical[d])
                projected = {(frozenset(o & keep), len(o)) for o in options[d] or ()}
                counts = [model.new_int_var(0, size, f"n{k}_{d}_{j}") for j in range(len(projected))]
                model.add(sum(counts) == size)
                for count, (months, length) in zip(counts, projected, strict=True):
                    months_terms.append(length * count)
                    for t in months:
                        loads.setdefault((d, t), []).append(count)
            model.add(sum(months_terms) == size * _cluster_months(problem, members))
        excess = []
        for (d, t), terms in loads.items():
            over = model.new_int_var(0, max(0, int(most[d][t] - self.capacity[d, t])), f"o{d}_{t}")
            model.add(over >= sum(terms) - int(self.capacity[d, t]))
            excess.append(over)
        return _least_excess(model, excess, time_limit, workers=2)

    def soft(self) -> tuple[int, int, int]:
        """Floors on underfill, preference cost and changes."""
        if self._soft is None:
            underfill = 0
            for d in np.flatnonzero(self.minimum.sum(axis=1)):
                most = self.most(int(d), self.classes(int(d)))
                underfill += int(np.maximum(self.minimum[d] - most, 0).sum())
            preference = sum(_preference_floor(problem) for problem in self.problems)
            changes = sum(_forced_changes(problem) for problem in self.problems)
            self._soft = (underfill, preference, changes)
        return self._soft

    def floors(self) -> int:
        """The overload bound plus each soft cost's floor."""
        underfill, preference, changes = self.soft()
        w = self.instance.weights
        return (
            self.total_overload() * w["overload"]
            + underfill * w["underfill"]
            + preference * w["preference"]
            + changes * w["change"]
        )

    def refine_objective(self, rows: list[np.ndarray], time_limit: float) -> int:
        """Spend up to `time_limit` seconds on the Lagrangian bound, its columns seeded by these rows."""
        if self._lagrangian is None:
            codes = list(self.instance.departments)
            self._lagrangian = ObjectiveBound(
                self.problems, codes, self.capacity, self.minimum, self.instance.weights
            )
        self._lagrangian.run(rows, time_limit)
        return self.objective()

    @property
    def lagrangian(self) -> ObjectiveBound | None:
        """The column-generation LP behind the objective's bound, once `refine_objective` has run."""
        return self._lagrangian

    def objective(self) -> int:
        lagrangian = self._lagrangian.bound() if self._lagrangian is not None else 0
        return max(self.floors(), lagrangian)


def _reachable_months(options: list[frozenset[int]] | None) -> set[int] | None:
    if options is None:
        return None
    reachable: set[int] = set()
    for option in options:
        reachable |= option
    return reachable


def _least_excess(model: cp_model.CpModel, excess: list, time_limit: float, workers: int) -> tuple[int, bool]:
    """The least total of `excess` CP-SAT proves within its time, and whether that is the optimum.

    When time runs out the figure is CP-SAT's proven bound, still a lower bound; nothing to minimise is 0.
    """
    if not excess:
        return 0, True
    model.minimize(sum(excess))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = workers
    status = solver.solve(model)
    if status == cp_model.OPTIMAL:
        return round(solver.objective_value), True
    if status in (cp_model.FEASIBLE, cp_model.UNKNOWN):
        return max(0, math.ceil(solver.best_objective_bound - 1e-6)), False
    return 0, False


def _months_reachable(problem: TraineeProblem, departments: list[int], working: set[int]) -> set[int]:
    """Working months where at least one of these departments may be: inside its window and not fixed to
    another department (a superset of the months its placements reach, and much faster to find)."""
    reachable: set[int] = set()
    trainee = problem.trainee
    for d in departments:
        requirement = problem.requirement_of.get(d)
        low, high = trainee.start, trainee.end
        if requirement is not None:
            low += requirement.earliest_start or 0
            if requirement.latest_end is not None:
                high = trainee.start + requirement.latest_end
        reachable.update(m for m in working if low <= m < high and problem.fixed.get(m, d) == d)
    return reachable


def _cluster_months(problem: TraineeProblem, members: list[int]) -> int:
    """Months a trainee spends in these departments: their requirements plus the groups among them."""
    inside = set(members)
    total = sum(r.months for d, r in problem.requirement_of.items() if d in inside)
    for group in problem.trainee.standard.groups:
        if problem.department_index[group.departments[0]] in inside:
            total += group.months
    return total


def _preference_floor(problem: TraineeProblem) -> int:
    """Each preference alone, at its cheapest placement of its department."""
    trainee = problem.trainee
    total = 0
    for preference in trainee.preferences:
        d = problem.department_index[preference.department]
        if d not in problem.departments:
            continue
        options = placements(problem, d)
        if not options:
            continue
        best = None
        for option in options:
            cost = _preference_cost(problem, preference, option)
            best = cost if best is None else min(best, cost)
            if best == 0:
                break
        total += best or 0
    return total


def _preference_cost(problem: TraineeProblem, preference, months: frozenset[int]) -> int:
    if not months:
        return 0
    trainee = problem.trainee
    cost = 0
    if preference.prefer == "early":
        cost += preference.weight * (min(months) - trainee.start)
    elif preference.prefer == "late":
        cost += preference.weight * (trainee.end - max(months) - 1)
    if preference.not_before is not None:
        cost += preference.weight * sum(1 for m in months if m - trainee.start < preference.not_before)
    if preference.not_after is not None:
        cost += preference.weight * sum(1 for m in months if m - trainee.start > preference.not_after)
    return cost


def _forced_changes(problem: TraineeProblem) -> int:
    """Months where the previous schedule cannot stand: leave, fixed blocks or the programme moved."""
    trainee = problem.trainee
    codes = {i: c for c, i in problem.department_index.items()}
    changes = 0
    for t, before in enumerate(trainee.previous):
        inside = trainee.start <= t < trainee.end
        if not inside:
            changes += before is not None
        elif t in trainee.leave:
            changes += before != "LEAVE"
        elif before is None or before == "LEAVE":
            changes += 1
        elif t in problem.fixed:
            changes += codes[problem.fixed[t]] != before
    return changes
