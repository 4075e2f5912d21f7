"""Where milestone evidence comes from. A milestone's evidence is any record: each domain registers the
records of a person that may serve, how to name one and where it opens. Research outputs and courses
register here when their apps arrive; nothing in the plans changes.

Pages name evidence in the reader's language with one query per kind (``describe_evidence``); the label
stored when it was attached stays as the name of a record that has since gone.
"""

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet
from django.urls import reverse


@dataclass(frozen=True)
class EvidenceSource:
    kind: str  # an ``EvidenceKind`` value
    records_of: Callable[[int], QuerySet[Any]]  # a person's records that may serve, newest first
    describe: Callable[[Any], str]
    url: Callable[[Any], str]


_sources: dict[str, EvidenceSource] = {}


def register_evidence_source(source: EvidenceSource) -> None:
    _sources[source.kind] = source


def evidence_source(kind: str) -> EvidenceSource | None:
    return _sources.get(kind)


def registered_kinds() -> list[str]:
    return list(_sources)


@dataclass(frozen=True)
class EvidenceView:
    evidence: Any  # a ``MilestoneEvidence``
    text: str
    url: str


def describe_evidence(items: list[Any], person_id: int) -> dict[int, EvidenceView]:
    """Each evidence row (by id) named and linked, in one query per kind of record."""
    by_kind: dict[str, list[Any]] = {}
    for item in items:
        by_kind.setdefault(item.kind, []).append(item)
    views: dict[int, EvidenceView] = {}
    for kind, rows in by_kind.items():
        source = _sources.get(kind)
        records = (
            {r.pk: r for r in source.records_of(person_id).filter(pk__in=[row.object_id for row in rows])}
            if source
            else {}
        )
        for row in rows:
            record = records.get(row.object_id)
            if record is None or source is None:
                views[row.pk] = EvidenceView(row, row.label, "")
            else:
                views[row.pk] = EvidenceView(row, source.describe(record), source.url(record))
    return views


# --- the kinds that exist today ---------------------------------------------------------------


def _assessments_of(person_id: int) -> QuerySet[Any]:
    from medtalent.assessments.models import DONE_STATUSES, Assessment

    return (
        Assessment.objects.filter(trainee__person_id=person_id, status__in=DONE_STATUSES)
        .select_related("instrument_version__instrument", "department")
        .order_by("-performed_on", "-id")
    )


def _describe_assessment(assessment: Any) -> str:
    parts = [str(assessment.instrument_version.instrument.name)]
    if assessment.performed_on:
        parts.append(f"{assessment.performed_on:%Y-%m-%d}")
    if assessment.department_id:
        parts.append(str(assessment.department))
    if assessment.band:
        parts.append(assessment.band_label)
    return " · ".join(parts)


def _rotations_of(person_id: int) -> QuerySet[Any]:
    from medtalent.rotations.models import RotationBlock, Schedule

    return (
        RotationBlock.objects.filter(
            trainee__person_id=person_id,
            kind=RotationBlock.Kind.ROTATION,
            status=RotationBlock.Status.COMPLETED,
            schedule__status=Schedule.Status.PUBLISHED,
        )
        .select_related("department", "trainee")
        .order_by("-start_month")
    )


def _describe_rotation(block: Any) -> str:
    return f"{block.department} · {block.start_month:%Y-%m}+{block.months}"


def register_shipped_sources() -> None:
    register_evidence_source(
        EvidenceSource(
            kind="assessment",
            records_of=_assessments_of,
            describe=_describe_assessment,
            url=lambda record: reverse("assessment_detail", args=[record.pk]),
        )
    )
    register_evidence_source(
        EvidenceSource(
            kind="rotation",
            records_of=_rotations_of,
            describe=_describe_rotation,
            url=lambda record: reverse("rotation_timeline", args=[record.trainee_id]),
        )
    )
