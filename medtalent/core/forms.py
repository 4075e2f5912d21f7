"""Turning domain errors into form errors: the page shows them where the API would name the field."""

from collections.abc import Iterable

from django import forms
from django.core.exceptions import ValidationError

from .errors import ApplicationError


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
            css = "form-select" if isinstance(widget, forms.Select) else "form-control"
            widget.attrs["class"] = f"{widget.attrs.get('class', '')} {css}".strip()
