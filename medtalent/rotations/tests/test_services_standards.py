"""Creating standards and editing editions: in place, as a new edition when in use, stale edits, audit."""

from typing import Any

import pytest

from medtalent.core.errors import ApplicationError, ConflictError
from medtalent.core.models import AuditEvent
from medtalent.rotations import services
from medtalent.rotations.models import RotationEnrolment, RotationStandard, StandardEdition
from medtalent.rotations.tests.conftest import RotationWorld, standard_content
from medtalent.rotations.tests.factories import RotationEnrolmentFactory, group, requirement

pytestmark = pytest.mark.django_db


def _changed(**changes: Any) -> dict[str, Any]:
    """The world's content with CARD 5 and RESP 2 (still 12 months), plus any other changes."""
    content = standard_content()
    content["requirements"] = [requirement("CARD", 5), requirement("RESP", 2), requirement("GI", 2)]
    content.update(changes)
    return content


def _update(edition: StandardEdition, user: Any, expected_version: int | None = None, **content: Any) -> Any:
    return services.standard_edition_update(
        user=user,
        edition=edition,
        expected_version=edition.version if expected_version is None else expected_version,
        **(content or _changed()),
    )


def test_create_makes_the_standard_and_its_first_edition(
    rotation_world: RotationWorld, personas: dict[str, Any]
) -> None:
    officer = personas["officer"]
    standard = services.rotation_standard_create(
        user=officer,
        institution=rotation_world.world.hospital,
        specialty="geriatrics",
        name_zh="老年医学",
        name_en="Geriatric medicine",
        total_months=2,
        requirements=[requirement("GER", 2)],
    )
    [edition] = standard.editions.all()
    assert (
        edition.number,
        edition.total_months,
        edition.requirements,
        edition.groups,
        edition.created_by,
    ) == (
        1,
        2,
        [requirement("GER", 2)],
        [],
        officer,
    )
    events = list(AuditEvent.objects.filter(actor=officer).order_by("id"))
    assert [event.action for event in events] == [
        "rotation_standard.create",
        "rotation_standard_edition.create",
    ]
    assert events[0].changes["specialty"] == [None, "geriatrics"]
    assert events[1].changes["requirements"] == [None, [requirement("GER", 2)]]


def test_create_refuses_a_second_standard_for_the_specialty(rotation_world: RotationWorld) -> None:
    with pytest.raises(ApplicationError) as raised:
        services.rotation_standard_create(
            user=None,
            institution=rotation_world.world.hospital,
            specialty="internal_medicine",
            name_zh="内科",
            **standard_content(),
        )
    assert raised.value.field == "specialty"
    assert raised.value.message == "Affiliated Hospital already has a standard for this specialty."


def test_create_with_problems_saves_nothing(rotation_world: RotationWorld) -> None:
    with pytest.raises(services.EditionInvalidError) as raised:
        services.rotation_standard_create(
            user=None,
            institution=rotation_world.world.hospital,
            specialty="surgery",
            name_zh="外科",
            total_months=33,
            requirements=[requirement("CARD", 4)],
        )
    assert [problem.path for problem in raised.value.problems] == [("total_months",)]
    assert raised.value.extra["errors"][0]["field"] == "total_months"
    assert not RotationStandard.objects.filter(specialty="surgery").exists()


def test_an_edition_nobody_follows_is_edited_in_place(
    rotation_world: RotationWorld, personas: dict[str, Any]
) -> None:
    edition = rotation_world.edition
    saved = _update(edition, personas["officer"])
    assert saved.pk == edition.pk
    row = StandardEdition.objects.get(pk=edition.pk)
    assert (row.number, row.version, row.requirements[0]["months"], row.requirements[1]["months"]) == (
        1,
        2,
        5,
        2,
    )
    assert StandardEdition.objects.filter(standard=rotation_world.standard).count() == 1
    [event] = AuditEvent.objects.filter(action="rotation_standard_edition.update")
    assert event.actor == personas["officer"]
    assert set(event.changes) == {"requirements"}
    before, after = event.changes["requirements"]
    assert (before[0]["months"], after[0]["months"]) == (4, 5)


