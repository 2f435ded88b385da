"""Who opens a WebSocket (docs/api.md "Live updates"): sets scope["user"] for the consumers.

One credential is used, the first present of:

1. `Authorization: Bearer <access token>` on the handshake (API clients);
2. `?ticket=<t>` from POST /api/v1/auth/ws-ticket/ (clients that can't set headers);
3. the session cookie, only when live.origin_check's origin check saw an allowed
   `Origin` (browsers always send one; without it the cookie is ignored, so no other site
   can ride on it).

A credential that is present but bad is not replaced by the next one: the user is anonymous
and the consumer closes with 4401. Access tokens are never read from the URL.

Besides scope["user"], scope["credential"] says what the socket was opened with
(`SocketCredential`): the consumer closes the socket when it expires (a token's `exp`; a
ticket's issue time plus the access-token lifetime; a session's expiry) unless the client
re-authenticates over the socket (`{"type": "auth", ...}`, `authenticate_frame`), and
re-checks it on every resync (`credential_recheck`): a revocation whose close message was
lost still stops the replay. docs/security.md, "Live sockets and revoked credentials".
"""

import time
from dataclasses import dataclass, replace
from http.cookies import CookieError, SimpleCookie
from importlib import import_module
from typing import Any
from urllib.parse import parse_qs

from channels.db import database_sync_to_async
from django.conf import settings
from django.contrib.auth import get_user as session_user
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest
from rest_framework.exceptions import AuthenticationFailed
from rest_framework_simplejwt.exceptions import InvalidToken, TokenError

from accounts.api.authentication import AccessTokenAuthentication
from accounts.credentials import user_stamp
from accounts.models import User
from accounts.selectors import user_get_by_id
from accounts.ws_tickets import ws_ticket_redeem
from live.socket_security import CREDENTIAL_PRESENTED
from taskboard.db.routing import primary_reads

TOKEN = "token"
TICKET = "ticket"
SESSION = "session"


@dataclass(frozen=True)
class SocketCredential:
    """What a socket was opened (or last re-authenticated) with."""

    kind: str  # TOKEN, TICKET or SESSION
    user_id: int
    # Unix time after which the socket must re-authenticate; for a session, its expiry
    # when last read (a used session may be extended: re-read then).
    expires_at: float
    # accounts.credentials.user_stamp when authenticated (token, ticket); "" for a session,
    # whose own hash check does the same.
    stamp: str = ""
    session_key: str = ""


Authenticated = tuple[Any, SocketCredential | None]
ANONYMOUS: Authenticated = (AnonymousUser(), None)

# Set by live.origin_check.OriginCheck: True when the handshake's Origin is allowed.
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
        scope[CREDENTIAL_PRESENTED] = presented_credential(scope)
        scope["user"], scope["credential"] = await self.authenticate(scope)
        return await self.app(scope, receive, send)

    async def authenticate(self, scope: dict[str, Any]) -> Authenticated:
        authorization = header(scope, b"authorization")
        if authorization is not None:
            kind, _, token = authorization.partition(" ")
            if kind.lower() != "bearer" or not token.strip():
                return ANONYMOUS
            return await database_sync_to_async(user_from_access_token)(token.strip())
        ticket = ticket_param(scope)
        if ticket is not None:
            return await database_sync_to_async(user_from_ticket)(ticket)
        if scope.get(ORIGIN_ALLOWED):
            return await database_sync_to_async(_user_from_session)(scope)
        return ANONYMOUS


def presented_credential(scope: dict[str, Any]) -> str | None:
    """The kind of credential `authenticate` reads (TOKEN, TICKET, SESSION), None when there is
    none: what a refused socket's security line names (live.socket_security)."""
    if header(scope, b"authorization") is not None:
        return TOKEN
    if ticket_param(scope) is not None:
        return TICKET
    if scope.get(ORIGIN_ALLOWED) and _session_key(scope) is not None:
        return SESSION
    return None


