"""Assessment instruments as versioned data: Mini-CEX, DOPS, record quality, the exit exam, and the
instruments administrators build themselves.

An instrument's content lives in numbered versions whose ``definition`` is JSON in the shape of
``shared/domain/instruments/*.json``. A version is frozen once an assessment uses it: a change then makes
the next version, and every assessment keeps the version it was made with.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from medtalent.core.languages import bilingual
from medtalent.core.models import TimeStampedModel
from medtalent.people.models import Institution


class InstrumentKind(models.TextChoices):
    # Items rated on one scale (1-9 with N/A), the score is the mean of the rated items: Mini-CEX, DOPS.
    RATING_SCALE = "rating_scale", _("Rating scale")
    # Sections scored in points, the score is their sum out of the total: record-quality scoring.
    POINTS = "points", _("Points")
    # Components in points with pass rules over the total and its parts: the department exit exam.
    EXIT_EXAM = "exit_exam", _("Exit exam")


class Instrument(TimeStampedModel):
    """One kind of assessment form. ``institution`` is empty for the instruments MedTalent ships."""

    Kind = InstrumentKind

    code = models.SlugField(_("code"), max_length=40)
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("institution"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="assessment_instruments",
        help_text=_("Empty for the instruments every institution uses."),
    )
    kind = models.CharField(_("kind"), max_length=16, choices=Kind.choices)
    name_zh = models.CharField(_("name (Chinese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=160, blank=True)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        verbose_name = _("assessment instrument")
        verbose_name_plural = _("assessment instruments")
        ordering = ["institution_id", "code"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "code"], name="instrument_code_per_institution"),
            models.UniqueConstraint(
                fields=["code"], condition=Q(institution__isnull=True), name="instrument_shipped_code_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        return bilingual(self.name_zh, self.name_en)


class InstrumentVersion(TimeStampedModel):
    """The content of an instrument at one version; frozen once an assessment uses it."""

    instrument = models.ForeignKey(
        Instrument, verbose_name=_("instrument"), on_delete=models.CASCADE, related_name="versions"
    )
    number = models.PositiveSmallIntegerField(_("version"))
    definition = models.JSONField(_("definition"))
    frozen_at = models.DateTimeField(
        _("frozen at"),
        null=True,
        blank=True,
        help_text=_("Set when the first assessment uses this version; a frozen version is never edited."),
    )
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("instrument version")
        verbose_name_plural = _("instrument versions")
        ordering = ["instrument_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["instrument", "number"], name="instrument_version_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.instrument} v{self.number}"

    @property
    def is_frozen(self) -> bool:
        return self.frozen_at is not None
