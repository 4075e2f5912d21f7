"""Scoring and validation of one filled-in form against its instrument version's definition.

One function per kind of instrument, chosen by ``score_answers``. They read the definition in the shape
of ``shared/domain/instruments/*.json`` (and of instruments built in the form builder), check every
answer, and return the figures stored on the assessment. Errors name their field (``scores.interview``,
``details.observation_minutes``) so a page puts each on its input and the API returns it as is.
"""

import re
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.core.exceptions import ValidationError
from django.utils.translation import get_language, pgettext
from django.utils.translation import gettext as _

from .models import InstrumentKind

TWO_PLACES = Decimal("0.01")
HALF = Decimal("0.5")
MAX_TEXT = 2000
# Pass rules that are not arithmetic on the scores: the service checks them against the records.
RECORD_RULES = {
    "no serious misconduct during the rotation": "no_serious_misconduct",
    "leave <= 1/3 of the rotation": "leave_within_a_third",
}
_NUMERIC_RULE = re.compile(r"^\s*([a-z_]+)\s*>=\s*([0-9]+(?:\.[0-9]+)?)\s*$")


@dataclass
class ScoreResult:
    total: Decimal | None
    band: str = ""
    # What is stored: language-neutral (the band's or grade's lower bound, or "passed"/"failed").
    band_key: str = ""
    passed: bool | None = None
    flagged_low: bool = False
    # Items to remediate: the lowest band, or the marginal score just above it.
    low_items: list[str] = field(default_factory=list)
    marginal_items: list[str] = field(default_factory=list)
    parts: dict[str, Decimal] = field(default_factory=dict)
    failed_rules: list[str] = field(default_factory=list)


def label(entry: dict[str, Any]) -> str:
    """An item's, field's or band's name in the active language (falls back to the other, then the code)."""
    english = (get_language() or "").startswith("en")
    first, second = ("en", "zh") if english else ("zh", "en")
    return str(entry.get(first) or entry.get(second) or entry.get("code", ""))


class _Errors:
    def __init__(self) -> None:
        self.by_field: dict[str, list[str]] = {}

    def add(self, name: str, message: str) -> None:
        self.by_field.setdefault(name, []).append(message)

    def raise_if_any(self) -> None:
        if self.by_field:
            raise ValidationError(self.by_field)


def _number(value: Any) -> Decimal | None:
    if value is None or value == "" or isinstance(value, bool):
        return None
    try:
        number = Decimal(str(value).strip())
    except (InvalidOperation, ValueError):
        raise ValueError from None
    if not number.is_finite():
        raise ValueError
    return number


def clean_details(definition: dict[str, Any], details: dict[str, Any], errors: _Errors) -> dict[str, Any]:
    """The context and extra fields, each checked against its type, choices and range."""
    cleaned: dict[str, Any] = {}
    fields = [*definition.get("context_fields", []), *definition.get("extra_fields", [])]
    known = {entry["code"] for entry in fields}
    for unknown in sorted(set(details) - known):
        errors.add(f"details.{unknown}", _("This form has no field “%(field)s”.") % {"field": unknown})
    for entry in fields:
        code = entry["code"]
        name = f"details.{code}"
        value = details.get(code)
        empty = value is None or value == "" or value == []
        if empty:
            if entry.get("required"):
                errors.add(name, _("%(field)s is required.") % {"field": field_label(entry)})
            continue
        if "choices" in entry:
            values = value if isinstance(value, list) else [value]
            if not entry.get("multiple") and len(values) > 1:
                errors.add(name, _("Choose one option."))
                continue
            wrong = [str(item) for item in values if str(item) not in entry["choices"]]
            if wrong:
                errors.add(name, _("“%(value)s” is not one of the options.") % {"value": wrong[0]})
                continue
            cleaned[code] = [str(item) for item in values] if entry.get("multiple") else str(values[0])
        elif entry.get("type") == "int":
            try:
                number = _number(value)
            except ValueError:
                number = None
            if number is None or number != number.to_integral_value():
                errors.add(name, _("Enter a whole number."))
                continue
            low, high = entry.get("min"), entry.get("max")
            if (low is not None and number < low) or (high is not None and number > high):
                errors.add(
                    name,
                    _("Enter a number from %(min)s to %(max)s.") % {"min": low or 0, "max": high or "∞"},
                )
                continue
            cleaned[code] = int(number)
        else:
            text = str(value).strip()
            if len(text) > MAX_TEXT:
                errors.add(name, _("At most %(count)d characters.") % {"count": MAX_TEXT})
                continue
            if text:
                cleaned[code] = text
    return cleaned


