"""The scan's read: which (task, recipient) pairs are due a reminder now, in a fixed number
of queries however many tasks are due (four, plus one for the widest offset in use).

A task is in the window when it is open, on a board not archived, and due in
(now, now + the widest offset anyone uses]; each recipient (the assignees, or the creator
when there are none; active accounts only) is then due for every offset of theirs with
due_at <= now + offset that has no SentReminder for the task's current due_at. The read of
records is a snapshot: the insert in services (ON CONFLICT DO NOTHING) decides, not this.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q, QuerySet

from accounts.models import NotificationSettings, User
from accounts.notification_preferences import DEFAULT_SCHEDULE, NotificationPreferences
from tasks.models import Task, TaskAssignee

from .models import SentReminder

Assignment = TaskAssignee


@dataclass(frozen=True)
class Recipient:
    user: User
    preferences: NotificationPreferences


@dataclass(frozen=True)
class DueReminder:
    """One task and one recipient; `offsets` (largest first) are those due and not yet sent."""

    task: Task
    recipient: Recipient
    offsets: tuple[int, ...]


def widest_offset_minutes() -> int:
    """The largest reminder offset anyone has (the defaults count: a user without a
    settings row has them). One query over the distinct offset lists, a handful of rows."""
    lists = NotificationSettings.objects.values_list("reminder_offsets_minutes", flat=True).distinct()
    offsets = [*DEFAULT_SCHEDULE[0], *(offset for listed in lists for offset in listed)]
    return max(offsets, default=0)


def _window(*, now: datetime, horizon: timedelta) -> QuerySet[Task]:
    return Task.objects.filter(
        completed=False, board__archived=False, due_at__gt=now, due_at__lte=now + horizon
    )


def _recipients(scope: Any, *, creators: Any) -> dict[int, Recipient]:
    """The people of the tasks in `scope` (ids, or a subquery of them) and `creators`."""
    assigned = Assignment.objects.filter(task__in=scope).values("user_id")
    users = User.objects.filter(Q(pk__in=assigned) | Q(pk__in=creators), is_active=True).select_related(
        "notification_settings"
    )
    recipients = {}
    for user in users:
        try:
            row: NotificationSettings | None = user.notification_settings
        except NotificationSettings.DoesNotExist:
            row = None
        recipients[user.pk] = Recipient(user=user, preferences=NotificationPreferences.of(user, row))
    return recipients


def reminders_due(
    *, now: datetime, after: tuple[datetime, int] | None = None, limit: int | None = None
) -> tuple[list[DueReminder], tuple[datetime, int] | None]:
    """Call inside the scan's transaction: on PostgreSQL the window's task rows are locked
    FOR UPDATE SKIP LOCKED, so a second scan running at the same moment skips the tasks
    the first is reminding of (instead of waiting on its inserts) and a task whose row a
    user's write holds is taken at the next scan, with its new values. SQLite has no row
    locks: Django leaves the clause out, and its one writer at a time serializes two scans
    (the second waits for the first's commit, then its insert finds the records).

    A chunk: at most `limit` tasks of the window in (due_at, id) order, after the task
    `after`; the second value returned is the last task read, where the next chunk starts
    (None when this chunk reached the window's end). The same queries per chunk."""
    horizon = timedelta(minutes=widest_offset_minutes())
    window = _window(now=now, horizon=horizon)
    if after is not None:
        # The plain bound lets the index scan start at the chunk (a range condition): with
        # the OR alone it walked from the window's start and filtered every row already
        # done, 15,000 rows and 19 ms at mid-window of 30,000, against 1 ms (EXPLAIN
        # ANALYZE, docs/benchmarks.md "Reminders").
        window = window.filter(
            Q(due_at__gt=after[0]) | Q(due_at=after[0], pk__gt=after[1]), due_at__gte=after[0]
        )
    chunk = (
        window.select_related("board")
        .only("id", "title", "due_at", "created_by_id", "board__id", "board__title")
        .select_for_update(skip_locked=True, of=("self",))
        .order_by("due_at", "id")
    )
    tasks = list(chunk if limit is None else chunk[:limit])
    # The whole window: its tasks again as a subquery (any number of them); a chunk: its ids.
    scope: Any = window.values("pk") if limit is None else [task.pk for task in tasks]
    assignees: dict[int, list[int]] = {}
    for task_id, user_id in Assignment.objects.filter(task__in=scope).values_list("task_id", "user_id"):
        assignees.setdefault(task_id, []).append(user_id)
    creators: Any = (
        window.values("created_by_id") if limit is None else {task.created_by_id for task in tasks} - {None}
    )
    recipients = _recipients(scope, creators=creators)
    records = SentReminder.objects.filter(task__in=scope)
    sent = set(records.values_list("task_id", "user_id", "offset_minutes", "due_at"))
    due: list[DueReminder] = []
    for task in tasks:
        assert task.due_at is not None  # the window's filter
        people = assignees.get(task.pk) or ([task.created_by_id] if task.created_by_id else [])
        for user_id in people:
            recipient = recipients.get(user_id)
            if recipient is None:  # inactive
                continue
            offsets = tuple(
                offset
                for offset in recipient.preferences.reminder_offsets_minutes
                if task.due_at <= now + timedelta(minutes=offset)
                and (task.pk, user_id, offset, task.due_at) not in sent
            )
            if offsets:
                due.append(DueReminder(task=task, recipient=recipient, offsets=offsets))
    more = limit is not None and len(tasks) == limit
    return due, ((tasks[-1].due_at, tasks[-1].pk) if more and tasks[-1].due_at else None)
