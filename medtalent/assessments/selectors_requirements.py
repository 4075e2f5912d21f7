"""What a rotation needs and what is done: the minimums per instrument and the exit exam, per block.

A requirement row (``AssessmentRequirement``) is set for a training base, narrowed to one rotation standard
and/or one department; for each instrument the most specific row wins (department before standard before
the base). An assessment counts for a block when it is submitted or acknowledged and either linked to the
block, or linked to no block and made in the block's department during its months. The exit exam is
always required: a block is complete once a passed one exists.

``requirements_for_blocks`` answers for any number of blocks in three queries.
"""

from __future__ import annotations

import datetime
import re
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet
from django.db.models.functions import TruncMonth
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _

from medtalent.people.access import scope_for
from medtalent.rotations.access import trainees_with_timelines_for
from medtalent.rotations.models import BlockKind, RotationBlock
from medtalent.rotations.months import add_months

from .models import DONE_STATUSES, Assessment, AssessmentRequirement, Instrument, InstrumentKind

EXIT_EXAM_LABEL = _("Exit exam")
_ABBREVIATION = re.compile(r"[（(]([^（()）]{1,20})[）)]\s*$")


@dataclass
class RequirementProgress:
    """One line of a block's requirements: an instrument's minimum and count, or the exit exam."""

    instrument: Instrument | None
    minimum: int
    done: int = 0
    is_exit_exam: bool = False
    # Exit exam only: a passed one exists; ``done`` counts the exams sat.
    passed: bool = False

    @property
    def missing(self) -> int:
        if self.is_exit_exam:
            return 0 if self.passed else 1
        return max(self.minimum - self.done, 0)

    @property
    def is_met(self) -> bool:
        return self.missing == 0

    @property
    def label(self) -> str:
        if self.instrument is None:
            return str(EXIT_EXAM_LABEL)
        return self.instrument.name

    @property
    def short_label(self) -> str:
        return short_name(self.label)


def short_name(name: str) -> str:
    """The abbreviation a name ends with in brackets ("… (Mini-CEX)"), else the whole name."""
    found = _ABBREVIATION.search(name)
    return found.group(1) if found else name


def requirements_met(progress: Iterable[RequirementProgress]) -> bool:
    return all(line.is_met for line in progress)


def missing_count(progress: Iterable[RequirementProgress]) -> int:
    """Assessments still missing, the exit exam counting as one."""
    return sum(line.missing for line in progress)


@dataclass(frozen=True)
class _BlockFacts:
    pk: int
    trainee_id: int
    department_id: int | None
    base_id: int
    standard_id: int | None
    start_month: datetime.date
    end_month: datetime.date


def _block_facts(block_ids: list[int]) -> list[_BlockFacts]:
    rows = RotationBlock.objects.filter(pk__in=block_ids).values_list(
        "pk",
        "trainee_id",
        "department_id",
        "schedule__institution_id",
        "trainee__rotation_enrolment__edition__standard_id",
        "start_month",
        "months",
    )
    return [
        _BlockFacts(pk, trainee_id, department_id, base_id, standard_id, start, add_months(start, months))
        for pk, trainee_id, department_id, base_id, standard_id, start, months in rows
    ]


def _specificity(requirement: AssessmentRequirement) -> int:
    return (2 if requirement.department_id else 0) + (1 if requirement.standard_id else 0)


def _applicable_requirements(
    facts: _BlockFacts, requirements: list[AssessmentRequirement]
) -> list[AssessmentRequirement]:
    """The winning row per instrument for one block, in the instruments' order."""
    best: dict[int, AssessmentRequirement] = {}
    for requirement in requirements:
        if requirement.institution_id != facts.base_id:
            continue
        if requirement.department_id not in (None, facts.department_id):
            continue
        if requirement.standard_id not in (None, facts.standard_id):
            continue
        current = best.get(requirement.instrument_id)
        if current is None or _specificity(requirement) > _specificity(current):
            best[requirement.instrument_id] = requirement
    return [row for row in best.values() if row.minimum > 0]


def _counted_assessments(facts: list[_BlockFacts]) -> QuerySet[Any]:
    """Done assessments of the blocks' trainees that may count for them, grouped by where they are
    linked, department, instrument and month, with the number passed (exit exams)."""
    departments = {fact.department_id for fact in facts if fact.department_id}
    unlinked = Q(
        rotation_block__isnull=True,
        department_id__in=departments,
        performed_on__gte=min(fact.start_month for fact in facts),
        performed_on__lt=max(fact.end_month for fact in facts),
    )
    return (
        Assessment.objects.filter(
            Q(rotation_block_id__in=[fact.pk for fact in facts]) | unlinked,
            trainee_id__in={fact.trainee_id for fact in facts},
            status__in=DONE_STATUSES,
        )
        .annotate(month=TruncMonth("performed_on"))
        .values(
            "trainee_id",
            "rotation_block_id",
            "department_id",
            "month",
            "instrument_version__instrument_id",
            "instrument_version__instrument__kind",
        )
        .annotate(done=Count("pk"), passed=Count("pk", filter=Q(passed=True)))
        .order_by()
    )


