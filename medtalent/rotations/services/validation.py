"""The rules a rotation standard's edition must keep, each problem reported at its field.

A path names the field as the JSON has it: ``("requirements", 3, "months")`` is the months of the fourth
requirement, ``("groups", 0, "departments")`` the first group's departments, ``("total_months",)`` the total.
Rows are counted from 0 in paths and from 1 in messages, as people count them.
"""

import math
from collections.abc import Iterable
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from medtalent.core.errors import PathProblem, ProblemsError
from medtalent.people.models import Institution

from ..selectors import standard_departments_by_code

MAX_TOTAL_MONTHS = 120
REQUIREMENT_KEYS = (
    "department",
    "months",
    "max_segments",
    "min_segment_months",
    "earliest_start",
    "latest_end",
    "confirmed",
)
GROUP_KEYS = ("departments", "months", "min_each", "max_each")

Path = tuple[str | int, ...]


EditionProblem = PathProblem


class EditionInvalidError(ProblemsError):
    """An edition that breaks the rules; ``problems`` says where and why (400 in the API)."""

    def __init__(self, problems: list[EditionProblem]) -> None:
        message = ngettext(
            "The standard has %(count)d problem; it is marked below.",
            "The standard has %(count)d problems; they are marked below.",
            len(problems),
        ) % {"count": len(problems)}
        super().__init__(message, problems)


def _is_whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


