from .plans import (
    OPEN_PLAN_STATUSES,
    MilestoneEvidence,
    MilestoneStatus,
    PlanMilestone,
    PlanSignature,
    PlanStage,
    PlanStatus,
    SignerRole,
    TrainingPlan,
)
from .programmes import (
    EvidenceKind,
    Programme,
    ProgrammeMilestone,
    ProgrammeStage,
    ProgrammeSystem,
)

__all__ = [
    "OPEN_PLAN_STATUSES",
    "EvidenceKind",
    "MilestoneEvidence",
    "MilestoneStatus",
    "PlanMilestone",
    "PlanSignature",
    "PlanStage",
    "PlanStatus",
    "Programme",
    "ProgrammeMilestone",
    "ProgrammeStage",
    "ProgrammeSystem",
    "SignerRole",
    "TrainingPlan",
]
