"""Reads of the ethics record (医德档案).

**The veto (一票否决) is asked here, and only here.** Other apps (talent selection, awards,
scholarships, overall evaluations) call ``veto_for``, ``vetoed_person_ids`` or
``overall_evaluation_fails``; they answer yes or no and when, never what happened: the record's content
stays with the people allowed to read it (``access.ethics_records_visible_to``).

- A veto is in force on a day ``on`` when a confirmed serious violation occurred on or before ``on`` and
  its ``veto_until`` is after ``on``: ``veto_until`` is the first day the trainee is eligible again.
- The overall evaluation of a period fails when a confirmed serious violation occurred within the
  period (both ends included), however long the veto lasts.
Minor and moderate violations, concerns and commendations never veto; neither do entries still reported
or under review, nor dismissed ones.

The rest are the ethics pages' reads, each through the access helpers.
"""

import datetime
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import Coalesce
from django.shortcuts import get_object_or_404

from medtalent.people.access import scope_for
from medtalent.people.models import Institution, Person, TraineeProfile

from .access import ethics_records_visible_to, people_with_visible_ethics, person_facts
from .models import DEFAULT_VETO_MONTHS, EthicsKind, EthicsRecord, EthicsSeverity, EthicsStatus

# --- the veto: the one selector other apps call -----------------------------------------------------


@dataclass(frozen=True)
class Veto:
    """A veto in force: which entry causes it (its id only), when the violation occurred, and the first
    day the trainee is eligible again (``until``; the veto's last day is ``last_day``)."""

    record_id: int
    occurred_on: datetime.date
    until: datetime.date

    @property
    def last_day(self) -> datetime.date:
        return self.until - datetime.timedelta(days=1)


def _veto(record_id: int, occurred_on: datetime.date, until: datetime.date | None) -> Veto:
    assert until is not None  # the rows were filtered on veto_until > on
    return Veto(record_id=record_id, occurred_on=occurred_on, until=until)


def _confirmed_serious_violations() -> QuerySet[EthicsRecord]:
    return EthicsRecord.objects.filter(
        kind=EthicsKind.VIOLATION, severity=EthicsSeverity.SERIOUS, status=EthicsStatus.CONFIRMED
    ).order_by()


def _in_force_on(on: datetime.date) -> Q:
    return Q(occurred_on__lte=on, veto_until__gt=on)


def veto_for(person_id: int, *, on: datetime.date) -> Veto | None:
    """The veto on the person on that day, or None. With several, the one that lasts longest."""
    row = (
        _confirmed_serious_violations()
        .filter(_in_force_on(on), person_id=person_id)
        .order_by("-veto_until", "-pk")
        .values_list("pk", "occurred_on", "veto_until")
        .first()
    )
    return None if row is None else _veto(*row)


def vetoes_by_person(person_ids: Iterable[int], *, on: datetime.date) -> dict[int, Veto]:
    """``veto_for`` for many people in one query (an applicant list showing each veto's end)."""
    ids = list(person_ids)
    if not ids:
        return {}
    vetoes: dict[int, Veto] = {}
    rows = (
        _confirmed_serious_violations()
        .filter(_in_force_on(on), person_id__in=ids)
        .order_by("person_id", "-veto_until", "-pk")
        .values_list("person_id", "pk", "occurred_on", "veto_until")
    )
    for person_id, record_id, occurred_on, until in rows:
        vetoes.setdefault(person_id, _veto(record_id, occurred_on, until))
    return vetoes


def vetoed_person_ids(*, on: datetime.date) -> QuerySet[EthicsRecord, int]:
    """The ids of people under a veto on that day, as a subquery: ``.exclude(person_id__in=…)``."""
    return (
        _confirmed_serious_violations()
        .filter(_in_force_on(on))
        .values_list("person_id", flat=True)
        .distinct()
    )


def overall_evaluation_fails(
    person_id: int, *, period_start: datetime.date, period_end: datetime.date
) -> bool:
    """Whether a confirmed serious violation fails the person's overall evaluation for the period
    (``period_start`` to ``period_end``, both included)."""
    if period_end < period_start:
        raise ValueError("period_end is before period_start")
    return (
        _confirmed_serious_violations()
        .filter(person_id=person_id, occurred_on__gte=period_start, occurred_on__lte=period_end)
        .exists()
    )


# --- who reaches the ethics pages -------------------------------------------------------------------


