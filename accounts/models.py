"""The user: email is the login."""

import datetime
import functools
import zoneinfo
from typing import Any, ClassVar

from django.contrib.auth.base_user import AbstractBaseUser, BaseUserManager
from django.contrib.auth.models import PermissionsMixin
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone as django_timezone
from django.utils.crypto import salted_hmac

SESSION_HASH_SALT = "django.contrib.auth.models.AbstractBaseUser.get_session_auth_hash"


@functools.cache
def available_timezones() -> frozenset[str]:
    """IANA zone names known to this machine (read once: it scans the tz database)."""
    return frozenset(zoneinfo.available_timezones())


def timezone_choices() -> list[tuple[str, str]]:
    return [(name, name) for name in sorted(available_timezones())]


def validate_timezone(value: str) -> None:
    # Checked at run time rather than through model choices: the set of zones changes
    # with each tzdata release, and choices baked into a migration would drift from it.
    if value not in available_timezones():
        raise ValidationError(
            "%(value)s is not a known time zone.", code="invalid_timezone", params={"value": value}
        )


class UserManager(BaseUserManager["User"]):
    # Django's createsuperuser and admin call these; application code uses services.
    def create_user(self, email: str, password: str | None = None, **fields: Any) -> "User":
        user = self.model(email=normalize_email(email), **fields)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **fields: Any) -> "User":
        # The operator typed the address on the server's command line: trusted as verified,
        # like an address a staff user ticks as verified in the admin.
        fields.update(is_staff=True, is_superuser=True)
        fields.setdefault("email_verified", True)
        return self.create_user(email, password, **fields)


def normalize_email(email: str) -> str:
    """Addresses are compared without regard to case, and stored lower-cased."""
    return email.strip().lower()


class User(AbstractBaseUser, PermissionsMixin):
    email = models.EmailField(max_length=254, unique=True)
    name = models.CharField(max_length=150, blank=True)
    timezone = models.CharField(max_length=64, default="UTC", validators=[validate_timezone])
    # Notification mail, per kind (issue 15; the rest of the mail settings, read only by
    # mail and reminders, are NotificationSettings). On the user row because the API's
    # `email_notifications` is derived from them and users/me/ answers from the row the
    # authentication read, in one query.
    email_mentions = models.BooleanField(default=True, db_default=True)
    email_assignments = models.BooleanField(default=True, db_default=True)
    email_due = models.BooleanField(default=True, db_default=True)
    # True once the owner of the account proved they read mail sent to `email` (the mailed
    # link, an invitation to that address, a password reset). Only such an account is
    # added to a board directly by its address; any other gets an invitation mailed there.
    email_verified = models.BooleanField(default=False, db_default=False)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=django_timezone.now)
    # Bumped by "sign out everywhere": sessions (get_session_auth_hash) and JWTs
    # (accounts.api.authentication) made under an older value are refused.
    auth_epoch = models.PositiveIntegerField(default=0, editable=False)

    objects: ClassVar[UserManager] = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: ClassVar[list[str]] = ["name"]

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self) -> str:
        return self.email

    @property
    def email_notifications(self) -> bool:
        """docs/api.md's `email_notifications`, kept for the clients written against it. Issue
        15 split it into one switch per kind of mail: it reads true while any of them is on
        (accounts.services.user_update says how it is written)."""
        return self.email_mentions or self.email_assignments or self.email_due

    def get_full_name(self) -> str:
        return self.name or self.email

    def get_short_name(self) -> str:
        return self.name or self.email

    def _get_session_auth_hash(self, secret: str | None = None) -> str:
        # Django's hash of the password, with the epoch in it once there is one: epoch 0
        # hashes exactly as Django does (sessions made before the field existed stay
        # valid), every later epoch gives every older session a hash it no longer matches.
        # Django's get_session_auth_hash and its SECRET_KEY_FALLBACKS variant both come here.
        value = self.password if not self.auth_epoch else f"{self.password}:{self.auth_epoch}"
        return salted_hmac(SESSION_HASH_SALT, value, secret=secret, algorithm="sha256").hexdigest()


class RefreshTokenLink(models.Model):
    """Which login (family) a refresh token descends from, and which token it replaced.

    Rotation hands out a new refresh token and blacklists the old one; the new token carries
    the family in its `fam` claim (the jti of the login's first token). When a rotated token
    comes back, someone holds a copy of it, so every token of its family is revoked
    (accounts.services.token_pair_refresh). Rows go with their OutstandingToken
    (`flushexpiredtokens`).
    """

    token = models.OneToOneField(
        "token_blacklist.OutstandingToken",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="family_link",
    )
    family = models.CharField(max_length=255, db_index=True)
    # The jti of the token this one replaced; "" for the first token of a login.
    parent_jti = models.CharField(max_length=255, blank=True, db_index=True)

    def __str__(self) -> str:
        return f"{self.family} <- {self.parent_jti or 'login'}"


class Digest(models.TextChoices):
    OFF = "off", "Off"
    DAILY = "daily", "Daily"


DEFAULT_REMINDER_OFFSETS_MINUTES = (1440, 60)
DEFAULT_QUIET_HOURS_START = datetime.time(22, 0)
DEFAULT_QUIET_HOURS_END = datetime.time(7, 0)


def default_reminder_offsets() -> list[int]:
    return list(DEFAULT_REMINDER_OFFSETS_MINUTES)


class NotificationSettings(models.Model):
    """When reminders and digests reach a user (users/me/notifications/ in the API, with
    the on/off switches of User). Its own table rather than columns on User: every
    authenticated request reads the user row (through a compiled read that takes columns
    as the cursor returns them, raw text for JSON), only mail and reminders read these. A
    user without a row has the defaults (rows are written on the first change:
    accounts.services.notification_settings_update), so no backfill is needed. The values
    are checked by the service; the constraint keeps the two ends of the quiet hours
    together and apart."""

    user = models.OneToOneField(
        User, on_delete=models.CASCADE, primary_key=True, related_name="notification_settings"
    )
    # Minutes before a task's due_at; a JSON list rather than an array column, which the
    # SQLite lane doesn't have.
    reminder_offsets_minutes = models.JSONField(default=default_reminder_offsets)
    digest = models.CharField(max_length=8, choices=Digest.choices, default=Digest.OFF)
    # In the user's own time zone (User.timezone); both null: no quiet hours.
    quiet_hours_start = models.TimeField(null=True, blank=True, default=DEFAULT_QUIET_HOURS_START)
    quiet_hours_end = models.TimeField(null=True, blank=True, default=DEFAULT_QUIET_HOURS_END)

    class Meta:
        verbose_name_plural = "notification settings"
        constraints = [
            models.CheckConstraint(
                condition=(
                    models.Q(quiet_hours_start__isnull=True, quiet_hours_end__isnull=True)
                    | (
                        models.Q(quiet_hours_start__isnull=False, quiet_hours_end__isnull=False)
                        & ~models.Q(quiet_hours_start=models.F("quiet_hours_end"))
                    )
                ),
                name="accounts_quiet_hours_both_or_none",
            ),
        ]

    def __str__(self) -> str:
        return f"notification settings of {self.user_id}"
