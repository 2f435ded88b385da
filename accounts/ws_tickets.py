"""Single-use WebSocket tickets (docs/api.md "Live updates").

A client that can't set headers on the WebSocket handshake (a browser's `WebSocket` without
a session) trades its access token for a ticket, `POST /api/v1/auth/ws-ticket/`, and opens
`/ws/boards/<id>/?ticket=<t>`: the short-lived, single-use ticket goes in the URL, where
access logs may keep it, instead of the token.

Tickets live in the cache, under the sha256 of the ticket (a dump of Redis gives nothing
usable). With Redis the redemption is one GETDEL, so two handshakes racing with one ticket
can't both win, whichever ASGI instance they reach.

A ticket remembers when it was issued and the user's credential stamp then
(accounts.credentials.user_stamp): a ticket issued before a password change or a "sign out
everywhere" opens nothing, and the socket it opens is closed when an access token issued
with the ticket would expire (live.socket_auth), unless the client re-authenticates.
"""

import hashlib
import json
import secrets
import threading
import time
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.cache import cache

# The local-memory cache of the embedded default lives in one process: a lock there makes
# its get-then-delete atomic.
_local_lock = threading.Lock()


@dataclass(frozen=True)
class RedeemedTicket:
    user_id: int
    issued_at: float  # unix time
    stamp: str | None  # None: issued without one (tests)


def _name(ticket: str) -> str:
    return "ws-ticket:" + hashlib.sha256(ticket.encode()).hexdigest()


def _redis_client() -> Any:
    """The raw client of a django-redis cache (which, unlike the cache API, raises on an
    outage instead of pretending the ticket was stored), or None for other caches."""
    client = getattr(cache, "client", None)
    get_client = getattr(client, "get_client", None)
    return get_client(write=True) if get_client is not None else None


def ws_ticket_issue(*, user_id: int, stamp: str | None = None) -> tuple[str, int]:
    """A new ticket for the user and how many seconds it is valid. `stamp` is the user's
    credential stamp now: the ticket is refused once it has changed."""
    ticket = secrets.token_urlsafe(32)
    ttl: int = settings.LIVE_TICKET_TTL_SECONDS
    value = json.dumps({"user_id": user_id, "issued_at": time.time(), "stamp": stamp})
    client = _redis_client()
    if client is not None:
        client.set(cache.make_key(_name(ticket)), value, ex=ttl)
    else:
        cache.set(_name(ticket), value, timeout=ttl)
    return ticket, ttl


def ws_ticket_redeem(*, ticket: str) -> RedeemedTicket | None:
    """Who the ticket was issued to and when, once; None if it is unknown, used or
    expired."""
    if not ticket or len(ticket) > 200:
        return None
    client = _redis_client()
    if client is not None:
        value = client.getdel(cache.make_key(_name(ticket)))
    else:
        with _local_lock:
            value = cache.get(_name(ticket))
            cache.delete(_name(ticket))
    if value is None:
        return None
    try:
        data = json.loads(value)
        stamp = data["stamp"]
        return RedeemedTicket(
            user_id=int(data["user_id"]),
            issued_at=float(data["issued_at"]),
            stamp=stamp if isinstance(stamp, str) else None,
        )
    except (TypeError, ValueError, KeyError):
        return None
