from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PeopleConfig(AppConfig):
    name = "medtalent.people"
    label = "people"
    verbose_name = _("People and organisations")

    def ready(self) -> None:
        from django.utils.translation import gettext_lazy as _

        from medtalent.core.navigation import NavItem, register_nav_item

        from . import imports  # noqa: F401  registers the people import
        from .access import scope_for

        def signed_in(user: object) -> bool:
            return True

        def admin(user: object) -> bool:
            return scope_for(user).is_admin

        register_nav_item(NavItem("home", _("Home"), "home", "house", signed_in, order=0))
        register_nav_item(NavItem("people", _("People"), "directory", "people", signed_in, order=10))
        register_nav_item(
            NavItem("institutions", _("Institutions"), "institutions", "building", signed_in, order=20)
        )
        register_nav_item(NavItem("jobs", _("Background jobs"), "jobs", "gear", admin, order=890))
        register_nav_item(NavItem("audit", _("Audit trail"), "audit", "journal", admin, order=900))
