import subprocess
import sys
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _


class Command(BaseCommand):
    help = "Set up the demo: migrate, load realistic data (idempotent), start a worker and the server."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument(
            "--no-serve", action="store_true", help="Load the data, print the logins, and stop."
        )
        parser.add_argument("--address", default="127.0.0.1:8000")

    def handle(self, *args: Any, **options: Any) -> None:
        from medtalent.demo.loader import load_demo_data

        call_command("migrate", interactive=False, verbosity=0)
        summary = load_demo_data()
        if summary.created_anything:
            created = ", ".join(f"{name} {count}" for name, count in summary.created.items() if count)
            self.stdout.write(_("Demo data loaded: %(created)s.") % {"created": created})
        else:
            self.stdout.write(_("Demo data already present; nothing added."))
        self.stdout.write("")
        self.stdout.write(_("Open http://%(address)s/ and sign in as:") % {"address": options["address"]})
        for login in summary.logins:
            self.stdout.write(f"  {login.username:<10} {summary.password}   {login.role} · {login.person}")
        self.stdout.write("")
        if options["no_serve"]:
            return
        worker = subprocess.Popen([sys.executable, "-m", "medtalent.cli", "worker"])
        try:
            call_command("serve", options["address"])
        finally:
            worker.terminate()
            worker.wait(timeout=10)
