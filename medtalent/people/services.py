"""Every write to people, organisations, mentorships and accounts.

Each service checks the domain's rules, validates with ``full_clean``, saves, and writes its audit
event in the same transaction. Permission checks happen before, in the view or endpoint, through
the access helpers and ``rules``.
"""

import datetime
from typing import Any, cast

from django.db import models, transaction
from django.utils import timezone
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from medtalent.core.audit import audit_diff, audit_record, audit_snapshot
from medtalent.core.errors import ApplicationError
from medtalent.core.imports.tracking import mark_edited_by_hand
from medtalent.core.notifications import notification_send
from medtalent.core.versioning import save_versioned

from .models import (
    ApiToken,
    Department,
    FacultyProfile,
    Institution,
    Mentorship,
    Person,
    Role,
    RoleAssignment,
    TraineeProfile,
    User,
)
from .models.accounts import hash_token
from .national_id import birth_date_from_national_id, normalise_national_id

PERSON_FIELDS = (
    "name_zh",
    "name_latin",
    "gender",
    "birth_date",
    "national_id",
    "email",
    "phone",
    "institution",
    "department",
)
PERSON_CONTACT_FIELDS = ("email", "phone")


def _apply(instance: Any, changes: dict[str, Any], allowed: tuple[str, ...]) -> None:
    unknown = set(changes) - set(allowed)
    if unknown:
        raise ApplicationError(_("These fields cannot be changed here: %s") % ", ".join(sorted(unknown)))
    for name, value in changes.items():
        setattr(instance, name, value)


def _check_department(institution: Institution, department: Department | None) -> None:
    if department is not None and department.institution_id != institution.pk:
        raise ApplicationError(_("The department belongs to another institution."), field="department")


def _normalise_person(person: Person) -> None:
    if person.national_id is not None:
        person.national_id = normalise_national_id(person.national_id) or None
    if person.national_id:
        person.full_clean(exclude=[f for f in PERSON_FIELDS if f != "national_id"], validate_unique=False)
        person.birth_date = birth_date_checked(person.national_id, person.birth_date)
    _check_department(person.institution, person.department)


def birth_date_checked(national_id: str, birth_date: datetime.date | None) -> datetime.date:
    """The birth date a valid ID number holds; refuses a given birth date that differs from it."""
    born = birth_date_from_national_id(national_id)
    if birth_date is not None and birth_date != born:
        raise ApplicationError(
            _("The birth date differs from the one in the ID number (%(date)s).") % {"date": born},
            field="birth_date",
        )
    return born


# --- people -----------------------------------------------------------------------------------


@transaction.atomic
def person_create(*, actor: Any, **fields: Any) -> Person:
    person = Person()
    _apply(person, fields, PERSON_FIELDS)
    _normalise_person(person)
    person.full_clean()
    person.save()
    audit_record(
        actor=actor,
        action="person.create",
        target=person,
        changes=audit_diff({}, audit_snapshot(person, PERSON_FIELDS)),
    )
    return person


@transaction.atomic
def person_update(
    *, actor: Any, person: Person, expected_version: int, contacts_only: bool = False, **changes: Any
) -> Person:
    """Change a person's fields. ``contacts_only`` limits a person editing themselves to contacts."""
    before = audit_snapshot(person, PERSON_FIELDS)
    _apply(person, changes, PERSON_CONTACT_FIELDS if contacts_only else PERSON_FIELDS)
    _normalise_person(person)
    person.full_clean()
    diff = audit_diff(before, audit_snapshot(person, PERSON_FIELDS))
    mark_edited_by_hand(person, diff)
    save_versioned(
        person, expected_version=expected_version, fields=(*PERSON_FIELDS, "manually_edited_fields")
    )
    if diff:
        audit_record(actor=actor, action="person.update", target=person, changes=diff)
    return person


@transaction.atomic
def person_delete(*, actor: Any, person: Person) -> None:
    if person.mentorships_given.exists():
        raise ApplicationError(_("This person mentors others: end or reassign those mentorships first."))
    audit_record(
        actor=actor,
        action="person.delete",
        target=person,
        changes=audit_diff(audit_snapshot(person, PERSON_FIELDS), {}),
    )
    person.delete()


# --- trainee and faculty profiles ------------------------------------------------------------

TRAINEE_FIELDS = (
    "level",
    "institution",
    "department",
    "cohort",
    "specialty",
    "student_number",
    "status",
    "start_date",
    "end_date",
)


