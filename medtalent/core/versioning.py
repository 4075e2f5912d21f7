"""Optimistic locking for records that several people edit."""

from collections.abc import Iterable
from typing import TypeVar

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from .errors import ConflictError
from .models import VersionedModel

V = TypeVar("V", bound=VersionedModel)


def save_versioned(instance: VersionedModel, *, expected_version: int, fields: Iterable[str]) -> None:
    """Write ``fields`` only if nobody saved the record since ``expected_version`` was read.

    One conditional UPDATE, so there is no window between the check and the write. On a stale
    version nothing is written and ``ConflictError`` (HTTP 409) says so.
    """
    values = {name: getattr(instance, name) for name in fields}
    updated = (
        type(instance)
        ._default_manager.filter(pk=instance.pk, version=expected_version)
        .update(**values, version=F("version") + 1, updated_at=timezone.now())
    )
    if not updated:
        raise stale_version_error(expected_version)
    instance.version = expected_version + 1


def lock_at_version(instance: V, *, expected_version: int | None) -> V:
    """The record's row as stored, locked for the rest of the transaction, for check-then-act work that
    one conditional UPDATE cannot do; ``ConflictError`` (nothing written) when it moved past
    ``expected_version`` (``None``: lock without checking)."""
    fresh = type(instance)._default_manager.select_for_update().get(pk=instance.pk)
    if expected_version is not None and fresh.version != expected_version:
        raise stale_version_error(expected_version)
    return fresh


def stale_version_error(expected_version: int) -> ConflictError:
    return ConflictError(
        _(
            "Someone else changed this record after you opened it. Nothing was saved: "
            "reload the page to see their changes, then make yours again."
        ),
        extra={"expected_version": expected_version},
    )
