"""The ``medtalent`` command: Django management with MedTalent's settings."""

import os
import sys


def main() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "medtalent.config.settings.base")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["medtalent", *sys.argv[1:]])


if __name__ == "__main__":
    main()
