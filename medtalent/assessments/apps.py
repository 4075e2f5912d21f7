from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class AssessmentsConfig(AppConfig):
    name = "medtalent.assessments"
    label = "assessments"
    verbose_name = _("Assessments")

    def ready(self) -> None:
        from medtalent.core.navigation import NavItem, register_nav_item

        from . import home
        from .access import sees_assessments_menu

        register_nav_item(
            NavItem(
                "assessments",
                _("Assessments"),
                "assessments",
                "clipboard-check",
                sees_assessments_menu,
                order=40,
            )
        )
        home.register()
