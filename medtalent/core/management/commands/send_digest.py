from typing import Any

from django.core.management.base import BaseCommand

from medtalent.core.notifications import notification_digest_send


class Command(BaseCommand):
    help = "E-mail each user a digest of their new notifications (run once a day, e.g. from cron)."

    def handle(self, *args: Any, **options: Any) -> None:
        sent = notification_digest_send()
        self.stdout.write(f"{sent}")
