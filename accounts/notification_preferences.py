"""What mail a user wants, as a typed value: read by the selector, returned by the service,
shaped for the API by `preferences_representation`. The rows (NotificationSettings) are
optional: a user without one has DEFAULT_SCHEDULE."""

import datetime
import enum
from dataclasses import dataclass
from typing import Any

from .models import (
    DEFAULT_QUIET_HOURS_END,
    DEFAULT_QUIET_HOURS_START,
    DEFAULT_REMINDER_OFFSETS_MINUTES,
    Digest,
    NotificationSettings,
    User,
)

# docs/api.md: 0 to 6 offsets, each from 5 minutes to 14 days.
MAX_REMINDER_OFFSETS = 6
MIN_REMINDER_OFFSET_MINUTES = 5
MAX_REMINDER_OFFSET_MINUTES = 20160


class MailKind(enum.StrEnum):
    """The kinds of notification mail a user turns off one by one, from the settings or by
    the unsubscribe link in each mail of the kind."""

    MENTIONS = "mentions"
    ASSIGNMENTS = "assignments"
    # Due-date reminders.
    DUE = "due"
    # The daily digest of overdue and due-today tasks (on while `digest` is "daily").
    DIGEST = "digest"

    @property
    def label(self) -> str:
        return {
            "mentions": "mentions",
            "assignments": "assignments",
            "due": "due-date reminders",
            "digest": "the daily digest",
        }[self.value]

    @property
    def outbox_kind(self) -> str:
        """`OutboxMail.kind` of this kind's mail (and the first part of its outbox key)."""
        return {
            "mentions": "mention",
            "assignments": "assignment",
            "due": "due_reminder",
            "digest": "digest",
        }[self.value]


@dataclass(frozen=True)
class QuietHours:
    """Local clock times (the user's time zone); the span may pass midnight (22:00-07:00)."""

    start: datetime.time
    end: datetime.time


@dataclass(frozen=True)
class NotificationPreferences:
    email_mentions: bool
    email_assignments: bool
    email_due: bool
    # Largest first.
    reminder_offsets_minutes: tuple[int, ...]
    digest: str
    quiet_hours: QuietHours | None

    def mail_on(self, kind: MailKind) -> bool:
        return {
            MailKind.MENTIONS: self.email_mentions,
            MailKind.ASSIGNMENTS: self.email_assignments,
            MailKind.DUE: self.email_due,
            MailKind.DIGEST: self.digest == Digest.DAILY,
        }[kind]

    @classmethod
    def of(cls, user: User, row: NotificationSettings | None) -> "NotificationPreferences":
        """From the user's switches and their settings row (None: the defaults)."""
        schedule = DEFAULT_SCHEDULE
        if row is not None:
            quiet = None
            if row.quiet_hours_start is not None and row.quiet_hours_end is not None:
                quiet = QuietHours(start=row.quiet_hours_start, end=row.quiet_hours_end)
            schedule = (tuple(row.reminder_offsets_minutes), row.digest, quiet)
        return cls(
            email_mentions=user.email_mentions,
            email_assignments=user.email_assignments,
            email_due=user.email_due,
            reminder_offsets_minutes=schedule[0],
            digest=schedule[1],
            quiet_hours=schedule[2],
        )


DEFAULT_SCHEDULE: tuple[tuple[int, ...], str, QuietHours | None] = (
    DEFAULT_REMINDER_OFFSETS_MINUTES,
    Digest.OFF.value,
    QuietHours(start=DEFAULT_QUIET_HOURS_START, end=DEFAULT_QUIET_HOURS_END),
)


def clock_time_text(value: datetime.time) -> str:
    return value.strftime("%H:%M")


def preferences_representation(preferences: NotificationPreferences) -> dict[str, Any]:
    """The answer of users/me/notifications/ (docs/api.md)."""
    quiet = preferences.quiet_hours
    return {
        "email_mentions": preferences.email_mentions,
        "email_assignments": preferences.email_assignments,
        "email_due": preferences.email_due,
        "reminder_offsets_minutes": list(preferences.reminder_offsets_minutes),
        "digest": preferences.digest,
        "quiet_hours": (
            None
            if quiet is None
            else {"start": clock_time_text(quiet.start), "end": clock_time_text(quiet.end)}
        ),
    }
