"""The address of the client behind our proxies: what the login limiter and the API's
request rates count by (docs/security.md, "Behind a proxy")."""

import ipaddress
import logging
from collections.abc import Mapping
from typing import Any, Protocol

from django.conf import settings

logger = logging.getLogger(__name__)
_forwarded_ignored_warned = False


class _HasMeta(Protocol):
    @property
    def META(self) -> Mapping[str, Any]: ...


def client_address(request: _HasMeta) -> str:
    """The address of the client, not of the proxy in front of us.

    Each of the TRUSTED_PROXY_COUNT proxies appends the address it was connected from to
    X-Forwarded-For, so the real client is that many entries from the right. Anything left
    of it was written by the client and is ignored; with no trusted proxy the header is
    ignored entirely (anyone can send it).
    """
    remote = str(request.META.get("REMOTE_ADDR") or "")
    proxies = settings.TRUSTED_PROXY_COUNT
    if proxies <= 0:
        if "HTTP_X_FORWARDED_FOR" in request.META:
            _warn_forwarded_ignored()
        return remote
    forwarded = [hop.strip() for hop in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")]
    forwarded = [hop for hop in forwarded if hop]
    if len(forwarded) < proxies:
        # Fewer hops than proxies: the request did not come through all of them, so the
        # header can't be trusted; the peer we see is all we know.
        return remote
    candidate = forwarded[-proxies]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote


def _warn_forwarded_ignored() -> None:
    """Once per process: behind a proxy with TRUSTED_PROXY_COUNT=0 every client has the
    proxy's address, so the per-address limits would pool the whole site into one bucket.
    The app can't see nginx at start; this says it as soon as a forwarded request comes."""
    global _forwarded_ignored_warned
    if _forwarded_ignored_warned:
        return
    _forwarded_ignored_warned = True
    logger.warning(
        "A request came with X-Forwarded-For but TRUSTED_PROXY_COUNT is 0: the header is "
        "ignored and every client behind that proxy shares one address for the limits. "
        "Behind nginx (deploy/nginx/) set TRUSTED_PROXY_COUNT=1."
    )
