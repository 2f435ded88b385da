"""Writes on accounts: registration, login, JWT pairs, passwords, profile, account mail.

The API views, the HTML pages and the Celery tasks all come through here.
"""

import logging
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import authenticate, password_validation
from django.contrib.auth.tokens import default_token_generator
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.mail import EmailMultiAlternatives
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import F
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone as django_timezone
from django.utils.encoding import force_bytes, force_str
from django.utils.http import urlsafe_base64_decode, urlsafe_base64_encode
from rest_framework_simplejwt.exceptions import TokenError
from rest_framework_simplejwt.settings import api_settings as jwt_settings
from rest_framework_simplejwt.token_blacklist.models import BlacklistedToken, OutstandingToken
from rest_framework_simplejwt.tokens import RefreshToken
from rest_framework_simplejwt.utils import get_md5_hash_password

from accounts.login_limiter import (
    account_failures_clear,
    log_failure,
    reserve_address_attempt,
    reserve_login_attempt,
    security_log,
)
from live.revocation import close_session_sockets_on_commit, close_user_sockets_on_commit

from . import email_verification, selectors, tasks
from .credentials import AUTH_EPOCH_CLAIM, token_epoch_matches
from .mail_limits import MailLimitReached, reserve_account_mail
from .models import RefreshTokenLink, User, normalize_email, validate_timezone

logger = logging.getLogger(__name__)

INVALID_RESET_LINK = "This password reset link is invalid or has already been used."
WELCOME_SENT_MARKER_SECONDS = 7 * 24 * 60 * 60


class InvalidCredentials(Exception):
    """No active account with this email and password."""


@dataclass(frozen=True)
class TokenPair:
    access: str
    refresh: str


# --- registration and login -------------------------------------------------------------


def user_register(*, email: str, password: str, name: str, timezone: str = "UTC") -> User:
    """Create an account and queue the welcome mail (sent once the transaction commits)."""
    email = normalize_email(email)
    name = name.strip()
    errors: dict[str, list[str]] = {}
    try:
        validate_email(email)
    except ValidationError as exc:
        errors["email"] = exc.messages
    if not name:
        errors["name"] = ["This field may not be blank."]
    try:
        validate_timezone(timezone)
    except ValidationError as exc:
        errors["timezone"] = exc.messages
    user = User(email=email, name=name, timezone=timezone)
    try:
        password_validation.validate_password(password, user=user)
    except ValidationError as exc:
        errors["password"] = exc.messages
    if "email" not in errors and selectors.user_email_taken(email=email):
        errors["email"] = ["An account with this email address already exists."]
    if errors:
        raise ValidationError(errors)

    user.set_password(password)
    with transaction.atomic():
        try:
            # A savepoint: a concurrent registration of the same address loses here
            # (the case-insensitive unique constraint) without breaking an outer atomic.
            with transaction.atomic():
                user.save()
        except IntegrityError as exc:
            raise ValidationError({"email": ["An account with this email address already exists."]}) from exc
        user_id = user.id
        if _account_mail_allowed(address=email):
            transaction.on_commit(lambda: tasks.send_welcome_email.delay(user_id=user_id))
    return user


def user_authenticate(*, email: str, password: str, client_address: str, entry: str = "login") -> User:
    """The user with these credentials, counted by the failed-login limiter.

    Raises accounts.login_limiter.LoginThrottled (before the password is looked at) when
    this address or account has used up its failures, InvalidCredentials otherwise.
    `entry` names the way in (api_token, page_login, admin_login) in the security log.
    """
    email = normalize_email(email)
    attempt = reserve_login_attempt(address=client_address, account=email, entry=entry)
    try:
        user = authenticate(request=None, email=email, password=password)
    except BaseException:
        attempt.release()  # not a failed login, an error: don't count it
        raise
    if user is None:
        log_failure(entry=entry, address=client_address, account=email)
        raise InvalidCredentials()  # the slot stays taken: this failure counts
    attempt.release()
    assert isinstance(user, User)
    return user


