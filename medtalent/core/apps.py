from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class CoreConfig(AppConfig):
    name = "medtalent.core"
    label = "core"
    verbose_name = _("Core")

    def ready(self) -> None:
        from .imports.engine import importer_classes
        from .navigation import NavItem, register_nav_item

        def may_import(user: object) -> bool:
            return any(importer.can_import(user) for importer in importer_classes())

        register_nav_item(NavItem("imports", _("Imports"), "imports", "upload", may_import, order=800))
