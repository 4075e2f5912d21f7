"""Independent checker for rotation-scheduling solutions.

It reads an instance and a solution in the JSON format of
``/work/shared/domain/rotation-instance-format.md`` and recomputes everything from scratch: the hard
rules for every trainee's row and the figures (overload, underfill, preference cost, changes,
objective). It shares no code with the solver on purpose, so that the two can be checked against
each other. Standard library only; plain loops over months rather than anything clever.

Decisions where the format page leaves room (kept in one place so the solver can agree):
- ``min_each`` defaults to 1, ``max_each`` to the group's months; ``max_segments`` defaults to no
  limit, ``min_segment_months`` to 1, ``earliest_start`` to 0, ``latest_end`` to no limit.
- A department missing ``capacity`` has no capacity limit; missing ``minimum`` means 0.
- A segment's length counts only the months in the department; leave inside the run adds nothing.
- When a department is in a requirement and a group, the requirement's segment and window rules apply
  to all its months, the group months included.
- Leave months are counted once each, even if two leave blocks overlap.
- A preference may combine ``prefer``, ``not_before`` and ``not_after``; the costs add up. Weight
  defaults to 1.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from typing import Any

INSTANCE_FORMAT = "medtalent-rotation-instance/1"
SOLUTION_FORMAT = "medtalent-rotation-solution/1"
LEAVE = "LEAVE"
STATUSES = ("optimal", "feasible", "infeasible", "unknown")
DEFAULT_WEIGHTS = {"overload": 1000, "underfill": 100, "preference": 1, "change": 10}
DEFAULT_PARTNER_LIMITS = {"total": 6, "per_subspecialty": 3}

Row = list[str | None]


@dataclass
class Violation:
    kind: str
    trainee: str | None
    message: str


@dataclass
class CheckReport:
    violations: list[Violation] = field(default_factory=list)
    mismatches: list[Violation] = field(default_factory=list)
    figures: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.violations and not self.mismatches


@dataclass
class Programme:
    """What the instance fixes about one trainee, derived once from the JSON."""

    trainee_id: str
    start: int
    end: int  # exclusive
    requirements: list[dict[str, Any]]  # the standard's, then the trainee's extra ones
    groups: list[dict[str, Any]]
    leave: set[int]
    fixed: dict[int, str]  # calendar month -> department

    def required_months(self) -> dict[str, int]:
        required: Counter[str] = Counter()
        for requirement in self.requirements:
            required[requirement["department"]] += requirement["months"]
        return dict(required)

    def group_of(self) -> dict[str, dict[str, Any]]:
        return {code: group for group in self.groups for code in group["departments"]}

    def allowed_departments(self) -> set[str]:
        return set(self.required_months()) | set(self.group_of())


# ---------------------------------------------------------------------------------------------------
# Small readers of the instance
# ---------------------------------------------------------------------------------------------------


def departments_by_code(instance: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {department["code"]: department for department in instance.get("departments", [])}


def trainees_by_id(instance: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {trainee["id"]: trainee for trainee in instance.get("trainees", [])}


def value_at(value: Any, month: int, default: int | None) -> int | None:
    """A per-month figure given as one number, or as a list whose last value repeats."""
    if value is None:
        return default
    if isinstance(value, list):
        if not value:
            return default
        return int(value[min(month, len(value) - 1)])
    return int(value)


def capacity_at(department: dict[str, Any], month: int) -> int | None:
    """None means no limit."""
    return value_at(department.get("capacity"), month, None)


def minimum_at(department: dict[str, Any], month: int) -> int:
    return value_at(department.get("minimum"), month, 0) or 0


def weights(instance: dict[str, Any]) -> dict[str, int]:
    return {**DEFAULT_WEIGHTS, **(instance.get("weights") or {})}


def partner_limits(instance: dict[str, Any]) -> dict[str, int]:
    return {**DEFAULT_PARTNER_LIMITS, **(instance.get("partner_limits") or {})}


def programme(instance: dict[str, Any], trainee: dict[str, Any]) -> Programme:
    """The trainee's span, requirements, leave and fixed months. An unknown standard counts as empty."""
    standard = instance.get("standards", {}).get(trainee.get("standard"), {})
    requirements = list(standard.get("requirements", [])) + list(trainee.get("extra_requirements", []))
    groups = list(standard.get("groups", []))
    leave = {
        month
        for block in trainee.get("leave", [])
        for month in range(block["start"], block["start"] + block["months"])
    }
    fixed = {
        month: block["department"]
        for block in trainee.get("fixed", [])
        for month in range(block["start"], block["start"] + block["months"])
    }
    # Standard total (requirements + groups), plus the extra requirements, plus leave.
    total = sum(r["months"] for r in requirements) + sum(g["months"] for g in groups)
    start = trainee.get("start", 0)
    return Programme(trainee["id"], start, start + total + len(leave), requirements, groups, leave, fixed)


