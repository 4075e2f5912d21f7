"""Settings for the test suite: fast hashing, in-process tasks, no e-mail."""

from .base import *  # noqa: F403
from .base import DATABASES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
# Tasks run in the test process, so a test sees a job's effects and its progress records.
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DEBUG = False
if DATABASES["default"]["ENGINE"].endswith("sqlite3"):
    # The test database is SQLite in memory; live-server tests share it across threads.
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}}