def test_an_edition_in_use_is_frozen_and_the_changes_become_the_next_edition(
    rotation_world: RotationWorld, personas: dict[str, Any]
) -> None:
    edition = rotation_world.edition
    enrolment = RotationEnrolmentFactory(edition=edition)
    saved = _update(edition, personas["officer"], **_changed(source="2024 review"))
    assert (saved.number, saved.version, saved.source, saved.created_by) == (
        2,
        1,
        "2024 review",
        personas["officer"],
    )
    old = StandardEdition.objects.get(pk=edition.pk)
    assert (old.version, old.source, old.requirements) == (1, "test", standard_content()["requirements"])
    assert RotationEnrolment.objects.get(pk=enrolment.pk).edition_id == edition.pk
    [event] = AuditEvent.objects.filter(action="rotation_standard_edition.create", actor=personas["officer"])
    assert event.target_id == str(saved.pk)
    assert event.changes["number"] == [1, 2]
    assert event.changes["source"] == ["test", "2024 review"]
    assert not AuditEvent.objects.filter(action="rotation_standard_edition.update").exists()


def test_a_stale_edit_raises_conflict_and_changes_nothing(
    rotation_world: RotationWorld, personas: dict[str, Any]
) -> None:
    edition = rotation_world.edition
    _update(StandardEdition.objects.get(pk=edition.pk), personas["officer"])  # version 1 -> 2
    with pytest.raises(ConflictError):
        _update(edition, personas["admin"], expected_version=1, **_changed(source="mine"))
    row = StandardEdition.objects.get(pk=edition.pk)
    assert (row.version, row.source) == (2, "test")
    assert (
        AuditEvent.objects.filter(action__startswith="rotation_standard_edition.").count() == 2
    )  # create, update


def test_editing_an_edition_that_a_newer_one_replaced_raises_conflict(
    rotation_world: RotationWorld, personas: dict[str, Any]
) -> None:
    edition = rotation_world.edition
    RotationEnrolmentFactory(edition=edition)
    _update(edition, personas["officer"])  # makes edition 2
    with pytest.raises(ConflictError):
        _update(edition, personas["admin"], **_changed(source="mine"))
    assert list(rotation_world.standard.editions.values_list("number", flat=True)) == [2, 1]


def test_saving_unchanged_content_writes_nothing(
    rotation_world: RotationWorld, personas: dict[str, Any]
) -> None:
    edition = rotation_world.edition
    RotationEnrolmentFactory(edition=edition)
    saved = _update(edition, personas["officer"], **standard_content())
    assert saved.pk == edition.pk
    assert StandardEdition.objects.get(pk=edition.pk).version == 1
    assert rotation_world.standard.editions.count() == 1
    assert not AuditEvent.objects.filter(actor=personas["officer"]).exists()


def test_an_edit_with_problems_changes_nothing(
    rotation_world: RotationWorld, personas: dict[str, Any]
) -> None:
    edition = rotation_world.edition
    with pytest.raises(services.EditionInvalidError) as raised:
        _update(edition, personas["officer"], **_changed(groups=[group(["GER", "ONC", "LAB"], 4, 1, 2)]))
    assert [(p.path, p.message) for p in raised.value.problems] == [
        (
            ("total_months",),
            "The required departments (9 months) and the elective groups (4 months) add up to 13 months, "
            "not the 12 months in total.",
        )
    ]
    row = StandardEdition.objects.get(pk=edition.pk)
    assert (row.version, row.requirements) == (1, standard_content()["requirements"])


def test_the_callers_lists_are_copied_not_shared(
    rotation_world: RotationWorld, personas: dict[str, Any]
) -> None:
    content = _changed()
    saved = _update(rotation_world.edition, personas["officer"], **content)
    content["requirements"][0]["months"] = 99
    assert saved.requirements[0]["months"] == 5


def test_rename_is_audited_only_when_something_changes(rotation_world: RotationWorld) -> None:
    standard = rotation_world.standard
    services.rotation_standard_rename(
        user=None, standard=standard, name_zh="内科", name_en="Internal medicine"
    )
    assert not AuditEvent.objects.filter(action="rotation_standard.update").exists()
    services.rotation_standard_rename(
        user=None, standard=standard, name_zh="内科学", name_en="Internal medicine"
    )
    [event] = AuditEvent.objects.filter(action="rotation_standard.update")
    assert event.changes == {"name_zh": ["内科", "内科学"]}