# ---------------------------------------------------------------------------------------------------
# Wording
# ---------------------------------------------------------------------------------------------------


def month_label(instance: dict[str, Any], month: int) -> str:
    """'month 3 (2025-12)' when start_month is a YYYY-MM string, else 'month 3'."""
    try:
        year, first = (int(part) for part in str(instance.get("start_month", "")).split("-"))
    except ValueError:
        return f"month {month}"
    index = year * 12 + (first - 1) + month
    return f"month {month} ({index // 12:04d}-{index % 12 + 1:02d})"


def months_text(instance: dict[str, Any], months: list[int]) -> str:
    return ", ".join(month_label(instance, month) for month in sorted(months))


def months_in(row: Row, code: str) -> list[int]:
    return [month for month, value in enumerate(row) if value == code]


def segments(row: Row, code: str) -> list[list[int]]:
    """Maximal runs of ``code``. A leave month does not end a run (and is not part of it);
    any other value, null included, does."""
    runs: list[list[int]] = []
    current: list[int] | None = None
    for month, value in enumerate(row):
        if value == LEAVE:
            continue
        if value == code:
            if current is None:
                current = []
                runs.append(current)
            current.append(month)
        else:
            current = None
    return runs


# ---------------------------------------------------------------------------------------------------
# Instance-level checks (no trainee)
# ---------------------------------------------------------------------------------------------------


def instance_violations(instance: dict[str, Any]) -> list[Violation]:
    """Problems with the instance itself that make every trainee's check doubtful."""
    found: list[Violation] = []

    def add(message: str) -> None:
        found.append(Violation("format", None, message))

    if instance.get("format") != INSTANCE_FORMAT:
        add(f"The instance format is {instance.get('format')!r}, expected {INSTANCE_FORMAT!r}.")
    codes = [department.get("code") for department in instance.get("departments", [])]
    for code, count in Counter(codes).items():
        if count > 1:
            add(f"Department {code} is listed {count} times.")
        if code == LEAVE:
            add("A department may not be called LEAVE.")
    known = set(codes)
    for name, standard in instance.get("standards", {}).items():
        required = [r["department"] for r in standard.get("requirements", [])]
        grouped = [code for g in standard.get("groups", []) for code in g["departments"]]
        for code in set(required + grouped) - known:
            add(f"Standard {name} names department {code}, which is not in the departments list.")
        for code, count in Counter(required).items():
            if count > 1:
                add(f"Standard {name} has {count} requirements for department {code}.")
        for code, count in Counter(grouped).items():
            if count > 1:
                add(f"Standard {name} puts department {code} in {count} groups (at most one is allowed).")
    return found


# ---------------------------------------------------------------------------------------------------
# Per-trainee hard rules
# ---------------------------------------------------------------------------------------------------


class _Findings(list[Violation]):
    """Violations of one trainee; every message starts with the trainee's name."""

    def __init__(self, trainee_id: str) -> None:
        super().__init__()
        self.trainee_id = trainee_id

    def add(self, kind: str, message: str) -> None:
        self.append(Violation(kind, self.trainee_id, f"Trainee {self.trainee_id} {message}"))


