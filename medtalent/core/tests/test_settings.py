"""The settings layout: SQLite (WAL) in a chosen data folder by default, PostgreSQL by URL, production that
passes Django's deployment checks. Each case runs ``medtalent`` in a subprocess with its own environment."""

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest


def run_medtalent(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith(("MEDTALENT_", "DJANGO_")) and k != "DATABASE_URL"
    }
    return subprocess.run(
        [sys.executable, "-m", "medtalent.cli", *args],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_production_settings_pass_the_deployment_check_with_no_warnings(tmp_path: Path) -> None:
    result = run_medtalent(
        "check",
        "--deploy",
        "--fail-level",
        "WARNING",
        env={
            "DJANGO_SETTINGS_MODULE": "medtalent.config.settings.production",
            "MEDTALENT_SECRET_KEY": secrets.token_urlsafe(64),
            "MEDTALENT_ALLOWED_HOSTS": "medtalent.example.edu.cn",
            "MEDTALENT_DATA_DIR": str(tmp_path),
        },
    )
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_production_settings_refuse_to_start_without_a_secret_key(tmp_path: Path) -> None:
    result = run_medtalent(
        "check",
        env={
            "DJANGO_SETTINGS_MODULE": "medtalent.config.settings.production",
            "MEDTALENT_DATA_DIR": str(tmp_path),
        },
    )
    assert result.returncode != 0
    assert "MEDTALENT_SECRET_KEY must be set in production" in result.stderr


def test_default_database_is_sqlite_in_wal_mode_inside_the_data_folder(tmp_path: Path) -> None:
    data_dir = tmp_path / "my data"
    script = (
        "from django.db import connection; connection.ensure_connection(); "
        "cursor = connection.cursor(); cursor.execute('PRAGMA journal_mode'); "
        "print(connection.settings_dict['NAME']); print(cursor.fetchone()[0])"
    )
    result = run_medtalent("shell", "-c", script, env={"MEDTALENT_DATA_DIR": str(data_dir)})
    assert result.returncode == 0, result.stderr
    name, journal_mode = result.stdout.strip().splitlines()[-2:]
    assert Path(name) == data_dir / "medtalent.sqlite3"
    assert journal_mode == "wal"
    # The generated secret key is kept beside the database, readable by its owner only.
    assert (data_dir / "secret_key").stat().st_mode & 0o777 == 0o600


@pytest.mark.parametrize(
    ("url", "engine"),
    [
        ("postgres://postgres@127.0.0.1:5432/medtalent", "django.db.backends.postgresql"),
        ("sqlite:////tmp/other.sqlite3", "django.db.backends.sqlite3"),
    ],
)
def test_database_url_chooses_the_database(tmp_path: Path, url: str, engine: str) -> None:
    script = "from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])"
    result = run_medtalent(
        "shell", "-c", script, env={"DATABASE_URL": url, "MEDTALENT_DATA_DIR": str(tmp_path)}
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == engine
