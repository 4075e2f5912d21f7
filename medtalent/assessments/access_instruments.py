"""Who sees and changes assessment instruments.

- Everybody signed in sees the instruments MedTalent ships (``institution`` empty) and those of the
  institutions their roles or their own record reach (``Scope.member_institution_ids``, and officers'
  institutions with their affiliates). Another institution's instrument answers 404.
- Platform administrators change every instrument; the shipped ones only they change.
- Programme officers (talent officers excluded: they do not run training) add and change the
  instruments of the institutions they run and their affiliates.
"""

from typing import Any

from django.db.models import Q, QuerySet
from django.shortcuts import get_object_or_404

from medtalent.people.access import scope_for
from medtalent.people.models import Institution

from .models import Instrument


def instruments_visible_to(user: Any) -> QuerySet[Instrument]:
    scope = scope_for(user)
    if scope.user_id is None:
        return Instrument.objects.none()
    if scope.is_admin:
        return Instrument.objects.all()
    reach = scope.member_institution_ids | scope.officer_institution_ids
    return Instrument.objects.filter(Q(institution__isnull=True) | Q(institution_id__in=reach))


def get_instrument_for_user(user: Any, pk: int) -> Instrument:
    """The instrument, or 404 when the user may not see it."""
    return get_object_or_404(instruments_visible_to(user).select_related("institution"), pk=pk)


def may_edit_instrument(user: Any, instrument: Instrument) -> bool:
    scope = scope_for(user)
    if scope.is_admin:
        return True
    if instrument.institution_id is None:
        return False
    return instrument.institution_id in scope.programme_officer_institution_ids


def institutions_for_new_instruments(user: Any) -> QuerySet[Institution]:
    """Where the user may add instruments."""
    scope = scope_for(user)
    if scope.is_admin:
        return Institution.objects.order_by("code")
    return Institution.objects.filter(pk__in=scope.programme_officer_institution_ids).order_by("code")


def may_add_instruments(user: Any) -> bool:
    scope = scope_for(user)
    return scope.is_admin or bool(scope.programme_officer_institution_ids)


def may_add_instruments_at(user: Any, institution: Institution) -> bool:
    scope = scope_for(user)
    return scope.is_admin or institution.pk in scope.programme_officer_institution_ids
