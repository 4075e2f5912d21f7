"""Loading standards from JSON files: idempotent, new editions for standards in use, all or nothing."""

import json
import re
import shutil
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from medtalent.core.errors import ApplicationError
from medtalent.core.models import AuditEvent
from medtalent.people.models import Department, Institution
from medtalent.people.tests.factories import DepartmentFactory, InstitutionFactory
from medtalent.rotations.models import RotationStandard, StandardEdition
from medtalent.rotations.selectors import current_edition
from medtalent.rotations.services import STANDARDS_DIRECTORY, LoadOutcome, rotation_standards_load
from medtalent.rotations.tests.factories import RotationEnrolmentFactory

pytestmark = pytest.mark.django_db

SPECIALTIES = ["anaesthesiology", "general_practice", "internal_medicine", "paediatrics", "surgery"]


@pytest.fixture
def base() -> Institution:
    return InstitutionFactory(code="base", name_en="Training Base", is_training_base=True)


@pytest.fixture
def folder(tmp_path: Path) -> Path:
    """A private copy of the shipped standards, for tests that change a file."""
    for path in STANDARDS_DIRECTORY.glob("*.json"):
        shutil.copy(path, tmp_path / path.name)
    return tmp_path


def _edit(folder: Path, name: str, change: Any) -> None:
    path = folder / name
    data = json.loads(path.read_text(encoding="utf-8"))
    change(data)
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")


def _move_a_month(data: dict) -> None:
    """Internal medicine: one month from respiratory (3 -> 2) to gastroenterology (3 -> 4)."""
    months = {item["department"]: item for item in data["requirements"]}
    months["RESP"]["months"] -= 1
    months["GI"]["months"] += 1


def test_first_load_creates_every_standard_and_the_departments_they_name(base: Institution) -> None:
    DepartmentFactory(institution=base, code="CARD", name_zh="心内科", name_en="Cardiology")
    report = rotation_standards_load(institution=base)
    assert [(loaded.specialty, loaded.outcome, loaded.edition_number) for loaded in report.standards] == [
        (specialty, LoadOutcome.CREATED, 1) for specialty in SPECIALTIES
    ]
    assert "CARD" not in report.departments_created  # it existed: kept as it was
    assert Department.objects.get(institution=base, code="CARD").name_en == "Cardiology"
    icu = Department.objects.get(institution=base, code="ICU")
    assert (icu.name_zh, icu.name_en, icu.kind, icu.rotation_capacity) == (
        "重症监护病房",
        "Intensive care unit",
        Department.Kind.CLINICAL,
        None,
    )
    named = set().union(
        *(
            json.loads(path.read_text(encoding="utf-8"))["departments"]
            for path in STANDARDS_DIRECTORY.glob("*.json")
        )
    )
    assert sorted(report.departments_created) == sorted(named - {"CARD"})
    assert len(report.departments_created) == 54


def test_loading_twice_changes_nothing(base: Institution) -> None:
    rotation_standards_load(institution=base)
    editions = list(StandardEdition.objects.values_list("pk", "number", "version", "updated_at"))
    events = AuditEvent.objects.count()
    departments = Department.objects.count()
    report = rotation_standards_load(institution=base)
    assert {loaded.outcome for loaded in report.standards} == {LoadOutcome.UNCHANGED}
    assert report.departments_created == []
    assert list(StandardEdition.objects.values_list("pk", "number", "version", "updated_at")) == editions
    assert (AuditEvent.objects.count(), Department.objects.count()) == (events, departments)


def test_a_changed_file_updates_an_edition_nobody_follows_in_place(base: Institution, folder: Path) -> None:
    rotation_standards_load(institution=base, directory=folder)
    _edit(folder, "internal_medicine.json", _move_a_month)
    report = rotation_standards_load(institution=base, directory=folder)
    outcomes = {loaded.specialty: loaded.outcome for loaded in report.standards}
    assert outcomes["internal_medicine"] == LoadOutcome.UPDATED
    assert outcomes["surgery"] == LoadOutcome.UNCHANGED
    edition = current_edition(RotationStandard.objects.get(institution=base, specialty="internal_medicine"))
    months = {item["department"]: item["months"] for item in edition.requirements}
    assert (edition.number, edition.version, months["RESP"], months["GI"]) == (1, 2, 2, 4)


