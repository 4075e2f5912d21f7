from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand


class Command(BaseCommand):
    help = "Serve MedTalent on an address (for a small deployment or the demo; see docs/deployment.md)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("address", nargs="?", default="127.0.0.1:8000")

    def handle(self, *args: Any, **options: Any) -> None:
        call_command("runserver", options["address"], use_reloader=False, use_threading=True)
