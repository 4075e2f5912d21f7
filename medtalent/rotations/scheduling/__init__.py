"""Rotation scheduling: pure Python (no Django), reading and writing the JSON format in
docs/rotation-instance-format.md. `solve_instance` solves; `checker.check_solution` verifies independently."""

from .model import InstanceError, read_instance
from .solver import Cancelled, Undecided, solve_instance

__all__ = ["Cancelled", "InstanceError", "Undecided", "read_instance", "solve_instance"]
