"""The dashboards' figures, exactly: competency means without N/A, completion, counts per month, low
scores, the median wait, pass rates per department and year; and the fixed number of queries of each."""

import datetime
from decimal import Decimal
from typing import Any

import pytest

from medtalent.assessments.models import Assessment, AssessmentRequirement
from medtalent.assessments.selectors_dashboards import (
    assessor_dashboard,
    competency_profiles,
    department_dashboard,
    median_wait_minutes,
    month_window,
    programme_dashboard,
    trainee_dashboard,
)
from medtalent.assessments.tests.conftest import Bedside
from medtalent.assessments.tests.factories import MINI_CEX_SCORES, shipped_version
from medtalent.assessments.tests.factories_requirements import (
    at,
    done_assessment,
    exit_exam,
    requested,
    rotation,
)
from medtalent.people.tests.factories import DepartmentFactory, PersonFactory, TraineeProfileFactory

SEPTEMBER = datetime.date(2026, 9, 14)
OCTOBER = datetime.date(2026, 10, 12)
MINI_CEX = "Mini Clinical Evaluation Exercise (Mini-CEX)"
DOPS = "Direct Observation of Procedural Skills (DOPS)"
SECOND_MINI_CEX = {
    "interview": 8,
    "physical_exam": None,
    "humanistic": 9,
    "clinical_judgement": 7,
    "communication": 7,
    "organisation": 6,
    "overall": 7,
}


def _means(profile: Any) -> list[tuple[str, Decimal | None, int]]:
    return [(item.code, item.mean, item.rated) for item in profile.items]


# --- trainee ----------------------------------------------------------------------------------------


@pytest.fixture
def assessed(bedside: Bedside) -> Bedside:
    """Two Mini-CEX (one item N/A), one DOPS rating two items, and records that must not count."""
    mine = {"trainee": bedside.trainee, "department": bedside.world.cardiology}
    done_assessment(day=SEPTEMBER, scores=dict(MINI_CEX_SCORES), total=Decimal("5.86"), **mine)
    done_assessment(
        day=OCTOBER,
        scores=dict(SECOND_MINI_CEX),
        total=Decimal("7.33"),
        status=Assessment.Status.ACKNOWLEDGED,
        acknowledged_at=at(OCTOBER, 20),
        **mine,
    )
    done_assessment(
        code="dops",
        day=OCTOBER,
        scores={"consent": 4, "overall": 5, "asepsis": None},
        total=Decimal("4.50"),
        **mine,
    )
    # Not counted: another trainee's, an open request, a cancelled one, an exit exam.
    done_assessment(
        day=OCTOBER, scores={"interview": 1}, total=Decimal("1.00"), department=bedside.world.cardiology
    )
    requested(day=OCTOBER, assessor=bedside.world.teacher_person, **mine)
    done_assessment(day=OCTOBER, scores={"interview": 1}, status=Assessment.Status.CANCELLED, **mine)
    exit_exam(day=OCTOBER, passed=True, **mine)
    return bedside


def test_competency_means_per_item_leave_out_not_applicable(assessed: Bedside) -> None:
    profiles, trend = competency_profiles(assessed.trainee)

    assert [(profile.code, profile.name, profile.assessments, profile.scale_max) for profile in profiles] == [
        ("mini_cex", MINI_CEX, 2, 9),
        ("dops", DOPS, 1, 9),
    ]
    assert _means(profiles[0]) == [
        ("interview", Decimal("7.00"), 2),
        ("physical_exam", Decimal("5.00"), 1),
        ("humanistic", Decimal("8.00"), 2),
        ("clinical_judgement", Decimal("6.50"), 2),
        ("communication", Decimal("6.50"), 2),
        ("organisation", Decimal("5.50"), 2),
        ("overall", Decimal("6.50"), 2),
    ]
    dops = dict((code, (mean, rated)) for code, mean, rated in _means(profiles[1]))
    assert len(dops) == 11
    assert dops["consent"] == (Decimal("4.00"), 1)
    assert dops["overall"] == (Decimal("5.00"), 1)
    assert dops["asepsis"] == (None, 0)
    assert profiles[0].radar_chart() == {
        "type": "radar",
        "indicators": [{"name": item.label, "max": 9} for item in profiles[0].items],
        "series": [{"name": MINI_CEX, "values": [7.0, 5.0, 8.0, 6.5, 6.5, 5.5, 6.5]}],
    }
    assert [(series.name, series.points) for series in trend] == [
        ("Mini-CEX", [(SEPTEMBER, Decimal("5.86")), (OCTOBER, Decimal("7.33"))]),
        ("DOPS", [(OCTOBER, Decimal("4.50"))]),
    ]


