"""Forms of the logbook pages. They parse what a page posts; the rules (which items, which supervisors,
which dates, who may) live in ``services.logbook``, whose refusals come back on the field they name."""

import datetime
from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from medtalent.core.forms import StyledFormMixin

from .models import Instrument, LogbookItem, LogbookKind, LogbookRole


def _display_name(person: Any) -> str:
    return str(person.display_name)


class LogbookEntryForm(StyledFormMixin, forms.Form):
    """Four taps on a phone: the item, the date (today already), the role, the supervisor."""

    item = forms.ModelChoiceField(label=_("Disease or procedure"), queryset=LogbookItem.objects.none())
    performed_on = forms.DateField(
        label=_("Date"), widget=forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
    )
    role = forms.ChoiceField(
        label=_("Your role"),
        choices=LogbookRole.choices,
        initial=LogbookRole.PERFORMED,
        widget=forms.RadioSelect,
    )
    supervisor = forms.ModelChoiceField(label=_("Supervising teacher"), queryset=LogbookItem.objects.none())
    patient_reference = forms.CharField(
        label=_("Bed or record number"),
        max_length=40,
        required=False,
        help_text=_("Never the patient's name."),
    )
    note = forms.CharField(label=_("Note"), max_length=300, required=False)

    def __init__(self, *args: Any, items: Any, supervisors: Any, today: datetime.date, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {})
        kwargs["initial"].setdefault("performed_on", today)
        super().__init__(*args, **kwargs)
        item_field = cast(forms.ModelChoiceField, self.fields["item"])
        item_field.queryset = items
        # Cases and procedures apart, as the paper logbook has them.
        groups: dict[str, list[tuple[int, str]]] = {}
        for item in items:
            groups.setdefault(item.kind, []).append((item.pk, item.name))
        self.item_count = sum(len(choices) for choices in groups.values())
        item_field.choices = [("", "—")] + [
            (LogbookKind(kind).label, choices) for kind, choices in groups.items()
        ]
        supervisor_field = cast(forms.ModelChoiceField, self.fields["supervisor"])
        supervisor_field.queryset = supervisors
        supervisor_field.empty_label = "—"
        supervisor_field.label_from_instance = _display_name  # type: ignore[method-assign,assignment]
        self.fields["performed_on"].widget.attrs["max"] = today.isoformat()
        self.fields["role"].widget.attrs.pop("class", None)


class LogbookItemForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=LogbookKind.choices)
    code = forms.SlugField(label=_("Code"), max_length=60, help_text=_("Letters, digits and underscores."))
    name_zh = forms.CharField(label=_("Name (Chinese)"), max_length=120)
    name_en = forms.CharField(label=_("Name (English)"), max_length=160, required=False)
    minimum = forms.IntegerField(label=_("Minimum per rotation"), min_value=0, max_value=500, initial=0)
    standard = forms.ModelChoiceField(
        label=_("Only for the standard"),
        queryset=LogbookItem.objects.none(),
        required=False,
        empty_label=_("Every trainee"),
    )
    dops_instrument = forms.ModelChoiceField(
        label=_("Ask the supervisor for"),
        queryset=Instrument.objects.none(),
        required=False,
        empty_label=_("No assessment"),
        help_text=_("Procedures only: logging one performed requests this assessment."),
    )
    is_active = forms.BooleanField(label=_("In use"), required=False, initial=True)

    def __init__(self, *args: Any, standards: Any, instruments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["standard"]).queryset = standards
        cast(forms.ModelChoiceField, self.fields["dops_instrument"]).queryset = instruments
        self.fields["is_active"].widget.attrs["class"] = "form-check-input"

    @staticmethod
    def initial_of(item: LogbookItem) -> dict[str, Any]:
        return {
            "kind": item.kind,
            "code": item.code,
            "name_zh": item.name_zh,
            "name_en": item.name_en,
            "minimum": item.minimum,
            "standard": item.standard_id,
            "dops_instrument": item.dops_instrument_id,
            "is_active": item.is_active,
        }
