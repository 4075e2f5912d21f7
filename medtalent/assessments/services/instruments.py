"""The shipped instruments (``fixtures/instruments/``, a verbatim copy of ``shared/domain/instruments/``)
and the versions the form builder makes."""

import copy
import hashlib
import json
import math
import re
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from medtalent.core.audit import audit_diff, audit_record, audit_snapshot
from medtalent.core.errors import ApplicationError, ConflictError, ForbiddenError, PathProblem, ProblemsError
from medtalent.people.access import scope_for
from medtalent.people.models import Institution

from ..access_instruments import may_add_instruments_at, may_edit_instrument
from ..labels import FIELD_LABELS
from ..models import Assessment, Instrument, InstrumentKind, InstrumentVersion
from ..scoring import _NUMERIC_RULE, RECORD_RULES

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


# --- the form builder ---------------------------------------------------------------------------------
#
# An instrument's definition is checked by ``instrument_definition_validate``, which reports every problem
# at its path in the JSON (``("items", 2, "code")``: the third item's code; rows count from 0 in paths
# and from 1 in messages, as people count them). The builder's page puts each on its row and field.

CODE_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
FIELD_TYPES = ("int", "text")
MAX_ROWS = 60
MAX_LABEL = 200
MAX_CHOICES = 30
MAX_CHOICE_LENGTH = 60
SCALE_LOWEST, SCALE_HIGHEST = 0, 100
MAX_POINTS = 1000
FIELD_SECTIONS = ("context_fields", "extra_fields")
# The kinds an institution may build; an exit exam's components and pass rules ship as files.
BUILDABLE_KINDS = (InstrumentKind.RATING_SCALE, InstrumentKind.POINTS)
INSTRUMENT_FIELDS = ("institution", "code", "kind", "name_zh", "name_en", "is_active")
VERSION_FIELDS = ("number", "definition")

Path_ = tuple[str | int, ...]


DefinitionProblem = PathProblem


class InstrumentDefinitionInvalidError(ProblemsError):
    """A definition that breaks the rules; ``problems`` says where and why (400 in the API)."""

    def __init__(self, problems: list[DefinitionProblem]) -> None:
        message = ngettext(
            "The instrument has %(count)d problem; it is marked below.",
            "The instrument has %(count)d problems; they are marked below.",
            len(problems),
        ) % {"count": len(problems)}
        super().__init__(message, problems)