@transaction.atomic
def trainee_profile_start(*, actor: Any, person: Person, **fields: Any) -> TraineeProfile:
    """Start a new training stage. A person moving up a level closes the stage they were in."""
    profile = TraineeProfile(person=person)
    _apply(profile, fields, TRAINEE_FIELDS)
    _check_department(profile.institution, profile.department)
    current = (
        TraineeProfile.objects.select_for_update()
        .filter(person=person, status=TraineeProfile.Status.ACTIVE)
        .first()
    )
    if current is not None and profile.status == TraineeProfile.Status.ACTIVE:
        if profile.start_date <= current.start_date:
            raise ApplicationError(
                _("A new stage must start after the current one (%(date)s).") % {"date": current.start_date},
                field="start_date",
            )
        before = audit_snapshot(current, TRAINEE_FIELDS)
        current.status = TraineeProfile.Status.COMPLETED
        day_before = profile.start_date - datetime.timedelta(days=1)
        current.end_date = min(current.end_date or day_before, day_before)
        current.full_clean()
        current.save(update_fields=["status", "end_date", "updated_at"])
        audit_record(
            actor=actor,
            action="trainee_profile.complete",
            target=current,
            changes=audit_diff(before, audit_snapshot(current, TRAINEE_FIELDS)),
        )
    profile.full_clean()
    profile.save()
    audit_record(
        actor=actor,
        action="trainee_profile.create",
        target=profile,
        changes=audit_diff({}, audit_snapshot(profile, TRAINEE_FIELDS)),
    )
    return profile


@transaction.atomic
def trainee_profile_update(*, actor: Any, profile: TraineeProfile, **changes: Any) -> TraineeProfile:
    before = audit_snapshot(profile, TRAINEE_FIELDS)
    _apply(profile, changes, TRAINEE_FIELDS)
    _check_department(profile.institution, profile.department)
    profile.full_clean()
    diff = audit_diff(before, audit_snapshot(profile, TRAINEE_FIELDS))
    mark_edited_by_hand(profile, diff)
    profile.save()
    if diff:
        audit_record(actor=actor, action="trainee_profile.update", target=profile, changes=diff)
    return profile


FACULTY_FIELDS = (
    "staff_number",
    "clinical_title",
    "academic_title",
    "supervisor_qualification",
    "is_clinical_teacher",
)


@transaction.atomic
def faculty_profile_set(*, actor: Any, person: Person, **fields: Any) -> FacultyProfile:
    profile, created = FacultyProfile.objects.select_for_update().get_or_create(person=person)
    before = {} if created else audit_snapshot(profile, FACULTY_FIELDS)
    _apply(profile, fields, FACULTY_FIELDS)
    profile.full_clean()
    diff = audit_diff(before, audit_snapshot(profile, FACULTY_FIELDS))
    if not created:
        mark_edited_by_hand(profile, diff)
    profile.save()
    if diff:
        audit_record(actor=actor, action="faculty_profile.set", target=profile, changes=diff)
    return profile


# --- mentorships -----------------------------------------------------------------------------

MENTORSHIP_FIELDS = ("mentor", "mentee", "kind", "start_date", "end_date", "note")


def _check_not_self(mentorship: Mentorship) -> None:
    # Before full_clean, whose constraint check would say the same thing in database words.
    if mentorship.mentor_id == mentorship.mentee_id:
        raise ApplicationError(_("A person cannot mentor themselves."), field="mentor")


def _check_mentorship(mentorship: Mentorship) -> None:
    overlapping = Mentorship.objects.filter(
        mentee_id=mentorship.mentee_id, mentor_id=mentorship.mentor_id, kind=mentorship.kind
    ).exclude(pk=mentorship.pk)
    end = mentorship.end_date or datetime.date.max
    overlapping = overlapping.filter(start_date__lte=end).exclude(end_date__lt=mentorship.start_date)
    if overlapping.exists():
        raise ApplicationError(
            _("This mentor already has this kind of mentorship with this mentee for those dates.")
        )
    if mentorship.kind in (Mentorship.Kind.SCHOOL, Mentorship.Kind.HOSPITAL, Mentorship.Kind.PRIMARY):
        # The dual-mentor system allows one school and one hospital mentor at a time.
        others = (
            Mentorship.objects.filter(mentee_id=mentorship.mentee_id, kind=mentorship.kind)
            .exclude(pk=mentorship.pk)
            .exclude(mentor_id=mentorship.mentor_id)
        )
        if others.filter(start_date__lte=end).exclude(end_date__lt=mentorship.start_date).exists():
            raise ApplicationError(
                _("The mentee already has a %(kind)s for those dates: end that mentorship first.")
                % {"kind": mentorship.get_kind_display().lower()}
            )


