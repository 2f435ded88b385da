"""Mention and assignment mail (issue 15), batched: the notifications of one kind that reach
a user within BATCH_WINDOW are one mail.

Called in the write's transaction, right after its notifications were created, so a
rolled-back write leaves no mail. Per recipient with that kind of mail on:

1. Their newest pending mail of the kind is locked (outbox.selectors.pending_keys_locked).
   Found: the notification joins that batch (its `mail_key`), the batch is rendered again
   from all its notifications and `mail_merge_pending` replaces the row's content.
2. None, or the merge finds the row claimed by a worker meanwhile: a new batch under the key
   `<kind>:user=<id>:from=<notification id>`, sent once BATCH_WINDOW has passed
   (`send_after`; the outbox's sweep queues it).

A batch renders exactly the notifications carrying its key, so no notification is mailed
twice or left out of the mail its key names. The window is counted from the first
notification and does not slide: a burst of mentions waits at most BATCH_WINDOW plus one
sweep interval. Quiet hours hold the batch like a reminder (to their end, in the reader's
zone), and every mention or assignment until then folds into it: one mail in the morning,
not a night's worth. Two writes that both find no pending batch at the same instant start
two batches (two mails): neither can see the other's uncommitted row, and a lock on the
user to prevent it would serialize unrelated writes on every board.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from django.conf import settings
from django.urls import reverse
from django.utils import timezone
from django.utils.dateformat import format as date_format

from accounts.models import NotificationSettings, User
from accounts.notification_preferences import MailKind, NotificationPreferences
from accounts.quiet_hours import quiet_hours_end
from accounts.unsubscribe_links import unsubscribe_headers, unsubscribe_link
from outbox.rendering import RenderedMail, mail_render
from outbox.selectors import pending_keys_locked
from outbox.services import mail_enqueue, mail_merge_pending
from tasks.models import Task

from .models import Notification, NotificationKind

BATCH_WINDOW = timedelta(minutes=2)


@dataclass(frozen=True)
class MailedKind:
    mail_kind: MailKind  # the user's switch and the unsubscribe link's kind
    template: str

    @property
    def outbox_kind(self) -> str:  # OutboxMail.kind, the first part of the key
        return self.mail_kind.outbox_kind


MAILED_KINDS = {
    NotificationKind.MENTION: MailedKind(MailKind.MENTIONS, "activity/email/mention"),
    NotificationKind.ASSIGNED: MailedKind(MailKind.ASSIGNMENTS, "activity/email/assignment"),
}


def batch_key(*, outbox_kind: str, user_id: int, first_notification_id: int) -> str:
    return f"{outbox_kind}:user={user_id}:from={first_notification_id}"


def notification_mail_queue(*, notifications: Sequence[Notification], task: Task | None = None) -> int:
    """Fold each notification into its user's pending mail of its kind, or start one;
    the number of notifications mailed. `task`: the card the write is about, as the write
    has it (a card being created is inserted at the end of its write, after this)."""
    mailed_notes = [note for note in notifications if note.kind in MAILED_KINDS]
    if not mailed_notes:
        return 0
    # The callers' User instances may be partial (.only): the switches are read here.
    people = {
        user.pk: Recipient(user=user, preferences=NotificationPreferences.of(user, _settings_row(user)))
        for user in User.objects.filter(
            pk__in={note.user_id for note in mailed_notes}, is_active=True
        ).select_related("notification_settings")
        if user.email
    }
    mailed = 0
    for kind, mailed_kind in MAILED_KINDS.items():
        wanted = [
            note
            for note in mailed_notes
            if note.kind == kind
            and note.user_id in people
            and people[note.user_id].preferences.mail_on(mailed_kind.mail_kind)
        ]
        if wanted:
            _queue(wanted, people=people, mailed_kind=mailed_kind, task=task)
            mailed += len(wanted)
    return mailed


@dataclass(frozen=True)
class Recipient:
    user: User
    preferences: NotificationPreferences


def _settings_row(user: User) -> NotificationSettings | None:
    try:
        return user.notification_settings
    except NotificationSettings.DoesNotExist:
        return None


def _queue(
    wanted: list[Notification], *, people: dict[int, Recipient], mailed_kind: MailedKind, task: Task | None
) -> None:
    recipient_ids = {notification.user_id for notification in wanted}
    open_keys = pending_keys_locked(kind=mailed_kind.outbox_kind, recipient_ids=recipient_ids)
    now = timezone.now()
    for notification in wanted:
        user, preferences = people[notification.user_id].user, people[notification.user_id].preferences
        key = open_keys.get(user.pk)
        if key is not None:
            _join(notification, key)
            rendered = _render(user=user, key=key, mailed_kind=mailed_kind, task=task)
            if mail_merge_pending(key=key, subject=rendered.subject, text=rendered.text, html=rendered.html):
                continue
        key = batch_key(
            outbox_kind=mailed_kind.outbox_kind, user_id=user.pk, first_notification_id=notification.pk
        )
        _join(notification, key)
        rendered = _render(user=user, key=key, mailed_kind=mailed_kind, task=task)
        mail_enqueue(
            key=key,
            kind=mailed_kind.outbox_kind,
            to_address=user.email,
            subject=rendered.subject,
            text=rendered.text,
            html=rendered.html,
            recipient_id=user.pk,
            headers=unsubscribe_headers(user=user, kind=mailed_kind.mail_kind),
            send_after=_send_after(now=now, user=user, preferences=preferences),
        )
        open_keys[user.pk] = key  # a second notification of this write joins it


def _card_title(note: Notification, this_write: dict[int, Task]) -> str:
    # The write's own card first: its row may not be written yet (a new card is inserted
    # at the end of its write), or not with this write's title.
    card = this_write.get(note.task_id) if note.task_id is not None else None
    if card is None:
        card = note.task  # None: the card was deleted since
    return card.title if card is not None else ""


def _join(notification: Notification, key: str) -> None:
    Notification.objects.filter(pk=notification.pk).update(mail_key=key)
    notification.mail_key = key


def _send_after(*, now: datetime, user: User, preferences: NotificationPreferences) -> datetime:
    """The end of the window, or of the quiet hours it ends in."""
    window_end = now + BATCH_WINDOW
    held = quiet_hours_end(at=window_end, zone=ZoneInfo(user.timezone), quiet=preferences.quiet_hours)
    return held or window_end


def _render(*, user: User, key: str, mailed_kind: MailedKind, task: Task | None) -> RenderedMail:
    zone = ZoneInfo(user.timezone)
    this_write = {task.pk: task} if task is not None else {}
    notes = list(
        Notification.objects.filter(user_id=user.pk, mail_key=key)
        .select_related("board", "task")
        .order_by("created_at", "id")
    )
    items = [
        {
            "text": note.text,
            "card_title": _card_title(note, this_write),
            "board_name": note.board.title,
            "when": date_format(timezone.localtime(note.created_at, zone), "D j M, H:i T"),
            "card_url": (
                f"{settings.SITE_URL}{reverse('tasks:detail', kwargs={'task_id': note.task_id})}"
                if note.task_id is not None
                else f"{settings.SITE_URL}{reverse('tasks:board', kwargs={'board_id': note.board_id})}"
            ),
        }
        for note in notes
    ]
    return mail_render(
        template=mailed_kind.template,
        context={
            "user": user,
            "items": items,
            "count": len(items),
            "settings_url": f"{settings.SITE_URL}{reverse('accounts:notification_settings')}",
            "notifications_url": f"{settings.SITE_URL}{reverse('activity:notifications')}",
            "unsubscribe_url": unsubscribe_link(user=user, kind=mailed_kind.mail_kind),
        },
    )
