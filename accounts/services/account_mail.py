"""The account mails (welcome, password reset, verification), sent by the Celery tasks."""

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string

from accounts import selectors
from accounts.models import User

from .passwords import password_reset_link
from .verification import email_verification_link, verification_days

WELCOME_SENT_MARKER_SECONDS = 7 * 24 * 60 * 60


def _send(*, user: User, template: str, context: dict[str, object]) -> None:
    context = {"user": user, "site_url": settings.SITE_URL, **context}
    subject = " ".join(render_to_string(f"accounts/email/{template}_subject.txt", context).split())
    message = EmailMultiAlternatives(
        subject=subject,
        body=render_to_string(f"accounts/email/{template}.txt", context),
        to=[user.email],
    )
    message.attach_alternative(render_to_string(f"accounts/email/{template}.html", context), "text/html")
    message.send()


def welcome_email_send(*, user_id: int) -> bool:
    """Send the welcome mail once per account; False when there was nothing to send."""
    user = selectors.user_get_active(user_id=user_id)
    if user is None:
        return False
    marker = f"accounts:welcome-sent:{user_id}"
    # A redelivered task (acks_late) must not greet twice. None means the cache is down:
    # send anyway, a rare duplicate beats a lost welcome.
    if cache.add(marker, 1, timeout=WELCOME_SENT_MARKER_SECONDS) is False:
        return False
    try:
        context: dict[str, object] = {"login_url": f"{settings.SITE_URL}/accounts/login/"}
        if not user.email_verified:
            # One mail on registration: the welcome carries the verification link.
            context.update(verify_url=email_verification_link(user=user), valid_days=verification_days())
        _send(user=user, template="welcome", context=context)
    except BaseException:
        cache.delete(marker)  # not sent: a retry must try again
        raise
    return True


def password_reset_email_send(*, user_id: int) -> bool:
    """Mail a fresh reset link; False when the account is gone or can't reset."""
    user = selectors.user_get_active(user_id=user_id)
    if user is None or not user.has_usable_password():
        return False
    hours = max(1, settings.PASSWORD_RESET_TIMEOUT // 3600)
    _send(
        user=user,
        template="password_reset",
        context={"reset_url": password_reset_link(user=user), "valid_hours": hours},
    )
    return True


def verification_email_send(*, user_id: int) -> bool:
    """Mail a fresh verification link; False when the account is gone or already verified."""
    user = selectors.user_get_active(user_id=user_id)
    if user is None or user.email_verified:
        return False
    _send(
        user=user,
        template="verify_email",
        context={"verify_url": email_verification_link(user=user), "valid_days": verification_days()},
    )
    return True
