"""Registration and login: a new account, and the user a pair of credentials belongs to."""

from django.contrib.auth import authenticate, password_validation
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction

from accounts import selectors
from accounts.login_limiter import log_failure, reserve_login_attempt
from accounts.mail_limits import account_mail_allowed
from accounts.models import User, normalize_email, validate_timezone
from taskboard.metrics import count_on_commit
from taskboard.metrics.families import logins, registrations

from .account_mail import welcome_mail_enqueue


class InvalidCredentials(Exception):
    """No active account with this email and password."""


def user_register(*, email: str, password: str, name: str, timezone: str = "UTC") -> User:
    """Create an account and write the welcome mail to the outbox (sent once the
    transaction commits)."""
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
        if account_mail_allowed(address=email):
            welcome_mail_enqueue(user=user)
        count_on_commit(registrations)
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
    logins.inc()
    return user
