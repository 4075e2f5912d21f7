"""Programme templates through their services: the whole-document check with a path on every problem,
optimistic locking, who may edit, and plans keeping their own copy."""

import copy
import datetime
from typing import Any

import pytest

from medtalent.conftest import World
from medtalent.core.errors import ConflictError, ForbiddenError, ProblemsError
from medtalent.core.models import AuditEvent
from medtalent.people.models import User
from medtalent.programs.models import PlanMilestone, PlanStage, Programme, ProgrammeMilestone, ProgrammeStage
from medtalent.programs.services.programmes import (
    programme_create,
    programme_definition,
    programme_definition_problems,
    programme_templates_load,
    programme_update,
)
from medtalent.programs.tests.factories import draft_plan

pytestmark = pytest.mark.django_db

MONTHS = "A whole number of months from {min} to 600 is required."
KINDS = "Choose among: assessment, rotation, output, course."


def _problems(definition: Any) -> list[tuple[str, str]]:
    return [(problem.field, problem.message) for problem in programme_definition_problems(definition)]


def _d(programmes: dict[str, Programme]) -> dict[str, Any]:
    return programme_definition(programmes["practice_research"])


# --- the check -----------------------------------------------------------------------------------


def test_every_problem_is_named_by_its_path(programmes: dict[str, Programme]) -> None:
    definition = _d(programmes)
    stages = definition["stages"]
    stages[0]["milestones"][1]["due_month"] = 5  # the pre-enrolment stage runs months 0-3
    stages[1]["milestones"][0]["evidence_kinds"] = ["assessment", "selfie"]
    stages[1]["milestones"][1]["requires_evidence"] = True  # takes ["output"]: fine
    stages[1]["milestones"][4]["evidence_kinds"] = []
    stages[1]["milestones"][4]["requires_evidence"] = True
    stages[1]["milestones"][5]["code"] = "oath-and-ethics"
    stages[2]["code"] = "rotation"
    stages[2]["months"] = 0
    stages[2]["milestones"][0]["due_month"] = 99  # not checked against a stage without valid months
    stages[3]["start_month"] = -1
    stages[3]["milestones"][0]["name_en"] = "   "
    stages[3]["milestones"][1]["name_zh"] = "长" * 161

    assert _problems(definition) == [
        ("stages.0.milestones.1.due_month", "Due within its stage: from month 0 to month 3."),
        ("stages.1.milestones.0.evidence_kinds", KINDS),
        ("stages.1.milestones.4.evidence_kinds", "Say which kind of evidence the milestone requires."),
        ("stages.1.milestones.5.code", "This code is used twice."),
        ("stages.2.code", "This code is used twice."),
        ("stages.2.months", MONTHS.format(min=1)),
        ("stages.3.start_month", MONTHS.format(min=0)),
        ("stages.3.milestones.0.name_en", "This field is required."),
        ("stages.3.milestones.1.name_zh", "At most 160 characters."),
    ]


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (
            lambda d: d.update(system="astrology"),
            [("system", "Choose one of: research_team, innovation, career, practice_research.")],
        ),
        (lambda d: d.update(name_zh=""), [("name_zh", "This field is required.")]),
        (lambda d: d.update(name_en="x" * 161), [("name_en", "At most 160 characters.")]),
        (
            lambda d: d.update(code="has space"),
            [("code", "A short code of letters, digits and hyphens is required.")],
        ),
        (lambda d: d.pop("code"), [("code", "A short code of letters, digits and hyphens is required.")]),
        (lambda d: d.update(stages=[]), [("stages", "A programme needs at least one stage.")]),
        (lambda d: d["stages"].__setitem__(1, "rotation"), [("stages.1", "A JSON object is required.")]),
        (lambda d: d["stages"][0].update(months=True), [("stages.0.months", MONTHS.format(min=1))]),
        (lambda d: d["stages"][0].update(months=601), [("stages.0.months", MONTHS.format(min=1))]),
        (lambda d: d["stages"][0].update(start_month="3"), [("stages.0.start_month", MONTHS.format(min=0))]),
        (lambda d: d["stages"][0].update(milestones={}), [("stages.0.milestones", "A list is required.")]),
        (
            lambda d: d["stages"][0]["milestones"][0].update(due_month=None),
            [("stages.0.milestones.0.due_month", MONTHS.format(min=0))],
        ),
        (
            lambda d: d["stages"][0]["milestones"][0].update(evidence_kinds="course"),
            [("stages.0.milestones.0.evidence_kinds", KINDS)],
        ),
        (
            lambda d: d["stages"][1]["milestones"][0].update(code=""),
            [("stages.1.milestones.0.code", "A short code of letters, digits and hyphens is required.")],
        ),
    ],
)
def test_single_problems(
    change: Any, expected: list[tuple[str, str]], programmes: dict[str, Programme]
) -> None:
    definition = _d(programmes)
    change(definition)
    assert _problems(definition) == expected


