"""The assessment form, built from an instrument version's definition, and the workflow's small forms.

The form only collects answers; ``scoring.score_answers`` (through the services) checks them, and its
errors (``scores.<item>``, ``details.<field>``) come back onto the inputs by ``add_answer_errors``.
"""

import uuid
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from medtalent.core.errors import ApplicationError
from medtalent.core.forms import StyledFormMixin, add_service_error
from medtalent.people.models import FacultyProfile, Person, TraineeLevel

from .labels import CHOICE_LABELS
from .models import Assessment, Instrument, InstrumentKind
from .scoring import field_label, label

SCORE = "score__"
DETAIL = "detail__"
# Shown open on the phone; the instrument's other context fields fold under "More details".
PRIMARY_FIELDS = {
    "setting",
    "complexity",
    "procedure",
    "observation_minutes",
    "feedback_minutes",
    "strengths",
    "improvements",
}
MINUTE_CHOICES = (5, 10, 15, 20, 30)
NOT_APPLICABLE = "na"

TRAINEE_TYPE_OF_LEVEL = {
    TraineeLevel.RESIDENT: "resident",
    TraineeLevel.PROFESSIONAL_MASTER: "postgraduate",
    TraineeLevel.ACADEMIC_MASTER: "postgraduate",
    TraineeLevel.DOCTORAL: "postgraduate",
    TraineeLevel.UNDERGRADUATE: "intern",
}
ASSESSOR_TITLE_OF_CLINICAL_TITLE = {
    FacultyProfile.ClinicalTitle.CHIEF: "senior",
    FacultyProfile.ClinicalTitle.ASSOCIATE_CHIEF: "senior",
    FacultyProfile.ClinicalTitle.ATTENDING: "intermediate",
    FacultyProfile.ClinicalTitle.RESIDENT_PHYSICIAN: "junior",
}


def _band_css(value: str, bands: list[dict[str, Any]]) -> str:
    if value == NOT_APPLICABLE:
        return "na"
    if not bands:
        return "band-high"
    number = int(value)
    if number <= bands[0]["max"]:
        return "band-low"
    return "band-high" if number >= bands[-1]["min"] else "band-mid"


def _choice_label(code: str) -> str:
    return str(CHOICE_LABELS.get(code, code))


class AnswerForm(forms.Form):
    """One instrument version's items and fields, plus the date observed and the form's one-time key."""

    performed_on = forms.DateField(label=_("Date observed"), widget=forms.DateInput(attrs={"type": "date"}))
    submission_key = forms.UUIDField(widget=forms.HiddenInput, required=False)

    def __init__(self, *args: Any, kind: str, definition: dict[str, Any], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = kind
        self.definition = definition
        self.fields["performed_on"].widget.attrs["class"] = "form-control"
        if kind == InstrumentKind.RATING_SCALE:
            scale = definition["scale"]
            choices = [(str(value), str(value)) for value in range(int(scale["min"]), int(scale["max"]) + 1)]
            if scale.get("not_applicable_allowed", True):
                choices.append((NOT_APPLICABLE, str(_("N/A"))))
            for item in definition["items"]:
                self.fields[SCORE + item["code"]] = forms.ChoiceField(
                    label=label(item), choices=choices, required=False, widget=forms.RadioSelect
                )
        else:
            parts = definition["sections"] if kind == InstrumentKind.POINTS else definition["components"]
            for part in parts:
                self.fields[SCORE + part["code"]] = forms.DecimalField(
                    label=label(part),
                    required=False,
                    min_value=0,
                    max_value=part["points"],
                    decimal_places=1,
                    help_text=_("of %(points)s") % {"points": part["points"]},
                    widget=forms.NumberInput(
                        attrs={"step": "0.5", "class": "form-control", "inputmode": "decimal"}
                    ),
                )
        for entry in [*definition.get("context_fields", []), *definition.get("extra_fields", [])]:
            self.fields[DETAIL + entry["code"]] = self._detail_field(entry)

    @staticmethod
    def _detail_field(entry: dict[str, Any]) -> forms.Field:
        name = field_label(entry)
        if "choices" in entry:
            choices = [(choice, _choice_label(choice)) for choice in entry["choices"]]
            if entry.get("multiple"):
                return forms.MultipleChoiceField(
                    label=name, choices=choices, required=False, widget=forms.CheckboxSelectMultiple
                )
            return forms.ChoiceField(label=name, choices=choices, required=False, widget=forms.RadioSelect)
        if entry.get("type") == "int":
            attrs = {"class": "form-control", "inputmode": "numeric"}
            if entry.get("min") is not None:
                attrs["min"] = entry["min"]
            if entry.get("max") is not None:
                attrs["max"] = entry["max"]
            return forms.IntegerField(label=name, required=False, widget=forms.NumberInput(attrs=attrs))
        return forms.CharField(
            label=name,
            required=False,
            max_length=2000,
            widget=forms.Textarea(attrs={"rows": 2, "class": "form-control"}),
        )

    # --- what templates draw ---

    def score_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith(SCORE)]

    def score_items(self) -> list[dict[str, Any]]:
        """Each rated item with its options as segmented buttons, coloured by the scale's bands."""
        bands = sorted(self.definition.get("scale", {}).get("bands", []), key=lambda band: band["min"])
        rows = []
        for field in self.score_fields():
            current = str(field.value() or "")
            options = []
            for value, text in field.field.choices:  # type: ignore[attr-defined]
                options.append(
                    {
                        "value": value,
                        "label": text,
                        "id": f"{field.auto_id}_{value}",
                        "checked": current == str(value),
                        "css": _band_css(value, bands),
                    }
                )
            rows.append({"field": field, "options": options})
        return rows

    def detail_fields(self, *, primary: bool) -> list[forms.BoundField]:
        chosen = []
        for entry in [*self.definition.get("context_fields", []), *self.definition.get("extra_fields", [])]:
            is_primary = entry["code"] in PRIMARY_FIELDS or bool(entry.get("required"))
            if is_primary == primary:
                field = self[DETAIL + entry["code"]]
                field.is_minutes = entry["code"].endswith("_minutes")  # type: ignore[attr-defined]
                field.is_chips = "choices" in entry  # type: ignore[attr-defined]
                chosen.append(field)
        return chosen

    def primary_details(self) -> list[forms.BoundField]:
        return self.detail_fields(primary=True)

    def more_details(self) -> list[forms.BoundField]:
        return self.detail_fields(primary=False)

    # --- answers to the service ---

    def answers(self) -> tuple[dict[str, Any], dict[str, Any]]:
        """The raw answers by item and field code (the service validates them)."""
        data: Any = self.data
        scores: dict[str, Any] = {}
        details: dict[str, Any] = {}
        for name, field in self.fields.items():
            if name.startswith(SCORE):
                value = data.get(self.add_prefix(name), "")
                scores[name.removeprefix(SCORE)] = None if value in ("", NOT_APPLICABLE) else value
            elif name.startswith(DETAIL):
                if isinstance(field, forms.MultipleChoiceField):
                    value = data.getlist(self.add_prefix(name))
                else:
                    value = data.get(self.add_prefix(name), "")
                if value not in ("", []):
                    details[name.removeprefix(DETAIL)] = value
        return scores, details


