"""Two baselines for the rotation scheduler, to put MedTalent's numbers in context.

    from rotation_baselines import textbook_cpsat, greedy_secretary
    solution = greedy_secretary(instance, time_limit=60)

Both take an instance in "medtalent-rotation-instance/1" format and return a solution in
"medtalent-rotation-solution/1" format (see docs: rotation-instance-format.md).

(a) `textbook_cpsat`: the model one writes from a CP-SAT tutorial. Per trainee, one optional interval
    per (department, segment), a no-overlap per trainee, one boolean "covers" literal per interval and
    month, soft capacity through per-(department, month) overload variables, and the objective of the
    format. It runs with 2 workers, and model building counts against the time limit.
(b) `greedy_secretary`: what a secretary does in Excel. Trainees in order; for each, departments in the
    standard's order, each block at the earliest free months. Capacity is ignored except to pick the
    least-loaded departments among a group's electives. A trainee with a published plan keeps it when it
    is still valid. When the simple rule fails, a small CP-SAT model for that one trainee takes over.
    `greedy_rotating` is the same rule with the usual rotation wheel (not in the brief; a fairer yardstick).

Time inside a trainee's programme is modelled on its working months (the programme without its leave
months): the format says leave inside a run does not split a segment, so a block may span leave. A
segment's length counts its department months only, as the project's checker does.

The module also holds the helpers the generator and the bench share: reading a trainee's programme,
the hard-constraint check of one trainee's row, and the soft figures of a schedule.
"""

from __future__ import annotations

import itertools
import math
import time
from dataclasses import dataclass, field
from typing import Any

from ortools.sat.python import cp_model

LEAVE = "LEAVE"
SOLUTION_FORMAT = "medtalent-rotation-solution/1"
DEFAULT_WEIGHTS = {"overload": 1000, "underfill": 100, "preference": 1, "change": 10}

Row = list[str | None]


# --------------------------------------------------------------------------------------------------
# Reading an instance


def weights(instance: dict) -> dict[str, int]:
    return {**DEFAULT_WEIGHTS, **instance.get("weights", {})}


def _per_month(value: int | list[int] | None, month: int) -> int | None:
    if isinstance(value, list):
        return value[min(month, len(value) - 1)] if value else None
    return value


def capacity(department: dict, month: int) -> int | None:
    """None: no capacity given, so no limit (as the checker reads it)."""
    return _per_month(department.get("capacity"), month)


def minimum(department: dict, month: int) -> int:
    return _per_month(department.get("minimum"), month) or 0


@dataclass
class DeptRule:
    """What a trainee's standard asks of one department (requirement and group share merged)."""

    code: str
    required: int = 0
    max_segments: int = 1
    min_segment: int = 1
    earliest: int | None = None  # offsets from the trainee's start
    latest: int | None = None
    group: int | None = None  # index of the group the department belongs to
    min_each: int = 0
    max_each: int = 0


@dataclass
class Programme:
    """One trainee's programme, with positions = the working (non-leave) months in calendar order."""

    trainee: dict
    start: int
    end: int
    working: list[int]
    leave: set[int]
    fixed: dict[int, str]  # calendar month -> department
    rules: dict[str, DeptRule]  # in the standard's order: requirements, then group-only departments
    groups: list[dict]
    previous: list | None = None
    position: dict[int, int] = field(default_factory=dict)

    def window(self, rule: DeptRule) -> tuple[int, int]:
        """Positions [lo, hi) where the department's months may fall."""
        first = self.start + (rule.earliest or 0)
        last = self.start + rule.latest if rule.latest is not None else self.end
        lo = sum(1 for month in self.working if month < first)
        hi = sum(1 for month in self.working if month < last)
        return lo, max(lo, hi)


def standard_total(standard: dict) -> int:
    return sum(r["months"] for r in standard.get("requirements", [])) + sum(
        g["months"] for g in standard.get("groups", [])
    )