def test_a_due_month_on_either_edge_of_its_stage_is_fine(programmes: dict[str, Programme]) -> None:
    definition = _d(programmes)
    definition["stages"][1]["milestones"][0]["due_month"] = 3  # the rotation stage: months 3 to 36
    definition["stages"][1]["milestones"][1]["due_month"] = 36
    assert _problems(definition) == []
    definition["stages"][1]["milestones"][1]["due_month"] = 37
    definition["stages"][1]["milestones"][0]["due_month"] = 2
    assert [field for field, _message in _problems(definition)] == [
        "stages.1.milestones.0.due_month",
        "stages.1.milestones.1.due_month",
    ]


def test_a_document_that_is_not_an_object() -> None:
    assert _problems(["stages"]) == [("", "A JSON object is required.")]


def test_an_update_with_problems_is_refused_whole_and_writes_nothing(
    personas: dict[str, User], programmes: dict[str, Programme]
) -> None:
    programme = programmes["practice_research"]
    before = programme_definition(programme)
    definition = copy.deepcopy(before)
    definition["name_en"] = "Renamed"
    definition["stages"][0]["milestones"][1]["due_month"] = 5
    definition["stages"][0]["months"] = 0

    with pytest.raises(ProblemsError) as refused:
        programme_update(
            actor=personas["officer"],
            programme=programme,
            expected_version=programme.version,
            definition=definition,
        )

    assert refused.value.extra["errors"] == [{"field": "stages.0.months", "message": MONTHS.format(min=1)}]
    definition["stages"][0]["months"] = 3
    with pytest.raises(ProblemsError) as due:
        programme_update(
            actor=personas["officer"],
            programme=programme,
            expected_version=programme.version,
            definition=definition,
        )
    assert [problem.field for problem in due.value.problems] == ["stages.0.milestones.1.due_month"]
    assert str(due.value.message) == "The programme has problems; each is shown where it is."
    programme.refresh_from_db()
    assert (programme.version, programme_definition(programme)) == (1, before)
    assert not AuditEvent.objects.filter(action="programme.update").exists()


# --- editing -------------------------------------------------------------------------------------------


