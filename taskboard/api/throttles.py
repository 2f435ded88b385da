"""Request rates: DRF throttles counted atomically in Redis (docs/security.md "Login and
request limits").

DRF's SimpleRateThrottle reads a list of timestamps from the cache, appends and writes it
back: two requests at once both read the old list and one of them isn't counted, so a
burst of parallel requests gets past any limit. Here the count is a fixed-window counter
in Redis, raised with INCRBY in one Lua script that also sets the window's expiry on the
first hit and answers the time left: atomic, one round trip. Without Redis (the embedded
default), the cache's add + incr, atomic under local memory's lock.

What it costs: a round trip to Redis is about 80 µs of CPU (client and server), 6 % of a
warm board read (docs/benchmarks.md). So a process takes slots in small blocks (a lease:
1 per 100 of the limit, at most LEASE_MAX) and hands them out without asking Redis again
until the block is used or the window ends; once Redis said "over the limit", the process
refuses locally until the window ends. The total let through never passes the limit (each
slot is handed out once, by INCRBY); a slot leased but left unused by a process is lost, so
a client may be refused up to (lease - 1) x processes requests early: 5 per process at
600/min, none for limits under 200 (the per-address mail limits are exact).

Rates come from settings.API_THROTTLE_RATES on each request ("600/min"; None is off), so
override_settings works in tests. A Redis outage lets requests through (fail open, logged):
a cache failure must not become an API outage.

Who is counted: the account for `user`, the client address (client_address, which honours
TRUSTED_PROXY_COUNT) for everything else.
"""

import hashlib
import logging
import math
import threading
import time
from typing import TYPE_CHECKING, Any

from django.conf import settings
from django.core.cache import cache
from django.core.signals import setting_changed
from django.dispatch import receiver
from redis.exceptions import NoScriptError, RedisError
from rest_framework.throttling import BaseThrottle

from taskboard.client_address import client_address

if TYPE_CHECKING:  # DRF loads this module while rest_framework.views is still importing
    from rest_framework.request import Request
    from rest_framework.views import APIView

logger = logging.getLogger(__name__)

PERIODS = {"s": 1, "m": 60, "h": 3600, "d": 86400}
LEASE_MAX = 16
# Process-local leases of at most this many counters; past it, they are dropped (which only
# ever wastes slots: never lets more through).
LEASES_KEPT = 10_000

# KEYS[1] the counter; ARGV[1] how many slots to take, ARGV[2] the window in ms.
# Answers {count after, ms left in the window}.
_TAKE = """
local count = redis.call('INCRBY', KEYS[1], ARGV[1])
local left = redis.call('PTTL', KEYS[1])
if left < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[2]); left = tonumber(ARGV[2]) end
return {count, left}
"""
_TAKE_SHA = hashlib.sha1(_TAKE.encode()).hexdigest()  # noqa: S324  # Redis names scripts by SHA-1

# key -> (slots left, time.monotonic() when the window ends); -1 slots: refused until then.
_leases: dict[str, tuple[int, float]] = {}
_leases_lock = threading.Lock()


@receiver(setting_changed)
def _forget_leases(*, setting: str, **kwargs: Any) -> None:
    # Tests switch rates and caches: a lease from before belongs to another counter.
    if setting in {"API_THROTTLE_RATES", "CACHES"}:
        leases_forget()


def leases_forget() -> None:
    with _leases_lock:
        _leases.clear()


def parse_rate(rate: str) -> tuple[int, int]:
    """ "600/min" -> (600, 60): DRF's format, the period's first letter counts."""
    count, period = rate.split("/")
    return int(count), PERIODS[period.strip()[0]]


def _redis_client() -> Any:
    client = getattr(cache, "client", None)
    if client is None or not hasattr(client, "get_client"):
        return None
    return client.get_client(write=True)


