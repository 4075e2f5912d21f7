"""Forms of the instrument builder. They only parse: the rules live in
``services.instruments.instrument_definition_validate``, whose problems ``InstrumentEditor.add_problems``
puts on the row and field they concern."""

import copy
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, cast

from django import forms
from django.forms import formset_factory
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from medtalent.core.forms import StyledFormMixin
from medtalent.people.models import Institution

from .labels import FIELD_LABELS
from .models import InstrumentKind, InstrumentVersion
from .services.instruments import (
    BUILDABLE_KINDS,
    FIELD_SECTIONS,
    DefinitionProblem,
    definition_digest,
)

# Options of a field: one per line, or separated by commas (also the Chinese ones) or semicolons.
CHOICE_SEPARATORS = re.compile(r"\s*[\n,;，、；]\s*")
FIELD_TYPE_CHOICES = (
    ("text", _("Text")),
    ("int", _("Whole number")),
    ("choice", _("Options")),
)


class InstrumentForm(StyledFormMixin, forms.Form):
    """What a new instrument is: where, its code, kind and names. Its content is the builder's."""

    institution = forms.ModelChoiceField(label=_("Institution"), queryset=Institution.objects.none())
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[(kind.value, kind.label) for kind in BUILDABLE_KINDS],
        help_text=_("A rating scale scores items on one scale (the mean); points add up sections."),
    )
    code = forms.CharField(
        label=_("Code"),
        max_length=40,
        help_text=_("Lower-case letters, digits and underscores, e.g. handover_quality."),
    )
    name_zh = forms.CharField(label=_("Name (Chinese)"), max_length=120)
    name_en = forms.CharField(label=_("Name (English)"), max_length=160, required=False)

    def __init__(self, *args: Any, institutions: Any, everyone_allowed: bool, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.ModelChoiceField, self.fields["institution"])
        field.queryset = institutions
        # Platform administrators may also add an instrument for every institution.
        field.required = not everyone_allowed
        field.empty_label = str(_("Every institution")) if everyone_allowed else "—"


class ScaleForm(StyledFormMixin, forms.Form):
    """The rating scale's settings, and the version the editor opened (to catch a stale save)."""

    scale_min = forms.IntegerField(label=_("Lowest score"), required=False)
    scale_max = forms.IntegerField(label=_("Highest score"), required=False)
    not_applicable_allowed = forms.BooleanField(label=_("N/A allowed"), required=False)
    number = forms.IntegerField(widget=forms.HiddenInput, required=False)
    digest = forms.CharField(widget=forms.HiddenInput, required=False, max_length=64)


class _NamedRowForm(StyledFormMixin, forms.Form):
    code = forms.CharField(label=_("Code"), max_length=40, required=False)
    zh = forms.CharField(label=_("Chinese"), max_length=200, required=False)
    en = forms.CharField(label=_("English"), max_length=200, required=False)

    def names(self) -> dict[str, Any]:
        data = self.cleaned_data
        value: dict[str, Any] = {"code": data["code"].strip()} if "code" in self.fields else {}
        for language in ("zh", "en"):
            if data[language].strip():
                value[language] = data[language].strip()
        return value


def _number(value: Decimal | int | None) -> int | float | None:
    """A form's number as JSON keeps it: whole numbers as integers."""
    if value is None:
        return None
    return int(value) if value == int(value) else float(value)


class ItemForm(_NamedRowForm):
    required = forms.BooleanField(label=_("Required"), required=False)

    def value(self) -> dict[str, Any]:
        value = self.names()
        if self.cleaned_data["required"]:
            value["required"] = True
        return value


class SectionForm(_NamedRowForm):
    points = forms.DecimalField(label=_("Points"), required=False, decimal_places=1, max_digits=6)

    def value(self) -> dict[str, Any]:
        return {**self.names(), "points": _number(self.cleaned_data["points"])}


class BandForm(_NamedRowForm):
    field_order = ("min", "max", "zh", "en")
    min = forms.IntegerField(label=pgettext_lazy("lowest score of a band", "From"), required=False)
    max = forms.IntegerField(label=_("To"), required=False)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["code"]

    def value(self) -> dict[str, Any]:
        return {"min": self.cleaned_data["min"], "max": self.cleaned_data["max"], **self.names()}


class GradeForm(_NamedRowForm):
    field_order = ("min", "zh", "en")
    min = forms.DecimalField(label=_("From (points)"), required=False, decimal_places=1, max_digits=6)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        del self.fields["code"]

    def value(self) -> dict[str, Any]:
        return {"min": _number(self.cleaned_data["min"]), **self.names()}