def test_an_officer_edits_a_template_as_one_document(
    personas: dict[str, User], programmes: dict[str, Programme]
) -> None:
    programme = programmes["innovation"]
    kept_stage = ProgrammeStage.objects.get(programme=programme, code="design")
    kept_milestone = ProgrammeMilestone.objects.get(stage=kept_stage, code="cad-model")
    definition = programme_definition(programme)
    definition["code"] = "renamed-code"  # ignored: the code stays
    definition["name_en"] = "Devices, start to clinic"
    definition["stages"].pop(0)  # pain point
    definition["stages"][0]["milestones"].reverse()  # design: cad-model first now
    definition["stages"][0]["milestones"][0]["evidence_kinds"] = ["output", "output", "course"]
    definition["stages"].append(
        {
            "code": "scale-up",
            "name_zh": "推广",
            "name_en": "Scale-up",
            "start_month": 24,
            "months": 12,
            "milestones": [
                {
                    "code": "second-site",
                    "name_zh": "第二家医院",
                    "name_en": "Second hospital",
                    "due_month": 30,
                }
            ],
        }
    )

    updated = programme_update(
        actor=personas["officer"],
        programme=programme,
        expected_version=1,
        definition=definition,
        is_active=False,
    )

    updated.refresh_from_db()
    assert (updated.code, updated.name_en, updated.version, updated.is_active) == (
        "device-innovation",
        "Devices, start to clinic",
        2,
        False,
    )
    stored = programme_definition(updated)
    assert [stage["code"] for stage in stored["stages"]] == [
        "design",
        "prototype",
        "patent-transformation",
        "scale-up",
    ]
    assert [m["code"] for m in stored["stages"][0]["milestones"]] == ["cad-model", "concept-review"]
    assert stored["stages"][0]["milestones"][0]["evidence_kinds"] == ["output", "course"]
    assert stored["stages"][3] == {
        "code": "scale-up",
        "name_zh": "推广",
        "name_en": "Scale-up",
        "goal_zh": "",
        "goal_en": "",
        "start_month": 24,
        "months": 12,
        "milestones": [
            {
                "code": "second-site",
                "name_zh": "第二家医院",
                "name_en": "Second hospital",
                "due_month": 30,
                "evidence_kinds": [],
                "requires_evidence": False,
            }
        ],
    }
    # Rows whose code stays are the same rows, so plans made from them keep their links.
    assert ProgrammeStage.objects.get(programme=programme, code="design").pk == kept_stage.pk
    assert ProgrammeMilestone.objects.get(stage=kept_stage, code="cad-model").pk == kept_milestone.pk
    assert not ProgrammeStage.objects.filter(programme=programme, code="pain-point").exists()
    event = AuditEvent.objects.get(action="programme.update")
    assert event.actor == personas["officer"]
    assert sorted(event.changes) == ["is_active", "name_en", "stages"]
    assert event.changes["is_active"] == [True, False]
    assert event.changes["name_en"] == [
        "Innovation and entrepreneurship through medical-device transformation",
        "Devices, start to clinic",
    ]


def test_a_stale_version_is_refused_and_writes_nothing(
    personas: dict[str, User], programmes: dict[str, Programme]
) -> None:
    programme = programmes["career"]
    first = programme_definition(programme)
    first["name_en"] = "First edit"
    second = programme_definition(programme)
    second["name_en"] = "Second edit"
    second["stages"].pop()
    programme_update(actor=personas["officer"], programme=programme, expected_version=1, definition=first)
    after_first = programme_definition(Programme.objects.get(pk=programme.pk))

    stale = Programme.objects.get(pk=programme.pk)
    with pytest.raises(ConflictError) as conflict:
        programme_update(actor=personas["admin"], programme=stale, expected_version=1, definition=second)

    assert conflict.value.status_code == 409
    assert conflict.value.extra == {"expected_version": 1}
    fresh = Programme.objects.get(pk=programme.pk)
    assert (fresh.version, fresh.name_en) == (2, "First edit")
    assert programme_definition(fresh) == after_first
    assert ProgrammeStage.objects.filter(programme=programme).count() == 3
    assert AuditEvent.objects.filter(action="programme.update").count() == 1


@pytest.mark.parametrize(
    ("who", "allowed"),
    [
        ("officer", True),
        ("admin", True),
        ("talent_officer", False),  # an officer of the affiliated hospital: the template is the university's
        ("outsider", False),
        ("leader", False),
        ("head", False),
        ("teacher", False),
        ("mentor", False),
        ("trainee", False),
    ],
)
def test_only_officers_of_the_institution_edit_its_templates(
    who: str, allowed: bool, personas: dict[str, User], programmes: dict[str, Programme]
) -> None:
    programme = programmes["career"]
    definition = programme_definition(programme)
    definition["name_en"] = "Edited"

    if allowed:
        programme_update(actor=personas[who], programme=programme, expected_version=1, definition=definition)
        assert Programme.objects.get(pk=programme.pk).name_en == "Edited"
        return
    with pytest.raises(ForbiddenError) as refused:
        programme_update(actor=personas[who], programme=programme, expected_version=1, definition=definition)
    assert str(refused.value.message) == "Only programme officers of the institution change its programmes."
    assert Programme.objects.get(pk=programme.pk).version == 1