def field_label(entry: dict[str, Any]) -> str:
    """A form field's name: its own, or ours for the codes the shipped instruments use."""
    from .labels import FIELD_LABELS

    if entry.get("zh") and entry.get("en"):
        return label(entry)
    return str(FIELD_LABELS.get(entry["code"]) or label(entry))


def _score_rating_scale(
    definition: dict[str, Any], scores: dict[str, Any], errors: _Errors
) -> tuple[dict[str, int | None], ScoreResult]:
    scale = definition["scale"]
    low, high = int(scale["min"]), int(scale["max"])
    allow_na = bool(scale.get("not_applicable_allowed", True))
    items = definition["items"]
    cleaned: dict[str, int | None] = {}
    for unknown in sorted(set(scores) - {item["code"] for item in items}):
        errors.add(f"scores.{unknown}", _("This form has no item “%(item)s”.") % {"item": unknown})
    for item in items:
        code = item["code"]
        value = scores.get(code)
        if value is None or value == "" or str(value).lower() in {"na", "n/a"}:
            if item.get("required") or not allow_na:
                errors.add(f"scores.{code}", _("Rate “%(item)s”.") % {"item": label(item)})
            cleaned[code] = None
            continue
        try:
            number = _number(value)
        except ValueError:
            number = None
        if number is None or number != number.to_integral_value() or not low <= number <= high:
            errors.add(
                f"scores.{code}",
                _("“%(item)s”: choose a score from %(min)d to %(max)d%(or_na)s.")
                % {"item": label(item), "min": low, "max": high, "or_na": _(" or N/A") if allow_na else ""},
            )
            continue
        cleaned[code] = int(number)
    rated = {code: value for code, value in cleaned.items() if value is not None}
    if not rated and not errors.by_field:
        errors.add("scores", _("Rate at least one item; the others may be N/A."))
    if not rated:
        return cleaned, ScoreResult(total=None)
    bands = sorted(scale.get("bands", []), key=lambda band: band["min"])
    total = (Decimal(sum(rated.values())) / len(rated)).quantize(TWO_PLACES, rounding=ROUND_HALF_UP)
    band = next((entry for entry in reversed(bands) if total >= entry["min"]), None)
    lowest_max = bands[0]["max"] if bands else low
    marginal = bands[1]["min"] if len(bands) > 1 else None
    low_items = [code for code, value in rated.items() if value <= lowest_max]
    marginal_items = [code for code, value in rated.items() if value == marginal]
    return cleaned, ScoreResult(
        total=total,
        band=label(band) if band else "",
        band_key=str(band["min"]) if band else "",
        flagged_low=bool(low_items) or (len(bands) > 1 and total < bands[1]["min"]),
        low_items=low_items,
        marginal_items=marginal_items,
    )


def _points(entries: list[dict[str, Any]], scores: dict[str, Any], errors: _Errors) -> dict[str, float]:
    cleaned: dict[str, float] = {}
    for unknown in sorted(set(scores) - {entry["code"] for entry in entries}):
        errors.add(f"scores.{unknown}", _("This form has no item “%(item)s”.") % {"item": unknown})
    for entry in entries:
        code = entry["code"]
        try:
            number = _number(scores.get(code))
        except ValueError:
            number = None
            errors.add(f"scores.{code}", _("Enter a number."))
            continue
        if number is None:
            errors.add(f"scores.{code}", _("Score “%(item)s”.") % {"item": label(entry)})
            continue
        if not 0 <= number <= entry["points"] or (number / HALF) != (number / HALF).to_integral_value():
            errors.add(
                f"scores.{code}",
                _("“%(item)s”: from 0 to %(max)s points, in steps of 0.5.")
                % {"item": label(entry), "max": entry["points"]},
            )
            continue
        cleaned[code] = float(number)
    return cleaned


