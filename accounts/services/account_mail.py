"""The account mails (welcome, password reset, verification): rendered and written to the
outbox in the transaction that causes them; the outbox's worker task sends them.

Keys (outbox/models.py): kind + account + occurrence. The welcome is one per account
(`welcome:user:<id>`): the outbox's unique key is what sends it once, where a cache marker
that failed open used to. A reset or verification mail is one per request (a random nonce):
a second request sends a second mail, a task run twice sends one. Each mail with a link is
`sensitive`: the outbox blanks its body once sent or failed and the admin never shows it.
"""

import secrets

from django.conf import settings
from django.contrib.auth.tokens import default_token_generator
from django.urls import reverse
from django.utils.encoding import force_bytes
from django.utils.http import urlsafe_base64_encode

from accounts import email_verification
from accounts.models import User
from outbox.rendering import mail_render
from outbox.services import mail_enqueue


def password_reset_link(*, user: User) -> str:
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("accounts:password_reset_confirm", kwargs={"uidb64": uidb64, "token": token})
    return f"{settings.SITE_URL}{path}"


def email_verification_link(*, user: User) -> str:
    token = email_verification.make_token(user=user)
    return f"{settings.SITE_URL}{reverse('accounts:verify_email', kwargs={'token': token})}"


def verification_days() -> int:
    """How long a verification link works, in whole days (at least one), for the mails."""
    return max(1, settings.EMAIL_VERIFICATION_TIMEOUT // (24 * 60 * 60))


def _enqueue(
    *, user: User, kind: str, template: str, key: str, context: dict[str, object], sensitive: bool
) -> None:
    mail = mail_render(
        template=f"accounts/email/{template}",
        context={"user": user, "site_url": settings.SITE_URL, **context},
    )
    mail_enqueue(
        key=key,
        kind=kind,
        to_address=user.email,
        subject=mail.subject,
        text=mail.text,
        html=mail.html,
        recipient_id=user.pk,
        sensitive=sensitive,
    )


def _occurrence() -> str:
    # Not the token (keys are shown in the admin): a nonce naming this one request.
    return secrets.token_hex(8)


def welcome_mail_enqueue(*, user: User) -> None:
    """The welcome mail, once per account; with the verification link while unverified
    (one mail on registration)."""
    context: dict[str, object] = {"login_url": f"{settings.SITE_URL}/accounts/login/"}
    if not user.email_verified:
        context.update(verify_url=email_verification_link(user=user), valid_days=verification_days())
    _enqueue(
        user=user,
        kind="welcome",
        template="welcome",
        key=f"welcome:user:{user.pk}",
        context=context,
        sensitive=not user.email_verified,
    )


def password_reset_mail_enqueue(*, user: User) -> None:
    """A fresh reset link, one mail per request."""
    hours = max(1, settings.PASSWORD_RESET_TIMEOUT // 3600)
    _enqueue(
        user=user,
        kind="password_reset",
        template="password_reset",
        key=f"password_reset:user:{user.pk}:{_occurrence()}",
        context={"reset_url": password_reset_link(user=user), "valid_hours": hours},
        sensitive=True,
    )


def verification_mail_enqueue(*, user: User) -> None:
    """A fresh verification link, one mail per request."""
    _enqueue(
        user=user,
        kind="verification",
        template="verify_email",
        key=f"verification:user:{user.pk}:{_occurrence()}",
        context={"verify_url": email_verification_link(user=user), "valid_days": verification_days()},
        sensitive=True,
    )