class _Checker:
    def __init__(self, institution: Institution, total_months: Any) -> None:
        self.institution = institution
        self.codes = set(standard_departments_by_code(institution))
        self.total = total_months if _is_whole(total_months) else None
        self.problems: list[EditionProblem] = []
        # The months counted toward the total; None once one of them is not a whole number.
        self.counted: dict[str, int | None] = {"requirements": 0, "groups": 0}

    def add(self, path: Path, message: str) -> None:
        self.problems.append(EditionProblem(path, message))

    def whole(self, item: dict, path: Path, key: str, *, required: bool = True) -> int | None:
        value = item.get(key)
        if value is None:
            if required:
                self.add((*path, key), _("This field is required."))
            return None
        if not _is_whole(value):
            self.add((*path, key), _("Enter a whole number."))
            return None
        return value

    def at_least_one(self, path: Path, key: str, value: int | None, message: str) -> int | None:
        if value is not None and value < 1:
            self.add((*path, key), message)
            return None
        return value

    def count(self, section: str, months: int | None) -> None:
        counted = self.counted[section]
        self.counted[section] = None if counted is None or months is None else counted + months

    def department(self, path: Path, code: Any) -> bool:
        if not isinstance(code, str) or not code.strip():
            self.add(path, _("Choose a department."))
            return False
        if code not in self.codes:
            self.add(
                path,
                _("There is no department with the code “%(code)s” at %(institution)s or its affiliates.")
                % {"code": code, "institution": self.institution.name},
            )
            return False
        return True

    def unknown_keys(self, path: Path, item: dict, known: Iterable[str]) -> None:
        unknown = sorted(set(item) - set(known))
        if unknown:
            self.add(path, _("Unknown fields: %(names)s.") % {"names": ", ".join(map(str, unknown))})

    # --- the total ---------------------------------------------------------------------------

    def check_total(self, total_months: Any) -> None:
        if self.total is None or not 1 <= self.total <= MAX_TOTAL_MONTHS:
            self.add(
                ("total_months",),
                _("Enter a whole number of months from 1 to %(most)d.") % {"most": MAX_TOTAL_MONTHS},
            )
            self.total = None

    def check_sum(self) -> None:
        required, elective = self.counted["requirements"], self.counted["groups"]
        if self.total is None or required is None or elective is None:
            return
        if required + elective != self.total:
            self.add(
                ("total_months",),
                _(
                    "The required departments (%(required)d months) and the elective groups "
                    "(%(elective)d months) add up to %(sum)d months, not the %(total)d months in total."
                )
                % {
                    "required": required,
                    "elective": elective,
                    "sum": required + elective,
                    "total": self.total,
                },
            )

    # --- requirements ------------------------------------------------------------------------

    def check_requirements(self, requirements: Any) -> None:
        if not isinstance(requirements, list):
            self.add(("requirements",), _("Give the required departments as a list."))
            self.counted["requirements"] = None
            return
        first_row: dict[str, int] = {}
        for index, requirement in enumerate(requirements):
            path: Path = ("requirements", index)
            if not isinstance(requirement, dict):
                self.add(path, _("Each required department is a set of fields."))
                self.counted["requirements"] = None
                continue
            self.unknown_keys(path, requirement, REQUIREMENT_KEYS)
            code = requirement.get("department")
            if self.department((*path, "department"), code) and isinstance(code, str):
                if code in first_row:
                    self.add(
                        (*path, "department"),
                        _("“%(code)s” is already required in row %(row)d.")
                        % {"code": code, "row": first_row[code] + 1},
                    )
                else:
                    first_row[code] = index
            self.check_requirement(path, requirement)
            if "confirmed" in requirement and not isinstance(requirement["confirmed"], bool):
                self.add((*path, "confirmed"), _("Enter true or false."))

    def check_requirement(self, path: Path, requirement: dict) -> None:
        months = self.at_least_one(
            path,
            "months",
            self.whole(requirement, path, "months"),
            _("A required department needs at least 1 month."),
        )
        self.count("requirements", months)
        self.at_least_one(
            path,
            "max_segments",
            self.whole(requirement, path, "max_segments"),
            _("Allow at least 1 segment."),
        )
        shortest = self.at_least_one(
            path,
            "min_segment_months",
            self.whole(requirement, path, "min_segment_months"),
            _("A segment lasts at least 1 month."),
        )
        if months is not None and shortest is not None and shortest > months:
            self.add(
                (*path, "min_segment_months"),
                ngettext(
                    "A segment of at least %(shortest)d months does not fit in %(months)d month.",
                    "A segment of at least %(shortest)d months does not fit in %(months)d months.",
                    months,
                )
                % {"shortest": shortest, "months": months},
            )
        self.check_window(path, requirement, months)

    def check_window(self, path: Path, requirement: dict, months: int | None) -> None:
        earliest = self.whole(requirement, path, "earliest_start", required=False)
        latest = self.whole(requirement, path, "latest_end", required=False)
        broken = any(
            requirement.get(key) is not None and not _is_whole(requirement[key])
            for key in ("earliest_start", "latest_end")
        )
        if earliest is not None and earliest < 0:
            self.add((*path, "earliest_start"), _("The window cannot start before the programme (month 0)."))
            broken = True
        if latest is not None and self.total is not None and latest > self.total:
            self.add(
                (*path, "latest_end"),
                _("The window must end by the end of the programme (month %(total)d).")
                % {"total": self.total},
            )
            broken = True
        if broken or (earliest is None and latest is None):
            return
        start = earliest or 0
        end = latest if latest is not None else self.total
        if end is None:
            return
        if start >= end:
            self.add((*path, "latest_end"), _("The window must end after it starts."))
        elif months is not None and end - start < months:
            self.add(
                (*path, "latest_end"),
                ngettext(
                    "The window from month %(start)d to month %(end)d is %(length)d month long, "
                    "shorter than the %(months)d months required.",
                    "The window from month %(start)d to month %(end)d is %(length)d months long, "
                    "shorter than the %(months)d months required.",
                    end - start,
                )
                % {"start": start, "end": end, "length": end - start, "months": months},
            )

    # --- groups --------------------------------------------------------------------------------

    def check_groups(self, groups: Any) -> None:
        if not isinstance(groups, list):
            self.add(("groups",), _("Give the elective groups as a list."))
            self.counted["groups"] = None
            return
        group_of: dict[str, int] = {}
        for index, group in enumerate(groups):
            path: Path = ("groups", index)
            if not isinstance(group, dict):
                self.add(path, _("Each elective group is a set of fields."))
                self.counted["groups"] = None
                continue
            self.unknown_keys(path, group, GROUP_KEYS)
            departments = self.check_group_departments(path, group.get("departments"), group_of, index)
            self.check_group_months(path, group, departments)

    def check_group_departments(
        self, path: Path, departments: Any, group_of: dict[str, int], index: int
    ) -> int | None:
        """Check the group's department list; return how many distinct departments it names."""
        field = (*path, "departments")
        if not isinstance(departments, list) or not departments:
            self.add(field, _("Name at least one department."))
            return None
        seen: set[str] = set()
        for code in departments:
            if not self.department(field, code):
                continue
            if code in seen:
                self.add(field, _("“%(code)s” is named twice in this group.") % {"code": code})
                continue
            seen.add(code)
            if code in group_of:
                self.add(
                    field,
                    _("“%(code)s” is already in group %(group)d: a department belongs to one group at most.")
                    % {"code": code, "group": group_of[code] + 1},
                )
            else:
                group_of[code] = index
        return len({code for code in departments if isinstance(code, str)})

    def check_group_months(self, path: Path, group: dict, departments: int | None) -> None:
        months = self.at_least_one(
            path, "months", self.whole(group, path, "months"), _("A group needs at least 1 month.")
        )
        self.count("groups", months)
        fewest = self.at_least_one(
            path,
            "min_each",
            self.whole(group, path, "min_each"),
            _("A department chosen in a group takes at least 1 month."),
        )
        most = self.whole(group, path, "max_each")
        if most is not None and fewest is not None and most < fewest:
            self.add(
                (*path, "max_each"),
                _("The most months in one department cannot be fewer than the fewest (%(fewest)d).")
                % {"fewest": fewest},
            )
            most = None
        elif most is not None and most < 1:
            self.add((*path, "max_each"), _("A department chosen in a group takes at least 1 month."))
            most = None
        if months is None or fewest is None or most is None:
            return
        if fewest > months:
            self.add(
                (*path, "min_each"),
                _(
                    "A department chosen in this group takes at least %(fewest)d months, "
                    "more than the group's %(months)d months."
                )
                % {"fewest": fewest, "months": months},
            )
            return
        if departments is None:
            return
        if math.ceil(months / most) > departments:
            self.add(
                (*path, "months"),
                ngettext(
                    "The group's %(months)d months cannot be filled: its %(count)d department takes "
                    "at most %(most)d, %(reach)d in all.",
                    "The group's %(months)d months cannot be filled: its %(count)d departments take "
                    "at most %(most)d each, %(reach)d in all.",
                    departments,
                )
                % {"most": most, "count": departments, "reach": most * departments, "months": months},
            )
        elif not group_months_reachable(months=months, departments=departments, fewest=fewest, most=most):
            self.add(
                (*path, "months"),
                _(
                    "%(months)d months cannot be split among these departments "
                    "with %(fewest)d to %(most)d months in each department chosen."
                )
                % {"months": months, "fewest": fewest, "most": most},
            )