def requirements_for_blocks(blocks: Iterable[RotationBlock | int]) -> dict[int, list[RequirementProgress]]:
    """``{block id: [the instruments' lines in order..., the exit exam]}`` for rotation blocks.

    Three queries whatever the number of blocks: the blocks' facts, the requirement rows of their bases,
    and the counted assessments grouped by month.
    """
    block_ids = [block if isinstance(block, int) else block.pk for block in blocks]
    if not block_ids:
        return {}
    facts = _block_facts(block_ids)
    if not facts:
        return {}
    requirements = list(
        AssessmentRequirement.objects.filter(
            Q(department__isnull=True) | Q(department_id__in={fact.department_id for fact in facts}),
            Q(standard__isnull=True)
            | Q(standard_id__in={fact.standard_id for fact in facts if fact.standard_id}),
            institution_id__in={fact.base_id for fact in facts},
        )
        .exclude(instrument__kind=InstrumentKind.EXIT_EXAM)
        .select_related("instrument")
        .order_by("instrument__code", "instrument_id", "pk")
    )
    result: dict[int, list[RequirementProgress]] = {}
    lines_by_block: dict[int, dict[int, RequirementProgress]] = {}
    exams: dict[int, RequirementProgress] = {}
    unlinked_by_place: dict[tuple[int, int | None], list[_BlockFacts]] = defaultdict(list)
    for fact in facts:
        lines = {
            row.instrument_id: RequirementProgress(instrument=row.instrument, minimum=row.minimum)
            for row in _applicable_requirements(fact, requirements)
        }
        exam = RequirementProgress(instrument=None, minimum=1, is_exit_exam=True)
        lines_by_block[fact.pk] = lines
        exams[fact.pk] = exam
        result[fact.pk] = [*lines.values(), exam]
        unlinked_by_place[(fact.trainee_id, fact.department_id)].append(fact)

    for row in _counted_assessments(facts):
        if row["rotation_block_id"] is not None:
            targets = [row["rotation_block_id"]] if row["rotation_block_id"] in lines_by_block else []
        else:
            month = row["month"]
            if isinstance(month, datetime.datetime):
                month = month.date()
            targets = [
                fact.pk
                for fact in unlinked_by_place.get((row["trainee_id"], row["department_id"]), [])
                if fact.start_month <= month < fact.end_month
            ]
        for block_id in targets:
            if row["instrument_version__instrument__kind"] == InstrumentKind.EXIT_EXAM:
                exam = exams[block_id]
                exam.done += row["done"]
                exam.passed = exam.passed or row["passed"] > 0
                continue
            line = lines_by_block[block_id].get(row["instrument_version__instrument_id"])
            if line is not None:
                line.done += row["done"]
    return result


# --- signing a block off ----------------------------------------------------------------------------


def passed_exit_exam_q(block: RotationBlock) -> Q:
    """``Q`` on ``Assessment``: the trainee's passed exit exams that count for the block."""
    return Q(
        trainee_id=block.trainee_id,
        status__in=DONE_STATUSES,
        instrument_version__instrument__kind=InstrumentKind.EXIT_EXAM,
        passed=True,
    ) & (
        Q(rotation_block_id=block.pk)
        | Q(
            rotation_block__isnull=True,
            department_id=block.department_id,
            performed_on__gte=block.start_month,
            performed_on__lt=block.end_month,
        )
    )


def passed_exit_exam(block: RotationBlock) -> Assessment | None:
    """The latest passed exit exam that counts for the block, if any."""
    return (
        Assessment.objects.filter(passed_exit_exam_q(block))
        .select_related("instrument_version__instrument", "assessor")
        .order_by("-performed_on", "-pk")
        .first()
    )


def may_override_sign_off(user: Any, block: RotationBlock) -> bool:
    """Programme officers of the block's training base (and administrators) complete a rotation without
    a passed exit exam, with a written reason."""
    scope = scope_for(user)
    return scope.is_admin or block.schedule.institution_id in scope.programme_officer_institution_ids


def may_sign_off(user: Any, block: RotationBlock) -> bool:
    """Who signs a rotation off with a passed exit exam: the heads of its department, and those who may
    override."""
    scope = scope_for(user)
    return block.department_id in scope.head_department_ids or may_override_sign_off(user, block)


def sign_off_blocks_for(user: Any) -> QuerySet[RotationBlock]:
    """Rotation blocks whose sign-off page the user reaches: those of trainees whose records are private to
    them, and every block in a department they head."""
    scope = scope_for(user)
    if scope.user_id is None:
        return RotationBlock.objects.none()
    blocks = RotationBlock.objects.filter(kind=BlockKind.ROTATION)
    if scope.is_admin:
        return blocks
    return blocks.filter(
        Q(trainee__in=trainees_with_timelines_for(user)) | Q(department_id__in=scope.head_department_ids)
    )


def get_block_for_sign_off(user: Any, pk: int) -> RotationBlock:
    """The block, or 404 when the user may not see it."""
    return get_object_or_404(
        sign_off_blocks_for(user).select_related(
            "trainee__person",
            "trainee__rotation_enrolment__edition__standard",
            "department__institution",
            "schedule",
            "sign_off__signed_by__person",
            "sign_off__exit_exam",
        ),
        pk=pk,
    )
