"""Reads for the instrument pages: the list with each instrument's current version and use, and one
instrument's versions with how many assessments use each. Counts are SQL subqueries, so a page makes
the same few queries whatever the number of instruments, versions and assessments."""

from typing import Any

from django.db.models import Count, F, IntegerField, Max, OuterRef, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from .access_instruments import instruments_visible_to
from .models import Assessment, AssessmentStatus, Instrument, InstrumentVersion


def _assessments_counted_by(group_by: str, outer: str) -> Coalesce:
    counted = (
        Assessment.objects.filter(**{group_by: OuterRef(outer)})
        .exclude(status=AssessmentStatus.CANCELLED)
        .order_by()
        .values(group_by)
        .annotate(count=Count("pk"))
        .values("count")
    )
    return Coalesce(Subquery(counted, output_field=IntegerField()), Value(0))


def instrument_list_for_user(user: Any) -> QuerySet[Instrument]:
    """The instruments the user sees (shipped first), each with ``current_number``, ``version_count``
    and ``assessment_count`` (assessments of any version, cancelled requests aside)."""
    return (
        instruments_visible_to(user)
        .select_related("institution")
        .annotate(
            current_number=Max("versions__number"),
            version_count=Count("versions"),
            assessment_count=_assessments_counted_by("instrument_version__instrument", "pk"),
        )
        .order_by(F("institution__code").asc(nulls_first=True), "code")
    )


def version_history(instrument: Instrument) -> list[InstrumentVersion]:
    """The instrument's versions, newest first, each with ``assessment_count``."""
    return list(
        InstrumentVersion.objects.filter(instrument=instrument)
        .select_related("created_by")
        .annotate(assessment_count=_assessments_counted_by("instrument_version", "pk"))
        .order_by("-number")
    )
