"""Production settings: everything secure, nothing guessed.

Required: MEDTALENT_SECRET_KEY, MEDTALENT_ALLOWED_HOSTS. Recommended: DATABASE_URL for PostgreSQL.
Behind a TLS-terminating proxy, set MEDTALENT_BEHIND_PROXY=1 so Django trusts X-Forwarded-Proto.
"""

import os

from django.core.exceptions import ImproperlyConfigured

from .base import *  # noqa: F403
from .base import env_flag, env_list

DEBUG = False
if not os.environ.get("MEDTALENT_SECRET_KEY"):
    raise ImproperlyConfigured("MEDTALENT_SECRET_KEY must be set in production.")
SECRET_KEY = os.environ["MEDTALENT_SECRET_KEY"]
ALLOWED_HOSTS = env_list("MEDTALENT_ALLOWED_HOSTS")
if not ALLOWED_HOSTS:
    raise ImproperlyConfigured("MEDTALENT_ALLOWED_HOSTS must be set in production.")

SECURE_SSL_REDIRECT = env_flag("MEDTALENT_SSL_REDIRECT", True)
SECURE_HSTS_SECONDS = int(os.environ.get("MEDTALENT_HSTS_SECONDS", str(60 * 60 * 24 * 365)))
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
if env_flag("MEDTALENT_BEHIND_PROXY"):
    SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")

STATIC_ROOT = DATA_DIR / "static"  # noqa: F405 -- filled by `medtalent collectstatic`
STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = False