def test_the_trainee_dashboard_in_seven_queries(assessed: Bedside, django_assert_num_queries: Any) -> None:
    AssessmentRequirement.objects.create(
        institution=assessed.world.hospital, instrument=shipped_version("mini_cex").instrument, minimum=3
    )

    with django_assert_num_queries(7):
        dashboard = trainee_dashboard(assessed.trainee, today=OCTOBER)

    assert dashboard.current_block == assessed.block
    assert [
        (line.label, line.minimum, line.done, line.missing) for line in dashboard.current_requirements
    ] == [
        (MINI_CEX, 3, 2, 1),
        ("Exit exam", 1, 1, 0),
    ]
    assert dashboard.missing == 1
    assert [request.assessor_id for request in dashboard.open_requests] == [assessed.world.teacher_person.pk]
    assert dashboard.trend_chart()["series"][0] == {
        "name": "Mini-CEX",
        "points": [["2026-09-14", 5.86], ["2026-10-12", 7.33]],
    }


def test_a_trainee_without_assessments_has_no_profile(bedside: Bedside) -> None:
    dashboard = trainee_dashboard(bedside.trainee, today=datetime.date(2027, 3, 1))
    assert (dashboard.profiles, dashboard.trend, dashboard.current_block, dashboard.current_requirements) == (
        [],
        [],
        None,
        [],
    )


# --- department -------------------------------------------------------------------------------------


def test_the_department_dashboard(bedside: Bedside, django_assert_num_queries: Any) -> None:
    world = bedside.world
    AssessmentRequirement.objects.create(
        institution=world.hospital, instrument=shipped_version("mini_cex").instrument, minimum=2
    )
    newcomer = TraineeProfileFactory(person=PersonFactory(name_latin="Aaron"), institution=world.hospital)
    newcomer_block = rotation(bedside.schedule, newcomer, world.cardiology, OCTOBER, 2)
    # Not in cardiology this month: surgery, and cardiology from December.
    rotation(bedside.schedule, newcomer, world.surgery, datetime.date(2026, 9, 1), 1)
    rotation(
        bedside.schedule,
        TraineeProfileFactory(institution=world.hospital),
        world.cardiology,
        datetime.date(2026, 12, 1),
        1,
    )
    mine = {"trainee": bedside.trainee, "department": world.cardiology}
    done_assessment(day=SEPTEMBER, **mine)
    low = done_assessment(day=OCTOBER, flagged_low=True, total=Decimal("3.14"), band="1", **mine)
    done_assessment(code="dops", day=OCTOBER, scores={"overall": 6}, **mine)
    failed = exit_exam(day=OCTOBER, passed=False, trainee=newcomer, department=world.cardiology)
    done_assessment(day=datetime.date(2025, 10, 31), **mine)  # before the twelve months
    requested(day=OCTOBER, **mine)
    done_assessment(day=OCTOBER, flagged_low=True, trainee=newcomer, department=world.surgery)

    with django_assert_num_queries(6):
        dashboard = department_dashboard(world.cardiology, today=OCTOBER)

    assert [(row.trainee.pk, row.block.pk) for row in dashboard.completions] == [
        (newcomer.pk, newcomer_block.pk),
        (bedside.trainee.pk, bedside.block.pk),
    ]
    assert [(row.done, row.required, row.missing, row.percent) for row in dashboard.completions] == [
        (0, 3, 3, 0),
        (2, 3, 1, 67),
    ]
    assert dashboard.monthly.months == month_window(OCTOBER)
    assert dashboard.monthly.months[0] == datetime.date(2025, 11, 1)
    assert dashboard.monthly.series == {
        "DOPS": [0] * 11 + [1],
        "Department exit assessment": [0] * 11 + [1],
        "Mini-CEX": [0] * 10 + [1, 1],
    }
    assert dashboard.monthly.totals == [0] * 10 + [1, 3]
    # Newest first; on the same day, the later record first.
    assert [flag.pk for flag in dashboard.flags] == [failed.pk, low.pk]


# --- assessor ---------------------------------------------------------------------------------------


