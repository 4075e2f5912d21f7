"""The four shipped cultivation systems: the JSON files in ``fixtures/programmes/`` are the source of the
templates, they pass the template check, and loading them again changes nothing."""

import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command

from medtalent.conftest import World
from medtalent.core.models import AuditEvent
from medtalent.people.models import User
from medtalent.programs.models import Programme, ProgrammeMilestone, ProgrammeStage
from medtalent.programs.services.programmes import (
    SHIPPED_FOLDER,
    programme_definition,
    programme_definition_problems,
    programme_templates_load,
    programme_update,
    shipped_definitions,
)

pytestmark = pytest.mark.django_db

SHIPPED_FILES = {
    "a_research_team.json": "research_team",
    "b_innovation.json": "innovation",
    "c_career.json": "career",
    "d_practice_research.json": "practice_research",
}
# (code, start_month, months, milestone count) per stage, as the issue describes each system.
STAGES = {
    "research_team": [("high-school", 0, 12, 3), ("undergraduate", 12, 48, 2), ("postgraduate", 60, 36, 3)],
    "innovation": [
        ("pain-point", 0, 2, 1),
        ("design", 2, 4, 2),
        ("prototype", 6, 6, 2),
        ("patent-transformation", 12, 12, 3),
    ],
    "career": [("start-up", 0, 36, 3), ("growth", 36, 36, 2), ("breakthrough", 72, 36, 2)],
    "practice_research": [
        ("pre-enrolment", 0, 3, 2),
        ("rotation", 3, 33, 6),
        ("analysis-writing", 30, 7, 2),
        ("defence-completion", 35, 4, 2),
    ],
}


def test_four_files_are_shipped_one_per_cultivation_system() -> None:
    files = {
        path.name: json.loads(path.read_text(encoding="utf-8")) for path in SHIPPED_FOLDER.glob("*.json")
    }

    assert {name: data["system"] for name, data in files.items()} == SHIPPED_FILES
    assert [d["code"] for d in shipped_definitions()] == [
        "research-team",
        "device-innovation",
        "career-stages",
        "practice-research",
    ]


@pytest.mark.parametrize("definition", shipped_definitions(), ids=lambda d: d["code"])
def test_each_shipped_file_passes_the_template_check(definition: dict[str, Any]) -> None:
    assert programme_definition_problems(definition) == []


def test_the_loaded_templates_are_the_files_field_for_field(
    world: World, programmes: dict[str, Programme]
) -> None:
    assert sorted(programmes) == ["career", "innovation", "practice_research", "research_team"]
    assert Programme.objects.filter(institution=world.uni).count() == 4
    for name, system in SHIPPED_FILES.items():
        data = json.loads((SHIPPED_FOLDER / name).read_text(encoding="utf-8"))
        assert programme_definition(programmes[system]) == data


@pytest.mark.parametrize("system", sorted(STAGES))
def test_each_system_has_its_stages_in_order(system: str, programmes: dict[str, Programme]) -> None:
    programme = programmes[system]

    stages = [
        (stage.code, stage.start_month, stage.months, stage.milestones.count())
        for stage in programme.stages.order_by("order")
    ]

    assert stages == STAGES[system]
    assert (programme.is_active, programme.version, programme.institution.code) == (True, 1, "uni")


def test_the_professional_masters_track_has_the_issues_four_periods(programmes: dict[str, Programme]) -> None:
    programme = programmes["practice_research"]
    stages = list(programme.stages.order_by("order"))

    assert [stage.name_en for stage in stages] == [
        "Pre-enrolment gap: research orientation",
        "33 months of clinical rotation, with research in fragment time",
        "Concentrated analysis and writing",
        "Thesis defence and residency completion exam",
    ]
    assert stages[1].months == 33
    required = ProgrammeMilestone.objects.filter(stage__programme=programme, requires_evidence=True)
    assert sorted(required.values_list("code", "evidence_kinds")) == [
        ("first-year-assessments", ["assessment"]),
        ("first-year-rotations", ["rotation"]),
        ("rotation-complete", ["rotation"]),
    ]


def test_loading_again_adds_nothing_and_keeps_an_officers_edits(
    world: World, personas: dict[str, User], programmes: dict[str, Programme]
) -> None:
    career = programmes["career"]
    definition = programme_definition(career)
    definition["name_en"] = "Career development, our way"
    programme_update(
        actor=personas["officer"], programme=career, expected_version=career.version, definition=definition
    )
    counts = (Programme.objects.count(), ProgrammeStage.objects.count(), ProgrammeMilestone.objects.count())
    audits = AuditEvent.objects.count()

    again = programme_templates_load(actor=personas["officer"], institution=world.uni)

    assert again == []
    assert (
        Programme.objects.count(),
        ProgrammeStage.objects.count(),
        ProgrammeMilestone.objects.count(),
    ) == counts
    assert counts == (4, 14, 35)
    assert AuditEvent.objects.count() == audits
    assert Programme.objects.get(pk=career.pk).name_en == "Career development, our way"


def test_a_missing_template_is_added_back_by_its_code(world: World, programmes: dict[str, Programme]) -> None:
    programmes["innovation"].delete()

    added = programme_templates_load(actor=None, institution=world.uni)

    assert [programme.code for programme in added] == ["device-innovation"]
    assert Programme.objects.filter(institution=world.uni).count() == 4
    event = AuditEvent.objects.filter(action="programme.create").latest("pk")
    assert (event.actor, event.actor_label, event.changes) == (
        None,
        "system",
        {"code": [None, "device-innovation"]},
    )


def test_each_institution_gets_its_own_copies(world: World, programmes: dict[str, Programme]) -> None:
    added = programme_templates_load(actor=None, institution=world.other)

    assert len(added) == 4
    assert Programme.objects.count() == 8
    assert {programme.institution_id for programme in added} == {world.other.pk}


def test_the_command_loads_the_templates_for_an_institution(world: World) -> None:
    out = StringIO()
    call_command("load_programmes", "--institution", "uni", stdout=out)
    call_command("load_programmes", "--institution", "uni", stdout=out)

    assert out.getvalue() == "4 programme(s) added to uni\n0 programme(s) added to uni\n"
    assert Programme.objects.filter(institution=world.uni).count() == 4
    with pytest.raises(CommandError):
        call_command("load_programmes", "--institution", "nowhere", stdout=out)
