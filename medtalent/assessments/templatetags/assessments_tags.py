from typing import Any

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils.translation import gettext_lazy as _

from medtalent.people.access import scope_for
from medtalent.people.models import Role

from ..access import assessor_department_ids, own_trainee_profiles

register = template.Library()


def _tabs_for(user: Any) -> list[tuple[str, Any, str]]:
    scope = scope_for(user)
    is_trainee = own_trainee_profiles(user).exists()
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
    if scope.head_department_ids or officer:
        tabs.append(("department", _("Department"), "dashboard_department"))
    if officer or scope.has_role(Role.LEADER):
        tabs.append(("programme", _("Programme"), "dashboard_programme"))
    if officer or scope.person_id:
        tabs.append(("ethics", _("Ethics record"), "ethics_list"))
    if officer:
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
