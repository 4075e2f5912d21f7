from .accounts import ApiToken, Role, RoleAssignment, User
from .organisations import Department, DepartmentKind, Institution, InstitutionKind
from .persons import (
    FacultyProfile,
    Gender,
    Mentorship,
    MentorshipKind,
    Person,
    TraineeLevel,
    TraineeProfile,
    TraineeStatus,
)

__all__ = [
    "ApiToken",
    "Department",
    "DepartmentKind",
    "FacultyProfile",
    "Gender",
    "Institution",
    "InstitutionKind",
    "Mentorship",
    "MentorshipKind",
    "Person",
    "Role",
    "RoleAssignment",
    "TraineeLevel",
    "TraineeProfile",
    "TraineeStatus",
    "User",
]
