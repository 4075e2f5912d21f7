"""The shipped instruments are the reference data in ``shared/domain/instruments/``, loaded as fixtures."""

import json
from pathlib import Path

import pytest

from medtalent.assessments.models import Instrument, InstrumentKind, InstrumentVersion
from medtalent.assessments.services.instruments import FIXTURES, shipped_instruments_load

REFERENCE = Path(__file__).resolve().parents[4] / "shared" / "domain" / "instruments"


@pytest.mark.skipif(not REFERENCE.is_dir(), reason="the shared reference data is not beside this checkout")
def test_fixtures_are_a_verbatim_copy_of_the_reference_data() -> None:
    shipped = sorted(path.name for path in FIXTURES.glob("*.json"))
    assert shipped == sorted(path.name for path in REFERENCE.glob("*.json"))
    for name in shipped:
        assert (FIXTURES / name).read_bytes() == (REFERENCE / name).read_bytes(), name


@pytest.mark.django_db
def test_the_migration_loads_every_shipped_instrument_as_version_one() -> None:
    loaded = {
        instrument.code: instrument.kind for instrument in Instrument.objects.filter(institution__isnull=True)
    }
    assert loaded == {
        "mini_cex": InstrumentKind.RATING_SCALE,
        "dops": InstrumentKind.RATING_SCALE,
        "medical_record_quality": InstrumentKind.POINTS,
        "department_exit_exam": InstrumentKind.EXIT_EXAM,
    }
    for path in FIXTURES.glob("*.json"):
        definition = json.loads(path.read_text(encoding="utf-8"))
        version = InstrumentVersion.objects.get(
            instrument__code=definition["code"], instrument__institution=None
        )
        assert version.number == 1
        assert version.definition == definition
    mini_cex = Instrument.objects.get(code="mini_cex")
    assert (mini_cex.name_zh, mini_cex.name_en) == (
        "迷你临床演练评估（Mini-CEX）",
        "Mini Clinical Evaluation Exercise (Mini-CEX)",
    )
    assert len(InstrumentVersion.objects.get(instrument=mini_cex).definition["items"]) == 7


@pytest.mark.django_db
def test_loading_again_changes_nothing_and_a_changed_frozen_file_becomes_version_two(tmp_path: Path) -> None:
    assert shipped_instruments_load(Instrument, InstrumentVersion) == 0
    version = InstrumentVersion.objects.get(instrument__code="dops")
    version.frozen_at = version.created_at
    version.save()
    definition = json.loads((FIXTURES / "dops.json").read_text(encoding="utf-8"))
    definition["items"] = definition["items"][:10]
    (tmp_path / "dops.json").write_text(json.dumps(definition), encoding="utf-8")
    assert shipped_instruments_load(Instrument, InstrumentVersion, tmp_path) == 1
    numbers = list(InstrumentVersion.objects.filter(instrument__code="dops").values_list("number", flat=True))
    assert sorted(numbers) == [1, 2]
    assert len(InstrumentVersion.objects.get(instrument__code="dops", number=1).definition["items"]) == 11
