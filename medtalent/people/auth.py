"""Personal API tokens: ``Authorization: Bearer mt_…``."""

from django.utils import timezone

from .models import ApiToken, User
from .models.accounts import hash_token


def user_for_api_token(raw_token: str) -> User | None:
    if not raw_token.startswith(ApiToken.PREFIX):
        return None
    token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=hash_token(raw_token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if token is None:
        return None
    ApiToken.objects.filter(pk=token.pk).update(last_used_at=timezone.now())
    return token.user
