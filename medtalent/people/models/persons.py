import datetime

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from medtalent.core.languages import bilingual
from medtalent.core.models import ImportedModel, TimeStampedModel, VersionedModel

from ..national_id import mask_national_id, validate_national_id
from .organisations import Department, Institution


class Gender(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")
    UNSPECIFIED = "unspecified", _("Not stated")


class Person(VersionedModel, ImportedModel):
    """Anybody the programmes deal with: trainee at any level, faculty, mentor, officer."""

    name_zh = models.CharField(_("Chinese name"), max_length=60, blank=True)
    name_latin = models.CharField(_("name in Latin script (pinyin)"), max_length=120, blank=True)
    gender = models.CharField(_("gender"), max_length=12, choices=Gender.choices, default=Gender.UNSPECIFIED)
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    # Stored whole for the offices that must report it; shown masked to everybody else.
    national_id = models.CharField(
        _("national ID number"),
        max_length=18,
        null=True,
        blank=True,
        unique=True,
        validators=[validate_national_id],
    )
    email = models.EmailField(_("e-mail"), blank=True)
    phone = models.CharField(_("phone"), max_length=30, blank=True)
    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.PROTECT, related_name="people"
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="people",
    )

    audit_masks = {"national_id": mask_national_id}

    class Meta:
        verbose_name = _("person")
        verbose_name_plural = _("people")
        ordering = ["name_latin", "id"]
        constraints = [
            models.CheckConstraint(condition=~Q(name_zh="") | ~Q(name_latin=""), name="person_has_a_name")
        ]
        indexes = [models.Index(fields=["name_zh"], name="person_name_zh_idx")]

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return bilingual(self.name_zh, self.name_latin)

    @property
    def masked_national_id(self) -> str:
        return mask_national_id(self.national_id)

    def age_on(self, day: datetime.date) -> int | None:
        if self.birth_date is None:
            return None
        return (
            day.year
            - self.birth_date.year
            - ((day.month, day.day) < (self.birth_date.month, self.birth_date.day))
        )


class TraineeLevel(models.TextChoices):
    HIGH_SCHOOL = "high_school", _("High-school student")
    UNDERGRADUATE = "undergraduate", _("Undergraduate")
    PROFESSIONAL_MASTER = "professional_master", _("Professional master's student")
    ACADEMIC_MASTER = "academic_master", _("Academic master's student")
    DOCTORAL = "doctoral", _("Doctoral student")
    RESIDENT = "resident", _("Resident")
    POSTDOC = "postdoc", _("Postdoc")


class TraineeStatus(models.TextChoices):
    ACTIVE = "active", _("In training")
    SUSPENDED = "suspended", _("Suspended")
    COMPLETED = "completed", _("Completed")
    WITHDRAWN = "withdrawn", _("Withdrawn")


