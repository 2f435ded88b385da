"""Single-use WebSocket tickets (API.md "Live updates").

A client that can't set headers on the WebSocket handshake (a browser's `WebSocket` without
a session) trades its access token for a ticket, `POST /api/v1/auth/ws-ticket/`, and opens
`/ws/boards/<id>/?ticket=<t>`: the short-lived, single-use ticket goes in the URL, where
access logs may keep it, instead of the token.

Tickets live in the cache, under the sha256 of the ticket (a dump of Redis gives nothing
usable). With Redis the redemption is one GETDEL, so two handshakes racing with one ticket
can't both win, whichever ASGI instance they reach.
"""

import hashlib
import secrets
import threading
from typing import Any

from django.conf import settings
from django.core.cache import cache

# The local-memory cache of the embedded default lives in one process: a lock there makes
# its get-then-delete atomic.
_local_lock = threading.Lock()


def _name(ticket: str) -> str:
    return "ws-ticket:" + hashlib.sha256(ticket.encode()).hexdigest()


def _redis_client() -> Any:
    """The raw client of a django-redis cache (which, unlike the cache API, raises on an
    outage instead of pretending the ticket was stored), or None for other caches."""
    client = getattr(cache, "client", None)
    get_client = getattr(client, "get_client", None)
    return get_client(write=True) if get_client is not None else None


def ws_ticket_issue(*, user_id: int) -> tuple[str, int]:
    """A new ticket for the user and how many seconds it is valid."""
    ticket = secrets.token_urlsafe(32)
    ttl: int = settings.LIVE_TICKET_TTL_SECONDS
    client = _redis_client()
    if client is not None:
        client.set(cache.make_key(_name(ticket)), str(user_id), ex=ttl)
    else:
        cache.set(_name(ticket), str(user_id), timeout=ttl)
    return ticket, ttl


def ws_ticket_redeem(*, ticket: str) -> int | None:
    """The id of the user the ticket was issued to, once; None if it is unknown, used or
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
        return int(value)
    except (TypeError, ValueError):
        return None