@transaction.atomic
def mentorship_create(*, actor: Any, **fields: Any) -> Mentorship:
    mentorship = Mentorship()
    _apply(mentorship, fields, MENTORSHIP_FIELDS)
    _check_not_self(mentorship)
    mentorship.full_clean()
    # Lock the mentee so that two officers cannot give them two school mentors at once.
    Person.objects.select_for_update().filter(pk=mentorship.mentee_id).first()
    _check_mentorship(mentorship)
    mentorship.save()
    audit_record(
        actor=actor,
        action="mentorship.create",
        target=mentorship,
        changes=audit_diff({}, audit_snapshot(mentorship, MENTORSHIP_FIELDS)),
    )
    mentorship_notify(mentorship=mentorship)
    return mentorship


def mentorship_notify(*, mentorship: Mentorship) -> None:
    """Tell the mentor and the mentee (those who have logins) about their mentorship."""
    notification_send(
        recipients=User.objects.filter(person_id__in=[mentorship.mentor_id, mentorship.mentee_id]),
        title=format_lazy(
            gettext_lazy("New mentorship: {mentor} mentors {mentee} ({kind})"),
            mentor=mentorship.mentor,
            mentee=mentorship.mentee,
            kind=Mentorship.Kind(mentorship.kind).label,
        ),
        url=f"/people/{mentorship.mentee_id}/",
    )


@transaction.atomic
def mentorship_update(
    *, actor: Any, mentorship: Mentorship, expected_version: int, **changes: Any
) -> Mentorship:
    before = audit_snapshot(mentorship, MENTORSHIP_FIELDS)
    _apply(mentorship, changes, ("kind", "start_date", "end_date", "note"))
    mentorship.full_clean()
    Person.objects.select_for_update().filter(pk=mentorship.mentee_id).first()
    _check_mentorship(mentorship)
    diff = audit_diff(before, audit_snapshot(mentorship, MENTORSHIP_FIELDS))
    mark_edited_by_hand(mentorship, diff)
    save_versioned(
        mentorship, expected_version=expected_version, fields=(*MENTORSHIP_FIELDS, "manually_edited_fields")
    )
    if diff:
        audit_record(actor=actor, action="mentorship.update", target=mentorship, changes=diff)
    return mentorship


@transaction.atomic
def mentorship_delete(*, actor: Any, mentorship: Mentorship) -> None:
    """Remove a mentorship entered by mistake. One that really ended is ended, not deleted."""
    audit_record(
        actor=actor,
        action="mentorship.delete",
        target=mentorship,
        changes=audit_diff(audit_snapshot(mentorship, MENTORSHIP_FIELDS), {}),
    )
    mentorship.delete()


def mentorship_end(
    *, actor: Any, mentorship: Mentorship, expected_version: int, end_date: datetime.date | None = None
) -> Mentorship:
    return mentorship_update(
        actor=actor,
        mentorship=mentorship,
        expected_version=expected_version,
        end_date=end_date or timezone.localdate(),
    )


# --- institutions and departments ------------------------------------------------------------

INSTITUTION_FIELDS = ("code", "name_zh", "name_en", "kind", "parent", "city", "is_training_base", "time_zone")
DEPARTMENT_FIELDS = ("institution", "code", "name_zh", "name_en", "kind", "rotation_capacity")


@transaction.atomic
def institution_save(*, actor: Any, institution: Institution | None = None, **fields: Any) -> Institution:
    creating = institution is None
    institution = institution or Institution()
    before = {} if creating else audit_snapshot(institution, INSTITUTION_FIELDS)
    _apply(institution, fields, INSTITUTION_FIELDS)
    if institution.parent_id and institution.parent_id == institution.pk:
        raise ApplicationError(_("An institution cannot be affiliated with itself."), field="parent")
    institution.full_clean()
    institution.save()
    diff = audit_diff(before, audit_snapshot(institution, INSTITUTION_FIELDS))
    if diff:
        audit_record(
            actor=actor,
            action="institution.create" if creating else "institution.update",
            target=institution,
            changes=diff,
        )
    return institution


