"""The audit trail. Services call ``audit_record`` inside their transaction, so a change and its
record are written together or not at all."""

import datetime
import decimal
import uuid
from collections.abc import Iterable
from typing import Any

from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils.translation import gettext_lazy

from .exports import ExportColumn
from .middleware import current_request_context
from .models import AuditEvent

# Field names that never reach the trail, whatever a service passes.
_SECRET_MARKERS = ("password", "secret", "token", "key_hash")
REDACTED = "[redacted]"


def _json_value(value: Any) -> Any:
    if isinstance(value, datetime.date | datetime.datetime | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, models.Model):
        return value.pk
    if isinstance(value, list | tuple | set):
        return [_json_value(item) for item in value]
    return value


def audit_snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    """The named fields' values as the trail stores them: masked where the model says so.

    A model lists masking functions in ``audit_masks``, e.g. ``{"national_id": mask_national_id}``.
    """
    masks = getattr(type(instance), "audit_masks", {})
    snapshot: dict[str, Any] = {}
    for name in fields:
        if any(marker in name for marker in _SECRET_MARKERS):
            snapshot[name] = REDACTED
            continue
        field = instance._meta.get_field(name)
        value = field.value_from_object(instance)  # type: ignore[union-attr]
        if name in masks:
            value = masks[name](value)
        snapshot[name] = _json_value(value)
    return snapshot


def audit_diff(before: dict[str, Any], after: dict[str, Any]) -> dict[str, list[Any]]:
    """``{field: [before, after]}`` for the fields whose value changed; ``{}`` stands for "no object"."""
    names = dict.fromkeys([*before, *after])
    return {
        name: [before.get(name), after.get(name)] for name in names if before.get(name) != after.get(name)
    }


def audit_record(
    *,
    actor: Any,
    action: str,
    target: models.Model | None = None,
    changes: dict[str, Any] | None = None,
) -> AuditEvent:
    context = current_request_context()
    is_user = actor is not None and getattr(actor, "is_authenticated", False)
    return AuditEvent.objects.create(
        actor=actor if is_user else None,
        actor_label=(actor.get_username() if is_user else "system")[:150],
        action=action,
        target_type=ContentType.objects.get_for_model(target) if target is not None else None,
        target_id=str(target.pk) if target is not None else "",
        target_repr=str(target)[:200] if target is not None else "",
        changes=changes or {},
        ip_address=context.ip_address if context else None,
        user_agent=context.user_agent if context else "",
    )


AUDIT_COLUMNS = [
    ExportColumn(gettext_lazy("Time"), lambda event: event.created_at),
    ExportColumn(gettext_lazy("Actor"), lambda event: event.actor_label),
    ExportColumn(gettext_lazy("Action"), lambda event: event.action),
    ExportColumn(gettext_lazy("Object type"), lambda event: str(event.target_type or "")),
    ExportColumn(gettext_lazy("Object ID"), lambda event: event.target_id),
    ExportColumn(gettext_lazy("Object"), lambda event: event.target_repr),
    ExportColumn(
        gettext_lazy("Changes"),
        lambda event: "; ".join(
            f"{field}: {values[0]} → {values[1]}" for field, values in event.changes.items()
        ),
    ),
    ExportColumn(gettext_lazy("Address"), lambda event: event.ip_address or ""),
]
