from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from medtalent.core.forms import StyledFormMixin
from medtalent.people.models import Person

from .models import EvidenceKind, PlanStage, PlanStatus, Programme

CLOSING_STATUSES = (PlanStatus.COMPLETED, PlanStatus.WITHDRAWN)

DATE_INPUT = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class VersionedForm(StyledFormMixin, forms.Form):
    """Every write names the version the user read, so a stale one answers 409 and saves nothing."""

    version = forms.IntegerField(widget=forms.HiddenInput, min_value=1)


class MentorChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.display_name


class PlanForm(StyledFormMixin, forms.Form):
    programme = forms.ModelChoiceField(queryset=Programme.objects.none(), label=_("Programme"))
    start_date = forms.DateField(label=_("Start date"), widget=DATE_INPUT)
    school_mentor = MentorChoiceField(
        queryset=Person.objects.none(), label=_("School mentor"), required=False
    )
    hospital_mentor = MentorChoiceField(
        queryset=Person.objects.none(), label=_("Hospital mentor"), required=False
    )
    goals = forms.CharField(
        label=_("Individual goals"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )

    def __init__(self, *args: Any, programmes: QuerySet[Programme], mentors: QuerySet[Person], **kwargs: Any):
        super().__init__(*args, **kwargs)
        programme_field: Any = self.fields["programme"]
        programme_field.queryset = programmes
        for name in ("school_mentor", "hospital_mentor"):
            field: Any = self.fields[name]
            field.queryset = mentors
            field.help_text = _("One of the trainee's current mentors (record a mentorship to add one).")


class PlanEditForm(VersionedForm):
    start_date = forms.DateField(label=_("Start date"), widget=DATE_INPUT)
    school_mentor = MentorChoiceField(queryset=Person.objects.none(), label=_("School mentor"))
    hospital_mentor = MentorChoiceField(queryset=Person.objects.none(), label=_("Hospital mentor"))
    goals = forms.CharField(
        label=_("Individual goals"), required=False, max_length=4000, widget=forms.Textarea(attrs={"rows": 5})
    )

    def __init__(self, *args: Any, mentors: QuerySet[Person], is_draft: bool, **kwargs: Any):
        super().__init__(*args, **kwargs)
        for name in ("school_mentor", "hospital_mentor"):
            field: Any = self.fields[name]
            field.queryset = mentors
        if not is_draft:
            self.fields["start_date"].disabled = True
            self.fields["start_date"].help_text = _(
                "Fixed once the plan is sent for signatures; move single due dates instead."
            )


class EvidenceKindsField(forms.MultipleChoiceField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            choices=EvidenceKind.choices,
            widget=forms.CheckboxSelectMultiple,
            required=False,
            label=_("Evidence it takes"),
            help_text=_("None ticked: any record may serve."),
            **kwargs,
        )


class MilestoneForm(VersionedForm):
    name = forms.CharField(label=_("Milestone"), max_length=160)
    due_date = forms.DateField(label=_("Due"), widget=DATE_INPUT)
    evidence_kinds = EvidenceKindsField()
    requires_evidence = forms.BooleanField(
        label=_("Evidence required (a mentor's confirmation alone is not enough)"),
        required=False,
        widget=forms.CheckboxInput(attrs={"class": "form-check-input"}),
    )


class MilestoneAddForm(MilestoneForm):
    stage = forms.ModelChoiceField(queryset=PlanStage.objects.none(), label=_("Stage"))
    field_order = ["stage", "name", "due_date", "evidence_kinds", "requires_evidence"]

    def __init__(self, *args: Any, stages: QuerySet[PlanStage], **kwargs: Any):
        super().__init__(*args, **kwargs)
        stage_field: Any = self.fields["stage"]
        stage_field.queryset = stages
        stage_field.label_from_instance = lambda stage: (
            f"{stage.display_name} ({stage.start_date:%Y-%m} – {stage.end_date:%Y-%m})"
        )


class MilestoneEditForm(MilestoneForm):
    note = forms.CharField(label=_("Note"), required=False, max_length=1000)


class EvidenceForm(StyledFormMixin, forms.Form):
    record = forms.CharField(label=_("Record"), max_length=40)

    def clean_record(self) -> tuple[str, int]:
        kind, _sep, record_id = self.cleaned_data["record"].partition(":")
        if kind not in EvidenceKind.values or not record_id.isdigit() or len(record_id) > 18:
            raise forms.ValidationError(_("Choose one of the records listed."))
        return kind, int(record_id)


class MilestoneDoneForm(VersionedForm):
    note = forms.CharField(
        label=_("What shows it is reached"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class ReasonForm(VersionedForm):
    reason = forms.CharField(label=_("Reason"), max_length=1000, widget=forms.Textarea(attrs={"rows": 2}))


class PlanCloseForm(ReasonForm):
    status = forms.ChoiceField(
        label=_("Close as"),
        choices=[(status, label) for status, label in PlanStatus.choices if status in CLOSING_STATUSES],
    )
