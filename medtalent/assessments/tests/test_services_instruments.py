"""The form builder's services: the definition validator (every problem at its path), creating an
instrument, versions (edited in place while unused, a new version once frozen, old assessments keep
theirs), stale saves, permissions, and scoring an instrument built this way."""

import copy
import datetime
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from medtalent.assessments.models import Instrument, InstrumentKind, InstrumentVersion
from medtalent.assessments.scoring import score_answers
from medtalent.assessments.services.instruments import (
    DefinitionProblem,
    InstrumentDefinitionInvalidError,
    definition_digest,
    instrument_create,
    instrument_definition_validate,
    instrument_set_active,
    instrument_version_save,
    kind_of,
    shipped_definitions,
)
from medtalent.assessments.tests.factories import AssessmentFactory, shipped_version
from medtalent.conftest import World
from medtalent.core.errors import ApplicationError, ConflictError, ForbiddenError
from medtalent.core.models import AuditEvent
from medtalent.people.models import User

pytestmark = pytest.mark.django_db

FROZEN_AT = datetime.datetime(2026, 10, 12, 9, 30, tzinfo=datetime.UTC)


def handover() -> dict[str, Any]:
    """A handover-quality rating scale as the builder makes it: 1-5, N/A, two bands, one required item."""
    return {
        "scale": {
            "min": 1,
            "max": 5,
            "not_applicable_allowed": True,
            "bands": [
                {"min": 1, "max": 2, "zh": "待提高", "en": "Below expectations"},
                {"min": 3, "max": 5, "zh": "达到要求", "en": "Meets expectations"},
            ],
        },
        "items": [
            {"code": "situation", "zh": "病情概述", "en": "Situation", "required": True},
            {"code": "background", "zh": "背景", "en": "Background"},
            {"code": "recommendation", "zh": "建议", "en": "Recommendation"},
        ],
        "extra_fields": [
            {"code": "strengths", "zh": "优点", "en": "Strengths", "type": "text"},
            {
                "code": "improvements",
                "zh": "待改进",
                "en": "Points to improve",
                "type": "text",
                "required": True,
            },
            {"code": "shift", "zh": "班次", "en": "Shift", "choices": ["白班", "夜班"]},
            {
                "code": "patients",
                "zh": "交接病人数",
                "en": "Patients handed over",
                "type": "int",
                "min": 1,
                "max": 40,
            },
        ],
    }


def discharge_letter() -> dict[str, Any]:
    """A points instrument: three sections out of 20, three grades."""
    return {
        "sections": [
            {"code": "diagnosis", "zh": "诊断", "en": "Diagnosis", "points": 10},
            {"code": "medication", "zh": "用药", "en": "Medication", "points": 7.5},
            {"code": "follow_up", "zh": "随访", "en": "Follow-up", "points": 2.5},
        ],
        "grading": [
            {"min": 18, "zh": "优", "en": "excellent"},
            {"min": 12, "zh": "合格", "en": "pass"},
            {"min": 0, "zh": "不合格", "en": "fail"},
        ],
    }


def _create(
    actor: User, world: World, definition: dict[str, Any] | None = None, **overrides: Any
) -> Instrument:
    arguments: dict[str, Any] = {
        "actor": actor,
        "institution": world.hospital,
        "code": "handover",
        "kind": InstrumentKind.RATING_SCALE,
        "name_zh": "交接班质量",
        "name_en": "Handover quality",
        "definition": handover() if definition is None else definition,
    }
    arguments.update(overrides)
    return instrument_create(**arguments)


def _problems(kind: str, definition: Any) -> list[tuple[Any, str]]:
    return [tuple(problem) for problem in instrument_definition_validate(kind, definition)]


# --- the validator ---------------------------------------------------------------------------------


def test_every_shipped_definition_is_sound() -> None:
    for definition in shipped_definitions():
        assert instrument_definition_validate(kind_of(definition), definition) == [], definition["code"]


def test_a_sound_built_definition_has_no_problems() -> None:
    assert _problems(InstrumentKind.RATING_SCALE, handover()) == []
    assert _problems(InstrumentKind.POINTS, discharge_letter()) == []


def test_problems_are_plain_path_message_pairs_with_an_api_field_name() -> None:
    definition = handover()
    definition["items"][2]["code"] = "Bad Code"
    [problem] = instrument_definition_validate(InstrumentKind.RATING_SCALE, definition)
    assert problem == (
        ("items", 2, "code"),
        "Use lower-case letters, digits and underscores, starting with a letter (at most 40).",
    )
    assert isinstance(problem, DefinitionProblem)
    assert problem.field == "items.2.code"


