"""Reads of the outbox."""

from datetime import datetime

from django.db.models import Q

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