def programme(instance: dict, trainee: dict) -> Programme:
    standard = instance["standards"][trainee["standard"]]
    rules: dict[str, DeptRule] = {}
    requirements = [*standard.get("requirements", []), *trainee.get("extra_requirements", [])]
    for requirement in requirements:
        rules[requirement["department"]] = DeptRule(
            code=requirement["department"],
            required=requirement["months"],
            # No max_segments means no limit: at most one segment per month.
            max_segments=requirement.get("max_segments", requirement["months"]),
            min_segment=requirement.get("min_segment_months", 1),
            earliest=requirement.get("earliest_start"),
            latest=requirement.get("latest_end"),
        )
    groups = standard.get("groups", [])
    for index, group in enumerate(groups):
        for code in group["departments"]:
            rule = rules.setdefault(code, DeptRule(code=code))
            rule.group = index
            rule.min_each = group.get("min_each", 1)
            rule.max_each = group.get("max_each", group["months"])
    leave = {
        m
        for block in trainee.get("leave", [])
        for m in range(block["start"], block["start"] + block["months"])
    }
    start = trainee["start"]
    extra = sum(r["months"] for r in trainee.get("extra_requirements", []))
    end = start + standard_total(standard) + extra + len(leave)
    working = [m for m in range(start, end) if m not in leave]
    fixed = {
        m: block["department"]
        for block in trainee.get("fixed", [])
        for m in range(block["start"], block["start"] + block["months"])
    }
    return Programme(
        trainee=trainee,
        start=start,
        end=end,
        working=working,
        leave=leave,
        fixed=fixed,
        rules=rules,
        groups=groups,
        previous=trainee.get("previous"),
        position={m: i for i, m in enumerate(working)},
    )


# --------------------------------------------------------------------------------------------------
# Checking one trainee's row against the hard constraints (used to decide when the greedy needs help;
# the project's checker is the reference)


def trainee_violations(instance: dict, prog: Programme, row: Row) -> list[str]:
    horizon = instance["horizon_months"]
    tid = prog.trainee["id"]
    problems: list[str] = []
    if prog.end > horizon:
        problems.append(f"{tid}: programme ends at {prog.end}, after the horizon {horizon}")
    if len(row) != horizon:
        return [*problems, f"{tid}: row has {len(row)} months, expected {horizon}"]
    for month, value in enumerate(row):
        inside = prog.start <= month < prog.end
        if not inside and value is not None:
            problems.append(f"{tid}: month {month} is outside the programme but holds {value}")
        elif month in prog.leave and value != LEAVE:
            problems.append(f"{tid}: month {month} is leave but holds {value}")
        elif inside and month not in prog.leave and (value is None or value == LEAVE):
            problems.append(f"{tid}: month {month} of the programme holds {value}")
        elif inside and month not in prog.leave and value not in prog.rules:
            problems.append(f"{tid}: month {month} holds {value}, which is not in the standard")
    for month, code in prog.fixed.items():
        if month >= len(row) or row[month] != code:
            problems.append(f"{tid}: fixed month {month} must be {code}")
    sequence = [row[m] for m in prog.working]  # leave removed: it does not split a segment
    group_months: dict[int, int] = {}
    for code, rule in prog.rules.items():
        positions = [i for i, value in enumerate(sequence) if value == code]
        extra = len(positions) - rule.required
        if rule.group is None:
            if extra != 0:
                problems.append(f"{tid}: {code} has {len(positions)} months, expected {rule.required}")
        elif extra < 0 or (extra > 0 and not rule.min_each <= extra <= rule.max_each):
            problems.append(f"{tid}: {code} has {len(positions)} months, which no group choice allows")
        else:
            group_months[rule.group] = group_months.get(rule.group, 0) + extra
        runs = _runs(positions)
        limit = rule.max_segments if rule.required else 1
        if len(runs) > limit:
            problems.append(f"{tid}: {code} is split into {len(runs)} segments, at most {limit} allowed")
        if rule.required and any(length < rule.min_segment for length in runs):
            problems.append(f"{tid}: {code} has a segment shorter than {rule.min_segment} months")
        first = prog.start + (rule.earliest or 0)
        last = prog.start + rule.latest if rule.latest is not None else prog.end
        if any(not first <= prog.working[i] < last for i in positions):
            problems.append(f"{tid}: {code} falls outside its window [{first}, {last})")
    for index, group in enumerate(prog.groups):
        if group_months.get(index, 0) != group["months"]:
            problems.append(
                f"{tid}: group {index} uses {group_months.get(index, 0)} of {group['months']} months"
            )
    return problems


