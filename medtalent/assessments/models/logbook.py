"""The case and procedure logbook (登记手册): what a trainee managed and performed in each rotation."""

from django.conf import settings
from django.core.validators import MaxValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from medtalent.core.languages import bilingual
from medtalent.core.models import TimeStampedModel, VersionedModel
from medtalent.people.models import Department, Institution, Person, TraineeProfile
from medtalent.rotations.models import RotationBlock, RotationStandard

from .assessments import Assessment
from .instruments import Instrument


class LogbookKind(models.TextChoices):
    CASE = "case", _("Case (disease)")
    PROCEDURE = "procedure", _("Procedure")


class LogbookItem(TimeStampedModel):
    """One disease or procedure a rotation's list names, with the minimum number per rotation.

    The list belongs to a training base's department; ``standard`` narrows it to the trainees of one
    rotation standard. A procedure may ask the supervisor for a DOPS whenever it is logged.
    """

    Kind = LogbookKind

    institution = models.ForeignKey(
        Institution, verbose_name=_("training base"), on_delete=models.CASCADE, related_name="logbook_items"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.CASCADE, related_name="logbook_items"
    )
    standard = models.ForeignKey(
        RotationStandard,
        verbose_name=_("rotation standard"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="logbook_items",
        help_text=_("Empty when the item applies to every trainee rotating in the department."),
    )
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    code = models.SlugField(_("code"), max_length=60)
    name_zh = models.CharField(_("name (Chinese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=160, blank=True)
    minimum = models.PositiveSmallIntegerField(
        _("minimum per rotation"), default=0, validators=[MaxValueValidator(500)]
    )
    dops_instrument = models.ForeignKey(
        Instrument,
        verbose_name=_("ask for a DOPS"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("When set, logging this procedure asks the supervisor for this assessment."),
    )
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("logbook item")
        verbose_name_plural = _("logbook items")
        ordering = ["department_id", "kind", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["department", "standard", "kind", "code"], name="logbook_item_unique"
            ),
            models.CheckConstraint(
                condition=Q(kind="procedure") | Q(dops_instrument__isnull=True),
                name="logbook_item_dops_only_for_procedures",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return bilingual(self.name_zh, self.name_en)


class LogbookRole(models.TextChoices):
    PERFORMED = "performed", _("Performed / managed")
    ASSISTED = "assisted", _("Assisted")
    OBSERVED = "observed", _("Observed")


class LogbookEntryStatus(models.TextChoices):
    PENDING = "pending", _("Awaiting verification")
    VERIFIED = "verified", _("Verified")
    REJECTED = "rejected", pgettext_lazy("logbook entry", "Rejected")


class LogbookEntry(VersionedModel):
    """One case managed or procedure performed, verified by the supervisor named on it."""

    Role = LogbookRole
    Status = LogbookEntryStatus

    trainee = models.ForeignKey(
        TraineeProfile, verbose_name=_("trainee"), on_delete=models.CASCADE, related_name="logbook_entries"
    )
    item = models.ForeignKey(
        LogbookItem, verbose_name=_("disease or procedure"), on_delete=models.PROTECT, related_name="entries"
    )
    department = models.ForeignKey(
        Department, verbose_name=_("department"), on_delete=models.PROTECT, related_name="logbook_entries"
    )
    rotation_block = models.ForeignKey(
        RotationBlock,
        verbose_name=_("rotation"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="logbook_entries",
    )
    performed_on = models.DateField(_("date"))
    role = models.CharField(_("role"), max_length=10, choices=Role.choices, default=Role.PERFORMED)
    patient_reference = models.CharField(
        _("patient reference"),
        max_length=40,
        blank=True,
        help_text=_("The bed or record number, never the patient's name."),
    )
    note = models.CharField(_("note"), max_length=300, blank=True)
    supervisor = models.ForeignKey(
        Person,
        verbose_name=_("supervisor"),
        on_delete=models.PROTECT,
        related_name="logbook_entries_supervised",
    )
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.PENDING, db_index=True
    )
    verified_at = models.DateTimeField(_("verified at"), null=True, blank=True)
    rejection_reason = models.CharField(_("reason for rejecting"), max_length=300, blank=True)
    dops_assessment = models.ForeignKey(
        Assessment,
        verbose_name=_("DOPS requested"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="logbook_entries",
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("logged by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("logbook entry")
        verbose_name_plural = _("logbook entries")
        ordering = ["-performed_on", "-id"]
        indexes = [
            models.Index(fields=["trainee", "item", "status"], name="logbook_trainee_item_idx"),
            models.Index(fields=["supervisor", "status"], name="logbook_supervisor_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.item} · {self.performed_on}"


class LogbookAlert(models.Model):
    """A deficiency alert already sent, so each (rotation, item) is alerted once per week at most."""

    rotation_block = models.ForeignKey(RotationBlock, on_delete=models.CASCADE, related_name="+")
    item = models.ForeignKey(LogbookItem, on_delete=models.CASCADE, related_name="+")
    sent_on = models.DateField()

    class Meta:
        verbose_name = _("logbook deficiency alert")
        verbose_name_plural = _("logbook deficiency alerts")
        indexes = [models.Index(fields=["rotation_block", "item", "sent_on"], name="logbook_alert_idx")]

    def __str__(self) -> str:
        return f"{self.item_id} · {self.sent_on}"
