from datetime import UTC, datetime, timedelta, timezone

import pytest

from boards.representations import FormattedDateTime, format_datetime
from tasks.models import Task
from tasks.tests.factories import TaskFactory

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    "due_at",
    [
        datetime(2030, 1, 2, 3, 4, 5, 678901, tzinfo=UTC),
        datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC),
        datetime(2030, 12, 31, 23, 30, tzinfo=timezone(timedelta(hours=-5))),
        datetime(999, 6, 7, 8, 9, 10, 5, tzinfo=UTC),
        datetime(9999, 12, 31, 23, 59, 59, 999999, tzinfo=UTC),
        None,
    ],
)
def test_timestamps_formatted_by_the_database_read_as_format_datetime_writes_them(
    due_at: datetime | None,
) -> None:
    task = TaskFactory.create(due_at=due_at)

    formatted = Task.objects.filter(pk=task.pk).values_list(FormattedDateTime("due_at"), flat=True).get()

    assert formatted == format_datetime(due_at)


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        ("2030-01-02 03:04:05.678901", "2030-01-02T03:04:05.678901Z"),
        ("2030-01-02 03:04:05", "2030-01-02T03:04:05.000000Z"),
        (None, None),
    ],
)
def test_on_sqlite_the_stored_timestamp_is_formatted_in_python(
    stored: str | None, expected: str | None
) -> None:
    # The embedded default stores naive UTC text; the suite itself runs on PostgreSQL.
    from django.db.backends.sqlite3.base import DatabaseWrapper

    sqlite = DatabaseWrapper({"NAME": ":memory:"}, alias="sqlite")
    expression = FormattedDateTime("due_at")

    assert expression.output_field.from_db_value(stored, expression, sqlite) == expected


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (datetime(234, 5, 5, 1, 28, 18, tzinfo=UTC), "0234-05-05T01:28:18.000000Z"),
        (datetime(1, 1, 1, tzinfo=UTC), "0001-01-01T00:00:00.000000Z"),
        (datetime(2030, 1, 2, 3, 4, 5, 6, tzinfo=UTC), "2030-01-02T03:04:05.000006Z"),
    ],
)
def test_years_before_1000_have_four_digits_as_iso_8601_asks(value: datetime, expected: str) -> None:
    # Found by schemathesis: a task due in the year 234 was answered as "234-05-05T...",
    # which no ISO 8601 / RFC 3339 parser reads.
    task = TaskFactory.create(due_at=value)

    formatted = Task.objects.filter(pk=task.pk).values_list(FormattedDateTime("due_at"), flat=True).get()

    assert (format_datetime(value), formatted) == (expected, expected)
