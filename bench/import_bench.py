"""How much the people import costs over a plain bulk insert of the same rows.

    python bench/import_bench.py [--rows 50000] [--backends sqlite,postgresql]

For each database it migrates a fresh one (a temporary SQLite file; a `medtalent_bench` database on
the PostgreSQL at $BENCH_POSTGRES_URL, default postgres://postgres@127.0.0.1:5432), writes a CSV
roster of N people with valid ID numbers, and times in the same run:

- baseline: read the CSV with the csv module and `bulk_create` what the import writes for each row
  (a Person and their TraineeProfile), with no checks at all;
- import: upload + preview + commit through the import service, which reads and checks every cell,
  matches every row against the records, stores the preview, re-plans and verifies the plan at
  commit, writes, links every record to its import and writes the audit event.

It prints rows per second for both and the ratio (import time / baseline time). The target is 3x or less.
"""

import argparse
import csv
import datetime
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
HEADER = ["姓名", "性别", "身份证号", "手机", "科室", "培养层次", "年级", "学号"]


def write_roster(path: Path, rows: int) -> None:
    from medtalent.people.tests.factories import make_national_id

    start = datetime.date(1990, 1, 1)
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        writer = csv.writer(file)
        writer.writerow(HEADER)
        for number in range(rows):
            born = start + datetime.timedelta(days=number // 900)
            writer.writerow(
                [
                    f"学员{number:06d}",
                    "女" if number % 2 else "男",
                    make_national_id(born, number % 900),
                    f"139{number:08d}",
                    "心血管内科",
                    "专硕",
                    2024,
                    f"S{number:07d}",
                ]
            )


def run_one(rows: int) -> None:
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "medtalent.config.settings.base")
    django.setup()
    from django.core.management import call_command
    from django.db import connection, transaction

    from medtalent.core.imports.services import import_batch_commit, import_batch_create, import_batch_preview
    from medtalent.people.models import (
        Department,
        Gender,
        Institution,
        Person,
        Role,
        RoleAssignment,
        TraineeLevel,
        TraineeProfile,
        User,
    )

    call_command("migrate", verbosity=0)
    hospital = Institution.objects.create(
        code="bench", name_zh="附属医院", name_en="Hospital", kind="hospital"
    )
    cardiology = Department.objects.create(
        institution=hospital, code="cardio", name_zh="心血管内科", name_en="Cardiology"
    )
    officer = User.objects.create_user("bench-officer", password="x")
    RoleAssignment.objects.create(user=officer, role=Role.PROGRAMME_OFFICER, institution=hospital)

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "roster.csv"
        write_roster(path, rows)

        class Rollback(Exception):
            pass

        started = time.perf_counter()
        try:
            with transaction.atomic():
                with path.open(encoding="utf-8-sig", newline="") as file:
                    reader = csv.reader(file)
                    next(reader)
                    rows_read = list(reader)
                people = [
                    Person(
                        name_zh=row[0],
                        gender=Gender.FEMALE if row[1] == "女" else Gender.MALE,
                        national_id=row[2],
                        birth_date=datetime.date(int(row[2][6:10]), int(row[2][10:12]), int(row[2][12:14])),
                        phone=row[3],
                        institution=hospital,
                        department=cardiology,
                    )
                    for row in rows_read
                ]
                Person.objects.bulk_create(people, batch_size=500)
                TraineeProfile.objects.bulk_create(
                    [
                        TraineeProfile(
                            person=person,
                            institution=hospital,
                            department=cardiology,
                            level=TraineeLevel.PROFESSIONAL_MASTER,
                            cohort=int(row[6]),
                            student_number=row[7],
                            start_date=datetime.date(int(row[6]), 9, 1),
                        )
                        for person, row in zip(people, rows_read, strict=True)
                    ],
                    batch_size=500,
                )
                baseline = time.perf_counter() - started
                raise Rollback
        except Rollback:
            pass
        assert not Person.objects.exists()

        started = time.perf_counter()
        with path.open("rb") as file:
            batch = import_batch_create(
                actor=officer,
                kind="people",
                file=file,
                filename="roster.csv",
                options={"institution": hospital.pk},
            )
        batch = import_batch_preview(batch=batch)
        previewed = time.perf_counter()
        assert batch.rows_created == rows, (batch.status, batch.error, batch.rows_rejected)
        import_batch_commit(batch=batch, actor=officer)
        finished = time.perf_counter()
        assert Person.objects.filter(import_batch=batch).count() == rows
    total = finished - started
    print(
        f"{connection.vendor:<11} rows {rows:>7,}  baseline bulk_create {rows / baseline:>9,.0f} rows/s  "
        f"import {rows / total:>8,.0f} rows/s "
        f"(preview {previewed - started:5.1f} s, commit {finished - previewed:5.1f} s)"
        f"  ratio {total / baseline:4.2f}x"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--backends", default="sqlite,postgresql")
    parser.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    arguments = parser.parse_args()
    if arguments.child:
        run_one(arguments.rows)
        return
    postgres = os.environ.get("BENCH_POSTGRES_URL", "postgres://postgres@127.0.0.1:5432")
    for backend in arguments.backends.split(","):
        with tempfile.TemporaryDirectory() as data:
            environment = {**os.environ, "MEDTALENT_DATA_DIR": data, "MEDTALENT_IMPORT_MAX_MB": "500"}
            environment.pop("DATABASE_URL", None)
            if backend == "postgresql":
                subprocess.run(
                    ["psql", postgres + "/postgres", "-qc", "DROP DATABASE IF EXISTS medtalent_bench"]
                )
                subprocess.run(
                    ["psql", postgres + "/postgres", "-qc", "CREATE DATABASE medtalent_bench"], check=True
                )
                environment["DATABASE_URL"] = postgres + "/medtalent_bench"
            command = [sys.executable, __file__, "--child", "--rows", str(arguments.rows)]
            subprocess.run(command, env=environment, cwd=ROOT, check=True)
            if backend == "postgresql":
                subprocess.run(["psql", postgres + "/postgres", "-qc", "DROP DATABASE medtalent_bench"])


if __name__ == "__main__":
    main()
