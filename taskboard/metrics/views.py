"""GET /metrics: the Prometheus text of this server's processes (docs/api.md).

Not public: it answers a request carrying `Authorization: Bearer <METRICS_TOKEN>`, or one
whose peer address and client address (taskboard.client_address: behind a trusted proxy,
the address that proxy saw) are both in METRICS_ALLOWED_IPS, and 404, like an unknown path,
to anyone else. Both addresses, because X-Forwarded-For is whatever a client writes when it
reaches this server directly; nginx answers /metrics with 404 itself (deploy/nginx/).
"""

import functools
import hmac
import ipaddress
from collections.abc import Iterable

from django.conf import settings
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseNotAllowed
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest

from taskboard.client_address import client_address

from .collectors import registry
from .database import pool_sampler

BEARER = "bearer "

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


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


def _token_matches(request: HttpRequest) -> bool:
    token = str(settings.METRICS_TOKEN or "")
    header = str(request.META.get("HTTP_AUTHORIZATION", ""))
    if not token or header[: len(BEARER)].lower() != BEARER:
        return False
    return hmac.compare_digest(header[len(BEARER) :].strip().encode(), token.encode())


def metrics_allowed(request: HttpRequest) -> bool:
    if _token_matches(request):
        return True
    networks = _networks(tuple(settings.METRICS_ALLOWED_IPS))
    if not networks:
        return False
    peer = str(request.META.get("REMOTE_ADDR") or "")
    return _address_allowed(peer, networks) and _address_allowed(client_address(request), networks)


def metrics(request: HttpRequest) -> HttpResponse:
    # The access check before anything else: to others the path does not exist.
    if not metrics_allowed(request):
        raise Http404()
    if request.method not in ("GET", "HEAD"):
        return HttpResponseNotAllowed(["GET", "HEAD"])
    # This process's pools, fresh (the others' are at most a second old).
    pool_sampler.sample()
    return HttpResponse(generate_latest(registry()), content_type=CONTENT_TYPE_LATEST)
