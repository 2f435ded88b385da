"""Who opens a WebSocket (API.md "Live updates"): sets scope["user"] for the consumers.

One credential is used, the first present of:

1. `Authorization: Bearer <access token>` on the handshake (API clients);
2. `?ticket=<t>` from POST /api/v1/auth/ws-ticket/ (clients that can't set headers);
3. the session cookie, only when taskboard.websocket's origin check saw an allowed
   `Origin` (browsers always send one; without it the cookie is ignored, so no other site
   can ride on it).

A credential that is present but bad is not replaced by the next one: the user is anonymous
and the consumer closes with 4401. Access tokens are never read from the URL.
"""

from http.cookies import CookieError, SimpleCookie
from importlib import import_module
from typing import Any
from urllib.parse import parse_qs

from channels.auth import get_user
from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError

from accounts.api.authentication import AccessTokenAuthentication
from accounts.models import User
from accounts.ws_tickets import ws_ticket_redeem
from taskboard.db.routing import primary_reads

# Set by taskboard.websocket.OriginCheck: True when the handshake's Origin is allowed.
ORIGIN_ALLOWED = "taskboard.origin_allowed"


def header(scope: dict[str, Any], name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key == name:
            return bytes(value).decode("latin1")
    return None


def ticket_param(scope: dict[str, Any]) -> str | None:
    query = parse_qs(bytes(scope.get("query_string", b"")).decode("latin1"))
    values = query.get("ticket")
    return values[0] if values else None


class WebSocketAuthMiddleware:
    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: dict[str, Any], receive: Any, send: Any) -> Any:
        scope = dict(scope)
        scope["user"] = await self.authenticate(scope)
        return await self.app(scope, receive, send)

    async def authenticate(self, scope: dict[str, Any]) -> Any:
        authorization = header(scope, b"authorization")
        if authorization is not None:
            kind, _, token = authorization.partition(" ")
            if kind.lower() != "bearer" or not token.strip():
                return AnonymousUser()
            return await _user_from_access_token(token.strip())
        ticket = ticket_param(scope)
        if ticket is not None:
            return await _user_from_ticket(ticket)
        if scope.get(ORIGIN_ALLOWED):
            return await _user_from_session(scope)
        return AnonymousUser()


@database_sync_to_async
def _user_from_access_token(token: str) -> Any:
    authentication = AccessTokenAuthentication()
    try:
        with primary_reads():
            # get_user() also refuses inactive users and tokens revoked by a password change.
            return authentication.get_user(authentication.get_validated_token(token.encode()))
    except (InvalidToken, TokenError, AuthenticationFailed):
        return AnonymousUser()


@database_sync_to_async
def _user_from_ticket(ticket: str) -> Any:
    user_id = ws_ticket_redeem(ticket=ticket)
    if user_id is None:
        return AnonymousUser()
    with primary_reads():
        return User.objects.filter(pk=user_id, is_active=True).first() or AnonymousUser()


async def _user_from_session(scope: dict[str, Any]) -> Any:
    cookies = header(scope, b"cookie")
    if not cookies:
        return AnonymousUser()
    try:
        morsel = SimpleCookie(cookies).get(settings.SESSION_COOKIE_NAME)
    except CookieError:
        return AnonymousUser()
    if morsel is None or not morsel.value:
        return AnonymousUser()
    store = import_module(settings.SESSION_ENGINE).SessionStore
    # channels' get_user does what django.contrib.auth.get_user does for a request,
    # including the session hash check that logs out other sessions on a password change.
    return await get_user({"session": store(morsel.value)})
