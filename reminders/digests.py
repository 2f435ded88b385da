"""The daily digest (beat: `reminders.digest` every REMINDERS_SCAN_SECONDS): at 08:00 in
each user's zone, for users with `digest` "daily", one mail listing their overdue and
due-today cards, and one in-app `overdue` notification per card that became overdue.

Exactly once per user and local date: the scan takes SentDigest rows (unique on user and
local date) with INSERT … ON CONFLICT DO NOTHING RETURNING and sends only for the rows its
own insert returned (records.py), so two scans at once, a doubled beat or a redelivered task
never send two digests; the mail's outbox key carries the local date too. A user whose list
is empty that morning gets nothing (the row is taken all the same: not looked at again that
day).

The `overdue` notification is once per card, recipient and due date, not once a day: it is
a SentReminder with offset 0 (the reminder offsets are 5 minutes at least, so it never
meets one), taken by the same claim. The digest mail lists every overdue card every
morning; the bell says once that a card went past its date. Only digest users get it: the
digest is what they asked for, and nobody else is scanned for overdue cards.

Quiet hours hold the digest like a reminder (a user quiet until 09:00 gets it at 09:00).

Queries: the read is at most four (digest_reads.py), then one claim INSERT per 1,000
digests, one claim INSERT per 1,000 overdue records, one INSERT of notifications and one
read of unread counts; each mail is the outbox's six-statement enqueue. SentDigest rows a
week old are purged hourly (`reminders.purge_digest_records`).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils.dateformat import format as date_format

from accounts.notification_preferences import MailKind
from accounts.quiet_hours import quiet_hours_end
from accounts.unsubscribe_links import unsubscribe_headers, unsubscribe_link
from activity.models import Notification, NotificationKind
from live.notifications import publish_notifications_on_commit
from outbox.rendering import mail_render
from outbox.services import mail_enqueue
from tasks.models import Task

from .digest_reads import DueDigest, digests_due
from .models import SentDigest
from .records import Claim, claim, claim_digests

MAIL_KIND = MailKind.DIGEST.outbox_kind  # "digest"
TEMPLATE = "reminders/email/digest"
OVERDUE_OFFSET = 0  # the SentReminder offset of an overdue notification
MAX_LISTED = 50  # cards per section of the mail; the rest are counted


@dataclass(frozen=True)
class DigestResult:
    digests: int  # digests taken (users due this morning, empty lists included)
    mailed: int
    overdue_notified: int


def digest_records_purge(*, now: datetime, keep_days: int = 7) -> int:
    """Delete SentDigest rows of dates long past (hourly, beat): a record only has to outlive
    its local day, which ends at most a day after the UTC date."""
    cutoff = now.date() - timedelta(days=keep_days)
    deleted, _ = SentDigest.objects.filter(local_date__lt=cutoff).delete()
    return deleted


def digest_key(*, user_id: int, local_date: str) -> str:
    return f"digest:user={user_id}:date={local_date}"


def digests_send(*, now: datetime) -> DigestResult:
    with transaction.atomic():
        due = digests_due(now=now)
        taken = claim_digests(digests=[(d.user.pk, d.local_date) for d in due], sent_at=now)
        ours = [digest for digest in due if digest.user.pk in taken and digest.cards]
        overdue_claims = [
            Claim(
                board_id=task.board_id,
                task_id=task.pk,
                user_id=digest.user.pk,
                offset_minutes=OVERDUE_OFFSET,
                due_at=task.due_at,
            )
            for digest in ours
            for task in digest.cards
            if task.due_at is not None and task.due_at <= now
        ]
        new_overdue = claim(claims=overdue_claims, sent_at=now)
        notified = _notify_overdue(ours, new_overdue)
        mailed = sum(_mail(digest, now=now) for digest in ours)
    return DigestResult(digests=len(taken), mailed=mailed, overdue_notified=notified)


def _notify_overdue(digests: list[DueDigest], new: set[tuple[int, int, int]]) -> int:
    created = Notification.objects.bulk_create(
        [
            Notification(
                user_id=digest.user.pk,
                kind=NotificationKind.OVERDUE,
                board_id=task.board_id,
                task_id=task.pk,
                text=f"“{task.title}” is past its due date"[:500],
            )
            for digest in digests
            for task in digest.cards
            if (task.pk, digest.user.pk, OVERDUE_OFFSET) in new
        ]
    )
    publish_notifications_on_commit(created)
    return len(created)


def _card(task: Task, digest: DueDigest) -> dict[str, object]:
    assert task.due_at is not None  # the read's filter
    local = task.due_at.astimezone(digest.zone)
    return {
        "card_title": task.title,
        "board_name": task.board.title,
        "due_at": task.due_at,
        "due_text": date_format(local, "D j M, H:i T"),
        "card_url": f"{settings.SITE_URL}{reverse('tasks:detail', kwargs={'task_id': task.pk})}",
    }


def _mail(digest: DueDigest, *, now: datetime) -> bool:
    user = digest.user
    if not user.email:
        return False
    overdue = [_card(task, digest) for task in digest.cards if task.due_at is not None and task.due_at <= now]
    today = [_card(task, digest) for task in digest.cards if task.due_at is not None and task.due_at > now]
    rendered = mail_render(
        template=TEMPLATE,
        context={
            "user": user,
            "day": digest.local_date,
            "reader_timezone": digest.zone,
            "overdue": overdue[:MAX_LISTED],
            "overdue_count": len(overdue),
            "overdue_more": max(len(overdue) - MAX_LISTED, 0),
            "today": today[:MAX_LISTED],
            "today_count": len(today),
            "today_more": max(len(today) - MAX_LISTED, 0),
            "dashboard_url": f"{settings.SITE_URL}/",
            "settings_url": f"{settings.SITE_URL}{reverse('accounts:notification_settings')}",
            "unsubscribe_url": unsubscribe_link(user=user, kind=MailKind.DIGEST),
        },
    )
    mail_enqueue(
        key=digest_key(user_id=user.pk, local_date=digest.local_date.isoformat()),
        kind=MAIL_KIND,
        to_address=user.email,
        subject=rendered.subject,
        text=rendered.text,
        html=rendered.html,
        recipient_id=user.pk,
        headers=unsubscribe_headers(user=user, kind=MailKind.DIGEST),
        send_after=quiet_hours_end(at=now, zone=digest.zone, quiet=digest.preferences.quiet_hours),
    )
    return True
