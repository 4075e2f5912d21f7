"""The home page's building blocks. Each app registers its panels and its to-do providers in its
``AppConfig.ready``, so the page (``people.views.home``) shows every domain without importing any.

- A **panel** (``HomePanel``) is one card: a template and a function that returns its context for this
  request, or ``None`` when the panel does not concern the user (a trainee panel for a mentor).
- A **task provider** returns ``HomeTask``s: what the user should do now. The page merges every app's tasks
  into one list at the top, overdue first, then by due date, so one screen answers "what do I need to do now".

Panels and providers of one app often need the same rows; ``home_cached`` keeps a value for the rest of the
request so they read them once.
"""

import datetime
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from django.http import HttpRequest

PanelContext = Callable[[HttpRequest, datetime.date], dict[str, Any] | None]


@dataclass(frozen=True)
class HomePanel:
    key: str
    order: int
    template: str
    context: PanelContext
    width: Literal["half", "full"] = "half"
    # Keys of the page's own sections this panel shows better (e.g. the plain list of mentees).
    replaces: tuple[str, ...] = ()


@dataclass(frozen=True)
class HomeTask:
    title: Any  # str or a lazy translation
    url: str
    due: datetime.date | None
    kind: str  # what sort of task, for styling and tests: "milestone", "signature", "assessment", "info"...
    detail: Any = ""

    def is_overdue_on(self, today: datetime.date) -> bool:
        return self.due is not None and self.due < today


@dataclass(frozen=True)
class TaskLine:
    task: HomeTask
    is_overdue: bool
    days_left: int | None  # None without a due date; negative when overdue


TaskProvider = Callable[[HttpRequest, datetime.date], list[HomeTask]]

_panels: list[HomePanel] = []
_task_providers: list[TaskProvider] = []


def register_home_panel(panel: HomePanel) -> None:
    if all(existing.key != panel.key for existing in _panels):
        _panels.append(panel)
        _panels.sort(key=lambda entry: (entry.order, entry.key))


def register_home_tasks(provider: TaskProvider) -> None:
    if provider not in _task_providers:
        _task_providers.append(provider)


def home_panels_for(request: HttpRequest, today: datetime.date) -> list[tuple[HomePanel, dict[str, Any]]]:
    """The panels that concern this user, in order, each with its context."""
    panels = []
    for panel in _panels:
        context = panel.context(request, today)
        if context is not None:
            panels.append((panel, context))
    return panels


def _task_order(line: TaskLine) -> tuple[int, datetime.date, str]:
    due = line.task.due or datetime.date.max
    return (0 if line.is_overdue else 1, due, str(line.task.title))


def home_tasks_for(request: HttpRequest, today: datetime.date) -> list[TaskLine]:
    """Every app's tasks for this user: overdue first, then by due date (undated last), then by title."""
    lines = [
        TaskLine(
            task=task,
            is_overdue=task.is_overdue_on(today),
            days_left=(task.due - today).days if task.due is not None else None,
        )
        for provider in _task_providers
        for task in provider(request, today)
    ]
    return sorted(lines, key=_task_order)


def home_cached(request: HttpRequest, key: str, compute: Callable[[], Any]) -> Any:
    """``compute()`` once per request: a panel and a task provider of one app share what they read."""
    cache: dict[str, Any] = request.__dict__.setdefault("_medtalent_home_cache", {})
    if key not in cache:
        cache[key] = compute()
    return cache[key]
