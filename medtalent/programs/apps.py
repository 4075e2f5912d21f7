from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProgramsConfig(AppConfig):
    name = "medtalent.programs"
    label = "programs"
    verbose_name = _("Programmes and training plans")

    def ready(self) -> None:
        from medtalent.core.navigation import NavItem, register_nav_item

        from . import home
        from .access import sees_programmes_menu
        from .evidence import register_shipped_sources

        register_shipped_sources()
        home.register()
        register_nav_item(
            NavItem(
                "programmes",
                _("Training plans"),
                "programs",
                "signpost-split",
                sees_programmes_menu,
                order=35,
            )
        )
