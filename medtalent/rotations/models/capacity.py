"""How many rotating trainees a department takes in a month."""

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from medtalent.core.models import TimeStampedModel
from medtalent.people.models import Department

from ..months import validate_first_of_month


class DepartmentCapacity(TimeStampedModel):
    """A department's places for rotating trainees in one calendar month.

    A month without a row falls back to ``Department.rotation_capacity`` as the maximum and 0 as the
    minimum (``selectors.capacity_table`` applies this). ``minimum`` is the number of trainees the
    department needs to run its service: falling short is undesirable, not forbidden.
    """

    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.CASCADE, related_name="rotation_capacities"
    )
    month = models.DateField(_("month"), validators=[validate_first_of_month])
    maximum = models.PositiveSmallIntegerField(_("most trainees"))
    minimum = models.PositiveSmallIntegerField(_("fewest trainees needed"), default=0)

    class Meta:
        verbose_name = _("department capacity")
        verbose_name_plural = _("department capacities")
        ordering = ["department_id", "month"]
        constraints = [
            models.UniqueConstraint(fields=["department", "month"], name="department_capacity_month_unique"),
            models.CheckConstraint(
                condition=Q(minimum__lte=F("maximum")), name="department_capacity_minimum_within_maximum"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.department} {self.month:%Y-%m}: {self.minimum}–{self.maximum}"