def test_the_median_wait_is_the_middle_of_the_ordered_waits(bedside: Bedside) -> None:
    teacher = bedside.world.teacher_person
    mine = {"assessor": teacher, "origin": Assessment.Origin.TRAINEE_REQUEST}
    for minutes in (240, 60, 120):
        done_assessment(day=OCTOBER, wait_minutes=minutes, **mine)
    given = Assessment.objects.filter(assessor=teacher)

    assert median_wait_minutes(given, 3) == Decimal("120.00")
    done_assessment(day=OCTOBER, wait_minutes=30, **mine)
    assert median_wait_minutes(given, 4) == Decimal("90.00")
    assert median_wait_minutes(given, 0) is None


def test_the_assessor_dashboard(bedside: Bedside, django_assert_num_queries: Any) -> None:
    teacher = bedside.world.teacher_person
    requests = {"assessor": teacher, "origin": Assessment.Origin.TRAINEE_REQUEST}
    done_assessment(day=SEPTEMBER, wait_minutes=60, **requests)
    done_assessment(day=OCTOBER, wait_minutes=3 * 24 * 60, **requests)
    done_assessment(day=OCTOBER, wait_minutes=180, assessor=teacher, origin=Assessment.Origin.LOGBOOK)
    done_assessment(day=OCTOBER, wait_minutes=0, assessor=teacher, origin=Assessment.Origin.BEDSIDE_CODE)
    done_assessment(day=datetime.date(2025, 9, 1), wait_minutes=5, **requests)  # before the twelve months
    done_assessment(day=OCTOBER, wait_minutes=1, origin=Assessment.Origin.TRAINEE_REQUEST)  # somebody else's
    older = requested(day=datetime.date(2026, 10, 2), assessor=teacher)
    newer = requested(day=OCTOBER, assessor=teacher)

    with django_assert_num_queries(4):
        dashboard = assessor_dashboard(teacher, now=at(OCTOBER, 12))

    assert (dashboard.done, dashboard.timed_requests, dashboard.median_minutes, dashboard.median_hours) == (
        4,
        3,
        Decimal("180.00"),
        Decimal("3.0"),
    )
    assert [(row.assessment.pk, row.age_days) for row in dashboard.pending] == [(older.pk, 10), (newer.pk, 0)]
    assert dashboard.monthly.totals == [0] * 10 + [1, 3]
    assert dashboard.monthly.series == {"Mini-CEX": [0] * 10 + [1, 3]}


# --- programme --------------------------------------------------------------------------------------


def test_exit_exam_pass_rates_per_department_and_year(
    bedside: Bedside, django_assert_num_queries: Any
) -> None:
    world = bedside.world
    for day, passed in [
        (datetime.date(2025, 6, 1), True),
        (datetime.date(2025, 12, 1), False),
        (datetime.date(2026, 1, 5), True),
        (datetime.date(2026, 5, 5), True),
        (datetime.date(2026, 9, 5), True),
    ]:
        exit_exam(day=day, passed=passed, department=world.cardiology)
    exit_exam(day=datetime.date(2026, 3, 1), passed=True, department=world.surgery)
    exit_exam(day=datetime.date(2026, 4, 1), passed=False, department=world.surgery)
    foreign = DepartmentFactory(institution=world.other)
    exit_exam(day=datetime.date(2026, 4, 1), passed=False, department=foreign)
    exit_exam(
        day=datetime.date(2026, 4, 1),
        passed=True,
        department=world.surgery,
        status=Assessment.Status.CANCELLED,
    )
    done_assessment(day=datetime.date(2026, 4, 1), department=world.surgery)  # not an exit exam

    with django_assert_num_queries(1):
        dashboard = programme_dashboard({world.uni.pk, world.hospital.pk})

    assert dashboard.years == [2025, 2026]
    rates = {
        row.name: [(rate.sat, rate.passed, rate.percent) if rate else None for rate in row.rates]
        for row in dashboard.departments
    }
    assert rates == {
        "Cardiology": [(2, 1, Decimal("50.0")), (3, 3, Decimal("100.0"))],
        "General Surgery": [None, (2, 1, Decimal("50.0"))],
    }
    assert [(total.sat, total.passed, total.percent) for total in dashboard.totals] == [
        (2, 1, Decimal("50.0")),
        (5, 4, Decimal("80.0")),
    ]
    chart = dashboard.chart()
    # The latest year, lowest pass rate first.
    assert (chart["labels"], chart["values"]) == (["General Surgery", "Cardiology"], [50.0, 100.0])

    everywhere = programme_dashboard(None)
    assert len(everywhere.departments) == 3
