"""Who may read metrics: the one rule of the web's /metrics (taskboard.metrics.views) and the
worker's and beat's exporters (taskboard.metrics.exporter). docs/operations.md "Access".

A request carrying `Authorization: Bearer <METRICS_TOKEN>` (compared in constant time), or
one whose peer address and client address (taskboard.client_address: behind a trusted proxy,
the address that proxy saw) are both in METRICS_ALLOWED_IPS. Both addresses, because
X-Forwarded-For is whatever a client writes when it reaches the server directly. Anyone else
gets 404, like an unknown path.
"""

import functools
import hmac
import ipaddress
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any, Protocol

from django.conf import settings

from taskboard.client_address import client_address

BEARER = "bearer "

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class HasMeta(Protocol):
    """A Django request, or a WSGI environ wrapped in WsgiMeta: the CGI names of both."""

    @property
    def META(self) -> Mapping[str, Any]: ...


@dataclass(frozen=True)
class WsgiMeta:
    META: Mapping[str, Any]


@functools.cache
def _networks(allowed: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(entry.strip(), strict=False) for entry in allowed if entry.strip())


def _address_allowed(address: str, networks: Iterable[Network]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        ip = ip.ipv4_mapped
    return any(ip in network for network in networks)


def _token_matches(request: HasMeta) -> bool:
    token = str(settings.METRICS_TOKEN or "")
    header = str(request.META.get("HTTP_AUTHORIZATION", ""))
    if not token or header[: len(BEARER)].lower() != BEARER:
        return False
    return hmac.compare_digest(header[len(BEARER) :].strip().encode(), token.encode())


def metrics_allowed(request: HasMeta) -> bool:
    if _token_matches(request):
        return True
    networks = _networks(tuple(settings.METRICS_ALLOWED_IPS))
    if not networks:
        return False
    peer = str(request.META.get("REMOTE_ADDR") or "")
    return _address_allowed(peer, networks) and _address_allowed(client_address(request), networks)
