"""Programme templates: the four cultivation systems as data (stages, milestones, evidence they ask for).

Due dates are relative to a plan's start (whole months), so one template serves every cohort.
A plan copies its template when it is created: editing a template later changes new plans only.
"""

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from medtalent.core.languages import bilingual
from medtalent.core.models import VersionedModel
from medtalent.people.models import Institution


class ProgrammeSystem(models.TextChoices):
    RESEARCH_TEAM = "research_team", _("Mentor-led research team, high school to postgraduate")
    INNOVATION = "innovation", _("Innovation and entrepreneurship through medical devices")
    CAREER = "career", _("Full-career faculty development")
    PRACTICE_RESEARCH = "practice_research", _("Practice and research for professional master's students")


class EvidenceKind(models.TextChoices):
    """Kinds of record a milestone may take as evidence. A kind counts once an app registers where its
    records come from (``programs.evidence``); research outputs and courses arrive with their apps."""

    ASSESSMENT = "assessment", _("Assessment")
    ROTATION = "rotation", _("Rotation")
    OUTPUT = "output", _("Research output")
    COURSE = "course", _("Course")


class Programme(VersionedModel):
    """A cultivation system (人才培养体系) as a template: stages, and milestones with relative due dates."""

    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.PROTECT, related_name="programmes"
    )
    code = models.SlugField(_("code"), max_length=40)
    system = models.CharField(_("cultivation system"), max_length=24, choices=ProgrammeSystem.choices)
    name_zh = models.CharField(_("name (Chinese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=160)
    description_zh = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    is_active = models.BooleanField(_("open for new plans"), default=True)

    class Meta:
        verbose_name = _("programme")
        verbose_name_plural = _("programmes")
        ordering = ["institution_id", "system", "code"]
        constraints = [
            models.UniqueConstraint(fields=["institution", "code"], name="programme_code_unique"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return bilingual(self.name_zh, self.name_en)

    @property
    def description(self) -> str:
        return bilingual(self.description_zh, self.description_en)


class ProgrammeStage(models.Model):
    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.CASCADE, related_name="stages"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    code = models.SlugField(_("code"), max_length=40)
    name_zh = models.CharField(_("name (Chinese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=160)
    goal_zh = models.TextField(_("stage goal (Chinese)"), blank=True)
    goal_en = models.TextField(_("stage goal (English)"), blank=True)
    start_month = models.PositiveSmallIntegerField(_("starts (months after the plan starts)"), default=0)
    months = models.PositiveSmallIntegerField(_("length in months"), default=12)

    class Meta:
        verbose_name = _("programme stage")
        verbose_name_plural = _("programme stages")
        ordering = ["programme_id", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["programme", "code"], name="programme_stage_code_unique"),
            models.CheckConstraint(condition=Q(months__gte=1), name="programme_stage_has_months"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return bilingual(self.name_zh, self.name_en)

    @property
    def goal(self) -> str:
        return bilingual(self.goal_zh, self.goal_en)


class ProgrammeMilestone(models.Model):
    stage = models.ForeignKey(
        ProgrammeStage, verbose_name=_("stage"), on_delete=models.CASCADE, related_name="milestones"
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    code = models.SlugField(_("code"), max_length=40)
    name_zh = models.CharField(_("name (Chinese)"), max_length=160)
    name_en = models.CharField(_("name (English)"), max_length=200)
    due_month = models.PositiveSmallIntegerField(_("due (months after the plan starts)"))
    evidence_kinds = models.JSONField(_("evidence it takes"), default=list, blank=True)
    requires_evidence = models.BooleanField(_("evidence required"), default=False)

    class Meta:
        verbose_name = _("programme milestone")
        verbose_name_plural = _("programme milestones")
        ordering = ["stage_id", "order", "id"]
        constraints = [
            models.UniqueConstraint(fields=["stage", "code"], name="programme_milestone_code_unique"),
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return bilingual(self.name_zh, self.name_en)