def ethics_pages_open_to(user: Any) -> bool:
    """Administrators, programme officers, current mentors and trainees open the ethics pages. Heads,
    clinical teachers, leaders and talent officers never do: for them the pages do not exist (404)."""
    scope = scope_for(user)
    if scope.user_id is None:
        return False
    if scope.is_admin or scope.programme_officer_institution_ids:
        return True
    facts = person_facts(user)
    return facts.is_trainee or facts.mentors_someone


def runs_ethics(user: Any) -> bool:
    """Administrators and programme officers: they decide entries and set the policy."""
    scope = scope_for(user)
    return scope.is_admin or bool(scope.programme_officer_institution_ids)


# --- the pages' lists -------------------------------------------------------------------------------

RECORD_RELATED = ("person", "reported_by__person", "decided_by__person")


@dataclass(frozen=True)
class EthicsFilters:
    status: str = ""
    kind: str = ""
    text: str = ""

    @classmethod
    def parse(cls, query: Any) -> "EthicsFilters":
        """Filters from a query string; unknown values are ignored rather than refused."""
        status = query.get("status", "")
        kind = query.get("kind", "")
        return cls(
            status=status if status in EthicsStatus.values else "",
            kind=kind if kind in EthicsKind.values else "",
            text=query.get("q", "").strip()[:60],
        )


def _name_q(text: str, prefix: str = "") -> Q:
    return (
        Q(**{f"{prefix}name_zh__icontains": text})
        | Q(**{f"{prefix}name_latin__icontains": text})
        | Q(**{f"{prefix}trainee_profiles__student_number": text})
    )


def ethics_records_for(user: Any, filters: EthicsFilters) -> QuerySet[EthicsRecord]:
    """The entries the user may read, newest event first."""
    records = ethics_records_visible_to(user)
    if filters.status:
        records = records.filter(status=filters.status)
    if filters.kind:
        records = records.filter(kind=filters.kind)
    if filters.text:
        records = records.filter(person__in=Person.objects.filter(_name_q(filters.text)).values("pk"))
    return records.select_related(*RECORD_RELATED).order_by("-occurred_on", "-pk")


def ethics_status_counts(user: Any) -> dict[str, int]:
    """How many of the user's visible entries are in each status, in one aggregate."""
    rows = ethics_records_visible_to(user).order_by().values("status").annotate(count=Count("pk"))
    counts = dict.fromkeys(EthicsStatus.values, 0)
    counts.update({row["status"]: row["count"] for row in rows})
    return counts


def ethics_trainees_for(user: Any, *, text: str = "", limit: int = 20) -> list[Person]:
    """Trainees whose ethics record the user may open: those matching ``text``; with no text, a
    mentor's mentees and a trainee's own (an office's whole scope is too long to list)."""
    people = people_with_visible_ethics(user).filter(trainee_profiles__isnull=False)
    scope = scope_for(user)
    if text:
        people = people.filter(_name_q(text))
    elif scope.is_admin or scope.programme_officer_institution_ids:
        return []
    return list(people.select_related("institution").distinct().order_by("name_latin", "pk")[:limit])


def get_ethics_trainee_for_user(user: Any, pk: int) -> Person:
    """The trainee whose ethics record the user may open, or 404."""
    people = people_with_visible_ethics(user).filter(pk__in=TraineeProfile.objects.values("person_id"))
    return get_object_or_404(people.select_related("institution", "department"), pk=pk)


def ethics_entries_of(user: Any, person: Person) -> QuerySet[EthicsRecord]:
    return ethics_records_for(user, EthicsFilters()).filter(person=person)


@dataclass(frozen=True)
class PolicyRow:
    institution: Institution
    veto_months: int
    source: str  # "own", "parent" (inherited from the parent institution) or "default"


def ethics_policies_for(user: Any) -> list[PolicyRow]:
    """The institutions whose policy the user sets, each with the months in force, in one query."""
    scope = scope_for(user)
    institutions = Institution.objects.select_related("ethics_policy", "parent__ethics_policy")
    if not scope.is_admin:
        institutions = institutions.filter(pk__in=scope.programme_officer_institution_ids)
    rows = []
    ordered = institutions.order_by(
        Coalesce("parent_id", "pk"), F("parent_id").asc(nulls_first=True), "code", "pk"
    )
    for institution in ordered:
        own = getattr(institution, "ethics_policy", None)
        parent = institution.parent
        inherited = getattr(parent, "ethics_policy", None) if parent is not None else None
        if own is not None:
            rows.append(PolicyRow(institution, own.veto_months, "own"))
        elif inherited is not None:
            rows.append(PolicyRow(institution, inherited.veto_months, "parent"))
        else:
            rows.append(PolicyRow(institution, DEFAULT_VETO_MONTHS, "default"))
    return rows
