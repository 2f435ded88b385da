"""The failed-authentication limiter and the real client address.

docs/api.md: failed logins are throttled per account (LOGIN_FAILURE_LIMIT in
LOGIN_FAILURE_WINDOW_SECONDS) and, much more loosely, per address
(LOGIN_ADDRESS_FAILURE_LIMIT in the same window: one office behind NAT shares an address),
then 429 with Retry-After. Every way in counts here (docs/security.md "Login and request
limits"): the API token view, the login page and the admin login through
`accounts.services.user_authenticate`; password-reset confirmations and WebSocket ticket
requests per address only (`reserve_address_attempt`): a guessed reset token or access token
names no account to lock, and locking the account there would let anyone block its owner's
reset. It uses plain strings and the cache, nothing of DRF, so pages can use it too.

How it counts: before the password is checked, the attempt reserves one slot on each key
with `cache.add(key, 0)` + `cache.incr(key)`; both are atomic in Redis (INCRBY in a Lua
script in django-redis) and under a lock in local memory. An attempt whose count passes
the limit is refused without looking at the password, so any number of parallel attempts
can't get more than the limit checked. A successful login, and a refused attempt, give
their slot back: only failures keep counting. The window is fixed, from the key's first
use.
"""

import contextlib
import hashlib
import logging
from dataclasses import dataclass, field

from django.conf import settings
from django.core.cache import cache

from taskboard.metrics.families import lockouts, login_failures

logger = logging.getLogger(__name__)
# Security events (failures, lockouts) at WARNING; never a password, token or raw email.
security_log = logging.getLogger("taskboard.security")


class LoginThrottled(Exception):
    """Too many failed logins for this address or account; try again in `retry_after` s."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Too many failed logins. Try again in {retry_after} seconds.")
        self.retry_after = retry_after


def account_label(account: str) -> str:
    """How an account appears in log lines: a short hash of its normalized email. A raw
    email would put personal data in the logs, and people type passwords into it."""
    return hashlib.sha256(account.encode()).hexdigest()[:12]


@dataclass
class LoginAttempt:
    """The slots one login attempt holds; `release()` gives them back (not a failure)."""

    keys: list[str] = field(default_factory=list)

    def release(self) -> None:
        for key in self.keys:
            # ValueError: the window ended meanwhile, nothing left to give back.
            with contextlib.suppress(ValueError):
                cache.decr(key)
        self.keys = []


def _key(kind: str, value: str) -> str:
    # Hashed: addresses and emails stay out of Redis, and keys stay short and safe.
    digest = hashlib.sha256(value.encode()).hexdigest()[:32]
    return f"login-failures:{kind}:{digest}"


def _reserve(key: str, window: int) -> int | None:
    """One more slot on `key`; its count afterwards, or None when the cache is down."""
    for _ in range(3):
        try:
            cache.add(key, 0, timeout=window)
            count = cache.incr(key)
        except ValueError:
            # The key expired between add and incr: a new window starts, try again.
            continue
        return count if isinstance(count, int) else None
    return None


def _retry_after(keys: list[str], window: int) -> int:
    ttl = getattr(cache, "ttl", None)
    if ttl is None:
        # Local memory can't tell a key's remaining time; the whole window is the
        # safe upper bound.
        return window
    remaining = [ttl(key) for key in keys]
    seconds = [value for value in remaining if isinstance(value, int) and value > 0]
    return max(seconds) if seconds else window


def _reserve_all(*, entry: str, limits: list[tuple[str, str, int]]) -> LoginAttempt:
    """One slot on each (kind, value, limit); LoginThrottled (all given back) past a limit."""
    window = settings.LOGIN_FAILURE_WINDOW_SECONDS
    attempt = LoginAttempt()
    for kind, value, limit in limits:
        key = _key(kind, value)
        count = _reserve(key, window)
        if count is None:
            logger.warning("Login limiter: cache unavailable, attempt not counted.")
            continue
        attempt.keys.append(key)
        if count > limit:
            # Refused here, so the account's count is not touched by an address that is
            # already blocked; the slots taken are given back (a refusal is not a failure).
            attempt.release()
            if cache.add(f"{key}:logged", 1, timeout=window):
                # Logged (and counted) once a window: later refusals would only repeat it
                # (and let a flood fill the logs).
                lockouts.inc()
                security_log.warning(
                    "Authentication locked: entry=%s %s=%s for up to %ss",
                    entry,
                    kind,
                    account_label(value) if kind == "account" else value,
                    window,
                )
            raise LoginThrottled(retry_after=_retry_after([key], window))
    return attempt


def reserve_address_attempt(*, address: str, entry: str) -> LoginAttempt:
    """Reserve an authentication attempt counted per address only (reset-link tokens,
    WebSocket tickets), on the same address budget as logins; or raise LoginThrottled.
    The caller keeps the slot on a failure and calls `release()` otherwise."""
    return _reserve_all(entry=entry, limits=[("address", address, settings.LOGIN_ADDRESS_FAILURE_LIMIT)])


def log_failure(*, entry: str, address: str, account: str | None = None) -> None:
    """The security event of one failed authentication (the password or token never)."""
    login_failures.inc()
    if account is None:
        security_log.warning("Authentication failed: entry=%s address=%s", entry, address)
    else:
        security_log.warning(
            "Authentication failed: entry=%s address=%s account=%s", entry, address, account_label(account)
        )


def account_failures_clear(*, account: str) -> None:
    """Forget an account's failed logins: its owner proved control (a password reset)."""
    cache.delete(_key("account", account))


def reserve_login_attempt(*, address: str, account: str, entry: str = "login") -> LoginAttempt:
    """Reserve a login attempt for this address and account, or raise LoginThrottled.

    Fail-open: when the cache (Redis) is unreachable, django-redis answers None instead of
    raising (IGNORE_EXCEPTIONS) and the attempt goes ahead unthrottled. Locking everyone
    out during a Redis outage would turn a cache failure into a login outage; nginx's
    per-address request limit still bounds guessing meanwhile, and the outage is logged.
    """
    return _reserve_all(
        entry=entry,
        limits=[
            ("address", address, settings.LOGIN_ADDRESS_FAILURE_LIMIT),
            ("account", account, settings.LOGIN_FAILURE_LIMIT),
        ],
    )
