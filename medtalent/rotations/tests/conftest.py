"""The rotations world: the shared persona world plus rotation departments and one standard.

At ``world.hospital`` (the training base): CARD, RESP, GI, ICU, GER, ONC; at ``partner`` (affiliated with
the hospital): LAB; at ``world.other``: FOREIGN. The standard ``internal_medicine`` at the hospital has
12 months: CARD 4, RESP 3, GI 2 required, and a group of GER, ONC, LAB for 3 months (1–2 each).
"""

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import translation

from medtalent.conftest import World
from medtalent.people.models import Department, Institution
from medtalent.people.tests.factories import DepartmentFactory, InstitutionFactory
from medtalent.rotations import services
from medtalent.rotations.models import RotationStandard, StandardEdition
from medtalent.rotations.tests.factories import group, requirement

HOSPITAL_CODES = {
    "CARD": ("心血管内科（轮转）", "Cardiology rotation"),
    "RESP": ("呼吸内科", "Respiratory medicine"),
    "GI": ("消化内科", "Gastroenterology"),
    "ICU": ("重症医学科", "Intensive care"),
    "GER": ("老年医学科", "Geriatrics"),
    "ONC": ("肿瘤内科", "Medical oncology"),
}


def standard_content() -> dict[str, Any]:
    return {
        "label": "2022 national standard",
        "total_months": 12,
        "source": "test",
        "requirements": [requirement("CARD", 4), requirement("RESP", 3), requirement("GI", 2)],
        "groups": [group(["GER", "ONC", "LAB"], 3, 1, 2)],
    }


@dataclass
class RotationWorld:
    world: World
    partner: Institution
    departments: dict[str, Department]
    standard: RotationStandard

    @property
    def edition(self) -> StandardEdition:
        return StandardEdition.objects.get(standard=self.standard, number=1)


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Messages in English, so tests assert their exact text."""
    with translation.override("en"):
        yield


@pytest.fixture
def rotation_world(world: World) -> RotationWorld:
    partner = InstitutionFactory(
        code="partner", name_zh="合作医院", name_en="Partner Hospital", parent=world.hospital
    )
    departments = {
        code: DepartmentFactory(
            institution=world.hospital, code=code, name_zh=zh, name_en=en, rotation_capacity=4
        )
        for code, (zh, en) in HOSPITAL_CODES.items()
    }
    departments["LAB"] = DepartmentFactory(
        institution=partner, code="LAB", name_zh="检验科", name_en="Laboratory medicine", rotation_capacity=2
    )
    departments["FOREIGN"] = DepartmentFactory(institution=world.other, code="FOREIGN")
    standard = services.rotation_standard_create(
        user=None,
        institution=world.hospital,
        specialty="internal_medicine",
        name_zh="内科",
        name_en="Internal medicine",
        **standard_content(),
    )
    return RotationWorld(world, partner, departments, standard)
