"""Reads of the outbox."""

from collections.abc import Collection
from datetime import datetime

from django.db.models import Count, Q

from .models import OutboxMail


def mail_ids_to_queue(*, now: datetime, requeue_before: datetime, limit: int) -> list[int]:
    """Pending rows that are due and have no send task in flight: none was queued (a
    delayed mail, a retry) or the one queued before `requeue_before` never ran."""
    return list(
        OutboxMail.objects.filter(state=OutboxMail.State.PENDING, send_after__lte=now)
        .filter(Q(queued_at__isnull=True) | Q(queued_at__lt=requeue_before))
        .order_by("send_after", "id")
        .values_list("id", flat=True)[:limit]
    )


def mail_by_key(*, key: str) -> OutboxMail | None:
    return OutboxMail.objects.filter(key=key).first()


def pending_keys_locked(*, kind: str, recipient_ids: Collection[int]) -> dict[int, str]:
    """{recipient id: key} of each recipient's newest pending mail of `kind`, its row locked
    until the caller's transaction ends (FOR UPDATE; SQLite's one writer serializes instead).
    Batching: a merge renders the batch from what is committed, so two writes folding into
    one batch take turns; a row a worker claimed meanwhile is no longer pending and is left
    out (PostgreSQL re-checks the filter after the wait), and the caller starts a new one."""
    rows = (
        OutboxMail.objects.select_for_update()
        .filter(kind=kind, recipient_id__in=list(recipient_ids), state=OutboxMail.State.PENDING)
        .order_by("id")
        .values_list("recipient_id", "key")
    )
    return {recipient_id: key for recipient_id, key in rows if recipient_id is not None}


# The states counted at every scrape of /metrics: the open ones (outbox_open_idx) and the
# failed (outbox_failed_idx). Sent rows, most of the table, would cost a scan.
COUNTED_STATES = (OutboxMail.State.PENDING, OutboxMail.State.SENDING, OutboxMail.State.FAILED)


def mail_counts_by_state() -> dict[str, int]:
    """Rows per state, for the states in COUNTED_STATES (0 for a state with none)."""
    counts = dict.fromkeys((str(state) for state in COUNTED_STATES), 0)
    rows = (
        OutboxMail.objects.filter(state__in=COUNTED_STATES)
        .order_by()
        .values_list("state")
        .annotate(rows=Count("id"))
    )
    for state, rows_in_state in rows:
        counts[str(state)] = rows_in_state
    return counts