def user_from_access_token(token: str) -> Authenticated:
    authentication = AccessTokenAuthentication()
    try:
        with primary_reads():
            validated = authentication.get_validated_token(token.encode())
            # get_user() also refuses inactive users and tokens revoked by a password
            # change or a "sign out everywhere".
            user = authentication.get_user(validated)
    except (InvalidToken, TokenError, AuthenticationFailed):
        return ANONYMOUS
    try:
        expires_at = float(validated["exp"])
    except (KeyError, TypeError, ValueError):
        return ANONYMOUS
    return user, SocketCredential(kind=TOKEN, user_id=user.pk, expires_at=expires_at, stamp=user_stamp(user))


def user_from_ticket(ticket: str) -> Authenticated:
    redeemed = ws_ticket_redeem(ticket=ticket)
    if redeemed is None:
        return ANONYMOUS
    with primary_reads():
        user = User.objects.filter(pk=redeemed.user_id, is_active=True).first()
    if user is None:
        return ANONYMOUS
    stamp = user_stamp(user)
    if redeemed.stamp is not None and redeemed.stamp != stamp:
        return ANONYMOUS  # issued before the password changed or the user signed out everywhere
    # A ticket stands for the access token it was asked with (or a session): the socket
    # lives as long as an access token issued at the same moment would.
    lifetime = settings.SIMPLE_JWT["ACCESS_TOKEN_LIFETIME"].total_seconds()
    return user, SocketCredential(
        kind=TICKET, user_id=user.pk, expires_at=redeemed.issued_at + lifetime, stamp=stamp
    )


def _session_key(scope: dict[str, Any]) -> str | None:
    cookies = header(scope, b"cookie")
    if not cookies:
        return None
    try:
        morsel = SimpleCookie(cookies).get(settings.SESSION_COOKIE_NAME)
    except CookieError:
        return None
    if morsel is None or not morsel.value:
        return None
    return morsel.value


def _session_user(session_key: str) -> tuple[Any, float]:
    """The session's user (anonymous if the session is gone, expired, or its hash no longer
    matches the user's: a password change, "sign out everywhere") and its expiry."""
    session = import_module(settings.SESSION_ENGINE).SessionStore(session_key)
    # A request that carries only the session: all django.contrib.auth.get_user reads.
    request = HttpRequest()
    request.session = session
    with primary_reads():
        # What django.contrib.auth.get_user does for a request, hash check included.
        user = session_user(request)
    return user, session.get_expiry_date().timestamp()


def _user_from_session(scope: dict[str, Any]) -> Authenticated:
    session_key = _session_key(scope)
    if session_key is None:
        return ANONYMOUS
    user, expires_at = _session_user(session_key)
    if not user.is_authenticated:
        return ANONYMOUS
    return user, SocketCredential(
        kind=SESSION, user_id=user.pk, expires_at=expires_at, session_key=session_key
    )


def credential_recheck(credential: SocketCredential) -> SocketCredential | None:
    """The credential as it stands now (a session's expiry may have moved), or None when it
    expired or was revoked. One read of the user on the primary (and, for a session, of
    the session): run on every resync and when the credential's time is up."""
    if credential.kind == SESSION:
        user, expires_at = _session_user(credential.session_key)
        if not user.is_authenticated or user.pk != credential.user_id or expires_at <= time.time():
            return None
        return replace(credential, expires_at=expires_at)
    if credential.expires_at <= time.time():
        return None
    with primary_reads():
        user = user_get_by_id(user_id=credential.user_id)
    if user is None or not user.is_active or user_stamp(user) != credential.stamp:
        return None
    return credential


class CredentialRevoked(Exception):
    """The socket's credential no longer holds (credential_require)."""


def credential_require(credential: SocketCredential) -> None:
    """credential_recheck for a read that must not go on without it: CredentialRevoked
    when the credential expired or was revoked."""
    if credential_recheck(credential) is None:
        raise CredentialRevoked()


def authenticate_frame(content: dict[str, Any]) -> SocketCredential | None:
    """The credential of a client's {"type": "auth", "token": ...} or {"type": "auth",
    "ticket": ...} frame, or None when it is missing or bad (the token is in a frame, never
    in a URL)."""
    token, ticket = content.get("token"), content.get("ticket")
    if isinstance(token, str) and token and ticket is None:
        return user_from_access_token(token)[1]
    if isinstance(ticket, str) and ticket and token is None:
        return user_from_ticket(ticket)[1]
    return None
