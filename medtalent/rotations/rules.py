"""Object-level permissions on rotations, as ``rules`` predicates over ``access``.

The object is a standard, an edition, a schedule, or (to add a standard or plan a schedule) the institution.
"""

from typing import Any

import rules

from .access import runs_rotations_of, sees_standards_of


@rules.predicate
def sees_standard(user: Any, obj: Any) -> bool:
    return sees_standards_of(user, obj)


@rules.predicate
def runs_rotations(user: Any, obj: Any) -> bool:
    return runs_rotations_of(user, obj)


rules.add_perm("rotations.view_rotationstandard", sees_standard)
rules.add_perm("rotations.add_rotationstandard", runs_rotations)
rules.add_perm("rotations.change_rotationstandard", runs_rotations)
# The whole cohort's grid, its load and its download are the planners'; others read rosters and timelines.
rules.add_perm("rotations.view_schedule", runs_rotations)
rules.add_perm("rotations.add_schedule", runs_rotations)
rules.add_perm("rotations.change_schedule", runs_rotations)
