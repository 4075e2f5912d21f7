"""The trainee's "My rotation" panel on the home page: where the published schedule places them this month
and next, registered in ``RotationsConfig.ready``. Two queries: the trainee's stage, then their blocks that
have not ended."""

import datetime
from dataclasses import dataclass
from typing import Any

from django.http import HttpRequest

from medtalent.core.home import HomePanel, register_home_panel

from .access import own_trainee_profile
from .models import RotationBlock, RotationEnrolment, Schedule
from .months import add_months, months_between
from .selectors_schedules import blocks_covering

# Far enough ahead to reach the next block after any current one.
LOOK_AHEAD_MONTHS = 120


@dataclass(frozen=True)
class BlockLine:
    block: RotationBlock
    month_number: int | None  # which month of the block this is, for the current one

    @property
    def last_month(self) -> datetime.date:
        return add_months(self.block.start_month, self.block.months - 1)

    @property
    def is_partner(self) -> bool:
        department = self.block.department
        return department is not None and department.institution_id != self.block.schedule.institution_id


def current_and_next_blocks(
    trainee_id: int, today: datetime.date
) -> tuple[BlockLine | None, BlockLine | None]:
    """The trainee's block of the published schedule running this month, and the next one to start."""
    this_month = today.replace(day=1)
    blocks = list(
        blocks_covering(
            RotationBlock.objects.filter(trainee_id=trainee_id, schedule__status=Schedule.Status.PUBLISHED),
            this_month,
            LOOK_AHEAD_MONTHS,
        )
        .select_related("department__institution", "schedule")
        .order_by("start_month", "pk")[:2]
    )
    current = None
    if blocks and blocks[0].start_month <= this_month:
        block = blocks.pop(0)
        current = BlockLine(block, months_between(block.start_month, this_month) + 1)
    upcoming = BlockLine(blocks[0], None) if blocks else None
    return current, upcoming


def my_rotation_panel(request: HttpRequest, today: datetime.date) -> dict[str, Any] | None:
    trainee = own_trainee_profile(request.user)
    if trainee is None:
        return None
    current, upcoming = current_and_next_blocks(trainee.pk, today)
    try:
        enrolled = trainee.rotation_enrolment is not None
    except RotationEnrolment.DoesNotExist:
        enrolled = False
    if current is None and upcoming is None and not enrolled:
        return None  # not a rotating trainee: nothing to say
    return {"current": current, "upcoming": upcoming, "trainee": trainee}


def register() -> None:
    register_home_panel(
        HomePanel("rotations.my_rotation", 20, "rotations/home_my_rotation.html", my_rotation_panel)
    )
