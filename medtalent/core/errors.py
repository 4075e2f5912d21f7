"""Domain errors. They are mapped to HTTP statuses once, in ``config/api.py``, and to form errors in pages."""

from typing import Any, NamedTuple


class ApplicationError(Exception):
    """A request the domain refuses. ``message`` is already translated for the current user."""

    status_code = 400

    def __init__(self, message: Any, *, field: str | None = None, extra: dict | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra or {}


class ConflictError(ApplicationError):
    """A stale write: somebody changed the record since the caller read it. Nothing was written."""

    status_code = 409


class ForbiddenError(ApplicationError):
    """The user may see the object but not do this to it."""

    status_code = 403


class PathProblem(NamedTuple):
    """One problem with a JSON document a user edits (a standard's edition, an instrument's definition):
    where (a path into the JSON) and what."""

    path: tuple[str | int, ...]
    message: str

    @property
    def field(self) -> str:
        """The path as the API names fields: ``requirements.3.months``, ``items.2.code``."""
        return ".".join(str(part) for part in self.path)


class ProblemsError(ApplicationError):
    """A document that breaks its rules; ``problems`` says where and why (400 in the API, each problem
    on its field in pages)."""

    def __init__(self, message: Any, problems: list[PathProblem]) -> None:
        super().__init__(
            message, extra={"errors": [{"field": p.field, "message": p.message} for p in problems]}
        )
        self.problems = problems
