"""Beat's housekeeping for boards (taskboard/settings/celery.py schedules it)."""

from datetime import timedelta

from celery import shared_task
from django.conf import settings
from django.utils import timezone

from .models import Invitation


def expired_invitations_delete() -> int:
    """Delete invitations never accepted and expired more than INVITATION_RETENTION_DAYS ago.
    Until then an expired link still says "expired" rather than "not found"."""
    cutoff = timezone.now() - timedelta(days=settings.INVITATION_RETENTION_DAYS)
    deleted, _ = Invitation.objects.filter(accepted_at__isnull=True, expires_at__lt=cutoff).delete()
    return deleted


@shared_task(name="boards.delete_expired_invitations")
def delete_expired_invitations() -> int:
    return expired_invitations_delete()