def _score_points(
    definition: dict[str, Any], scores: dict[str, Any], errors: _Errors
) -> tuple[dict[str, float], ScoreResult]:
    cleaned = _points(definition["sections"], scores, errors)
    if errors.by_field:
        return cleaned, ScoreResult(total=None)
    total = Decimal(str(sum(cleaned.values()))).quantize(TWO_PLACES)
    grades = sorted(definition.get("grading", []), key=lambda grade: grade["min"], reverse=True)
    grade = next((entry for entry in grades if total >= entry["min"]), None)
    passed = grade is not None and grade is not grades[-1] if grades else None
    return cleaned, ScoreResult(
        total=total,
        band=label(grade) if grade else "",
        band_key=str(grade["min"]) if grade else "",
        passed=passed,
        flagged_low=not passed,
    )


def _score_exit_exam(
    definition: dict[str, Any], scores: dict[str, Any], errors: _Errors, record_checks: dict[str, bool]
) -> tuple[dict[str, float], ScoreResult]:
    components = definition["components"]
    cleaned = _points(components, scores, errors)
    if errors.by_field:
        return cleaned, ScoreResult(total=None)
    parts: dict[str, Decimal] = {}
    for component in components:
        part = component.get("part", "")
        parts[part] = parts.get(part, Decimal(0)) + Decimal(str(cleaned[component["code"]]))
    total = sum(parts.values(), Decimal(0)).quantize(TWO_PLACES)
    failed = []
    for rule in definition.get("pass_rules", []):
        text = rule["rule"]
        match = _NUMERIC_RULE.match(text)
        if match:
            subject, threshold = match.group(1), Decimal(match.group(2))
            value = total if subject == "total" else parts.get(subject, Decimal(0))
            if value < threshold:
                failed.append(text)
        elif not record_checks.get(RECORD_RULES.get(text, text), True):
            failed.append(text)
    passed = not failed
    return cleaned, ScoreResult(
        total=total,
        band=pgettext("exam result", "Passed") if passed else pgettext("exam result", "Failed"),
        band_key="passed" if passed else "failed",
        passed=passed,
        flagged_low=not passed,
        parts=parts,
        failed_rules=failed,
    )


def band_label(kind: str, definition: dict[str, Any], key: str) -> str:
    """The stored band key in the reader's language."""
    if not key:
        return ""
    if kind == InstrumentKind.EXIT_EXAM:
        return pgettext("exam result", "Passed") if key == "passed" else pgettext("exam result", "Failed")
    entries = (
        definition.get("scale", {}).get("bands", [])
        if kind == InstrumentKind.RATING_SCALE
        else definition.get("grading", [])
    )
    entry = next((entry for entry in entries if str(entry["min"]) == key), None)
    return label(entry) if entry else key


def score_answers(
    *,
    kind: str,
    definition: dict[str, Any],
    scores: dict[str, Any],
    details: dict[str, Any],
    record_checks: dict[str, bool] | None = None,
) -> tuple[dict[str, Any], dict[str, Any], ScoreResult]:
    """Check the answers and score them: ``(clean scores, clean details, result)``.

    Raises ``ValidationError`` whose keys are the fields (``scores.<item>``, ``details.<field>``).
    """
    errors = _Errors()
    if not isinstance(scores, dict) or not isinstance(details, dict):
        errors.add("scores", _("The answers are not in the form's shape."))
        errors.raise_if_any()
    clean_scores: dict[str, Any]
    if kind == InstrumentKind.RATING_SCALE:
        clean_scores, result = _score_rating_scale(definition, scores, errors)
    elif kind == InstrumentKind.POINTS:
        clean_scores, result = _score_points(definition, scores, errors)
    else:
        clean_scores, result = _score_exit_exam(definition, scores, errors, record_checks or {})
    clean = clean_details(definition, details, errors)
    errors.raise_if_any()
    return clean_scores, clean, result