def _runs(positions: list[int]) -> list[int]:
    runs: list[int] = []
    for i, position in enumerate(positions):
        if i and position == positions[i - 1] + 1:
            runs[-1] += 1
        else:
            runs.append(1)
    return runs


# --------------------------------------------------------------------------------------------------
# Soft figures of a schedule, as the format defines them


def preference_cost(prog: Programme, row: Row) -> int:
    cost = 0
    for preference in prog.trainee.get("preferences", []):
        code, weight = preference["department"], preference.get("weight", 1)
        months = [m for m, value in enumerate(row) if value == code]
        if not months:
            continue
        if preference.get("prefer") == "early":
            cost += weight * (months[0] - prog.start)
        elif preference.get("prefer") == "late":
            cost += weight * (prog.end - months[-1] - 1)
        if "not_before" in preference:
            cost += weight * sum(1 for m in months if m - prog.start < preference["not_before"])
        if "not_after" in preference:
            cost += weight * sum(1 for m in months if m - prog.start > preference["not_after"])
    return cost


def changes(prog: Programme, row: Row) -> int:
    previous = prog.previous or []
    return sum(1 for m in range(min(len(previous), len(row))) if row[m] != previous[m])


def evaluate(instance: dict, assignments: dict[str, Row]) -> dict[str, int]:
    """Overload, underfill, preference cost, changes and the objective of a full schedule."""
    horizon = instance["horizon_months"]
    load = {d["code"]: [0] * horizon for d in instance["departments"]}
    preference = change = 0
    for trainee in instance["trainees"]:
        row = assignments[trainee["id"]]
        prog = programme(instance, trainee)
        for month, value in enumerate(row[:horizon]):
            if value in load:
                load[value][month] += 1
        preference += preference_cost(prog, row)
        change += changes(prog, row)
    overload = underfill = 0
    for department in instance["departments"]:
        for month, count in enumerate(load[department["code"]]):
            cap = capacity(department, month)
            overload += max(0, count - cap) if cap is not None else 0
            underfill += max(0, minimum(department, month) - count)
    w = weights(instance)
    objective = (
        overload * w["overload"]
        + underfill * w["underfill"]
        + preference * w["preference"]
        + change * w["change"]
    )
    return {
        "overload": overload,
        "underfill": underfill,
        "preference": preference,
        "changes": change,
        "objective": objective,
    }


def department_load(instance: dict, assignments: dict[str, Row]) -> dict[str, list[int]]:
    horizon = instance["horizon_months"]
    load = {d["code"]: [0] * horizon for d in instance["departments"]}
    for row in assignments.values():
        for month, value in enumerate(row[:horizon]):
            if value in load:
                load[value][month] += 1
    return load


def make_solution(
    instance: dict, assignments: dict[str, Row] | None, status: str, started: float, method: str, **extra: Any
) -> dict:
    solution: dict[str, Any] = {"format": SOLUTION_FORMAT, "method": method, "status": status}
    solution["assignments"] = assignments or {}
    if assignments:
        figures = evaluate(instance, assignments)
        solution.update(
            overload=figures["overload"],
            objective=figures["objective"],
            changed_trainee_months=figures["changes"],
        )
    solution.update(extra)
    solution["elapsed_seconds"] = round(time.perf_counter() - started, 3)
    solution.setdefault("diagnostics", [])
    return solution


# --------------------------------------------------------------------------------------------------
# The textbook CP-SAT model of one trainee (used whole by baseline (a), alone by the greedy's fallback)


