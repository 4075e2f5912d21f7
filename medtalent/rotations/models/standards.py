"""Rotation standards (《住院医师规范化培训内容与标准》 as an institution applies it), their editions, and
which edition each trainee follows."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from medtalent.core.models import TimeStampedModel, VersionedModel
from medtalent.people.models import Institution, TraineeProfile
from medtalent.people.models.organisations import BilingualNameMixin

from ..months import validate_first_of_month

DEFAULT_TOTAL_MONTHS = 33


class RotationStandard(BilingualNameMixin, TimeStampedModel):
    """One specialty's rotation plan at one training base (住培基地), e.g. internal medicine.

    Its content lives in editions: the current edition is the one with the highest number.
    """

    institution = models.ForeignKey(
        Institution,
        verbose_name=_("training base"),
        on_delete=models.PROTECT,
        related_name="rotation_standards",
    )
    specialty = models.SlugField(
        _("specialty code"), max_length=60, help_text=_("Lower-case letters, digits and underscores.")
    )

    class Meta:
        verbose_name = _("rotation standard")
        verbose_name_plural = _("rotation standards")
        ordering = ["institution_id", "specialty"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "specialty"], name="rotation_standard_specialty_unique"
            )
        ]


class StandardEdition(VersionedModel):
    """The content of a rotation standard at one point in time.

    An edition that any trainee is enrolled under is frozen: changing it makes the next edition, and the
    enrolled trainees keep the one they started under. An edition nobody follows yet is edited in place
    (optimistically locked through ``version``).

    ``requirements`` is a list of
    ``{"department": code, "months": int, "max_segments": int, "min_segment_months": int,
    "earliest_start": int?, "latest_end": int?, "confirmed": bool?}``: months the trainee must spend in
    the department, in at most ``max_segments`` contiguous segments of at least ``min_segment_months``,
    all within ``[earliest_start, latest_end)`` counted in months from the trainee's own start
    (default: the whole programme). ``confirmed`` marks figures taken from a published source.

    ``groups`` is a list of ``{"departments": [codes], "months": int, "min_each": int, "max_each": int}``:
    the trainee chooses among the departments until the group's months are used, spending between
    ``min_each`` and ``max_each`` months in each department chosen.

    Department codes are ``people.Department.code`` at the standard's institution or its affiliates.
    The months of the requirements and groups add up to ``total_months``
    (``services.standard_edition_validate`` checks all of this).
    """

    standard = models.ForeignKey(
        RotationStandard,
        verbose_name=_("rotation standard"),
        on_delete=models.CASCADE,
        related_name="editions",
    )
    number = models.PositiveSmallIntegerField(_("edition"))
    label = models.CharField(
        _("edition name"), max_length=120, blank=True, help_text=_("For example “2022 national standard”.")
    )
    total_months = models.PositiveSmallIntegerField(_("total months"), default=DEFAULT_TOTAL_MONTHS)
    source = models.TextField(_("source"), blank=True, help_text=_("Where the figures come from."))
    requirements = models.JSONField(_("required departments"), default=list, blank=True)
    groups = models.JSONField(_("elective groups"), default=list, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("rotation standard edition")
        verbose_name_plural = _("rotation standard editions")
        ordering = ["standard_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["standard", "number"], name="standard_edition_number_unique"),
            models.CheckConstraint(condition=Q(number__gte=1), name="standard_edition_number_positive"),
            models.CheckConstraint(condition=Q(total_months__gte=1), name="standard_edition_has_months"),
        ]

    def __str__(self) -> str:
        return gettext("%(standard)s, edition %(number)s") % {
            "standard": self.standard,
            "number": self.number,
        }

    @property
    def department_codes(self) -> list[str]:
        """Every department code the edition names, in order of first appearance."""
        codes = [requirement["department"] for requirement in self.requirements]
        codes += [code for group in self.groups for code in group["departments"]]
        return list(dict.fromkeys(codes))


class RotationEnrolment(TimeStampedModel):
    """A trainee's place under a rotation standard: which edition, where, and from which month."""

    trainee = models.OneToOneField(
        TraineeProfile, verbose_name=_("trainee"), on_delete=models.CASCADE, related_name="rotation_enrolment"
    )
    edition = models.ForeignKey(
        StandardEdition,
        verbose_name=_("standard edition"),
        on_delete=models.PROTECT,
        related_name="enrolments",
    )
    start_month = models.DateField(_("first month"), validators=[validate_first_of_month])
    institution = models.ForeignKey(
        Institution,
        verbose_name=_("training base"),
        on_delete=models.PROTECT,
        related_name="rotation_enrolments",
        help_text=_("Where the trainee rotates."),
    )

    class Meta:
        verbose_name = _("rotation enrolment")
        verbose_name_plural = _("rotation enrolments")
        ordering = ["institution_id", "start_month", "trainee_id"]
        indexes = [models.Index(fields=["institution", "start_month"], name="enrolment_base_start_idx")]

    def __str__(self) -> str:
        return f"{self.trainee} · {self.edition}"
