"""Passwords: a change by their owner, and the reset of a forgotten one by mailed link."""

from django.contrib.auth import password_validation
from django.contrib.auth.tokens import default_token_generator
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.encoding import force_str
from django.utils.http import urlsafe_base64_decode

from accounts import selectors
from accounts.login_limiter import account_failures_clear, log_failure, reserve_address_attempt
from accounts.mail_limits import account_mail_allowed
from accounts.models import User
from live.revocation import close_user_sockets_on_commit

from .account_mail import password_reset_mail_enqueue
from .tokens import user_refresh_tokens_revoke
from .verification import mark_email_verified

INVALID_RESET_LINK = "This password reset link is invalid or has already been used."


def _set_password(*, user: User, new_password: str, field: str) -> None:
    try:
        password_validation.validate_password(new_password, user=user)
    except ValidationError as exc:
        raise ValidationError({field: exc.messages}) from exc
    user.set_password(new_password)
    user.save(update_fields=["password"])
    # Access tokens die with the old password hash (CHECK_REVOKE_TOKEN); refresh tokens
    # are revoked here, so no credential issued before the change keeps working.
    user_refresh_tokens_revoke(user=user)
    # Open sockets were authenticated once, at the handshake: close them too.
    close_user_sockets_on_commit(user_id=user.pk)


def user_password_change(*, user: User, current_password: str, new_password: str) -> None:
    """Change the password; all the user's refresh and access tokens stop working."""
    with transaction.atomic():
        locked = User.objects.select_for_update().get(id=user.id)
        if not locked.check_password(current_password):
            raise ValidationError({"current_password": ["The current password is not correct."]})
        _set_password(user=locked, new_password=new_password, field="new_password")
    user.password = locked.password


def password_reset_request(*, email: str) -> None:
    """Write a reset mail to the outbox (sent after the commit) when an active account has
    this address; silent otherwise."""
    user = selectors.user_get_active_by_email(email=email)
    if user is None or not user.has_usable_password():
        return
    if not account_mail_allowed(address=user.email):
        return  # the caller still answers as if sent: no enumeration, no flood
    password_reset_mail_enqueue(user=user)


def password_reset_user(*, uidb64: str, token: str) -> User | None:
    """The user a reset link is for, if the link is still valid."""
    try:
        user_id = int(force_str(urlsafe_base64_decode(uidb64)))
    except (TypeError, ValueError, OverflowError):
        return None
    user = selectors.user_get_active(user_id=user_id)
    if user is None or not default_token_generator.check_token(user, token):
        return None
    return user


def password_reset_confirm(*, uidb64: str, token: str, new_password: str) -> User:
    """Set a new password from a reset link. The link works once (the token hashes the
    password), and every refresh and access token of the user stops working."""
    with transaction.atomic():
        user = password_reset_user(uidb64=uidb64, token=token)
        if user is not None:
            # Re-checked under a row lock: of two concurrent uses of one link, the second
            # sees the new password hash and fails.
            user = User.objects.select_for_update().get(id=user.id)
        if user is None or not default_token_generator.check_token(user, token):
            raise ValidationError({"token": [INVALID_RESET_LINK]})
        _set_password(user=user, new_password=new_password, field="new_password")
        # The link came by mail to this address: its owner reads it.
        mark_email_verified(user)
        # The owner proved control of the mailbox: the failed logins that locked the
        # account (perhaps an attacker's) stop counting against it.
        email = user.email
        transaction.on_commit(lambda: account_failures_clear(account=email))
    return user


def password_reset_confirm_counted(
    *, uidb64: str, token: str, new_password: str, client_address: str
) -> User:
    """password_reset_confirm through the failed-authentication limiter: a wrong token is a
    failure of this address (not of the account: that would let anyone block its owner's
    reset). Raises LoginThrottled, without checking the token, once the address is locked."""
    attempt = reserve_address_attempt(address=client_address, entry="password_reset_confirm")
    try:
        user = password_reset_confirm(uidb64=uidb64, token=token, new_password=new_password)
    except ValidationError as exc:
        if "token" in getattr(exc, "error_dict", {}):
            log_failure(entry="password_reset_confirm", address=client_address)
            raise  # the slot stays taken: a wrong token counts
        attempt.release()
        raise
    except BaseException:
        attempt.release()
        raise
    attempt.release()
    return user
