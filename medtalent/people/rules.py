"""Object-level permissions on people and organisations, as ``rules`` predicates.

The predicates ask ``access``, which holds the one definition of who sees whom.
"""

from typing import Any

import rules

from .access import person_is_managed_by, person_is_private_to, scope_for
from .models import Department, Institution, Mentorship, Person, Role


@rules.predicate
def is_platform_admin(user: Any) -> bool:
    return scope_for(user).is_admin


@rules.predicate
def is_officer(user: Any) -> bool:
    return scope_for(user).has_role(Role.PROGRAMME_OFFICER, Role.TALENT_OFFICER)


@rules.predicate
def is_leader(user: Any) -> bool:
    return scope_for(user).has_role(Role.LEADER)


@rules.predicate
def sees_private_records(user: Any, person: Person | None) -> bool:
    return person is not None and person_is_private_to(user, person)


@rules.predicate
def manages_person(user: Any, person: Person | None) -> bool:
    return person is not None and person_is_managed_by(user, person)


@rules.predicate
def is_self(user: Any, person: Person | None) -> bool:
    return person is not None and user.is_authenticated and user.person_id == person.pk


@rules.predicate
def manages_mentee(user: Any, mentorship: Mentorship | None) -> bool:
    return mentorship is not None and person_is_managed_by(user, mentorship.mentee)


@rules.predicate
def officer_of_institution(user: Any, obj: Institution | Department | None) -> bool:
    if obj is None:
        return False
    institution_id = obj.pk if isinstance(obj, Institution) else obj.institution_id
    return institution_id in scope_for(user).officer_institution_ids


rules.add_perm("people.add_person", is_platform_admin | officer_of_institution)
rules.add_perm("people.change_person", manages_person)
rules.add_perm("people.change_person_contacts", manages_person | is_self)
rules.add_perm("people.delete_person", is_platform_admin)
rules.add_perm("people.view_person_private", sees_private_records)
rules.add_perm("people.view_national_id", manages_person)
rules.add_perm("people.change_mentorship", manages_mentee)
rules.add_perm("people.add_institution", is_platform_admin)
rules.add_perm("people.change_institution", is_platform_admin)
rules.add_perm("people.add_department", is_platform_admin | is_officer)
rules.add_perm("people.change_department", is_platform_admin | officer_of_institution)
rules.add_perm("people.manage_roles", is_platform_admin)
rules.add_perm("core.view_auditevent", is_platform_admin)
