"""The shipped standards are the shared reference data, and loading them reproduces it exactly.

The reference files live in ``shared/domain/rotation_standards/`` beside the repository. Where that folder
exists, the copy shipped in ``fixtures/standards/`` must equal it byte for byte; without it (a packaged
install) the copy is the reference.
"""

import json
from pathlib import Path

import pytest

from medtalent.people.tests.factories import InstitutionFactory
from medtalent.rotations.models import RotationStandard
from medtalent.rotations.selectors import current_edition
from medtalent.rotations.services import STANDARDS_DIRECTORY, rotation_standards_load

REFERENCE = Path(__file__).resolve().parents[4] / "shared" / "domain" / "rotation_standards"
SOURCE = REFERENCE if REFERENCE.is_dir() else STANDARDS_DIRECTORY
FILES = sorted(path.name for path in SOURCE.iterdir() if path.suffix in {".json", ".md"})


def test_there_are_five_standards_and_a_readme() -> None:
    assert FILES == [
        "README.md",
        "anaesthesiology.json",
        "general_practice.json",
        "internal_medicine.json",
        "paediatrics.json",
        "surgery.json",
    ]


@pytest.mark.skipif(not REFERENCE.is_dir(), reason="the shared reference folder is not beside this checkout")
@pytest.mark.parametrize("name", FILES)
def test_the_shipped_copy_equals_the_reference_byte_for_byte(name: str) -> None:
    assert (STANDARDS_DIRECTORY / name).read_bytes() == (REFERENCE / name).read_bytes()


@pytest.mark.django_db
def test_every_loaded_standard_equals_its_reference_file() -> None:
    institution = InstitutionFactory(code="base", name_en="Training Base", is_training_base=True)
    rotation_standards_load(institution=institution)
    for path in sorted(SOURCE.glob("*.json")):
        reference = json.loads(path.read_text(encoding="utf-8"))
        standard = RotationStandard.objects.get(institution=institution, specialty=reference["specialty"])
        edition = current_edition(standard)
        assert (standard.name_zh, standard.name_en) == (reference["name"]["zh"], reference["name"]["en"])
        assert edition.number == 1
        assert edition.label == reference["edition"]
        assert edition.total_months == reference["total_months"]
        assert edition.source == reference["source"]
        assert edition.requirements == reference["requirements"], path.name
        assert edition.groups == reference["groups"], path.name
    assert RotationStandard.objects.filter(institution=institution).count() == 5
