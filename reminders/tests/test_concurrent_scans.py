"""Scans at the same moment (two workers, a beat that fired twice) send each reminder once."""

from datetime import UTC, datetime

import pytest

from activity.models import Notification
from outbox.models import OutboxMail
from reminders.models import SentReminder
from reminders.services import ScanResult, reminders_due
from tests.threads import run_together

from .helpers import due_task, minutes, person

NOW = datetime(2030, 1, 10, 12, 0, tzinfo=UTC)
pytestmark = [pytest.mark.postgresql, pytest.mark.django_db(transaction=True)]


def test_four_scans_at_once_remind_each_task_once() -> None:
    ada = person()
    for _ in range(20):
        due_task(at=NOW + minutes(30), creator=ada)

    results = run_together(*[lambda: reminders_due(now=NOW)] * 4)

    assert all(isinstance(result, ScanResult) for result in results), results
    assert sum(result.reminded for result in results) == 20
    assert Notification.objects.count() == 20
    assert OutboxMail.objects.count() == 20
    assert SentReminder.objects.count() == 40  # 24 h and 1 h, each once
