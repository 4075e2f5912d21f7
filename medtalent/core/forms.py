"""Turning domain errors into form errors: the page shows them where the API would name the field."""

from collections.abc import Callable, Iterable
from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied, ValidationError

from .errors import ApplicationError, ConflictError, ForbiddenError


def add_service_error(form: forms.BaseForm, error: ApplicationError | ValidationError) -> None:
    if isinstance(error, ApplicationError):
        field = error.field if error.field in form.fields else None
        form.add_error(field, str(error.message))
        return
    if hasattr(error, "error_dict"):
        for name, messages in error.message_dict.items():
            form.add_error(name if name in form.fields else None, messages)
    else:
        form.add_error(None, error.messages)


def form_submit(form: forms.BaseForm, call: Callable[[dict[str, Any]], Any]) -> tuple[Any, int]:
    """Validate the posted form and run the service on its cleaned data: ``(result, 200)``, or
    ``(None, status)`` with the refusal on the form (409 for a stale write, 400 otherwise); a refusal
    of the user altogether is a 403."""
    if not form.is_valid():
        return None, 400
    try:
        return call(form.cleaned_data), 200
    except ForbiddenError as error:
        raise PermissionDenied(error.message) from error
    except ConflictError as error:
        add_service_error(form, error)
        return None, 409
    except (ApplicationError, ValidationError) as error:
        add_service_error(form, error)
        return None, 400


class StyledFormMixin:
    """Bootstrap classes on every widget, so templates render fields with one include."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.style_fields(self.fields.values())  # type: ignore[attr-defined]

    def style_fields(self, fields: Iterable[forms.Field]) -> None:
        """Style fields added after construction, such as an import's own options."""
        for field in fields:
            widget = field.widget
            if isinstance(widget, forms.CheckboxInput | forms.HiddenInput):
                continue
            if isinstance(widget, forms.CheckboxSelectMultiple):
                widget.attrs["class"] = "form-check-input"
                continue
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
