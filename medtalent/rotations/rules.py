"""Object-level permissions on rotations, as ``rules`` predicates over ``access``.

The object is a standard, an edition, or (to add a standard) the institution.
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
