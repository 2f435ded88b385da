"""The reminder scan on beat (routed to the `reminders` queue by its name)."""

from dataclasses import asdict
from datetime import datetime

from celery import shared_task
from django.utils import timezone

from . import digests, services


@shared_task(name="reminders.scan")
def scan(*, after: list[object] | None = None) -> dict[str, object]:
    """Beat queues it without arguments; a scan that ran out of its time budget queues its
    continuation with `after` (the last task it read: due_at ISO, id)."""
    resume = (datetime.fromisoformat(str(after[0])), int(str(after[1]))) if after else None
    result = services.reminders_scan(now=timezone.now(), after=resume)
    if result.resume_after is not None:
        due_at, task_id = result.resume_after
        scan.apply_async(kwargs={"after": [due_at.isoformat(), task_id]})
    continued = result.resume_after is not None
    return {
        "reminded": result.reminded,
        "mailed": result.mailed,
        "cancelled": result.cancelled,
        "continued": continued,
    }


@shared_task(name="reminders.digest")
def digest() -> dict[str, int]:
    return asdict(digests.digests_send(now=timezone.now()))


@shared_task(name="reminders.purge_digest_records")
def purge_digest_records() -> int:
    return digests.digest_records_purge(now=timezone.now())
