from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from medtalent.core.errors import ApplicationError
from medtalent.people.models import Institution
from medtalent.rotations.services import LoadOutcome, rotation_standards_load


class Command(BaseCommand):
    help = (
        "Create or update an institution's rotation standards from JSON files (by default the shipped ones). "
        "Example: medtalent load_standards --institution hmu-h1"
    )

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--institution", required=True, help="the training base's code")
        parser.add_argument("--directory", help="a folder of *.json standards instead of the shipped ones")
        parser.add_argument("--user", help="the user name the changes are recorded as")
        parser.add_argument(
            "--no-create-departments",
            action="store_true",
            help="refuse files naming departments the institution lacks instead of creating them",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            institution = Institution.objects.get(code=options["institution"])
        except Institution.DoesNotExist:
            raise CommandError(
                _("No institution with the code “%(code)s”.") % {"code": options["institution"]}
            ) from None
        user = None
        if options["user"]:
            try:
                user = get_user_model().objects.get(username=options["user"])
            except get_user_model().DoesNotExist:
                raise CommandError(_("No user “%(name)s”.") % {"name": options["user"]}) from None
        try:
            report = rotation_standards_load(
                institution=institution,
                directory=options["directory"],
                user=user,
                create_departments=not options["no_create_departments"],
            )
        except ApplicationError as error:
            raise CommandError(str(error.message)) from None
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from None
        if report.departments_created:
            self.stdout.write(
                _("Departments created: %(codes)s") % {"codes": ", ".join(report.departments_created)}
            )
        for loaded in report.standards:
            self.stdout.write(
                _("%(file)s: %(specialty)s, edition %(number)d, %(outcome)s")
                % {
                    "file": loaded.file_name,
                    "specialty": loaded.specialty,
                    "number": loaded.edition_number,
                    "outcome": LoadOutcome(loaded.outcome).label,
                }
            )
