"""What a rotation needs, and signing a rotation off.

A training base's programme officers set the minimum number of assessments per rotation, for the whole
base, one rotation standard or one department. A rotation is marked complete only with a passed exit exam
(the department head or a programme officer signs it off), or by a programme officer's written override.
"""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.urls import reverse
from django.utils.text import format_lazy
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from medtalent.core.audit import audit_record
from medtalent.core.errors import ApplicationError, ConflictError, ForbiddenError
from medtalent.core.notifications import notification_send
from medtalent.people.access import scope_for
from medtalent.people.models import Department, Institution, User
from medtalent.rotations.models import BlockKind, BlockStatus, RotationBlock, RotationStandard, Schedule

from ..models import AssessmentRequirement, Instrument, InstrumentKind, RotationSignOff
from ..selectors_requirements import may_override_sign_off, may_sign_off, passed_exit_exam

OVERRIDE_REASON_MIN_CHARS = 10
OVERRIDE_REASON_MAX_CHARS = 4000
MAXIMUM_PER_ROTATION = 50


# --- requirements -----------------------------------------------------------------------------------


def _check_requirement_scope(
    *,
    institution: Institution,
    standard: RotationStandard | None,
    department: Department | None,
    instrument: Instrument,
    minimum: int,
) -> None:
    errors: dict[str, list[str]] = {}
    if standard is not None and standard.institution_id != institution.pk:
        errors["standard"] = [_("This rotation standard belongs to another training base.")]
    if department is not None and institution.pk not in (
        department.institution_id,
        department.institution.parent_id,
    ):
        errors["department"] = [_("This department is not part of the training base or its affiliates.")]
    if instrument.institution_id not in (None, institution.pk):
        errors["instrument"] = [_("This instrument belongs to another institution.")]
    elif instrument.kind == InstrumentKind.EXIT_EXAM:
        errors["instrument"] = [
            _("Every rotation needs a passed exit exam already; it has no minimum to set.")
        ]
    elif not instrument.is_active and minimum > 0:
        errors["instrument"] = [_("This instrument is no longer in use.")]
    if not isinstance(minimum, int) or isinstance(minimum, bool) or not 0 <= minimum <= MAXIMUM_PER_ROTATION:
        errors["minimum"] = [
            _("Enter a whole number from 0 to %(maximum)d.") % {"maximum": MAXIMUM_PER_ROTATION}
        ]
    if errors:
        raise ValidationError(errors)


@transaction.atomic
def assessment_requirement_set(
    *,
    actor: Any,
    institution: Institution,
    standard: RotationStandard | None = None,
    department: Department | None = None,
    instrument: Instrument,
    minimum: int,
) -> AssessmentRequirement | None:
    """Set how many assessments of an instrument a rotation needs; 0 removes the row (the less specific
    rows apply again). Returns the row, or ``None`` when it was removed."""
    scope = scope_for(actor)
    if not scope.is_admin and institution.pk not in scope.programme_officer_institution_ids:
        raise ForbiddenError(_("Only the training base's programme officers set rotation requirements."))
    _check_requirement_scope(
        institution=institution,
        standard=standard,
        department=department,
        instrument=instrument,
        minimum=minimum,
    )
    # The unique constraint cannot hold rows with empty standard or department (NULLs differ), so writers
    # of one base take turns on the base's row.
    Institution.objects.select_for_update().filter(pk=institution.pk).first()
    existing = (
        AssessmentRequirement.objects.filter(
            institution=institution, standard=standard, department=department, instrument=instrument
        )
        .order_by("pk")
        .first()
    )
    before = existing.minimum if existing is not None else None
    where = {
        "instrument": str(instrument),
        "standard": str(standard) if standard is not None else None,
        "department": str(department) if department is not None else None,
    }
    if minimum == 0:
        if existing is None:
            return None
        existing_pk = existing.pk
        existing.delete()
        audit_record(
            actor=actor,
            action="assessment_requirement.delete",
            target=institution,
            changes={"minimum": [before, None], "requirement": [existing_pk, None], **_context(where)},
        )
        return None
    if existing is not None and existing.minimum == minimum:
        return existing
    requirement = existing or AssessmentRequirement(
        institution=institution, standard=standard, department=department, instrument=instrument
    )
    requirement.minimum = minimum
    requirement.full_clean(validate_unique=False)
    requirement.save()
    audit_record(
        actor=actor,
        action="assessment_requirement.set",
        target=requirement,
        changes={"minimum": [before, minimum], **_context(where)},
    )
    return requirement


