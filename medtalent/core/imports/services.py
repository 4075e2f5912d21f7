"""Every write of the import mechanism: upload, preview, commit, discard, and their background jobs.

The upload page, the ``medtalent import`` command and the jobs all call these, so a file imported
from the command line goes through exactly the checks a file uploaded on the page does.
"""

import hashlib
import os
from collections.abc import Callable
from typing import IO, Any

from django.core.files import File
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from medtalent.core.audit import audit_diff, audit_record
from medtalent.core.errors import ApplicationError, ConflictError
from medtalent.core.jobs import JobReporter, job_start
from medtalent.core.models import ImportBatch, ImportRowNote, Job

from .engine import Action, ImportRow, PlanResult, importer_class, plan_file
from .reading import file_size_within_limit

_NOTE_COLUMN_LENGTH = ImportRowNote._meta.get_field("column").max_length or 100


def import_batch_create(
    *,
    actor: Any,
    kind: str,
    file: IO[bytes],
    filename: str,
    options: dict[str, Any] | None = None,
    overwrite_manual: bool = False,
) -> ImportBatch:
    """Keep the uploaded file for its preview and commit. Refuses files over the configured size."""
    importer_class(kind)  # an unknown kind fails before anything is stored
    size = file_size_within_limit(file)
    digest = hashlib.sha256()
    for block in iter(lambda: file.read(1 << 20), b""):
        digest.update(block)
    file.seek(0)
    batch = ImportBatch(
        kind=kind,
        options=options or {},
        original_name=os.path.basename(filename)[-200:],
        size=size,
        sha256=digest.hexdigest(),
        overwrite_manual=overwrite_manual,
        created_by=actor if getattr(actor, "is_authenticated", False) else None,
    )
    # Stored under the file's own name: a path (the command's argument) is no folder of the storage's.
    batch.file.save(f"{digest.hexdigest()[:16]}-{batch.original_name[-80:]}", File(file), save=False)
    batch.save()
    return batch


def _progress(
    reporter: JobReporter | None, start: float, span: float, message: str, *, live_only: bool = False
) -> Callable[[float], None]:
    def report(fraction: float) -> None:
        if reporter is not None:
            reporter.progress(start + span * fraction, message, live_only=live_only)

    return report


def _notes(batch: ImportBatch, rows: list[ImportRow], result: PlanResult) -> list[ImportRowNote]:
    notes = []
    for row in rows:
        for kind, entries in ((ImportRowNote.Kind.ERROR, row.errors), (ImportRowNote.Kind.KEPT, row.kept)):
            if kind == ImportRowNote.Kind.KEPT and row.action == Action.REJECT:
                continue
            notes += [
                ImportRowNote(
                    batch=batch,
                    kind=kind,
                    row_number=row.number,
                    column=result.column_label(column)[:_NOTE_COLUMN_LENGTH],
                    message=message,
                )
                for column, message in entries
            ]
    return notes


def import_batch_preview(*, batch: ImportBatch, reporter: JobReporter | None = None) -> ImportBatch:
    """Plan the whole file without writing any record: counts, row errors and hand edits kept.

    A file that cannot be read at all leaves the batch failed with the reason.
    """
    importer = importer_class(batch.kind)(batch, batch.created_by)
    ImportRowNote.objects.filter(batch=batch).delete()

    def store(rows: list[ImportRow], result: PlanResult) -> None:
        ImportRowNote.objects.bulk_create(_notes(batch, rows, result))

    try:
        result = plan_file(
            importer, on_chunk=store, on_progress=_progress(reporter, 0, 95, _("Checking rows"))
        )
    except ApplicationError as error:
        ImportRowNote.objects.filter(batch=batch).delete()
        batch.status = ImportBatch.Status.FAILED
        batch.error = str(error.message)
        batch.save(update_fields=["status", "error"])
        return batch
    ImportRowNote.objects.bulk_create(
        ImportRowNote(batch=batch, row_number=number, column=result.column_label(column), message=message)
        for number, (column, message) in result.late_rejects.items()
    )
    table = result.table
    batch.file_format, batch.encoding, batch.delimiter = table.file_format, table.encoding, table.delimiter
    batch.header_row = table.header_row
    batch.recognised_columns = {key: result.column_label(key) for key in table.columns}
    batch.unknown_columns = table.unknown_columns
    batch.rows_total = result.rows_total
    batch.rows_created = result.counts[Action.CREATE]
    batch.rows_updated = result.counts[Action.UPDATE]
    batch.rows_unchanged = result.counts[Action.UNCHANGED]
    batch.rows_rejected = result.counts[Action.REJECT]
    batch.fields_kept = result.fields_kept
    batch.plan_digest = result.digest
    batch.status = ImportBatch.Status.PREVIEWED
    batch.error = ""
    batch.previewed_at = timezone.now()
    batch.save()
    return batch


