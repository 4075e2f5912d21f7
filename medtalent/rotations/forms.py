"""Forms of the standards pages. They only parse: the rules live in ``services.standard_edition_validate``,
whose problems ``EditionEditor.add_problems`` puts on the row and field they concern."""

import re
from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.forms import formset_factory
from django.http import HttpRequest
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from medtalent.core.api_types import MAX_ID
from medtalent.core.forms import StyledFormMixin
from medtalent.people.models import Department, Institution

from .models import DEFAULT_TOTAL_MONTHS, StandardEdition
from .services import EditionProblem

# Department codes in a group: separated by commas (also the Chinese ones), semicolons or spaces.
CODE_SEPARATORS = re.compile(r"[\s,;，、；]+")


class StandardForm(StyledFormMixin, forms.Form):
    institution = forms.ModelChoiceField(label=_("Training base"), queryset=Institution.objects.none())
    specialty = forms.SlugField(
        label=_("Specialty code"),
        max_length=60,
        help_text=_("Lower-case letters, digits and underscores, e.g. internal_medicine."),
    )
    name_zh = forms.CharField(label=_("Name (Chinese)"), max_length=120)
    name_en = forms.CharField(label=_("Name (English)"), max_length=160, required=False)

    def __init__(self, *args: Any, institutions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["institution"]).queryset = institutions


