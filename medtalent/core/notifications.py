"""The one way every part of MedTalent tells somebody something."""

from collections import defaultdict
from collections.abc import Iterable
from typing import Any

from django.conf import settings
from django.core.mail import send_mail
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import ngettext

from .models import Notification


def notification_send(
    *, recipients: Iterable[Any], title: Any, body: Any = "", url: str = ""
) -> list[Notification]:
    """Create one in-app notification per recipient.

    ``title`` and ``body`` may be lazy translations (``gettext_lazy``/``format_lazy``): each is
    rendered in the recipient's own language.
    """
    notifications = []
    for recipient in {user.pk: user for user in recipients}.values():
        with translation.override(recipient.language or settings.LANGUAGE_CODE):
            notifications.append(
                Notification(recipient=recipient, title=str(title)[:200], body=str(body), url=url)
            )
    return Notification.objects.bulk_create(notifications)


def notification_mark_read(*, user: Any, notification_ids: Iterable[int] | None = None) -> int:
    unread = Notification.objects.filter(recipient=user, read_at__isnull=True)
    if notification_ids is not None:
        unread = unread.filter(pk__in=list(notification_ids))
    return unread.update(read_at=timezone.now())


def unread_count(user: Any) -> int:
    return Notification.objects.filter(recipient=user, read_at__isnull=True).count()


def notification_digest_send() -> int:
    """E-mail each user one digest of the notifications not yet e-mailed. Returns e-mails sent.

    Does nothing unless an SMTP server is configured; run daily (``medtalent send_digest``).
    """
    if not settings.EMAIL_ENABLED and "locmem" not in settings.EMAIL_BACKEND:
        return 0
    pending = (
        Notification.objects.filter(emailed_at__isnull=True, recipient__is_active=True)
        .exclude(recipient__email="")
        .select_related("recipient")
        .order_by("recipient_id", "created_at")
    )
    by_user: dict[int, list[Notification]] = defaultdict(list)
    for notification in pending:
        by_user[notification.recipient_id].append(notification)
    sent = 0
    for items in by_user.values():
        recipient = items[0].recipient
        with translation.override(recipient.language or settings.LANGUAGE_CODE):
            subject = ngettext(
                "MedTalent: %(count)d new notification", "MedTalent: %(count)d new notifications", len(items)
            ) % {"count": len(items)}
            lines = [f"- {item.title}" + (f"\n  {item.body}" if item.body else "") for item in items]
            send_mail(subject, "\n".join(lines), settings.DEFAULT_FROM_EMAIL, [recipient.email])
        with transaction.atomic():
            Notification.objects.filter(pk__in=[item.pk for item in items]).update(emailed_at=timezone.now())
        sent += 1
    return sent