@transaction.atomic
def department_save(
    *,
    actor: Any,
    department: Department | None = None,
    linked_department_ids: list[int] | None = None,
    **fields: Any,
) -> Department:
    creating = department is None
    department = department or Department()
    before = {} if creating else audit_snapshot(department, DEPARTMENT_FIELDS)
    if not creating and "institution" in fields and fields["institution"].pk != department.institution_id:
        raise ApplicationError(_("A department cannot move to another institution."), field="institution")
    _apply(department, fields, DEPARTMENT_FIELDS)
    department.full_clean()
    department.save()
    diff = audit_diff(before, audit_snapshot(department, DEPARTMENT_FIELDS))
    if linked_department_ids is not None:
        previous = sorted(department.linked_departments.values_list("pk", flat=True))
        found = list(Department.objects.filter(pk__in=linked_department_ids).exclude(pk=department.pk))
        if len(found) != len(set(linked_department_ids) - {department.pk}):
            raise ApplicationError(_("Some linked departments do not exist."), field="linked_department_ids")
        department.linked_departments.set(found)
        if previous != sorted(d.pk for d in found):
            diff["linked_departments"] = [previous, sorted(d.pk for d in found)]
    if diff:
        audit_record(
            actor=actor,
            action="department.create" if creating else "department.update",
            target=department,
            changes=diff,
        )
    return department


@transaction.atomic
def organisation_delete(*, actor: Any, obj: Institution | Department) -> None:
    """Delete an institution or department nobody refers to any more.

    Refused while people, profiles, roles, departments or affiliates refer to it: deleting would
    silently unlink trainees or take roles away.
    """
    if _referring_rows_exist(obj):
        raise ApplicationError(_("It is still in use (people, departments, profiles or roles refer to it)."))
    fields = INSTITUTION_FIELDS if isinstance(obj, Institution) else DEPARTMENT_FIELDS
    audit_record(
        actor=actor,
        action=f"{type(obj).__name__.lower()}.delete",
        target=obj,
        changes=audit_diff(audit_snapshot(obj, fields), {}),
    )
    obj.delete()


def _referring_rows_exist(obj: Institution | Department) -> bool:
    """Whether any row points at the object, through any relation (links between departments aside)."""
    for relation in obj._meta.related_objects:
        model = cast(type[models.Model], relation.related_model)
        if relation.many_to_many or model._meta.auto_created:
            continue
        if model._default_manager.filter(**{relation.field.name: obj}).exists():
            return True
    return False


# --- accounts ------------------------------------------------------------------------------


@transaction.atomic
def role_assign(
    *, actor: Any, user: User, role: str, institution: Institution, department: Department | None = None
) -> RoleAssignment:
    assignment = RoleAssignment(user=user, role=role, institution=institution, department=department)
    if department is not None:
        _check_department(institution, department)
    assignment.full_clean()
    assignment.save()
    if role == Role.PLATFORM_ADMIN and not (user.is_staff and user.is_superuser):
        # A platform administrator sees and manages everything anyway; the Django admin site
        # needs both flags to show it.
        user.is_staff = user.is_superuser = True
        user.save(update_fields=["is_staff", "is_superuser"])
    audit_record(
        actor=actor,
        action="role.assign",
        target=user,
        changes={
            "role": [None, role],
            "institution": [None, institution.pk],
            "department": [None, department.pk if department else None],
        },
    )
    return assignment


@transaction.atomic
def role_revoke(*, actor: Any, assignment: RoleAssignment) -> None:
    audit_record(
        actor=actor,
        action="role.revoke",
        target=assignment.user,
        changes={
            "role": [assignment.role, None],
            "institution": [assignment.institution_id, None],
            "department": [assignment.department_id, None],
        },
    )
    assignment.delete()


@transaction.atomic
def api_token_create(*, actor: Any, name: str) -> tuple[ApiToken, str]:
    """Returns the token and its secret; the secret is shown once and never stored."""
    name = name.strip()
    if not name:
        raise ApplicationError(_("Give the token a name, so you can tell it apart later."), field="name")
    raw = ApiToken.generate()
    token = ApiToken(user=actor, name=name, display_prefix=raw[:10], token_hash=hash_token(raw))
    token.full_clean()
    token.save()
    audit_record(actor=actor, action="api_token.create", target=token, changes={"name": [None, token.name]})
    return token, raw


@transaction.atomic
def api_token_revoke(*, actor: Any, token: ApiToken) -> None:
    updated = ApiToken.objects.filter(pk=token.pk, revoked_at__isnull=True).update(revoked_at=timezone.now())
    if updated:
        audit_record(actor=actor, action="api_token.revoke", target=token)


def user_password_changed(*, actor: Any) -> None:
    audit_record(actor=actor, action="user.password_change", target=actor)


@transaction.atomic
def user_language_set(*, actor: Any, language: str) -> None:
    if actor.is_authenticated and actor.language != language:
        User.objects.filter(pk=actor.pk).update(language=language)
