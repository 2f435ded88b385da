"""What happened on a board (Activity, numbered per board) and what a user should know."""

from django.conf import settings
from django.db import models
from django.db.models import Value
from django.utils import timezone

from boards.models import Board


class Activity(models.Model):
    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="activities", db_index=False)
    # 1, 2, 3, ... per board with no gaps, in commit order (assigned under the board's row
    # lock). The live event of the activity carries the same number.
    seq = models.PositiveBigIntegerField()
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, related_name="+"
    )
    verb = models.CharField(max_length=40)
    target_type = models.CharField(max_length=20)
    target_id = models.BigIntegerField()
    target_title = models.CharField(max_length=200, blank=True)
    # The target as the API shows it right after the change: the payload of the live event,
    # kept so a client that missed events can be replayed exactly what it missed.
    data = models.JSONField(default=dict)
    # What the live event carries besides `data`, at the envelope's level (docs/api.md): the
    # new counts of the lists a card write changed ("lists"), a comment's task's new comment
    # count ("task"). Computed in the write, under the board's lock, so a replay tells what
    # the event told when it was new. Empty for other events and for older rows.
    # (db_default: an older process, during a rolling deploy, inserts rows without it.)
    envelope = models.JSONField(
        default=dict, db_default=Value({}, output_field=models.JSONField()), blank=True
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["board", "-seq"]
        verbose_name_plural = "activities"
        constraints = [
            # Its index also serves the newest-first feed: a B-tree is read backwards as
            # cheaply as forwards, so a separate (board, -seq) index would only cost writes.
            models.UniqueConstraint(fields=["board", "seq"], name="activity_activity_board_seq_unique"),
        ]
        indexes = [
            # One card's history, newest first (the task page): without it PostgreSQL reads the
            # board's whole feed backwards to find an old card's few rows.
            models.Index(fields=["board", "target_type", "target_id", "-seq"], name="activity_target_idx"),
        ]

    def __str__(self) -> str:
        return f"#{self.seq} {self.verb} on {self.board_id}"


class NotificationKind(models.TextChoices):
    MENTION = "mention", "Mention"
    ASSIGNED = "assigned", "Assigned"
    # On cards the user watches (tasks.watches), for what others did to them.
    WATCHED_COMMENT = "watched_comment", "Comment on a watched card"
    WATCHED_MOVE = "watched_move", "Watched card moved"
    WATCHED_DUE = "watched_due", "Due date of a watched card changed"
    # Reminders (issue 15): a card the user is responsible for is due within one of their
    # reminder offsets, or is past due (the daily digest).
    DUE_SOON = "due_soon", "Card due soon"
    OVERDUE = "overdue", "Card overdue"


class Notification(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="notifications", db_index=False
    )
    kind = models.CharField(max_length=20, choices=NotificationKind.choices)
    board = models.ForeignKey(Board, on_delete=models.CASCADE, related_name="+")
    # Kept (without its task) when the task is deleted: the text still says what happened.
    task = models.ForeignKey("tasks.Task", on_delete=models.SET_NULL, null=True, blank=True, related_name="+")
    text = models.CharField(max_length=500)
    read = models.BooleanField(default=False)
    created_at = models.DateTimeField(default=timezone.now)
    # The outbox key of the mail that carries this notification (mention and assignment
    # mail, batched: activity/notification_mail.py); empty when none does. A batch is
    # rendered from exactly its notifications, so none is mailed twice or left out.
    mail_key = models.CharField(max_length=255, blank=True, default="", db_default="")

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # A batch's notifications (most rows have none: they stay out of the index).
            models.Index(
                fields=["mail_key"], condition=~models.Q(mail_key=""), name="activity_notif_mail_idx"
            ),
            # The feed, newest first.
            models.Index(fields=["user", "-created_at", "-id"], name="activity_notif_user_idx"),
            # Unread counts and "unread only".
            models.Index(fields=["user", "read", "-created_at"], name="activity_notif_unread_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id}"
