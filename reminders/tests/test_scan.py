"""The scan against the database (both lanes): once per offset and due date, re-armed by a
moved due date, cancelled by completion and deletion, quiet hours, the mail's content."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from activity.models import Notification, NotificationKind
from outbox.models import OutboxMail
from reminders.models import SentReminder
from reminders.services import mail_key, reminders_due, reminders_scan
from tasks.models import Task

from .helpers import due_task, minutes, person

pytestmark = pytest.mark.django_db
NOW = datetime(2030, 1, 10, 12, 0, tzinfo=UTC)


def test_a_scan_reminds_once_and_a_second_scan_sends_nothing() -> None:
    ada = person(name="Ada")
    task = due_task(at=NOW + minutes(30), creator=ada, title="Ship the release")

    first = reminders_due(now=NOW)
    second = reminders_due(now=NOW + minutes(1))

    assert (first.reminded, first.mailed) == (1, 1)
    assert (second.reminded, second.mailed) == (0, 0)
    # Both default offsets (24 h, 1 h) came due at once: both recorded, one reminder (1 h).
    assert set(SentReminder.objects.values_list("offset_minutes", flat=True)) == {1440, 60}
    [note] = Notification.objects.filter(user=ada)
    assert (note.kind, note.task_id, note.board_id) == (NotificationKind.DUE_SOON, task.pk, task.board_id)
    assert "Ship the release" in note.text
    [mail] = OutboxMail.objects.all()
    assert mail.key == mail_key(task_id=task.pk, user_id=ada.pk, offset_minutes=60, due_at=NOW + minutes(30))
    assert mail.key == f"due:{task.pk}:{ada.pk}:60:2030-01-10T12:30:00+00:00"
    assert (mail.to_address, mail.kind) == (ada.email, "due_reminder")
    assert mail.send_after <= timezone.now()  # outside quiet hours: at once


def test_each_offset_reminds_when_it_comes_due() -> None:
    ada = person()
    due_task(at=NOW + timedelta(hours=10), creator=ada)

    assert reminders_due(now=NOW).reminded == 1  # the 24 h one
    assert reminders_due(now=NOW + timedelta(hours=8)).reminded == 0
    assert reminders_due(now=NOW + timedelta(hours=9, minutes=1)).reminded == 1  # the 1 h one
    keys = sorted(OutboxMail.objects.values_list("key", flat=True))
    assert [key.split(":")[3] for key in keys] == ["1440", "60"]


def test_a_moved_due_date_re_arms_the_reminders() -> None:
    ada = person()
    task = due_task(at=NOW + minutes(30), creator=ada)
    reminders_due(now=NOW)

    Task.objects.filter(pk=task.pk).update(due_at=NOW + minutes(45))
    again = reminders_due(now=NOW + minutes(1))

    assert again.reminded == 1
    assert OutboxMail.objects.count() == 2
    assert SentReminder.objects.filter(due_at=NOW + minutes(45)).count() == 2


def test_a_completed_task_is_not_reminded_and_a_deleted_one_takes_its_records() -> None:
    ada = person()
    done = due_task(at=NOW + minutes(30), creator=ada, completed=True)
    gone = due_task(at=NOW + minutes(30), creator=ada)
    reminders_due(now=NOW)
    assert SentReminder.objects.filter(task=done).count() == 0

    gone.delete()

    assert SentReminder.objects.count() == 0
    assert Notification.objects.count() == 1  # kept, without its task
    assert reminders_due(now=NOW + minutes(1)).reminded == 0


def test_assignees_are_reminded_not_the_creator_and_inactive_people_not_at_all() -> None:
    creator, bea, cy = person(), person(), person(is_active=False)
    due_task(at=NOW + minutes(30), creator=creator, assignees=(bea, cy))

    assert reminders_due(now=NOW).reminded == 1
    assert list(Notification.objects.values_list("user_id", flat=True)) == [bea.pk]


def test_mail_off_still_notifies_in_the_app() -> None:
    ada = person(email_due=False)
    due_task(at=NOW + minutes(30), creator=ada)

    result = reminders_due(now=NOW)

    assert (result.reminded, result.mailed) == (1, 0)
    assert Notification.objects.filter(user=ada, kind=NotificationKind.DUE_SOON).count() == 1
    assert not OutboxMail.objects.exists()


def test_own_offsets_are_used() -> None:
    ada = person()
    ada.notification_settings.reminder_offsets_minutes = [15]
    ada.notification_settings.save()
    due_task(at=NOW + minutes(30), creator=ada)

    assert reminders_due(now=NOW).reminded == 0
    assert reminders_due(now=NOW + minutes(15)).reminded == 1


@pytest.mark.parametrize(
    ("zone", "now", "expected"),
    [
        # An ordinary winter night in Berlin: 23:30 CET → 07:00 CET.
        ("Europe/Berlin", datetime(2030, 1, 10, 22, 30, tzinfo=UTC), datetime(2030, 1, 11, 6, tzinfo=UTC)),
        # The spring-forward night in Berlin (2027-03-28): 07:00 CEST.
        ("Europe/Berlin", datetime(2027, 3, 27, 22, tzinfo=UTC), datetime(2027, 3, 28, 5, tzinfo=UTC)),
        # The fall-back night in New York (2027-11-07): 07:00 EST.
        ("America/New_York", datetime(2027, 11, 7, 3, tzinfo=UTC), datetime(2027, 11, 7, 12, tzinfo=UTC)),
    ],
)
def test_a_reminder_in_quiet_hours_is_mailed_at_their_end(
    zone: str, now: datetime, expected: datetime
) -> None:
    ada = person(quiet=True, timezone=zone)  # the default quiet hours, 22:00-07:00
    due_task(at=now + minutes(30), creator=ada)

    assert reminders_due(now=now).mailed == 1

    [mail] = OutboxMail.objects.all()
    assert mail.send_after == expected  # the outbox's sweep sends it then
    assert Notification.objects.filter(user=ada).exists()  # in the app at once (silent)


def test_the_mail_shows_the_card_in_the_readers_time_zone() -> None:
    ada = person(timezone="America/New_York", name="Ada")
    task = due_task(at=NOW + minutes(30), creator=ada, title="Ship the release")

    reminders_due(now=NOW)

    [mail] = OutboxMail.objects.all()
    assert mail.subject == "Due within 1 hour: Ship the release"
    for body in (mail.text_body, mail.html_body):
        assert "Ship the release" in body
        assert task.board.title in body
        assert "07:30 EST" in body  # 12:30 UTC
        assert f"/tasks/{task.pk}/" in body
        assert "/unsubscribe/" in body or "unsubscribe" in body.lower()
    assert mail.headers["List-Unsubscribe"].startswith("<http")
    assert mail.headers["List-Unsubscribe-Post"] == "List-Unsubscribe=One-Click"


def _scan_queries(count: int, *, mail: bool) -> int:
    creator = person(email_due=mail)
    for _ in range(count):
        due_task(at=NOW + minutes(30), creator=creator, assignees=(person(email_due=mail),))
    with CaptureQueriesContext(connection) as queries:
        result = reminders_due(now=NOW)
    assert (result.reminded, result.mailed) == (count, count if mail else 0)
    Task.objects.all().delete()
    return len(queries)


@pytest.mark.parametrize("mail", [False, True])
def test_the_scan_runs_a_fixed_number_of_queries_however_many_tasks_are_due(mail: bool) -> None:
    # The reads, the claim, the notifications and (mail on) the outbox's one INSERT and
    # one read of the new ids: the same for 5 and 50 due tasks.
    assert _scan_queries(5, mail=mail) == _scan_queries(50, mail=mail)


def test_beats_scan_goes_chunk_by_chunk_at_a_fixed_cost_per_chunk() -> None:
    ada = person()
    tasks = [due_task(at=NOW + minutes(30) + timedelta(seconds=n % 3), creator=ada) for n in range(25)]

    with CaptureQueriesContext(connection) as one_chunk:
        reminders_due(now=NOW, limit=10)
    with CaptureQueriesContext(connection) as the_rest:
        result = reminders_scan(now=NOW, after=None, chunk=10)

    # The first chunk is claimed already: the scan reads it again and reminds the other 15.
    assert (result.reminded, result.resume_after) == (15, None)
    assert len(the_rest) <= 3 * len(one_chunk)  # three chunks (10, 10, 5), none costs more
    assert Notification.objects.count() == OutboxMail.objects.count() == 25
    assert {m.key.split(":")[1] for m in OutboxMail.objects.all()} == {str(t.pk) for t in tasks}


def test_a_scan_out_of_time_says_where_to_continue(settings: Any) -> None:
    settings.REMINDERS_SCAN_BUDGET_SECONDS = 0  # one chunk, then out of time
    ada = person()
    for _ in range(5):
        due_task(at=NOW + minutes(30), creator=ada)

    first = reminders_scan(now=NOW, chunk=2)
    assert first.reminded == 2
    assert first.resume_after is not None
    rest = reminders_scan(now=NOW, after=first.resume_after, chunk=10)
    assert (rest.reminded, rest.resume_after) == (3, None)
    assert OutboxMail.objects.count() == 5