def import_batch_commit(
    *, batch: ImportBatch, actor: Any, reporter: JobReporter | None = None
) -> ImportBatch:
    """Write what the preview showed, in one transaction, or nothing at all.

    The file is planned again against the database as it is now; if that plan differs from the
    preview's (someone edited a record in between), nothing is written and the batch asks for a
    new preview.
    """
    claimed = ImportBatch.objects.filter(pk=batch.pk, status=ImportBatch.Status.PREVIEWED).update(
        status=ImportBatch.Status.COMMITTING, error=""
    )
    if not claimed:
        raise ConflictError(_("This import has already been imported, discarded or started."))
    importer = importer_class(batch.kind)(batch, actor, committing=True)
    rejected = frozenset(
        batch.notes.filter(kind=ImportRowNote.Kind.ERROR).values_list("row_number", flat=True)
    )

    def write(rows: list[ImportRow], result: PlanResult) -> None:
        importer.apply([row for row in rows if row.action in (Action.CREATE, Action.UPDATE)])

    try:
        with transaction.atomic():
            result = plan_file(
                importer,
                skip_rows=rejected,
                on_chunk=write,
                on_progress=_progress(reporter, 0, 99, _("Importing rows"), live_only=True),
            )
            if result.digest != batch.plan_digest:
                raise ApplicationError(
                    _(
                        "Records changed after the preview, so the file would now import differently. "
                        "Nothing was imported: check the file again and look at the new preview."
                    )
                )
            batch.status = ImportBatch.Status.COMMITTED
            batch.committed_at = timezone.now()
            batch.error = ""
            batch.save(update_fields=["status", "committed_at", "error"])
            audit_record(
                actor=actor,
                action=f"import.{batch.kind}",
                target=batch,
                changes=audit_diff(
                    {},
                    {
                        "file": batch.original_name,
                        "sha256": batch.sha256,
                        "created": batch.rows_created,
                        "updated": batch.rows_updated,
                        "unchanged": batch.rows_unchanged,
                        "rejected": batch.rows_rejected,
                        "overwrite_manual": batch.overwrite_manual,
                    },
                ),
            )
    except Exception as error:
        message = str(getattr(error, "message", "")) or _("The import failed; nothing was imported.")
        ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.PREVIEWED, error=message)
        batch.refresh_from_db()
        raise
    return batch


def import_batch_discard(*, batch: ImportBatch) -> None:
    """Drop a preview that will not be imported; its file goes too."""
    updated = ImportBatch.objects.filter(
        pk=batch.pk, status__in=[ImportBatch.Status.PREVIEWED, ImportBatch.Status.FAILED]
    ).update(status=ImportBatch.Status.DISCARDED)
    if not updated:
        raise ConflictError(_("Only an import that has not been imported can be discarded."))
    batch.notes.all().delete()
    batch.file.delete(save=False)


def _start(batch: ImportBatch, *, task: Any, kind: str, label: str, actor: Any, **kwargs: Any) -> Job:
    job = job_start(task=task, kind=kind, label=label, owner=actor, batch_id=batch.pk, **kwargs)
    ImportBatch.objects.filter(pk=batch.pk).update(job=job)
    batch.job = job
    return job


def import_preview_start(*, batch: ImportBatch, actor: Any) -> Job:
    from medtalent.core.tasks import import_preview_task

    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportBatch.Status.PREVIEWING)
    batch.status = ImportBatch.Status.PREVIEWING
    label = _("Checking %(file)s") % {"file": batch.original_name}
    return _start(batch, task=import_preview_task, kind="import.preview", label=label, actor=actor)


def import_commit_start(*, batch: ImportBatch, actor: Any) -> Job:
    from medtalent.core.tasks import import_commit_task

    if batch.status != ImportBatch.Status.PREVIEWED:
        raise ConflictError(_("This import has already been imported, discarded or started."))
    label = _("Importing %(file)s") % {"file": batch.original_name}
    return _start(
        batch, task=import_commit_task, kind="import.commit", label=label, actor=actor, actor_id=actor.pk
    )
