"""The scans as beat runs them: `reminders.scan` and `reminders.digest` on the real worker
(the `reminders` queue), the mail through the outbox and the real SMTP server. Both lanes
(Redis or the on-disk broker)."""

import time
from datetime import time as clock_time
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone

from accounts.models import Digest, NotificationSettings
from outbox.models import OutboxMail
from reminders.models import SentDigest, SentReminder
from taskboard import celery_app
from tests.plugins.celery_worker import CeleryWorker
from tests.plugins.smtp_server import Mailbox

from .helpers import due_task, minutes, person

pytestmark = [pytest.mark.celery, pytest.mark.django_db(transaction=True)]


def run_scan(worker: CeleryWorker, name: str = "reminders.scan") -> None:
    """Queue the scan by name, as beat does, and wait until the worker ran it."""
    task_id = celery_app.send_task(name).id
    deadline = time.monotonic() + 15
    while f"{task_id}] succeeded" not in worker.log_file.read_text():
        assert time.monotonic() < deadline, "the scan did not run"
        time.sleep(0.1)


def mails_to(mailbox: Mailbox, address: str, *, at_least: int = 0, timeout: float = 15) -> list[Any]:
    """The messages to `address`, once there are `at_least` of them."""
    deadline = time.monotonic() + timeout
    while len(found := [m for m in mailbox.messages if m["To"] == address]) < at_least:
        assert time.monotonic() < deadline, f"{len(found)} of {at_least} messages to {address}"
        time.sleep(0.05)
    return found


def test_the_scan_on_the_worker_mails_a_reminder_once(celery_worker: CeleryWorker, mailbox: Mailbox) -> None:
    ada = person(name="Ada")
    task = due_task(at=timezone.now() + minutes(30), creator=ada, title="Ship the release")

    run_scan(celery_worker)
    [message] = mails_to(mailbox, ada.email, at_least=1)
    run_scan(celery_worker)  # a second scan: nothing more
    time.sleep(1)

    # Ada's mail only: an earlier test's sends (test_concurrent_scans commits 20 through the
    # same worker) may still arrive at the server while this one runs.
    assert len(mails_to(mailbox, ada.email)) == 1
    assert message["Subject"] == "Due within 1 hour: Ship the release"
    assert str(message["List-Unsubscribe"]).strip().startswith("<http")
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    html = message.get_body(preferencelist=("html",))
    assert html is not None
    assert f"/tasks/{task.pk}/" in html.get_content()
    assert SentReminder.objects.filter(task=task, user=ada).count() == 2  # 24 h and 1 h
    assert OutboxMail.objects.get().state == OutboxMail.State.SENT


def zone_in_the_morning() -> str:
    """A zone where it is now between 08:30 and 11:30: digest time, whenever the test runs."""
    now = timezone.now()
    for hours in range(-12, 15):
        name = f"Etc/GMT{-hours:+d}" if hours else "UTC"  # Etc/GMT-3 is UTC+3
        local = now.astimezone(ZoneInfo(name))
        if clock_time(8, 30) <= local.time() < clock_time(11, 30):
            return name
    raise AssertionError("some whole-hour zone is always in the morning")


def test_the_digest_on_the_worker_mails_once(celery_worker: CeleryWorker, mailbox: Mailbox) -> None:
    ada = person(name="Ada", timezone=zone_in_the_morning())
    NotificationSettings.objects.filter(user=ada).update(digest=Digest.DAILY)
    due_task(at=timezone.now() - minutes(90), creator=ada, title="Ship the release")

    run_scan(celery_worker, "reminders.digest")
    [message] = mails_to(mailbox, ada.email, at_least=1)
    run_scan(celery_worker, "reminders.digest")  # a second run the same morning: nothing more
    time.sleep(1)

    assert str(message["Subject"]).endswith(": 1 overdue")
    assert "Ship the release" in mailbox.body(message)
    assert message["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"
    assert SentDigest.objects.filter(user=ada).count() == 1
    assert len(mails_to(mailbox, ada.email)) == 1
