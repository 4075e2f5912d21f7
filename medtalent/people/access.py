"""Who may see which people. Every page, endpoint and predicate about people asks here.

Visibility is built as ``Q`` objects on ``Person`` so that one definition filters lists in SQL and
answers single-object checks: the list and the detail page can never disagree.

Two tiers:
- *visible*: the person's card (name, institution, department, titles) may be shown;
- *private*: the person's records (birth date, contacts, profiles, mentorships) may be shown.
The full national ID number is a third, narrower tier: administrators and officers in scope.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.core.exceptions import PermissionDenied
from django.db.models import BooleanField, Case, Q, QuerySet, Value, When
from django.shortcuts import get_object_or_404

from .models import Institution, Mentorship, Person, Role, TraineeProfile
from .services import PERSON_CONTACT_FIELDS


@dataclass(frozen=True)
class Scope:
    """What a user's role assignments reach, computed once per request."""

    user_id: int | None
    person_id: int | None
    is_admin: bool
    roles: frozenset[str]
    officer_institution_ids: frozenset[int]
    leader_institution_ids: frozenset[int]
    head_department_ids: frozenset[int]
    teacher_department_ids: frozenset[int]
    member_institution_ids: frozenset[int]
    # Programme officers alone (talent officers excluded): they run training, e.g. rotation standards.
    programme_officer_institution_ids: frozenset[int] = frozenset()

    def has_role(self, *roles: str) -> bool:
        return self.is_admin or bool(self.roles.intersection(roles))


NO_ONE = Q(pk__in=[])

# Other apps widen visibility here, e.g. rotations adds "trainees rotating in my department".
PersonVisibilityProvider = Callable[[Scope], Q]
_private_providers: list[PersonVisibilityProvider] = []


def register_private_visibility(provider: PersonVisibilityProvider) -> None:
    _private_providers.append(provider)


def _family_rows(institution_ids: set[int]) -> list[tuple[int, int | None]]:
    """``(pk, parent_id)`` of the institutions and their affiliates, in one query."""
    if not institution_ids:
        return []
    return list(
        Institution.objects.filter(Q(pk__in=institution_ids) | Q(parent_id__in=institution_ids)).values_list(
            "pk", "parent_id"
        )
    )


def _institution_families(institution_ids: set[int], *, with_parents: bool = False) -> frozenset[int]:
    """The institutions plus their affiliates (and, for membership, the parent they belong to)."""
    if not institution_ids:
        return frozenset()
    rows = _family_rows(institution_ids)
    family = {pk for pk, _parent in rows}
    if with_parents:
        family |= {parent for pk, parent in rows if pk in institution_ids and parent}
    return frozenset(family)


def scope_for(user: Any) -> Scope:
    cached = getattr(user, "_medtalent_scope", None)
    if cached is not None:
        return cached
    if not getattr(user, "is_authenticated", False):
        return Scope(None, None, False, frozenset(), *(frozenset(),) * 5)
    assignments = list(user.role_assignments.values_list("role", "institution_id", "department_id"))
    roles = frozenset(role for role, _i, _d in assignments)

    def institutions_of(*wanted: str) -> set[int]:
        return {inst for role, inst, _d in assignments if role in wanted}

    def departments_of(wanted: str) -> frozenset[int]:
        return frozenset(dept for role, _i, dept in assignments if role == wanted and dept)

    person = user.person if user.person_id else None
    programme_ids = institutions_of(Role.PROGRAMME_OFFICER)
    officer_rows = _family_rows(institutions_of(Role.PROGRAMME_OFFICER, Role.TALENT_OFFICER))
    member_ids = {inst for _r, inst, _d in assignments} | ({person.institution_id} if person else set())
    scope = Scope(
        user_id=user.pk,
        person_id=user.person_id,
        is_admin=user.is_superuser or Role.PLATFORM_ADMIN in roles,
        roles=roles,
        officer_institution_ids=frozenset(pk for pk, _parent in officer_rows),
        leader_institution_ids=_institution_families(institutions_of(Role.LEADER)),
        head_department_ids=departments_of(Role.DEPARTMENT_HEAD),
        teacher_department_ids=departments_of(Role.CLINICAL_TEACHER),
        member_institution_ids=_institution_families(member_ids, with_parents=True),
        programme_officer_institution_ids=frozenset(
            pk for pk, parent in officer_rows if pk in programme_ids or parent in programme_ids
        ),
    )
    user._medtalent_scope = scope
    return scope


