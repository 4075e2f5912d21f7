"""``{% home_panel panel data %}``: renders a registered home panel's template with its own context on top of
the page's (``core.home``), the way ``{% include %}`` would with every key of ``data`` passed."""

from typing import Any

from django import template
from django.utils.safestring import SafeString

from medtalent.core.home import HomePanel

register = template.Library()


@register.simple_tag(takes_context=True)
def home_panel(context: template.Context, panel: HomePanel, data: dict[str, Any]) -> SafeString:
    panel_template = context.template.engine.get_template(panel.template)  # type: ignore[union-attr]
    with context.push(**data):
        return panel_template.render(context)