# --- JWT ------------------------------------------------------------------------------


# The claim naming a refresh token's family: the jti of its login's first refresh token
# (absent on that first token itself). Access tokens don't carry it.
FAMILY_CLAIM = "fam"


class FamilyRefreshToken(RefreshToken):
    """A refresh token whose blacklist check is left to token_pair_refresh, which must tell
    a replayed rotated token (revoke its family) from a fresh one; everything else (the
    signature, expiry, type) is checked when it is read, as usual."""

    # simplejwt types the tuple by its exact length; any claim names are fine here.
    no_copy_claims = (*RefreshToken.no_copy_claims, FAMILY_CLAIM)  # type: ignore[assignment]

    def check_blacklist(self) -> None:
        pass


class AlreadyBlacklisted(TokenError):
    """The refresh token was used before (rotated or revoked)."""


def _family_of(token: RefreshToken) -> str:
    return str(token.get(FAMILY_CLAIM) or token[jwt_settings.JTI_CLAIM])


def token_pair_issue(*, user: User) -> TokenPair:
    """A new access + refresh pair; the refresh token is recorded as outstanding and starts
    a family (the tokens that rotation will derive from it)."""
    with transaction.atomic():
        refresh = RefreshToken.for_user(user)
        # Copied into the access token; "sign out everywhere" bumps the user's epoch.
        refresh[AUTH_EPOCH_CLAIM] = user.auth_epoch
        jti = refresh[jwt_settings.JTI_CLAIM]
        RefreshTokenLink.objects.create(token=OutstandingToken.objects.only("id").get(jti=jti), family=jti)
        return TokenPair(access=str(refresh.access_token), refresh=str(refresh))


def _blacklist_once(token: RefreshToken) -> None:
    """Blacklist `token`; AlreadyBlacklisted if it already was (someone else used it first).

    The blacklist row is unique per token, so of two concurrent uses exactly one creates it.
    """
    token.outstand()  # normally a no-op: every token we issue is recorded when issued
    outstanding = OutstandingToken.objects.get(jti=token[jwt_settings.JTI_CLAIM])
    _, created = BlacklistedToken.objects.get_or_create(token=outstanding)
    if not created:
        raise AlreadyBlacklisted("Token is blacklisted")


def _family_revoke_on_replay(token: RefreshToken) -> None:
    """A refresh token that was rotated came back: a copy of it is in someone else's hands
    (or the client retried a rotation it had already done). Which of the two holders is the
    owner can't be told, so the whole family stops working (OWASP); the owner logs in again.
    A token revoked by logout or a password change has no descendants to revoke."""
    jti = token[jwt_settings.JTI_CLAIM]
    if not RefreshTokenLink.objects.filter(parent_jti=jti).exists():
        return
    family = _family_of(token)
    with transaction.atomic():
        live = OutstandingToken.objects.filter(family_link__family=family, blacklistedtoken__isnull=True)
        rows = [BlacklistedToken(token=outstanding) for outstanding in live]
        BlacklistedToken.objects.bulk_create(rows, ignore_conflicts=True)
    security_log.warning(
        "Refresh token replayed: family revoked: user=%s family=%s live_tokens_revoked=%s",
        token.get(jwt_settings.USER_ID_CLAIM),
        family,
        len(rows),
    )


def _token_user(token: RefreshToken) -> User:
    user = selectors.user_get_active(user_id=token.get(jwt_settings.USER_ID_CLAIM))
    if user is None:
        raise TokenError("No active account found for the given token.")
    # Tokens carry a hash of the password they were issued under: one made before a
    # password change (even one rotated concurrently with the change) is refused.
    if token.get(jwt_settings.REVOKE_TOKEN_CLAIM) != get_md5_hash_password(user.password):
        raise TokenError("The user's password has been changed.")
    if not token_epoch_matches(claims=token, user=user):
        raise TokenError("The user has signed out everywhere.")
    return user


