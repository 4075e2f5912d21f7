from typing import cast

from django import forms
from django.contrib.auth.forms import PasswordChangeForm
from django.utils.translation import gettext_lazy as _

from medtalent.core.forms import StyledFormMixin

from .models import Department, Mentorship, Person
from .services import PERSON_CONTACT_FIELDS, PERSON_FIELDS


class PersonForm(StyledFormMixin, forms.ModelForm):
    version = forms.IntegerField(widget=forms.HiddenInput)

    class Meta:
        model = Person
        fields = list(PERSON_FIELDS)
        widgets = {"birth_date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}

    def __init__(self, *args, contacts_only: bool = False, institutions=None, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["department"]).queryset = Department.objects.select_related(
            "institution"
        )
        if institutions is not None:
            # A new person: no version yet, and only institutions the user manages to choose from.
            del self.fields["version"]
            cast(forms.ModelChoiceField, self.fields["institution"]).queryset = institutions
        if contacts_only:
            for name in list(self.fields):
                if name not in (*PERSON_CONTACT_FIELDS, "version"):
                    del self.fields[name]

    def _post_clean(self) -> None:
        # Validation and saving belong to the service; the form only parses.
        pass


class MentorshipForm(StyledFormMixin, forms.Form):
    mentor = forms.ModelChoiceField(label=_("mentor"), queryset=Person.objects.none())
    kind = forms.ChoiceField(label=_("kind"), choices=Mentorship.Kind.choices)
    start_date = forms.DateField(label=_("start date"), widget=forms.DateInput(attrs={"type": "date"}))
    end_date = forms.DateField(
        label=_("end date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    note = forms.CharField(label=_("note"), required=False, max_length=300)

    def __init__(self, *args, mentor_choices=None, **kwargs):
        super().__init__(*args, **kwargs)
        cast(forms.ModelChoiceField, self.fields["mentor"]).queryset = mentor_choices


class ApiTokenForm(StyledFormMixin, forms.Form):
    name = forms.CharField(label=_("Token name"), max_length=80)


class StyledPasswordChangeForm(StyledFormMixin, PasswordChangeForm):
    pass
