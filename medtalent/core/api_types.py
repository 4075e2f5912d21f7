"""Input types every app's API shares, so that no malformed number or string reaches the database."""

import re
from typing import Annotated, Any

from django.utils.translation import gettext as _
from ninja import Field, Schema
from ninja.pagination import PageNumberPagination
from pydantic import ConfigDict, field_validator

# Primary keys are 64-bit; a larger number would overflow in the database driver, not be "not found".
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Year = Annotated[int, Field(ge=1900, le=2100)]
# C0 controls and DEL, except tab, line feed and carriage return, which notes may hold.
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")
SearchText = Annotated[str, Field(max_length=100, pattern=r"^[^\x00-\x08\x0b\x0c\x0e-\x1f\x7f]*$")]


class StrictSchema(Schema):
    """Request bodies: unknown fields are refused, and no text may carry control characters (NUL, which
    PostgreSQL cannot store, and the others, which no spreadsheet can hold)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_control_characters(cls, value: Any) -> Any:
        if isinstance(value, str) and _CONTROL_CHARACTERS.search(value):
            raise ValueError(_("Text may not contain control characters."))
        return value


class Pagination(PageNumberPagination):
    """Page numbers with bounds: a page past any real list answers an empty page, never a database error."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=1_000_000)
        page_size: int | None = Field(None, ge=1, le=1_000)