def answer_initial(
    assessment: Assessment | None, *, trainee: Any = None, assessor: Person | None = None
) -> dict[str, Any]:
    """What the form starts with: a fresh one-time key, today, and what the records already say
    (the trainee's type, the assessor's title); an existing assessment's own answers when amending."""
    initial: dict[str, Any] = {"submission_key": uuid.uuid4(), "performed_on": timezone.localdate()}
    if assessment is not None and assessment.performed_on:
        initial["performed_on"] = assessment.performed_on
        for code, value in assessment.scores.items():
            initial[SCORE + code] = NOT_APPLICABLE if value is None else _number_text(value)
        for code, value in assessment.details.items():
            initial[DETAIL + code] = value
        return initial
    if trainee is not None and trainee.level in TRAINEE_TYPE_OF_LEVEL:
        initial[DETAIL + "trainee_type"] = TRAINEE_TYPE_OF_LEVEL[trainee.level]
    faculty = getattr(assessor, "faculty_profile", None) if assessor is not None else None
    if faculty is not None and faculty.clinical_title in ASSESSOR_TITLE_OF_CLINICAL_TITLE:
        initial[DETAIL + "assessor_title"] = ASSESSOR_TITLE_OF_CLINICAL_TITLE[faculty.clinical_title]
    return initial


def _number_text(value: Any) -> str:
    return str(int(value)) if float(value).is_integer() else str(value)


def add_answer_errors(form: forms.Form, error: ApplicationError | ValidationError) -> None:
    """Service errors onto the inputs: ``scores.x`` on ``score__x``, ``details.x`` on ``detail__x``."""
    if isinstance(error, ValidationError) and hasattr(error, "error_dict"):
        renamed = {}
        for key, messages in error.message_dict.items():
            name = key.replace("scores.", SCORE, 1).replace("details.", DETAIL, 1)
            renamed[name if name in form.fields else key] = messages
        error = ValidationError(renamed)
    add_service_error(form, error)


class RequestForm(StyledFormMixin, forms.Form):
    instrument = forms.ModelChoiceField(label=_("Assessment"), queryset=Instrument.objects.none())
    assessor = forms.ModelChoiceField(label=_("Assessor"), queryset=Person.objects.none())
    due_on = forms.DateField(
        label=_("Needed by"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label=_("Note to the assessor"), required=False, max_length=300)

    def __init__(self, *args: Any, instruments: Any, assessors: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        instrument_field: Any = self.fields["instrument"]
        assessor_field: Any = self.fields["assessor"]
        instrument_field.queryset = instruments
        assessor_field.queryset = assessors
        assessor_field.label_from_instance = lambda person: person.display_name


class AcknowledgeForm(StyledFormMixin, forms.Form):
    reflection = forms.CharField(
        label=_("Your reflection"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        help_text=_("What went well, what you will do differently, and what you will practise next."),
    )


class ReasonForm(StyledFormMixin, forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, widget=forms.Textarea(attrs={"rows": 2}))