class TraineeProfile(TimeStampedModel, ImportedModel):
    """One stage of a person's training. A person moves through levels over the years, so has several."""

    Status = TraineeStatus

    person = models.ForeignKey(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="trainee_profiles"
    )
    level = models.CharField(_("level"), max_length=24, choices=TraineeLevel.choices)
    institution = models.ForeignKey(
        Institution, verbose_name=_("institution"), on_delete=models.PROTECT, related_name="trainee_profiles"
    )
    department = models.ForeignKey(
        Department,
        verbose_name=_("home department"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="trainee_profiles",
    )
    cohort = models.PositiveSmallIntegerField(_("cohort (year of entry)"))
    specialty = models.CharField(_("specialty"), max_length=80, blank=True)
    student_number = models.CharField(_("student number"), max_length=30, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.ACTIVE)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)

    class Meta:
        verbose_name = _("trainee profile")
        verbose_name_plural = _("trainee profiles")
        ordering = ["person_id", "start_date"]
        constraints = [
            models.UniqueConstraint(
                fields=["person"], condition=Q(status="active"), name="trainee_one_active_profile_per_person"
            ),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="trainee_profile_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["institution", "level", "cohort"], name="trainee_level_cohort_idx")]

    def __str__(self) -> str:
        return f"{self.person} · {self.get_level_display()} {self.cohort}"


class FacultyProfile(TimeStampedModel, ImportedModel):
    class ClinicalTitle(models.TextChoices):
        NONE = "", _("None")
        RESIDENT_PHYSICIAN = "resident_physician", _("Resident physician")
        ATTENDING = "attending", _("Attending physician")
        ASSOCIATE_CHIEF = "associate_chief", _("Associate chief physician")
        CHIEF = "chief", _("Chief physician")

    class AcademicTitle(models.TextChoices):
        NONE = "", _("None")
        TEACHING_ASSISTANT = "teaching_assistant", _("Teaching assistant")
        LECTURER = "lecturer", _("Lecturer")
        ASSOCIATE_PROFESSOR = "associate_professor", _("Associate professor")
        PROFESSOR = "professor", _("Professor")
        ASSISTANT_RESEARCHER = "assistant_researcher", _("Assistant researcher")
        ASSOCIATE_RESEARCHER = "associate_researcher", _("Associate researcher")
        RESEARCHER = "researcher", _("Researcher")

    class SupervisorQualification(models.TextChoices):
        NONE = "", _("None")
        MASTER = "master", _("Master's supervisor")
        DOCTORAL = "doctoral", _("Doctoral supervisor")

    person = models.OneToOneField(
        Person, verbose_name=_("person"), on_delete=models.CASCADE, related_name="faculty_profile"
    )
    staff_number = models.CharField(_("staff number"), max_length=30, blank=True)
    clinical_title = models.CharField(
        _("clinical title"), max_length=24, choices=ClinicalTitle.choices, blank=True
    )
    academic_title = models.CharField(
        _("academic title"), max_length=24, choices=AcademicTitle.choices, blank=True
    )
    supervisor_qualification = models.CharField(
        _("supervisor qualification"), max_length=12, choices=SupervisorQualification.choices, blank=True
    )
    is_clinical_teacher = models.BooleanField(_("clinical teacher"), default=False)

    class Meta:
        verbose_name = _("faculty profile")
        verbose_name_plural = _("faculty profiles")

    def __str__(self) -> str:
        return str(self.person)

    @property
    def headline_title(self) -> str:
        """The title a directory shows: the clinical one if any, else the academic one."""
        if self.clinical_title:
            return str(self.get_clinical_title_display())
        return str(self.get_academic_title_display()) if self.academic_title else ""


class MentorshipQuerySet(models.QuerySet):
    def active_on(self, day: datetime.date | None = None) -> "MentorshipQuerySet":
        day = day or timezone.localdate()
        return self.filter(Q(start_date__lte=day), Q(end_date__isnull=True) | Q(end_date__gte=day))


class MentorshipKind(models.TextChoices):
    PRIMARY = "primary", _("Primary mentor")
    SCHOOL = "school", _("School mentor")
    HOSPITAL = "hospital", _("Hospital mentor")
    PEER_SENIOR = "peer_senior", _("Peer senior")


class Mentorship(VersionedModel, ImportedModel):
    Kind = MentorshipKind

    mentor = models.ForeignKey(
        Person, verbose_name=_("mentor"), on_delete=models.PROTECT, related_name="mentorships_given"
    )
    mentee = models.ForeignKey(
        Person, verbose_name=_("mentee"), on_delete=models.CASCADE, related_name="mentorships_received"
    )
    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices)
    start_date = models.DateField(_("start date"))
    end_date = models.DateField(_("end date"), null=True, blank=True)
    note = models.CharField(_("note"), max_length=300, blank=True)

    objects = MentorshipQuerySet.as_manager()

    class Meta:
        verbose_name = _("mentorship")
        verbose_name_plural = _("mentorships")
        ordering = ["mentee_id", "kind", "-start_date"]
        constraints = [
            models.CheckConstraint(condition=~Q(mentor=models.F("mentee")), name="mentorship_not_self"),
            models.CheckConstraint(
                condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")),
                name="mentorship_ends_after_start",
            ),
        ]
        indexes = [
            models.Index(fields=["mentor", "end_date"], name="mentorship_mentor_idx"),
            models.Index(fields=["mentee", "end_date"], name="mentorship_mentee_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.mentor} → {self.mentee} ({self.get_kind_display()})"

    def is_active_on(self, day: datetime.date) -> bool:
        return self.start_date <= day and (self.end_date is None or self.end_date >= day)
