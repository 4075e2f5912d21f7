"""How long the schedule pages take to build and render for a large cohort.

    python bench/schedule_pages_bench.py [--trainees 1000] [--months 36] [--repeat 5]

Migrates a fresh SQLite database in a temporary folder, makes a training base with 14 departments, a
published schedule and a draft that re-plans it (about one trainee in twenty moved by a month) for N
trainees over the given months, with leave for one in ten, then requests each page as a signed-in
programme officer through Django's test client and prints the median wall-clock time and the queries:

- the draft's grid (first page of 200 rows, with the diff) and the same grid with every row on one page;
- the filter's partial (HTMX), the load against places, the .xlsx download, a department's roster.

Run by hand; it asserts nothing about time.
"""

import argparse
import datetime
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CODES = [
    "CARD",
    "RESP",
    "GI",
    "NEPH",
    "ENDO",
    "HEME",
    "RHEU",
    "ICU",
    "GER",
    "ONC",
    "NEUR",
    "ED",
    "INF",
    "LAB",
]


def build(trainees: int, months: int) -> tuple[object, object, object]:
    from django.utils import timezone

    from medtalent.people.models import (
        Department,
        Institution,
        Person,
        Role,
        RoleAssignment,
        TraineeProfile,
        User,
    )
    from medtalent.rotations.models import RotationBlock, RotationEnrolment, RotationStandard, Schedule
    from medtalent.rotations.months import add_months
    from medtalent.rotations.services import rotation_standard_create

    hospital = Institution.objects.create(
        code="bench", name_zh="附属医院", name_en="Hospital", kind="hospital"
    )
    departments = [
        Department.objects.create(
            institution=hospital,
            code=code,
            name_zh=f"{code}科",
            name_en=f"{code} department",
            rotation_capacity=80,
        )
        for code in CODES
    ]
    officer = User.objects.create_user("bench-officer", password="x")
    RoleAssignment.objects.create(user=officer, role=Role.PROGRAMME_OFFICER, institution=hospital)
    rotation_standard_create(
        user=None,
        institution=hospital,
        specialty="internal_medicine",
        name_zh="内科",
        name_en="Internal medicine",
        total_months=months,
        requirements=[
            {"department": code, "months": 3, "max_segments": 1, "min_segment_months": 1}
            for code in CODES[:12]
        ],
    )
    edition = RotationStandard.objects.get().editions.get()
    first = datetime.date(2025, 9, 1)
    people = Person.objects.bulk_create(
        [
            Person(name_zh=f"学员{n:04d}", name_latin=f"Xueyuan {n:04d}", institution=hospital)
            for n in range(trainees)
        ]
    )
    profiles = TraineeProfile.objects.bulk_create(
        [
            TraineeProfile(
                person=person,
                level="resident",
                institution=hospital,
                cohort=2025 - n % 3,
                student_number=f"S{n:06d}",
                start_date=first,
            )
            for n, person in enumerate(people)
        ]
    )
    RotationEnrolment.objects.bulk_create(
        [
            RotationEnrolment(trainee=profile, edition=edition, institution=hospital, start_month=first)
            for profile in profiles
        ]
    )
    published = Schedule.objects.create(
        institution=hospital,
        title="Published",
        status=Schedule.Status.PUBLISHED,
        published_at=timezone.now(),
        first_month=first,
        horizon_months=months,
    )
    draft = Schedule.objects.create(
        institution=hospital,
        title="Draft",
        based_on=published,
        first_month=first,
        horizon_months=months,
        figures={"overload": 3, "overload_lower_bound": 2, "objective": 140, "objective_lower_bound": 120},
    )
    blocks = []
    for n, profile in enumerate(profiles):
        for schedule in (published, draft):
            moved = schedule is draft and n % 20 == 0
            for part in range(months // 3):
                department = departments[(part + n) % 12]
                start = part * 3 + (1 if moved and part == 2 else 0)
                length = 2 if moved and part == 1 else 3
                blocks.append(
                    RotationBlock(
                        schedule=schedule,
                        trainee=profile,
                        department=department,
                        start_month=add_months(first, start),
                        months=length,
                    )
                )
    RotationBlock.objects.bulk_create(blocks, batch_size=2000)
    from medtalent.rotations.models import Leave

    Leave.objects.bulk_create(
        [
            Leave(trainee=profile, start_month=add_months(first, 30), months=1, reason="sick")
            for profile in profiles[::10]
        ]
    )
    return officer, draft, departments[0]


def timed(label: str, call: object, repeat: int) -> None:
    from django.db import connection, reset_queries

    durations = []
    queries = 0
    size = 0
    for _ in range(repeat):
        reset_queries()
        started = time.perf_counter()
        response = call()  # type: ignore[operator]
        durations.append(time.perf_counter() - started)
        queries = len(connection.queries)
        size = len(response.content)
        assert response.status_code == 200, (label, response.status_code)
    print(
        f"{label:<46} median {statistics.median(durations) * 1000:7.0f} ms  "
        f"(min {min(durations) * 1000:5.0f})  {queries:3d} queries  {size / 1024:7.0f} KiB"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--trainees", type=int, default=1000)
    parser.add_argument("--months", type=int, default=36)
    parser.add_argument("--repeat", type=int, default=5)
    options = parser.parse_args()
    sys.path.insert(0, str(ROOT))
    with tempfile.TemporaryDirectory() as folder:
        os.environ["MEDTALENT_DATA_DIR"] = folder
        os.environ["DJANGO_SETTINGS_MODULE"] = "medtalent.config.settings.base"
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from django.test import Client
        from django.test.utils import setup_test_environment

        setup_test_environment()
        settings.DEBUG = True  # count queries
        call_command("migrate", verbosity=0)
        started = time.perf_counter()
        officer, draft, department = build(options.trainees, options.months)
        print(
            f"{options.trainees} trainees × {options.months} months built in "
            f"{time.perf_counter() - started:.1f} s"
        )
        client = Client(HTTP_ACCEPT_LANGUAGE="zh-hans")
        client.force_login(officer)
        grid = f"/rotations/schedules/{draft.pk}/"  # type: ignore[attr-defined]
        client.get(grid)  # warm the template cache
        timed("grid, draft with diff, first 200 rows", lambda: client.get(grid), options.repeat)
        timed(
            "grid partial (HTMX filter: cohort)",
            lambda: client.get(f"{grid}?cohort=2024", HTTP_HX_REQUEST="true"),
            options.repeat,
        )

        from medtalent.rotations import selectors_schedules

        selectors_schedules.grid.GRID_PAGE_SIZE = options.trainees  # every row on one page
        timed(f"grid, draft with diff, all {options.trainees} rows", lambda: client.get(grid), options.repeat)
        selectors_schedules.grid.GRID_PAGE_SIZE = 200

        timed("load against places", lambda: client.get(f"{grid}load/"), options.repeat)
        timed(
            f"download .xlsx, all {options.trainees} rows",
            lambda: client.get(f"{grid}export.xlsx"),
            options.repeat,
        )
        from django.utils import timezone

        from medtalent.rotations.models import Schedule

        Schedule.objects.filter(status="published").update(status="superseded")
        Schedule.objects.filter(pk=draft.pk).update(  # type: ignore[attr-defined]
            status="published", published_at=timezone.now()
        )
        roster = f"/rotations/roster/?department={department.pk}&month=2026-03"  # type: ignore[attr-defined]
        timed("roster of one department", lambda: client.get(roster), options.repeat)


if __name__ == "__main__":
    main()