def hard_violations_for_trainee(instance: dict[str, Any], trainee_id: str, row: Row) -> list[Violation]:
    """Every hard rule the row breaks for this trainee. Setup problems (unknown trainee or standard,
    programme beyond the horizon) and a malformed row stop the check: the rest would be noise."""
    trainee = trainees_by_id(instance).get(trainee_id)
    if trainee is None:
        found = _Findings(trainee_id)
        found.add("format", "is not in the instance.")
        return found
    setup = trainee_setup_violations(instance, trainee)
    if setup:
        return setup
    prog = programme(instance, trainee)
    shape = _shape_violations(instance, prog, row)
    if shape:
        return shape
    found = _Findings(trainee_id)
    for check in (
        _span_violations,
        _leave_violations,
        _fixed_violations,
        _month_count_violations,
        _group_violations,
        _segment_violations,
        _window_violations,
        _partner_violations,
    ):
        check(instance, prog, row, found)
    return found


def trainee_setup_violations(instance: dict[str, Any], trainee: dict[str, Any]) -> list[Violation]:
    """What is wrong with the trainee's entry in the instance, whatever their row."""
    found = _Findings(trainee["id"])
    name = trainee.get("standard")
    standard = instance.get("standards", {}).get(name)
    if standard is None:
        found.add("format", f"follows standard {name}, which is not defined.")
        return found
    in_standard = {r["department"] for r in standard.get("requirements", [])}
    in_standard |= {code for g in standard.get("groups", []) for code in g["departments"]}
    extra = [r["department"] for r in trainee.get("extra_requirements", [])]
    for code in extra:
        if code in in_standard:
            found.add("format", f"has an extra requirement for {code}, which standard {name} already covers.")
    for code, count in Counter(extra).items():
        if count > 1:
            found.add("format", f"has {count} extra requirements for {code}.")
    known = departments_by_code(instance)
    for code in set(extra) | {block["department"] for block in trainee.get("fixed", [])}:
        if code not in known:
            found.add("format", f"names department {code}, which is not in the departments list.")
    if found:
        return found
    prog = programme(instance, trainee)
    horizon = instance.get("horizon_months", 0)
    if prog.start < 0 or prog.end > horizon:
        found.add(
            "horizon",
            f"has a programme from month {prog.start} to month {prog.end - 1}, "
            f"outside the horizon of {horizon} months.",
        )
    return found


def _shape_violations(instance: dict[str, Any], prog: Programme, row: Row) -> list[Violation]:
    found = _Findings(prog.trainee_id)
    horizon = instance.get("horizon_months", 0)
    if not isinstance(row, list) or len(row) != horizon:
        size = len(row) if isinstance(row, list) else "no"
        found.add("format", f"has a row of {size} entries; the horizon has {horizon}.")
        return found
    known = departments_by_code(instance)
    for month, value in enumerate(row):
        if value is not None and value != LEAVE and value not in known:
            found.add("format", f"is in unknown department {value!r} in {month_label(instance, month)}.")
    return found


def _entry(row: Row, month: int) -> str | None:
    """The row's value in a month, null for months off the horizon (a block may stick out of it)."""
    return row[month] if 0 <= month < len(row) else None


def _department_counts(row: Row) -> Counter[str]:
    return Counter(value for value in row if value is not None and value != LEAVE)


# Each check below adds what it finds to ``found``; all take the same arguments.


def _span_violations(instance: dict[str, Any], prog: Programme, row: Row, found: _Findings) -> None:
    """Null exactly outside [start, end)."""
    inside = range(prog.start, prog.end)
    busy_outside = [m for m, value in enumerate(row) if value is not None and m not in inside]
    empty_inside = [m for m in inside if row[m] is None]
    if busy_outside:
        found.add(
            "outside_programme",
            f"is assigned in {months_text(instance, busy_outside)}, outside the "
            f"programme (months {prog.start} to {prog.end - 1}).",
        )
    if empty_inside:
        found.add(
            "outside_programme",
            f"has no assignment in {months_text(instance, empty_inside)}, inside the programme.",
        )


