from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from medtalent.people.access import scope_for
from medtalent.people.models import Role

from ..access import assessor_department_ids, person_facts
from ..selectors_ethics import ethics_pages_open_to

register = template.Library()


def _tabs_for(user: Any) -> list[tuple[str, Any, str]]:
    scope = scope_for(user)
    is_trainee = person_facts(user).is_trainee
    assesses = bool(assessor_department_ids(user))
    officer = scope.has_role(Role.PROGRAMME_OFFICER)
    tabs = []
    if is_trainee:
        tabs += [("mine", _("My assessments"), "assessment_mine"), ("logbook", _("Logbook"), "logbook")]
        tabs.append(("profile", _("My competency profile"), "dashboard_trainee"))
    if assesses or scope.person_id:
        tabs.append(("queue", _("To assess"), "assessment_queue"))
    if assesses:
        tabs.append(("verify", _("Logbook to verify"), "logbook_queue"))
        tabs.append(("burden", _("My assessing"), "dashboard_assessor"))
    if scope.head_department_ids or officer:
        tabs.append(("department", _("Department"), "dashboard_department"))
    if officer or scope.has_role(Role.LEADER):
        tabs.append(("programme", pgettext_lazy("dashboard", "Programme"), "dashboard_programme"))
    if ethics_pages_open_to(user):
        tabs.append(("ethics", _("Ethics record"), "ethics_list"))
    if officer:
        tabs.append(("requirements", _("Requirements"), "assessment_requirements"))
        tabs.append(("instruments", _("Instruments"), "instrument_list"))
    return tabs


@register.inclusion_tag("assessments/_tabs.html", takes_context=True)
def assessments_tabs(context: dict[str, Any], active: str) -> dict[str, Any]:
    tabs = []
    for key, label, url_name in _tabs_for(context["request"].user):
        try:
            tabs.append({"key": key, "label": label, "url": reverse(url_name), "active": key == active})
        except NoReverseMatch:
            continue
    return {"tabs": tabs}
