from .assessments import (
    DONE_STATUSES,
    OPEN_STATUSES,
    Assessment,
    AssessmentOrigin,
    AssessmentRequirement,
    AssessmentStatus,
    RotationSignOff,
)
from .ethics import DEFAULT_VETO_MONTHS, EthicsKind, EthicsPolicy, EthicsRecord, EthicsSeverity, EthicsStatus
from .instruments import Instrument, InstrumentKind, InstrumentVersion
from .logbook import LogbookAlert, LogbookEntry, LogbookEntryStatus, LogbookItem, LogbookKind, LogbookRole

__all__ = [
    "DEFAULT_VETO_MONTHS",
    "DONE_STATUSES",
    "OPEN_STATUSES",
    "Assessment",
    "AssessmentOrigin",
    "AssessmentRequirement",
    "AssessmentStatus",
    "EthicsKind",
    "EthicsPolicy",
    "EthicsRecord",
    "EthicsSeverity",
    "EthicsStatus",
    "Instrument",
    "InstrumentKind",
    "InstrumentVersion",
    "LogbookAlert",
    "LogbookEntry",
    "LogbookEntryStatus",
    "LogbookItem",
    "LogbookKind",
    "LogbookRole",
    "RotationSignOff",
]
