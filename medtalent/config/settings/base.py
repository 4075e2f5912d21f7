"""Settings shared by every environment.

Configuration comes from the environment so that one installed package serves the demo, the tests and
production:

- ``MEDTALENT_DATA_DIR``: folder for the SQLite database, the generated secret key and uploads
  (default ``./var``).
- ``DATABASE_URL``: e.g. ``postgres://user@host:5432/medtalent``; unset means SQLite in the data folder.
- ``MEDTALENT_SECRET_KEY``: unset means a key generated once and kept in the data folder.
- ``MEDTALENT_DEBUG``: ``1`` for development error pages.
- ``MEDTALENT_ALLOWED_HOSTS``: comma-separated host names.
- ``MEDTALENT_EMAIL_HOST`` (and ``_PORT``, ``_USER``, ``_PASSWORD``, ``_USE_TLS``, ``MEDTALENT_EMAIL_FROM``):
  SMTP for the daily notification digest; unset means no e-mail goes out.
- ``MEDTALENT_ASSESSMENT_REMINDER_DAYS``: days before an assessment request is due and between reminders (3).
- ``MEDTALENT_MILESTONE_REMINDER_DAYS``: days between reminders about an overdue milestone (7).
"""

import os
import secrets
from pathlib import Path
from typing import Any

import dj_database_url
from django.utils.translation import gettext_lazy as _

# The ``medtalent`` package folder: templates, static files and catalogues ship inside it.
PACKAGE_DIR = Path(__file__).resolve().parent.parent.parent
DATA_DIR = Path(os.environ.get("MEDTALENT_DATA_DIR", Path.cwd() / "var")).resolve()


def env_flag(name: str, default: bool = False) -> bool:
    return os.environ.get(name, "1" if default else "0").strip().lower() in {"1", "true", "yes", "on"}


def env_list(name: str, default: str = "") -> list[str]:
    return [item.strip() for item in os.environ.get(name, default).split(",") if item.strip()]


def _secret_key() -> str:
    if key := os.environ.get("MEDTALENT_SECRET_KEY"):
        return key
    # A key generated on first start and kept beside the database, so sessions survive restarts
    # without anybody having to invent one.
    key_file = DATA_DIR / "secret_key"
    if not key_file.exists():
        DATA_DIR.mkdir(parents=True, exist_ok=True)
        key_file.write_text(secrets.token_urlsafe(64))
        key_file.chmod(0o600)
    return key_file.read_text().strip()


SECRET_KEY = _secret_key()
DEBUG = env_flag("MEDTALENT_DEBUG")
ALLOWED_HOSTS = env_list("MEDTALENT_ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]")
CSRF_TRUSTED_ORIGINS = env_list("MEDTALENT_CSRF_TRUSTED_ORIGINS")

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rules.apps.AutodiscoverRulesConfig",
    "axes",
    "django_tasks",
    "django_tasks_db",
    "ninja",
    "medtalent.core",
    "medtalent.people",
    "medtalent.rotations",
    "medtalent.assessments",
    "medtalent.programs",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "medtalent.core.middleware.UserLanguageMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "medtalent.core.middleware.RequestContextMiddleware",
    # Last, as django-axes asks, so that it sees the authenticated user.
    "axes.middleware.AxesMiddleware",
]

ROOT_URLCONF = "medtalent.config.urls"
WSGI_APPLICATION = "medtalent.config.wsgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [PACKAGE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.template.context_processors.i18n",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "medtalent.core.context_processors.navigation",
            ],
        },
    },
]


def _database() -> dict[str, Any]:
    if url := os.environ.get("DATABASE_URL"):
        return dict(dj_database_url.parse(url, conn_max_age=60, conn_health_checks=True))
    DATA_DIR.mkdir(parents=True, exist_ok=True)
    return {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": DATA_DIR / "medtalent.sqlite3",
        "OPTIONS": {
            # WAL lets the web server read while the worker writes; IMMEDIATE avoids the
            # "database is locked" upgrade deadlock between two writers.
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
            "init_command": (
                "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON; "
                "PRAGMA busy_timeout=20000;"
            ),
        },
    }


DATABASES = {"default": _database()}
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"