def _leave_violations(instance: dict[str, Any], prog: Programme, row: Row, found: _Findings) -> None:
    not_taken = [m for m in sorted(prog.leave) if _entry(row, m) != LEAVE]
    undeclared = [m for m, value in enumerate(row) if value == LEAVE and m not in prog.leave]
    if not_taken:
        found.add(
            "leave",
            f"has declared leave in {months_text(instance, not_taken)}, but the row does not say LEAVE.",
        )
    if undeclared:
        found.add("leave", f"is on LEAVE in {months_text(instance, undeclared)}, where no leave is declared.")


def _fixed_violations(instance: dict[str, Any], prog: Programme, row: Row, found: _Findings) -> None:
    wrong: dict[str, list[int]] = {}
    for month, code in sorted(prog.fixed.items()):
        if _entry(row, month) != code:
            wrong.setdefault(code, []).append(month)
    for code, months in wrong.items():
        found.add(
            "fixed",
            f"is fixed in {code} in {months_text(instance, months)}, "
            f"but the row has {[_entry(row, m) for m in months]}.",
        )


def _month_count_violations(instance: dict[str, Any], prog: Programme, row: Row, found: _Findings) -> None:
    """Months per department against the requirements; departments outside the standard."""
    counts = _department_counts(row)
    group_of = prog.group_of()
    for code, count in sorted(counts.items()):
        if code not in prog.allowed_departments():
            found.add(
                "months",
                f"spends {count} months in {code}, which is not in their standard "
                f"or extra requirements ({months_text(instance, months_in(row, code))}).",
            )
    for code, months in sorted(prog.required_months().items()):
        if code not in group_of and counts[code] != months:
            found.add("months", f"spends {counts[code]} months in {code}; the requirement is {months}.")
        elif code in group_of and counts[code] < months:
            # The group can only add months on top of the requirement.
            found.add("months", f"spends {counts[code]} months in {code}; the requirement alone is {months}.")


def _group_violations(instance: dict[str, Any], prog: Programme, row: Row, found: _Findings) -> None:
    """A department's group months are its months above its requirement (if any)."""
    counts = _department_counts(row)
    required = prog.required_months()
    for group in prog.groups:
        names = "/".join(group["departments"])
        chosen = {code: counts[code] - required.get(code, 0) for code in group["departments"]}
        chosen = {code: months for code, months in chosen.items() if months > 0}
        if sum(chosen.values()) != group["months"]:
            found.add(
                "group",
                f"spends {sum(chosen.values())} group months in {names}; "
                f"the group requires {group['months']}.",
            )
        low = group.get("min_each", 1)
        high = group.get("max_each", group["months"])
        for code, months in sorted(chosen.items()):
            if not low <= months <= high:
                found.add(
                    "group",
                    f"spends {months} group months in {code}; "
                    f"each chosen department of {names} needs {low} to {high}.",
                )


def _segment_violations(instance: dict[str, Any], prog: Programme, row: Row, found: _Findings) -> None:
    rules = {r["department"]: r for r in prog.requirements}
    for code in sorted(_department_counts(row)):
        runs = segments(row, code)
        rule = rules.get(code)
        if rule is not None:
            limit: int | None = rule.get("max_segments")
            shortest = rule.get("min_segment_months", 1)
        elif code in prog.group_of():
            limit, shortest = 1, 1  # a department only in groups is visited in one piece
        else:
            continue  # outside the standard: reported under "months"
        if limit is not None and len(runs) > limit:
            starts = months_text(instance, [run[0] for run in runs])
            found.add(
                "segments",
                f"has {len(runs)} segments in {code} (starting {starts}); at most {limit} allowed.",
            )
        for run in runs:
            if len(run) < shortest:
                found.add(
                    "segments",
                    f"has a {len(run)}-month segment in {code} ({months_text(instance, run)}); "
                    f"segments must last at least {shortest} months.",
                )


