"""Forms of the ethics pages. They parse what a page posts; the rules (who may, which decisions, the
veto) live in ``services.ethics``, whose refusals come back on the field they name."""

from typing import Any, cast

from django import forms
from django.utils.translation import gettext_lazy as _

from medtalent.core.forms import StyledFormMixin
from medtalent.people.models import Institution

from .models import EthicsKind, EthicsRecord, EthicsSeverity, EthicsStatus
from .services.ethics import DESCRIPTION_MAX_CHARS, NOTE_MAX_CHARS, next_statuses


class EthicsRecordForm(StyledFormMixin, forms.Form):
    kind = forms.ChoiceField(label=_("Kind"), choices=EthicsKind.choices)
    severity = forms.ChoiceField(
        label=_("Severity"),
        choices=EthicsSeverity.choices,
        help_text=_("A confirmed serious violation vetoes awards, scholarships and talent selection."),
    )
    occurred_on = forms.DateField(
        label=_("Date of the event"), widget=forms.DateInput(attrs={"type": "date"})
    )
    title = forms.CharField(label=_("Title"), max_length=200)
    description = forms.CharField(
        label=_("What happened"),
        required=False,
        max_length=DESCRIPTION_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class DecisionChoiceField(forms.ChoiceField):
    """Offers the moves the entry allows now, but accepts any status: a page opened before somebody else
    decided posts a move no longer offered, and the service answers that with 409 (changed meanwhile)
    rather than the form with "not a valid choice"."""

    def valid_value(self, value: Any) -> bool:
        return value in EthicsStatus.values


class EthicsDecisionForm(StyledFormMixin, forms.Form):
    """A programme officer's decision; the statuses offered are the moves the entry allows."""

    status = DecisionChoiceField(label=_("Decision"), choices=())
    severity = forms.ChoiceField(label=_("Severity as found"), choices=EthicsSeverity.choices)
    note = forms.CharField(
        label=_("Reason"),
        required=False,
        max_length=NOTE_MAX_CHARS,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Required to confirm, dismiss or re-open. The trainee and their mentors read it."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)

    def __init__(self, *args: Any, record: EthicsRecord, **kwargs: Any) -> None:
        kwargs.setdefault("initial", {"severity": record.severity, "version": record.version})
        super().__init__(*args, **kwargs)
        labels = {
            EthicsStatus.UNDER_REVIEW: _("Re-open for review")
            if record.status in (EthicsStatus.CONFIRMED, EthicsStatus.DISMISSED)
            else _("Take under review"),
            EthicsStatus.CONFIRMED: _("Confirm"),
            EthicsStatus.DISMISSED: _("Dismiss"),
        }
        field = cast(forms.ChoiceField, self.fields["status"])
        field.choices = [(status, labels[EthicsStatus(status)]) for status in next_statuses(record)]


class EthicsPolicyForm(StyledFormMixin, forms.Form):
    institution = forms.ModelChoiceField(label=_("Institution"), queryset=Institution.objects.none())
    veto_months = forms.IntegerField(
        label=_("Months of ineligibility"),
        min_value=1,
        max_value=120,
        help_text=_("Counted from the date of the event. Vetoes already decided keep their end date."),
    )

    def __init__(self, *args: Any, institutions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["institution"]).queryset = institutions
