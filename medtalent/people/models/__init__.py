from .accounts import ApiToken, Role, RoleAssignment, User
from .organisations import Department, Institution
from .persons import FacultyProfile, Gender, Mentorship, Person, TraineeLevel, TraineeProfile

__all__ = [
    "ApiToken",
    "Department",
    "FacultyProfile",
    "Gender",
    "Institution",
    "Mentorship",
    "Person",
    "Role",
    "RoleAssignment",
    "TraineeLevel",
    "TraineeProfile",
    "User",
]
