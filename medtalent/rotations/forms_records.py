"""Forms of the programme office's rotation records: enrolment, leave, research months and places.

They parse what a page posts; the rules (overlaps, windows, who may) live in ``services.records``, whose
refusals come back on the field they name.
"""

import datetime
from typing import Any, cast

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from medtalent.core.forms import StyledFormMixin
from medtalent.people.models import Department, Person, TraineeProfile

from .models import MAX_LEAVE_MONTHS, Leave, RotationStandard
from .months import parse_month
from .services.records import MAX_PLACES, MAX_RESEARCH_STUDENTS


class MonthField(forms.CharField):
    """A calendar month, typed ``YYYY-MM`` (the browser's month picker sends that); cleans to its 1st."""

    widget = forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM"})

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)  # no max_length: its validator would run on the cleaned date

    def prepare_value(self, value: Any) -> Any:
        return f"{value:%Y-%m}" if isinstance(value, datetime.date) else value

    def to_python(self, value: Any) -> datetime.date | None:  # type: ignore[override]
        text = super().to_python(value)
        if not text:
            return None
        month = parse_month(text)
        if month is None:
            raise ValidationError(_("Enter a month as YYYY-MM, for example 2026-09."), code="invalid_month")
        return month


def _choices(form: forms.Form, name: str, queryset: Any) -> None:
    cast(forms.ModelChoiceField, form.fields[name]).queryset = queryset


class EnrolmentForm(StyledFormMixin, forms.Form):
    standard = forms.ModelChoiceField(label=_("Rotation standard"), queryset=RotationStandard.objects.none())
    start_month = MonthField(label=_("First month"))

    def __init__(self, *args: Any, standards: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "standard", standards)


class TraineeChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        number = f" · {obj.student_number}" if obj.student_number else ""
        return f"{obj.person.display_name} · {obj.cohort}{number}"


class NewEnrolmentForm(EnrolmentForm):
    trainee = TraineeChoiceField(label=_("Trainee"), queryset=TraineeProfile.objects.none())
    field_order = ["trainee", "standard", "start_month"]

    def __init__(self, *args: Any, trainees: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "trainee", trainees)


class LeaveForm(StyledFormMixin, forms.Form):
    start_month = MonthField(label=_("First month"))
    months = forms.IntegerField(label=_("Months"), min_value=1, max_value=MAX_LEAVE_MONTHS, initial=1)
    reason = forms.ChoiceField(label=_("Reason"), choices=Leave.Reason.choices)
    note = forms.CharField(label=_("Note"), max_length=300, required=False)


class ResearchWindowForm(StyledFormMixin, forms.Form):
    mentor = forms.ModelChoiceField(label=_("Mentor"), queryset=Person.objects.none())
    months = forms.IntegerField(label=_("Research months"), min_value=1, max_value=36, initial=3)
    earliest_start = forms.IntegerField(
        label=_("Earliest start"),
        min_value=0,
        max_value=120,
        initial=12,
        help_text=_("Months after the start."),
    )
    latest_end = forms.IntegerField(
        label=_("Latest end"), min_value=1, max_value=120, initial=30, help_text=_("Months after the start.")
    )

    def __init__(self, *args: Any, mentors: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "mentor", mentors)


class MentorCapacityForm(StyledFormMixin, forms.Form):
    mentor = forms.ModelChoiceField(label=_("Mentor"), queryset=Person.objects.none())
    concurrent_students = forms.IntegerField(
        label=_("Students at the same time"),
        min_value=0,
        max_value=MAX_RESEARCH_STUDENTS,
        help_text=_("On research months in the same month, across all their students."),
    )

    def __init__(self, *args: Any, mentors: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "mentor", mentors)


class CapacityForm(StyledFormMixin, forms.Form):
    department = forms.ModelChoiceField(label=_("Department"), queryset=Department.objects.none())
    first_month = MonthField(label=_("From"))
    last_month = MonthField(label=_("Until"))
    maximum = forms.IntegerField(
        label=_("Most trainees"),
        min_value=0,
        max_value=MAX_PLACES,
        required=False,
    )
    minimum = forms.IntegerField(
        label=_("Fewest needed"), min_value=0, max_value=MAX_PLACES, initial=0, required=False
    )

    def __init__(self, *args: Any, departments: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _choices(self, "department", departments)