def _take(key: str, slots: int, period: int) -> tuple[int, float] | None:
    """Take `slots` on the counter `key`: (its count after, seconds left in the window);
    None when the cache can't count (the request is let through)."""
    redis = _redis_client()
    try:
        if redis is not None:
            full_key = cache.make_key(key)
            try:
                count, left_ms = redis.evalsha(_TAKE_SHA, 1, full_key, slots, period * 1000)
            except NoScriptError:
                count, left_ms = redis.eval(_TAKE, 1, full_key, slots, period * 1000)
            return int(count), int(left_ms) / 1000
        cache.add(key, 0, timeout=period)
        return int(cache.incr(key, slots)), float(period)
    except (RedisError, ValueError, OSError) as exc:
        # ValueError: a local-memory key expired between add and incr (count it next time).
        scope = key.split(":")[1]
        logger.warning("Throttle %s not counted (%s): request allowed.", scope, type(exc).__name__)
        return None


def hit(key: str, limit: int, period: int) -> float | None:
    """Count one request on `key`; None if it is allowed, else the seconds until it may be."""
    now = time.monotonic()
    with _leases_lock:
        held = _leases.get(key)
        if held is not None and held[1] > now:
            left, ends = held
            if left > 0:
                _leases[key] = (left - 1, ends)
                return None
            if left < 0:
                return ends - now
    lease = max(1, min(LEASE_MAX, limit // 100))
    counted = _take(key, lease, period)
    if counted is None:
        return None
    count, seconds_left = counted
    # Our block is the slots count - lease + 1 .. count; those up to the limit are usable.
    usable = min(count, limit) - (count - lease)
    ends = now + seconds_left
    with _leases_lock:
        if len(_leases) >= LEASES_KEPT:
            _leases.clear()
        if usable > 0:
            _leases[key] = (usable - 1, ends)
            return None
        _leases[key] = (-1, ends)
    return seconds_left


class RateThrottle(BaseThrottle):
    """A fixed window of `rate` requests per client, for the views' `scope`."""

    scope = ""
    # None: every method; otherwise only these (a view may share its path with reads).
    methods: frozenset[str] | None = None

    def __init__(self) -> None:
        self.retry_after: float | None = None

    def rate(self) -> str | None:
        rates: dict[str, str | None] = settings.API_THROTTLE_RATES
        return rates.get(self.scope)

    def ident(self, request: "Request") -> str | None:
        """Whom to count; None: this throttle doesn't apply to the request."""
        return client_address(request)

    def allow_request(self, request: "Request", view: "APIView") -> bool:
        rate = self.rate()
        if not rate or (self.methods is not None and request.method not in self.methods):
            return True
        ident = self.ident(request)
        if ident is None:
            return True
        limit, period = parse_rate(rate)
        # Hashed: addresses stay out of Redis, keys stay short. The rate is in the key: a
        # changed rate starts a new count.
        digest = hashlib.sha256(ident.encode()).hexdigest()[:32]
        self.retry_after = hit(f"throttle:{self.scope}:{limit}-{period}:{digest}", limit, period)
        return self.retry_after is None

    def wait(self) -> float | None:
        # Whole seconds, rounded up: Retry-After must not invite a retry that is refused.
        return math.ceil(self.retry_after) if self.retry_after is not None else None


class UserRateThrottle(RateThrottle):
    """API_THROTTLE_USER: every request of an authenticated account, across the API."""

    scope = "user"

    def ident(self, request: "Request") -> str | None:
        user = request.user
        return f"user:{user.pk}" if user is not None and user.is_authenticated else None


class AnonRateThrottle(RateThrottle):
    """API_THROTTLE_ANON: every request without credentials, per client address."""

    scope = "anon"

    def ident(self, request: "Request") -> str | None:
        user = request.user
        return None if user is not None and user.is_authenticated else client_address(request)


class RegisterThrottle(RateThrottle):
    """API_THROTTLE_REGISTER: accounts created per address (POST auth/register/)."""

    scope = "register"


class PasswordResetThrottle(RateThrottle):
    """API_THROTTLE_PASSWORD_RESET: reset mails asked for per address (POST auth/password-reset/)."""

    scope = "password_reset"


class InviteThrottle(RateThrottle):
    """API_THROTTLE_INVITE: members added or invited per address (POST boards/{id}/members/)."""

    scope = "invite"
    methods = frozenset({"POST"})


class VerifyResendThrottle(RateThrottle):
    """API_THROTTLE_VERIFY_RESEND: verification mails asked for again per address
    (POST auth/verify-email/resend/)."""

    scope = "verify_resend"


# The whole API's rates; a view with a scope of its own adds to these, never replaces them.
GENERAL = (UserRateThrottle, AnonRateThrottle)
