"""The scheduler's view of an instance: plain dataclasses read from the JSON format.

`docs/rotation-instance-format.md` defines the format. Reading validates the structure and names the
offending field, so a bad file fails with a clear message before any solving starts.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

INSTANCE_FORMAT = "medtalent-rotation-instance/1"
SOLUTION_FORMAT = "medtalent-rotation-solution/1"
LEAVE = "LEAVE"
DEFAULT_WEIGHTS = {"overload": 1000, "underfill": 100, "preference": 1, "change": 10}
DEFAULT_PARTNER_LIMITS = {"total": 6, "per_subspecialty": 3}


class InstanceError(ValueError):
    """The instance is malformed. `path` names the field, e.g. ``trainees[3].fixed[0].months``."""

    def __init__(self, path: str, message: str) -> None:
        super().__init__(f"{path}: {message}")
        self.path = path
        self.message = message


@dataclass(frozen=True)
class Requirement:
    department: str
    months: int
    max_segments: int = 1
    min_segment_months: int = 1
    earliest_start: int | None = None
    latest_end: int | None = None


@dataclass(frozen=True)
class Group:
    departments: tuple[str, ...]
    months: int
    min_each: int = 1
    max_each: int = 1


@dataclass(frozen=True)
class Standard:
    code: str
    requirements: tuple[Requirement, ...]
    groups: tuple[Group, ...]

    @property
    def total_months(self) -> int:
        return sum(r.months for r in self.requirements) + sum(g.months for g in self.groups)


@dataclass(frozen=True)
class Department:
    code: str
    capacity: tuple[int, ...]
    minimum: tuple[int, ...]
    partner: str | None = None

    def capacity_at(self, month: int) -> int:
        return self.capacity[min(month, len(self.capacity) - 1)]

    def minimum_at(self, month: int) -> int:
        return self.minimum[min(month, len(self.minimum) - 1)]


@dataclass(frozen=True)
class Preference:
    department: str
    weight: int
    prefer: str | None = None  # "early" | "late"
    not_before: int | None = None
    not_after: int | None = None


@dataclass(frozen=True)
class Block:
    department: str
    start: int
    months: int


@dataclass
class Trainee:
    id: str
    standard: Standard
    start: int
    fixed: tuple[Block, ...] = ()
    leave: frozenset[int] = frozenset()
    preferences: tuple[Preference, ...] = ()
    previous: tuple[str | None, ...] = ()
    extra_requirements: tuple[Requirement, ...] = ()

    @property
    def requirements(self) -> tuple[Requirement, ...]:
        return self.standard.requirements + self.extra_requirements

    @property
    def working_months(self) -> int:
        return self.standard.total_months + sum(r.months for r in self.extra_requirements)

    @property
    def end(self) -> int:
        """The programme's end (exclusive): start + standard total + extra months + leave months."""
        return self.start + self.working_months + len(self.leave)

    def fixed_months(self) -> dict[int, str]:
        return {block.start + k: block.department for block in self.fixed for k in range(block.months)}


@dataclass
class Instance:
    start_month: str
    horizon: int
    departments: dict[str, Department]
    standards: dict[str, Standard]
    trainees: list[Trainee]
    weights: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_WEIGHTS))
    partner_limits: dict[str, int] = field(default_factory=lambda: dict(DEFAULT_PARTNER_LIMITS))


def read_instance(data: Any) -> Instance:
    """Build an `Instance` from parsed JSON, or raise `InstanceError` naming the first bad field."""
    reader = _Reader()
    return reader.instance(data)


