from typing import Any

from django.core.management.base import BaseCommand, CommandError

from medtalent.people.models import Institution
from medtalent.programs.services.programmes import programme_templates_load


class Command(BaseCommand):
    help = "Add the four shipped programme templates to an institution (those it lacks, by code)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--institution", required=True, help="the institution's code")

    def handle(self, *args: Any, **options: Any) -> None:
        institution = Institution.objects.filter(code=options["institution"]).first()
        if institution is None:
            raise CommandError(f"No institution has the code {options['institution']!r}.")
        created = programme_templates_load(actor=None, institution=institution)
        self.stdout.write(f"{len(created)} programme(s) added to {institution.code}")
