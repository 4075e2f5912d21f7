from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from medtalent.core.errors import ApplicationError
from medtalent.core.imports.engine import importer_class
from medtalent.core.imports.services import import_batch_commit, import_batch_create, import_batch_preview
from medtalent.core.models import ImportBatch, ImportRowNote


class Command(BaseCommand):
    help = (
        "Check a spreadsheet as the upload page does and print the preview; with --commit, import it. "
        "Example: medtalent import people roster.xlsx --user officer --option institution=hospital --commit"
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("kind", help="what the file holds, e.g. people")
        parser.add_argument("file")
        parser.add_argument("--user", required=True, help="the user name the import is made as")
        parser.add_argument(
            "--option", action="append", default=[], metavar="NAME=VALUE", help="e.g. institution=CODE"
        )
        parser.add_argument("--commit", action="store_true", help="import the rows the preview accepts")
        parser.add_argument("--overwrite-manual", action="store_true", help="overwrite changes made by hand")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            user = get_user_model().objects.get(username=options["user"])
        except get_user_model().DoesNotExist:
            raise CommandError(_("No user “%(name)s”.") % {"name": options["user"]}) from None
        try:
            importer = importer_class(options["kind"])
        except ApplicationError as error:
            raise CommandError(error.message) from None
        if not importer.can_import(user):
            raise CommandError(_("This user may not import this kind of file."))
        fields = importer.option_fields(user)
        given = dict(option.split("=", 1) for option in options["option"] if "=" in option)
        cleaned = {}
        for name, field in fields.items():
            try:
                cleaned[name] = field.clean(given.get(name))
            except Exception as error:
                raise CommandError(
                    f"--option {name}: {' '.join(getattr(error, 'messages', [str(error)]))}"
                ) from None
        try:
            batch_options = importer.clean_options(user, cleaned)
            with open(options["file"], "rb") as file:
                batch = import_batch_create(
                    actor=user,
                    kind=importer.kind,
                    file=file,
                    filename=options["file"],
                    options=batch_options,
                    overwrite_manual=options["overwrite_manual"],
                )
        except (ApplicationError, OSError) as error:
            raise CommandError(str(getattr(error, "message", error))) from None
        batch = import_batch_preview(batch=batch)
        if batch.status == ImportBatch.Status.FAILED:
            raise CommandError(batch.error)
        self._print_preview(batch)
        if not options["commit"]:
            self.stdout.write(_("Nothing was imported: add --commit to import."))
            return
        try:
            batch = import_batch_commit(batch=batch, actor=user)
        except ApplicationError as error:
            raise CommandError(error.message) from None
        self.stdout.write(self.style.SUCCESS(_("Imported: import #%(number)d.") % {"number": batch.pk}))

    def _print_preview(self, batch: ImportBatch) -> None:
        write = self.stdout.write
        reading = batch.file_format.upper() + (f", {batch.encoding}" if batch.encoding else "")
        if batch.delimiter:
            reading += ", " + repr(batch.delimiter)
        write(
            _("Import #%(number)d: %(file)s (%(reading)s)")
            % {"number": batch.pk, "file": batch.original_name, "reading": reading}
        )
        write(
            _(
                "rows %(total)d: to create %(created)d, to update %(updated)d, "
                "unchanged %(unchanged)d, rejected %(rejected)d"
            )
            % {
                "total": batch.rows_total,
                "created": batch.rows_created,
                "updated": batch.rows_updated,
                "unchanged": batch.rows_unchanged,
                "rejected": batch.rows_rejected,
            }
        )
        if batch.unknown_columns:
            write(_("Columns not imported: %(columns)s") % {"columns": ", ".join(batch.unknown_columns)})
        for note in batch.notes.order_by("row_number", "id"):
            prefix = _("row %(row)d") % {"row": note.row_number}
            column = f" [{note.column}]" if note.column else ""
            marker = "" if note.kind == ImportRowNote.Kind.ERROR else "~ "
            write(f"  {marker}{prefix}{column}: {note.message}")