@dataclass
class TraineeVars:
    prog: Programme
    cells: dict[str, dict[int, list[cp_model.IntVar]]]  # department -> position -> covers literals
    preference: list[Any]  # linear terms of the preference cost
    change: list[Any]  # linear terms of the change count
    change_constant: int = 0

    def cell(self, code: str, position: int) -> list[cp_model.IntVar]:
        return self.cells.get(code, {}).get(position, [])

    def row(self, solver: cp_model.CpSolver, horizon: int) -> Row:
        row: Row = [None] * horizon
        for month in self.prog.leave:
            row[month] = LEAVE
        for code, positions in self.cells.items():
            for position, literals in positions.items():
                if any(solver.boolean_value(literal) for literal in literals):
                    row[self.prog.working[position]] = code
        return row


def add_trainee(model: cp_model.CpModel, instance: dict, prog: Programme) -> TraineeVars:
    """Intervals on the trainee's working months, their covers literals, and the soft-cost terms."""
    size = len(prog.working)
    tid = prog.trainee["id"]
    cells: dict[str, dict[int, list[cp_model.IntVar]]] = {}
    intervals: list[cp_model.IntervalVar] = []
    group_terms: dict[int, list[cp_model.IntVar]] = {}
    first_start: dict[str, tuple[cp_model.IntVar, Any]] = {}  # department -> (first start, visited)
    last_end: dict[str, tuple[cp_model.IntVar, Any]] = {}
    for code, rule in prog.rules.items():
        lo, hi = prog.window(rule)
        total: Any = rule.required
        largest = rule.required
        chosen: Any = True
        if rule.group is not None:
            chosen = model.new_bool_var(f"{tid}_{code}_chosen")
            extra = model.new_int_var(0, rule.max_each, f"{tid}_{code}_extra")
            model.add(extra >= rule.min_each).only_enforce_if(chosen)
            model.add(extra == 0).only_enforce_if(~chosen)
            group_terms.setdefault(rule.group, []).append(extra)
            total = rule.required + extra
            largest += rule.max_each
        segments = min(rule.max_segments, largest // max(1, rule.min_segment)) if rule.required else 1
        pieces = []
        lengths = []
        for k in range(segments):
            always = rule.required > 0 and k == 0
            present: Any = True if always else model.new_bool_var(f"{tid}_{code}_{k}_present")
            start = model.new_int_var(lo, hi, f"{tid}_{code}_{k}_start")
            end = model.new_int_var(lo, hi, f"{tid}_{code}_{k}_end")
            length = model.new_int_var(0, largest, f"{tid}_{code}_{k}_length")
            if always:
                intervals.append(model.new_interval_var(start, length, end, f"{tid}_{code}_{k}"))
                model.add(length >= rule.min_segment)
            else:
                intervals.append(
                    model.new_optional_interval_var(start, length, end, present, f"{tid}_{code}_{k}")
                )
                model.add(length >= (rule.min_segment if rule.required else 1)).only_enforce_if(present)
                model.add(length == 0).only_enforce_if(~present)
            covers = []
            for position in range(lo, hi):
                literal = model.new_bool_var(f"{tid}_{code}_{k}_covers_{position}")
                model.add(start <= position).only_enforce_if(literal)
                model.add(end >= position + 1).only_enforce_if(literal)
                cells.setdefault(code, {}).setdefault(position, []).append(literal)
                covers.append(literal)
            # Exactly `length` covers literals are true and each lies inside the interval: they are it.
            model.add(sum(covers) == length)
            pieces.append((present, start, end))
            lengths.append(length)
        model.add(sum(lengths) == total)
        if rule.group is not None and not rule.required:
            model.add(pieces[0][0] == chosen)
        # Order the pieces (symmetry breaking): piece k is used only after piece k-1. Adjacent pieces
        # simply form one segment. Only the first piece of a requirement is always present.
        for (before, _, before_end), (present, start, _) in itertools.pairwise(pieces):
            if before is not True:
                model.add_implication(present, before)
            model.add(before_end <= start).only_enforce_if(present)
        first_start[code] = (pieces[0][1], pieces[0][0])
        last = model.new_int_var(0, max(size, 1), f"{tid}_{code}_last_end")
        for k, (present, _, end) in enumerate(pieces):
            condition = [present] if k + 1 == len(pieces) else [present, ~pieces[k + 1][0]]
            constraint = model.add(last == end)
            if any(literal is not True for literal in condition):
                constraint.only_enforce_if([literal for literal in condition if literal is not True])
        last_end[code] = (last, pieces[0][0])
    for index, group in enumerate(prog.groups):
        model.add(sum(group_terms.get(index, [])) == group["months"])
    model.add_no_overlap(intervals)
    for position in range(size):
        model.add_exactly_one([lit for positions in cells.values() for lit in positions.get(position, [])])
    for month, code in prog.fixed.items():
        literals = cells.get(code, {}).get(prog.position.get(month, -1), [])
        if literals:
            model.add(sum(literals) == 1)
        else:
            model.add_bool_or([model.new_constant(0)])  # the fixed month cannot hold: infeasible
    tv = TraineeVars(prog=prog, cells=cells, preference=[], change=[])
    _add_preferences(model, tv, first_start, last_end)
    _add_changes(instance, tv)
    return tv


def _enforce(constraint: cp_model.Constraint, literal: Any) -> None:
    if literal is not True:  # `True` marks an interval that is always present
        constraint.only_enforce_if(literal)


def _add_preferences(model: cp_model.CpModel, tv: TraineeVars, first_start: dict, last_end: dict) -> None:
    prog = tv.prog
    offsets = [m - prog.start for m in prog.working]
    for number, preference in enumerate(prog.trainee.get("preferences", [])):
        code, weight = preference["department"], preference.get("weight", 1)
        if code not in prog.rules or not prog.working:
            continue
        name = f"{prog.trainee['id']}_pref{number}"
        if preference.get("prefer") in ("early", "late"):
            # The cost is linear in the calendar month, which is an element of the working months.
            early = preference["prefer"] == "early"
            index, visited = first_start[code] if early else last_end[code]
            if not early:
                shifted = model.new_int_var(0, len(offsets) - 1, f"{name}_last")
                _enforce(model.add(shifted == index - 1), visited)
                index = shifted
            month = model.new_int_var(0, prog.end - prog.start, f"{name}_month")
            model.add_element(index, offsets, month)
            cost = model.new_int_var(0, weight * (prog.end - prog.start), f"{name}_cost")
            gap = month if early else (prog.end - prog.start - 1) - month
            _enforce(model.add(cost >= weight * gap), visited)
            tv.preference.append(cost)
        for position, offset in enumerate(offsets):
            outside = ("not_before" in preference and offset < preference["not_before"]) or (
                "not_after" in preference and offset > preference["not_after"]
            )
            if outside:
                tv.preference.extend(weight * lit for lit in tv.cell(code, position))


def _add_changes(instance: dict, tv: TraineeVars) -> None:
    prog = tv.prog
    previous = prog.previous or []
    for month in range(min(len(previous), instance["horizon_months"])):
        before = previous[month]
        if month in prog.position:
            literals = tv.cell(before, prog.position[month]) if isinstance(before, str) else []
            if literals:
                tv.change_constant += 1
                tv.change.extend(-lit for lit in literals)
            else:
                tv.change_constant += 1
        else:
            now = LEAVE if month in prog.leave else None
            tv.change_constant += int(before != now)


# --------------------------------------------------------------------------------------------------
# Baseline (a): the textbook CP-SAT model of the whole instance


def textbook_cpsat(instance: dict, time_limit: float, *, num_workers: int = 2, seed: int = 0) -> dict:
    started = time.perf_counter()
    horizon = instance["horizon_months"]
    model = cp_model.CpModel()
    trainees: list[TraineeVars] = []
    for trainee in instance["trainees"]:
        trainees.append(add_trainee(model, instance, programme(instance, trainee)))
        if time.perf_counter() - started > time_limit:
            return make_solution(
                instance,
                None,
                "unknown",
                started,
                "textbook_cpsat",
                diagnostics=[
                    {"kind": "timeout", "explanation": "building the model took the whole time limit"}
                ],
            )
    load: dict[tuple[str, int], list[cp_model.IntVar]] = {}
    for tv in trainees:
        for code, positions in tv.cells.items():
            for position, literals in positions.items():
                load.setdefault((code, tv.prog.working[position]), []).extend(literals)
    over_terms, under_terms = [], []
    for department in instance["departments"]:
        code = department["code"]
        for month in range(horizon):
            terms = load.get((code, month), [])
            cap, low = capacity(department, month), minimum(department, month)
            if cap is not None and len(terms) > cap:
                over = model.new_int_var(0, len(terms) - cap, f"over_{code}_{month}")
                model.add(over >= sum(terms) - cap)
                over_terms.append(over)
            if low > 0:
                under = model.new_int_var(0, low, f"under_{code}_{month}")
                model.add(under >= low - sum(terms))
                under_terms.append(under)
    w = weights(instance)
    change_constant = sum(tv.change_constant for tv in trainees)
    model.minimize(
        w["overload"] * sum(over_terms)
        + w["underfill"] * sum(under_terms)
        + w["preference"] * sum(term for tv in trainees for term in tv.preference)
        + w["change"] * (change_constant + sum(term for tv in trainees for term in tv.change))
    )
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = max(1.0, time_limit - (time.perf_counter() - started))
    solver.parameters.num_workers = num_workers
    solver.parameters.random_seed = seed
    result = solver.solve(model)
    status = {
        cp_model.OPTIMAL: "optimal",
        cp_model.FEASIBLE: "feasible",
        cp_model.INFEASIBLE: "infeasible",
    }.get(result, "unknown")
    assignments = None
    extra: dict[str, Any] = {}
    if result in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        assignments = {tv.prog.trainee["id"]: tv.row(solver, horizon) for tv in trainees}
        extra["objective_lower_bound"] = math.ceil(solver.best_objective_bound - 1e-6)
    elif result == cp_model.UNKNOWN:
        extra["diagnostics"] = [{"kind": "timeout", "explanation": "no solution found within the time limit"}]
    return make_solution(instance, assignments, status, started, "textbook_cpsat", **extra)


# --------------------------------------------------------------------------------------------------
# Baseline (b): the secretary's greedy


def solve_trainee(
    instance: dict, prog: Programme, *, objective: str = "changes", time_limit: float = 10.0
) -> tuple[Row | None, int | None]:
    """One trainee alone, capacity ignored. objective: "changes", "preference" or "none".

    Returns the row (None if no schedule exists or none was found) and a lower bound on the objective.
    """
    model = cp_model.CpModel()
    tv = add_trainee(model, instance, prog)
    if objective == "changes":
        model.minimize(tv.change_constant + sum(tv.change))
    elif objective == "preference":
        model.minimize(sum(tv.preference))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = 1  # one worker: deterministic, and the model is tiny
    result = solver.solve(model)
    if result not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None, None
    bound = math.ceil(solver.best_objective_bound - 1e-6) if objective != "none" else 0
    return tv.row(solver, instance["horizon_months"]), bound


def _earliest(free: list[bool], length: int, lo: int, hi: int) -> int | None:
    for start in range(lo, hi - length + 1):
        if all(free[start : start + length]):
            return start
    return None


def _place(free: list[bool], rule: DeptRule, months: int, lo: int, hi: int) -> list[tuple[int, int]] | None:
    """Earliest free block(s) for `months` months: one block, else (if allowed) two."""
    start = _earliest(free, months, lo, hi)
    if start is not None:
        return [(start, months)]
    if rule.max_segments < 2 or not rule.required:
        return None
    for first in range(lo, hi):
        run = 0
        while first + run < hi and free[first + run]:
            run += 1
        size = min(run, months - rule.min_segment)
        if size < rule.min_segment:
            continue
        second = _earliest(free, months - size, first + size, hi)
        if second is not None:
            return [(first, size), (second, months - size)]
    return None


def secretary_row(instance: dict, prog: Programme, load: dict[str, list[int]], rotate: int = 0) -> Row | None:
    """The simple rule for one trainee, or None when it fails.

    rotate > 0 starts the standard's order at its rotate-th department (windowed departments still first).
    """
    horizon = instance["horizon_months"]
    if prog.fixed or prog.previous:
        # A published plan is kept as it stands when it still holds; anything else needs the fallback.
        if prog.previous:
            kept: Row = (list(prog.previous) + [None] * horizon)[:horizon]
            if not trainee_violations(instance, prog, kept):
                return kept
        return None
    months = {code: rule.required for code, rule in prog.rules.items()}
    for index, group in enumerate(prog.groups):
        # Electives: the least-loaded departments over the trainee's programme, ties in the standard's order.
        options = [code for code, rule in prog.rules.items() if rule.group == index]
        ranked = sorted(
            options, key=lambda c: (sum(load.get(c, [])[prog.start : prog.end]), options.index(c))
        )
        remaining = group["months"]
        for code in ranked:
            if remaining == 0:
                break
            rule = prog.rules[code]
            take = min(rule.max_each, remaining)
            if 0 < remaining - take < rule.min_each:
                take = remaining - rule.min_each
            if take < rule.min_each:
                continue
            months[code] += take
            remaining -= take
        if remaining:
            return None
    free = [True] * len(prog.working)
    row: Row = [None] * horizon
    for month in prog.leave:
        row[month] = LEAVE
    order = [code for code in prog.rules if months[code]]
    if rotate:
        windowed = [
            c for c in order if prog.rules[c].earliest is not None or prog.rules[c].latest is not None
        ]
        rest = [c for c in order if c not in windowed]
        shift = rotate % len(rest) if rest else 0
        order = windowed + rest[shift:] + rest[:shift]
    for code in order:
        rule = prog.rules[code]
        lo, hi = prog.window(rule)
        blocks = _place(free, rule, months[code], lo, hi)
        if blocks is None:
            return None
        for start, size in blocks:
            for position in range(start, start + size):
                free[position] = False
                row[prog.working[position]] = code
    return row


def greedy_secretary(instance: dict, time_limit: float, *, rotating: bool = False) -> dict:
    """Baseline (b). With rotating=True, the variant `greedy_rotating`."""
    started = time.perf_counter()
    method = "greedy_rotating" if rotating else "greedy_secretary"
    horizon = instance["horizon_months"]
    load = {d["code"]: [0] * horizon for d in instance["departments"]}
    assignments: dict[str, Row] = {}
    fallbacks: list[str] = []
    seen: dict[tuple[str, int], int] = {}
    for trainee in instance["trainees"]:
        prog = programme(instance, trainee)
        key = (trainee["standard"], trainee["start"])
        seen[key] = seen.get(key, -1) + 1
        row = secretary_row(instance, prog, load, rotate=seen[key] if rotating else 0)
        if row is None or trainee_violations(instance, prog, row):
            fallbacks.append(trainee["id"])
            row, _ = solve_trainee(instance, prog, objective="changes" if prog.previous else "none")
        if row is None:
            return make_solution(
                instance,
                None,
                "infeasible",
                started,
                method,
                diagnostics=[
                    {
                        "kind": "infeasible",
                        "trainee": trainee["id"],
                        "explanation": "no schedule satisfies this trainee's hard constraints",
                    }
                ],
            )
        assignments[trainee["id"]] = row
        for month, value in enumerate(row):
            if value in load:
                load[value][month] += 1
    return make_solution(instance, assignments, "feasible", started, method, fallback_trainees=fallbacks)


def greedy_rotating(instance: dict, time_limit: float) -> dict:
    """A variant of (b), not in the brief: the secretary's rotation wheel.

    The k-th trainee of a cohort and standard starts the standard's order at its k-th department, so a
    cohort is spread over the departments instead of moving through them in a single file. It is the
    usual spreadsheet practice and a fairer yardstick than (b), which sends a whole cohort to the same
    department at the same time.
    """
    return greedy_secretary(instance, time_limit, rotating=True)
