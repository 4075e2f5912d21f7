"""Programme templates: the shipped four systems, and officers' edits of stages and milestones.

A template is edited as one document in the shape of ``fixtures/programmes/*.json`` (stages, each with
its milestones), checked whole by ``programme_definition_problems`` so the page and the API put every
problem on its row and field. Plans copied from a template keep their copy: an edit changes new plans.
"""

import json
from pathlib import Path
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from medtalent.core.audit import audit_record
from medtalent.core.errors import ForbiddenError, PathProblem, ProblemsError
from medtalent.core.versioning import save_versioned
from medtalent.people.models import Institution

from ..access import manages_programmes_of
from ..models import EvidenceKind, Programme, ProgrammeMilestone, ProgrammeStage, ProgrammeSystem

SHIPPED_FOLDER = Path(__file__).resolve().parent.parent / "fixtures" / "programmes"
TEXT_FIELDS = {"name_zh": 120, "name_en": 160}
MAX_MONTHS = 600


def shipped_definitions(folder: Path = SHIPPED_FOLDER) -> list[dict[str, Any]]:
    return [json.loads(path.read_text(encoding="utf-8")) for path in sorted(folder.glob("*.json"))]


def programme_definition(programme: Programme) -> dict[str, Any]:
    """The template as one document, in the shape of the shipped files."""
    return {
        "code": programme.code,
        "system": programme.system,
        "name_zh": programme.name_zh,
        "name_en": programme.name_en,
        "description_zh": programme.description_zh,
        "description_en": programme.description_en,
        "stages": [
            {
                "code": stage.code,
                "name_zh": stage.name_zh,
                "name_en": stage.name_en,
                "goal_zh": stage.goal_zh,
                "goal_en": stage.goal_en,
                "start_month": stage.start_month,
                "months": stage.months,
                "milestones": [
                    {
                        "code": milestone.code,
                        "name_zh": milestone.name_zh,
                        "name_en": milestone.name_en,
                        "due_month": milestone.due_month,
                        "evidence_kinds": list(milestone.evidence_kinds),
                        "requires_evidence": milestone.requires_evidence,
                    }
                    for milestone in stage.milestones.all()
                ],
            }
            for stage in programme.stages.prefetch_related("milestones")
        ],
    }


def _text(
    problems: list[PathProblem], where: tuple, value: Any, *, limit: int, required: bool = True
) -> None:
    if not isinstance(value, str) or (required and not value.strip()):
        problems.append(PathProblem(where, _("This field is required.")))
    elif len(value) > limit:
        problems.append(PathProblem(where, _("At most %(max)s characters.") % {"max": limit}))


def _month(problems: list[PathProblem], where: tuple, value: Any, *, least: int = 0) -> bool:
    if isinstance(value, bool) or not isinstance(value, int) or not least <= value <= MAX_MONTHS:
        problems.append(
            PathProblem(
                where,
                _("A whole number of months from %(min)s to %(max)s is required.")
                % {"min": least, "max": MAX_MONTHS},
            )
        )
        return False
    return True


def _code(problems: list[PathProblem], where: tuple, value: Any, seen: set[str]) -> None:
    if (
        not isinstance(value, str)
        or not value
        or len(value) > 40
        or not all(c.isalnum() or c in "-_" for c in value)
    ):
        problems.append(PathProblem(where, _("A short code of letters, digits and hyphens is required.")))
    elif value in seen:
        problems.append(PathProblem(where, _("This code is used twice.")))
    else:
        seen.add(value)


def programme_definition_problems(definition: Any) -> list[PathProblem]:
    """Every problem of a template document, each with its path (``stages.1.milestones.0.due_month``)."""
    if not isinstance(definition, dict):
        return [PathProblem((), _("A JSON object is required."))]
    problems: list[PathProblem] = []
    _code(problems, ("code",), definition.get("code"), set())
    if definition.get("system") not in ProgrammeSystem.values:
        problems.append(
            PathProblem(
                ("system",),
                _("Choose one of: %(expected)s.") % {"expected": ", ".join(ProgrammeSystem.values)},
            )
        )
    for name, limit in TEXT_FIELDS.items():
        _text(problems, (name,), definition.get(name), limit=limit)
    stages = definition.get("stages")
    if not isinstance(stages, list) or not stages:
        problems.append(PathProblem(("stages",), _("A programme needs at least one stage.")))
        return problems
    stage_codes: set[str] = set()
    for s, stage in enumerate(stages):
        at = ("stages", s)
        if not isinstance(stage, dict):
            problems.append(PathProblem(at, _("A JSON object is required.")))
            continue
        _code(problems, (*at, "code"), stage.get("code"), stage_codes)
        for name, limit in TEXT_FIELDS.items():
            _text(problems, (*at, name), stage.get(name), limit=limit)
        timed = _month(problems, (*at, "start_month"), stage.get("start_month"))
        timed = _month(problems, (*at, "months"), stage.get("months"), least=1) and timed
        milestones = stage.get("milestones", [])
        if not isinstance(milestones, list):
            problems.append(PathProblem((*at, "milestones"), _("A list is required.")))
            continue
        milestone_codes: set[str] = set()
        for m, milestone in enumerate(milestones):
            where = (*at, "milestones", m)
            if not isinstance(milestone, dict):
                problems.append(PathProblem(where, _("A JSON object is required.")))
                continue
            _code(problems, (*where, "code"), milestone.get("code"), milestone_codes)
            for name, limit in TEXT_FIELDS.items():
                _text(problems, (*where, name), milestone.get(name), limit=limit + 40)
            due = milestone.get("due_month")
            if _month(problems, (*where, "due_month"), due) and timed:
                first, last = stage["start_month"], stage["start_month"] + stage["months"]
                if not first <= due <= last:
                    problems.append(
                        PathProblem(
                            (*where, "due_month"),
                            _("Due within its stage: from month %(first)s to month %(last)s.")
                            % {"first": first, "last": last},
                        )
                    )
            kinds = milestone.get("evidence_kinds", [])
            if not isinstance(kinds, list) or any(kind not in EvidenceKind.values for kind in kinds):
                problems.append(
                    PathProblem(
                        (*where, "evidence_kinds"),
                        _("Choose among: %(expected)s.") % {"expected": ", ".join(EvidenceKind.values)},
                    )
                )
            elif milestone.get("requires_evidence") and not kinds:
                problems.append(
                    PathProblem(
                        (*where, "evidence_kinds"), _("Say which kind of evidence the milestone requires.")
                    )
                )
    return problems