class FieldForm(_NamedRowForm):
    """A prompt or field the assessor fills in besides the scores: free text, a number or options."""

    type = forms.ChoiceField(label=_("Type"), choices=FIELD_TYPE_CHOICES, initial="text")
    choices = forms.CharField(
        label=_("Options"),
        required=False,
        max_length=2000,
        help_text=_("Separated by commas or one per line."),
    )
    multiple = forms.BooleanField(label=_("Several answers"), required=False)
    min = forms.IntegerField(label=_("Smallest"), required=False)
    max = forms.IntegerField(label=_("Largest"), required=False)
    required = forms.BooleanField(label=_("Required"), required=False)
    # Context fields (about the encounter) come first on the form; new prompts are extra fields.
    group = forms.ChoiceField(
        choices=[(section, section) for section in FIELD_SECTIONS],
        initial="extra_fields",
        widget=forms.HiddenInput,
    )

    def value(self) -> dict[str, Any]:
        """The field as a definition stores it: only the keys that apply to its type."""
        data = self.cleaned_data
        value = self.names()
        if data["type"] == "choice":
            value["choices"] = [
                choice for choice in CHOICE_SEPARATORS.split(data["choices"].strip()) if choice
            ]
            if data["multiple"]:
                value["multiple"] = True
        else:
            value["type"] = data["type"]
            if data["type"] == "int":
                for key in ("min", "max"):
                    if data[key] is not None:
                        value[key] = data[key]
        if data["required"]:
            value["required"] = True
        return value


def field_initial(entry: dict[str, Any], group: str) -> dict[str, Any]:
    """A definition's field as the row shows it."""
    kind = "choice" if "choices" in entry else entry.get("type") if entry.get("type") == "int" else "text"
    return {
        "code": entry.get("code", ""),
        "zh": entry.get("zh", ""),
        "en": entry.get("en", ""),
        "type": kind,
        "choices": ", ".join(entry.get("choices", [])),
        "multiple": bool(entry.get("multiple")),
        "min": entry.get("min"),
        "max": entry.get("max"),
        "required": bool(entry.get("required")),
        "group": group,
    }


class _RowsFormSet(forms.BaseFormSet):
    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        form.fields["DELETE"].label = _("Remove")


def _formset(form: type[forms.Form]) -> type[forms.BaseFormSet]:
    return formset_factory(form, formset=_RowsFormSet, extra=1, can_delete=True, max_num=60, absolute_max=60)


ItemFormSet = _formset(ItemForm)
SectionFormSet = _formset(SectionForm)
BandFormSet = _formset(BandForm)
GradeFormSet = _formset(GradeForm)
FieldFormSet = _formset(FieldForm)

# What a new instrument starts with: a 1-5 scale with N/A, and the two prompts every feedback form has.
NEW_RATING_SCALE = {
    "scale": {"min": 1, "max": 5, "not_applicable_allowed": True, "bands": []},
    "items": [],
    "extra_fields": [
        {"code": "strengths", "zh": "优点", "en": "Strengths", "type": "text"},
        {"code": "improvements", "zh": "待改进", "en": "Points to improve", "type": "text"},
    ],
}
NEW_POINTS = {"sections": [], "grading": [], "extra_fields": NEW_RATING_SCALE["extra_fields"]}


@dataclass
class RowsBlock:
    """One list of rows on the builder's page."""

    key: str
    # The kind of instrument the list belongs to; empty for both.
    kind: str
    title: Any
    help_text: Any
    add_label: Any
    formset: forms.BaseFormSet
    errors: list[str]


def new_definition(kind: str) -> dict[str, Any]:
    return copy.deepcopy(NEW_POINTS if kind == InstrumentKind.POINTS else NEW_RATING_SCALE)