class EditionForm(StyledFormMixin, forms.Form):
    label = forms.CharField(
        label=_("Edition name"),
        max_length=120,
        required=False,
        help_text=_("For example “2022 national standard”."),
    )
    total_months = forms.IntegerField(label=_("Total months"), initial=DEFAULT_TOTAL_MONTHS)
    source = forms.CharField(
        label=_("Source"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("Where the figures come from."),
    )
    version = forms.IntegerField(widget=forms.HiddenInput, required=False)


class RequirementForm(StyledFormMixin, forms.Form):
    department = forms.ChoiceField(label=_("Department"))
    months = forms.IntegerField(label=_("Months"))
    max_segments = forms.IntegerField(label=_("Segments at most"), initial=1)
    min_segment_months = forms.IntegerField(label=_("Shortest segment (months)"), initial=1)
    earliest_start = forms.IntegerField(label=_("Earliest start"), required=False)
    latest_end = forms.IntegerField(label=_("Latest end"), required=False)
    confirmed = forms.BooleanField(label=_("Published figure"), required=False)

    def __init__(self, *args: Any, department_choices: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["department"]).choices = [("", "—"), *department_choices]

    def value(self) -> dict[str, Any]:
        """The requirement as an edition stores it: optional keys only when given."""
        data = self.cleaned_data
        value = {name: data[name] for name in ("department", "months", "max_segments", "min_segment_months")}
        for name in ("earliest_start", "latest_end"):
            if data.get(name) is not None:
                value[name] = data[name]
        if data.get("confirmed"):
            value["confirmed"] = True
        return value


class GroupForm(StyledFormMixin, forms.Form):
    departments = forms.CharField(
        label=_("Departments"), max_length=2000, help_text=_("Codes, separated by commas or spaces.")
    )
    months = forms.IntegerField(label=_("Months"))
    min_each = forms.IntegerField(label=_("Fewest months in each"), initial=1)
    max_each = forms.IntegerField(label=_("Most months in each"), initial=1)

    def value(self) -> dict[str, Any]:
        data = self.cleaned_data
        codes = [code for code in CODE_SEPARATORS.split(data["departments"]) if code]
        return {
            "departments": codes,
            "months": data["months"],
            "min_each": data["min_each"],
            "max_each": data["max_each"],
        }


class _RowsFormSet(forms.BaseFormSet):
    def add_fields(self, form: forms.Form, index: int | None) -> None:
        super().add_fields(form, index)
        form.fields["DELETE"].label = _("Remove")


RequirementFormSet = formset_factory(RequirementForm, formset=_RowsFormSet, extra=1, can_delete=True)
GroupFormSet = formset_factory(GroupForm, formset=_RowsFormSet, extra=1, can_delete=True)


def department_choices(
    departments: dict[str, Department], extra_codes: Iterable[str] = ()
) -> list[tuple[str, str]]:
    """Every department a standard can name, as “name (CODE)”, plus codes an edition names that no
    longer exist, so that the page shows the service's problem on them instead of losing them."""
    choices = [(code, f"{department.name} ({code})") for code, department in sorted(departments.items())]
    missing = [code for code in dict.fromkeys(extra_codes) if code not in departments]
    return choices + [(code, str(_("%(code)s (no such department)") % {"code": code})) for code in missing]


class EditionEditor:
    """The edition form and its two formsets, edited as one: parse, collect, and show problems."""

    def __init__(
        self,
        *,
        departments: dict[str, Department],
        data: Any = None,
        edition: StandardEdition | None = None,
    ) -> None:
        initial_requirements: list[dict[str, Any]] = []
        initial_groups: list[dict[str, Any]] = []
        initial: dict[str, Any] = {}
        named_codes: list[str] = []
        if edition is not None:
            initial = {
                "label": edition.label,
                "total_months": edition.total_months,
                "source": edition.source,
                "version": edition.version,
            }
            initial_requirements = [dict(item) for item in edition.requirements]
            initial_groups = [
                {**group, "departments": ", ".join(group["departments"])} for group in edition.groups
            ]
            named_codes = edition.department_codes
        if data is not None:
            named_codes += [
                value
                for key, value in data.items()
                if key.startswith("requirements-") and key.endswith("-department")
            ]
        choices = department_choices(departments, named_codes)
        self.form = EditionForm(data, initial=initial)
        self.requirements = RequirementFormSet(
            data,
            initial=initial_requirements,
            prefix="requirements",
            form_kwargs={"department_choices": choices},
        )
        self.groups = GroupFormSet(data, initial=initial_groups, prefix="groups")
        self.requirement_forms: list[forms.Form] = []
        self.group_forms: list[forms.Form] = []

    def is_valid(self) -> bool:
        valid = all([self.form.is_valid(), self.requirements.is_valid(), self.groups.is_valid()])
        if valid:
            self.requirement_forms = self._kept(self.requirements)
            self.group_forms = self._kept(self.groups)
        return valid

    @staticmethod
    def _kept(formset: forms.BaseFormSet) -> list[forms.Form]:
        """The rows to save, in order: filled in and not marked for removal."""
        return [form for form in formset.forms if form.cleaned_data and not form.cleaned_data.get("DELETE")]

    def values(self) -> dict[str, Any]:
        """The service's keyword arguments, in the order of the rows."""
        data = self.form.cleaned_data
        return {
            "label": data["label"],
            "total_months": data["total_months"],
            "source": data["source"],
            "requirements": [cast(RequirementForm, form).value() for form in self.requirement_forms],
            "groups": [cast(GroupForm, form).value() for form in self.group_forms],
        }

    @property
    def expected_version(self) -> int:
        return self.form.cleaned_data.get("version") or 0

    def add_problems(self, problems: list[EditionProblem]) -> None:
        """Each problem on the row and field its path names; the rest at the top of the form."""
        for problem in problems:
            section, index, name = (*problem.path, None, None)[:3]
            rows = {"requirements": self.requirement_forms, "groups": self.group_forms}.get(str(section))
            if rows is not None and isinstance(index, int) and index < len(rows):
                form = rows[index]
                form.add_error(str(name) if name in form.fields else None, problem.message)
            elif section in self.form.fields:
                self.form.add_error(str(section), problem.message)
            else:
                self.form.add_error(None, problem.message)

    def mark_invalid_fields(self) -> None:
        """Bootstrap's red outline on every field with an error."""
        for form in [self.form, *self.requirements.forms, *self.groups.forms]:
            for name in form.errors:
                if name in form.fields:
                    widget = form.fields[name].widget
                    widget.attrs["class"] = f"{widget.attrs.get('class', '')} is-invalid".strip()


# --- schedules ----------------------------------------------------------------------------------

SOLVER_TIME_LIMITS = (10, 30, 60)


class SchedulePlanForm(StyledFormMixin, forms.Form):
    """Start the solver: for which training base, for how long, and whether to re-plan the published one."""

    institution = forms.ModelChoiceField(label=_("Training base"), queryset=Institution.objects.none())
    time_limit = forms.TypedChoiceField(
        label=_("Time to search"),
        coerce=int,
        initial=SOLVER_TIME_LIMITS[0],
        help_text=_("The search stops earlier once nothing better is possible."),
    )
    # Set by the button pressed: "Re-plan from the published schedule" sends replan=1.
    replan = forms.BooleanField(required=False)

    def __init__(self, *args: Any, institutions: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["institution"]).queryset = institutions
        # Labels made here, in the reader's language.
        cast(forms.TypedChoiceField, self.fields["time_limit"]).choices = [
            (seconds, gettext("%(seconds)d seconds") % {"seconds": seconds}) for seconds in SOLVER_TIME_LIMITS
        ]


def whole_number(value: str) -> int | None:
    """An id or number from a query string or form, or None when it is not a plain one in range."""
    return int(value) if value.isdigit() and len(value) < 12 and int(value) <= MAX_ID else None


def posted_version(request: HttpRequest) -> int:
    """The record version a page posted with its change (0, which never matches, when malformed)."""
    return whole_number(request.POST.get("version", "")) or 0