def test_item_codes_must_be_given_and_unique_and_names_present() -> None:
    definition = handover()
    definition["items"][1]["code"] = "situation"
    definition["items"][2] = {"code": "", "zh": " ", "en": ""}
    assert _problems(InstrumentKind.RATING_SCALE, definition) == [
        (("items", 1, "code"), "The code “situation” is already used by row 1."),
        (("items", 2, "code"), "Give a code."),
        (("items", 2, "zh"), "Give a name in Chinese or English."),
    ]


def test_a_rating_scale_needs_an_item_and_a_scale_whose_lowest_is_below_its_highest() -> None:
    definition = handover()
    definition["items"] = []
    definition["scale"].update(min=5, max=5, bands=[])
    assert _problems(InstrumentKind.RATING_SCALE, definition) == [
        (("scale", "max"), "The highest score must be above the lowest (5)."),
        (("items",), "Add at least one item to rate."),
    ]


def test_scale_bounds_are_whole_numbers_within_0_and_100() -> None:
    definition = handover()
    definition["scale"].update(min=1.5, max=101, bands=[])
    assert _problems(InstrumentKind.RATING_SCALE, definition) == [
        (("scale", "min"), "Enter a whole number."),
        (("scale", "max"), "Between 0 and 100."),
    ]


def test_bands_lie_within_the_scale_and_do_not_overlap() -> None:
    definition = handover()
    definition["scale"]["bands"] = [
        {"min": 1, "max": 5, "zh": "全部"},
        {"min": 0, "max": 2, "en": "Below the scale"},
        {"min": 2, "max": 3, "en": "Overlapping"},
        {"min": 4, "max": 3, "en": "Upside down"},
        {"min": 4, "max": 4},
    ]
    assert _problems(InstrumentKind.RATING_SCALE, definition) == [
        (("scale", "bands", 1, "min"), "The band must lie within the scale, 1 to 5."),
        (("scale", "bands", 3, "max"), "The band's highest score must not be below its lowest."),
        (("scale", "bands", 4, "zh"), "Give a name in Chinese or English."),
        # Overlaps come once every band has been read, in the order of the scale.
        (("scale", "bands", 2, "min"), "This band overlaps band 1."),
        (("scale", "bands", 4, "min"), "This band overlaps band 1."),
    ]


def test_points_are_positive_halves_and_grades_descend_within_the_total() -> None:
    definition = discharge_letter()
    definition["sections"][1]["points"] = 0
    definition["sections"][2]["points"] = 2.25
    assert _problems(InstrumentKind.POINTS, definition) == [
        (("sections", 1, "points"), "Enter points above 0 and at most 1000, in steps of 0.5."),
        (("sections", 2, "points"), "Enter points above 0 and at most 1000, in steps of 0.5."),
        # Without a valid total the thresholds are only checked against 0 and each other.
    ]
    definition = discharge_letter()
    definition["grading"] = [
        {"min": 25, "en": "beyond the total"},
        {"min": 12, "en": "pass"},
        {"min": 15, "en": "out of order"},
        {"min": -1, "en": "negative"},
        {"en": "no threshold"},
    ]
    assert _problems(InstrumentKind.POINTS, definition) == [
        (("grading", 0, "min"), "Between 0 and the total, 20."),
        (("grading", 2, "min"), "List the grades from the highest down: this one must be below row 2's 12."),
        (("grading", 3, "min"), "Between 0 and the total, 20."),
        (("grading", 4, "min"), "Enter the lowest score of this grade."),
    ]


def test_a_points_instrument_needs_a_section() -> None:
    assert _problems(InstrumentKind.POINTS, {"sections": []}) == [
        (("sections",), "Add at least one section with its points.")
    ]


def test_fields_have_known_types_ranges_and_unique_options() -> None:
    definition = handover()
    definition["extra_fields"] = [
        {"code": "mood", "zh": "情绪", "type": "emoji"},
        {"code": "patients", "en": "Patients", "type": "int", "min": 10, "max": 2},
        {"code": "shift", "en": "Shift", "choices": []},
        {"code": "ward", "en": "Ward", "choices": ["A", "B", "A"]},
        {"code": "note", "type": "text"},
        {"code": "mood", "en": "Mood again", "type": "text"},
        {"code": "strengths", "type": "text"},
    ]
    assert _problems(InstrumentKind.RATING_SCALE, definition) == [
        (("extra_fields", 5, "code"), "The code “mood” is already used by row 1."),
        (("extra_fields", 0, "type"), "Choose text, a whole number or options."),
        (("extra_fields", 1, "max"), "The largest number must not be below the smallest (10)."),
        (("extra_fields", 2, "choices"), "Give at least one option."),
        (("extra_fields", 3, "choices"), "The option “A” is listed twice."),
        # A field MedTalent has no name for needs one; ``strengths`` it names itself.
        (("extra_fields", 4, "zh"), "Give a name in Chinese or English."),
    ]


