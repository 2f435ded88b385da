"""`/ws/notifications/`: the caller's notifications, live, on pages without a board (the
board page gets the same frames on its board socket). docs/live-updates.md,
"Notifications".

The board socket minus the board: same authentication, revocation (4401), credential
expiry and `auth` frames, same close on a Redis restart; it joins only the user's (and
session's) group, says `hello` with the unread count, and forwards `notification` and
`notifications_read`. A client sends nothing but `auth` frames.
"""

from channels.db import database_sync_to_async

from live.board_consumer import HANDLED, REVOKED, UNAUTHENTICATED, BoardConsumer
from live.notifications import unread_counts
from live.open_sockets import live_process
from live.socket_auth import CredentialRevoked, SocketCredential, credential_require
from taskboard.db.routing import primary_reads


def _unread_with_credential(*, user_id: int, credential: SocketCredential) -> int:
    """The user's unread count, after checking the credential again (CredentialRevoked)."""
    credential_require(credential)
    with primary_reads():
        return unread_counts({user_id})[user_id]


class NotificationConsumer(BoardConsumer):
    async def connect(self) -> None:
        if not await self._scope_user_taken():
            return
        async with live_process().slots:
            # Joined before the count is read and the credential checked again: nothing
            # that commits meanwhile is missed (BoardConsumer.connect).
            await self._join_groups()
            try:
                unread = await database_sync_to_async(_unread_with_credential)(
                    user_id=self.user_id, credential=self.credential
                )
            except CredentialRevoked:
                unread = None
        if unread is None:
            await self._close_with(UNAUTHENTICATED, REVOKED)
            return
        await self._accept_watched()
        await self._send_frame({"type": "hello", "unread": unread})

    async def receive(self, text_data: str | None = None, bytes_data: bytes | None = None) -> None:
        if await self._frame_after_auth(text_data) is not HANDLED:
            await self._error('Send only {"type": "auth", "token": T} (or "ticket") on this socket.')

    def _groups(self) -> list[str]:
        return self._credential_groups()