def _in_institutions(institution_ids: frozenset[int]) -> Q:
    if not institution_ids:
        return NO_ONE
    return Q(institution_id__in=institution_ids) | Q(
        pk__in=TraineeProfile.objects.filter(institution_id__in=institution_ids).values("person_id")
    )


def person_officer_q(scope: Scope) -> Q:
    """People whose whole record, national ID included, the user manages."""
    if scope.is_admin:
        return Q()
    return _in_institutions(scope.officer_institution_ids)


def person_private_q(scope: Scope) -> Q:
    if scope.is_admin:
        return Q()
    q = person_officer_q(scope)
    if scope.person_id:
        q |= Q(pk=scope.person_id)
        q |= Q(pk__in=Mentorship.objects.active_on().filter(mentor_id=scope.person_id).values("mentee_id"))
    departments = scope.head_department_ids | scope.teacher_department_ids
    if departments:
        q |= Q(
            pk__in=TraineeProfile.objects.filter(
                department_id__in=departments, status=TraineeProfile.Status.ACTIVE
            ).values("person_id")
        )
    if scope.head_department_ids:
        q |= Q(department_id__in=scope.head_department_ids)
    for provider in _private_providers:
        q |= provider(scope)
    return q


def person_visible_q(scope: Scope) -> Q:
    if scope.is_admin:
        return Q()
    q = person_private_q(scope) | _in_institutions(scope.leader_institution_ids)
    if scope.member_institution_ids:
        # Faculty are listed for everybody in their institution family: trainees look up assessors.
        q |= Q(institution_id__in=scope.member_institution_ids, faculty_profile__isnull=False)
    if scope.person_id:
        q |= Q(pk__in=Mentorship.objects.active_on().filter(mentee_id=scope.person_id).values("mentor_id"))
    return q


def _flag(q: Q, scope: Scope) -> Case | Value:
    if scope.is_admin:
        return Value(True)
    return Case(When(q, then=Value(True)), default=Value(False), output_field=BooleanField())


def people_visible_to(user: Any) -> QuerySet[Person]:
    """People the user may see, each annotated with ``can_view_private`` and ``can_view_national_id``."""
    scope = scope_for(user)
    if scope.user_id is None:
        return Person.objects.none()
    return Person.objects.filter(person_visible_q(scope)).annotate(
        can_view_private=_flag(person_private_q(scope), scope),
        can_view_national_id=_flag(person_officer_q(scope), scope),
    )


def get_person_for_user(user: Any, pk: int) -> Person:
    """The person, or 404 when the user may not see them (never 403: that would confirm they exist)."""
    return get_object_or_404(people_visible_to(user), pk=pk)


def person_edit_is_contacts_only(user: Any, person: Person, changes: dict[str, Any]) -> bool:
    """Check that the user may make these changes; True when only their contact fields may change.

    Officers change everything in their scope, but may move a person only to an institution they also
    manage; everybody else may change at most their own e-mail and phone.
    """
    if user.has_perm("people.change_person", person):
        institution = changes.get("institution")
        moving = institution is not None and institution.pk != person.institution_id
        if moving and not user.has_perm("people.add_person", institution):
            raise PermissionDenied
        return False
    only_contacts = set(changes) <= set(PERSON_CONTACT_FIELDS)
    if not (only_contacts and user.has_perm("people.change_person_contacts", person)):
        raise PermissionDenied
    return True


def person_is_private_to(user: Any, person: Person) -> bool:
    annotated = getattr(person, "can_view_private", None)
    if annotated is not None:
        return bool(annotated)
    return Person.objects.filter(person_private_q(scope_for(user)), pk=person.pk).exists()


def person_is_managed_by(user: Any, person: Person) -> bool:
    annotated = getattr(person, "can_view_national_id", None)
    if annotated is not None:
        return bool(annotated)
    return Person.objects.filter(person_officer_q(scope_for(user)), pk=person.pk).exists()
