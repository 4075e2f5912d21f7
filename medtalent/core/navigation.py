"""The role-aware main menu. Each app registers its entries in its ``AppConfig.ready``."""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest
from django.urls import reverse


@dataclass(frozen=True)
class NavItem:
    key: str
    label: Any  # a lazy translation
    url_name: str
    icon: str
    is_visible: Callable[[Any], bool]
    order: int = 100


_items: list[NavItem] = []


def register_nav_item(item: NavItem) -> None:
    if all(existing.key != item.key for existing in _items):
        _items.append(item)
        _items.sort(key=lambda entry: entry.order)


def navigation_for(request: HttpRequest) -> list[dict[str, Any]]:
    entries = []
    for item in _items:
        if item.is_visible(request.user):
            url = reverse(item.url_name)
            active = request.path == url if url == "/" else request.path.startswith(url)
            entries.append(
                {"key": item.key, "label": item.label, "url": url, "icon": item.icon, "active": active}
            )
    return entries
