"""The outbox's drill fixtures (a worker's environment, processes stopped after the test),
for the reminders' drills."""

from outbox.tests.conftest import drill_env, processes

__all__ = ["drill_env", "processes"]
