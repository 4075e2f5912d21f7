"""``medtalent logbook_alerts``: tell trainees (and their mentors) who fall behind the pace towards their
rotation's logbook minimums. Run daily; each rotation and item is alerted at most once a week."""

import datetime
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from medtalent.assessments.services.logbook import logbook_deficiency_alerts_send


class Command(BaseCommand):
    help = "Send logbook deficiency alerts for the rotations running today."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--date", help="Run as of this day (YYYY-MM-DD) instead of today.")

    def handle(self, *args: Any, **options: Any) -> None:
        today = timezone.localdate()
        if options.get("date"):
            try:
                today = datetime.date.fromisoformat(options["date"])
            except ValueError as error:
                raise CommandError(_("--date: enter a day as YYYY-MM-DD.")) from error
        sent = logbook_deficiency_alerts_send(today=today)
        self.stdout.write(
            ngettext(
                "%(count)d logbook deficiency alert sent for %(day)s.",
                "%(count)d logbook deficiency alerts sent for %(day)s.",
                sent,
            )
            % {"count": sent, "day": today.isoformat()}
        )
