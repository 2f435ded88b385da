"""Email verification: the mailed link, its use, and a fresh one on request."""

from django.core.exceptions import ValidationError
from django.db import transaction

from accounts import email_verification
from accounts.mail_limits import reserve_account_mail
from accounts.models import User, normalize_email

from .account_mail import verification_mail_enqueue

INVALID_VERIFICATION_LINK = "This verification link is invalid."
EXPIRED_VERIFICATION_LINK = "This verification link has expired. Ask for a new one from your profile."
USED_VERIFICATION_LINK = "This verification link has already been used."
ALREADY_VERIFIED = "Your email address is already verified."


def mark_email_verified(user: User) -> bool:
    """Mark the (row-locked or freshly read) user verified; False when already so."""
    if user.email_verified:
        return False
    user.email_verified = True
    user.save(update_fields=["email_verified"])
    return True


def user_email_verified_by_mail(*, user: User, email: str) -> bool:
    """Record that `user` received mail at `email` (an invitation accepted through its
    link, say); verified only when that is the account's own address."""
    if user.email_verified or normalize_email(email) != user.email:
        return False
    with transaction.atomic():
        locked = User.objects.select_for_update().get(id=user.id)
        changed = locked.email == user.email and mark_email_verified(locked)
    if changed:
        user.email_verified = True
    return changed


def email_verify(*, token: str) -> User:
    """Verify the address a mailed link was made for. The link works once, until
    EMAIL_VERIFICATION_TIMEOUT, for that account and address only; any other use is a
    ValidationError on `token` and changes nothing."""
    try:
        user_id, email = email_verification.read_token(token)
    except email_verification.ExpiredToken as exc:
        raise ValidationError({"token": [EXPIRED_VERIFICATION_LINK]}) from exc
    except email_verification.InvalidToken as exc:
        raise ValidationError({"token": [INVALID_VERIFICATION_LINK]}) from exc
    with transaction.atomic():
        # Locked: of two concurrent uses of one link, the second sees it used.
        user = User.objects.select_for_update().filter(id=user_id, is_active=True).first()
        if user is None or user.email != email:
            raise ValidationError({"token": [INVALID_VERIFICATION_LINK]})
        if not mark_email_verified(user):
            raise ValidationError({"token": [USED_VERIFICATION_LINK]})
    return user


def email_verification_resend(*, user: User) -> None:
    """Mail the caller a fresh verification link. ValidationError when already verified;
    accounts.mail_limits.MailLimitReached when their address has had its share of mail."""
    if user.email_verified:
        raise ValidationError(ALREADY_VERIFIED)
    reserve_account_mail(address=user.email)
    verification_mail_enqueue(user=user)
