"""The reminder scan on beat (routed to the `reminders` queue by its name)."""

from dataclasses import asdict

from celery import shared_task
from django.utils import timezone

from . import digests, services


@shared_task(name="reminders.scan")
def scan() -> dict[str, int]:
    return asdict(services.reminders_due(now=timezone.now()))


@shared_task(name="reminders.digest")
def digest() -> dict[str, int]:
    return asdict(digests.digests_send(now=timezone.now()))


@shared_task(name="reminders.purge_digest_records")
def purge_digest_records() -> int:
    return digests.digest_records_purge(now=timezone.now())
