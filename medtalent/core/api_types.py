"""Input types every app's API shares, so that no malformed number or string reaches the database."""

from typing import Annotated, Any

from django.utils.translation import gettext as _
from ninja import Field, Schema
from ninja.pagination import PageNumberPagination
from pydantic import ConfigDict, field_validator

# Primary keys are 64-bit; a larger number would overflow in the database driver, not be "not found".
MAX_ID = 2**63 - 1
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
Year = Annotated[int, Field(ge=1900, le=2100)]
SearchText = Annotated[str, Field(max_length=100, pattern=r"^[^\x00]*$")]


class StrictSchema(Schema):
    """Request bodies: unknown fields are refused, and no text may carry NUL (PostgreSQL cannot store it)."""

    model_config = ConfigDict(extra="forbid")

    @field_validator("*", mode="after")
    @classmethod
    def _no_nul_characters(cls, value: Any) -> Any:
        if isinstance(value, str) and "\x00" in value:
            raise ValueError(_("Text may not contain NUL characters."))
        return value


class Pagination(PageNumberPagination):
    """Page numbers with bounds: a page past any real list answers an empty page, never a database error."""

    class Input(Schema):
        page: int = Field(1, ge=1, le=1_000_000)
        page_size: int | None = Field(None, ge=1, le=1_000)
