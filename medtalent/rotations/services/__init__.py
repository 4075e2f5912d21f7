"""Every write to rotations. Each service validates, saves and writes its audit event in one transaction."""

from .loading import (
    STANDARDS_DIRECTORY,
    LoadOutcome,
    StandardLoaded,
    StandardsLoadReport,
    rotation_standards_load,
)
from .standards import (
    EDITION_FIELDS,
    STANDARD_FIELDS,
    edition_content,
    rotation_standard_create,
    rotation_standard_rename,
    standard_edition_update,
)
from .validation import (
    EditionInvalidError,
    EditionProblem,
    group_months_reachable,
    standard_edition_validate,
)

__all__ = [
    "EDITION_FIELDS",
    "STANDARDS_DIRECTORY",
    "STANDARD_FIELDS",
    "EditionInvalidError",
    "EditionProblem",
    "LoadOutcome",
    "StandardLoaded",
    "StandardsLoadReport",
    "edition_content",
    "group_months_reachable",
    "rotation_standard_create",
    "rotation_standard_rename",
    "rotation_standards_load",
    "standard_edition_update",
    "standard_edition_validate",
]
