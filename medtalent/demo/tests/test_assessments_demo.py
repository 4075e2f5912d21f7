"""The demo's assessments give every dashboard real shape: several years and departments, low-score
flags, failed exit exams, open requests for the demo logins and one confirmed veto."""

from typing import Any

import pytest
from django.db.models import Count

from medtalent.assessments.models import Assessment, EthicsRecord, LogbookEntry
from medtalent.demo.loader import DEMO_TODAY, load_demo_data
from medtalent.people.models import User


@pytest.fixture
def demo(db: Any) -> Any:
    return load_demo_data()


def test_demo_assessments_give_the_dashboards_shape(demo: Any) -> None:
    years = {
        day.year
        for day in Assessment.objects.exclude(performed_on=None).values_list("performed_on", flat=True)
    }
    assert {2024, 2025, 2026} <= years
    assert Assessment.objects.values("department").distinct().count() >= 10
    by_instrument = dict(
        Assessment.objects.values_list("instrument_version__instrument__code").annotate(n=Count("pk"))
    )
    assert set(by_instrument) == {"mini_cex", "dops", "medical_record_quality", "department_exit_exam"}
    assert Assessment.objects.filter(flagged_low=True).count() >= 5
    assert Assessment.objects.filter(
        instrument_version__instrument__code="department_exit_exam", passed=False
    ).exists()
    assert not Assessment.objects.filter(performed_on__gt=DEMO_TODAY).exists()

    # The demo logins have something to do.
    trainee = User.objects.get(username="trainee")
    teacher = User.objects.get(username="teacher")
    assert Assessment.objects.filter(
        assessor_id=teacher.person_id, status=Assessment.Status.REQUESTED
    ).exists()
    assert Assessment.objects.filter(
        trainee__person_id=trainee.person_id, status=Assessment.Status.REQUESTED
    ).exists()
    assert Assessment.objects.filter(
        trainee__person_id=trainee.person_id, status=Assessment.Status.ACKNOWLEDGED
    ).exists()
    assert LogbookEntry.objects.filter(trainee__person_id=trainee.person_id).exists()

    # One confirmed veto, for a mentee of the demo mentor.
    veto = EthicsRecord.objects.get(veto_until__isnull=False)
    assert (veto.kind, veto.severity, veto.status) == ("violation", "serious", "confirmed")
    assert veto.veto_until > DEMO_TODAY
    mentor = User.objects.get(username="mentor")
    assert veto.person.mentorships_received.filter(mentor_id=mentor.person_id).exists()
