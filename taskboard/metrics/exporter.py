"""The worker's and beat's /metrics server (taskboard.metrics.jobs starts it on METRICS_PORT):
prometheus_client's WSGI app behind the web's access rule (taskboard.metrics.access), so a
scrape needs `Authorization: Bearer <METRICS_TOKEN>` or an address in METRICS_ALLOWED_IPS,
and anyone else gets 404. What prometheus_client's start_http_server does otherwise: a
threading WSGI server, in a daemon thread, logging no request.
"""

import socket
import threading
from collections.abc import Callable, Iterable
from socketserver import ThreadingMixIn
from typing import Any
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import make_wsgi_app
from prometheus_client.registry import Collector

from .access import WsgiMeta, metrics_allowed

WsgiApp = Callable[[dict[str, Any], Callable[..., Any]], Iterable[bytes]]
NOT_FOUND = b"Not Found\n"


def guarded(app: WsgiApp) -> WsgiApp:
    """`app` for the requests metrics_allowed lets in; 404 for every other."""

    def guarded_app(environ: dict[str, Any], start_response: Callable[..., Any]) -> Iterable[bytes]:
        if not metrics_allowed(WsgiMeta(META=environ)):
            start_response(
                "404 Not Found",
                [("Content-Type", "text/plain; charset=utf-8"), ("Content-Length", str(len(NOT_FOUND)))],
            )
            return [NOT_FOUND]
        return app(environ, start_response)

    return guarded_app


class _QuietHandler(WSGIRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        """Not a line per scrape on stderr."""


class _ThreadingServer(ThreadingMixIn, WSGIServer):
    daemon_threads = True


def start_exporter_server(port: int, addr: str, registry: Collector) -> tuple[WSGIServer, threading.Thread]:
    """Serve the registry, guarded, on addr:port from a daemon thread (an IPv6 `addr` too)."""
    family, _, _, _, sockaddr = socket.getaddrinfo(
        addr, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
    )[0]

    class Server(_ThreadingServer):
        address_family = family

    httpd = make_server(
        str(sockaddr[0]), port, guarded(make_wsgi_app(registry)), Server, handler_class=_QuietHandler
    )
    thread = threading.Thread(target=httpd.serve_forever, name="metrics-exporter", daemon=True)
    thread.start()
    return httpd, thread
