"""Reminders through the task services, as people change tasks: completed between two
offsets (the rest cancelled; reopened: the rest comes), due date moved (re-armed), deleted;
and a scan that fails after its claim leaves nothing (no record, notification or mail)."""

from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock

import pytest

from activity.models import Notification
from outbox.models import OutboxMail
from reminders import services
from reminders.models import SentReminder
from reminders.services import reminders_due
from tasks import services as task_services
from tasks.models import Task

from .helpers import due_task, minutes, person

pytestmark = pytest.mark.django_db
NOW = datetime(2030, 1, 10, 12, 0, tzinfo=UTC)


def owner_of(task: Task) -> Any:
    return task.board.created_by


def offsets_mailed() -> list[str]:
    return sorted(key.split(":")[3] for key in OutboxMail.objects.values_list("key", flat=True))


def test_completing_between_offsets_cancels_the_rest_and_reopening_brings_it_back() -> None:
    ada = person()
    task = due_task(at=NOW + timedelta(hours=10), creator=ada)
    assert reminders_due(now=NOW).reminded == 1  # the 24-hour one

    task_services.task_update(task=task.pk, actor=owner_of(task), completed=True)
    assert reminders_due(now=NOW + timedelta(hours=9, minutes=1)).reminded == 0  # not the 1-hour one

    task_services.task_update(task=task.pk, actor=owner_of(task), completed=False)
    assert reminders_due(now=NOW + timedelta(hours=9, minutes=2)).reminded == 1
    assert offsets_mailed() == ["1440", "60"]


def test_moving_the_due_date_through_the_service_re_arms_and_moving_it_back_does_not_repeat() -> None:
    ada = person()
    task = due_task(at=NOW + minutes(30), creator=ada)
    reminders_due(now=NOW)

    task_services.task_update(task=task.pk, actor=owner_of(task), due_at=NOW + minutes(50))
    assert reminders_due(now=NOW + minutes(1)).reminded == 1
    # Back to the first date: its reminders went out already (the records are per due date).
    task_services.task_update(task=task.pk, actor=owner_of(task), due_at=NOW + minutes(30))
    assert reminders_due(now=NOW + minutes(2)).reminded == 0
    assert OutboxMail.objects.count() == 2


def test_deleting_the_task_takes_its_records_and_nothing_more_is_sent() -> None:
    ada = person()
    task = due_task(at=NOW + timedelta(hours=10), creator=ada)
    reminders_due(now=NOW)

    task_services.task_delete(task=task.pk, actor=owner_of(task))

    assert not SentReminder.objects.exists()
    assert reminders_due(now=NOW + timedelta(hours=9, minutes=1)).reminded == 0
    assert OutboxMail.objects.count() == 1


def test_a_scan_that_fails_after_its_claim_leaves_nothing_and_the_next_one_reminds(
    django_capture_on_commit_callbacks: Any,
) -> None:
    ada = person()
    due_task(at=NOW + minutes(30), creator=ada)

    with (
        django_capture_on_commit_callbacks() as callbacks,
        mock.patch.object(services, "mail_enqueue_many", side_effect=RuntimeError("boom")),
        pytest.raises(RuntimeError),
    ):
        reminders_due(now=NOW)

    assert callbacks == []  # nothing queued: nothing can be sent
    left = (SentReminder.objects.count(), Notification.objects.count(), OutboxMail.objects.count())
    assert left == (0, 0, 0)
    assert reminders_due(now=NOW + minutes(1)).reminded == 1


@pytest.mark.parametrize("change", ["complete", "move", "delete"])
def test_a_mail_held_for_quiet_hours_is_cancelled_when_its_reminder_no_longer_holds(change: str) -> None:
    night = datetime(2030, 1, 10, 23, 0, tzinfo=UTC)  # inside the default 22:00-07:00 (UTC)
    ada, bea = person(quiet=True), person(quiet=True)
    task = due_task(at=night + minutes(30), creator=ada)
    kept = due_task(at=night + minutes(30), creator=bea)
    reminders_due(now=night)
    assert OutboxMail.objects.filter(send_after__gt=night).count() == 2  # both held until 07:00

    owner = owner_of(task)
    if change == "complete":
        task_services.task_update(task=task.pk, actor=owner, completed=True)
    elif change == "move":
        task_services.task_update(task=task.pk, actor=owner, due_at=night + minutes(50))
    else:
        task_services.task_delete(task=task.pk, actor=owner)
    result = services.reminders_scan(now=night + minutes(1))

    assert result.cancelled == 1
    remaining = {key.split(":")[1] for key in OutboxMail.objects.values_list("key", flat=True)}
    # The other person's mail stays held; a moved task has its new reminder (held too).
    assert remaining == ({str(kept.pk), str(task.pk)} if change == "move" else {str(kept.pk)})
