from django.db import models
from django.utils.translation import gettext_lazy as _

from medtalent.core.languages import bilingual
from medtalent.core.models import TimeStampedModel


class BilingualNameMixin(models.Model):
    name_zh = models.CharField(_("name (Chinese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=160, blank=True)

    class Meta:
        abstract = True

    def __str__(self) -> str:
        return self.name

    @property
    def name(self) -> str:
        """The name in the reader's language, falling back to the other one."""
        return bilingual(self.name_zh, self.name_en)


# The choice enums live at module level with distinct names, so that the API's OpenAPI schema
# names each one apart (an inner ``Kind`` on three models would collide there).
class InstitutionKind(models.TextChoices):
    UNIVERSITY = "university", _("University")
    HOSPITAL = "hospital", _("Hospital")
    HIGH_SCHOOL = "high_school", _("High school")
    ENGINEERING_SCHOOL = "engineering_school", _("Engineering school")
    COMPANY = "company", _("Company")
    INSTITUTE = "institute", _("Research institute")


class DepartmentKind(models.TextChoices):
    CLINICAL = "clinical", _("Clinical department")
    MEDICAL_TECHNOLOGY = "medical_technology", _("Medical technology department")
    TEACHING_OFFICE = "teaching_office", _("Teaching office")
    RESEARCH = "research", _("Research unit or laboratory")
    ADMINISTRATIVE = "administrative", _("Administrative office")


class Institution(BilingualNameMixin, TimeStampedModel):
    Kind = InstitutionKind

    code = models.SlugField(_("code"), max_length=40, unique=True)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices)
    # An affiliated hospital points at its university. Officers of the university see the family.
    parent = models.ForeignKey(
        "self",
        verbose_name=_("affiliated with"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="affiliates",
    )
    city = models.CharField(_("city"), max_length=60, blank=True)
    is_training_base = models.BooleanField(_("residency training base"), default=False)
    time_zone = models.CharField(_("time zone"), max_length=40, default="Asia/Shanghai")

    class Meta:
        verbose_name = _("institution")
        verbose_name_plural = _("institutions")
        ordering = ["code"]


class Department(BilingualNameMixin, TimeStampedModel):
    Kind = DepartmentKind

    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.PROTECT, related_name="departments"
    )
    code = models.SlugField(_("code"), max_length=40)
    kind = models.CharField(_("kind"), max_length=24, choices=Kind.choices, default=Kind.CLINICAL)
    # Places for rotating trainees in a typical month; the rotations app refines this per month.
    rotation_capacity = models.PositiveSmallIntegerField(
        _("rotation places per month"), null=True, blank=True
    )
    # The hospital's department and the school's teaching office for the same discipline.
    linked_departments = models.ManyToManyField(
        "self", verbose_name=_("linked departments"), blank=True, symmetrical=True
    )

    class Meta:
        verbose_name = _("department")
        verbose_name_plural = _("departments")
        ordering = ["institution_id", "code"]
        constraints = [
            models.UniqueConstraint(
                fields=["institution", "code"], name="department_code_unique_in_institution"
            )
        ]

    @property
    def is_clinical(self) -> bool:
        return self.kind == self.Kind.CLINICAL
