#!/usr/bin/env python3
"""Same as the ``medtalent`` console script, for a checkout without an install."""

from medtalent.cli import main

if __name__ == "__main__":
    main()
