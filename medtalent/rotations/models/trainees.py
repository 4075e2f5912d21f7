"""What a trainee's rotations must work around: leave and protected research months."""

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

from medtalent.core.models import TimeStampedModel
from medtalent.people.models import Person, TraineeProfile

from ..months import add_months, validate_first_of_month

MAX_LEAVE_MONTHS = 12


class LeaveReason(models.TextChoices):
    SICK = "sick", _("Sick leave")
    MATERNITY = "maternity", _("Maternity leave")
    PERSONAL = "personal", _("Personal leave")
    EXAM = "exam", _("Examination leave")
    OTHER = "other", _("Other")


class Leave(TimeStampedModel):
    """Whole months a trainee is away. They belong to no department and lengthen the programme."""

    Reason = LeaveReason

    trainee = models.ForeignKey(
        TraineeProfile, verbose_name=_("trainee"), on_delete=models.CASCADE, related_name="rotation_leaves"
    )
    start_month = models.DateField(_("first month"), validators=[validate_first_of_month])
    months = models.PositiveSmallIntegerField(
        _("months"), validators=[MinValueValidator(1), MaxValueValidator(MAX_LEAVE_MONTHS)]
    )
    reason = models.CharField(_("reason"), max_length=12, choices=Reason.choices)
    note = models.CharField(_("note"), max_length=300, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("recorded by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("leave")
        verbose_name_plural = _("leave")
        ordering = ["trainee_id", "start_month"]
        constraints = [
            models.CheckConstraint(
                condition=Q(months__gte=1, months__lte=MAX_LEAVE_MONTHS), name="leave_months_in_range"
            )
        ]

    def __str__(self) -> str:
        return f"{self.trainee} · {self.get_reason_display()} {self.start_month:%Y-%m} +{self.months}"

    @property
    def end_month(self) -> datetime.date:
        """The first month after the leave."""
        return add_months(self.start_month, self.months)


class ResearchWindow(TimeStampedModel):
    """Research months protected for a professional master's student (专硕), under a mentor.

    ``earliest_start`` and ``latest_end`` are month offsets from the trainee's programme start; the
    ``months`` are placed somewhere in ``[earliest_start, latest_end)``, as blocks of kind research.
    """

    trainee = models.ForeignKey(
        TraineeProfile, verbose_name=_("trainee"), on_delete=models.CASCADE, related_name="research_windows"
    )
    mentor = models.ForeignKey(
        Person, verbose_name=_("mentor"), on_delete=models.PROTECT, related_name="research_windows_supervised"
    )
    months = models.PositiveSmallIntegerField(_("research months"), validators=[MinValueValidator(1)])
    earliest_start = models.PositiveSmallIntegerField(
        _("earliest start"), default=0, help_text=_("Months after the start of the programme.")
    )
    latest_end = models.PositiveSmallIntegerField(
        _("latest end"), help_text=_("Months after the start of the programme; the window ends before it.")
    )

    class Meta:
        verbose_name = _("research window")
        verbose_name_plural = _("research windows")
        ordering = ["trainee_id", "earliest_start"]
        constraints = [
            models.CheckConstraint(condition=Q(months__gte=1), name="research_window_has_months"),
            models.CheckConstraint(
                condition=Q(latest_end__gte=F("earliest_start") + F("months")),
                name="research_window_fits_its_months",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.trainee} · {self.mentor} · {self.months}"


class MentorResearchCapacity(TimeStampedModel):
    """How many students a mentor takes for research months at the same time (default 2 without a row)."""

    DEFAULT_CONCURRENT_STUDENTS = 2

    mentor = models.OneToOneField(
        Person, verbose_name=_("mentor"), on_delete=models.CASCADE, related_name="research_capacity"
    )
    concurrent_students = models.PositiveSmallIntegerField(
        _("students at the same time"), default=DEFAULT_CONCURRENT_STUDENTS
    )

    class Meta:
        verbose_name = _("mentor's research capacity")
        verbose_name_plural = _("mentors' research capacities")

    def __str__(self) -> str:
        return f"{self.mentor}: {self.concurrent_students}"
