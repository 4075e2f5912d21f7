"""Individual training plans (个性化培养计划): one trainee in one programme, co-signed by both mentors."""

import datetime

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from medtalent.core.languages import bilingual
from medtalent.core.models import TimeStampedModel, VersionedModel
from medtalent.people.models import Person, TraineeProfile

from .programmes import EvidenceKind, Programme, ProgrammeMilestone, ProgrammeStage


class PlanStatus(models.TextChoices):
    DRAFT = "draft", _("Draft")
    AWAITING_SIGNATURES = "awaiting_signatures", _("Waiting for signatures")
    ACTIVE = "active", _("Active")
    COMPLETED = "completed", _("Completed")
    WITHDRAWN = "withdrawn", pgettext_lazy("plan", "Withdrawn")


OPEN_PLAN_STATUSES = (PlanStatus.DRAFT, PlanStatus.AWAITING_SIGNATURES, PlanStatus.ACTIVE)


class SignerRole(models.TextChoices):
    SCHOOL = "school", _("School mentor")
    HOSPITAL = "hospital", _("Hospital mentor")


class TrainingPlan(VersionedModel):
    """``revision`` counts material changes: a signature is for one revision, so a material change
    after signing asks both mentors again (``services.plans``)."""

    Status = PlanStatus

    programme = models.ForeignKey(
        Programme, verbose_name=_("programme"), on_delete=models.PROTECT, related_name="plans"
    )
    person = models.ForeignKey(
        Person, verbose_name=_("trainee"), on_delete=models.PROTECT, related_name="training_plans"
    )
    trainee_profile = models.ForeignKey(
        TraineeProfile,
        verbose_name=_("training stage"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="training_plans",
    )
    school_mentor = models.ForeignKey(
        Person,
        verbose_name=_("school mentor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="plans_as_school_mentor",
    )
    hospital_mentor = models.ForeignKey(
        Person,
        verbose_name=_("hospital mentor"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="plans_as_hospital_mentor",
    )
    start_date = models.DateField(_("start date"))
    goals = models.TextField(_("individual goals"), blank=True)
    status = models.CharField(_("status"), max_length=20, choices=Status.choices, default=Status.DRAFT)
    revision = models.PositiveIntegerField(_("revision"), default=1)
    activated_at = models.DateTimeField(_("active since"), null=True, blank=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("created by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("training plan")
        verbose_name_plural = _("training plans")
        ordering = ["-start_date", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["person", "programme"],
                condition=Q(status__in=["draft", "awaiting_signatures", "active"]),
                name="training_plan_one_open_per_programme",
            ),
            models.CheckConstraint(
                condition=Q(school_mentor__isnull=True)
                | Q(hospital_mentor__isnull=True)
                | ~Q(school_mentor=models.F("hospital_mentor")),
                name="training_plan_two_different_mentors",
            ),
        ]
        indexes = [models.Index(fields=["status", "programme"], name="plan_status_programme_idx")]

    def __str__(self) -> str:
        return f"{self.person} · {self.programme}"

    def mentor_for(self, role: str) -> Person | None:
        return self.school_mentor if role == SignerRole.SCHOOL else self.hospital_mentor

    def roles_of(self, person_id: int | None) -> list[str]:
        """The signer roles a person holds on this plan (none, or one: the two mentors differ)."""
        if person_id is None:
            return []
        return [
            role
            for role, mentor_id in (
                (SignerRole.SCHOOL, self.school_mentor_id),
                (SignerRole.HOSPITAL, self.hospital_mentor_id),
            )
            if mentor_id == person_id
        ]


class PlanSignature(models.Model):
    plan = models.ForeignKey(
        TrainingPlan, verbose_name=_("training plan"), on_delete=models.CASCADE, related_name="signatures"
    )
    role = models.CharField(_("signed as"), max_length=10, choices=SignerRole.choices)
    signer = models.ForeignKey(
        Person, verbose_name=_("signed by"), on_delete=models.PROTECT, related_name="+"
    )
    revision = models.PositiveIntegerField(_("revision signed"))
    signed_at = models.DateTimeField(_("signed at"))

    class Meta:
        verbose_name = _("plan signature")
        verbose_name_plural = _("plan signatures")
        ordering = ["plan_id", "-revision", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "role", "revision"], name="plan_signature_once_per_revision"
            )
        ]

    def __str__(self) -> str:
        return f"{self.plan} · {self.get_role_display()} · r{self.revision}"


class PlanStage(models.Model):
    plan = models.ForeignKey(
        TrainingPlan, verbose_name=_("training plan"), on_delete=models.CASCADE, related_name="stages"
    )
    template = models.ForeignKey(
        ProgrammeStage, verbose_name=_("template stage"), null=True, blank=True, on_delete=models.SET_NULL
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    name_zh = models.CharField(_("name (Chinese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=160)
    goal_zh = models.TextField(_("stage goal (Chinese)"), blank=True)
    goal_en = models.TextField(_("stage goal (English)"), blank=True)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"))

    class Meta:
        verbose_name = _("plan stage")
        verbose_name_plural = _("plan stages")
        ordering = ["plan_id", "order", "id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_date__gte=models.F("start_date")), name="plan_stage_ends_after_start"
            )
        ]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return bilingual(self.name_zh, self.name_en)

    @property
    def goal(self) -> str:
        return bilingual(self.goal_zh, self.goal_en)

    def is_current_on(self, day: datetime.date) -> bool:
        return self.start_date <= day <= self.end_date


class MilestoneStatus(models.TextChoices):
    OPEN = "open", _("Open")
    DONE = "done", _("Done")


class PlanMilestone(VersionedModel):
    Status = MilestoneStatus

    plan = models.ForeignKey(
        TrainingPlan, verbose_name=_("training plan"), on_delete=models.CASCADE, related_name="milestones"
    )
    stage = models.ForeignKey(
        PlanStage, verbose_name=_("stage"), on_delete=models.CASCADE, related_name="milestones"
    )
    template = models.ForeignKey(
        ProgrammeMilestone,
        verbose_name=_("template milestone"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
    )
    order = models.PositiveSmallIntegerField(_("order"), default=0)
    name_zh = models.CharField(_("name (Chinese)"), max_length=160)
    name_en = models.CharField(_("name (English)"), max_length=200)
    due_date = models.DateField(_("due"))
    # The due date both mentors last signed: moves are measured from it, so small moves cannot add up
    # to a large one without new signatures.
    agreed_due_date = models.DateField(_("due date signed"), null=True, blank=True)
    evidence_kinds = models.JSONField(_("evidence it takes"), default=list, blank=True)
    requires_evidence = models.BooleanField(_("evidence required"), default=False)
    status = models.CharField(_("status"), max_length=8, choices=Status.choices, default=Status.OPEN)
    done_at = models.DateTimeField(_("done at"), null=True, blank=True)
    done_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("marked done by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    confirmed_by = models.ForeignKey(
        Person,
        verbose_name=_("confirmed by mentor"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    note = models.CharField(_("note"), max_length=1000, blank=True)
    overdue_notified_on = models.DateField(_("overdue reminder sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("milestone")
        verbose_name_plural = _("milestones")
        ordering = ["plan_id", "due_date", "order", "id"]
        indexes = [models.Index(fields=["status", "due_date"], name="milestone_status_due_idx")]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return bilingual(self.name_zh, self.name_en)

    def is_overdue_on(self, day: datetime.date) -> bool:
        return self.status == MilestoneStatus.OPEN and self.due_date < day


class MilestoneEvidence(TimeStampedModel):
    """Any record that shows a milestone was reached: an assessment, a rotation, later an output or a
    course. A generic link, so each domain adds its kind without touching this one."""

    milestone = models.ForeignKey(
        PlanMilestone, verbose_name=_("milestone"), on_delete=models.CASCADE, related_name="evidence"
    )
    kind = models.CharField(_("kind"), max_length=20, choices=EvidenceKind.choices)
    content_type = models.ForeignKey(ContentType, on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    label = models.CharField(_("record"), max_length=300)
    added_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("added by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )

    class Meta:
        verbose_name = _("milestone evidence")
        verbose_name_plural = _("milestone evidence")
        ordering = ["milestone_id", "created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["milestone", "content_type", "object_id"], name="milestone_evidence_once"
            )
        ]

    def __str__(self) -> str:
        return self.label
