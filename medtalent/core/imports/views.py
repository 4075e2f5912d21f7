"""The import pages: upload, watch the check, read the preview, import or discard, download."""

import contextlib
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils import translation
from django.views.decorators.http import require_POST

from medtalent.core import selectors
from medtalent.core.errors import ApplicationError, ConflictError
from medtalent.core.exports import XLSX_TYPE
from medtalent.core.forms import StyledFormMixin, add_service_error
from medtalent.core.jobs import job_with_live_progress
from medtalent.core.models import ImportBatch, ImportRowNote

from . import services
from .engine import Importer, importer_class, importer_classes
from .files import import_rejected_rows_response, import_template_xlsx

NOTES_SHOWN = 200


class ImportUploadForm(StyledFormMixin, forms.Form):
    file = forms.FileField(label=translation.gettext_lazy("Spreadsheet (.xlsx or .csv)"))
    overwrite_manual = forms.BooleanField(
        label=translation.gettext_lazy("Overwrite changes made by hand"),
        help_text=translation.gettext_lazy(
            "Without this, a field someone changed on a page keeps their value, and the preview lists it."
        ),
        required=False,
    )

    def __init__(self, *args: Any, option_fields: dict[str, forms.Field], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.option_names = list(option_fields)
        for name, field in option_fields.items():
            self.fields[name] = field
        self.order_fields([*self.option_names, "file", "overwrite_manual"])
        self.style_fields(option_fields.values())


def _importer_for(user: Any, kind: str) -> type[Importer]:
    try:
        importer = importer_class(kind)
    except ApplicationError:
        raise Http404 from None
    if not importer.can_import(user):
        raise PermissionDenied
    return importer


@login_required
def import_list(request: HttpRequest) -> HttpResponse:
    kinds = [importer for importer in importer_classes() if importer.can_import(request.user)]
    batches = selectors.import_batch_list_for_user(request.user)[:50]
    return render(request, "core/imports/list.html", {"kinds": kinds, "batches": batches})


@login_required
def import_new(request: HttpRequest, kind: str) -> HttpResponse:
    importer = _importer_for(request.user, kind)
    form = ImportUploadForm(
        request.POST or None, request.FILES or None, option_fields=importer.option_fields(request.user)
    )
    if request.method == "POST" and form.is_valid():
        try:
            options = importer.clean_options(request.user, form.cleaned_data)
            upload = form.cleaned_data["file"]
            batch = services.import_batch_create(
                actor=request.user,
                kind=kind,
                file=upload,
                filename=upload.name,
                options=options,
                overwrite_manual=form.cleaned_data["overwrite_manual"],
            )
            services.import_preview_start(batch=batch, actor=request.user)
        except ApplicationError as error:
            add_service_error(form, error)
        else:
            return redirect("import_detail", batch.pk)
    return render(request, "core/imports/new.html", {"form": form, "importer": importer})


def _status_context(batch: ImportBatch) -> dict[str, Any]:
    """What the progress area needs: polled every second, so nothing more."""
    return {
        "batch": batch,
        "job": job_with_live_progress(batch.job) if batch.job else None,
        "working": batch.status in (ImportBatch.Status.PREVIEWING, ImportBatch.Status.COMMITTING)
        or (batch.job is not None and not batch.job.is_finished),
    }


@login_required
def import_detail(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = selectors.get_import_batch_for_user(request.user, batch_id)
    importer = importer_class(batch.kind)(batch, request.user)
    context = {
        **_status_context(batch),
        "importer": importer,
        "options": importer.describe_options() if batch.status != ImportBatch.Status.DISCARDED else [],
        "errors": selectors.import_notes(batch, ImportRowNote.Kind.ERROR, limit=NOTES_SHOWN),
        "kept": selectors.import_notes(batch, ImportRowNote.Kind.KEPT, limit=NOTES_SHOWN),
        "notes_shown": NOTES_SHOWN,
    }
    return render(request, "core/imports/detail.html", context)


@login_required
def import_status(request: HttpRequest, batch_id: int) -> HttpResponse:
    """Polled while a check or an import runs; once it is over, the whole page reloads."""
    batch = selectors.get_import_batch_for_user(request.user, batch_id)
    context = _status_context(batch)
    response = render(request, "core/imports/_status.html", context)
    if not context["working"]:
        response["HX-Refresh"] = "true"
    return response


@login_required
@require_POST
def import_commit(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = selectors.get_import_batch_for_user(request.user, batch_id)
    _importer_for(request.user, batch.kind)
    with contextlib.suppress(ConflictError):  # already started or done: the page says which
        services.import_commit_start(batch=batch, actor=request.user)
    return redirect("import_detail", batch.pk)


@login_required
@require_POST
def import_recheck(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = selectors.get_import_batch_for_user(request.user, batch_id)
    _importer_for(request.user, batch.kind)
    if batch.status in (ImportBatch.Status.PREVIEWED, ImportBatch.Status.FAILED):
        services.import_preview_start(batch=batch, actor=request.user)
    return redirect("import_detail", batch.pk)


@login_required
@require_POST
def import_discard(request: HttpRequest, batch_id: int) -> HttpResponse:
    batch = selectors.get_import_batch_for_user(request.user, batch_id)
    try:
        services.import_batch_discard(batch=batch)
    except ConflictError:
        return redirect("import_detail", batch.pk)
    return redirect("imports")


@login_required
def import_rejected(request: HttpRequest, batch_id: int, file_format: str) -> HttpResponseBase:
    batch = selectors.get_import_batch_for_user(request.user, batch_id)
    if batch.status == ImportBatch.Status.DISCARDED or not batch.rows_rejected:
        raise Http404
    return import_rejected_rows_response(batch=batch, file_format=file_format)


@login_required
def import_template(request: HttpRequest, kind: str, language: str) -> HttpResponse:
    importer = _importer_for(request.user, kind)
    if language not in ("zh-hans", "en"):
        raise Http404
    with translation.override(language):
        content = import_template_xlsx(importer)
    response = HttpResponse(content, content_type=XLSX_TYPE)
    response["Content-Disposition"] = f'attachment; filename="medtalent-{kind}-template-{language}.xlsx"'
    return response
