"""One `taskboard.security` line for every refused socket (docs/operations.md "Security
events"): an Origin refused at the handshake (live.origin_check), and a close with 4401
(no credential, a bad or revoked one, a ticket unknown, used or expired, a credential that
expired) or 4404 (not a member, no such board) by the consumers (live.board_consumer).

The line names the reason, the user when known, the board the path names and the client's
address (taskboard.client_address); the request id comes from the socket's log context
(taskboard.logs.asgi). Never the query string (it holds the ticket), a header (a token, the
cookie) or the ticket itself.
"""

import logging
import re
from dataclasses import dataclass
from typing import Any

from taskboard.client_address import client_address

security_log = logging.getLogger("taskboard.security")

# scope key set by live.socket_auth: which credential the handshake presented ("token",
# "ticket", "session"), None when it presented none.
CREDENTIAL_PRESENTED = "taskboard.credential_presented"

_BOARD_PATH = re.compile(r"^/?ws/boards/([0-9]{1,18})/$")


def _board_id(scope: dict[str, Any]) -> int | None:
    route = scope.get("url_route")
    if route is not None and "board_id" in route.get("kwargs", {}):
        return int(route["kwargs"]["board_id"])
    match = _BOARD_PATH.match(str(scope.get("path", "")))
    return int(match.group(1)) if match else None


@dataclass(frozen=True)
class _HandshakeMeta:
    """What taskboard.client_address reads of a request, from the handshake's scope."""

    META: dict[str, str]


def _client(scope: dict[str, Any]) -> str:
    """The client's address by the rule the login limiter uses (TRUSTED_PROXY_COUNT)."""
    client = scope.get("client")
    meta = {"REMOTE_ADDR": str(client[0]) if client else ""}
    for name, value in scope.get("headers", ()):
        if name == b"x-forwarded-for":
            meta["HTTP_X_FORWARDED_FOR"] = bytes(value).decode("latin1")
    return client_address(_HandshakeMeta(META=meta)) or "(unknown)"


def _socket(scope: dict[str, Any]) -> str:
    path = str(scope.get("path", ""))
    if _BOARD_PATH.match(path):
        return "board"
    return "notifications" if path.strip("/") == "ws/notifications" else "other"


def unauthenticated_reason(scope: dict[str, Any]) -> str:
    """Why a handshake has no user: the credential it presented was refused, or it had none."""
    presented = scope.get(CREDENTIAL_PRESENTED)
    if presented == "ticket":
        return "ticket refused (unknown, used or expired)"
    if presented is not None:
        return f"{presented} refused"
    return "no credential"


def log_socket_refused(scope: dict[str, Any], *, code: int, reason: str, user_id: int | None = None) -> None:
    """`code`: the close code, or the HTTP status of a handshake refused before it opened."""
    security_log.warning(
        "WebSocket refused: code=%s reason=%s socket=%s user=%s board=%s client=%s",
        code,
        reason,
        _socket(scope),
        user_id if user_id is not None else "(none)",
        _board_id(scope) if _board_id(scope) is not None else "(none)",
        _client(scope),
    )
