"""Pages of the instrument builder: the list, one instrument (its form as the assessor sees it, and its
versions), a new instrument, editing one, the live preview, and taking one out of use."""

from dataclasses import dataclass, field
from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from medtalent.core.errors import ApplicationError, ConflictError
from medtalent.core.forms import add_service_error
from medtalent.people.access import scope_for

from .access_instruments import (
    get_instrument_for_user,
    institutions_for_new_instruments,
    may_add_instruments,
    may_edit_instrument,
)
from .forms import SCORE, AnswerForm
from .forms_instruments import InstrumentEditor, InstrumentForm, new_definition, placeholder_names
from .models import Instrument, InstrumentKind, InstrumentVersion
from .selectors_instruments import instrument_list_for_user, version_history
from .services import instruments as services

# The new-instrument form's fields carry this prefix, so its names never clash with the builder's.
NEW_PREFIX = "instrument"


@dataclass
class PreviewField:
    """One question of the form as the assessor sees it."""

    label: str
    # "scale" (one tap per score), "points", "options", "several" (tick any), "number", "text"
    widget: str
    required: bool = False
    options: list[str] = field(default_factory=list)
    help_text: str = ""


def preview_of(kind: str, definition: dict[str, Any]) -> dict[str, list[PreviewField]]:
    """The questions of a definition, drawn from the assessment form itself: ``scores`` and ``details``."""
    form = AnswerForm(kind=kind, definition=definition)
    required: set[str] = set()
    if kind == InstrumentKind.RATING_SCALE:
        allow_na = definition["scale"].get("not_applicable_allowed", True)
        required |= {item["code"] for item in definition["items"] if item.get("required") or not allow_na}
    else:
        # Every section of a points instrument is scored.
        required |= {part["code"] for part in definition.get("sections", definition.get("components", []))}
    required_details = {
        entry["code"]
        for section in ("context_fields", "extra_fields")
        for entry in definition.get(section, [])
        if entry.get("required")
    }
    scores, details = [], []
    for name, form_field in form.fields.items():
        options = [str(text) for _value, text in getattr(form_field, "choices", [])]
        help_text = str(form_field.help_text or "")
        if name.startswith(SCORE):
            widget = "scale" if kind == InstrumentKind.RATING_SCALE else "points"
            code = name.removeprefix(SCORE)
            scores.append(PreviewField(str(form_field.label), widget, code in required, options, help_text))
        elif name.startswith("detail__"):
            code = name.removeprefix("detail__")
            if options:
                widget = "several" if form_field.widget.allow_multiple_selected else "options"
            else:
                widget = "number" if isinstance(form_field, forms.IntegerField) else "text"
            details.append(PreviewField(str(form_field.label), widget, code in required_details, options))
    return {"scores": scores, "details": details}


@login_required
def instrument_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "assessments/instrument_list.html",
        {"instruments": instrument_list_for_user(request.user), "can_add": may_add_instruments(request.user)},
    )


@login_required
def instrument_detail(request: HttpRequest, instrument_id: int) -> HttpResponse:
    instrument = get_instrument_for_user(request.user, instrument_id)
    versions = version_history(instrument)
    if not versions:  # only an instrument made outside the services lacks one
        raise Http404
    wanted = request.GET.get("version", "")
    shown = next((version for version in versions if str(version.number) == wanted), versions[0])
    return render(
        request,
        "assessments/instrument_detail.html",
        {
            "instrument": instrument,
            "shown": shown,
            "current": versions[0],
            "versions": versions,
            "preview": preview_of(instrument.kind, shown.definition),
            "can_edit": may_edit_instrument(request.user, instrument),
            "can_build": instrument.kind != InstrumentKind.EXIT_EXAM,
        },
    )


def _saved_message(saved: InstrumentVersion, previous: InstrumentVersion) -> str:
    if saved.pk == previous.pk:
        return _("Saved as version %(number)d.") % {"number": saved.number}
    return _(
        "Version %(old)d is used by assessments, so your changes were saved as version %(new)d. Those "
        "assessments keep version %(old)d; assessments made from now on use version %(new)d."
    ) % {"old": previous.number, "new": saved.number}


def _current_version(instrument: Instrument) -> InstrumentVersion:
    version = InstrumentVersion.objects.filter(instrument=instrument).order_by("-number").first()
    if version is None:
        raise Http404
    return version


