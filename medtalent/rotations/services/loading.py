"""Rotation standards from JSON files: the shipped defaults (``fixtures/standards/``) or an institution's own.

A file holds one specialty: ``specialty``, ``name`` ({zh, en}), ``total_months``, ``edition`` (the
edition's name), ``source``, ``requirements``, ``groups`` and ``departments`` (code -> {zh, en}); see
``fixtures/standards/README.md``. The files are starting data that an institution reviews and edits, never
hard-coded rules.
"""

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from medtalent.core.errors import ApplicationError
from medtalent.people.models import Department, Institution
from medtalent.people.services import department_save

from ..models import RotationStandard, StandardEdition
from ..selectors import current_edition, standard_departments_by_code
from .standards import (
    edition_content,
    rotation_standard_create,
    rotation_standard_rename,
    standard_edition_update,
)
from .validation import EditionInvalidError

STANDARDS_DIRECTORY = Path(__file__).resolve().parent.parent / "fixtures" / "standards"


class LoadOutcome(models.TextChoices):
    # A new standard with its first edition.
    CREATED = "created", gettext_lazy("created")
    # The names, or the current edition (nobody enrolled under it yet), changed in place.
    UPDATED = "updated", gettext_lazy("updated")
    # The current edition is in use: the file became the next edition.
    NEW_EDITION = "new_edition", gettext_lazy("new edition")
    UNCHANGED = "unchanged", gettext_lazy("unchanged")


@dataclass(frozen=True)
class StandardLoaded:
    file_name: str
    specialty: str
    outcome: str
    edition_number: int


@dataclass
class StandardsLoadReport:
    standards: list[StandardLoaded] = field(default_factory=list)
    departments_created: list[str] = field(default_factory=list)


def _read(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError) as error:
        raise ApplicationError(
            _("%(file)s cannot be read: %(error)s") % {"file": path.name, "error": error}
        ) from error
    names = data.get("name") if isinstance(data, dict) else None
    if (
        not isinstance(data, dict)
        or not isinstance(data.get("specialty"), str)
        or not isinstance(names, dict)
        or not isinstance(names.get("zh"), str)
        or not isinstance(data.get("departments", {}), dict)
    ):
        raise ApplicationError(
            _("%(file)s is not a rotation standard: it needs “specialty”, “name” and “requirements”.")
            % {"file": path.name}
        )
    return data


def _codes_named(data: dict[str, Any]) -> list[str]:
    codes = [item.get("department") for item in data.get("requirements") or [] if isinstance(item, dict)]
    for group in data.get("groups") or []:
        if isinstance(group, dict) and isinstance(group.get("departments"), list):
            codes += group["departments"]
    return [code for code in dict.fromkeys(codes) if isinstance(code, str) and code]


def _add_missing_departments(
    *, institution: Institution, data: dict[str, Any], user: Any, report: StandardsLoadReport
) -> None:
    """Create, as clinical departments of the institution, the departments a file names that it lacks."""
    known = standard_departments_by_code(institution)
    for code in _codes_named(data):
        if code in known:
            continue
        names = data.get("departments", {}).get(code) or {}
        department_save(
            actor=user,
            institution=institution,
            code=code,
            name_zh=names.get("zh") or code,
            name_en=names.get("en") or "",
            kind=Department.Kind.CLINICAL,
        )
        report.departments_created.append(code)


def _load_one(*, institution: Institution, path: Path, data: dict[str, Any], user: Any) -> StandardLoaded:
    content: dict[str, Any] = {
        "label": str(data.get("edition") or ""),
        "total_months": data.get("total_months"),
        "source": str(data.get("source") or ""),
        "requirements": data.get("requirements") or [],
        "groups": data.get("groups") or [],
    }
    specialty = data["specialty"]
    name_zh, name_en = data["name"]["zh"], data["name"].get("en") or ""
    standard = RotationStandard.objects.filter(institution=institution, specialty=specialty).first()
    if standard is None:
        rotation_standard_create(
            user=user,
            institution=institution,
            specialty=specialty,
            name_zh=name_zh,
            name_en=name_en,
            **content,
        )
        return StandardLoaded(path.name, specialty, LoadOutcome.CREATED, 1)
    renamed = (standard.name_zh, standard.name_en) != (name_zh, name_en)
    if renamed:
        rotation_standard_rename(user=user, standard=standard, name_zh=name_zh, name_en=name_en)
    current: StandardEdition = current_edition(standard)
    if edition_content(current) == content:
        outcome = LoadOutcome.UPDATED if renamed else LoadOutcome.UNCHANGED
        return StandardLoaded(path.name, specialty, outcome, current.number)
    saved = standard_edition_update(user=user, edition=current, expected_version=current.version, **content)
    outcome = LoadOutcome.NEW_EDITION if saved.pk != current.pk else LoadOutcome.UPDATED
    return StandardLoaded(path.name, specialty, outcome, saved.number)


@transaction.atomic
def rotation_standards_load(
    *,
    institution: Institution,
    directory: Path | str | None = None,
    user: Any = None,
    create_departments: bool = True,
) -> StandardsLoadReport:
    """Create or update the institution's standards from every ``*.json`` file in ``directory``.

    Loading the same files twice changes nothing. A file that differs from a standard's current edition
    updates that edition, or, when trainees are enrolled under it, becomes the next edition. With
    ``create_departments``, departments a file names that the institution and its affiliates lack are
    created as clinical departments of the institution, named as the file names them (their rotation
    places per month left empty for the office to fill in). All files load, or none.
    """
    folder = Path(directory) if directory is not None else STANDARDS_DIRECTORY
    paths = sorted(folder.glob("*.json"))
    if not paths:
        raise ApplicationError(_("There are no standards (*.json files) in %(folder)s.") % {"folder": folder})
    report = StandardsLoadReport()
    for path in paths:
        data = _read(path)
        if create_departments:
            _add_missing_departments(institution=institution, data=data, user=user, report=report)
        try:
            report.standards.append(_load_one(institution=institution, path=path, data=data, user=user))
        except EditionInvalidError as error:
            details = "; ".join(f"{problem.field}: {problem.message}" for problem in error.problems)
            raise ApplicationError(f"{path.name}: {details}", extra=error.extra) from error
    return report
