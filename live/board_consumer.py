"""`/ws/boards/<id>/`: a board's live events (docs/api.md "Live updates", docs/live-updates.md).

Thin (docs/design.md rule 7): the user comes authenticated from the ASGI stack
(live.socket_auth); the consumer checks membership, joins the group `board.<id>` and
forwards what services publish there (live.publishing). Replays for `resync` come from
the Activity table, as the activity feed does (live.resync).

Credentials (docs/security.md, "Live sockets and revoked credentials"): the socket also
joins `user.<id>` (and `session.<hash>` when opened with a session cookie), where services
that revoke credentials send `user.revoked`: the socket closes with 4401. It closes with
4401 too when its credential expires, unless the client sent a fresh one in an `auth`
frame, and a resync re-checks the credential before replaying anything.

The user's group also carries their notifications (live.notifications), forwarded
as `notification` and `notifications_read` frames.
"""

import asyncio
import json
import logging
import time
from typing import Any

from channels.db import database_sync_to_async
from channels.generic.websocket import AsyncWebsocketConsumer
from redis.exceptions import RedisError

from live.notifications import notification_frame
from live.open_sockets import SERVICE_RESTART, live_process
from live.presence import presence_join, presence_leave
from live.publishing import board_group
from live.resync import event_frame, latest_seq_for_member, latest_seq_for_member_with_credential, replay
from live.revocation import session_group, user_group
from live.socket_auth import (
    SESSION,
    CredentialRevoked,
    SocketCredential,
    authenticate_frame,
    credential_recheck,
)
from live.socket_security import log_socket_refused, unauthenticated_reason
from taskboard import bounded_json
from taskboard.logs.context import bind_board, bind_user
from taskboard.metrics.families import live_events_delivered, live_resyncs

logger = logging.getLogger(__name__)

UNAUTHENTICATED = 4401
NOT_FOUND = 4404
INTERNAL_ERROR = 1011
MESSAGE_TOO_BIG = 1009
# The reasons of the security lines of 4401 and 4404 closes (live.socket_security).
REVOKED = "credential revoked"
NOT_MEMBER = "not a member or no such board"
# What a client sends is a resync or an auth frame, well under 2 KiB (a token is ~300 bytes);
# uvicorn would hand over up to 16 MiB. Anything this long is not a client of ours.
MAX_CLIENT_FRAME_CHARS = 16 * 1024
# _frame_after_auth(): the frame needs nothing more.
HANDLED = object()
# Group messages that only need forwarding: no database, so no close_old_connections().
FORWARDED = frozenset({"board.event", "board.presence", "user.notification", "user.notifications_read"})
# Redis round trips of a join or a leave; the channel layer's own have no timeout, and one
# hanging on an unreachable Redis would hold a join slot (live.open_sockets) forever.
REDIS_TIMEOUT_SECONDS = 5.0
# Where board_event() keeps the encoded frame in a (shared) group message.
FRAME_TEXT = "_frame_text"
RESET_FRAME = {"type": "reset"}
RESYNCS = live_resyncs.labels("resync")
RESETS = live_resyncs.labels("reset")