@login_required
def instrument_edit(request: HttpRequest, instrument_id: int) -> HttpResponse:
    instrument = get_instrument_for_user(request.user, instrument_id)
    if not may_edit_instrument(request.user, instrument):
        raise PermissionDenied
    if instrument.kind == InstrumentKind.EXIT_EXAM:
        messages.info(
            request,
            _("The exit exam's components and pass rules ship with MedTalent; they are not built here."),
        )
        return redirect("instrument_detail", instrument_id=instrument.pk)
    version = _current_version(instrument)
    data = request.POST if request.method == "POST" else None
    editor = InstrumentEditor(kind=instrument.kind, base=version.definition, version=version, data=data)
    status = 200
    if data is not None and editor.is_valid():
        try:
            saved = services.instrument_version_save(
                actor=request.user,
                instrument=instrument,
                expected_number=editor.expected_number,
                expected_digest=editor.expected_digest,
                definition=editor.definition(),
            )
        except services.InstrumentDefinitionInvalidError as error:
            editor.form.add_error(None, str(error.message))
            editor.add_problems(error.problems)
        except ConflictError as error:
            add_service_error(editor.form, error)
            status = 409
        except (ApplicationError, ValidationError) as error:
            add_service_error(editor.form, error)
        else:
            messages.success(request, _saved_message(saved, version))
            return redirect("instrument_detail", instrument_id=instrument.pk)
    editor.mark_invalid_fields()
    placeholder_names(editor)
    return render(
        request,
        "assessments/instrument_edit.html",
        {
            "instrument": instrument,
            "version": version,
            "editor": editor,
            "kind": instrument.kind,
            "in_use": services.version_in_use(version),
            "preview": preview_of(instrument.kind, version.definition),
            "title": _("Edit %(name)s") % {"name": instrument.name},
        },
        status=status,
    )


def _new_kind(request: HttpRequest) -> str:
    wanted = request.POST.get(f"{NEW_PREFIX}-kind") or request.GET.get("kind") or ""
    return wanted if wanted in services.BUILDABLE_KINDS else InstrumentKind.RATING_SCALE


@login_required
def instrument_new(request: HttpRequest) -> HttpResponse:
    if not may_add_instruments(request.user):
        raise PermissionDenied
    institutions = institutions_for_new_instruments(request.user)
    everyone_allowed = scope_for(request.user).is_admin
    kind = _new_kind(request)
    data = request.POST if request.method == "POST" else None
    form = InstrumentForm(
        data,
        prefix=NEW_PREFIX,
        institutions=institutions,
        everyone_allowed=everyone_allowed,
        initial={"kind": kind, "institution": None if everyone_allowed else institutions.first()},
    )
    editor = InstrumentEditor(kind=kind, base=new_definition(kind), data=data)
    if data is not None and all([form.is_valid(), editor.is_valid()]):
        try:
            instrument = services.instrument_create(
                actor=request.user,
                institution=form.cleaned_data["institution"],
                code=form.cleaned_data["code"],
                kind=form.cleaned_data["kind"],
                name_zh=form.cleaned_data["name_zh"],
                name_en=form.cleaned_data["name_en"],
                definition=editor.definition(),
            )
        except services.InstrumentDefinitionInvalidError as error:
            editor.form.add_error(None, str(error.message))
            editor.add_problems(error.problems)
        except (ApplicationError, ValidationError) as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Instrument added."))
            return redirect("instrument_detail", instrument_id=instrument.pk)
    editor.mark_invalid_fields()
    return render(
        request,
        "assessments/instrument_edit.html",
        {
            "form": form,
            "editor": editor,
            "kind": kind,
            "preview": None,
            "title": _("New instrument"),
        },
    )


@login_required
@require_POST
def instrument_preview(request: HttpRequest) -> HttpResponse:
    """The builder's rows as the assessor would see them (an HTMX partial); nothing is saved."""
    if not may_add_instruments(request.user):
        raise PermissionDenied
    kind = request.POST.get("kind") or _new_kind(request)
    if kind not in services.BUILDABLE_KINDS:
        kind = InstrumentKind.RATING_SCALE
    editor = InstrumentEditor(kind=kind, base={}, data=request.POST)
    problems: list[str] = []
    preview = None
    if editor.is_valid():
        definition = editor.definition()
        found = services.instrument_definition_validate(kind, definition)
        if found:
            problems = [problem.message for problem in found]
        else:
            preview = preview_of(kind, definition)
    else:
        problems = [_("Some rows have errors; save to see them marked.")]
    return render(
        request,
        "assessments/instrument_preview.html",
        {"preview": preview, "problems": problems, "name": request.POST.get(f"{NEW_PREFIX}-name_zh", "")},
    )


@login_required
@require_POST
def instrument_set_active(request: HttpRequest, instrument_id: int) -> HttpResponse:
    instrument = get_instrument_for_user(request.user, instrument_id)
    if not may_edit_instrument(request.user, instrument):
        raise PermissionDenied
    is_active = request.POST.get("is_active") == "1"
    services.instrument_set_active(actor=request.user, instrument=instrument, is_active=is_active)
    messages.success(
        request,
        _("Assessors can choose this instrument again.")
        if is_active
        else _("Assessors no longer see this instrument."),
    )
    return redirect("instrument_detail", instrument_id=instrument.pk)
