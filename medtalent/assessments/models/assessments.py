"""Workplace-based assessments (Mini-CEX, DOPS, record quality) and exit exams: one record each.

The life of a record: ``requested`` (by the trainee, or from a logbook entry) → ``submitted`` by the
assessor → ``acknowledged`` by the trainee with a reflection, which locks it. A locked record changes only
by an audited amendment with a reason. Assessors may also start one themselves (at the bedside, from the
trainee's QR code): it is created submitted.
"""

import datetime

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from medtalent.core.models import VersionedModel
from medtalent.people.models import Department, Person, TraineeProfile
from medtalent.rotations.models import RotationBlock

from .instruments import InstrumentVersion


class AssessmentStatus(models.TextChoices):
    REQUESTED = "requested", _("Requested")
    SUBMITTED = "submitted", _("Submitted")
    ACKNOWLEDGED = "acknowledged", _("Acknowledged (locked)")
    CANCELLED = "cancelled", _("Cancelled")


class AssessmentOrigin(models.TextChoices):
    TRAINEE_REQUEST = "trainee_request", _("Requested by the trainee")
    ASSESSOR = "assessor", _("Started by the assessor")
    BEDSIDE_CODE = "bedside_code", _("Scanned at the bedside")
    LOGBOOK = "logbook", _("From a logbook entry")


# Statuses in which the assessor may still be asked to act.
OPEN_STATUSES = (AssessmentStatus.REQUESTED,)
# Statuses whose scores count on dashboards and toward requirements.
DONE_STATUSES = (AssessmentStatus.SUBMITTED, AssessmentStatus.ACKNOWLEDGED)


class Assessment(VersionedModel):
    """One assessment of one trainee by one assessor with one instrument version."""

    Status = AssessmentStatus
    Origin = AssessmentOrigin

    instrument_version = models.ForeignKey(
        InstrumentVersion, verbose_name=_("instrument version"), on_delete=models.PROTECT, related_name="+"
    )
    trainee = models.ForeignKey(
        TraineeProfile, verbose_name=_("trainee"), on_delete=models.CASCADE, related_name="assessments"
    )
    assessor = models.ForeignKey(
        Person, verbose_name=_("assessor"), on_delete=models.PROTECT, related_name="assessments_given"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="assessments"
    )
    rotation_block = models.ForeignKey(
        RotationBlock,
        verbose_name=_("rotation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="assessments",
    )
    status = models.CharField(
        _("status"), max_length=12, choices=Status.choices, default=Status.REQUESTED, db_index=True
    )
    origin = models.CharField(_("origin"), max_length=16, choices=Origin.choices)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"))
    due_on = models.DateField(_("due on"), null=True, blank=True)
    request_note = models.CharField(_("note to the assessor"), max_length=300, blank=True)
    performed_on = models.DateField(_("date observed"), null=True, blank=True)
    # Item code → score (None for N/A); context and extra fields by code.
    scores = models.JSONField(_("scores"), default=dict, blank=True)
    details = models.JSONField(_("details"), default=dict, blank=True)
    total = models.DecimalField(_("score"), max_digits=6, decimal_places=2, null=True, blank=True)
    band = models.CharField(_("band"), max_length=20, blank=True)
    passed = models.BooleanField(_("passed"), null=True, blank=True)
    flagged_low = models.BooleanField(
        _("low score"), default=False, help_text=_("An item in the lowest band, or a failed exam.")
    )
    submitted_at = models.DateTimeField(_("submitted at"), null=True, blank=True)
    reflection = models.TextField(_("trainee's reflection"), blank=True)
    acknowledged_at = models.DateTimeField(_("acknowledged at"), null=True, blank=True)
    reminders_sent = models.PositiveSmallIntegerField(_("reminders sent"), default=0)
    last_reminded_at = models.DateTimeField(_("last reminded at"), null=True, blank=True)
    amendment_count = models.PositiveSmallIntegerField(_("amendments"), default=0)
    # The form's one-time key: a second submit of the same form (a double tap, a resent request) is refused.
    submission_key = models.UUIDField(null=True, blank=True, unique=True, editable=False)

    class Meta:
        verbose_name = _("assessment")
        verbose_name_plural = _("assessments")
        ordering = ["-requested_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=["requested", "cancelled"]) | Q(submitted_at__isnull=False),
                name="assessment_submitted_has_time",
            ),
            models.CheckConstraint(
                condition=~Q(status="acknowledged") | Q(acknowledged_at__isnull=False),
                name="assessment_acknowledged_has_time",
            ),
        ]
        indexes = [
            models.Index(fields=["trainee", "status"], name="assessment_trainee_status_idx"),
            models.Index(fields=["assessor", "status"], name="assessment_assessor_status_idx"),
            models.Index(fields=["department", "performed_on"], name="assessment_department_date_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.instrument_version.instrument} · {self.trainee.person} · {self.performed_on or ''}"

    @property
    def band_label(self) -> str:
        """The band or grade in the reader's language (``band`` stores a language-neutral key)."""
        from ..scoring import band_label

        version = self.instrument_version
        return band_label(version.instrument.kind, version.definition, self.band)

    @property
    def is_locked(self) -> bool:
        return self.status == AssessmentStatus.ACKNOWLEDGED

    @property
    def minutes_to_complete(self) -> float | None:
        if self.submitted_at is None:
            return None
        return (self.submitted_at - self.requested_at) / datetime.timedelta(minutes=1)


class AssessmentRequirement(models.Model):
    """How many assessments of one instrument a rotation needs, e.g. 2 Mini-CEX and 1 DOPS.

    Set for the whole training base, for one standard or for one department; the most specific row
    for an instrument wins (department, then standard, then the base).
    """

    institution = models.ForeignKey(
        "people.Institution",
        verbose_name=_("training base"),
        on_delete=models.CASCADE,
        related_name="assessment_requirements",
    )
    standard = models.ForeignKey(
        "rotations.RotationStandard",
        verbose_name=_("rotation standard"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="assessment_requirements",
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="assessment_requirements",
    )
    instrument = models.ForeignKey(
        "assessments.Instrument",
        verbose_name=_("instrument"),
        on_delete=models.CASCADE,
        related_name="requirements",
    )
    minimum = models.PositiveSmallIntegerField(
        _("minimum per rotation"), validators=[MinValueValidator(0), MaxValueValidator(50)]
    )

    class Meta:
        verbose_name = _("assessment requirement")
        verbose_name_plural = _("assessment requirements")
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "standard", "department", "instrument"],
                name="assessment_requirement_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} ≥ {self.minimum}"


class RotationSignOff(models.Model):
    """A rotation marked complete: with the passed exit exam, or by a programme officer's written override."""

    rotation_block = models.OneToOneField(
        RotationBlock, verbose_name=_("rotation"), on_delete=models.CASCADE, related_name="sign_off"
    )
    exit_exam = models.ForeignKey(
        Assessment,
        verbose_name=_("exit exam"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="+",
    )
    override_reason = models.TextField(_("reason for completing without a passed exit exam"), blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("signed by"), on_delete=models.PROTECT, related_name="+"
    )
    signed_at = models.DateTimeField(_("signed at"), auto_now_add=True)

    class Meta:
        verbose_name = _("rotation sign-off")
        verbose_name_plural = _("rotation sign-offs")
        constraints = [
            models.CheckConstraint(
                condition=Q(exit_exam__isnull=False) | ~Q(override_reason=""),
                name="sign_off_has_exam_or_reason",
            ),
        ]

    def __str__(self) -> str:
        return str(self.rotation_block)
