"""One row per logical mail (welcome, reset, invitation, mention, reminder, digest, ...).

`key` names the mail: kind + object + recipient + occurrence, built by the caller (e.g.
`due_reminder:task=12:user=7:due=2026-12-05T10:00Z:offset=60`); it is unique, so the same
logical mail is never queued twice. A `sensitive` row's bodies are kept only until the
mail is sent or has failed (then blanked: the link in it must not outlive its need). The
state machine and its guarantees are in
outbox/services.py.
"""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone


class OutboxMail(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "pending"
        SENDING = "sending", "sending"
        SENT = "sent", "sent"
        FAILED = "failed", "failed"

    key = models.CharField(max_length=255, unique=True)
    kind = models.CharField(max_length=40)
    # A deleted account gets no more mail: its rows go with it.
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.CASCADE, related_name="+"
    )
    to_address = models.EmailField(max_length=254)
    subject = models.CharField(max_length=255)
    text_body = models.TextField()
    html_body = models.TextField(blank=True)
    # The body carries a secret (a password-reset, invitation or verification link): it is
    # blanked once the mail is sent or has failed, and the admin never shows it.
    sensitive = models.BooleanField(default=False)
    # Extra headers (e.g. List-Unsubscribe); Message-ID is derived from the key.
    headers = models.JSONField(default=dict, blank=True)
    state = models.CharField(max_length=8, choices=State.choices, default=State.PENDING)
    # Claims so far (each claim is one send started).
    attempts = models.PositiveSmallIntegerField(default=0)
    # The last failure, described without secrets (outbox/messages.py: describe_error).
    last_error = models.CharField(max_length=500, blank=True)
    send_after = models.DateTimeField(default=timezone.now)
    # When a send task was last queued for the row (the sweep queues one when this is old).
    queued_at = models.DateTimeField(null=True, blank=True)
    claimed_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [
            # The sweep: due pending rows and stale claims; finished rows are most of the
            # table and stay out of this index.
            models.Index(
                fields=["state", "send_after"],
                condition=Q(state__in=["pending", "sending"]),
                name="outbox_open_idx",
            ),
            models.Index(fields=["created_at"], name="outbox_created_idx"),
            # taskboard_outbox_rows{state="failed"} at every scrape (outbox/metrics.py):
            # failed rows are few, sent ones most of the table.
            models.Index(fields=["state"], condition=Q(state="failed"), name="outbox_failed_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} to {self.to_address} ({self.state})"
