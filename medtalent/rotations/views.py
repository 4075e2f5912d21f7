"""Pages of rotation standards: list, one standard with its editions, edit, add."""

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from medtalent.core.errors import ApplicationError, ConflictError
from medtalent.core.forms import add_service_error
from medtalent.core.permissions import require

from . import selectors, services
from .access import get_standard_for_user, institutions_for_new_standards, may_add_standards
from .forms import EditionEditor, StandardForm


@login_required
def standard_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "rotations/standard_list.html",
        {
            "standards": selectors.standard_list_for_user(request.user),
            "can_add": may_add_standards(request.user),
        },
    )


@login_required
def standard_detail(request: HttpRequest, standard_id: int) -> HttpResponse:
    standard = get_standard_for_user(request.user, standard_id)
    editions = selectors.edition_list(standard)
    if not editions:  # only a standard made outside the services lacks one
        raise Http404
    current = editions[0]
    wanted = request.GET.get("edition", "")
    shown = next((edition for edition in editions if str(edition.number) == wanted), current)
    departments = selectors.standard_departments_by_code(standard.institution)
    return render(
        request,
        "rotations/standard_detail.html",
        {
            "standard": standard,
            "table": selectors.edition_table(shown, departments),
            "current": current,
            "older_editions": editions[1:],
            "can_edit": request.user.has_perm("rotations.change_rotationstandard", standard),
        },
    )


def _saved_message(saved: Any, previous: Any) -> str:
    if saved.pk == previous.pk:
        return _("Saved.")
    enrolled = previous.enrolments.count()
    return ngettext(
        "Edition %(old)d is followed by %(count)d trainee, so your changes were saved as a new edition "
        "%(new)d. That trainee keeps edition %(old)d; trainees enrolled from now on follow edition %(new)d.",
        "Edition %(old)d is followed by %(count)d trainees, so your changes were saved as a new edition "
        "%(new)d. Those trainees keep edition %(old)d; trainees enrolled from now on follow edition %(new)d.",
        enrolled,
    ) % {"old": previous.number, "new": saved.number, "count": enrolled}


@login_required
def standard_edit(request: HttpRequest, standard_id: int) -> HttpResponse:
    standard = get_standard_for_user(request.user, standard_id)
    require(request.user, "rotations.change_rotationstandard", standard)
    edition = selectors.current_edition(standard)
    departments = selectors.standard_departments_by_code(standard.institution)
    if request.method == "POST":
        editor = EditionEditor(departments=departments, data=request.POST, edition=edition)
        if editor.is_valid():
            try:
                saved = services.standard_edition_update(
                    user=request.user,
                    edition=edition,
                    expected_version=editor.expected_version,
                    **editor.values(),
                )
            except services.EditionInvalidError as error:
                editor.add_problems(error.problems)
            except (ApplicationError, ValidationError) as error:
                add_service_error(editor.form, error)
            else:
                messages.success(request, _saved_message(saved, edition))
                return redirect("rotation_standard_detail", standard_id=standard.pk)
    else:
        editor = EditionEditor(departments=departments, edition=edition)
    editor.mark_invalid_fields()
    return render(
        request,
        "rotations/standard_edit.html",
        {
            "standard": standard,
            "edition": edition,
            "editor": editor,
            "departments": departments,
            "in_use": edition.enrolments.exists(),
            "title": _("Edit %(name)s") % {"name": standard.name},
        },
    )


def _chosen_institution(request: HttpRequest, institutions: Any) -> Any:
    """The training base whose departments the new standard's rows choose from."""
    wanted = request.POST.get("institution") or request.GET.get("institution") or ""
    chosen = institutions.filter(pk=int(wanted)).first() if wanted.isdigit() and len(wanted) < 12 else None
    return chosen or institutions.first()


@login_required
def standard_new(request: HttpRequest) -> HttpResponse:
    institutions = institutions_for_new_standards(request.user)
    chosen = _chosen_institution(request, institutions)
    if chosen is None:
        raise PermissionDenied
    form = StandardForm(request.POST or None, institutions=institutions, initial={"institution": chosen})
    departments = selectors.standard_departments_by_code(chosen)
    editor = EditionEditor(departments=departments, data=request.POST if request.method == "POST" else None)
    if request.method == "POST" and form.is_valid() and editor.is_valid():
        institution = form.cleaned_data["institution"]
        require(request.user, "rotations.add_rotationstandard", institution)
        values = editor.values()
        try:
            standard = services.rotation_standard_create(
                user=request.user,
                institution=institution,
                specialty=form.cleaned_data["specialty"],
                name_zh=form.cleaned_data["name_zh"],
                name_en=form.cleaned_data["name_en"],
                **values,
            )
        except services.EditionInvalidError as error:
            editor.add_problems(error.problems)
        except ConflictError as error:
            add_service_error(editor.form, error)
        except (ApplicationError, ValidationError) as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Standard added."))
            return redirect("rotation_standard_detail", standard_id=standard.pk)
    editor.mark_invalid_fields()
    return render(
        request,
        "rotations/standard_new.html",
        {
            "form": form,
            "editor": editor,
            "departments": departments,
            "several_institutions": institutions.count() > 1,
            "title": _("Add a rotation standard"),
        },
    )
