"""Hand edits of a draft schedule's blocks: move, split, swap, validated at once.

Each edit rebuilds the trainee's months as they would be, checks them against the trainee's standard
with the independent checker (a broken rule refuses the edit and changes nothing), saves, and reports
the department-months the edit leaves above capacity (capacity is soft: the edit stands, with a
warning). Every edit bumps the schedule's version, so two people editing one draft cannot overwrite
each other: the later save answers 409.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext_lazy as _

from medtalent.core.audit import audit_record
from medtalent.core.errors import ApplicationError
from medtalent.core.versioning import save_versioned
from medtalent.people.models import Department

from ..models import RotationBlock, Schedule
from ..months import add_months, months_between
from ..scheduling.checker import hard_violations_for_trainee
from ..scheduling.model import LEAVE
from ..selectors import capacity_table
from .scheduling import schedule_instance_build

RULE_NAMES = {
    "format": _("the months of the programme"),
    "outside_programme": _("the months of the programme"),
    "horizon": _("the months of the programme"),
    "leave": _("the trainee's leave"),
    "fixed": _("the blocks already done or locked"),
    "months": _("the months per department"),
    "group": _("the elective group"),
    "segments": _("the number and shortest length of blocks per department"),
    "window": _("when a department may be done"),
    "partner": _("the months at partner institutions"),
}


@dataclass
class BlockEditResult:
    schedule: Schedule
    over_capacity: list[tuple[Department, datetime.date, int, int]] = field(default_factory=list)


def rotation_block_move(
    *,
    user: Any,
    block: RotationBlock,
    expected_version: int,
    start_month: datetime.date,
    department: Department | None = None,
) -> BlockEditResult:
    """Move a block to another first month (and, if given, another department).

    The months it leaves and enters are exchanged with the trainee's other blocks: blocks between the
    old and the new place shift by the block's length, so the programme keeps its months.
    """

    def change(sequence: list[int], index: Any) -> list[int]:
        start, target = index(block.start_month), index(start_month)
        taken = sequence[start : start + block.months]
        if department is not None:
            taken = [department.pk] * block.months
        rest = sequence[:start] + sequence[start + block.months :]
        if target > len(rest):
            raise ApplicationError(_("The block cannot start there: it would leave the programme."))
        return rest[:target] + taken + rest[target:]

    return _edit(user=user, block=block, expected_version=expected_version, change=change, action="move")


def rotation_block_split(
    *, user: Any, block: RotationBlock, expected_version: int, at_month: datetime.date, department: Department
) -> BlockEditResult:
    """Give the months of a block from ``at_month`` on to another department."""
    offset = months_between(block.start_month, at_month)
    if not 0 < offset < block.months:
        raise ApplicationError(_("Split a block at one of its months after the first."))

    def change(sequence: list[int], index: Any) -> list[int]:
        start = index(block.start_month)
        return (
            sequence[: start + offset]
            + [department.pk] * (block.months - offset)
            + sequence[start + block.months :]
        )

    return _edit(user=user, block=block, expected_version=expected_version, change=change, action="split")


def rotation_block_swap(
    *, user: Any, block: RotationBlock, other: RotationBlock, expected_version: int
) -> BlockEditResult:
    """Exchange the places of two of a trainee's blocks; the blocks between them shift as needed."""
    if other.trainee_id != block.trainee_id or other.schedule_id != block.schedule_id or other.pk == block.pk:
        raise ApplicationError(_("Swap two different blocks of the same trainee in the same schedule."))
    earlier, later = sorted((block, other), key=lambda b: b.start_month)

    def change(sequence: list[int], index: Any) -> list[int]:
        a, b = index(earlier.start_month), index(later.start_month)
        middle = sequence[a + earlier.months : b]
        return (
            sequence[:a]
            + sequence[b : b + later.months]
            + middle
            + sequence[a : a + earlier.months]
            + sequence[b + later.months :]
        )

    return _edit(user=user, block=block, expected_version=expected_version, change=change, action="swap")


@transaction.atomic
def _edit(
    *, user: Any, block: RotationBlock, expected_version: int, change: Any, action: str
) -> BlockEditResult:
    schedule = Schedule.objects.select_for_update().get(pk=block.schedule_id)
    if schedule.status != Schedule.Status.DRAFT:
        raise ApplicationError(
            _("Only a draft can be edited. Re-plan to make a draft of the published schedule.")
        )
    if block.is_fixed:
        raise ApplicationError(_("This block is locked, running or done: it cannot be changed."))
    blocks = list(
        RotationBlock.objects.filter(schedule=schedule, trainee_id=block.trainee_id).order_by("start_month")
    )
    # The trainee's department months in order (leave and research months stay where they are and
    # are skipped, as leave inside a block does not split it).
    end = max(months_between(schedule.first_month, b.end_month) for b in blocks)
    row: list[int | None] = [None] * end
    for b in blocks:
        start = months_between(schedule.first_month, b.start_month)
        row[start : start + b.months] = [b.department_id] * b.months
    slots = [t for t, department_id in enumerate(row) if department_id is not None]
    position = {t: k for k, t in enumerate(slots)}

    def index(month: datetime.date) -> int:
        t = months_between(schedule.first_month, month)
        if t not in position:
            if t >= end:
                return len(slots)
            raise ApplicationError(_("That month is leave or research, or outside the programme."))
        return position[t]

    sequence = change([row[t] for t in slots], index)
    if len(sequence) != len(slots):
        raise ApplicationError(_("The block cannot start there: it would leave the programme."))
    changed = list(row)
    for t, department_id in zip(slots, sequence, strict=True):
        changed[t] = department_id
    # Months of blocks locked, running or done: the edit may not touch them, and new blocks end there.
    fixed: dict[int, RotationBlock] = {
        t: b
        for b in blocks
        if b.is_fixed
        for t in range(
            months_between(schedule.first_month, b.start_month),
            months_between(schedule.first_month, b.end_month),
        )
    }
    if any(changed[t] != row[t] for t in fixed):
        raise ApplicationError(_("This block is locked, running or done: it cannot be changed."))
    _check_against_standard(schedule, block, changed)
    save_versioned(schedule, expected_version=expected_version, fields=[])
    before = [(b.department_id, b.start_month, b.months) for b in blocks]
    RotationBlock.objects.filter(pk__in=[b.pk for b in blocks if b.department_id is not None]).delete()
    new_blocks = _blocks_from_row(schedule, block.trainee_id, changed, blocks, fixed)
    RotationBlock.objects.bulk_create(new_blocks)
    audit_record(
        actor=user,
        action=f"rotations.block_{action}",
        target=schedule,
        changes={
            "trainee": [None, block.trainee_id],
            "blocks": [
                [[d, f"{s:%Y-%m}", m] for d, s, m in before if d is not None],
                [[b.department_id, f"{b.start_month:%Y-%m}", b.months] for b in new_blocks],
            ],
        },
    )
    return BlockEditResult(schedule, _over_capacity(schedule, changed, row))