class _Reader:
    def instance(self, data: Any) -> Instance:
        root = self.mapping(data, "instance")
        if root.get("format") != INSTANCE_FORMAT:
            raise InstanceError("format", f"expected {INSTANCE_FORMAT!r}, got {root.get('format')!r}")
        horizon = self.integer(root.get("horizon_months"), "horizon_months", low=1, high=600)
        start_month = root.get("start_month", "")
        if not isinstance(start_month, str):
            raise InstanceError("start_month", "must be a text like 2025-09")
        departments: dict[str, Department] = {}
        for i, item in enumerate(self.sequence(root.get("departments"), "departments")):
            department = self.department(item, f"departments[{i}]")
            if department.code in departments:
                raise InstanceError(f"departments[{i}].code", f"{department.code} appears twice")
            departments[department.code] = department
        standards = {
            code: self.standard(code, item, f"standards.{code}", departments)
            for code, item in self.mapping(root.get("standards"), "standards").items()
        }
        weights = dict(DEFAULT_WEIGHTS)
        for key, value in self.mapping(root.get("weights", {}), "weights").items():
            if key not in DEFAULT_WEIGHTS:
                raise InstanceError(f"weights.{key}", "unknown weight")
            weights[key] = self.integer(value, f"weights.{key}", low=0)
        limits = dict(DEFAULT_PARTNER_LIMITS)
        for key, value in self.mapping(root.get("partner_limits", {}), "partner_limits").items():
            if key not in DEFAULT_PARTNER_LIMITS:
                raise InstanceError(f"partner_limits.{key}", "unknown limit")
            limits[key] = self.integer(value, f"partner_limits.{key}", low=0)
        trainees: list[Trainee] = []
        seen: set[str] = set()
        for i, item in enumerate(self.sequence(root.get("trainees"), "trainees")):
            trainee = self.trainee(item, f"trainees[{i}]", standards, departments, horizon)
            if trainee.id in seen:
                raise InstanceError(f"trainees[{i}].id", f"{trainee.id} appears twice")
            seen.add(trainee.id)
            trainees.append(trainee)
        return Instance(start_month, horizon, departments, standards, trainees, weights, limits)

    def department(self, data: Any, path: str) -> Department:
        item = self.mapping(data, path)
        code = self.code(item.get("code"), f"{path}.code")
        capacity = self.per_month(item.get("capacity"), f"{path}.capacity")
        minimum = self.per_month(item.get("minimum", 0), f"{path}.minimum")
        partner = item.get("partner")
        if partner is not None and not isinstance(partner, str):
            raise InstanceError(f"{path}.partner", "must be a subspecialty key (text)")
        return Department(code, capacity, minimum, partner)

    def standard(self, code: str, data: Any, path: str, departments: dict[str, Department]) -> Standard:
        item = self.mapping(data, path)
        requirements = tuple(
            self.requirement(r, f"{path}.requirements[{i}]", departments)
            for i, r in enumerate(self.sequence(item.get("requirements", []), f"{path}.requirements"))
        )
        groups = []
        grouped: set[str] = set()
        for i, raw in enumerate(self.sequence(item.get("groups", []), f"{path}.groups")):
            group = self.group(raw, f"{path}.groups[{i}]", departments)
            if grouped & set(group.departments):
                raise InstanceError(f"{path}.groups[{i}]", "a department belongs to at most one group")
            grouped |= set(group.departments)
            groups.append(group)
        required = [r.department for r in requirements]
        if len(set(required)) != len(required):
            raise InstanceError(f"{path}.requirements", "a department appears in two requirements")
        return Standard(code, requirements, tuple(groups))

    def requirement(self, data: Any, path: str, departments: dict[str, Department]) -> Requirement:
        item = self.mapping(data, path)
        department = self.known(item.get("department"), f"{path}.department", departments)
        months = self.integer(item.get("months"), f"{path}.months", low=1, high=120)
        # Absent, the number of segments is not limited (each segment is at least one month).
        max_segments = self.integer(
            item.get("max_segments", months), f"{path}.max_segments", low=1, high=months
        )
        min_segment = self.integer(
            item.get("min_segment_months", 1), f"{path}.min_segment_months", low=1, high=months
        )
        earliest = item.get("earliest_start")
        latest = item.get("latest_end")
        if earliest is not None:
            earliest = self.integer(earliest, f"{path}.earliest_start", low=0)
        if latest is not None:
            latest = self.integer(latest, f"{path}.latest_end", low=1)
        if (latest or 10**6) - (earliest or 0) < months:
            raise InstanceError(f"{path}.latest_end", "the window is shorter than the months required")
        return Requirement(department, months, max_segments, min_segment, earliest, latest)

    def group(self, data: Any, path: str, departments: dict[str, Department]) -> Group:
        item = self.mapping(data, path)
        codes = tuple(
            self.known(code, f"{path}.departments[{i}]", departments)
            for i, code in enumerate(self.sequence(item.get("departments"), f"{path}.departments"))
        )
        if len(set(codes)) != len(codes) or not codes:
            raise InstanceError(f"{path}.departments", "must list distinct departments")
        months = self.integer(item.get("months"), f"{path}.months", low=1, high=120)
        min_each = self.integer(item.get("min_each", 1), f"{path}.min_each", low=1, high=months)
        max_each = self.integer(item.get("max_each", months), f"{path}.max_each", low=min_each, high=120)
        if max_each * len(codes) < months:
            raise InstanceError(f"{path}.months", "more months than the departments can take")
        return Group(codes, months, min_each, max_each)

    def trainee(
        self,
        data: Any,
        path: str,
        standards: dict[str, Standard],
        departments: dict[str, Department],
        horizon: int,
    ) -> Trainee:
        item = self.mapping(data, path)
        trainee_id = item.get("id")
        if not isinstance(trainee_id, str) or not trainee_id:
            raise InstanceError(f"{path}.id", "must be a non-empty text")
        standard = standards.get(item.get("standard"))  # type: ignore[arg-type]
        if standard is None:
            raise InstanceError(f"{path}.standard", f"unknown standard {item.get('standard')!r}")
        start = self.integer(item.get("start"), f"{path}.start", low=0, high=horizon - 1)
        fixed = tuple(
            Block(
                self.known(block.get("department"), f"{path}.fixed[{i}].department", departments),
                self.integer(block.get("start"), f"{path}.fixed[{i}].start", low=0, high=horizon - 1),
                self.integer(block.get("months"), f"{path}.fixed[{i}].months", low=1, high=horizon),
            )
            for i, block in enumerate(
                self.mapping(b, f"{path}.fixed[{j}]")
                for j, b in enumerate(self.sequence(item.get("fixed", []), f"{path}.fixed"))
            )
        )
        leave: set[int] = set()
        for i, raw in enumerate(self.sequence(item.get("leave", []), f"{path}.leave")):
            block = self.mapping(raw, f"{path}.leave[{i}]")
            first = self.integer(block.get("start"), f"{path}.leave[{i}].start", low=0, high=horizon - 1)
            months = self.integer(block.get("months"), f"{path}.leave[{i}].months", low=1, high=horizon)
            leave.update(range(first, first + months))
        preferences = tuple(
            self.preference(raw, f"{path}.preferences[{i}]", departments)
            for i, raw in enumerate(self.sequence(item.get("preferences", []), f"{path}.preferences"))
        )
        previous_raw = self.sequence(item.get("previous", []), f"{path}.previous")
        previous = tuple(
            None if code is None else self.known_or_leave(code, f"{path}.previous[{i}]", departments)
            for i, code in enumerate(previous_raw)
        )
        extra = tuple(
            self.requirement(raw, f"{path}.extra_requirements[{i}]", departments)
            for i, raw in enumerate(
                self.sequence(item.get("extra_requirements", []), f"{path}.extra_requirements")
            )
        )
        in_standard = {r.department for r in standard.requirements} | {
            code for group in standard.groups for code in group.departments
        }
        for i, requirement in enumerate(extra):
            if requirement.department in in_standard:
                raise InstanceError(
                    f"{path}.extra_requirements[{i}].department", "is already in the trainee's standard"
                )
        trainee = Trainee(trainee_id, standard, start, fixed, frozenset(leave), preferences, previous, extra)
        if trainee.end > horizon:
            raise InstanceError(
                f"{path}.start", f"the programme ends at month {trainee.end}, after the horizon ({horizon})"
            )
        return trainee

    def preference(self, data: Any, path: str, departments: dict[str, Department]) -> Preference:
        item = self.mapping(data, path)
        department = self.known(item.get("department"), f"{path}.department", departments)
        weight = self.integer(item.get("weight", 1), f"{path}.weight", low=0)
        prefer = item.get("prefer")
        if prefer not in (None, "early", "late"):
            raise InstanceError(f"{path}.prefer", "must be 'early' or 'late'")
        not_before = item.get("not_before")
        not_after = item.get("not_after")
        if not_before is not None:
            not_before = self.integer(not_before, f"{path}.not_before", low=0)
        if not_after is not None:
            not_after = self.integer(not_after, f"{path}.not_after", low=0)
        return Preference(department, weight, prefer, not_before, not_after)

    # -- primitives ---------------------------------------------------------------------------------

    def mapping(self, value: Any, path: str) -> dict[str, Any]:
        if not isinstance(value, dict):
            raise InstanceError(path, "must be an object")
        return value

    def sequence(self, value: Any, path: str) -> list[Any]:
        if not isinstance(value, list):
            raise InstanceError(path, "must be a list")
        return value

    def integer(self, value: Any, path: str, *, low: int | None = None, high: int | None = None) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise InstanceError(path, f"must be a whole number, got {value!r}")
        if low is not None and value < low:
            raise InstanceError(path, f"must be at least {low}, got {value}")
        if high is not None and value > high:
            raise InstanceError(path, f"must be at most {high}, got {value}")
        return value

    def code(self, value: Any, path: str) -> str:
        if not isinstance(value, str) or not value or value == LEAVE:
            raise InstanceError(path, "must be a department code")
        return value

    def known(self, value: Any, path: str, departments: dict[str, Department]) -> str:
        if value not in departments:
            raise InstanceError(path, f"unknown department {value!r}")
        return str(value)

    def known_or_leave(self, value: Any, path: str, departments: dict[str, Department]) -> str:
        return LEAVE if value == LEAVE else self.known(value, path, departments)

    def per_month(self, value: Any, path: str) -> tuple[int, ...]:
        values = value if isinstance(value, list) else [value]
        if not values:
            raise InstanceError(path, "must not be empty")
        return tuple(self.integer(v, f"{path}[{i}]", low=0) for i, v in enumerate(values))
