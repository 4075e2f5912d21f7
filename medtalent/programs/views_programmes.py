"""Programme template pages: the list, one template's stages and milestones, and its editor.

The editor posts rows (``stage-<i>-<field>``, ``stage-<i>-milestone-<j>-<field>``) that become one template
document, checked whole by the same service the API calls; each problem comes back on its input.
"""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from medtalent.core.errors import ConflictError, ForbiddenError, ProblemsError

from .access import get_programme_for_user, institutions_managed_for_programmes, manages_programmes_of
from .models import EvidenceKind, Programme, ProgrammeSystem
from .selectors import programme_list_for_user, programme_structure
from .services.programmes import programme_definition, programme_templates_load, programme_update

STAGE_FIELDS = ("code", "name_zh", "name_en", "start_month", "months", "goal_zh", "goal_en")
MILESTONE_FIELDS = ("code", "name_zh", "name_en", "due_month")
BLANK_MILESTONES_PER_STAGE = 1
MAX_ROWS = 60


@login_required
def programme_list(request: HttpRequest) -> HttpResponse:
    programmes = list(programme_list_for_user(request.user))
    managed = list(institutions_managed_for_programmes(request.user))
    return render(
        request,
        "programs/programme_list.html",
        {"programmes": programmes, "managed_institutions": managed},
    )


@login_required
@require_POST
def programme_load(request: HttpRequest) -> HttpResponse:
    institutions = institutions_managed_for_programmes(request.user)
    value = request.POST.get("institution", "")
    institution = get_object_or_404(institutions, pk=int(value) if value.isdigit() and len(value) < 10 else 0)
    try:
        created = programme_templates_load(actor=request.user, institution=institution)
    except ForbiddenError as error:
        raise PermissionDenied(error.message) from error
    messages.success(
        request,
        _("%(count)s shipped programme(s) added to %(institution)s.")
        % {"count": len(created), "institution": institution},
    )
    return redirect("programme_list")


@login_required
def programme_detail(request: HttpRequest, programme_id: int) -> HttpResponse:
    programme = get_programme_for_user(request.user, programme_id)
    return render(
        request,
        "programs/programme_detail.html",
        {
            "programme": programme,
            "stages": programme_structure(programme),
            "may_edit": manages_programmes_of(request.user, programme.institution_id),
            "kind_labels": dict(EvidenceKind.choices),
        },
    )


def _month_value(text: str) -> Any:
    """Whole months as typed; anything else goes to the checker as it is, so it is named on its input."""
    text = text.strip()
    return int(text) if text.isdigit() and len(text) < 5 else text


def definition_from_post(post: QueryDict, programme: Programme) -> dict[str, Any]:
    """The template document the editor's rows describe, without rows marked for removal or blank."""
    stages = []
    for i in range(MAX_ROWS):
        prefix = f"stage-{i}-"
        if prefix + "code" not in post:
            break
        if post.get(prefix + "remove") or not any(
            post.get(prefix + name, "").strip() for name in STAGE_FIELDS[:3]
        ):
            continue
        stage: dict[str, Any] = {name: post.get(prefix + name, "").strip() for name in STAGE_FIELDS}
        stage["start_month"] = _month_value(stage["start_month"])
        stage["months"] = _month_value(stage["months"])
        milestones = []
        for j in range(MAX_ROWS):
            at = f"{prefix}milestone-{j}-"
            if at + "code" not in post:
                break
            if post.get(at + "remove") or not any(
                post.get(at + name, "").strip() for name in MILESTONE_FIELDS[:3]
            ):
                continue
            milestone: dict[str, Any] = {name: post.get(at + name, "").strip() for name in MILESTONE_FIELDS}
            milestone["due_month"] = _month_value(milestone["due_month"])
            milestone["evidence_kinds"] = [
                kind for kind in post.getlist(at + "evidence_kinds") if kind in EvidenceKind.values
            ]
            milestone["requires_evidence"] = bool(post.get(at + "requires_evidence"))
            milestones.append(milestone)
        stage["milestones"] = milestones
        stages.append(stage)
    return {
        "code": programme.code,
        "system": post.get("system", ""),
        "name_zh": post.get("name_zh", "").strip(),
        "name_en": post.get("name_en", "").strip(),
        "description_zh": post.get("description_zh", "").strip(),
        "description_en": post.get("description_en", "").strip(),
        "stages": stages,
    }


def _editor_rows(definition: dict[str, Any], problems: dict[str, str]) -> list[dict[str, Any]]:
    """Stages and milestones as the editor shows them, each field with its problem, and blank rows."""
    blank_milestone = {
        "code": "",
        "name_zh": "",
        "name_en": "",
        "due_month": "",
        "evidence_kinds": [],
        "requires_evidence": False,
    }
    blank_stage = {**dict.fromkeys(STAGE_FIELDS, ""), "milestones": []}
    rows = []
    for s, stage in enumerate([*definition["stages"], blank_stage]):
        milestones = [*stage.get("milestones", []), *[blank_milestone] * BLANK_MILESTONES_PER_STAGE]
        rows.append(
            {
                "index": s,
                "prefix": f"stage-{s}-",
                "values": stage,
                "errors": {
                    name: problems.get(f"stages.{s}.{name}", "") for name in (*STAGE_FIELDS, "milestones")
                },
                "milestones": [
                    {
                        "index": m,
                        "prefix": f"stage-{s}-milestone-{m}-",
                        "values": milestone,
                        "errors": {
                            name: problems.get(f"stages.{s}.milestones.{m}.{name}", "")
                            for name in (*MILESTONE_FIELDS, "evidence_kinds")
                        },
                    }
                    for m, milestone in enumerate(milestones)
                ],
            }
        )
    return rows


@login_required
def programme_edit(request: HttpRequest, programme_id: int) -> HttpResponse:
    programme = get_programme_for_user(request.user, programme_id)
    if not manages_programmes_of(request.user, programme.institution_id):
        raise PermissionDenied
    problems: dict[str, str] = {}
    status = 200
    version = programme.version
    if request.method == "POST":
        definition = definition_from_post(request.POST, programme)
        version_text = request.POST.get("version", "")
        version = int(version_text) if version_text.isdigit() and len(version_text) < 10 else 0
        try:
            programme_update(
                actor=request.user,
                programme=programme,
                expected_version=version,
                definition=definition,
                is_active=bool(request.POST.get("is_active")),
            )
        except ProblemsError as error:
            problems = {problem.field: problem.message for problem in error.problems}
            status = 400
        except ConflictError as error:
            problems = {"": str(error.message)}
            status = 409
        else:
            messages.success(request, _("The programme is saved. Plans started from now on follow it."))
            return redirect("programme_detail", programme.pk)
    else:
        definition = programme_definition(programme)
    return render(
        request,
        "programs/programme_edit.html",
        {
            "programme": programme,
            "definition": definition,
            "rows": _editor_rows(definition, problems),
            "problems": problems,
            "general_problems": [
                message for field, message in problems.items() if field in ("", "system", "stages", "code")
            ],
            "version": version,
            "systems": ProgrammeSystem.choices,
            "kinds": EvidenceKind.choices,
        },
        status=status,
    )
