"""How an assessment's answers read on its page: each item or field with its label, value and band."""

from dataclasses import dataclass
from typing import Any

from .labels import CHOICE_LABELS
from .models import Assessment, InstrumentKind
from .scoring import field_label, label


@dataclass(frozen=True)
class AnswerRow:
    label: str
    value: str
    # "low", "marginal", "good" or "" (for colour), and the share of the maximum for a bar.
    tone: str = ""
    share: int = 0


def _tone(value: int, bands: list[dict[str, Any]]) -> str:
    ordered = sorted(bands, key=lambda band: band["min"])
    if not ordered:
        return ""
    if value <= ordered[0]["max"]:
        return "low"
    if len(ordered) > 1 and value == ordered[1]["min"]:
        return "marginal"
    return "good" if value >= ordered[-1]["min"] else ""


def _choice(value: Any) -> str:
    if isinstance(value, list):
        return ", ".join(_choice(item) for item in value)
    return str(CHOICE_LABELS.get(str(value), value))


def answer_rows(assessment: Assessment) -> dict[str, list[AnswerRow]]:
    """``{"scores": [...], "details": [...]}`` in the instrument's own order."""
    definition = assessment.instrument_version.definition
    kind = assessment.instrument_version.instrument.kind
    scores: list[AnswerRow] = []
    if kind == InstrumentKind.RATING_SCALE:
        scale = definition["scale"]
        for item in definition["items"]:
            value = assessment.scores.get(item["code"])
            if value is None:
                scores.append(AnswerRow(label(item), "N/A"))
            else:
                share = round(100 * value / scale["max"])
                scores.append(AnswerRow(label(item), str(value), _tone(value, scale.get("bands", [])), share))
    else:
        parts = definition["sections"] if kind == InstrumentKind.POINTS else definition["components"]
        for part in parts:
            value = assessment.scores.get(part["code"])
            text = "" if value is None else f"{value:g} / {part['points']}"
            share = round(100 * (value or 0) / part["points"]) if part["points"] else 0
            scores.append(AnswerRow(label(part), text, "", share))
    details = []
    for entry in [*definition.get("context_fields", []), *definition.get("extra_fields", [])]:
        value = assessment.details.get(entry["code"])
        if value not in (None, "", []):
            details.append(AnswerRow(field_label(entry), _choice(value)))
    return {"scores": scores, "details": details}
