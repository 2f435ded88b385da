"""The outbox's writes: queue a mail, merge into a pending one, send, sweep, retry, purge.

States: pending → sending → sent, or back to pending with a later send_after after a failure,
or failed after OUTBOX_MAX_ATTEMPTS sends. The send task claims a row before it sends
(one UPDATE pending → sending, only if still pending and due), sends, then marks it sent. So:

- A task that runs twice (a duplicate message, the sweep's and the enqueue's task both in
  flight) sends once: the second claim finds the row no longer pending and does nothing.
- A worker killed after the SMTP server accepted the message but before the mark leaves the
  row `sending`. The sweep takes a claim older than OUTBOX_CLAIM_TIMEOUT_SECONDS back to
  pending and it is sent again: **at most once more per worker lost mid-send**, and never
  more than OUTBOX_MAX_ATTEMPTS times in all (each claim counts an attempt). The extra copy
  carries the same Message-ID. It comes no sooner than the claim timeout after the lost
  claim (a send still in progress is never doubled: the timeout exceeds the longest send)
  and no later than the timeout plus one sweep interval plus the queue's wait.
- A rolled-back transaction leaves no row and queues nothing (the task is queued on commit).

A `sensitive` mail (its body carries a secret link: password reset, invitation,
verification) keeps its bodies only while it may still be sent: the mark of `sent` or
`failed` blanks them, in the same UPDATE. A failed sensitive mail can't be sent again (its
link is gone): the person asks for a new one.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

from celery import current_app
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import get_connection
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from taskboard.metrics.families import mail_failed, mail_sent

from . import selectors
from .messages import build_message, describe_error
from .models import OutboxMail
from .rendering import bounded_subject

SEND_TASK = "outbox.send_mail"
LOST_CLAIM = "The worker stopped during the send (claim expired); the mail may have been delivered."
SWEEP_BATCH = 1000
State = OutboxMail.State


class SendOutcome(StrEnum):
    SENT = "sent"
    RETRY = "retry"  # failed, pending again with a later send_after
    FAILED = "failed"  # failed for the last time
    SKIPPED = "skipped"  # not pending or not due: another task has it, or it is done


@dataclass(frozen=True)
class SweepResult:
    queued: int
    recovered: int  # lost claims taken back to pending
    failed: int  # lost claims that had no attempt left


def mail_enqueue(
    *,
    key: str,
    kind: str,
    to_address: str,
    subject: str,
    text: str,
    html: str,
    recipient_id: int | None = None,
    headers: dict[str, str] | None = None,
    send_after: datetime | None = None,
    sensitive: bool = False,
) -> OutboxMail:
    """Write the mail in the caller's transaction; send it after the commit.

    Idempotent on `key`: a second call with the same key changes nothing and returns the
    existing row (whatever its state). A mail due now is queued on commit on the `mail`
    queue; a later send_after is left to the sweep (no countdown: a quiet-hours delay of
    hours would outlast the broker's visibility timeout, and the sweep runs every minute).
    `sensitive`: the body carries a secret; it is blanked once sent or failed."""
    if not key or len(key) > 255:
        raise ValidationError("An outbox key is 1 to 255 characters.")
    if not to_address:
        raise ValidationError("An outbox mail needs an address.")
    now = timezone.now()
    due = send_after is None or send_after <= now
    defaults = {
        "kind": kind,
        "recipient_id": recipient_id,
        "to_address": to_address,
        "subject": bounded_subject(subject),
        "text_body": text,
        "html_body": html,
        "headers": headers or {},
        "sensitive": sensitive,
        "send_after": send_after or now,
        "queued_at": now if due else None,
        "created_at": now,
    }
    # A savepoint: a concurrent insert of the same key leaves the caller's transaction usable.
    with transaction.atomic():
        mail, created = OutboxMail.objects.get_or_create(key=key, defaults=defaults)
    if created and due:
        _queue_sends_on_commit([mail.pk])
    return mail


def mail_merge_pending(
    *, key: str, subject: str, text: str, html: str, headers: dict[str, str] | None = None
) -> OutboxMail | None:
    """Replace the content of the pending mail under `key` (batching: the caller renders the
    whole batch again, e.g. every mention since the first). None when no row under that key
    is still pending (none yet, or a worker has claimed it): the caller then enqueues the
    batch under the next occurrence's key. One UPDATE, so a claim and a merge never mix: the
    mail goes out either before the merge or with it."""
    changes: dict[str, object] = {"subject": bounded_subject(subject), "text_body": text, "html_body": html}
    if headers is not None:
        changes["headers"] = headers
    if not OutboxMail.objects.filter(key=key, state=State.PENDING).update(**changes):
        return None
    return selectors.mail_by_key(key=key)


def mail_send(*, mail_id: int) -> SendOutcome:
    """Claim, send, mark. Runs outside any transaction (the claim must be committed before
    the SMTP server sees the message)."""
    claimed_at = timezone.now()
    claimed = OutboxMail.objects.filter(pk=mail_id, state=State.PENDING, send_after__lte=claimed_at).update(
        state=State.SENDING, claimed_at=claimed_at, attempts=F("attempts") + 1
    )
    mail = OutboxMail.objects.filter(pk=mail_id).first() if claimed else None
    if mail is None:  # not ours, or deleted since (its account went)
        return SendOutcome.SKIPPED
    try:
        with get_connection() as connection:
            if connection.send_messages([build_message(mail)]) != 1:
                raise RuntimeError("The mail backend sent nothing.")
    except Exception as exc:  # any failure is kept on the row and retried
        return _record_failure(mail=mail, claimed_at=claimed_at, exc=exc)
    # Only our own claim: a row the sweep took back meanwhile is another send's to mark.
    OutboxMail.objects.filter(pk=mail_id, state=State.SENDING, claimed_at=claimed_at).update(
        state=State.SENT, sent_at=timezone.now(), **_finished_bodies(mail)
    )
    mail_sent.labels(mail.kind).inc()
    return SendOutcome.SENT


def _finished_bodies(mail: OutboxMail) -> dict[str, object]:
    """The body fields of a mail that will not be sent again: blank when sensitive."""
    return {"text_body": "", "html_body": ""} if mail.sensitive else {}


def retry_delay(*, attempts: int) -> timedelta:
    """The backoff after the n-th failed send: base, twice that, four times, ... up to the cap."""
    seconds = settings.OUTBOX_RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0)
    return timedelta(seconds=min(seconds, settings.OUTBOX_RETRY_MAX_SECONDS))


def _record_failure(*, mail: OutboxMail, claimed_at: datetime, exc: BaseException) -> SendOutcome:
    error = describe_error(exc)
    mail_failed.labels(mail.kind).inc()
    changes: dict[str, object]
    if mail.attempts >= settings.OUTBOX_MAX_ATTEMPTS:
        outcome, changes = SendOutcome.FAILED, {"state": State.FAILED, **_finished_bodies(mail)}
    else:
        outcome = SendOutcome.RETRY
        changes = {
            "state": State.PENDING,
            "send_after": timezone.now() + retry_delay(attempts=mail.attempts),
            "queued_at": None,  # the sweep queues it when it is due
        }
    OutboxMail.objects.filter(pk=mail.pk, state=State.SENDING, claimed_at=claimed_at).update(
        last_error=error, **changes
    )
    return outcome


def mail_sweep(*, now: datetime | None = None, batch: int = SWEEP_BATCH) -> SweepResult:
    """Every OUTBOX_SWEEP_SECONDS (beat): take lost claims back, queue what is due."""
    now = now or timezone.now()
    stale = now - timedelta(seconds=settings.OUTBOX_CLAIM_TIMEOUT_SECONDS)
    lost = OutboxMail.objects.filter(state=State.SENDING, claimed_at__lt=stale)
    spent = lost.filter(attempts__gte=settings.OUTBOX_MAX_ATTEMPTS)
    failed = spent.filter(sensitive=True).update(
        state=State.FAILED, last_error=LOST_CLAIM, text_body="", html_body=""
    ) + spent.update(state=State.FAILED, last_error=LOST_CLAIM)
    recovered = lost.update(state=State.PENDING, send_after=now, queued_at=None, last_error=LOST_CLAIM)
    requeue_before = now - timedelta(seconds=settings.OUTBOX_REQUEUE_SECONDS)
    with transaction.atomic():
        ids = selectors.mail_ids_to_queue(now=now, requeue_before=requeue_before, limit=batch)
        OutboxMail.objects.filter(pk__in=ids).update(queued_at=now)
        _queue_sends_on_commit(ids)
    return SweepResult(queued=len(ids), recovered=recovered, failed=failed)


def mail_retry_failed(*, mail_ids: Iterable[int]) -> int:
    """Send failed mails again (the admin's action), with a fresh count of attempts. The
    last error stays until a send succeeds or fails anew. Not a sensitive mail: its body
    (the link) was blanked when it failed."""
    now = timezone.now()
    with transaction.atomic():
        ids = list(
            OutboxMail.objects.select_for_update()
            .filter(pk__in=list(mail_ids), state=State.FAILED, sensitive=False)
            .values_list("id", flat=True)
        )
        OutboxMail.objects.filter(pk__in=ids).update(
            state=State.PENDING, attempts=0, send_after=now, queued_at=now, claimed_at=None
        )
        _queue_sends_on_commit(ids)
    return len(ids)


def mail_cancel_pending(*, keys: Iterable[str]) -> int:
    """Delete the mails under `keys` that no worker has claimed yet (an invitation revoked
    or replaced before its mail went out: the link no longer works, and is not kept).
    A mail already claimed goes out; the caller's link check is what protects then."""
    deleted, _ = OutboxMail.objects.filter(key__in=list(keys), state=State.PENDING).delete()
    return deleted


def mail_cancel_pending_for(*, recipient_id: int, kinds: Iterable[str] | None = None) -> int:
    """Delete the unclaimed mails to an account (deactivated: it gets no more mail), or
    only those of `kinds` (that kind of mail turned off: a batch or a reminder held for the
    end of quiet hours must not arrive after the unsubscribe)."""
    pending = OutboxMail.objects.filter(recipient_id=recipient_id, state=State.PENDING)
    if kinds is not None:
        pending = pending.filter(kind__in=list(kinds))
    deleted, _ = pending.delete()
    return deleted


def mail_purge_old(*, now: datetime | None = None) -> int:
    """Delete sent and failed rows older than OUTBOX_RETENTION_DAYS. Pending and sending
    rows stay whatever their age: they are work still to do. A key is free again once its
    row is gone; keys carry their occurrence, so that re-sends nothing by itself."""
    cutoff = (now or timezone.now()) - timedelta(days=settings.OUTBOX_RETENTION_DAYS)
    deleted, _ = OutboxMail.objects.filter(
        state__in=[State.SENT, State.FAILED], created_at__lt=cutoff
    ).delete()
    return deleted


def _queue_sends_on_commit(mail_ids: list[int]) -> None:
    """After the commit, one send task per row on the `mail` queue (routed by name). Robust:
    a broker that is down fails no request; the sweep queues the row again later."""
    for mail_id in mail_ids:
        transaction.on_commit(_sender(mail_id), robust=True)


def _sender(mail_id: int) -> Callable[[], None]:
    # A named function: on_commit's log of a failure names the callback by __qualname__.
    def queue_send() -> None:
        _queue_send(mail_id)

    return queue_send


def _queue_send(mail_id: int) -> None:
    try:
        current_app.send_task(SEND_TASK, kwargs={"mail_id": mail_id})
    except Exception:
        # Not queued (the broker is down): the next sweep queues it, not OUTBOX_REQUEUE_SECONDS
        # later. Raised again for on_commit to log.
        OutboxMail.objects.filter(pk=mail_id, state=State.PENDING).update(queued_at=None)
        raise
