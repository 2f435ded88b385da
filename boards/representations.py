"""Boards, lists, labels and members as the API shows them (docs/api.md), as plain dicts.

Built without serializer machinery: the same functions make the live events' `data`, the
Activity payloads and the hot board read, and the API layer may return them as they are.
"""

from datetime import UTC, datetime
from typing import Any

from accounts.models import User
from taskboard.db.timestamp_text import TimestampText, TimestampTextField

from .models import Board, BoardList, Invitation, Label, Membership

# The API's time format (REST_FRAMEWORK["DATETIME_FORMAT"]): UTC with a Z. The year has
# four digits, as ISO 8601 asks: strftime's %Y doesn't pad years before 1000 (on glibc).
DATETIME_FORMAT = "%Y-%m-%dT%H:%M:%S.%fZ"
# The same in PostgreSQL's to_char() (YYYY is padded to four digits).
POSTGRES_DATETIME_FORMAT = 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"'


def format_datetime(value: datetime | None) -> str | None:
    if value is None:
        return None
    value = value.astimezone(UTC)
    return f"{value.year:04d}" + value.strftime(DATETIME_FORMAT.removeprefix("%Y"))


class _FormattedDateTimeField(TimestampTextField):
    def format_value(self, value: datetime) -> str:
        formatted = format_datetime(value)
        assert formatted is not None
        return formatted


class FormattedDateTime(TimestampText):
    """A timestamp column as format_datetime() writes it, for values()/values_list():
    formatted by PostgreSQL where it runs (taskboard/db/timestamp_text.py)."""

    postgres_format = POSTGRES_DATETIME_FORMAT
    output_field = _FormattedDateTimeField()


def user_brief(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.pk, "name": user.name}


def board_representation(board: Board) -> dict[str, Any]:
    """The board's own fields (what board.created / board.updated events carry)."""
    return {
        "id": board.pk,
        "title": board.title,
        "description": board.description,
        "archived": board.archived,
        "viewers_can_comment": board.viewers_can_comment,
        "version": board.version,
        "created_at": format_datetime(board.created_at),
        "updated_at": format_datetime(board.updated_at),
    }


def board_summary_representation(board: Board, *, role: str | None, member_count: int) -> dict[str, Any]:
    """A row of GET boards/: the board plus the caller's role and the number of members."""
    return {
        "id": board.pk,
        "title": board.title,
        "description": board.description,
        "role": role,
        "member_count": member_count,
        "archived": board.archived,
        "version": board.version,
        "created_at": format_datetime(board.created_at),
        "updated_at": format_datetime(board.updated_at),
    }


def list_representation(board_list: BoardList) -> dict[str, Any]:
    return {
        "id": board_list.pk,
        "board_id": board_list.board_id,
        "title": board_list.title,
        "position": board_list.position,
        "wip_limit": board_list.wip_limit,
    }


def list_count_representation(*, list_id: int, total: int, wip_limit: int | None) -> dict[str, Any]:
    """A list's number of cards as the column counters show it: an item of
    `GET /boards/{id}/counts/`'s `lists`, and of the `lists` that card events carry."""
    return {
        "id": list_id,
        "total": total,
        "wip_limit": wip_limit,
        "at_limit": wip_limit is not None and total >= wip_limit,
    }


def label_representation(label: Label) -> dict[str, Any]:
    return {"id": label.pk, "name": label.name, "color": label.color}


def member_representation(membership: Membership, user: User) -> dict[str, Any]:
    return {
        "user": {"id": user.pk, "email": user.email, "name": user.name},
        "role": membership.role,
        "joined_at": format_datetime(membership.joined_at),
    }


def invitation_representation(invitation: Invitation, invited_by: User | None) -> dict[str, Any]:
    return {
        "id": invitation.pk,
        "email": invitation.email,
        "role": invitation.role,
        "invited_by": user_brief(invited_by),
        "expires_at": format_datetime(invitation.expires_at),
    }
