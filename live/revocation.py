"""Closing a user's live sockets when their credentials are revoked (docs/security.md,
"Live sockets and revoked credentials").

Every board socket joins the channel-layer group `user.<id>` of its user, and a socket
opened with a session cookie also `session.<sha256 of the session key>` (the key itself
never goes to Redis). A service that revokes credentials queues a `user.revoked` message to
the group on commit; every ASGI instance closes the group's sockets with 4401.
"""

import hashlib

from live.publishing import send_on_commit


def user_group(user_id: int) -> str:
    return f"user.{user_id}"


def session_group(session_key: str) -> str:
    return "session." + hashlib.sha256(session_key.encode()).hexdigest()


REVOKED_MESSAGE = {"type": "user.revoked"}


def close_user_sockets_on_commit(*, user_id: int) -> None:
    """Every socket of the user closes (4401) once the surrounding transaction commits."""
    send_on_commit(user_group(user_id), dict(REVOKED_MESSAGE))


def close_session_sockets_on_commit(*, session_key: str) -> None:
    """The sockets opened with this session close (4401) once the transaction commits."""
    send_on_commit(session_group(session_key), dict(REVOKED_MESSAGE))
