"""The shipped instruments (``fixtures/instruments/``, a verbatim copy of ``shared/domain/instruments/``)
and the versions the form builder makes."""

import json
from pathlib import Path
from typing import Any

FIXTURES = Path(__file__).resolve().parent.parent / "fixtures" / "instruments"


def kind_of(definition: dict[str, Any]) -> str:
    """An instrument's kind follows from its definition's shape."""
    if "components" in definition:
        return "exit_exam"
    if "sections" in definition:
        return "points"
    return "rating_scale"


def shipped_definitions(folder: Path = FIXTURES) -> list[dict[str, Any]]:
    return [json.loads(path.read_text(encoding="utf-8")) for path in sorted(folder.glob("*.json"))]


def shipped_instruments_load(instrument_model: Any, version_model: Any, folder: Path = FIXTURES) -> int:
    """Load or refresh the shipped instruments; returns the number of versions written.

    Takes the model classes so a data migration can call it with its historical models. A file whose
    definition differs from the current version becomes that version's content while nobody has used it,
    and the next version once somebody has.
    """
    written = 0
    for definition in shipped_definitions(folder):
        instrument, _created = instrument_model.objects.update_or_create(
            institution=None,
            code=definition["code"],
            defaults={
                "kind": kind_of(definition),
                "name_zh": definition["name"]["zh"],
                "name_en": definition["name"].get("en", ""),
            },
        )
        current = version_model.objects.filter(instrument=instrument).order_by("-number").first()
        if current is not None and current.definition == definition:
            continue
        if current is not None and current.frozen_at is None:
            current.definition = definition
            current.save(update_fields=["definition", "updated_at"])
        else:
            version_model.objects.create(
                instrument=instrument, number=(current.number + 1) if current else 1, definition=definition
            )
        written += 1
    return written
