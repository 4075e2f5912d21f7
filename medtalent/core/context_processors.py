from typing import Any

from django.http import HttpRequest

from .navigation import navigation_for
from .notifications import unread_count


def navigation(request: HttpRequest) -> dict[str, Any]:
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"nav_items": navigation_for(request), "unread_notifications": unread_count(user)}