def test_a_changed_file_becomes_a_new_edition_when_trainees_follow_the_current_one(
    base: Institution, folder: Path
) -> None:
    rotation_standards_load(institution=base, directory=folder)
    standard = RotationStandard.objects.get(institution=base, specialty="internal_medicine")
    first = current_edition(standard)
    enrolment = RotationEnrolmentFactory(edition=first)
    _edit(folder, "internal_medicine.json", _move_a_month)
    report = rotation_standards_load(institution=base, directory=folder)
    [loaded] = [loaded for loaded in report.standards if loaded.specialty == "internal_medicine"]
    assert (loaded.outcome, loaded.edition_number) == (LoadOutcome.NEW_EDITION, 2)
    enrolment.refresh_from_db()
    assert enrolment.edition_id == first.pk
    first.refresh_from_db()
    assert {item["department"]: item["months"] for item in first.requirements}["RESP"] == 3
    # Loading the changed file again finds it equal to edition 2.
    again = rotation_standards_load(institution=base, directory=folder)
    assert {loaded.outcome for loaded in again.standards} == {LoadOutcome.UNCHANGED}
    assert standard.editions.count() == 2


def test_a_renamed_standard_is_updated(base: Institution, folder: Path) -> None:
    rotation_standards_load(institution=base, directory=folder)
    _edit(folder, "surgery.json", lambda data: data["name"].update(en="General surgery"))
    report = rotation_standards_load(institution=base, directory=folder)
    assert {loaded.specialty: loaded.outcome for loaded in report.standards}["surgery"] == LoadOutcome.UPDATED
    assert RotationStandard.objects.get(institution=base, specialty="surgery").name_en == "General surgery"


def test_a_file_with_problems_loads_nothing_at_all(base: Institution, folder: Path) -> None:
    _edit(folder, "surgery.json", lambda data: data.update(total_months=34))
    with pytest.raises(ApplicationError) as raised:
        rotation_standards_load(institution=base, directory=folder)
    assert str(raised.value.message).startswith("surgery.json: total_months: The required departments")
    assert raised.value.extra["errors"][0]["field"] == "total_months"
    assert not RotationStandard.objects.exists()
    assert not Department.objects.filter(institution=base).exists()


def test_without_creating_departments_missing_ones_are_problems(base: Institution) -> None:
    with pytest.raises(ApplicationError) as raised:
        rotation_standards_load(institution=base, create_departments=False)
    assert (
        "anaesthesiology.json: requirements.0.department: There is no department with the code “ICU”"
        in str(raised.value.message)
    )


def test_a_folder_without_standards_is_refused(base: Institution, tmp_path: Path) -> None:
    with pytest.raises(ApplicationError) as raised:
        rotation_standards_load(institution=base, directory=tmp_path)
    assert raised.value.message == f"There are no standards (*.json files) in {tmp_path}."


def test_a_file_that_is_not_a_standard_is_refused(base: Institution, tmp_path: Path) -> None:
    (tmp_path / "notes.json").write_text("[1, 2]", encoding="utf-8")
    with pytest.raises(ApplicationError) as raised:
        rotation_standards_load(institution=base, directory=tmp_path)
    assert raised.value.message == (
        "notes.json is not a rotation standard: it needs “specialty”, “name” and “requirements”."
    )


def test_the_command_loads_and_reports(base: Institution, personas: dict[str, Any]) -> None:
    output = StringIO()
    call_command("load_standards", "--institution", "base", "--user", "officer", stdout=output)
    lines = output.getvalue().splitlines()
    assert lines[0].startswith("Departments created: ICU, CARD, RESP, ED")
    assert lines[1:] == [f"{specialty}.json: {specialty}, edition 1, created" for specialty in SPECIALTIES]
    assert (
        AuditEvent.objects.filter(action="rotation_standard.create", actor=personas["officer"]).count() == 5
    )
    output = StringIO()
    call_command("load_standards", "--institution", "base", stdout=output)
    assert output.getvalue().splitlines()[0] == "anaesthesiology.json: anaesthesiology, edition 1, unchanged"


def test_the_command_names_an_unknown_institution(db: Any) -> None:
    with pytest.raises(CommandError, match=re.escape("No institution with the code “nowhere”.")):
        call_command("load_standards", "--institution", "nowhere")
