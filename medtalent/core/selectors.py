import uuid
from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from .models import AuditEvent, ImportBatch, ImportRowNote, Job, Notification


def notification_list_for_user(user: Any, *, unread_only: bool = False) -> QuerySet[Notification]:
    notifications = Notification.objects.filter(recipient=user)
    return notifications.filter(read_at__isnull=True) if unread_only else notifications


def job_list_for_user(user: Any) -> QuerySet[Job]:
    """A job is its starter's; administrators see all of them."""
    jobs = Job.objects.select_related("owner")
    return jobs if user.has_perm("core.view_auditevent") else jobs.filter(owner=user)


def get_job_for_user(user: Any, job_id: uuid.UUID) -> Job:
    return get_object_or_404(job_list_for_user(user), pk=job_id)


def audit_event_list(
    *,
    actor_id: int | None = None,
    action: str = "",
    target_type_id: int | None = None,
    target_id: str = "",
    since: Any = None,
    until: Any = None,
) -> QuerySet[AuditEvent]:
    events = AuditEvent.objects.select_related("actor", "target_type")
    if actor_id:
        events = events.filter(actor_id=actor_id)
    if action:
        events = events.filter(action__startswith=action)
    if target_type_id:
        events = events.filter(target_type_id=target_type_id)
    if target_id:
        events = events.filter(target_id=target_id)
    if since:
        events = events.filter(created_at__date__gte=since)
    if until:
        events = events.filter(created_at__date__lte=until)
    return events


def import_batch_list_for_user(user: Any) -> QuerySet[ImportBatch]:
    """An import is its uploader's; administrators see all of them."""
    batches = ImportBatch.objects.select_related("created_by", "job").exclude(
        status=ImportBatch.Status.DISCARDED
    )
    return batches if user.has_perm("core.view_auditevent") else batches.filter(created_by=user)


def get_import_batch_for_user(user: Any, pk: int) -> ImportBatch:
    return get_object_or_404(import_batch_list_for_user(user), pk=pk)


def import_notes(batch: ImportBatch, kind: str, *, limit: int) -> list[ImportRowNote]:
    return list(batch.notes.filter(kind=kind)[:limit])