def _is_whole(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _text(value: Any) -> str:
    return value.strip() if isinstance(value, str) else ""


class _DefinitionChecker:
    def __init__(self) -> None:
        self.problems: list[DefinitionProblem] = []

    def add(self, path: Path_, message: str) -> None:
        self.problems.append(DefinitionProblem(path, message))

    def rows(
        self, definition: dict[str, Any], key: str, *, empty_message: str | None
    ) -> list[tuple[int, dict]]:
        """The rows of a list in the definition that are objects; problems for the rest."""
        value = definition.get(key, [])
        if not isinstance(value, list):
            self.add((key,), _("This must be a list of rows."))
            return []
        if not value and empty_message:
            self.add((key,), empty_message)
        if len(value) > MAX_ROWS:
            self.add((key,), _("At most %(count)d rows.") % {"count": MAX_ROWS})
        rows = []
        for index, row in enumerate(value):
            if isinstance(row, dict):
                rows.append((index, row))
            else:
                self.add((key, index), _("Row %(row)d is not in the form's shape.") % {"row": index + 1})
        return rows

    def codes(self, rows: list[tuple[Path_, dict]]) -> None:
        """Each row's code is slug-like and used once among the rows."""
        seen: dict[str, int] = {}
        for position, (path, row) in enumerate(rows):
            code = row.get("code")
            if not isinstance(code, str) or not code.strip():
                self.add((*path, "code"), _("Give a code."))
                continue
            if not CODE_PATTERN.match(code):
                self.add(
                    (*path, "code"),
                    _("Use lower-case letters, digits and underscores, starting with a letter (at most 40)."),
                )
                continue
            if code in seen:
                self.add(
                    (*path, "code"),
                    _("The code “%(code)s” is already used by row %(row)d.")
                    % {"code": code, "row": seen[code] + 1},
                )
                continue
            seen[code] = position

    def labels(self, path: Path_, row: dict, *, optional: bool = False) -> None:
        """A name in Chinese or English (or both), each of a sensible length."""
        for language in ("zh", "en"):
            value = row.get(language)
            if value is not None and not isinstance(value, str):
                self.add((*path, language), _("Enter text."))
            elif isinstance(value, str) and len(value) > MAX_LABEL:
                self.add((*path, language), _("At most %(count)d characters.") % {"count": MAX_LABEL})
        if not optional and not (_text(row.get("zh")) or _text(row.get("en"))):
            self.add((*path, "zh"), _("Give a name in Chinese or English."))

    def flag(self, path: Path_, row: dict, key: str) -> None:
        if key in row and not isinstance(row[key], bool):
            self.add((*path, key), _("Answer yes or no."))

    def whole(self, path: Path_, row: dict, key: str) -> int | None:
        value = row.get(key)
        if value is None:
            self.add((*path, key), _("This field is required."))
            return None
        if not _is_whole(value):
            self.add((*path, key), _("Enter a whole number."))
            return None
        return int(value)

    def points(self, path: Path_, row: dict) -> float | None:
        value = row.get("points")
        if value is None:
            self.add((*path, "points"), _("This field is required."))
            return None
        if not _is_number(value) or not 0 < value <= MAX_POINTS or (value * 2) != int(value * 2):
            self.add(
                (*path, "points"),
                _("Enter points above 0 and at most %(max)d, in steps of 0.5.") % {"max": MAX_POINTS},
            )
            return None
        return float(value)

    # --- kinds ---

    def rating_scale(self, definition: dict[str, Any]) -> None:
        scale = definition.get("scale")
        low = high = None
        if not isinstance(scale, dict):
            self.add(("scale",), _("Set the scale's lowest and highest scores."))
            scale = {}
        else:
            low = self.whole(("scale",), scale, "min")
            high = self.whole(("scale",), scale, "max")
            if low is not None and not SCALE_LOWEST <= low <= SCALE_HIGHEST:
                self.add(
                    ("scale", "min"),
                    _("Between %(min)d and %(max)d.") % {"min": SCALE_LOWEST, "max": SCALE_HIGHEST},
                )
                low = None
            if high is not None and not SCALE_LOWEST <= high <= SCALE_HIGHEST:
                self.add(
                    ("scale", "max"),
                    _("Between %(min)d and %(max)d.") % {"min": SCALE_LOWEST, "max": SCALE_HIGHEST},
                )
                high = None
            if low is not None and high is not None and low >= high:
                self.add(
                    ("scale", "max"),
                    _("The highest score must be above the lowest (%(min)d).") % {"min": low},
                )
                low = high = None
            self.flag(("scale",), scale, "not_applicable_allowed")
            self.bands(scale, low, high)
        items = self.rows(definition, "items", empty_message=_("Add at least one item to rate."))
        self.codes([(("items", index), row) for index, row in items])
        for index, row in items:
            self.labels(("items", index), row)
            self.flag(("items", index), row, "required")

    def bands(self, scale: dict[str, Any], low: int | None, high: int | None) -> None:
        bands = self.rows(scale, "bands", empty_message=None)
        if not isinstance(scale.get("bands", []), list):
            # ``rows`` reported it at ("bands",); it belongs under the scale.
            self.problems[-1] = DefinitionProblem(("scale", "bands"), self.problems[-1].message)
            return
        ranges: list[tuple[int, int, int]] = []
        for index, row in bands:
            path: Path_ = ("scale", "bands", index)
            self.labels(path, row)
            band_low = self.whole(path, row, "min")
            band_high = self.whole(path, row, "max")
            if band_low is None or band_high is None:
                continue
            if band_low > band_high:
                self.add((*path, "max"), _("The band's highest score must not be below its lowest."))
                continue
            if low is not None and high is not None and (band_low < low or band_high > high):
                self.add(
                    (*path, "min" if band_low < low else "max"),
                    _("The band must lie within the scale, %(min)d to %(max)d.") % {"min": low, "max": high},
                )
                continue
            ranges.append((band_low, band_high, index))
        ranges.sort()
        # The band reaching highest so far: a later band starting at or below its top overlaps it.
        reach: tuple[int, int] | None = None
        for band_low, band_high, index in ranges:
            if reach is not None and band_low <= reach[0]:
                self.add(
                    ("scale", "bands", index, "min"),
                    _("This band overlaps band %(row)d.") % {"row": reach[1] + 1},
                )
            if reach is None or band_high > reach[0]:
                reach = (band_high, index)

    def sections(self, definition: dict[str, Any], key: str) -> float | None:
        """Sections (or an exam's components) in points; their total, or None when one is wrong."""
        empty = _("Add at least one section with its points.")
        rows = self.rows(definition, key, empty_message=empty)
        self.codes([((key, index), row) for index, row in rows])
        total: float | None = 0.0
        for index, row in rows:
            self.labels((key, index), row)
            points = self.points((key, index), row)
            total = None if total is None or points is None else total + points
        return total

    def points_kind(self, definition: dict[str, Any]) -> None:
        total = self.sections(definition, "sections")
        grades = self.rows(definition, "grading", empty_message=None)
        previous: tuple[float, int] | None = None
        for index, row in grades:
            path: Path_ = ("grading", index)
            self.labels(path, row)
            threshold = row.get("min")
            if threshold is None or not _is_number(threshold):
                self.add((*path, "min"), _("Enter the lowest score of this grade."))
                continue
            if threshold < 0 or (total is not None and threshold > total):
                self.add(
                    (*path, "min"),
                    _("Between 0 and the total, %(total)s.") % {"total": _points_text(total)}
                    if total is not None
                    else _("Enter 0 or more."),
                )
                continue
            if previous is not None and threshold >= previous[0]:
                self.add(
                    (*path, "min"),
                    _("List the grades from the highest down: this one must be below row %(row)d's %(min)s.")
                    % {"row": previous[1] + 1, "min": _points_text(previous[0])},
                )
                continue
            previous = (float(threshold), index)

    def exit_exam(self, definition: dict[str, Any]) -> None:
        self.sections(definition, "components")
        components = definition.get("components")
        parts = (
            {row.get("part") for row in components if isinstance(row, dict)}
            if isinstance(components, list)
            else set()
        )
        for index, row in self.rows(definition, "pass_rules", empty_message=None):
            rule = row.get("rule")
            match = _NUMERIC_RULE.match(rule) if isinstance(rule, str) else None
            if match and (match.group(1) == "total" or match.group(1) in parts):
                continue
            if isinstance(rule, str) and rule in RECORD_RULES:
                continue
            self.add(("pass_rules", index, "rule"), _("MedTalent cannot check this rule."))

    def fields(self, definition: dict[str, Any]) -> None:
        everyone: list[tuple[Path_, dict]] = []
        for section in FIELD_SECTIONS:
            everyone += [
                ((section, index), row) for index, row in self.rows(definition, section, empty_message=None)
            ]
        self.codes(everyone)
        for path, row in everyone:
            self.field(path, row)

    def field(self, path: Path_, row: dict) -> None:
        known_name = isinstance(row.get("code"), str) and row["code"] in FIELD_LABELS
        self.labels(path, row, optional=known_name)
        kind = row.get("type")
        if kind is not None and kind not in FIELD_TYPES:
            self.add((*path, "type"), _("Choose text, a whole number or options."))
            return
        for key in ("required", "multiple"):
            self.flag(path, row, key)
        if "choices" in row:
            if kind == "int":
                self.add((*path, "type"), _("A field with options is not a number field."))
            self.choices(path, row["choices"])
            return
        if row.get("multiple"):
            self.add((*path, "multiple"), _("Only a field with options takes several answers."))
        if kind != "int":
            for key in ("min", "max"):
                if row.get(key) is not None:
                    self.add((*path, key), _("Only a number field has a range."))
            return
        low = high = None
        if row.get("min") is not None:
            low = self.whole(path, row, "min")
        if row.get("max") is not None:
            high = self.whole(path, row, "max")
        if low is not None and high is not None and low > high:
            self.add(
                (*path, "max"),
                _("The largest number must not be below the smallest (%(min)d).") % {"min": low},
            )

    def choices(self, path: Path_, choices: Any) -> None:
        if not isinstance(choices, list) or not choices:
            self.add((*path, "choices"), _("Give at least one option."))
            return
        if len(choices) > MAX_CHOICES:
            self.add((*path, "choices"), _("At most %(count)d options.") % {"count": MAX_CHOICES})
            return
        seen: set[str] = set()
        for choice in choices:
            if not isinstance(choice, str) or not choice.strip():
                self.add((*path, "choices"), _("An option is empty."))
                return
            if len(choice) > MAX_CHOICE_LENGTH:
                self.add(
                    (*path, "choices"),
                    _("An option has at most %(count)d characters.") % {"count": MAX_CHOICE_LENGTH},
                )
                return
            if choice in seen:
                self.add(
                    (*path, "choices"), _("The option “%(choice)s” is listed twice.") % {"choice": choice}
                )
                return
            seen.add(choice)


def _points_text(value: float) -> str:
    return f"{value:g}"


def instrument_definition_validate(kind: str, definition: Any) -> list[DefinitionProblem]:
    """Every problem with an instrument's definition, in the order of its parts; empty when it is sound.

    - codes (of items, sections and fields) are slug-like and unique; every item, section, band and grade
      has a name in Chinese or English (fields too, unless their code is one MedTalent names itself);
    - a rating scale has whole-number bounds within 0-100, the lowest below the highest, at least one
      item, and bands within the scale that do not overlap;
    - a points instrument has at least one section with positive points (in halves), and grades whose
      thresholds descend within 0 and the total;
    - a field is text, a whole number (its smallest at most its largest) or options (at least one, each
      once).
    """
    checker = _DefinitionChecker()
    if not isinstance(definition, dict):
        checker.add((), _("The definition is not in the instrument's shape."))
        return checker.problems
    if kind == InstrumentKind.RATING_SCALE:
        checker.rating_scale(definition)
    elif kind == InstrumentKind.POINTS:
        checker.points_kind(definition)
    elif kind == InstrumentKind.EXIT_EXAM:
        checker.exit_exam(definition)
    else:
        checker.add(("kind",), _("Unknown kind of instrument “%(kind)s”.") % {"kind": kind})
        return checker.problems
    checker.fields(definition)
    return checker.problems


def definition_digest(definition: Any) -> str:
    """A fingerprint of a definition's content, so an editor can tell whether it changed under them."""
    text = json.dumps(definition, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def _check_definition(kind: str, definition: Any) -> None:
    problems = instrument_definition_validate(kind, definition)
    if problems:
        raise InstrumentDefinitionInvalidError(problems)


def _require_editor(actor: Any, instrument: Instrument) -> None:
    if may_edit_instrument(actor, instrument):
        return
    if instrument.institution_id is None:
        raise ForbiddenError(_("Only platform administrators change the instruments MedTalent ships."))
    raise ForbiddenError(
        _("Only programme officers of %(institution)s change its instruments.")
        % {"institution": instrument.institution}
    )


def _stale_instrument() -> ConflictError:
    return ConflictError(
        _(
            "Someone else changed this instrument after you opened it. Nothing was saved: "
            "reload the page to see their changes, then make yours again."
        )
    )


@transaction.atomic
def instrument_create(
    *,
    actor: Any,
    institution: Institution | None,
    code: str,
    kind: str,
    name_zh: str,
    name_en: str = "",
    definition: dict[str, Any],
) -> Instrument:
    """A training base's own instrument (a rating scale or points) with its first version.

    Programme officers create them for the institutions they run; platform administrators for any, and
    without an institution for every one. Exit exams are not built: theirs ships with MedTalent.
    """
    if institution is None:
        if not scope_for(actor).is_admin:
            raise ForbiddenError(_("Only platform administrators add instruments for every institution."))
    elif not may_add_instruments_at(actor, institution):
        raise ForbiddenError(
            _("Only programme officers of %(institution)s add its instruments.")
            % {"institution": institution}
        )
    if kind not in BUILDABLE_KINDS:
        raise ApplicationError(
            _("Build a rating scale or a points instrument; the exit exam ships with MedTalent."),
            field="kind",
        )
    if not isinstance(code, str) or not CODE_PATTERN.match(code):
        raise ApplicationError(
            _("Use lower-case letters, digits and underscores, starting with a letter (at most 40)."),
            field="code",
        )
    taken = Instrument.objects.filter(code=code).filter(
        Q(institution__isnull=True) | Q(institution=institution)
    )
    if taken.exists():
        raise ApplicationError(
            _("An instrument with the code “%(code)s” already exists here.") % {"code": code}, field="code"
        )
    instrument = Instrument(institution=institution, code=code, kind=kind, name_zh=name_zh, name_en=name_en)
    instrument.full_clean()
    _check_definition(kind, definition)
    instrument.save()
    version = InstrumentVersion(
        instrument=instrument, number=1, definition=copy.deepcopy(definition), created_by=_user_or_none(actor)
    )
    version.full_clean()
    version.save()
    audit_record(
        actor=actor,
        action="assessment_instrument.create",
        target=instrument,
        changes=audit_diff({}, audit_snapshot(instrument, INSTRUMENT_FIELDS)),
    )
    audit_record(
        actor=actor,
        action="assessment_instrument_version.create",
        target=version,
        changes=audit_diff({}, audit_snapshot(version, VERSION_FIELDS)),
    )
    return instrument


def _user_or_none(actor: Any) -> Any:
    return actor if getattr(actor, "is_authenticated", False) else None


def version_in_use(version: InstrumentVersion) -> bool:
    """Frozen, or used by a submitted assessment (a request not yet answered does not freeze it)."""
    return (
        version.frozen_at is not None
        or Assessment.objects.filter(instrument_version=version, submitted_at__isnull=False).exists()
    )


@transaction.atomic
def instrument_version_save(
    *,
    actor: Any,
    instrument: Instrument,
    expected_number: int,
    definition: dict[str, Any],
    expected_digest: str | None = None,
) -> InstrumentVersion:
    """Save a changed definition; return the version that now holds it.

    The current version is changed in place while no assessment uses it. Once one does it is frozen:
    the change becomes the next version, new assessments use it, and every assessment keeps its own.
    ``expected_number`` is the version the editor opened; ``expected_digest`` (``definition_digest`` of
    the content they opened) also catches an edit in place made meanwhile. Either stale raises
    ``ConflictError`` and writes nothing; so does unchanged content (it returns the current version).
    """
    _require_editor(actor, instrument)
    # One writer per instrument at a time, so two editors cannot both make "the next" version.
    locked = Instrument.objects.select_for_update().get(pk=instrument.pk)
    current = InstrumentVersion.objects.filter(instrument=locked).order_by("-number").first()
    if current is None or current.number != expected_number:
        raise _stale_instrument()
    if expected_digest is not None and definition_digest(current.definition) != expected_digest:
        raise _stale_instrument()
    _check_definition(locked.kind, definition)
    definition = copy.deepcopy(definition)
    if definition == current.definition:
        return current
    before = audit_snapshot(current, VERSION_FIELDS)
    now = timezone.now()
    if version_in_use(current):
        # A version an assessment used but nobody marked (made before freezing existed) is marked now.
        InstrumentVersion.objects.filter(pk=current.pk, frozen_at__isnull=True).update(frozen_at=now)
    elif InstrumentVersion.objects.filter(pk=current.pk, frozen_at__isnull=True).update(
        definition=definition, updated_at=now
    ):
        current.definition, current.updated_at = definition, now
        audit_record(
            actor=actor,
            action="assessment_instrument_version.update",
            target=current,
            changes=audit_diff(before, audit_snapshot(current, VERSION_FIELDS)),
        )
        return current
    successor = InstrumentVersion(
        instrument=locked, number=current.number + 1, definition=definition, created_by=_user_or_none(actor)
    )
    successor.full_clean()
    successor.save()
    audit_record(
        actor=actor,
        action="assessment_instrument_version.create",
        target=successor,
        changes=audit_diff(before, audit_snapshot(successor, VERSION_FIELDS)),
    )
    return successor


@transaction.atomic
def instrument_set_active(*, actor: Any, instrument: Instrument, is_active: bool) -> Instrument:
    """Offer the instrument for new assessments, or stop offering it; past assessments are untouched."""
    _require_editor(actor, instrument)
    before = audit_snapshot(instrument, ("is_active",))
    if instrument.is_active == is_active:
        return instrument
    instrument.is_active = is_active
    instrument.save(update_fields=["is_active", "updated_at"])
    audit_record(
        actor=actor,
        action="assessment_instrument.update",
        target=instrument,
        changes=audit_diff(before, audit_snapshot(instrument, ("is_active",))),
    )
    return instrument