def _write_structure(programme: Programme, definition: dict[str, Any]) -> None:
    """Replace the stages and milestones with the document's, keeping rows whose code stays
    (plans link them)."""
    existing = {stage.code: stage for stage in programme.stages.prefetch_related("milestones")}
    kept_stage_ids = []
    for s, data in enumerate(definition["stages"]):
        stage = existing.get(data["code"]) or ProgrammeStage(programme=programme, code=data["code"])
        stage.order = (s + 1) * 10
        for name in ("name_zh", "name_en", "goal_zh", "goal_en", "start_month", "months"):
            setattr(stage, name, data.get(name, "") if name.startswith("goal") else data[name])
        stage.save()
        kept_stage_ids.append(stage.pk)
        milestones = (
            {m.code: m for m in stage.milestones.all()}
            if stage.pk in {x.pk for x in existing.values()}
            else {}
        )
        kept_milestone_ids = []
        for m, item in enumerate(data.get("milestones", [])):
            milestone = milestones.get(item["code"]) or ProgrammeMilestone(stage=stage, code=item["code"])
            milestone.order = (m + 1) * 10
            milestone.name_zh, milestone.name_en = item["name_zh"], item["name_en"]
            milestone.due_month = item["due_month"]
            milestone.evidence_kinds = list(dict.fromkeys(item.get("evidence_kinds", [])))
            milestone.requires_evidence = bool(item.get("requires_evidence", False))
            milestone.save()
            kept_milestone_ids.append(milestone.pk)
        stage.milestones.exclude(pk__in=kept_milestone_ids).delete()
    programme.stages.exclude(pk__in=kept_stage_ids).delete()


def _check(definition: Any) -> None:
    problems = programme_definition_problems(definition)
    if problems:
        raise ProblemsError(_("The programme has problems; each is shown where it is."), problems)


@transaction.atomic
def programme_create(*, actor: Any, institution: Institution, definition: dict[str, Any]) -> Programme:
    if not manages_programmes_of(actor, institution.pk):
        raise ForbiddenError(_("Only programme officers of the institution add programmes."))
    return _create(actor=actor, institution=institution, definition=definition)


def _create(*, actor: Any, institution: Institution, definition: dict[str, Any]) -> Programme:
    _check(definition)
    if Programme.objects.filter(institution=institution, code=definition.get("code", "")).exists():
        raise ProblemsError(
            _("The programme has problems; each is shown where it is."),
            [PathProblem(("code",), _("The institution already has a programme with this code."))],
        )
    programme = Programme.objects.create(
        institution=institution,
        code=definition["code"],
        system=definition["system"],
        name_zh=definition["name_zh"],
        name_en=definition["name_en"],
        description_zh=definition.get("description_zh", ""),
        description_en=definition.get("description_en", ""),
    )
    _write_structure(programme, definition)
    audit_record(
        actor=actor, action="programme.create", target=programme, changes={"code": [None, programme.code]}
    )
    return programme


@transaction.atomic
def programme_update(
    *,
    actor: Any,
    programme: Programme,
    expected_version: int,
    definition: dict[str, Any],
    is_active: bool | None = None,
) -> Programme:
    """Replace the template's names, stages and milestones. The code stays (plans and imports name it)."""
    if not manages_programmes_of(actor, programme.institution_id):
        raise ForbiddenError(_("Only programme officers of the institution change its programmes."))
    definition = {**definition, "code": programme.code}
    _check(definition)
    before = programme_definition(programme) | {"is_active": programme.is_active}
    for name in ("system", "name_zh", "name_en"):
        setattr(programme, name, definition[name])
    programme.description_zh = definition.get("description_zh", "")
    programme.description_en = definition.get("description_en", "")
    if is_active is not None:
        programme.is_active = is_active
    save_versioned(
        programme,
        expected_version=expected_version,
        fields=["system", "name_zh", "name_en", "description_zh", "description_en", "is_active"],
    )
    _write_structure(programme, definition)
    after = programme_definition(programme) | {"is_active": programme.is_active}
    changes = {name: [before[name], after[name]] for name in after if before[name] != after[name]}
    audit_record(actor=actor, action="programme.update", target=programme, changes=changes)
    return programme


@transaction.atomic
def programme_templates_load(
    *, actor: Any, institution: Institution, folder: Path = SHIPPED_FOLDER
) -> list[Programme]:
    """Add the shipped templates the institution lacks (by code); existing ones are left as edited.

    ``actor`` None is the command line (``medtalent load_programmes``), run by whoever runs the server.
    """
    if actor is not None and not manages_programmes_of(actor, institution.pk):
        raise ForbiddenError(_("Only programme officers of the institution add programmes."))
    have = set(Programme.objects.filter(institution=institution).values_list("code", flat=True))
    created = []
    for definition in shipped_definitions(folder):
        if definition["code"] not in have:
            created.append(_create(actor=actor, institution=institution, definition=definition))
    return created
