"""Demo rotations: the shipped standards at the First Affiliated Hospital, three cohorts enrolled, some
leave and research months, and a schedule made by the solver and published.

The standards name departments by short codes (CARD, GS …); the demo hospital's departments have their
own codes, so the demo loads a copy of the standards with the codes it has (as a training base adapting
the national plan would) and lets the loader create the departments it lacks.
"""

from __future__ import annotations

import datetime
import json
import math
import random
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

from django.utils import timezone

from medtalent.people.models import Department, Institution, Mentorship, TraineeLevel, TraineeProfile
from medtalent.rotations.models import (
    Leave,
    ResearchWindow,
    RotationBlock,
    RotationEnrolment,
    RotationStandard,
    Schedule,
)
from medtalent.rotations.months import add_months
from medtalent.rotations.services import STANDARDS_DIRECTORY, rotation_standards_load
from medtalent.rotations.services.scheduling import schedule_publish, schedule_solve

HOSPITAL = "hmu-h1"
SPECIALTIES = ("internal_medicine", "surgery", "general_practice")
COHORTS = (2023, 2024, 2025)
# Standard code -> the demo hospital's department code.
DEMO_CODES = {
    "CARD": "cardiology",
    "RESP": "respiratory",
    "GI": "gastroenterology",
    "NEPH": "nephrology",
    "ENDO": "endocrinology",
    "HEME": "hematology",
    "NEURO": "neurology",
    "GS": "general-surgery",
    "ORTH": "orthopedics",
    "URO": "urology",
    "CTS": "cardiothoracic-surgery",
    "NS": "neurosurgery",
    "OBGYN": "obstetrics-gynecology",
    "PED": "pediatrics",
    "ED": "emergency",
    "ICU": "critical-care",
    "ANES": "anesthesiology",
    "IMAG": "radiology",
    "OPH": "ophthalmology",
    "ENT": "otorhinolaryngology",
    "LAB": "laboratory-medicine",
}
SURGICAL = {"general-surgery", "orthopedics", "urology", "cardiothoracic-surgery", "neurosurgery"}
SOLVER_SECONDS = 8.0


def load_rotation_demo(*, admin: Any, stdout: Any = None) -> bool:
    """Load the rotation demo unless the hospital already has standards. Returns whether it loaded."""
    hospital = Institution.objects.get(code=HOSPITAL)
    if RotationStandard.objects.filter(institution=hospital).exists():
        return False
    rng = random.Random(2026)
    with tempfile.TemporaryDirectory() as folder:
        for specialty in SPECIALTIES:
            data = json.loads((Path(STANDARDS_DIRECTORY) / f"{specialty}.json").read_text(encoding="utf-8"))
            _recode(data)
            (Path(folder) / f"{specialty}.json").write_text(json.dumps(data, ensure_ascii=False), "utf-8")
        rotation_standards_load(institution=hospital, directory=folder, user=admin)
    editions = {
        standard.specialty: standard.editions.order_by("-number").first()
        for standard in RotationStandard.objects.filter(institution=hospital).prefetch_related("editions")
    }
    trainees = list(
        TraineeProfile.objects.filter(
            institution=hospital,
            status=TraineeProfile.Status.ACTIVE,
            level__in=[TraineeLevel.PROFESSIONAL_MASTER, TraineeLevel.RESIDENT],
            cohort__in=COHORTS,
        )
        .select_related("department")
        .order_by("cohort", "pk")
    )
    enrolments = []
    for trainee in trainees:
        if trainee.department and trainee.department.code in SURGICAL:
            specialty = "surgery"
        else:
            specialty = "general_practice" if rng.random() < 0.25 else "internal_medicine"
        enrolments.append(
            RotationEnrolment(
                trainee=trainee,
                edition=editions[specialty],
                institution=hospital,
                start_month=datetime.date(trainee.cohort, 9, 1),
            )
        )
    RotationEnrolment.objects.bulk_create(enrolments)
    _set_capacities(hospital, enrolments)
    for trainee in rng.sample(trainees, k=min(3, len(trainees))):
        Leave.objects.create(
            trainee=trainee,
            start_month=datetime.date(trainee.cohort + 1, rng.choice((3, 5, 10)), 1),
            months=rng.choice((1, 2)),
            reason=rng.choice((Leave.Reason.SICK, Leave.Reason.MATERNITY, Leave.Reason.PERSONAL)),
            created_by=admin,
        )
    _research_windows(trainees, rng)
    schedule = schedule_solve(
        user=admin,
        institution=hospital,
        time_limit=SOLVER_SECONDS,
        title="2023–2025 级住培与专硕轮转安排 · 2023–2025 rotation schedule",
    )
    schedule_publish(user=admin, schedule=schedule, expected_version=schedule.version)
    _mark_progress(schedule)
    if stdout is not None:
        figures = schedule.figures
        stdout.write(
            f"Rotations: {len(enrolments)} trainees enrolled; schedule published with overload "
            f"{figures['overload']} (proven lower bound {figures['overload_lower_bound']})."
        )
    return True


def _recode(standard: dict[str, Any]) -> None:
    for requirement in standard["requirements"]:
        requirement["department"] = DEMO_CODES.get(requirement["department"], requirement["department"])
    for group in standard["groups"]:
        group["departments"] = [DEMO_CODES.get(c, c) for c in group["departments"]]
    standard["departments"] = {DEMO_CODES.get(c, c): names for c, names in standard["departments"].items()}


def _set_capacities(hospital: Institution, enrolments: list[RotationEnrolment]) -> None:
    """Places per month: a little more than the busiest month's average need, as a hospital plans them."""
    need: dict[str, float] = defaultdict(float)
    for enrolment in enrolments:
        edition = enrolment.edition
        for requirement in edition.requirements:
            need[requirement["department"]] += requirement["months"] / edition.total_months
        for group in edition.groups:
            for code in group["departments"]:
                need[code] += group["months"] / len(group["departments"]) / edition.total_months
    # Three cohorts overlap for a year at most, so about two thirds of everyone is present at the peak.
    for department in Department.objects.filter(institution=hospital, code__in=need):
        wanted = max(1, math.ceil(1.25 * need[department.code] * 2 / 3))
        if (department.rotation_capacity or 0) < wanted:
            department.rotation_capacity = wanted
            department.save(update_fields=["rotation_capacity"])


def _research_windows(trainees: list[TraineeProfile], rng: random.Random) -> None:
    """Two protected research months for some professional master's students, with their school mentor."""
    masters = [t for t in trainees if t.level == TraineeLevel.PROFESSIONAL_MASTER]
    mentors = dict(
        Mentorship.objects.filter(
            mentee_id__in=[t.person_id for t in masters], kind=Mentorship.Kind.SCHOOL
        ).values_list("mentee_id", "mentor_id")
    )
    for trainee in rng.sample(masters, k=min(6, len(masters))):
        if trainee.person_id in mentors:
            ResearchWindow.objects.create(
                trainee=trainee,
                mentor_id=mentors[trainee.person_id],
                months=2,
                earliest_start=12,
                latest_end=30,
            )


def _mark_progress(schedule: Schedule) -> None:
    """Blocks that ended are completed (left the department); the ones running now are in progress."""
    this_month = timezone.localdate().replace(day=1)
    changed = []
    for block in schedule.blocks.all():
        end = add_months(block.start_month, block.months)
        if end <= this_month:
            block.status = RotationBlock.Status.COMPLETED
        elif block.start_month <= this_month:
            block.status = RotationBlock.Status.IN_PROGRESS
        else:
            continue
        changed.append(block)
    RotationBlock.objects.bulk_update(changed, ["status"], batch_size=500)
