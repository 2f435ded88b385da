"""`python bench/reminders.py`: the reminders benchmark (bench/reminders_bench.py says what it
measures). Only this entry point: the name is the issue's, and as a module it would shadow
the `reminders` app for mypy, which skips this file (pyproject.toml)."""

import sys

from reminders_bench import main

if __name__ == "__main__":
    sys.exit(main())
