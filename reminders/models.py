"""One row per due-date reminder sent (issue 15): the record that makes it exactly once.

The unique (task, user, offset_minutes, due_at) is the guarantee: the scan inserts the row
with ON CONFLICT DO NOTHING and sends only for the rows its own insert returned, so two
scans at once (two workers, a beat that fired twice) never both send. `due_at` is the
task's due date the reminder was for: a moved due date is a new key, so the reminders
re-arm by themselves. A deleted task takes its records with it (cascade); a completed one
is no longer scanned.
"""

from django.conf import settings
from django.db import models
from django.utils import timezone

from boards.models import Board
from tasks.models import Task


class SentReminder(models.Model):
    # The task's board (docs/scaling.md, "Past one primary"), written with the claim.
    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="+", db_index=False)
    task = models.ForeignKey(Task, on_delete=models.CASCADE, related_name="+", db_index=False)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    offset_minutes = models.PositiveIntegerField()
    due_at = models.DateTimeField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            # Its index (task first) also serves the scan's read of a task's records.
            models.UniqueConstraint(
                fields=["task", "user", "offset_minutes", "due_at"], name="reminders_sent_once"
            ),
        ]
        indexes = [models.Index(fields=["board", "task"], name="reminders_sent_board_task_idx")]

    def __str__(self) -> str:
        return f"reminder of task {self.task_id} to {self.user_id} ({self.offset_minutes} min)"


class SentDigest(models.Model):
    """One row per daily digest taken (issue 15): unique per user and local date, so each
    user gets at most one digest a day in their own calendar, however many scans, workers or
    beats run. Taken whether or not the digest had anything to list (an empty one sends
    nothing, and the user is not looked at again that day)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    # The date in the user's time zone at the time of the digest.
    local_date = models.DateField()
    sent_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["user", "local_date"], name="reminders_digest_once"),
        ]

    def __str__(self) -> str:
        return f"digest of {self.user_id} on {self.local_date}"
