from typing import Any

from django.core.management.base import BaseCommand
from django.utils import timezone

from medtalent.programs.services.plans import milestones_overdue_notify


class Command(BaseCommand):
    help = (
        "Tell trainees and both mentors about overdue milestones of active plans (run daily, e.g. from cron)."
    )

    def handle(self, *args: Any, **options: Any) -> None:
        reminded = milestones_overdue_notify(today=timezone.localdate())
        self.stdout.write(f"{reminded} plan(s) reminded")
