"""bench/reminders.py's data and in-process measurements (Django set up on the bench's
database): people with boards, tasks due within one minute, tasks not due, the scan timed
and its statements counted, EXPLAIN of the window with and without the due-date index."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import Q
from django.test import override_settings

from accounts.models import NotificationSettings, User
from boards.models import Board, BoardList, Membership, Role
from outbox.messages import message_id_for
from reminders import selectors
from reminders.services import mail_key
from tasks.models import Task, TaskAssignee

BATCH = 2000
DUE_INDEX = "tasks_task_due_open_idx"


class Rollback(Exception):
    """Raised to leave an atomic block without committing."""


@dataclass
class Seeded:
    task_ids: list[int]
    expected_message_ids: set[str]  # one per (task, recipient): the 1-hour reminder's mail


def seed_people(*, tag: str, count: int) -> list[User]:
    """`count` people (no quiet hours: the bench runs at any hour), each with a board and a
    list, and owner of that board."""
    users = User.objects.bulk_create(
        [
            User(
                email=f"{tag}-{n}@bench.example", name=f"Person {tag}-{n}", password="!", email_verified=True
            )
            for n in range(count)
        ],
        batch_size=BATCH,
    )
    NotificationSettings.objects.bulk_create(
        [NotificationSettings(user=user, quiet_hours_start=None, quiet_hours_end=None) for user in users],
        batch_size=BATCH,
    )
    boards = Board.objects.bulk_create(
        [Board(title=f"Board of {user.name}", created_by=user) for user in users], batch_size=BATCH
    )
    Membership.objects.bulk_create(
        [
            Membership(board=board, user=user, role=Role.OWNER)
            for board, user in zip(boards, users, strict=True)
        ],
        batch_size=BATCH,
    )
    BoardList.objects.bulk_create(
        [BoardList(board=board, title="To do", position=1024) for board in boards], batch_size=BATCH
    )
    return users


def seed_tasks(*, people: list[User], count: int, due: Callable[[int], datetime | None], tag: str) -> Seeded:
    """`count` tasks dealt round-robin over the people's boards; every other one assigned to
    the next person (the assignee is reminded), the rest to nobody (the creator is)."""
    lists = {bl.board_id: bl.pk for bl in BoardList.objects.filter(board__created_by__in=people)}
    boards = {board.created_by_id: board.pk for board in Board.objects.filter(created_by__in=people)}
    tasks, recipients = [], []
    for n in range(count):
        owner = people[n % len(people)]
        board_id = boards[owner.pk]
        tasks.append(
            Task(
                board_id=board_id,
                list_id=lists[board_id],
                title=f"Bench task {tag}-{n}",
                position=(n // len(people) + 1) * 1024,
                due_at=due(n),
                created_by=owner,
            )
        )
        recipients.append(people[(n + 1) % len(people)] if n % 2 else owner)
    created = Task.objects.bulk_create(tasks, batch_size=BATCH)
    TaskAssignee.objects.bulk_create(
        [
            TaskAssignee(board_id=task.board_id, task_id=task.pk, user_id=recipient.pk)
            for n, (task, recipient) in enumerate(zip(created, recipients, strict=True))
            if n % 2
        ],
        batch_size=BATCH,
    )
    expected = {
        message_id_for(mail_key(task_id=task.pk, user_id=user.pk, offset_minutes=60, due_at=task.due_at))
        for task, user in zip(created, recipients, strict=True)
        if task.due_at is not None
    }
    return Seeded(task_ids=[task.pk for task in created], expected_message_ids=expected)


def due_within_one_minute(start: datetime) -> Callable[[int], datetime]:
    """Due in the minute from `start` (every second of it), so both default offsets (24 h
    and 1 h) come due at once when start is under an hour away: one reminder per task."""
    return lambda n: start + timedelta(seconds=n % 60, microseconds=n % 1000)


def not_due(now: datetime) -> Callable[[int], datetime | None]:
    """The rest of a board: no due date, or due in 2 to 60 days (outside every window)."""
    return lambda n: None if n % 3 == 0 else now + timedelta(days=2 + n % 59, minutes=n % 1440)


def delete_due(task_ids: list[int]) -> None:
    for start in range(0, len(task_ids), 10000):
        Task.objects.filter(pk__in=task_ids[start : start + 10000]).delete()


def analyze() -> None:
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")


@contextmanager
def counted() -> Iterator[list[str]]:
    statements: list[str] = []

    def count(execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        statements.append(sql)
        return execute(sql, params, many, context)

    with connection.execute_wrapper(count):
        yield statements


@contextmanager
def rolled_back(*, without_index: bool) -> Iterator[None]:
    """A transaction that is never committed: the scan's records, notifications and mails
    vanish with it (nothing is queued: on_commit never fires). DROP INDEX is transactional
    in PostgreSQL, so "without the index" is measured inside it too."""
    try:
        with transaction.atomic():
            if without_index:
                with connection.cursor() as cursor:
                    cursor.execute(f"DROP INDEX IF EXISTS {DUE_INDEX}")
            yield
            raise Rollback
    except Rollback:
        pass


def chunk_plans(now: datetime) -> dict[str, Any]:
    """EXPLAIN ANALYZE of a chunk's main read (the window's next tasks, locked), for the
    first chunk and for one at mid-window (keyset after the middle task): the plan text
    (printed) and its execution time in ms."""
    horizon = timedelta(minutes=selectors.widest_offset_minutes())
    window = selectors._window(now=now, horizon=horizon).order_by("due_at", "id")
    middle = window.values_list("due_at", "id")[window.count() // 2]
    after = Q(due_at__gt=middle[0]) | Q(due_at=middle[0], pk__gt=middle[1])
    plans: dict[str, Any] = {}
    for name, chunk in (("first", window), ("middle", window.filter(after, due_at__gte=middle[0]))):
        query = chunk.select_related("board").only(
            "id", "title", "due_at", "created_by_id", "board__id", "board__title"
        )[: settings.REMINDERS_SCAN_CHUNK]
        sql, params = query.query.sql_with_params()
        with connection.cursor() as cursor:
            explain = "EXPLAIN (ANALYZE, BUFFERS OFF, TIMING OFF, SUMMARY ON)"
            cursor.execute(f"{explain} {sql} FOR UPDATE OF tasks_task SKIP LOCKED", params)
            text = "\n".join(row[0] for row in cursor.fetchall())
        plans[f"{name}_chunk_plan"] = text
        plans[f"{name}_chunk_ms"] = float(text.rsplit("Execution Time: ", 1)[1].split()[0])
    return plans


def forget_reminders() -> None:
    """Back to nothing reminded: the records, notifications and mails of a committed scan."""
    from activity.models import Notification
    from outbox.models import OutboxMail
    from reminders.models import SentReminder

    tables = [model._meta.db_table for model in (SentReminder, Notification, OutboxMail)]
    with connection.cursor() as cursor:
        cursor.execute(f"TRUNCATE {', '.join(tables)}")


def measure_committed_scan(*, now: datetime) -> dict[str, Any]:
    """Beat's scan as it runs: each chunk committed (its mails queued for a worker that
    isn't running; the caller empties the broker), no time budget. The rolled-back
    measurement holds every chunk in one transaction as savepoints, which PostgreSQL slows
    down once a transaction has more than 64 of them (the subtransaction cache overflows)."""
    from reminders.services import reminders_scan

    with override_settings(REMINDERS_SCAN_BUDGET_SECONDS=10**6), counted() as statements:
        started = time.perf_counter()
        scanned = reminders_scan(now=now)
        seconds = round(time.perf_counter() - started, 3)
    forget_reminders()
    return {
        "committed_scan_seconds": seconds,
        "committed_scan_statements": len(statements),
        "committed_reminded": scanned.reminded,
    }


def measure_scan(*, now: datetime, without_index: bool, full_scan: bool) -> dict[str, Any]:
    """The read of the whole window alone, then beat's scan (chunk after chunk, each in a
    savepoint, until the window's end: no time budget), in a transaction rolled back; times
    in seconds, and the statements they ran."""
    result: dict[str, Any] = {}
    with rolled_back(without_index=without_index):
        result.update(chunk_plans(now))
    with rolled_back(without_index=without_index), counted() as statements:
        started = time.perf_counter()
        due, _ = selectors.reminders_due(now=now)
        result["read_seconds"] = round(time.perf_counter() - started, 3)
        result["read_statements"] = len(statements)
        result["due_pairs"] = len(due)
    if not full_scan:
        return result
    from reminders.services import reminders_scan  # here: --skip-scan runs on older code too

    with (
        rolled_back(without_index=without_index),
        override_settings(REMINDERS_SCAN_BUDGET_SECONDS=10**6),
        counted() as statements,
    ):
        started = time.perf_counter()
        scanned = reminders_scan(now=now)
        result["scan_seconds"] = round(time.perf_counter() - started, 3)
        result["scan_statements"] = len(statements)
        result["scan_chunks"] = sum(1 for sql in statements if "FOR UPDATE" in sql)
        result["reminded"], result["mailed"] = scanned.reminded, scanned.mailed
    return result