def test_field_codes_are_unique_across_context_and_extra_fields() -> None:
    definition = handover()
    definition["context_fields"] = [{"code": "shift", "zh": "班次", "choices": ["白班"]}]
    assert _problems(InstrumentKind.RATING_SCALE, definition) == [
        (("extra_fields", 2, "code"), "The code “shift” is already used by row 1.")
    ]


def test_a_definition_of_the_wrong_shape_is_one_problem() -> None:
    assert _problems(InstrumentKind.RATING_SCALE, ["items"]) == [
        ((), "The definition is not in the instrument's shape.")
    ]
    assert _problems(InstrumentKind.RATING_SCALE, {"scale": {"min": 1, "max": 5}, "items": "x"}) == [
        (("items",), "This must be a list of rows.")
    ]


# --- creating ----------------------------------------------------------------------------------------


def test_an_officer_creates_an_instrument_with_its_first_version_audited(
    world: World, personas: dict[str, User]
) -> None:
    officer = personas["officer"]
    instrument = _create(officer, world)
    [version] = instrument.versions.all()
    assert (instrument.institution, instrument.code, instrument.kind, instrument.is_active) == (
        world.hospital,
        "handover",
        InstrumentKind.RATING_SCALE,
        True,
    )
    assert (version.number, version.definition, version.frozen_at, version.created_by) == (
        1,
        handover(),
        None,
        officer,
    )
    assert list(
        AuditEvent.objects.filter(actor=officer).order_by("id").values_list("action", "target_id")
    ) == [
        ("assessment_instrument.create", str(instrument.pk)),
        ("assessment_instrument_version.create", str(version.pk)),
    ]


def test_an_invalid_definition_creates_nothing(world: World, personas: dict[str, User]) -> None:
    definition = handover()
    definition["items"] = []
    with pytest.raises(InstrumentDefinitionInvalidError) as raised:
        _create(personas["officer"], world, definition)
    assert raised.value.problems == [(("items",), "Add at least one item to rate.")]
    assert raised.value.extra == {"errors": [{"field": "items", "message": "Add at least one item to rate."}]}
    assert str(raised.value.message) == "The instrument has 1 problem; it is marked below."
    assert not Instrument.objects.filter(code="handover").exists()


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        (
            {"kind": InstrumentKind.EXIT_EXAM},
            "kind",
            "Build a rating scale or a points instrument; the exit exam ships with MedTalent.",
        ),
        (
            {"code": "Hand Over"},
            "code",
            "Use lower-case letters, digits and underscores, starting with a letter (at most 40).",
        ),
        ({"code": "mini_cex"}, "code", "An instrument with the code “mini_cex” already exists here."),
    ],
)
def test_create_refuses_exit_exams_bad_and_taken_codes(
    world: World, personas: dict[str, User], overrides: dict[str, Any], field: str, message: str
) -> None:
    with pytest.raises(ApplicationError) as raised:
        _create(personas["officer"], world, **overrides)
    assert (raised.value.field, str(raised.value.message)) == (field, message)
    assert Instrument.objects.filter(institution__isnull=False).count() == 0


def test_the_same_code_twice_at_one_institution_is_refused(world: World, personas: dict[str, User]) -> None:
    _create(personas["officer"], world)
    with pytest.raises(ApplicationError) as raised:
        _create(personas["officer"], world)
    assert str(raised.value.message) == "An instrument with the code “handover” already exists here."
    # Another institution may use the code.
    assert _create(personas["outsider"], world, institution=world.other).code == "handover"


@pytest.mark.parametrize("persona", ["talent_officer", "head", "teacher", "trainee", "leader", "outsider"])
def test_only_programme_officers_of_the_institution_and_admins_create(
    world: World, personas: dict[str, User], persona: str
) -> None:
    with pytest.raises(ForbiddenError) as raised:
        _create(personas[persona], world)
    assert str(raised.value.message) == "Only programme officers of Affiliated Hospital add its instruments."
    assert _create(personas["admin"], world).institution == world.hospital


def test_only_admins_create_an_instrument_for_every_institution(
    world: World, personas: dict[str, User]
) -> None:
    with pytest.raises(ForbiddenError):
        _create(personas["officer"], world, institution=None)
    instrument = _create(personas["admin"], world, institution=None, code="handover_all")
    assert instrument.institution is None


