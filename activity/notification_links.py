"""The link that opens a notification's card and marks the notification read.

A GET, so that it stays a plain link (open in a new tab, copy); signed for its user with the
SECRET_KEY, so that another site can't make a signed-in browser mark notifications read by
embedding the URL (a GET carries no CSRF token). The target is the notification's card, or
its board, read from the row: the link can't redirect anywhere else.
"""

from django.core import signing
from django.urls import reverse
from django.utils.crypto import constant_time_compare

from .models import Notification

_SIGNER = signing.Signer(salt="activity.notification-open")


def _value(*, user_id: int, notification_id: int) -> str:
    return f"{user_id}:{notification_id}"


def notification_open_url(notification: Notification) -> str:
    signature = _SIGNER.signature(_value(user_id=notification.user_id, notification_id=notification.pk))
    return reverse("activity:notification_open", args=[notification.pk]) + f"?s={signature}"


def notification_link_valid(*, user_id: int, notification_id: int, signature: str) -> bool:
    expected = _SIGNER.signature(_value(user_id=user_id, notification_id=notification_id))
    return constant_time_compare(expected, signature)
