"""Rotation schedules (轮转安排) and their blocks.

A schedule is one plan for a training base over a horizon of months: drafts are made (by hand or by the
solver), one is published, and re-planning makes a new draft ``based_on`` the published one. Publishing
a new schedule supersedes the old one, so a training base has at most one published schedule at a time.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from medtalent.core.models import Job, VersionedModel
from medtalent.people.models import Department, Institution, TraineeProfile

from ..months import add_months, validate_first_of_month


class ScheduleStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    PUBLISHED = "published", _("Published")
    SUPERSEDED = "superseded", _("Superseded")
    DISCARDED = "discarded", _("Discarded")


class Schedule(VersionedModel):
    """One rotation plan for a training base.

    ``figures`` holds what the solver reported for it: ``overload``, ``overload_lower_bound``,
    ``objective``, ``objective_lower_bound``, ``changed_trainee_months``, ``status`` and ``diagnostics``
    (the names of the solution format, ``medtalent-rotation-solution/1``).
    """

    Status = ScheduleStatus

    institution = models.ForeignKey(
        Institution,
        verbose_name=_("training base"),
        on_delete=models.PROTECT,
        related_name="rotation_schedules",
    )
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    title = models.CharField(_("title"), max_length=200)
    based_on = models.ForeignKey(
        "self",
        verbose_name=_("re-plans"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="replans",
        help_text=_("The published schedule this one re-plans."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    published_at = models.DateTimeField(_("published at"), null=True, blank=True)
    published_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("published by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    first_month = models.DateField(_("first month"), validators=[validate_first_of_month])
    horizon_months = models.PositiveSmallIntegerField(_("months covered"))
    figures = models.JSONField(_("solver figures"), default=dict, blank=True)
    job = models.ForeignKey(
        Job, verbose_name=_("solver job"), null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )

    class Meta:
        verbose_name = _("rotation schedule")
        verbose_name_plural = _("rotation schedules")
        ordering = ["institution_id", "-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution"],
                condition=Q(status="published"),
                name="schedule_one_published_per_institution",
            ),
            models.CheckConstraint(condition=Q(horizon_months__gte=1), name="schedule_has_months"),
            models.CheckConstraint(
                condition=~Q(status="published") | Q(published_at__isnull=False),
                name="schedule_published_has_time",
            ),
        ]
        indexes = [models.Index(fields=["institution", "status"], name="schedule_base_status_idx")]

    def __str__(self) -> str:
        return self.title

    @property
    def end_month(self) -> datetime.date:
        """The first month after the horizon."""
        return add_months(self.first_month, self.horizon_months)


class BlockKind(models.TextChoices):
    ROTATION = "rotation", _("Rotation")
    RESEARCH = "research", _("Research")


class BlockStatus(models.TextChoices):
    PLANNED = "planned", _("Planned")
    IN_PROGRESS = "in_progress", _("In progress")
    COMPLETED = "completed", _("Completed (left the department)")
    CHANGED = "changed", _("Changed")


# A block locked, running or done stays as it is: re-plans fix its months and hand edits cannot move it.
FIXED_STATUSES = (BlockStatus.IN_PROGRESS, BlockStatus.COMPLETED)
FIXED_BLOCKS = Q(locked=True) | Q(status__in=FIXED_STATUSES)


class RotationBlock(models.Model):
    """Consecutive whole months a trainee spends in one department (轮转), or on research.

    ``end_month`` is exclusive: a block from September lasting 3 months ends before December.
    A block in a department of another institution than the schedule's (``department.institution_id !=
    schedule.institution_id``) is time at a partner institution: it counts toward the partner limits
    (at most 6 months in all, at most 3 in one partner subspecialty, in provincial practice).
    ``locked`` blocks are kept as they are when the schedule is re-planned.
    """

    Kind = BlockKind
    Status = BlockStatus

    schedule = models.ForeignKey(
        Schedule, verbose_name=_("schedule"), on_delete=models.CASCADE, related_name="blocks"
    )
    trainee = models.ForeignKey(
        TraineeProfile, verbose_name=_("trainee"), on_delete=models.CASCADE, related_name="rotation_blocks"
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices, default=Kind.ROTATION)
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="rotation_blocks",
    )
    start_month = models.DateField(_("first month"), validators=[validate_first_of_month])
    months = models.PositiveSmallIntegerField(_("months"))
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.PLANNED)
    locked = models.BooleanField(_("locked"), default=False)

    class Meta:
        verbose_name = _("rotation block")
        verbose_name_plural = _("rotation blocks")
        ordering = ["schedule_id", "trainee_id", "start_month"]
        constraints = [
            models.CheckConstraint(condition=Q(months__gte=1), name="rotation_block_has_months"),
            models.CheckConstraint(
                condition=~Q(kind="rotation") | Q(department__isnull=False),
                name="rotation_block_rotation_has_department",
            ),
        ]
        indexes = [
            models.Index(fields=["schedule", "department", "start_month"], name="block_department_month_idx"),
            models.Index(fields=["schedule", "trainee"], name="block_trainee_idx"),
        ]

    def __str__(self) -> str:
        where = self.department if self.department_id else self.get_kind_display()
        return f"{self.trainee} · {where} · {self.start_month:%Y-%m} +{self.months}"

    @property
    def end_month(self) -> datetime.date:
        """The first month after the block (exclusive end)."""
        return add_months(self.start_month, self.months)

    @property
    def is_fixed(self) -> bool:
        """Locked, running or done (``FIXED_BLOCKS`` in a query)."""
        return self.locked or self.status in FIXED_STATUSES