# --- versions ------------------------------------------------------------------------------------------


def _save(
    actor: User, instrument: Instrument, definition: dict[str, Any], **kwargs: Any
) -> InstrumentVersion:
    current = InstrumentVersion.objects.filter(instrument=instrument).latest("number")
    kwargs.setdefault("expected_number", current.number)
    return instrument_version_save(actor=actor, instrument=instrument, definition=definition, **kwargs)


def _with_extra_item() -> dict[str, Any]:
    definition = handover()
    definition["items"].append({"code": "questions", "zh": "答疑", "en": "Questions answered"})
    return definition


def test_an_unused_version_is_edited_in_place(world: World, personas: dict[str, User]) -> None:
    officer = personas["officer"]
    instrument = _create(officer, world)
    saved = _save(officer, instrument, _with_extra_item())
    [version] = instrument.versions.all()
    assert (saved.pk, version.number, version.definition, version.frozen_at) == (
        version.pk,
        1,
        _with_extra_item(),
        None,
    )
    [event] = AuditEvent.objects.filter(action="assessment_instrument_version.update")
    assert event.changes == {"definition": [handover(), _with_extra_item()]}


def test_a_frozen_version_makes_the_next_and_an_earlier_assessment_keeps_its_own(
    world: World, personas: dict[str, User]
) -> None:
    officer = personas["officer"]
    instrument = _create(officer, world)
    first = instrument.versions.get()
    assessment = AssessmentFactory(instrument_version=first, scores={"situation": 4}, total=Decimal("4.00"))
    InstrumentVersion.objects.filter(pk=first.pk).update(frozen_at=FROZEN_AT)

    saved = _save(officer, instrument, _with_extra_item())

    first.refresh_from_db()
    assessment.refresh_from_db()
    assert (saved.number, saved.definition, saved.frozen_at, saved.created_by) == (
        2,
        _with_extra_item(),
        None,
        officer,
    )
    assert (first.number, first.definition, first.frozen_at) == (1, handover(), FROZEN_AT)
    assert assessment.instrument_version_id == first.pk
    [event] = AuditEvent.objects.filter(
        action="assessment_instrument_version.create", target_id=str(saved.pk)
    )
    assert event.changes == {"number": [1, 2], "definition": [handover(), _with_extra_item()]}
    # The next change edits version 2 in place: nobody uses it yet.
    again = _save(officer, instrument, handover())
    assert (again.pk, instrument.versions.count()) == (saved.pk, 2)


def test_a_version_a_submitted_assessment_uses_is_frozen_even_if_unmarked(
    world: World, personas: dict[str, User]
) -> None:
    officer = personas["officer"]
    instrument = _create(officer, world)
    first = instrument.versions.get()
    AssessmentFactory(instrument_version=first, scores={"situation": 4})

    saved = _save(officer, instrument, _with_extra_item())

    first.refresh_from_db()
    assert (saved.number, first.definition, first.frozen_at is not None) == (2, handover(), True)


def test_unchanged_content_writes_nothing(world: World, personas: dict[str, User]) -> None:
    officer = personas["officer"]
    instrument = _create(officer, world)
    before = AuditEvent.objects.count()
    saved = _save(officer, instrument, handover())
    assert (saved.number, AuditEvent.objects.count()) == (1, before)


def test_a_stale_number_is_a_conflict_and_changes_nothing(world: World, personas: dict[str, User]) -> None:
    officer = personas["officer"]
    instrument = _create(officer, world)
    first = instrument.versions.get()
    InstrumentVersion.objects.filter(pk=first.pk).update(frozen_at=FROZEN_AT)
    _save(officer, instrument, _with_extra_item())  # someone else makes version 2
    before = AuditEvent.objects.count()

    with pytest.raises(ConflictError) as raised:
        _save(personas["admin"], instrument, another_item_only(), expected_number=1)

    assert raised.value.status_code == 409
    assert str(raised.value.message) == (
        "Someone else changed this instrument after you opened it. Nothing was saved: "
        "reload the page to see their changes, then make yours again."
    )
    assert list(instrument.versions.order_by("number").values_list("number", "definition")) == [
        (1, handover()),
        (2, _with_extra_item()),
    ]
    assert AuditEvent.objects.count() == before


def another_item_only() -> dict[str, Any]:
    definition = handover()
    definition["items"] = [{"code": "other", "zh": "其他"}]
    return definition


