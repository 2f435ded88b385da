"""The reminder scan on beat (routed to the `reminders` queue by its name)."""

from dataclasses import asdict

from celery import shared_task
from django.utils import timezone

from . import services


@shared_task(name="reminders.scan")
def scan() -> dict[str, int]:
    return asdict(services.reminders_due(now=timezone.now()))
