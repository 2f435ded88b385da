"""The WebSocket side of the ASGI app: the Origin check in front of authentication.

Browsers send the session cookie with a WebSocket handshake to any site that opens one
(there is no CSRF token on a handshake), so a cookie is only good with an `Origin` that is
one of ALLOWED_HOSTS: a handshake from another origin is refused (403), and one without
an `Origin` (not a browser) doesn't get its cookie read (live.socket_auth). A bearer token
or a ticket is not sent by the browser on its own, so those handshakes pass whatever their
Origin: a single-page app on another origin may use tickets.
"""

from typing import Any
from urllib.parse import urlparse

from channels.security.websocket import OriginValidator, WebsocketDenier
from django.conf import settings

from live.socket_auth import ORIGIN_ALLOWED, header, ticket_param
from live.socket_security import log_socket_refused


class OriginCheck(OriginValidator):
    def __init__(self, application: Any) -> None:
        allowed_hosts = list(settings.ALLOWED_HOSTS)
        if settings.DEBUG and not allowed_hosts:
            allowed_hosts = ["localhost", "127.0.0.1", "[::1]"]
        super().__init__(application, allowed_hosts)

    async def __call__(self, scope: Any, receive: Any, send: Any) -> Any:
        scope = dict(scope)
        scope[ORIGIN_ALLOWED] = False
        if header(scope, b"authorization") is not None or ticket_param(scope) is not None:
            return await self.application(scope, receive, send)
        origin = header(scope, b"origin")
        if origin is None:
            return await self.application(scope, receive, send)
        if self.valid_origin(urlparse(origin)):
            scope[ORIGIN_ALLOWED] = True
            return await self.application(scope, receive, send)
        log_socket_refused(scope, code=403, reason="origin refused")
        return await WebsocketDenier()(scope, receive, send)


class NoRoute(WebsocketDenier):
    """Any other /ws/ path: the handshake is refused (403)."""
