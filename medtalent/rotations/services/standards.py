"""Every write to rotation standards and their editions.

Permission checks happen before, in the view or endpoint, through ``access`` and ``rules``.
"""

import copy
from collections.abc import Sequence
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from medtalent.core.audit import audit_diff, audit_record, audit_snapshot
from medtalent.core.errors import ApplicationError, ConflictError
from medtalent.core.versioning import save_versioned
from medtalent.people.models import Institution

from ..models import DEFAULT_TOTAL_MONTHS, RotationStandard, StandardEdition
from .validation import EditionInvalidError, standard_edition_validate

STANDARD_FIELDS = ("institution", "specialty", "name_zh", "name_en")
EDITION_FIELDS = ("label", "total_months", "source", "requirements", "groups")


def _content(
    *, label: str, total_months: int, source: str, requirements: Sequence[dict], groups: Sequence[dict]
) -> dict[str, Any]:
    """The edition's fields as stored, copied so that later changes to the caller's lists stay theirs."""
    return {
        "label": label,
        "total_months": total_months,
        "source": source,
        "requirements": copy.deepcopy(list(requirements)),
        "groups": copy.deepcopy(list(groups)),
    }


def _check_content(institution: Institution, content: dict[str, Any]) -> None:
    problems = standard_edition_validate(
        institution=institution,
        total_months=content["total_months"],
        requirements=content["requirements"],
        groups=content["groups"],
    )
    if problems:
        raise EditionInvalidError(problems)


def edition_content(edition: StandardEdition) -> dict[str, Any]:
    return {name: getattr(edition, name) for name in EDITION_FIELDS}


@transaction.atomic
def rotation_standard_create(
    *,
    user: Any,
    institution: Institution,
    specialty: str,
    name_zh: str,
    name_en: str = "",
    label: str = "",
    total_months: int = DEFAULT_TOTAL_MONTHS,
    requirements: Sequence[dict] = (),
    groups: Sequence[dict] = (),
    source: str = "",
) -> RotationStandard:
    """A new standard at a training base, with its first edition."""
    standard = RotationStandard(
        institution=institution, specialty=specialty, name_zh=name_zh, name_en=name_en
    )
    if RotationStandard.objects.filter(institution=institution, specialty=specialty).exists():
        raise ApplicationError(
            _("%(institution)s already has a standard for this specialty.")
            % {"institution": institution.name},
            field="specialty",
        )
    standard.full_clean()
    content = _content(
        label=label, total_months=total_months, source=source, requirements=requirements, groups=groups
    )
    _check_content(institution, content)
    standard.save()
    edition = StandardEdition(standard=standard, number=1, created_by=user, **content)
    edition.full_clean()
    edition.save()
    audit_record(
        actor=user,
        action="rotation_standard.create",
        target=standard,
        changes=audit_diff({}, audit_snapshot(standard, STANDARD_FIELDS)),
    )
    audit_record(
        actor=user,
        action="rotation_standard_edition.create",
        target=edition,
        changes=audit_diff({}, audit_snapshot(edition, ("number", *EDITION_FIELDS))),
    )
    return standard


@transaction.atomic
def rotation_standard_rename(
    *, user: Any, standard: RotationStandard, name_zh: str, name_en: str
) -> RotationStandard:
    before = audit_snapshot(standard, STANDARD_FIELDS)
    standard.name_zh, standard.name_en = name_zh, name_en
    standard.full_clean()
    diff = audit_diff(before, audit_snapshot(standard, STANDARD_FIELDS))
    if diff:
        standard.save(update_fields=["name_zh", "name_en", "updated_at"])
        audit_record(actor=user, action="rotation_standard.update", target=standard, changes=diff)
    return standard


def _stale() -> ConflictError:
    return ConflictError(
        _(
            "Someone else changed this standard after you opened it. Nothing was saved: "
            "reload the page to see their changes, then make yours again."
        )
    )


@transaction.atomic
def standard_edition_update(
    *,
    user: Any,
    edition: StandardEdition,
    expected_version: int,
    total_months: int,
    requirements: Sequence[dict],
    groups: Sequence[dict],
    source: str,
    label: str | None = None,
) -> StandardEdition:
    """Change the current edition of a standard; return the edition that now holds the changes.

    An edition nobody is enrolled under is changed in place. One that trainees follow is frozen: the
    changes become a new edition (number + 1), which new trainees follow, and the enrolled trainees keep
    theirs. Either way a stale ``expected_version``, or a newer edition made meanwhile, raises
    ``ConflictError`` and writes nothing. Saving unchanged content writes nothing either.
    """
    # One writer per standard at a time: the row lock orders concurrent edits (SQLite's IMMEDIATE
    # transactions already do), so two editors cannot both make "the next" edition.
    standard = RotationStandard.objects.select_for_update().get(pk=edition.standard_id)
    stored = StandardEdition.objects.filter(standard=standard).order_by("-number").first()
    if stored is None or stored.pk != edition.pk or stored.version != expected_version:
        raise _stale()
    content = _content(
        label=stored.label if label is None else label,
        total_months=total_months,
        source=source,
        requirements=requirements,
        groups=groups,
    )
    _check_content(standard.institution, content)
    if content == edition_content(stored):
        return edition
    before = audit_snapshot(stored, ("number", *EDITION_FIELDS))
    if stored.enrolments.exists():
        successor = StandardEdition(standard=standard, number=stored.number + 1, created_by=user, **content)
        successor.full_clean()
        successor.save()
        audit_record(
            actor=user,
            action="rotation_standard_edition.create",
            target=successor,
            changes=audit_diff(before, audit_snapshot(successor, ("number", *EDITION_FIELDS))),
        )
        return successor
    for name, value in content.items():
        setattr(edition, name, value)
    edition.full_clean()
    save_versioned(edition, expected_version=expected_version, fields=EDITION_FIELDS)
    audit_record(
        actor=user,
        action="rotation_standard_edition.update",
        target=edition,
        changes=audit_diff(before, audit_snapshot(edition, ("number", *EDITION_FIELDS))),
    )
    return edition
