"""The SQLite lane's test database: a file beside the lane's database, not SQLite's default
for tests (memory).

Registered by tests.plugins.services after pytest-django in the SQLite lane, so this
`django_db_modify_db_settings` replaces pytest-django's. A file, because the Celery worker
(another process) must read what the tests commit, and because the tests that run writes in
threads need SQLite's file locking (busy timeout), as the embedded default has it; an
in-memory database shared between connections locks by table and fails at once instead.
"""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def django_db_modify_db_settings(request: pytest.FixtureRequest) -> None:
    from django.db import connections

    settings_dict = connections["default"].settings_dict
    database = Path(settings_dict["NAME"])
    settings_dict["TEST"]["NAME"] = str(database.with_name(f"test_{database.name}"))
    # pytest-django's own steps (a suffix per xdist worker), on the name set here.
    request.getfixturevalue("django_db_modify_db_settings_parallel_suffix")