def test_officers_create_templates_at_their_institutions_only(
    world: World, personas: dict[str, User], programmes: dict[str, Programme]
) -> None:
    definition = programme_definition(programmes["career"])
    definition["code"] = "career-local"

    created = programme_create(actor=personas["officer"], institution=world.hospital, definition=definition)

    assert (created.institution_id, created.code, created.stages.count()) == (
        world.hospital.pk,
        "career-local",
        3,
    )
    with pytest.raises(ProblemsError) as duplicate:
        programme_create(actor=personas["officer"], institution=world.hospital, definition=definition)
    assert duplicate.value.extra["errors"] == [
        {"field": "code", "message": "The institution already has a programme with this code."}
    ]
    without_code = {key: value for key, value in definition.items() if key != "code"}
    with pytest.raises(ProblemsError) as missing:
        programme_create(actor=personas["officer"], institution=world.hospital, definition=without_code)
    assert [problem.field for problem in missing.value.problems] == ["code"]
    with pytest.raises(ForbiddenError):
        programme_create(actor=personas["outsider"], institution=world.uni, definition=definition)
    with pytest.raises(ForbiddenError):
        programme_templates_load(actor=personas["outsider"], institution=world.uni)
    assert Programme.objects.filter(code="career-local").count() == 1


def test_editing_a_template_leaves_existing_plans_as_they_were(
    world: World, personas: dict[str, User], school_mentor_user: User, programmes: dict[str, Programme]
) -> None:
    programme = programmes["practice_research"]
    plan = draft_plan(actor=personas["officer"], programme=programme, person=world.trainee_person)
    copied = list(
        plan.milestones.order_by("due_date", "order").values_list("name_en", "due_date", "requires_evidence")
    )
    stages = list(plan.stages.values_list("name_en", "start_date", "end_date"))
    definition = programme_definition(programme)
    definition["stages"][1]["months"] = 40
    definition["stages"][1]["milestones"][2].update(
        name_en="Bedside assessments", due_month=20, requires_evidence=False
    )
    definition["stages"][1]["milestones"].append(
        {"code": "extra", "name_zh": "新增", "name_en": "Extra", "due_month": 30, "evidence_kinds": []}
    )
    definition["stages"].pop(0)

    programme_update(
        actor=personas["officer"], programme=programme, expected_version=1, definition=definition
    )

    plan.refresh_from_db()
    assert (
        list(
            plan.milestones.order_by("due_date", "order").values_list(
                "name_en", "due_date", "requires_evidence"
            )
        )
        == copied
    )
    assert list(plan.stages.values_list("name_en", "start_date", "end_date")) == stages
    assert (plan.revision, plan.version) == (1, 1)
    # The plan's copies of the removed stage lose their link to the template, nothing else.
    assert PlanStage.objects.filter(plan=plan, template=None).count() == 1
    assert PlanMilestone.objects.filter(plan=plan, template=None).count() == 2
    # A plan made now follows the edited template.
    other = draft_plan(
        actor=personas["officer"],
        programme=programme,
        person=world.other_trainee,
        school_mentor=world.officer_person,
        hospital_mentor=world.mentor_person,
    )
    bedside = other.milestones.get(template__code="first-year-assessments")
    assert (bedside.name_en, bedside.due_date, bedside.requires_evidence) == (
        "Bedside assessments",
        datetime.date(2027, 4, 30),
        False,
    )
    assert other.milestones.count() == 11
