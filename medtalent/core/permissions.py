from typing import Any

from django.core.exceptions import PermissionDenied


def require(user: Any, permission: str, obj: Any = None) -> None:
    """Raise 403 unless the ``rules`` permission holds. Reach ``obj`` through its access helper first,
    so that objects the user may not see at all answer 404 before this is asked."""
    if not user.has_perm(permission, obj):
        raise PermissionDenied