AUTH_USER_MODEL = "people.User"
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",
    "rules.permissions.ObjectPermissionBackend",
    "django.contrib.auth.backends.ModelBackend",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 10}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
LOGIN_URL = "login"
LOGIN_REDIRECT_URL = "home"
LOGOUT_REDIRECT_URL = "login"

# django-axes: five failures lock the account (per user name) for one hour.
AXES_FAILURE_LIMIT = 5
AXES_COOLOFF_TIME = 1
AXES_LOCKOUT_PARAMETERS = ["username"]
AXES_RESET_ON_SUCCESS = True
# Locking by account, not by address, is deliberate: a hospital's whole intranet often reaches us
# through one NAT address, and locking that would lock out every ward at once.
SILENCED_SYSTEM_CHECKS = ["axes.W006"]
AXES_LOCKOUT_TEMPLATE = "registration/locked_out.html"

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", _("Simplified Chinese")), ("en", _("English"))]
LOCALE_PATHS = [PACKAGE_DIR / "locale"]
USE_I18N = True
TIME_ZONE = "Asia/Shanghai"
USE_TZ = True

STATIC_URL = "static/"
STATICFILES_DIRS = [PACKAGE_DIR / "static"]
STORAGES = {
    "default": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": DATA_DIR / "media"},
    },
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# The package ships its static files; whitenoise serves them from the finders so that no
# collectstatic step is needed for the demo.
WHITENOISE_USE_FINDERS = True

# Shared by the web server and the workers on one machine: a job's live progress travels through it.
# Several machines share one through MEDTALENT_REDIS_URL (see docs/deployment.md).
CACHES = {
    "default": (
        {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": os.environ["MEDTALENT_REDIS_URL"],
        }
        if os.environ.get("MEDTALENT_REDIS_URL")
        else {
            "BACKEND": "django.core.cache.backends.filebased.FileBasedCache",
            "LOCATION": str(DATA_DIR / "cache"),
        }
    )
}
TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

EMAIL_HOST = os.environ.get("MEDTALENT_EMAIL_HOST", "")
EMAIL_PORT = int(os.environ.get("MEDTALENT_EMAIL_PORT", "25"))
EMAIL_HOST_USER = os.environ.get("MEDTALENT_EMAIL_USER", "")
EMAIL_HOST_PASSWORD = os.environ.get("MEDTALENT_EMAIL_PASSWORD", "")
EMAIL_USE_TLS = env_flag("MEDTALENT_EMAIL_USE_TLS")
DEFAULT_FROM_EMAIL = os.environ.get("MEDTALENT_EMAIL_FROM", "medtalent@localhost")
EMAIL_ENABLED = bool(EMAIL_HOST)

SESSION_COOKIE_HTTPONLY = True
CSRF_COOKIE_HTTPONLY = False  # HTMX reads the token from the cookie-free meta tag; kept default.
X_FRAME_OPTIONS = "DENY"
SECURE_CONTENT_TYPE_NOSNIFF = True
SECURE_REFERRER_POLICY = "same-origin"


# API lists: 25 rows a page unless asked, never more than 200.
NINJA_PAGINATION_PER_PAGE = 25
NINJA_MAX_PER_PAGE_SIZE = 200

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "root": {"handlers": ["console"], "level": "WARNING"},
    "loggers": {"medtalent": {"handlers": ["console"], "level": "INFO", "propagate": False}},
}

# Spreadsheet imports: larger files are refused with a message (bytes; MEDTALENT_IMPORT_MAX_MB).
MEDTALENT_IMPORT_MAX_BYTES = int(float(os.environ.get("MEDTALENT_IMPORT_MAX_MB", "50")) * 1_000_000)

# Assessment requests: due after this many days, and the assessor is reminded every this many days after
# (MEDTALENT_ASSESSMENT_REMINDER_DAYS).
MEDTALENT_ASSESSMENT_REMINDER_DAYS = int(os.environ.get("MEDTALENT_ASSESSMENT_REMINDER_DAYS", "3"))

# Overdue milestones: the trainee and both mentors are reminded every this many days until it is done.
MEDTALENT_MILESTONE_REMINDER_DAYS = int(os.environ.get("MEDTALENT_MILESTONE_REMINDER_DAYS", "7"))
