from .capacity import DepartmentCapacity
from .schedules import FIXED_BLOCKS, BlockKind, BlockStatus, RotationBlock, Schedule, ScheduleStatus
from .standards import DEFAULT_TOTAL_MONTHS, RotationEnrolment, RotationStandard, StandardEdition
from .trainees import MAX_LEAVE_MONTHS, Leave, LeaveReason, MentorResearchCapacity, ResearchWindow

__all__ = [
    "DEFAULT_TOTAL_MONTHS",
    "FIXED_BLOCKS",
    "MAX_LEAVE_MONTHS",
    "BlockKind",
    "BlockStatus",
    "DepartmentCapacity",
    "Leave",
    "LeaveReason",
    "MentorResearchCapacity",
    "ResearchWindow",
    "RotationBlock",
    "RotationEnrolment",
    "RotationStandard",
    "Schedule",
    "ScheduleStatus",
    "StandardEdition",
]