def token_pair_refresh(*, refresh: str) -> TokenPair:
    """Rotate: a new pair for a valid refresh token, which is blacklisted (works once).

    The new token is of the same family; replaying a token that was already rotated
    revokes the whole family (`_family_revoke_on_replay`) and is refused."""
    token = FamilyRefreshToken(refresh)  # type: ignore[arg-type]  # verifies signature, expiry
    try:
        with transaction.atomic():
            _blacklist_once(token)
            _token_user(token)
            parent_jti = token[jwt_settings.JTI_CLAIM]
            token[FAMILY_CLAIM] = _family_of(token)
            token.set_jti()
            token.set_exp()
            token.set_iat()
            outstanding, _ = token.outstand()  # type: ignore[misc]  # simplejwt returns get_or_create's pair
            RefreshTokenLink.objects.create(
                token=outstanding, family=token[FAMILY_CLAIM], parent_jti=parent_jti
            )
            return TokenPair(access=str(token.access_token), refresh=str(token))
    except AlreadyBlacklisted:
        # After the refusal's transaction: the revocation must commit although we refuse.
        _family_revoke_on_replay(token)
        raise


def refresh_token_revoke(*, refresh: str) -> None:
    """Log out: this refresh token stops working."""
    with transaction.atomic():
        token = RefreshToken(refresh)  # type: ignore[arg-type]
        _blacklist_once(token)


def user_refresh_tokens_revoke(*, user: User) -> int:
    """Blacklist every unexpired refresh token of the user; how many were still live."""
    with transaction.atomic():
        live = OutstandingToken.objects.filter(
            user=user, expires_at__gt=django_timezone.now(), blacklistedtoken__isnull=True
        )
        rows = [BlacklistedToken(token=token) for token in live]
        BlacklistedToken.objects.bulk_create(rows, ignore_conflicts=True)
        return len(rows)


def user_logout_everywhere(*, user: User) -> None:
    """Sign out everywhere: every refresh token is revoked, every session and access token
    made before stops working (the user's auth_epoch is in both), and every live socket of
    the user closes."""
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(auth_epoch=F("auth_epoch") + 1)
        user.refresh_from_db(fields=["auth_epoch"])
        user_refresh_tokens_revoke(user=user)
        close_user_sockets_on_commit(user_id=user.pk)


def session_sockets_close(*, session_key: str) -> None:
    """A logged-out session: the sockets it opened close (the other sessions' stay)."""
    close_session_sockets_on_commit(session_key=session_key)


# --- deactivation and deletion (the admin) ------------------------------------------------


def user_deactivate(*, user: User) -> None:
    """The account can't sign in any more; its refresh tokens are revoked and its live
    sockets close (sessions and access tokens are refused as the user is inactive)."""
    with transaction.atomic():
        User.objects.filter(pk=user.pk).update(is_active=False)
        user.is_active = False
        user_refresh_tokens_revoke(user=user)
        close_user_sockets_on_commit(user_id=user.pk)


def user_delete(*, user: User) -> None:
    """Delete the account; its live sockets close once the deletion commits."""
    with transaction.atomic():
        # The id is gone from the instance after delete(): the message keeps its own copy.
        close_user_sockets_on_commit(user_id=user.pk)
        user.delete()


# --- passwords --------------------------------------------------------------------------


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
    """Queue a reset mail when an active account has this address; silent otherwise."""
    user = selectors.user_get_active_by_email(email=email)
    if user is None or not user.has_usable_password():
        return
    if not _account_mail_allowed(address=user.email):
        return  # the caller still answers as if sent: no enumeration, no flood
    user_id = user.id
    transaction.on_commit(lambda: tasks.send_password_reset_email.delay(user_id=user_id))


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
        _mark_email_verified(user)
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


