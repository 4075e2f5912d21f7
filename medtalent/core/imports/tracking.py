"""Which fields of an imported record people changed by hand, so that a re-import leaves them alone."""

from collections.abc import Iterable

from medtalent.core.models import ImportedModel


def mark_edited_by_hand(instance: ImportedModel, fields: Iterable[str]) -> None:
    """Remember ``fields`` as set by hand (the caller saves). Call it from every service a page uses."""
    edited = set(instance.manually_edited_fields) | set(fields)
    instance.manually_edited_fields = sorted(edited)