class InstrumentEditor:
    """The builder: the scale's settings and the formsets of rows, edited as one.

    ``base`` is the definition being edited (the current version's, or a new instrument's start): the
    keys the builder does not show (a source, a note on the scale) are kept as they are.
    """

    def __init__(
        self, *, kind: str, base: dict[str, Any], version: InstrumentVersion | None = None, data: Any = None
    ) -> None:
        self.kind = kind
        self.base = base
        scale = base.get("scale") or {}
        self.form = ScaleForm(
            data,
            initial={
                "scale_min": scale.get("min"),
                "scale_max": scale.get("max"),
                "not_applicable_allowed": scale.get("not_applicable_allowed", True),
                "number": version.number if version else None,
                "digest": definition_digest(version.definition) if version else "",
            },
        )

        # Rows come from the definition when the page is drawn, and from the posted rows alone when it
        # is sent: a posted blank row then counts as blank, whatever row the definition had there.
        def rows(values: list[dict[str, Any]]) -> list[dict[str, Any]] | None:
            return None if data is not None else values

        self.items = ItemFormSet(data, initial=rows(base.get("items", [])), prefix="items")
        self.sections = SectionFormSet(data, initial=rows(base.get("sections", [])), prefix="sections")
        self.bands = BandFormSet(data, initial=rows(scale.get("bands", [])), prefix="bands")
        self.grading = GradeFormSet(data, initial=rows(base.get("grading", [])), prefix="grading")
        self.fields = FieldFormSet(
            data,
            initial=rows(
                [
                    field_initial(entry, section)
                    for section in FIELD_SECTIONS
                    for entry in base.get(section, [])
                ]
            ),
            prefix="fields",
        )
        # Messages about a whole list ("add at least one item"), shown above its rows.
        self.section_errors: dict[str, list[str]] = {}
        self._rows: dict[str, list[forms.Form]] = {}

    def blocks(self) -> list[RowsBlock]:
        """The lists of rows in page order, each with the messages about it as a whole."""
        rating, points = InstrumentKind.RATING_SCALE.value, InstrumentKind.POINTS.value
        blocks = [
            RowsBlock(
                "items",
                rating,
                _("Items"),
                _("What the assessor rates on the scale, in the order of the form."),
                _("Add an item"),
                self.items,
                [],
            ),
            RowsBlock(
                "bands",
                rating,
                _("Bands"),
                _("Name ranges of the scale, e.g. 1–3 unsatisfactory. The lowest band flags low scores."),
                _("Add a band"),
                self.bands,
                [],
            ),
            RowsBlock(
                "sections",
                points,
                _("Sections"),
                _("What the assessor scores in points, in steps of 0.5; the total is their sum."),
                _("Add a section"),
                self.sections,
                [],
            ),
            RowsBlock(
                "grading",
                points,
                _("Grades"),
                _("From the highest threshold down; the last grade is a fail."),
                _("Add a grade"),
                self.grading,
                [],
            ),
            RowsBlock(
                "fields",
                "",
                _("Prompts and fields"),
                _("Free-text prompts such as strengths and points to improve, numbers and options."),
                _("Add a prompt or field"),
                self.fields,
                [],
            ),
        ]
        for block in blocks:
            block.errors = self.section_errors.get(block.key, [])
        return blocks

    @property
    def is_rating_scale(self) -> bool:
        return self.kind == InstrumentKind.RATING_SCALE

    def formsets(self) -> list[forms.BaseFormSet]:
        if self.is_rating_scale:
            return [self.items, self.bands, self.fields]
        return [self.sections, self.grading, self.fields]

    def is_valid(self) -> bool:
        valid = all([self.form.is_valid(), *[formset.is_valid() for formset in self.formsets()]])
        if valid:
            for formset in self.formsets():
                self._rows[str(formset.prefix)] = self._kept(formset)
            fields = self._rows["fields"]
            for section in FIELD_SECTIONS:
                self._rows[section] = [form for form in fields if form.cleaned_data["group"] == section]
        return valid

    @staticmethod
    def _kept(formset: forms.BaseFormSet) -> list[forms.Form]:
        """The rows to save, in order: filled in and not marked for removal."""
        return [form for form in formset.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]

    def _values(self, prefix: str) -> list[dict[str, Any]]:
        return [cast(Any, form).value() for form in self._rows[prefix]]

    def definition(self) -> dict[str, Any]:
        """The definition the rows describe, on top of the one being edited."""
        definition = copy.deepcopy(self.base)
        if self.is_rating_scale:
            data = self.form.cleaned_data
            scale = dict(definition.get("scale") or {})
            scale.update(
                min=data["scale_min"],
                max=data["scale_max"],
                not_applicable_allowed=data["not_applicable_allowed"],
            )
            bands = self._values("bands")
            if bands or "bands" in scale:
                scale["bands"] = bands
            definition["scale"] = scale
            definition["items"] = self._values("items")
        else:
            definition["sections"] = self._values("sections")
            grading = self._values("grading")
            if grading or "grading" in definition:
                definition["grading"] = grading
        for section in FIELD_SECTIONS:
            rows = self._values(section)
            if rows or section in definition:
                definition[section] = rows
        return definition

    @property
    def expected_number(self) -> int:
        return self.form.cleaned_data.get("number") or 0

    @property
    def expected_digest(self) -> str | None:
        return self.form.cleaned_data.get("digest") or None

    def add_problems(self, problems: list[DefinitionProblem]) -> None:
        """Each problem on the row and field its path names; the rest above its list or the form."""
        scale_fields = {
            "min": "scale_min",
            "max": "scale_max",
            "not_applicable_allowed": "not_applicable_allowed",
        }
        for problem in problems:
            path = list(problem.path)
            if path[:2] == ["scale", "bands"]:
                path = path[1:]
            elif path[:1] == ["scale"] and len(path) == 2 and path[1] in scale_fields:
                self.form.add_error(scale_fields[str(path[1])], problem.message)
                continue
            section, index, name = (*path, None, None, None)[:3]
            rows = self._rows.get(str(section))
            if rows is not None and isinstance(index, int) and index < len(rows):
                form = rows[index]
                form.add_error(str(name) if name in form.fields else None, problem.message)
            elif rows is not None and index is None:
                key = "fields" if section in FIELD_SECTIONS else str(section)
                self.section_errors.setdefault(key, []).append(problem.message)
            else:
                self.form.add_error(None, problem.message)

    def mark_invalid_fields(self) -> None:
        """Bootstrap's red outline on every field with an error."""
        for form in [self.form, *[row for formset in self.formsets() for row in formset.forms]]:
            for name in form.errors:
                if name in form.fields:
                    widget = form.fields[name].widget
                    widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


def placeholder_names(editor: InstrumentEditor) -> None:
    """Fields MedTalent names itself (``strengths``) show that name where their own is empty."""
    for form in editor.fields.forms:
        code = (form.initial or {}).get("code", "")
        if code in FIELD_LABELS:
            for language in ("zh", "en"):
                form.fields[language].widget.attrs["placeholder"] = str(FIELD_LABELS[code])
