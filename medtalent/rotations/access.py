"""Who may see and run which rotation standards. Pages and predicates ask here.

A standard belongs to a training base. Everybody whose scope reaches the institution family sees it
(``Scope.member_institution_ids``); programme officers of the family and platform administrators change it.
Outside the family it answers 404, never 403: its existence does not leak.
"""

from typing import Any

from django.db.models import QuerySet
from django.shortcuts import get_object_or_404

from medtalent.people.access import scope_for
from medtalent.people.models import Institution

from .models import RotationStandard, StandardEdition


def standards_visible_to(user: Any) -> QuerySet[RotationStandard]:
    scope = scope_for(user)
    if scope.user_id is None:
        return RotationStandard.objects.none()
    if scope.is_admin:
        return RotationStandard.objects.all()
    return RotationStandard.objects.filter(institution_id__in=scope.member_institution_ids)


def get_standard_for_user(user: Any, pk: int) -> RotationStandard:
    """The standard, or 404 when it is outside the user's institution family."""
    return get_object_or_404(standards_visible_to(user).select_related("institution"), pk=pk)


def institution_id_of(obj: Institution | RotationStandard | StandardEdition | None) -> int | None:
    if isinstance(obj, Institution):
        return obj.pk
    if isinstance(obj, RotationStandard):
        return obj.institution_id
    if isinstance(obj, StandardEdition):
        return obj.standard.institution_id
    return None


def sees_standards_of(user: Any, obj: Institution | RotationStandard | StandardEdition | None) -> bool:
    scope = scope_for(user)
    institution_id = institution_id_of(obj)
    if institution_id is None or scope.user_id is None:
        return False
    return scope.is_admin or institution_id in scope.member_institution_ids


def runs_rotations_of(user: Any, obj: Institution | RotationStandard | StandardEdition | None) -> bool:
    scope = scope_for(user)
    institution_id = institution_id_of(obj)
    if institution_id is None:
        return False
    return scope.is_admin or institution_id in scope.programme_officer_institution_ids


def institutions_for_new_standards(user: Any) -> QuerySet[Institution]:
    """Where the user may add a standard: the institutions whose rotations they run."""
    scope = scope_for(user)
    institutions = Institution.objects.order_by("code")
    if scope.is_admin:
        return institutions
    return institutions.filter(pk__in=scope.programme_officer_institution_ids)


def may_add_standards(user: Any) -> bool:
    scope = scope_for(user)
    return scope.is_admin or bool(scope.programme_officer_institution_ids)
