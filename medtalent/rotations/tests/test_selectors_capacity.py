"""``capacity_table``: monthly rows override the department's usual places, in two queries."""

import datetime
from typing import Any

import pytest

from medtalent.people.tests.factories import DepartmentFactory
from medtalent.rotations.selectors import capacity_table
from medtalent.rotations.tests.conftest import RotationWorld
from medtalent.rotations.tests.factories import DepartmentCapacityFactory

pytestmark = pytest.mark.django_db

SEPTEMBER = datetime.date(2025, 9, 1)


def test_capacity_table(rotation_world: RotationWorld, django_assert_num_queries: Any) -> None:
    departments = rotation_world.departments
    card, lab = departments["CARD"], departments["LAB"]
    DepartmentCapacityFactory(department=card, month=datetime.date(2025, 10, 1), maximum=6, minimum=2)
    DepartmentCapacityFactory(department=card, month=datetime.date(2025, 8, 1), maximum=9)  # before
    DepartmentCapacityFactory(department=card, month=datetime.date(2025, 12, 1), maximum=9)  # after
    DepartmentCapacityFactory(department=lab, month=datetime.date(2025, 11, 1), maximum=0)
    office = DepartmentFactory(
        institution=rotation_world.world.hospital, code="OFFICE", rotation_capacity=None
    )
    DepartmentCapacityFactory(department=office, month=datetime.date(2025, 9, 1), maximum=1)
    DepartmentFactory(institution=rotation_world.world.hospital, code="QUIET", rotation_capacity=None)

    with django_assert_num_queries(2):
        table = capacity_table(rotation_world.world.hospital, SEPTEMBER, 3)

    assert [table[(card.pk, month)] for month in range(3)] == [(4, 0), (6, 2), (4, 0)]
    assert [table[(lab.pk, month)] for month in range(3)] == [(2, 0), (2, 0), (0, 0)]  # affiliate's
    assert [table[(office.pk, month)] for month in range(3)] == [(1, 0), (0, 0), (0, 0)]
    hospital_codes = {"CARD", "RESP", "GI", "ICU", "GER", "ONC"}
    world = rotation_world.world
    expected = {departments[code].pk for code in hospital_codes} | {lab.pk, office.pk}
    expected |= {world.cardiology.pk, world.surgery.pk}  # the world's own, 6 places each
    assert table[(world.cardiology.pk, 0)] == (6, 0)
    assert {department_id for department_id, _month in table} == expected  # neither QUIET nor FOREIGN
    assert len(table) == len(expected) * 3
