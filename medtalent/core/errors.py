"""Domain errors. They are mapped to HTTP statuses once, in ``config/api.py``, and to form errors in pages."""

from typing import Any


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
