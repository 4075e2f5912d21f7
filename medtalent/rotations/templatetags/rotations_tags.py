"""The tabs above every rotations page: the pages of the rotations area this user has."""

import datetime
from typing import Any

from django import template
from django.urls import reverse
from django.utils.translation import gettext as _

from medtalent.people.access import scope_for
from medtalent.people.models import Role

from ..access import may_run_schedules, reads_rosters
from ..months import add_months as shift_months

register = template.Library()


@register.inclusion_tag("rotations/_tabs.html", takes_context=True)
def rotations_tabs(context: Any, active: str) -> dict[str, Any]:
    user = context["request"].user
    tabs = []
    if may_run_schedules(user):
        tabs.append(("schedules", _("Schedules"), reverse("rotation_schedules")))
        tabs.append(("trainees", _("Trainees"), reverse("rotation_trainees")))
        tabs.append(("places", _("Places"), reverse("rotation_places")))
    if reads_rosters(user):
        tabs.append(("roster", _("Department roster"), reverse("rotation_roster")))
    if Role.TRAINEE in scope_for(user).roles:
        tabs.append(("me", _("My rotations"), reverse("rotation_me")))
    tabs.append(("standards", _("Standards"), reverse("rotation_standards")))
    return {"tabs": tabs if len(tabs) > 1 else [], "active": active}


@register.filter
def add_months(month: datetime.date, count: int) -> datetime.date:
    """The first of the month ``count`` months after ``month`` (``{{ leave.start_month|add_months:2 }}``)."""
    return shift_months(month, int(count))
