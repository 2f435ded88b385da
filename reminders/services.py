"""The reminder scan (beat: `reminders.scan` every REMINDERS_SCAN_SECONDS).

For each open task due within one of a recipient's offsets and not yet reminded for that
offset and that due_at: one SentReminder per offset (the claim, records.py), one in-app
notification (kind due_soon, always) and one outbox mail (when the recipient has
email_due on), all in one transaction: a rollback leaves no record, no notification and
no mail. When several offsets come due at once (a task created or moved close to its due
date), all are recorded and ONE reminder goes out, for the smallest: two mails a second
apart saying the same thing help nobody.

A reminder inside the recipient's quiet hours is not dropped: its mail waits in the
outbox until they end (send_after, quiet_hours.py); the in-app notification is silent and
is created at once.

Queries: the read is constant (selectors.reminders_due: five), the claim is one INSERT per
1,000 reminders, the notifications one INSERT and one read of the unread counts; each mail
costs the outbox's idempotent enqueue: six statements (two savepoints and their releases,
the key's SELECT, the INSERT), measured by reminders/tests/test_scan.py.
"""

from dataclasses import dataclass
from datetime import UTC, datetime
from zoneinfo import ZoneInfo

from django.conf import settings
from django.db import transaction
from django.urls import reverse

from accounts.notification_preferences import MailKind
from accounts.quiet_hours import quiet_hours_end
from accounts.unsubscribe_links import unsubscribe_headers, unsubscribe_link
from activity.models import Notification, NotificationKind
from live.notifications import publish_notifications_on_commit
from outbox.rendering import mail_render
from outbox.services import mail_enqueue
from taskboard.metrics import count_on_commit
from taskboard.metrics.families import reminders_sent

from . import selectors
from .records import Claim, claim
from .selectors import DueReminder

MAIL_KIND = MailKind.DUE.outbox_kind  # "due_reminder"
TEMPLATE = "reminders/email/due_soon"


@dataclass(frozen=True)
class ScanResult:
    reminded: int  # in-app notifications created (one per task and recipient)
    mailed: int  # mails enqueued (some may wait for the end of quiet hours)


@dataclass(frozen=True)
class Reminder:
    due: DueReminder
    offset_minutes: int  # the smallest of the offsets this scan claimed


def reminders_due(*, now: datetime) -> ScanResult:
    with transaction.atomic():
        due = selectors.reminders_due(now=now)
        claims = [
            Claim(
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
        mailed = sum(_mail(reminder, now=now) for reminder in reminders)
        count_on_commit(reminders_sent, len(reminders))
    return ScanResult(reminded=len(reminders), mailed=mailed)


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


def _mail(reminder: Reminder, *, now: datetime) -> bool:
    """Enqueue the reminder's mail; False when the recipient has it off or no address."""
    user, preferences = reminder.due.recipient.user, reminder.due.recipient.preferences
    if not (preferences.email_due and user.email):
        return False
    task, due_at = reminder.due.task, _due_at(reminder.due)
    zone = ZoneInfo(user.timezone)
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
            "unsubscribe_url": unsubscribe_link(user=user, kind=MailKind.DUE),
        },
    )
    mail_enqueue(
        key=mail_key(task_id=task.pk, user_id=user.pk, offset_minutes=reminder.offset_minutes, due_at=due_at),
        kind=MAIL_KIND,
        to_address=user.email,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        recipient_id=user.pk,
        headers=unsubscribe_headers(user=user, kind=MailKind.DUE),
        send_after=quiet_hours_end(at=now, zone=zone, quiet=preferences.quiet_hours),
    )
    return True
