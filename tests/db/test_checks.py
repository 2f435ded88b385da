"""System checks on the primary/replica settings."""

import pytest
from django.core.checks import run_checks

from taskboard.db.checks import check_database_routing


def ids() -> list[str]:
    return [message.id for message in check_database_routing() if message.id]


def test_the_default_settings_pass() -> None:
    assert check_database_routing() == []


def test_a_read_your_writes_window_shorter_than_the_lag_limit_is_an_error(settings) -> None:
    settings.READ_YOUR_WRITES_SECONDS = 3
    settings.REPLICA_MAX_LAG_SECONDS = 5

    assert ids() == ["taskboard.db.E001"]
    # Registered: `manage.py check` reports it.
    assert "taskboard.db.E001" in [message.id for message in run_checks()]


def test_a_window_with_no_margin_for_the_check_interval_is_a_warning(settings) -> None:
    settings.READ_YOUR_WRITES_SECONDS = 5
    settings.REPLICA_MAX_LAG_SECONDS = 5
    settings.REPLICA_CHECK_INTERVAL_SECONDS = 1

    assert ids() == ["taskboard.db.W001"]


# Only the check reads the overridden DATABASES; the connections are left alone.
@pytest.mark.filterwarnings("ignore:Overriding setting DATABASES")
def test_replicas_need_postgresql_everywhere(settings) -> None:
    settings.DATABASES = {
        **settings.DATABASES,
        "default": {**settings.DATABASES["default"], "ENGINE": "django.db.backends.sqlite3"},
    }

    assert ids() == ["taskboard.db.E002"]
