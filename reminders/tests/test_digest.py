"""The daily digest against the database (both lanes): at 08:00 local, once per user and
local date, overdue and due-today cards, nothing when there are none, DST in two zones,
quiet hours, a read whose query count does not grow."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Digest, NotificationSettings, User
from activity.models import Notification, NotificationKind
from boards.tests.factories import BoardFactory
from outbox.models import OutboxMail
from reminders.digests import digest_key, digest_records_purge, digests_send
from reminders.models import SentDigest
from tasks.models import Task

from .helpers import due_task, person

pytestmark = pytest.mark.django_db
BERLIN = ZoneInfo("Europe/Berlin")
NEW_YORK = ZoneInfo("America/New_York")


def digest_person(*, zone: str = "Europe/Berlin", name: str = "Ada") -> User:
    user = person(timezone=zone, name=name)
    NotificationSettings.objects.filter(user=user).update(digest=Digest.DAILY)
    return user


def local(zone: ZoneInfo, year: int, month: int, day: int, hour: int, minute: int = 0) -> datetime:
    """A local wall-clock time, in UTC."""
    return datetime(year, month, day, hour, minute, tzinfo=zone).astimezone(UTC)


def test_the_digest_lists_overdue_and_due_today_cards_once_a_day() -> None:
    ada = digest_person(name="Ada")
    other = person()
    at = local(BERLIN, 2030, 1, 10, 8, 5)
    late = due_task(at=local(BERLIN, 2030, 1, 9, 17), creator=other, assignees=(ada,), title="Ship it")
    today = due_task(
        at=local(BERLIN, 2030, 1, 10, 23, 30), creator=other, assignees=(ada,), title="Price page"
    )
    mine = due_task(at=local(BERLIN, 2030, 1, 10, 12), creator=ada, title="Logo")
    # Not hers, done, tomorrow, or on an archived board.
    due_task(at=local(BERLIN, 2030, 1, 10, 12), creator=ada, assignees=(other,), title="Someone else's")
    due_task(at=local(BERLIN, 2030, 1, 9, 12), creator=ada, completed=True, title="Done")
    due_task(at=local(BERLIN, 2030, 1, 11, 0, 30), creator=ada, title="Tomorrow")
    due_task(
        at=local(BERLIN, 2030, 1, 9, 12), creator=ada, board=BoardFactory.create(archived=True), title="Old"
    )

    first = digests_send(now=at)
    again = digests_send(now=at + timedelta(minutes=1))

    assert (first.digests, first.mailed, first.overdue_notified) == (1, 1, 1)
    assert (again.digests, again.mailed, again.overdue_notified) == (0, 0, 0)
    [mail] = OutboxMail.objects.all()
    assert (
        mail.key
        == digest_key(user_id=ada.pk, local_date="2030-01-10")
        == f"digest:user={ada.pk}:date=2030-01-10"
    )
    assert mail.subject == "Your day, Thu 10 Jan: 1 overdue, 2 due today"
    assert "Wed 9 Jan, 17:00 CET" in mail.text_body
    assert "Thu 10 Jan, 23:30 CET" in mail.text_body
    for task in (late, today, mine):
        assert task.title in mail.text_body
        assert f"/tasks/{task.pk}/" in mail.html_body
    for title in ("Someone else", "Done", "Tomorrow", "Old"):
        assert title not in mail.text_body
    assert mail.text_body.index("Ship it") < mail.text_body.index("Logo") < mail.text_body.index("Price page")
    [note] = Notification.objects.filter(user=ada)
    assert (note.kind, note.task_id) == (NotificationKind.OVERDUE, late.pk)


def test_the_next_morning_lists_the_overdue_card_again_but_does_not_notify_it_again() -> None:
    ada = digest_person()
    due_task(at=local(BERLIN, 2030, 1, 9, 17), creator=ada, title="Ship it")

    digests_send(now=local(BERLIN, 2030, 1, 10, 8))
    next_day = digests_send(now=local(BERLIN, 2030, 1, 11, 8))

    assert (next_day.digests, next_day.mailed, next_day.overdue_notified) == (1, 1, 0)
    assert sorted(OutboxMail.objects.values_list("key", flat=True)) == [
        f"digest:user={ada.pk}:date=2030-01-10",
        f"digest:user={ada.pk}:date=2030-01-11",
    ]
    assert Notification.objects.filter(kind=NotificationKind.OVERDUE).count() == 1


def test_nothing_is_sent_when_the_list_is_empty_nor_to_someone_with_the_digest_off() -> None:
    digest_person()
    off = person()
    due_task(at=local(BERLIN, 2030, 1, 9, 17), creator=off, title="Late")

    result = digests_send(now=local(BERLIN, 2030, 1, 10, 8))

    assert (result.digests, result.mailed) == (1, 0)
    assert OutboxMail.objects.count() == 0
    assert Notification.objects.count() == 0


def test_not_before_eight_nor_after_the_morning() -> None:
    ada = digest_person()
    due_task(at=local(BERLIN, 2030, 1, 9, 17), creator=ada)

    assert digests_send(now=local(BERLIN, 2030, 1, 10, 7, 59)).digests == 0
    assert digests_send(now=local(BERLIN, 2030, 1, 10, 12, 0)).digests == 0
    assert digests_send(now=local(BERLIN, 2030, 1, 10, 11, 59)).mailed == 1


def test_quiet_hours_past_eight_hold_the_mail_to_their_end() -> None:
    ada = digest_person()
    NotificationSettings.objects.filter(user=ada).update(
        quiet_hours_start=time(22), quiet_hours_end=time(9, 30)
    )
    due_task(at=local(BERLIN, 2030, 1, 9, 17), creator=ada)

    digests_send(now=local(BERLIN, 2030, 1, 10, 8))

    assert OutboxMail.objects.get().send_after == local(BERLIN, 2030, 1, 10, 9, 30)


@pytest.mark.parametrize(
    ("zone", "day", "eight_utc"),
    [
        # Spring forward (23-hour days) and fall back (25-hour days), in two zones.
        ("Europe/Berlin", date(2027, 3, 28), datetime(2027, 3, 28, 6, 0, tzinfo=UTC)),
        ("Europe/Berlin", date(2027, 10, 31), datetime(2027, 10, 31, 7, 0, tzinfo=UTC)),
        ("America/New_York", date(2027, 3, 14), datetime(2027, 3, 14, 12, 0, tzinfo=UTC)),
        ("America/New_York", date(2027, 11, 7), datetime(2027, 11, 7, 13, 0, tzinfo=UTC)),
    ],
)
def test_at_eight_local_once_on_the_days_the_clocks_change(zone: str, day: date, eight_utc: datetime) -> None:
    ada = digest_person(zone=zone)
    tz = ZoneInfo(zone)
    late_evening = datetime.combine(day, time(23, 30), tzinfo=tz)  # in the 23- or 25-hour day
    due_task(at=late_evening, creator=ada, title="Tonight")
    due_task(at=late_evening + timedelta(hours=1), creator=ada, title="Tomorrow")  # past local midnight
    start = datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)

    sent_at = []
    for step in range(25 * 2):  # a scan every 30 minutes through the (up to 25-hour) local day
        now = start + timedelta(minutes=30 * step)
        if digests_send(now=now).mailed:
            sent_at.append(now)

    assert sent_at == [eight_utc]
    assert list(SentDigest.objects.values_list("local_date", flat=True)) == [day]
    mail = OutboxMail.objects.get()
    assert "Tonight" in mail.text_body
    assert "Tomorrow" not in mail.text_body
    assert f"{late_evening:%a %-d %b, %H:%M} {late_evening.tzname()}" in mail.text_body


def test_users_in_zones_on_different_dates_each_get_their_own_day() -> None:
    # 23:30 UTC on 9 Jan: 08:30 on the 10th in Tokyo, still the 9th (18:30) in New York.
    tokyo = digest_person(zone="Asia/Tokyo")
    new_york = digest_person(zone="America/New_York")
    for user in (tokyo, new_york):
        due_task(at=datetime(2030, 1, 9, 12, tzinfo=UTC), creator=user)

    digests_send(now=datetime(2030, 1, 9, 23, 30, tzinfo=UTC))
    digests_send(now=datetime(2030, 1, 10, 13, 30, tzinfo=UTC))  # 08:30 in New York

    assert sorted(SentDigest.objects.values_list("user_id", "local_date")) == [
        (tokyo.pk, date(2030, 1, 10)),
        (new_york.pk, date(2030, 1, 10)),
    ]


def _digest_queries(count: int) -> int:
    creator = person()
    for _ in range(count):
        user = digest_person()
        due_task(at=local(BERLIN, 2030, 1, 9, 17), creator=creator, assignees=(user,))
        due_task(at=local(BERLIN, 2030, 1, 10, 15), creator=user)
    with CaptureQueriesContext(connection) as queries:
        assert digests_send(now=local(BERLIN, 2030, 1, 10, 8)).mailed == count
    Task.objects.all().delete()
    SentDigest.objects.all().delete()
    OutboxMail.objects.all().delete()
    return len(queries)


def test_the_digest_scan_reads_in_a_fixed_number_of_queries() -> None:
    few, many = _digest_queries(3), _digest_queries(10)
    per_mail, rest = divmod(many - few, 7)
    assert rest == 0
    # Only the outbox's idempotent enqueue grows (two savepoints and their releases, the
    # key's SELECT, the INSERT): the reads, the two claims and the notifications don't.
    assert per_mail == 6
    # Zones, users, assigned cards, created cards; two claims; notifications and unread counts.
    # (Plus the scan's own savepoint and its release, inside the test's transaction.)
    assert few - 3 * per_mail == 10


def test_a_quiet_scan_is_one_query_of_one_row_per_zone() -> None:
    digest_person()
    digest_person()
    with CaptureQueriesContext(connection) as queries:
        digests_send(now=local(BERLIN, 2030, 1, 10, 15))
    # Outside every digest user's morning: the zones in use, nothing more (the rest is the
    # scan's savepoint and its release, inside the test's transaction).
    [read] = [query["sql"] for query in queries if "SAVEPOINT" not in query["sql"]]
    assert read.split(" FROM ")[0] == 'SELECT DISTINCT "accounts_user"."timezone" AS "timezone"'


def test_digest_records_a_week_old_are_purged() -> None:
    ada = digest_person()
    for day in (date(2030, 1, 1), date(2030, 1, 2), date(2030, 1, 9)):
        SentDigest.objects.create(user=ada, local_date=day)

    assert digest_records_purge(now=datetime(2030, 1, 9, 12, tzinfo=UTC)) == 1

    assert sorted(SentDigest.objects.values_list("local_date", flat=True)) == [
        date(2030, 1, 2),
        date(2030, 1, 9),
    ]
