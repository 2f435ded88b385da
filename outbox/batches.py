"""Mail in bulk (the reminder scan: thousands of mails in one minute): many rows written in
one statement, and sent by one task over one SMTP connection.

Measured (docs/benchmarks.md "Reminders"): one mail per `mail_enqueue` costs six statements
(two savepoints, the key's read, the insert), and one mail per send task costs a Celery
round trip, an SMTP connection and two commits; 10,000 reminders took minutes on two cores.
Here a thousand rows cost one INSERT and one read, and a batch of OUTBOX_SEND_BATCH mails
one task, one connection, one claim and one mark.

The guarantees are outbox/services.py's, per mail: a row is claimed (pending → sending)
before its message goes out and marked after, so a batch run twice sends each mail once,
and a worker lost mid-batch leaves its claimed rows `sending` for the sweep: **each such
mail at most once more** (the crash affects up to a batch of mails instead of one). A batch
that runs past OUTBOX_SEND_BATCH_SECONDS (a slow SMTP server) hands its unsent rows back to
pending, unclaimed, for the sweep, so it never reaches the task's time limit mid-send.
"""

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from time import monotonic

from celery import current_app
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from .messages import build_message
from .models import OutboxMail
from .rendering import bounded_subject
from .services import State, _record_failure

SEND_BATCH_TASK = "outbox.send_mails"
INSERT_BATCH = 1000


@dataclass(frozen=True)
class MailDraft:
    """One mail of `mail_enqueue_many`: the arguments of outbox.services.mail_enqueue."""

    key: str
    kind: str
    to_address: str
    subject: str
    text: str
    html: str
    recipient_id: int | None = None
    headers: dict[str, str] = field(default_factory=dict)
    send_after: datetime | None = None


@dataclass(frozen=True)
class BatchResult:
    sent: int
    failed: int  # retried later or failed for good (outbox/services.py: _record_failure)
    skipped: int  # not pending or not due: another task has it, or it is done
    released: int  # claimed but not sent within the batch's time: pending again


def mail_enqueue_many(drafts: Sequence[MailDraft]) -> list[int]:
    """Write the mails in the caller's transaction, idempotent on each key like
    mail_enqueue (a key already there is left as it is); after the commit, the due ones
    are sent in batches of OUTBOX_SEND_BATCH. The ids of the rows this call created."""
    if not drafts:
        return []
    for draft in drafts:
        if not draft.key or len(draft.key) > 255 or not draft.to_address:
            raise ValidationError("An outbox mail needs a key of 1 to 255 characters and an address.")
    now = timezone.now()
    rows = [
        OutboxMail(
            key=draft.key,
            kind=draft.kind,
            recipient_id=draft.recipient_id,
            to_address=draft.to_address,
            subject=bounded_subject(draft.subject),
            text_body=draft.text,
            html_body=draft.html,
            headers=draft.headers,
            send_after=draft.send_after or now,
            queued_at=now if draft.send_after is None or draft.send_after <= now else None,
            created_at=now,
        )
        for draft in drafts
    ]
    created: list[tuple[int, datetime | None]] = []
    for start in range(0, len(rows), INSERT_BATCH):
        chunk = rows[start : start + INSERT_BATCH]
        OutboxMail.objects.bulk_create(chunk, ignore_conflicts=True)
        # Ours: the keys of this chunk stamped with this call's created_at (a row that was
        # there already kept its own); ignore_conflicts gives no ids back.
        created += OutboxMail.objects.filter(key__in=[row.key for row in chunk], created_at=now).values_list(
            "id", "queued_at"
        )
    due = sorted(mail_id for mail_id, queued_at in created if queued_at is not None)
    size = settings.OUTBOX_SEND_BATCH
    for start in range(0, len(due), size):
        transaction.on_commit(_batch_sender(due[start : start + size]), robust=True)
    return [mail_id for mail_id, _ in created]


def _batch_sender(mail_ids: list[int]) -> Callable[[], None]:
    def queue_send_batch() -> None:
        try:
            current_app.send_task(SEND_BATCH_TASK, kwargs={"mail_ids": mail_ids})
        except Exception:
            # Not queued (the broker is down): the next sweep queues them one by one.
            OutboxMail.objects.filter(pk__in=mail_ids, state=State.PENDING).update(queued_at=None)
            raise

    return queue_send_batch


def mail_send_many(*, mail_ids: Sequence[int]) -> BatchResult:
    """Claim the batch's pending, due rows in one UPDATE (committed before any message
    goes out), send them over one connection, mark the sent ones in one UPDATE."""
    claimed_at = timezone.now()
    OutboxMail.objects.filter(pk__in=list(mail_ids), state=State.PENDING, send_after__lte=claimed_at).update(
        state=State.SENDING, claimed_at=claimed_at, attempts=F("attempts") + 1
    )
    ours = OutboxMail.objects.filter(pk__in=list(mail_ids), state=State.SENDING, claimed_at=claimed_at)
    mails = list(ours.order_by("id"))
    skipped = len(set(mail_ids)) - len(mails)
    sent: list[OutboxMail] = []
    failed = 0
    deadline = monotonic() + settings.OUTBOX_SEND_BATCH_SECONDS
    try:
        with get_connection() as connection:
            for mail in mails:
                if monotonic() > deadline:
                    break
                try:
                    if connection.send_messages([build_message(mail)]) != 1:
                        raise RuntimeError("The mail backend sent nothing.")
                except Exception as exc:  # kept on the row and retried, as a single send
                    _record_failure(mail=mail, claimed_at=claimed_at, exc=exc)
                    failed += 1
                else:
                    sent.append(mail)
    except Exception as exc:  # the connection itself failed (open or close)
        for mail in mails[len(sent) + failed :]:
            _record_failure(mail=mail, claimed_at=claimed_at, exc=exc)
            failed += 1
    _mark_sent(sent, claimed_at=claimed_at)
    unsent = [mail.pk for mail in mails[len(sent) + failed :]]
    released = OutboxMail.objects.filter(pk__in=unsent, state=State.SENDING, claimed_at=claimed_at).update(
        state=State.PENDING, claimed_at=None, queued_at=None, attempts=F("attempts") - 1
    )
    return BatchResult(sent=len(sent), failed=failed, skipped=skipped, released=released)


def _mark_sent(mails: list[OutboxMail], *, claimed_at: datetime) -> None:
    """Only our own claims (a row the sweep took back meanwhile is another send's to mark);
    sensitive rows lose their bodies in the same statement."""
    now = timezone.now()
    for sensitive in (False, True):
        ids = [mail.pk for mail in mails if mail.sensitive is sensitive]
        if ids:
            OutboxMail.objects.filter(pk__in=ids, state=State.SENDING, claimed_at=claimed_at).update(
                state=State.SENT, sent_at=now, **({"text_body": "", "html_body": ""} if sensitive else {})
            )