def _context(where: dict[str, str | None]) -> dict[str, list[str | None]]:
    """What the row applies to, in the trail as unchanged pairs so a reader sees it."""
    return {name: [value, value] for name, value in where.items() if value is not None}


# --- sign-off ---------------------------------------------------------------------------------------


@transaction.atomic
def rotation_block_sign_off(
    *, actor: Any, block: RotationBlock, override_reason: str = ""
) -> RotationSignOff:
    """Mark a rotation complete.

    With a passed exit exam (linked to the block, or in its department during its months) the department's
    heads and the base's programme officers sign it off. Without one, only a programme officer may, with a
    written reason of at least ten characters, which is stored and audited. The trainee is told.
    """
    locked = RotationBlock.objects.select_for_update().filter(pk=block.pk).first()
    if locked is None:
        raise ApplicationError(_("This rotation no longer exists."))
    locked = RotationBlock.objects.select_related("schedule", "department", "trainee__person").get(
        pk=block.pk
    )
    if locked.kind != BlockKind.ROTATION:
        raise ApplicationError(_("Only a rotation in a department is signed off, not research months."))
    if not may_sign_off(actor, locked):
        raise ForbiddenError(
            _("Only the department's heads and the training base's programme officers sign off rotations.")
        )
    if (
        locked.status == BlockStatus.COMPLETED
        or RotationSignOff.objects.filter(rotation_block=locked).exists()
    ):
        raise ConflictError(_("This rotation was signed off already; nothing was changed."))
    if locked.schedule.status != Schedule.Status.PUBLISHED:
        raise ApplicationError(_("Only a rotation of the published schedule is signed off."))
    exam = passed_exit_exam(locked)
    reason = override_reason.strip()
    if exam is None:
        if not may_override_sign_off(actor, locked):
            raise ForbiddenError(
                _(
                    "This rotation has no passed exit exam. Only a programme officer of the training base "
                    "can complete it without one."
                )
            )
        if len(reason) < OVERRIDE_REASON_MIN_CHARS:
            raise ValidationError(
                {
                    "override_reason": [
                        _(
                            "There is no passed exit exam: write why the rotation is complete anyway "
                            "(at least %(count)d characters)."
                        )
                        % {"count": OVERRIDE_REASON_MIN_CHARS}
                    ]
                }
            )
        if len(reason) > OVERRIDE_REASON_MAX_CHARS:
            raise ValidationError(
                {
                    "override_reason": [
                        _("At most %(count)d characters.") % {"count": OVERRIDE_REASON_MAX_CHARS}
                    ]
                }
            )
    else:
        # A passed exam is the evidence; a reason typed anyway is not an override.
        reason = ""
    sign_off = RotationSignOff(rotation_block=locked, exit_exam=exam, override_reason=reason, signed_by=actor)
    sign_off.full_clean()
    sign_off.save()
    before = locked.status
    RotationBlock.objects.filter(pk=locked.pk).update(status=BlockStatus.COMPLETED)
    locked.status = BlockStatus.COMPLETED
    block.status = BlockStatus.COMPLETED
    changes: dict[str, list[Any]] = {"status": [before, BlockStatus.COMPLETED]}
    if exam is not None:
        changes["exit_exam"] = [None, exam.pk]
    else:
        changes["override_reason"] = [None, reason]
    audit_record(actor=actor, action="rotation_block.sign_off", target=locked, changes=changes)
    notification_send(
        recipients=User.objects.filter(Q(person_id=locked.trainee.person_id), is_active=True),
        title=format_lazy(
            gettext_lazy("Your rotation in {department} is signed off as complete"),
            department=locked.department,
        ),
        body=reason,
        url=reverse("dashboard_trainee"),
    )
    return sign_off
