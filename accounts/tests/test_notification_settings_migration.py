"""accounts 0006: `email_notifications` split into the three kinds of mail, and back."""

from typing import Any

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("accounts", "0005_refresh_token_family")]
AFTER = [("accounts", "0006_notification_settings")]


def migrate(target: list[tuple[str, str]]) -> Any:
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(target)
    return executor.loader.project_state(target).apps


@pytest.mark.django_db(transaction=True)
def test_off_becomes_every_kind_off_and_back() -> None:
    try:
        old = migrate(BEFORE)
        User = old.get_model("accounts", "User")
        User.objects.create(email="off@example.com", email_notifications=False)
        User.objects.create(email="on@example.com", email_notifications=True)

        new = migrate(AFTER)
        kinds = {
            email: (m, a, d)
            for email, m, a, d in new.get_model("accounts", "User").objects.values_list(
                "email", "email_mentions", "email_assignments", "email_due"
            )
        }
        assert kinds == {"off@example.com": (False, False, False), "on@example.com": (True, True, True)}

        back = migrate(BEFORE)
        assert dict(
            back.get_model("accounts", "User").objects.values_list("email", "email_notifications")
        ) == {
            "off@example.com": False,
            "on@example.com": True,
        }
    finally:
        migrate(AFTER)