class BoardConsumer(AsyncWebsocketConsumer):
    board_id: int
    user_id: int
    credential: SocketCredential
    # The channel-layer groups joined (an `auth` frame may change the credential later).
    groups_joined: list[str]
    # Closes the socket when the credential's time is up (call_later's handle).
    expiry_timer: asyncio.TimerHandle | None = None
    accepted = False
    joined = False
    present = False
    disconnected = False
    # Set once the socket is being closed: nothing else is sent after that.
    closing = False

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        try:
            await super().__call__(scope, receive, send)
        except Exception as exc:
            if self.disconnected:
                # Cancelling the channel layer's pending read as the consumer stops can
                # raise from inside redis-py; the socket is gone anyway.
                logger.debug("Board socket stopped with %r", exc)
                return
            if isinstance(exc, RedisError):
                # The channel layer lost Redis: the client reconnects and resyncs (live.open_sockets
                # logs the outage once per process).
                logger.info("Board socket closed, the channel layer failed: %r", exc)
            elif isinstance(exc, OSError):
                # Includes timeouts of Redis round trips and sockets that went away.
                logger.info("Board socket closed: %r", exc)
            else:
                logger.exception("Board socket failed")
            await self._leave()
            if not self.closing:
                self.closing = True
                try:
                    if not self.accepted:
                        await send({"type": "websocket.accept"})
                    await send({"type": "websocket.close", "code": INTERNAL_ERROR})
                except Exception:
                    logger.debug("The socket was gone already", exc_info=True)

    async def connect(self) -> None:
        if not await self._scope_user_taken():
            return
        self.board_id = int(self.scope["url_route"]["kwargs"]["board_id"])
        bind_board(self.board_id)
        async with live_process().slots:
            # Join before reading the latest seq: every event after the one `hello` names
            # reaches this socket (the ones up to it may come twice; clients skip those).
            # The user's (and session's) group too; the credential is checked again after
            # joining, so a revocation committed at any moment either reaches this socket
            # or is seen by that check.
            await self._join_groups()
            revoked = False
            try:
                latest = await database_sync_to_async(latest_seq_for_member_with_credential)(
                    user_id=self.user_id, board_id=self.board_id, credential=self.credential
                )
            except CredentialRevoked:
                revoked = True
        if revoked:
            await self._close_with(UNAUTHENTICATED, REVOKED)
            return
        if latest is None:
            await self._close_with(NOT_FOUND, NOT_MEMBER)
            return
        await self._accept_watched()
        await self._send_frame({"type": "hello", "board_id": self.board_id, "seq": latest})
        self.present = True
        async with live_process().slots:
            await asyncio.wait_for(
                presence_join(board_id=self.board_id, user_id=self.user_id, channel_name=self.channel_name),
                REDIS_TIMEOUT_SECONDS,
            )

    async def disconnect(self, code: int) -> None:
        self.disconnected = True
        self._cancel_expiry()
        await self._leave()

    async def dispatch(self, message: dict[str, Any]) -> None:
        # Channels closes stale database connections before every handler, a hop to the
        # database thread; for a forward to 1,000 sockets that is 1,000 hops per event.
        if message.get("type") in FORWARDED:
            await getattr(self, message["type"].replace(".", "_"))(message)
        else:
            await super().dispatch(message)

    # -- opening ---------------------------------------------------------------------------

    async def _scope_user_taken(self) -> bool:
        """Take the user and credential the ASGI stack authenticated (live.socket_auth);
        False, the socket closing with 4401, when there is none."""
        user = self.scope.get("user")
        if user is None or not user.is_authenticated:
            await self._close_with(UNAUTHENTICATED, unauthenticated_reason(self.scope))
            return False
        self.user_id = user.pk
        self.credential = self.scope["credential"]
        bind_user(self.user_id)  # on every line this socket logs (taskboard.logs.asgi)
        return True

    async def _accept_watched(self) -> None:
        """Accept the handshake; from now on the credential's expiry is watched and the
        process (live.open_sockets) knows the socket."""
        await self.accept()
        self.accepted = True
        self._schedule_expiry()
        live_process().add(self)

    async def _join_groups(self) -> None:
        """Join the socket's groups (the board's, the user's, the session's), bounded by
        REDIS_TIMEOUT_SECONDS: the channel layer's own round trips have no timeout."""
        self.groups_joined = self._groups()
        self.joined = True
        await asyncio.wait_for(
            asyncio.gather(
                *(self.channel_layer.group_add(group, self.channel_name) for group in self.groups_joined)
            ),
            REDIS_TIMEOUT_SECONDS,
        )

    # -- from the client -------------------------------------------------------------------

    async def _frame_after_auth(self, text_data: str | None) -> Any:
        """The client's frame, parsed (None when it isn't JSON); HANDLED when nothing more
        is to be done with it: too long (the socket is closing) or an `auth` frame (answered)."""
        if text_data is not None and len(text_data) > MAX_CLIENT_FRAME_CHARS:
            await self._close_with(MESSAGE_TOO_BIG)
            return HANDLED
        try:
            # Nesting bounded: json recurses per level, and RecursionError is no ValueError.
            content = bounded_json.loads(text_data) if text_data is not None else None
        except ValueError:
            content = None
        if isinstance(content, dict) and content.get("type") == "auth":
            await self._authenticate(content)
            return HANDLED
        return content

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        content = await self._frame_after_auth(text_data)
        if content is HANDLED:
            return
        if not isinstance(content, dict) or content.get("type") != "resync":
            await self._error('Send {"type": "resync", "since": N} or {"type": "auth", "token": T}.')
            return
        since = content.get("since")
        if not isinstance(since, int) or isinstance(since, bool) or since < 0:
            await self._error("`since` must be a seq: an integer, 0 or more.")
            return
        try:
            frames = await database_sync_to_async(replay)(
                user_id=self.user_id, board_id=self.board_id, since=since, credential=self.credential
            )
        except CredentialRevoked:
            await self._close_with(UNAUTHENTICATED, REVOKED)
            return
        if frames is None:
            await self._close_with(NOT_FOUND, NOT_MEMBER)
            return
        (RESETS if frames == [RESET_FRAME] else RESYNCS).inc()
        for frame in frames:
            await self._send_frame(frame)

    # -- from the group --------------------------------------------------------------------

    async def board_event(self, message: dict[str, Any]) -> None:
        if message["verb"] == "member.removed" and _removed_user_id(message) == self.user_id:
            # Re-check: the user may have been added back since.
            still_member = await database_sync_to_async(latest_seq_for_member)(
                user_id=self.user_id, board_id=self.board_id
            )
            if still_member is None:
                await self._close_with(NOT_FOUND, "removed from the board")
                return
        # The channel layer hands this process's sockets one shared message dict: encode
        # the frame once for all of them.
        text = message.get(FRAME_TEXT)
        if text is None:
            text = message[FRAME_TEXT] = json.dumps(event_frame(message))
        if not self.closing:
            await self.send(text_data=text)
            live_events_delivered.inc()

    async def board_presence(self, message: dict[str, Any]) -> None:
        await self._send_frame({"type": "presence", "users": message["users"], "count": message["count"]})

    async def board_deleted(self, message: dict[str, Any]) -> None:
        await self._close_with(NOT_FOUND)

    async def user_notification(self, message: dict[str, Any]) -> None:
        await self._send_frame(notification_frame(message))

    async def user_notifications_read(self, message: dict[str, Any]) -> None:
        await self._send_frame(notification_frame(message))

    async def user_revoked(self, message: dict[str, Any]) -> None:
        """The user's credentials (or this socket's session) were revoked
        (live.revocation)."""
        await self._close_with(UNAUTHENTICATED, REVOKED)

    # -- credentials -----------------------------------------------------------------------

    async def _authenticate(self, content: dict[str, Any]) -> None:
        """{"type": "auth", "token": ...} or {"type": "auth", "ticket": ...}: a fresh
        credential of the same user moves the socket's deadline; anything else closes it."""
        credential = await database_sync_to_async(authenticate_frame)(content)
        if credential is None or credential.user_id != self.user_id:
            await self._close_with(UNAUTHENTICATED, "auth frame refused")
            return
        self.credential = credential
        self._schedule_expiry()
        expires_in = max(0, int(credential.expires_at - time.time()))
        await self._send_frame({"type": "auth_ok", "expires_in": expires_in})

    def _schedule_expiry(self) -> None:
        self._cancel_expiry()
        delay = max(0.0, self.credential.expires_at - time.time())
        self.expiry_timer = asyncio.get_running_loop().call_later(
            delay, lambda: asyncio.ensure_future(self._credential_due())
        )

    def _cancel_expiry(self) -> None:
        if self.expiry_timer is not None:
            self.expiry_timer.cancel()
            self.expiry_timer = None

    async def _credential_due(self) -> None:
        """The credential's time is up: a token or ticket has expired (the client didn't
        send a fresh one); a session may have been extended, so it is read again."""
        self.expiry_timer = None
        if self.closing:
            return
        current = None
        if self.credential.kind == SESSION:
            current = await database_sync_to_async(credential_recheck)(self.credential)
        if current is None:
            await self._close_with(UNAUTHENTICATED, "credential expired")
            return
        self.credential = current
        self._schedule_expiry()

    # -- from this process (live.open_sockets) ---------------------------------------------------

    async def close_for_restart(self) -> None:
        await self._close_with(SERVICE_RESTART)

    # -- helpers ---------------------------------------------------------------------------

    async def _send_frame(self, frame: dict[str, Any]) -> None:
        if not self.closing:
            await self.send(text_data=json.dumps(frame))

    async def _error(self, message: str) -> None:
        await self._send_frame({"type": "error", "code": "bad_request", "message": message})

    async def _close_with(self, code: int, refused: str | None = None) -> None:
        """Close with `code` (accepting first: a refused handshake carries no close code).
        The group and presence are left by disconnect(), which follows. `refused`: why the
        socket is refused (4401, 4404), for its security line."""
        if self.closing:
            return
        self.closing = True
        if refused is not None:
            log_socket_refused(self.scope, code=code, reason=refused, user_id=getattr(self, "user_id", None))
        if not self.accepted:
            await self.accept()
            self.accepted = True
        await self.close(code=code)

    async def _leave(self) -> None:
        """Leave the process's socket set, the group and presence; once, never failing and
        never for long (Redis may be what just broke)."""
        live_process().discard(self)
        if not self.joined:
            return
        self.joined = False
        try:
            async with live_process().slots:
                await self._leave_group_and_presence()
        except Exception as exc:
            logger.info("Leaving the socket's groups failed: %r", exc)

    def _groups(self) -> list[str]:
        return [board_group(self.board_id), *self._credential_groups()]

    def _credential_groups(self) -> list[str]:
        """Where revocations (and the user's notifications) arrive."""
        groups = [user_group(self.user_id)]
        if self.credential.kind == SESSION:
            groups.append(session_group(self.credential.session_key))
        return groups

    async def _leave_group_and_presence(self) -> None:
        await asyncio.wait_for(
            asyncio.gather(
                *(self.channel_layer.group_discard(group, self.channel_name) for group in self.groups_joined)
            ),
            REDIS_TIMEOUT_SECONDS,
        )
        if self.present:
            self.present = False
            await asyncio.wait_for(
                presence_leave(board_id=self.board_id, user_id=self.user_id, channel_name=self.channel_name),
                REDIS_TIMEOUT_SECONDS,
            )


def _removed_user_id(message: dict[str, Any]) -> int | None:
    user = message.get("data", {}).get("user")
    return user.get("id") if isinstance(user, dict) else None
