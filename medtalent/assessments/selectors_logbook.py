"""Reads for the case and procedure logbook (登记手册): progress against the minimums per rotation, the
supervisor's verification queue, a trainee's entries, and the items a department lists.

An entry counts toward a rotation when it is the trainee's, in the rotation's department, dated within the
rotation's months, and verified or awaiting verification. Counting by date rather than by the entry's
``rotation_block`` keeps the figures right when a schedule is re-published (its blocks are new rows).
Every count is one grouped query for all the rotations asked about.
"""

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, ExpressionWrapper, F, IntegerField, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import ExtractMonth, ExtractYear

from medtalent.people.access import scope_for
from medtalent.people.models import Department, Person, TraineeProfile
from medtalent.rotations.models import BlockKind, RotationBlock, Schedule
from medtalent.rotations.selectors_schedules import blocks_covering

from .access import eligible_assessors, logbook_entries_visible_to
from .models import LogbookEntry, LogbookEntryStatus, LogbookItem

COUNTED_STATUSES = (LogbookEntryStatus.VERIFIED, LogbookEntryStatus.PENDING)
ENTRY_RELATED = ("item", "trainee__person", "supervisor", "department", "dops_assessment")


# --- pace ---------------------------------------------------------------------------------------


def expected_by_now(*, minimum: int, block: RotationBlock, today: datetime.date) -> int:
    """How many entries the trainee should have by ``today`` to reach ``minimum`` at the block's end,
    logging at an even pace: the minimum times the elapsed share of the block's days, rounded down."""
    total_days = (block.end_month - block.start_month).days
    elapsed_days = min(max((today - block.start_month).days, 0), total_days)
    return minimum * elapsed_days // total_days if total_days else minimum


# --- counting -----------------------------------------------------------------------------------


def _month_number(value: Any) -> ExpressionWrapper:
    """A date's month as ``year * 12 + month - 1``, computed by the database."""
    return ExpressionWrapper(ExtractYear(value) * 12 + ExtractMonth(value) - 1, output_field=IntegerField())


@dataclass(frozen=True)
class EntryCounts:
    verified: int = 0
    pending: int = 0

    @property
    def counted(self) -> int:
        return self.verified + self.pending


def entry_counts(block_ids: Iterable[int]) -> dict[tuple[int, int], EntryCounts]:
    """``{(block_id, item_id): EntryCounts}`` for the blocks, in one grouped query.

    Each of the blocks' trainees' entries is placed in the block it falls in by a correlated subquery,
    then the entries are counted per block and item.
    """
    ids = list(block_ids)
    if not ids:
        return {}
    # The block an entry falls in: the trainee's, in the entry's department, over the entry's month.
    # A published schedule's blocks do not overlap, so there is at most one.
    block = (
        RotationBlock.objects.filter(
            pk__in=ids,
            trainee_id=OuterRef("trainee_id"),
            department_id=OuterRef("department_id"),
            start_month__lte=OuterRef("performed_on"),
        )
        .annotate(end_number=_month_number("start_month") + F("months"))
        .filter(end_number__gt=_month_number(OuterRef("performed_on")))
        .order_by()
        .values("pk")[:1]
    )
    rows = (
        LogbookEntry.objects.filter(
            trainee_id__in=RotationBlock.objects.filter(pk__in=ids).values("trainee_id"),
            status__in=COUNTED_STATUSES,
        )
        .annotate(block_id=Subquery(block))
        .filter(block_id__isnull=False)
        .values("block_id", "item_id")
        .annotate(
            verified=Count("pk", filter=Q(status=LogbookEntryStatus.VERIFIED)),
            pending=Count("pk", filter=Q(status=LogbookEntryStatus.PENDING)),
        )
        .order_by()
    )
    return {(row["block_id"], row["item_id"]): EntryCounts(row["verified"], row["pending"]) for row in rows}


