from typing import Any

from django.core.management.base import BaseCommand

from medtalent.assessments.services.assessments import assessment_reminders_send


class Command(BaseCommand):
    help = "Remind assessors of assessment requests that have waited (run daily, e.g. from cron)."

    def handle(self, *args: Any, **options: Any) -> None:
        sent = assessment_reminders_send()
        self.stdout.write(f"{sent} reminder(s) sent")