def _window_violations(instance: dict[str, Any], prog: Programme, row: Row, found: _Findings) -> None:
    for rule in prog.requirements:
        code = rule["department"]
        low = prog.start + rule.get("earliest_start", 0)
        latest_end = rule.get("latest_end")
        high = prog.start + latest_end if latest_end is not None else None
        outside = [m for m in months_in(row, code) if m < low or (high is not None and m >= high)]
        if outside:
            last = "the end" if high is None else f"month {high - 1}"
            found.add(
                "window",
                f"is in {code} in {months_text(instance, outside)}, "
                f"outside its window (month {low} to {last}).",
            )


def _partner_violations(instance: dict[str, Any], prog: Programme, row: Row, found: _Findings) -> None:
    limits = partner_limits(instance)
    departments = departments_by_code(instance)
    by_key: Counter[str] = Counter()
    for code, count in _department_counts(row).items():
        key = departments.get(code, {}).get("partner")
        if key is not None:
            by_key[key] += count
    if sum(by_key.values()) > limits["total"]:
        found.add(
            "partner",
            f"spends {sum(by_key.values())} months at partner institutions; "
            f"at most {limits['total']} allowed.",
        )
    for key, count in sorted(by_key.items()):
        if count > limits["per_subspecialty"]:
            found.add(
                "partner",
                f"spends {count} months in partner subspecialty {key}; "
                f"at most {limits['per_subspecialty']} allowed.",
            )


# ---------------------------------------------------------------------------------------------------
# Figures
# ---------------------------------------------------------------------------------------------------


def row_of(instance: dict[str, Any], assignments: dict[str, Row], trainee_id: str) -> Row:
    """The trainee's row, as long as the horizon: missing trainees and short rows count as null."""
    horizon = instance.get("horizon_months", 0)
    row = list(assignments.get(trainee_id) or [])[:horizon]
    return row + [None] * (horizon - len(row))


def trainee_preference_cost(instance: dict[str, Any], trainee: dict[str, Any], row: Row) -> int:
    """The trainee's preference cost: each preference's own weight applied, not yet the objective's."""
    prog = programme(instance, trainee)
    cost = 0
    for preference in trainee.get("preferences", []):
        months = months_in(row, preference["department"])
        if not months:
            continue  # a department never visited costs nothing
        weight = preference.get("weight", 1)
        offsets = [m - prog.start for m in months]
        if preference.get("prefer") == "early":
            cost += weight * (months[0] - prog.start)
        elif preference.get("prefer") == "late":
            cost += weight * (prog.end - months[-1] - 1)
        if "not_before" in preference:
            cost += weight * sum(1 for offset in offsets if offset < preference["not_before"])
        if "not_after" in preference:
            cost += weight * sum(1 for offset in offsets if offset > preference["not_after"])
    return cost


def trainee_changes(trainee: dict[str, Any], row: Row) -> int:
    """Months t < len(previous) (and inside the horizon) where the row differs from previous."""
    previous = trainee.get("previous") or []
    return sum(1 for month in range(min(len(previous), len(row))) if row[month] != previous[month])


def occupancy(instance: dict[str, Any], assignments: dict[str, Row]) -> Counter[tuple[str, int]]:
    """Trainees per (department, month), over the instance's trainees only."""
    known = departments_by_code(instance)
    counts: Counter[tuple[str, int]] = Counter()
    for tid in trainees_by_id(instance):
        for month, value in enumerate(row_of(instance, assignments, tid)):
            if value in known:
                counts[(value, month)] += 1
    return counts


def overload_and_underfill(instance: dict[str, Any], counts: Counter[tuple[str, int]]) -> tuple[int, int]:
    overload = underfill = 0
    for code, department in departments_by_code(instance).items():
        for month in range(instance.get("horizon_months", 0)):
            present = counts[(code, month)]
            capacity = capacity_at(department, month)
            if capacity is not None:
                overload += max(0, present - capacity)
            underfill += max(0, minimum_at(department, month) - present)
    return overload, underfill