def password_reset_link(*, user: User) -> str:
    uidb64 = urlsafe_base64_encode(force_bytes(user.pk))
    token = default_token_generator.make_token(user)
    path = reverse("accounts:password_reset_confirm", kwargs={"uidb64": uidb64, "token": token})
    return f"{settings.SITE_URL}{path}"


# --- profile ---------------------------------------------------------------------------

_UNSET = object()


def user_update(
    *,
    user: User,
    name: str | object = _UNSET,
    timezone: str | object = _UNSET,
    email_notifications: bool | object = _UNSET,
) -> User:
    """Change the profile fields given; nothing changes if any of them is invalid."""
    changes: dict[str, object] = {}
    errors: dict[str, list[str]] = {}
    if name is not _UNSET:
        assert isinstance(name, str)
        changes["name"] = name.strip()
        if not changes["name"]:
            errors["name"] = ["This field may not be blank."]
    if timezone is not _UNSET:
        assert isinstance(timezone, str)
        try:
            validate_timezone(timezone)
        except ValidationError as exc:
            errors["timezone"] = exc.messages
        changes["timezone"] = timezone
    if email_notifications is not _UNSET:
        changes["email_notifications"] = bool(email_notifications)
    if errors:
        raise ValidationError(errors)
    if changes:
        with transaction.atomic():
            for field_name, value in changes.items():
                setattr(user, field_name, value)
            user.save(update_fields=list(changes))
            if "name" in changes:
                _touch_boards_of(user)
    return user


def _touch_boards_of(user: User) -> None:
    """Board payloads show members' names and are cached by board version: a rename
    bumps the version of every board the user is on, so no cached read keeps the old name."""
    from boards.models import Board  # boards builds on accounts, not the other way round

    Board.objects.filter(memberships__user=user).update(version=F("version") + 1)


# --- mail (run by the Celery tasks) -----------------------------------------------------


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
            context.update(verify_url=email_verification_link(user=user), valid_days=_verification_days())
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


# --- email verification -----------------------------------------------------------------

INVALID_VERIFICATION_LINK = "This verification link is invalid."
EXPIRED_VERIFICATION_LINK = "This verification link has expired. Ask for a new one from your profile."
USED_VERIFICATION_LINK = "This verification link has already been used."
ALREADY_VERIFIED = "Your email address is already verified."


def _account_mail_allowed(*, address: str) -> bool:
    """Take a slot of the per-recipient cap for a mail about to be queued; False when the
    address has had its share (the mail is then not sent)."""
    try:
        reserve_account_mail(address=address)
    except MailLimitReached:
        logger.info("Account mail not sent: the recipient is at its hourly limit.")
        return False
    return True


def _mark_email_verified(user: User) -> bool:
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
        changed = locked.email == user.email and _mark_email_verified(locked)
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
        if not _mark_email_verified(user):
            raise ValidationError({"token": [USED_VERIFICATION_LINK]})
    return user


def email_verification_resend(*, user: User) -> None:
    """Mail the caller a fresh verification link. ValidationError when already verified;
    accounts.mail_limits.MailLimitReached when their address has had its share of mail."""
    if user.email_verified:
        raise ValidationError(ALREADY_VERIFIED)
    reserve_account_mail(address=user.email)
    user_id = user.id
    transaction.on_commit(lambda: tasks.send_verification_email.delay(user_id=user_id))


def email_verification_link(*, user: User) -> str:
    token = email_verification.make_token(user=user)
    return f"{settings.SITE_URL}{reverse('accounts:verify_email', kwargs={'token': token})}"


def _verification_days() -> int:
    return max(1, settings.EMAIL_VERIFICATION_TIMEOUT // (24 * 60 * 60))


def verification_email_send(*, user_id: int) -> bool:
    """Mail a fresh verification link; False when the account is gone or already verified."""
    user = selectors.user_get_active(user_id=user_id)
    if user is None or user.email_verified:
        return False
    _send(
        user=user,
        template="verify_email",
        context={"verify_url": email_verification_link(user=user), "valid_days": _verification_days()},
    )
    return True
