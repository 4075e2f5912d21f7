from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RotationsConfig(AppConfig):
    name = "medtalent.rotations"
    label = "rotations"
    verbose_name = _("Rotations")

    def ready(self) -> None:
        from medtalent.core.navigation import NavItem, register_nav_item
        from medtalent.people.access import scope_for
        from medtalent.people.models import Role

        def runs_rotations(user: object) -> bool:
            return scope_for(user).has_role(Role.PROGRAMME_OFFICER, Role.DEPARTMENT_HEAD)

        register_nav_item(
            NavItem("rotations", _("Rotations"), "rotations", "arrow-repeat", runs_rotations, order=30)
        )