def items_applicable_q(department_id: int, standard_id: int | None) -> Q:
    """Items a trainee rotating in the department follows: the department's own, for every standard
    or for the trainee's."""
    standard = Q(standard__isnull=True)
    if standard_id is not None:
        standard |= Q(standard_id=standard_id)
    return Q(department_id=department_id, is_active=True) & standard


def items_for_blocks(blocks: Sequence[RotationBlock]) -> dict[int, list[LogbookItem]]:
    """``{block_id: [items]}``, in one query. Each block must carry ``standard_id`` (the trainee's
    enrolment standard, from ``published_rotations``) or be treated as having none."""
    if not blocks:
        return {}
    q = Q(pk__in=[])
    for pair in {(block.department_id, getattr(block, "standard_id", None)) for block in blocks}:
        q |= items_applicable_q(*pair)  # type: ignore[arg-type]
    items = list(
        LogbookItem.objects.filter(q).select_related("dops_instrument").order_by("kind", "name_zh", "pk")
    )
    result: dict[int, list[LogbookItem]] = {}
    for block in blocks:
        standard_id = getattr(block, "standard_id", None)
        result[block.pk] = [
            item
            for item in items
            if item.department_id == block.department_id
            and (item.standard_id is None or item.standard_id == standard_id)
        ]
    return result


def published_rotations() -> QuerySet[RotationBlock]:
    """Rotation blocks of published schedules, each with its trainee's enrolment ``standard_id``."""
    return (
        RotationBlock.objects.filter(kind=BlockKind.ROTATION, schedule__status=Schedule.Status.PUBLISHED)
        .annotate(standard_id=F("trainee__rotation_enrolment__edition__standard_id"))
        .select_related("department")
    )


def rotations_in_progress(today: datetime.date) -> list[RotationBlock]:
    """Every rotation of a published schedule that takes up ``today``'s month, with its trainee."""
    return list(
        blocks_covering(published_rotations(), today.replace(day=1))
        .select_related("trainee__person")
        .order_by("pk")
    )


# --- a trainee's progress -----------------------------------------------------------------------


@dataclass(frozen=True)
class ItemProgress:
    item: LogbookItem
    verified: int
    pending: int
    minimum: int
    expected: int

    @property
    def counted(self) -> int:
        return self.verified + self.pending

    @property
    def is_met(self) -> bool:
        return self.verified >= self.minimum

    @property
    def is_on_pace(self) -> bool:
        return self.counted >= self.expected

    @property
    def verified_percent(self) -> int:
        return 100 if not self.minimum else min(100, round(100 * self.verified / self.minimum))

    @property
    def pending_percent(self) -> int:
        if not self.minimum:
            return 0
        return min(100 - self.verified_percent, round(100 * self.pending / self.minimum))


@dataclass(frozen=True)
class RotationProgress:
    block: RotationBlock
    items: list[ItemProgress]
    is_current: bool

    @property
    def behind_count(self) -> int:
        return sum(1 for progress in self.items if progress.minimum and not progress.is_on_pace)


def trainee_rotations(trainee: TraineeProfile) -> list[RotationBlock]:
    """The trainee's rotations in the published schedule, in order."""
    return list(published_rotations().filter(trainee=trainee).order_by("start_month"))


def pick_rotation(
    rotations: Sequence[RotationBlock], *, today: datetime.date, wanted: int | None = None
) -> RotationBlock | None:
    """The rotation asked for, else the one running today, else the last one begun, else the first."""
    if wanted is not None:
        return next((block for block in rotations if block.pk == wanted), None)
    month = today.replace(day=1)
    current = next((b for b in rotations if b.start_month <= month < b.end_month), None)
    begun = [b for b in rotations if b.start_month <= month]
    return current or (begun[-1] if begun else (rotations[0] if rotations else None))


