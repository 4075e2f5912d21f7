from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RotationsConfig(AppConfig):
    name = "medtalent.rotations"
    label = "rotations"
    verbose_name = _("Rotations")

    def ready(self) -> None:
        from django.db.models import Q
        from django.utils import timezone

        from medtalent.core.navigation import NavItem, register_nav_item
        from medtalent.people.access import Scope, register_private_visibility

        from . import home
        from .access import sees_rotations_menu
        from .selectors_schedules import department_trainees_now_q

        # One entry for every role; ``/rotations/`` leads each to their page (schedules, roster, timeline).
        register_nav_item(
            NavItem("rotations", _("Rotations"), "rotations", "arrow-repeat", sees_rotations_menu, order=30)
        )

        def rotating_in_my_departments(scope: Scope) -> Q:
            """Heads and clinical teachers see the records of trainees the published schedule places in
            their departments this month or next (the months of their roster)."""
            return department_trainees_now_q(
                scope.head_department_ids | scope.teacher_department_ids, timezone.localdate(), months=2
            )

        register_private_visibility(rotating_in_my_departments)
        home.register()
