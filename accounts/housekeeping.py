"""Beat's housekeeping for accounts (taskboard/settings/celery.py schedules it)."""

from celery import shared_task
from django.core.management import call_command


@shared_task(name="accounts.flush_expired_tokens")
def flush_expired_tokens() -> None:
    """Expired refresh tokens (outstanding, and blacklisted with them) are dead weight:
    simplejwt's own flush deletes them."""
    call_command("flushexpiredtokens", verbosity=0)
