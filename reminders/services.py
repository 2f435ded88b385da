"""The reminder scan (beat: `reminders.scan` every REMINDERS_SCAN_SECONDS).

For each open task due within one of a recipient's offsets and not yet reminded for that
offset and that due_at: one SentReminder per offset (the claim, records.py), one in-app
notification (kind due_soon, always) and one outbox mail (when the recipient has
email_due on), all in one transaction: a rollback leaves no record, no notification and
no mail. When several offsets come due at once (a task created or moved close to its due
date), all are recorded and ONE reminder goes out, for the smallest: two mails a second
apart saying the same thing help nobody.

A reminder inside the recipient's quiet hours is not dropped: its mail waits in the
outbox until they end (send_after, accounts/quiet_hours.py); the in-app notification is silent and
is created at once.

Queries: the read is constant (selectors.reminders_due: five), the claim is one INSERT per
1,000 reminders, the notifications one INSERT and one read of the unread counts, the mails
one INSERT and one read per 1,000 (outbox/batches.py), measured by
reminders/tests/test_scan.py. They are sent in batches (OUTBOX_SEND_BATCH per task).

Beat's scan (`reminders_scan`) takes the window in chunks of REMINDERS_SCAN_CHUNK tasks,
one transaction each: the mails of a chunk go out while the next is read, and no
transaction holds thousands of task rows. It stops after REMINDERS_SCAN_BUDGET_SECONDS
and says where it stopped; the task queues its continuation from there, so a backlog of
any size never meets the task's time limit (docs/benchmarks.md "Reminders").
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from time import monotonic
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from accounts.notification_preferences import MailKind
from accounts.quiet_hours import quiet_hours_end
from accounts.unsubscribe_links import unsubscribe_headers
from activity.models import Notification, NotificationKind
from live.notifications import publish_notifications_on_commit
from outbox.batches import MailDraft, mail_enqueue_many
from outbox.rendering import mail_render
from taskboard.metrics import count_on_commit
from taskboard.metrics.families import reminders_sent

from . import selectors
from .held_mail import held_reminders_cancel
from .records import Claim, claim
from .selectors import DueReminder

MAIL_KIND = MailKind.DUE.outbox_kind  # "due_reminder"
TEMPLATE = "reminders/email/due_soon"


@dataclass(frozen=True)
class ScanResult:
    reminded: int  # in-app notifications created (one per task and recipient)
    mailed: int  # mails enqueued (some may wait for the end of quiet hours)
    # The last task a chunk read (due_at, id): where the next chunk starts. None: the end.
    resume_after: tuple[datetime, int] | None = None
    cancelled: int = 0  # held mails deleted: their task was completed, deleted or moved


@dataclass(frozen=True)
class Reminder:
    due: DueReminder
    offset_minutes: int  # the smallest of the offsets this scan claimed


def reminders_due(
    *, now: datetime, after: tuple[datetime, int] | None = None, limit: int | None = None
) -> ScanResult:
    """One transaction: the whole window, or a chunk of `limit` tasks after `after`."""
    with transaction.atomic():
        due, last = selectors.reminders_due(now=now, after=after, limit=limit)
        claims = [
            Claim(
                board_id=item.task.board_id,
                task_id=item.task.pk,
                user_id=item.recipient.user.pk,
                offset_minutes=offset,
                due_at=_due_at(item),
            )
            for item in due
            for offset in item.offsets
        ]
        created = claim(claims=claims, sent_at=now)
        reminders = []
        for item in due:
            ours = [o for o in item.offsets if (item.task.pk, item.recipient.user.pk, o) in created]
            if ours:
                reminders.append(Reminder(due=item, offset_minutes=min(ours)))
        _notify(reminders)
        drafts = [draft for reminder in reminders if (draft := _mail(reminder, now=now))]
        mail_enqueue_many(drafts)
        count_on_commit(reminders_sent, len(reminders))
    return ScanResult(reminded=len(reminders), mailed=len(drafts), resume_after=last)


def reminders_scan(
    *, now: datetime, after: tuple[datetime, int] | None = None, chunk: int | None = None
) -> ScanResult:
    """Beat's scan: chunk after chunk until the window's end or the time budget; the
    result's resume_after is where a continuation starts (None: done)."""
    chunk = chunk or settings.REMINDERS_SCAN_CHUNK
    deadline = monotonic() + settings.REMINDERS_SCAN_BUDGET_SECONDS
    # Once per scan (not per continuation): held mails of reminders that no longer hold.
    cancelled = held_reminders_cancel(now=now, kind=MAIL_KIND) if after is None else 0
    reminded = mailed = 0
    while True:
        result = reminders_due(now=now, after=after, limit=chunk)
        reminded, mailed, after = reminded + result.reminded, mailed + result.mailed, result.resume_after
        if after is None or monotonic() > deadline:
            return ScanResult(reminded=reminded, mailed=mailed, resume_after=after, cancelled=cancelled)


def _due_at(item: DueReminder) -> datetime:
    assert item.task.due_at is not None  # the scan's window
    return item.task.due_at


def offset_text(minutes: int) -> str:
    """60 → "1 hour", 1440 → "24 hours", 90 → "90 minutes"."""
    if minutes % 60:
        return f"{minutes} minute{'s' * (minutes != 1)}"
    hours = minutes // 60
    return f"{hours} hour{'s' * (hours != 1)}"


def _notify(reminders: list[Reminder]) -> None:
    created = Notification.objects.bulk_create(
        [
            Notification(
                user_id=reminder.due.recipient.user.pk,
                kind=NotificationKind.DUE_SOON,
                board_id=reminder.due.task.board_id,
                task_id=reminder.due.task.pk,
                text=f"“{reminder.due.task.title}” is due within {offset_text(reminder.offset_minutes)}"[
                    :500
                ],
            )
            for reminder in reminders
        ]
    )
    publish_notifications_on_commit(created)


def mail_key(*, task_id: int, user_id: int, offset_minutes: int, due_at: datetime) -> str:
    return f"due:{task_id}:{user_id}:{offset_minutes}:{due_at.astimezone(UTC).isoformat()}"


def _mail(reminder: Reminder, *, now: datetime) -> MailDraft | None:
    """The reminder's mail; None when the recipient has it off or no address."""
    user, preferences = reminder.due.recipient.user, reminder.due.recipient.preferences
    if not (preferences.email_due and user.email):
        return None
    task, due_at = reminder.due.task, _due_at(reminder.due)
    zone = ZoneInfo(user.timezone)
    # The link in the mail is the headers' one (RFC 8058): signed once, not twice.
    headers = unsubscribe_headers(user=user, kind=MailKind.DUE)
    rendered = mail_render(
        template=TEMPLATE,
        context={
            "user": user,
            "task": task,
            "board_name": task.board.title,
            "due_at": due_at,
            "reader_timezone": zone,
            "within": offset_text(reminder.offset_minutes),
            "card_url": f"{settings.SITE_URL}{reverse('tasks:detail', kwargs={'task_id': task.pk})}",
            "settings_url": f"{settings.SITE_URL}{reverse('accounts:notification_settings')}",
            "unsubscribe_url": headers["List-Unsubscribe"][1:-1],
        },
    )
    return MailDraft(
        key=mail_key(task_id=task.pk, user_id=user.pk, offset_minutes=reminder.offset_minutes, due_at=due_at),
        kind=MAIL_KIND,
        to_address=user.email,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        recipient_id=user.pk,
        headers=headers,
        send_after=quiet_hours_end(at=now, zone=zone, quiet=preferences.quiet_hours),
    )