def _check_against_standard(schedule: Schedule, block: RotationBlock, changed: list[int | None]) -> None:
    instance, mapping = schedule_instance_build(
        institution=schedule.institution, trainee_ids=[block.trainee_id]
    )
    codes = {d.pk: code for code, d in mapping.departments.items()}
    key = f"t{block.trainee_id}"
    trainee = next(t for t in instance["trainees"] if t["id"] == key)
    leave = {entry["start"] + k for entry in trainee.get("leave", []) for k in range(entry["months"])}
    offset = months_between(schedule.first_month, mapping.first_month)
    research_code = (trainee.get("extra_requirements") or [{}])[0].get("department")
    row: list[str | None] = [None] * instance["horizon_months"]
    for t, department_id in enumerate(changed):
        month = t - offset
        if 0 <= month < len(row):
            row[month] = codes.get(department_id, "?") if department_id is not None else research_code
    for month in leave:
        if 0 <= month < len(row):
            row[month] = LEAVE
    problems = hard_violations_for_trainee(instance, key, row)
    if problems:
        rules = sorted({str(RULE_NAMES.get(p.kind, p.kind)) for p in problems})
        raise ApplicationError(
            _("This change breaks the trainee's standard: %(rules)s. Nothing was changed.")
            % {"rules": "; ".join(rules)}
        )


def _blocks_from_row(
    schedule: Schedule,
    trainee_id: int,
    row: list[int | None],
    before: list[RotationBlock],
    fixed: dict[int, RotationBlock],
) -> list[RotationBlock]:
    """Blocks from the trainee's months: runs of one department, cut where a fixed block (``fixed``: month
    -> block locked, running or done) ends, so it comes back as it was. A block identical to one before
    keeps its status and lock; the others are marked changed."""
    same = {(b.department_id, b.start_month, b.months): b for b in before}
    runs: list[tuple[int, int, int, RotationBlock | None]] = []  # department, first month, months, fixed
    for t, department_id in enumerate(row):
        if department_id is None:
            continue
        last = runs[-1] if runs else None
        if last and last[0] == department_id and last[1] + last[2] == t and last[3] is fixed.get(t):
            runs[-1] = (department_id, last[1], last[2] + 1, last[3])
        else:
            runs.append((department_id, t, 1, fixed.get(t)))
    blocks = []
    for department_id, t, months, _fixed in runs:
        month = add_months(schedule.first_month, t)
        source = same.get((department_id, month, months))
        blocks.append(
            RotationBlock(
                schedule=schedule,
                trainee_id=trainee_id,
                kind=RotationBlock.Kind.ROTATION,
                department_id=department_id,
                start_month=month,
                months=months,
                status=source.status if source else RotationBlock.Status.CHANGED,
                locked=source.locked if source else False,
            )
        )
    return blocks


def _over_capacity(
    schedule: Schedule, changed: list[int | None], before: list[int | None]
) -> list[tuple[Department, datetime.date, int, int]]:
    """Department-months the edited trainee now enters that hold more trainees than places."""
    entered = {
        (d, t) for t, d in enumerate(changed) if d is not None and (t >= len(before) or before[t] != d)
    }
    if not entered:
        return []
    table = capacity_table(schedule.institution, schedule.first_month, schedule.horizon_months)
    departments = {d for d, _t in entered}
    load: dict[tuple[int, int], int] = {}
    for department_id, start_month, months in RotationBlock.objects.filter(
        schedule=schedule, department_id__in=departments
    ).values_list("department_id", "start_month", "months"):
        start = months_between(schedule.first_month, start_month)
        for t in range(start, start + months):
            load[(department_id, t)] = load.get((department_id, t), 0) + 1
    names = Department.objects.in_bulk(departments)
    over = []
    for department_id, t in sorted(entered):
        maximum = table.get((department_id, t), (0, 0))[0]
        if load.get((department_id, t), 0) > maximum:
            over.append(
                (names[department_id], add_months(schedule.first_month, t), load[(department_id, t)], maximum)
            )
    return over