def evaluate(instance: dict[str, Any], assignments: dict[str, Row]) -> dict[str, int]:
    """The figures of a set of rows, whether or not they keep the hard rules."""
    overload, underfill = overload_and_underfill(instance, occupancy(instance, assignments))
    preference = changes = 0
    for tid, trainee in trainees_by_id(instance).items():
        row = row_of(instance, assignments, tid)
        preference += trainee_preference_cost(instance, trainee, row)
        changes += trainee_changes(trainee, row)
    w = weights(instance)
    objective = (
        overload * w["overload"]
        + underfill * w["underfill"]
        + preference * w["preference"]
        + changes * w["change"]
    )
    return {
        "overload": overload,
        "underfill": underfill,
        "preference_cost": preference,
        "changed_trainee_months": changes,
        "objective": objective,
    }


# ---------------------------------------------------------------------------------------------------
# The whole solution
# ---------------------------------------------------------------------------------------------------


def check_solution(instance: dict[str, Any], solution: dict[str, Any]) -> CheckReport:
    report = CheckReport(violations=instance_violations(instance))
    report.violations += _solution_shape_violations(solution)
    status = solution.get("status")
    assignments = solution.get("assignments")
    if status == "infeasible":
        # Infeasibility cannot be proved here; only that the solver says why.
        diagnostics = solution.get("diagnostics")
        if not isinstance(diagnostics, list) or not diagnostics:
            report.violations.append(
                Violation("format", None, "The solution says infeasible but gives no diagnostics.")
            )
        return report
    if status == "unknown" and not assignments:
        return report  # the solver found nothing in time: nothing to check
    if not isinstance(assignments, dict):
        report.violations.append(Violation("format", None, "The solution has no assignments."))
        return report
    for tid in trainees_by_id(instance):
        if tid not in assignments:
            report.violations.append(Violation("format", tid, f"Trainee {tid} has no row in the solution."))
        else:
            report.violations += hard_violations_for_trainee(instance, tid, assignments[tid])
    for tid in assignments:
        if tid not in trainees_by_id(instance):
            report.violations.append(
                Violation("format", tid, f"The solution has a row for {tid}, who is not in the instance.")
            )
    report.figures = evaluate(instance, assignments)
    report.mismatches = figure_mismatches(solution, report.figures)
    return report


def _solution_shape_violations(solution: dict[str, Any]) -> list[Violation]:
    found: list[Violation] = []
    if solution.get("format") != SOLUTION_FORMAT:
        found.append(
            Violation(
                "format",
                None,
                f"The solution format is {solution.get('format')!r}, expected {SOLUTION_FORMAT!r}.",
            )
        )
    if solution.get("status") not in STATUSES:
        found.append(
            Violation(
                "format",
                None,
                f"The solution status is {solution.get('status')!r}, expected one of {', '.join(STATUSES)}.",
            )
        )
    return found


def figure_mismatches(solution: dict[str, Any], figures: dict[str, int]) -> list[Violation]:
    found: list[Violation] = []

    def add(message: str) -> None:
        found.append(Violation("figure", None, message))

    for key in ("overload", "objective", "changed_trainee_months"):
        if key not in solution:
            add(f"The solution does not state {key} (recomputed: {figures[key]}).")
        elif solution[key] != figures[key]:
            add(f"The solution states {key} = {solution[key]}; recomputed: {figures[key]}.")
    # A lower bound above a value actually reached is false.
    for bound, key in (("overload_lower_bound", "overload"), ("objective_lower_bound", "objective")):
        stated = solution.get(bound)
        if stated is not None and stated > figures[key]:
            add(f"The solution states {bound} = {stated}, above the {key} of its own rows ({figures[key]}).")
    claimed = solution.get("objective_lower_bound")
    if solution.get("status") == "optimal" and claimed != figures["objective"]:
        add(
            f"The solution says optimal but its objective_lower_bound ({claimed}) is not its objective "
            f"({figures['objective']})."
        )
    return found
