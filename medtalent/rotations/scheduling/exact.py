"""The exact single-trainee model in CP-SAT: a fallback layout, and the explanation of conflicts.

Each family of hard rules (one requirement's months, its window, its segments, a group, the fixed blocks,
the partner limits) is switched on by its own literal. Solving with all literals assumed true either
finds a row, or CP-SAT names a small set of assumptions that cannot hold together: those rules, in
words, are the diagnosis.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from ortools.sat.python import cp_model

from .trainee import TraineeProblem


@dataclass
class Rule:
    kind: str  # months | window | segments | group | fixed | partner
    department: str | None
    text: str
    details: dict


@dataclass
class ExactResult:
    row: np.ndarray | None
    conflict: list[Rule]


def solve_trainee(
    problem: TraineeProblem,
    codes: list[str],
    cost: np.ndarray | None = None,
    *,
    time_limit: float = 5.0,
) -> ExactResult:
    """Lay out one trainee exactly; `cost[d, month]` (optional) is minimised."""
    trainee = problem.trainee
    model = cp_model.CpModel()
    working = [m for m in range(trainee.start, trainee.end) if m not in trainee.leave]
    departments = problem.departments
    x = {(d, m): model.new_bool_var(f"x{d}_{m}") for d in departments for m in working}
    rules: dict[int, Rule] = {}

    def rule(kind: str, department: int | None, text: str, **details) -> cp_model.IntVar:
        literal = model.new_bool_var(f"rule{len(rules)}")
        code = codes[department] if department is not None else None
        rules[literal.index] = Rule(kind, code, text, details)
        return literal

    for m in working:
        model.add_exactly_one(x[d, m] for d in departments)
    if problem.fixed:
        blocks = ", ".join(f"{b.department} from month {b.start} for {b.months}" for b in trainee.fixed)
        literal = rule("fixed", None, f"the fixed blocks ({blocks})", blocks=blocks)
        for month, d in problem.fixed.items():
            if (d, month) in x:
                model.add(x[d, month] == 1).only_enforce_if(literal)
            else:  # on leave, outside the programme, or a department the standard does not allow
                model.add_bool_or([literal.negated()])
    requirement_of = problem.requirement_of
    grouped: dict[int, int] = {}
    for g, group in enumerate(trainee.standard.groups):
        members = [problem.department_index[c] for c in group.departments]
        literal = rule(
            "group",
            None,
            f"the elective group {'/'.join(group.departments)} needs {group.months} months, "
            f"{group.min_each} to {group.max_each} in each department chosen",
            departments=list(group.departments),
            months=group.months,
        )
        extras = []
        for d in members:
            grouped[d] = g
            base = requirement_of[d].months if d in requirement_of else 0
            extra = model.new_int_var(0, group.max_each, f"extra{d}")
            chosen = model.new_bool_var(f"chosen{d}")
            model.add(extra == sum(x[d, m] for m in working) - base)
            model.add(extra >= group.min_each).only_enforce_if([chosen, literal])
            model.add(extra == 0).only_enforce_if([chosen.negated(), literal])
            extras.append(extra)
        model.add(sum(extras) == group.months).only_enforce_if(literal)
    for d in departments:
        requirement = requirement_of.get(d)
        code = codes[d]
        months_here = [x[d, m] for m in working]
        if requirement is not None and d not in grouped:
            literal = rule(
                "months", d, f"{code} needs {requirement.months} months", months=requirement.months
            )
            model.add(sum(months_here) == requirement.months).only_enforce_if(literal)
        max_segments = requirement.max_segments if requirement else 1
        min_segment = requirement.min_segment_months if requirement else 1
        literal = rule(
            "segments",
            d,
            f"{code} in at most {max_segments} block(s) of at least {min_segment} month(s)",
            max_segments=max_segments,
            min_segment_months=min_segment,
        )
        starts = []
        for i, m in enumerate(working):
            begins = model.new_bool_var(f"s{d}_{m}")
            if i == 0:
                model.add(begins >= x[d, m])
            else:
                model.add(begins >= x[d, m] - x[d, working[i - 1]])
            for k in range(1, min_segment):
                if i + k < len(working):
                    model.add_implication(begins, x[d, working[i + k]]).only_enforce_if(literal)
                else:
                    model.add_bool_or([begins.negated(), literal.negated()])
            starts.append(begins)
        model.add(sum(starts) <= max_segments).only_enforce_if(literal)
        if requirement is not None and (
            requirement.earliest_start is not None or requirement.latest_end is not None
        ):
            low = trainee.start + (requirement.earliest_start or 0)
            high = (
                trainee.start + requirement.latest_end if requirement.latest_end is not None else trainee.end
            )
            literal = rule(
                "window",
                d,
                f"{code} must lie within months {low - trainee.start} to {high - trainee.start - 1} "
                "of the programme",
                earliest_start=requirement.earliest_start,
                latest_end=requirement.latest_end,
            )
            for m in working:
                if not low <= m < high:
                    model.add(x[d, m] == 0).only_enforce_if(literal)
    if problem.partner_keys:
        limits = problem.partner_limits
        literal = rule(
            "partner",
            None,
            f"at most {limits['total']} months at partner institutions and "
            f"{limits['per_subspecialty']} in one partner subspecialty",
            **limits,
        )
        keys: dict[str, list] = {}
        for d in departments:
            key = problem.partner_keys.get(d)
            if key is not None:
                keys.setdefault(key, []).extend(x[d, m] for m in working)
        model.add(sum(v for vs in keys.values() for v in vs) <= limits["total"]).only_enforce_if(literal)
        for values in keys.values():
            model.add(sum(values) <= limits["per_subspecialty"]).only_enforce_if(literal)
    literals = [model.get_bool_var_from_proto_index(i) for i in rules]
    model.add_assumptions(literals)
    if cost is not None:
        model.minimize(sum(round(cost[d, m]) * x[d, m] for d in departments for m in working if cost[d, m]))
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit
    solver.parameters.num_workers = 1
    status = solver.solve(model)
    if status in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        row = np.full(trainee.end - trainee.start, -1, dtype=np.int64)
        for (d, m), variable in x.items():
            if solver.value(variable):
                row[m - trainee.start] = d
        return ExactResult(row, [])
    if status == cp_model.INFEASIBLE:
        core = solver.sufficient_assumptions_for_infeasibility()
        return ExactResult(None, [rules[i] for i in core] or list(rules.values()))
    return ExactResult(None, [])
