import hashlib
import secrets

from django.conf import settings
from django.contrib.auth.models import AbstractUser
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .organisations import Department, Institution


class User(AbstractUser):
    """A login. Linked to the person it belongs to; roles come from ``RoleAssignment`` rows."""

    person = models.OneToOneField(
        "people.Person",
        verbose_name=_("person"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="user",
    )
    language = models.CharField(_("language"), max_length=10, choices=settings.LANGUAGES, blank=True)

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")


class Role(models.TextChoices):
    PLATFORM_ADMIN = "platform_admin", _("Platform administrator")
    PROGRAMME_OFFICER = "programme_officer", _("Programme officer")
    TALENT_OFFICER = "talent_officer", _("Talent officer")
    DEPARTMENT_HEAD = "department_head", _("Department head / rotation secretary")
    MENTOR = "mentor", _("Mentor")
    CLINICAL_TEACHER = "clinical_teacher", _("Clinical teacher (assessor)")
    TRAINEE = "trainee", _("Trainee")
    LEADER = "leader", _("Leader (read-only dashboards)")


# Roles scoped to a whole institution (and its affiliates) rather than one department.
INSTITUTION_WIDE_ROLES = {Role.PROGRAMME_OFFICER, Role.TALENT_OFFICER, Role.LEADER}
DEPARTMENT_ROLES = {Role.DEPARTMENT_HEAD, Role.CLINICAL_TEACHER}


class RoleAssignment(models.Model):
    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="role_assignments"
    )
    role = models.CharField(_("role"), max_length=24, choices=Role.choices)
    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.CASCADE, related_name="role_assignments"
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="role_assignments",
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("role assignment")
        verbose_name_plural = _("role assignments")
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "institution", "department"], name="role_assignment_unique"
            ),
            models.CheckConstraint(
                condition=~Q(role__in=["department_head", "clinical_teacher"]) | Q(department__isnull=False),
                name="department_role_has_department",
            ),
        ]

    def __str__(self) -> str:
        scope = self.department or self.institution
        return f"{self.user} · {self.get_role_display()} · {scope}"


def hash_token(raw: str) -> str:
    # The token is 256 random bits, so a fast hash is enough: nothing to brute-force.
    return hashlib.sha256(raw.encode()).hexdigest()


class ApiToken(models.Model):
    PREFIX = "mt_"

    user = models.ForeignKey(
        User, verbose_name=_("user"), on_delete=models.CASCADE, related_name="api_tokens"
    )
    name = models.CharField(_("name"), max_length=80)
    # The first characters, shown so a user can tell tokens apart; the token itself is never stored.
    display_prefix = models.CharField(_("starts with"), max_length=12)
    token_hash = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    last_used_at = models.DateTimeField(_("last used"), null=True, blank=True)
    revoked_at = models.DateTimeField(_("revoked at"), null=True, blank=True)

    class Meta:
        verbose_name = _("API token")
        verbose_name_plural = _("API tokens")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} ({self.display_prefix}…)"

    @classmethod
    def generate(cls) -> str:
        return cls.PREFIX + secrets.token_urlsafe(32)
