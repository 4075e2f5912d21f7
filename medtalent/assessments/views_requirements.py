"""The training base's rotation requirements: how many of each assessment a rotation needs."""

from typing import Any

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from medtalent.core.errors import ApplicationError
from medtalent.core.forms import StyledFormMixin, add_service_error
from medtalent.people.models import Department, Institution
from medtalent.rotations.access import chosen_training_base
from medtalent.rotations.models import RotationStandard
from medtalent.rotations.selectors import institution_family_q

from .models import AssessmentRequirement, Instrument, InstrumentKind
from .selectors import instruments_in_use
from .services.requirements import MAXIMUM_PER_ROTATION, assessment_requirement_set


class RequirementForm(StyledFormMixin, forms.Form):
    instrument = forms.ModelChoiceField(label=gettext_lazy("Assessment"), queryset=Instrument.objects.none())
    standard = forms.ModelChoiceField(
        label=gettext_lazy("Rotation standard"),
        queryset=RotationStandard.objects.none(),
        required=False,
        empty_label=gettext_lazy("Every standard"),
    )
    department = forms.ModelChoiceField(
        label=gettext_lazy("Department"),
        queryset=Department.objects.none(),
        required=False,
        empty_label=gettext_lazy("Every department"),
    )
    minimum = forms.IntegerField(
        label=gettext_lazy("Minimum per rotation"),
        min_value=0,
        max_value=MAXIMUM_PER_ROTATION,
        help_text=gettext_lazy("0 removes the row, so the less specific rows apply again."),
    )

    def __init__(self, *args: Any, institution: Institution, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        fields: Any = self.fields
        fields["instrument"].queryset = instruments_in_use(institution.pk).exclude(
            kind=InstrumentKind.EXIT_EXAM
        )
        fields["standard"].queryset = RotationStandard.objects.filter(institution=institution).order_by(
            "specialty"
        )
        fields["department"].queryset = (
            Department.objects.filter(institution_family_q(institution, "institution__"))
            .select_related("institution")
            .order_by("institution_id", "code")
        )


def requirement_rows(institution: Institution) -> list[AssessmentRequirement]:
    return list(
        AssessmentRequirement.objects.filter(institution=institution)
        .select_related("instrument", "standard", "department")
        .order_by("instrument__code", "standard__specialty", "department__code")
    )


@login_required
def requirement_list(request: HttpRequest) -> HttpResponse:
    wanted = request.GET.get("institution") or request.POST.get("institution") or ""
    bases, institution = chosen_training_base(request.user, int(wanted) if wanted.isdigit() else None)
    form = RequirementForm(request.POST or None, institution=institution)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            assessment_requirement_set(
                actor=request.user,
                institution=institution,
                standard=data["standard"],
                department=data["department"],
                instrument=data["instrument"],
                minimum=data["minimum"],
            )
        except (ApplicationError, ValidationError) as error:
            add_service_error(form, error)
        else:
            messages.success(request, _("Requirement saved."))
            return redirect(f"{request.path}?institution={institution.pk}")
    return render(
        request,
        "assessments/requirements.html",
        {"bases": bases, "institution": institution, "rows": requirement_rows(institution), "form": form},
    )
