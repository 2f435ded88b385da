"""Reminder mails held for the end of quiet hours whose reminder no longer holds: the task
was completed, deleted, archived with its board, or its due date moved, while the mail
waited in the outbox. Beat's scan deletes them (unclaimed only: outbox.services'
mail_cancel_pending), so nobody is woken at 07:00 about a task done at 23:00 or told the
old due time of a moved one (the new due time gets its own reminder).

The outbox row knows its reminder only by its key (reminders.services.mail_key:
`due:<task>:<user>:<offset>:<due_at>`): read the held rows' keys, then their tasks, in a
fixed number of queries per HELD_BATCH rows.
"""

from datetime import datetime

from outbox.models import OutboxMail
from outbox.services import mail_cancel_pending
from tasks.models import Task

HELD_BATCH = 1000


def _task_and_due(key: str) -> tuple[int, datetime] | None:
    parts = key.split(":", 4)
    if len(parts) != 5 or parts[0] != "due" or not parts[1].isdigit():
        return None
    try:
        return int(parts[1]), datetime.fromisoformat(parts[4])
    except ValueError:
        return None


def held_reminders_cancel(*, now: datetime, kind: str) -> int:
    """Delete the held (pending, due later) reminder mails that no longer hold."""
    held = OutboxMail.objects.filter(
        kind=kind, state=OutboxMail.State.PENDING, send_after__gt=now
    ).values_list("key", flat=True)
    cancelled, after = 0, ""
    while True:
        keys = list(held.filter(key__gt=after).order_by("key")[:HELD_BATCH])
        if not keys:
            return cancelled
        parsed = {key: _task_and_due(key) for key in keys}
        task_ids = {value[0] for value in parsed.values() if value}
        open_tasks = dict(
            Task.objects.filter(pk__in=task_ids, completed=False, board__archived=False).values_list(
                "pk", "due_at"
            )
        )
        stale = [
            key for key, value in parsed.items() if value is not None and open_tasks.get(value[0]) != value[1]
        ]
        cancelled += mail_cancel_pending(keys=stale)
        after = keys[-1]