def test_an_edit_in_place_made_meanwhile_is_a_conflict_by_its_digest(
    world: World, personas: dict[str, User]
) -> None:
    officer = personas["officer"]
    instrument = _create(officer, world)
    opened = definition_digest(handover())
    _save(officer, instrument, _with_extra_item(), expected_digest=opened)
    with pytest.raises(ConflictError):
        _save(personas["admin"], instrument, another_item_only(), expected_digest=opened)
    assert instrument.versions.get().definition == _with_extra_item()


def test_an_invalid_change_raises_every_problem_and_changes_nothing(
    world: World, personas: dict[str, User]
) -> None:
    officer = personas["officer"]
    instrument = _create(officer, world)
    definition = handover()
    definition["scale"]["max"] = 1
    definition["items"][0]["code"] = "1st"
    with pytest.raises(InstrumentDefinitionInvalidError) as raised:
        _save(officer, instrument, definition)
    assert [problem.field for problem in raised.value.problems] == ["scale.max", "items.0.code"]
    assert instrument.versions.get().definition == handover()


@pytest.mark.parametrize("persona", ["officer", "outsider", "talent_officer", "teacher", "trainee"])
def test_only_platform_admins_change_shipped_instruments(personas: dict[str, User], persona: str) -> None:
    version = shipped_version("dops")
    definition = copy.deepcopy(version.definition)
    definition["items"][0]["en"] = "Indications and anatomy"
    with pytest.raises(ForbiddenError) as raised:
        _save(personas[persona], version.instrument, definition)
    assert str(raised.value.message) == "Only platform administrators change the instruments MedTalent ships."
    version.refresh_from_db()
    assert version.definition["items"][0]["en"] == "Indications, relevant anatomy and technique"

    saved = _save(personas["admin"], version.instrument, definition)
    assert (saved.pk, saved.definition["items"][0]["en"]) == (version.pk, "Indications and anatomy")


def test_an_outsider_does_not_change_another_institutions_instrument(
    world: World, personas: dict[str, User]
) -> None:
    instrument = _create(personas["officer"], world)
    with pytest.raises(ForbiddenError) as raised:
        _save(personas["outsider"], instrument, _with_extra_item())
    assert (
        str(raised.value.message) == "Only programme officers of Affiliated Hospital change its instruments."
    )


def test_taking_an_instrument_out_of_use_is_audited(world: World, personas: dict[str, User]) -> None:
    officer = personas["officer"]
    instrument = _create(officer, world)
    instrument_set_active(actor=officer, instrument=instrument, is_active=False)
    instrument.refresh_from_db()
    assert instrument.is_active is False
    [event] = AuditEvent.objects.filter(action="assessment_instrument.update")
    assert event.changes == {"is_active": [True, False]}
    with pytest.raises(ForbiddenError):
        instrument_set_active(actor=personas["teacher"], instrument=instrument, is_active=True)


# --- a built instrument scores ---------------------------------------------------------------------------


def test_a_built_rating_scale_scores_and_enforces_its_required_item_and_field(
    world: World, personas: dict[str, User]
) -> None:
    instrument = _create(personas["officer"], world)
    definition = instrument.versions.get().definition
    scores, details, result = score_answers(
        kind=instrument.kind,
        definition=definition,
        scores={"situation": 2, "background": 5, "recommendation": None},
        details={"improvements": "SBAR order", "shift": "夜班", "patients": "12"},
    )
    assert scores == {"situation": 2, "background": 5, "recommendation": None}
    assert details == {"improvements": "SBAR order", "shift": "夜班", "patients": 12}
    assert (result.total, result.band, result.flagged_low, result.low_items) == (
        Decimal("3.50"),
        "Meets expectations",
        True,
        ["situation"],
    )
    with pytest.raises(ValidationError) as raised:
        score_answers(
            kind=instrument.kind,
            definition=definition,
            scores={"situation": None, "background": 4},
            details={"patients": 41},
        )
    assert raised.value.message_dict == {
        "scores.situation": ["Rate “Situation”."],
        "details.improvements": ["Points to improve is required."],
        "details.patients": ["Enter a number from 1 to 40."],
    }


def test_a_built_points_instrument_scores_and_grades(world: World, personas: dict[str, User]) -> None:
    instrument = _create(
        personas["officer"], world, discharge_letter(), code="discharge_letter", kind=InstrumentKind.POINTS
    )
    _scores, _details, result = score_answers(
        kind=instrument.kind,
        definition=instrument.versions.get().definition,
        scores={"diagnosis": 9, "medication": 6.5, "follow_up": 2.5},
        details={},
    )
    assert (result.total, result.band, result.passed) == (Decimal("18.00"), "excellent", True)