def group_months_reachable(*, months: int, departments: int, fewest: int, most: int) -> bool:
    """Whether some departments of the group, each given ``fewest``..``most`` months, make exactly ``months``.

    A small dynamic programme over the departments: ``reachable`` holds every total some choice of the
    departments seen so far can make (not choosing a department adds 0).
    """
    reachable = {0}
    for _department in range(departments):
        reachable |= {
            total + extra
            for total in reachable
            for extra in range(fewest, most + 1)
            if total + extra <= months
        }
    return months in reachable


def standard_edition_validate(
    *, institution: Institution, total_months: Any, requirements: Any, groups: Any
) -> list[EditionProblem]:
    """Every problem with the edition's content, in the order of the fields; an empty list when it is sound.

    - the months of the required departments and of the groups add up to the total;
    - every department code is a department of the institution or its affiliates;
    - a required department has at least 1 month, at least 1 segment, segments of at least 1 month and
      no longer than its months; its window lies within the programme and is at least its months long;
    - a department is required at most once and belongs to at most one group (it may be both
      required and in a group: the group adds months to it);
    - a group can be filled: some of its departments, each with ``min_each``..``max_each`` months,
      make exactly its months.
    """
    checker = _Checker(institution, total_months)
    checker.check_total(total_months)
    checker.check_requirements(requirements)
    checker.check_groups(groups)
    checker.check_sum()
    return checker.problems