def rotation_progress(block: RotationBlock, *, today: datetime.date) -> RotationProgress:
    """Each applicable item with its verified and pending counts, its minimum and the pace: two queries."""
    items = items_for_blocks([block])[block.pk]
    counts = entry_counts([block.pk])
    # Past rotations are judged against the whole minimum, future ones against none yet.
    progress = [
        ItemProgress(
            item=item,
            verified=counts.get((block.pk, item.pk), EntryCounts()).verified,
            pending=counts.get((block.pk, item.pk), EntryCounts()).pending,
            minimum=item.minimum,
            expected=expected_by_now(minimum=item.minimum, block=block, today=today),
        )
        for item in items
    ]
    month = today.replace(day=1)
    return RotationProgress(
        block=block, items=progress, is_current=block.start_month <= month < block.end_month
    )


# --- lists --------------------------------------------------------------------------------------


def entries_of_trainee(user: Any, trainee: TraineeProfile, *, limit: int = 200) -> list[LogbookEntry]:
    """The trainee's entries the user may see, newest first."""
    return list(
        logbook_entries_visible_to(user)
        .filter(trainee=trainee)
        .select_related(*ENTRY_RELATED)
        .order_by("-performed_on", "-id")[:limit]
    )


def verification_queue(user: Any) -> QuerySet[LogbookEntry]:
    """Entries waiting for the user's verification as supervisor, oldest first."""
    person_id = getattr(user, "person_id", None)
    if not person_id:
        return LogbookEntry.objects.none()
    return (
        LogbookEntry.objects.filter(supervisor_id=person_id, status=LogbookEntryStatus.PENDING)
        .select_related(*ENTRY_RELATED)
        .order_by("performed_on", "id")
    )


def items_to_log(trainee: TraineeProfile, department: Department | None) -> QuerySet[LogbookItem]:
    """What the trainee may log in the department: its active items for every standard or theirs."""
    if department is None:
        return LogbookItem.objects.none()
    standard_id = (
        TraineeProfile.objects.filter(pk=trainee.pk)
        .values_list("rotation_enrolment__edition__standard_id", flat=True)
        .first()
    )
    return LogbookItem.objects.filter(items_applicable_q(department.pk, standard_id)).order_by(
        "kind", "name_zh", "pk"
    )


def last_supervisor_id(trainee: TraineeProfile, department: Department | None) -> int | None:
    """Who supervised the trainee's latest entry in the department: the form's first guess."""
    if department is None:
        return None
    return (
        LogbookEntry.objects.filter(trainee=trainee, department=department)
        .order_by("-created_at", "-id")
        .values_list("supervisor_id", flat=True)
        .first()
    )


def supervisors_for(trainee: TraineeProfile, department: Department | None) -> QuerySet[Person]:
    """Who may supervise and verify the trainee's entries in the department: its eligible assessors."""
    if department is None:
        return Person.objects.none()
    return eligible_assessors(department).exclude(pk=trainee.person_id)


# --- the department's item list -----------------------------------------------------------------


def departments_managing_logbook(user: Any) -> QuerySet[Department]:
    """Departments whose logbook items the user keeps: all of a programme officer's bases (and
    affiliates), and a head's own departments."""
    scope = scope_for(user)
    if scope.user_id is None:
        return Department.objects.none()
    departments = Department.objects.select_related("institution").order_by("institution__code", "code")
    if scope.is_admin:
        return departments
    return departments.filter(
        Q(institution_id__in=scope.programme_officer_institution_ids) | Q(pk__in=scope.head_department_ids)
    )


def department_items(department: Department) -> QuerySet[LogbookItem]:
    """The department's items with how many entries each holds (for every trainee), in one query."""
    return (
        LogbookItem.objects.filter(department=department)
        .select_related("standard", "dops_instrument")
        .annotate(
            verified_count=Count("entries", filter=Q(entries__status=LogbookEntryStatus.VERIFIED)),
            pending_count=Count("entries", filter=Q(entries__status=LogbookEntryStatus.PENDING)),
        )
        .order_by("-is_active", "kind", "code")
    )
