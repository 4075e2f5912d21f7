"""Assessment tests: English messages, and a published rotation for the persona trainee.

``bedside`` (on top of ``personas``): the persona trainee rotates in cardiology from 2026-09 for three
months by a published schedule; ``teacher`` (clinical teacher of cardiology) and ``head`` are eligible
assessors there, ``mentor`` works in cardiology too. Surgery has no faculty.
"""

import datetime
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.utils import timezone, translation

from medtalent.conftest import World
from medtalent.people.models import TraineeProfile, User
from medtalent.rotations.models import RotationBlock, Schedule
from medtalent.rotations.tests.factories import ScheduleFactory


@pytest.fixture(autouse=True)
def _english() -> Iterator[None]:
    """Messages in English, so tests assert their exact text."""
    with translation.override("en"):
        yield


@dataclass
class Bedside:
    world: World
    users: dict[str, User]
    trainee: TraineeProfile
    schedule: Schedule
    block: RotationBlock


ROTATION_START = datetime.date(2026, 9, 1)
IN_ROTATION = datetime.date(2026, 10, 12)


@pytest.fixture
def bedside(world: World, personas: dict[str, User]) -> Bedside:
    trainee = TraineeProfile.objects.get(person=world.trainee_person)
    schedule = ScheduleFactory(
        institution=world.hospital,
        status=Schedule.Status.PUBLISHED,
        published_at=timezone.now(),
        first_month=datetime.date(2026, 1, 1),
        horizon_months=24,
    )
    block = RotationBlock.objects.create(
        schedule=schedule,
        trainee=trainee,
        department=world.cardiology,
        start_month=ROTATION_START,
        months=3,
        status=RotationBlock.Status.IN_PROGRESS,
    )
    return Bedside(world, personas, trainee, schedule, block)


@pytest.fixture(autouse=True)
def _notifications_in_english(settings: Any) -> None:
    """Notifications render in each recipient's language, the site's default when they chose none: make
    that English, so tests assert exact titles whatever the catalogues say."""
    settings.LANGUAGE_CODE = "en"
