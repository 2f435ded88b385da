"""The board socket's reads (live.board_consumer): is the user (still) a member, the board's
latest seq, and the frames that answer a client's {"type": "resync", "since": N}. Replays
come from the Activity table, as the activity feed does."""

from typing import Any

from django.conf import settings

from activity.selectors import activity_after
from boards.models import Board, Membership
from live.publishing import ENVELOPE_FIELDS, event_message
from live.socket_auth import SocketCredential, credential_require
from taskboard.db.routing import primary_reads


def latest_seq_for_member(*, user_id: int, board_id: int) -> int | None:
    """The board's latest seq if the user is a member, else None. Read on the primary: a
    member just removed must not pass on a lagging replica, a replay must not miss the
    newest events."""
    with primary_reads():
        return (
            Membership.objects.filter(board_id=board_id, user_id=user_id)
            .values_list("board__event_seq", flat=True)
            .first()
        )


def latest_seq_for_member_with_credential(
    *, user_id: int, board_id: int, credential: SocketCredential
) -> int | None:
    """latest_seq_for_member, after checking the credential again (CredentialRevoked)."""
    credential_require(credential)
    return latest_seq_for_member(user_id=user_id, board_id=board_id)


def replay(
    *, user_id: int, board_id: int, since: int, credential: SocketCredential
) -> list[dict[str, Any]] | None:
    """The frames answering {"type": "resync", "since": N}; None when the user lost access.
    Raises CredentialRevoked when the socket's credential no longer holds: a revocation
    whose close message was lost must not replay history."""
    credential_require(credential)
    latest = latest_seq_for_member(user_id=user_id, board_id=board_id)
    if latest is None:
        return None
    if since > latest or latest - since > settings.LIVE_RESYNC_MAX_EVENTS:
        return [{"type": "reset"}]
    with primary_reads():
        activities = activity_after(board=Board(pk=board_id), seq=since, limit=latest - since)
    return [event_frame(event_message(activity, actor=activity.actor)) for activity in activities]


def event_frame(message: dict[str, Any]) -> dict[str, Any]:
    """A `board.event` group message as the client's `event` frame (with the envelope's
    added fields the event carries: live.publishing.ENVELOPE_FIELDS)."""
    frame = {
        "type": "event",
        "seq": message["seq"],
        "verb": message["verb"],
        "actor": message["actor"],
        "data": message["data"],
        "at": message["at"],
    }
    for name in ENVELOPE_FIELDS:
        if name in message:
            frame[name] = message[name]
    return frame
