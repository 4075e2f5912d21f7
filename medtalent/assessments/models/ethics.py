"""The ethics record (医德档案) and its one-vote veto (一票否决).

Only programme officers, the trainee's mentors and the trainee see these records. A confirmed serious
violation fails the trainee's overall evaluation for the period it happened in and makes them ineligible
for awards, scholarships and talent selection until ``veto_until``; other apps ask
``selectors_ethics.veto_for`` / ``vetoed_person_ids``, never the records themselves.
"""

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from medtalent.core.models import TimeStampedModel, VersionedModel
from medtalent.people.models import Institution, Person

DEFAULT_VETO_MONTHS = 24


class EthicsKind(models.TextChoices):
    COMMENDATION = "commendation", _("Commendation")
    CONCERN = "concern", _("Concern")
    VIOLATION = "violation", _("Violation")


class EthicsSeverity(models.TextChoices):
    MINOR = "minor", _("Minor")
    MODERATE = "moderate", _("Moderate")
    SERIOUS = "serious", _("Serious")


class EthicsStatus(models.TextChoices):
    REPORTED = "reported", _("Reported")
    UNDER_REVIEW = "under_review", _("Under review")
    CONFIRMED = "confirmed", _("Confirmed")
    DISMISSED = "dismissed", _("Dismissed")


class EthicsRecord(VersionedModel):
    Kind = EthicsKind
    Severity = EthicsSeverity
    Status = EthicsStatus

    person = models.ForeignKey(
        Person, verbose_name=_("trainee"), on_delete=models.CASCADE, related_name="ethics_records"
    )
    kind = models.CharField(_("kind"), max_length=14, choices=Kind.choices)
    severity = models.CharField(
        _("severity"), max_length=10, choices=Severity.choices, default=Severity.MINOR
    )
    status = models.CharField(_("status"), max_length=14, choices=Status.choices, default=Status.REPORTED)
    occurred_on = models.DateField(_("date of the event"))
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    reported_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("reported by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    decision_note = models.TextField(_("decision"), blank=True)
    veto_until = models.DateField(
        _("ineligible until"),
        null=True,
        blank=True,
        help_text=_("Set when a serious violation is confirmed: the veto's last day is the day before."),
    )

    class Meta:
        verbose_name = _("ethics record")
        verbose_name_plural = _("ethics records")
        ordering = ["-occurred_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(veto_until__isnull=True)
                | Q(kind="violation", severity="serious", status="confirmed"),
                name="ethics_veto_only_for_confirmed_serious_violations",
            ),
        ]
        indexes = [models.Index(fields=["person", "veto_until"], name="ethics_person_veto_idx")]

    def __str__(self) -> str:
        return self.title


class EthicsPolicy(TimeStampedModel):
    """How long a confirmed serious violation keeps a trainee of this institution ineligible."""

    institution = models.OneToOneField(
        Institution, verbose_name=_("institution"), on_delete=models.CASCADE, related_name="ethics_policy"
    )
    veto_months = models.PositiveSmallIntegerField(
        _("months of ineligibility after a serious violation"),
        default=DEFAULT_VETO_MONTHS,
        validators=[MinValueValidator(1), MaxValueValidator(120)],
    )

    class Meta:
        verbose_name = _("ethics policy")
        verbose_name_plural = _("ethics policies")

    def __str__(self) -> str:
        return str(self.institution)
