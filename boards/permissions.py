"""Who may do what on a board, declared per action (docs/api.md "Roles on a board").

`owner` > `admin` > `member` > `viewer`. A caller with no role on the board must not learn
that the thing exists (404); a member whose role is too low is refused (403). Rules that
depend on more than the role (authors of comments, leaving a board, nobody touches the
owner) are checked by the services on top of these.
"""

from enum import StrEnum
from typing import Any

from django.core.exceptions import ObjectDoesNotExist, PermissionDenied

from .models import Board, Role

ROLE_REFUSED = "Your role on this board does not allow this."


class Action(StrEnum):
    BOARD_VIEW = "board.view"
    BOARD_UPDATE = "board.update"
    BOARD_DELETE = "board.delete"
    BOARD_TRANSFER = "board.transfer"
    MEMBER_VIEW = "member.view"
    MEMBER_MANAGE = "member.manage"
    INVITATION_VIEW = "invitation.view"
    INVITATION_REVOKE = "invitation.revoke"
    LIST_CHANGE = "list.change"
    LABEL_CHANGE = "label.change"
    TASK_CHANGE = "task.change"
    COMMENT_CREATE = "comment.create"
    # Editing or deleting one's own comment; anybody else's needs COMMENT_MODERATE.
    COMMENT_CHANGE_OWN = "comment.change_own"
    COMMENT_MODERATE = "comment.moderate"


REQUIRED_ROLE: dict[Action, Role] = {
    Action.BOARD_VIEW: Role.VIEWER,
    Action.BOARD_UPDATE: Role.ADMIN,
    Action.BOARD_DELETE: Role.OWNER,
    Action.BOARD_TRANSFER: Role.OWNER,
    Action.MEMBER_VIEW: Role.VIEWER,
    Action.MEMBER_MANAGE: Role.ADMIN,
    Action.INVITATION_VIEW: Role.ADMIN,
    Action.INVITATION_REVOKE: Role.ADMIN,
    Action.LIST_CHANGE: Role.MEMBER,
    Action.LABEL_CHANGE: Role.ADMIN,
    Action.TASK_CHANGE: Role.MEMBER,
    Action.COMMENT_CREATE: Role.MEMBER,
    Action.COMMENT_CHANGE_OWN: Role.MEMBER,
    Action.COMMENT_MODERATE: Role.ADMIN,
}


VIEWER_COMMENT_ACTIONS = frozenset({Action.COMMENT_CREATE, Action.COMMENT_CHANGE_OWN})


def as_role(value: str | Role | None) -> Role | None:
    return None if value is None else Role(value)


def role_of(row: Any) -> Role | None:
    """The caller's role on the board of `row` (a board, list, label, invitation, task,
    comment), as the *_get_for_user selectors annotate it (`user_role`); None for
    non-members and for rows read without it."""
    return as_role(getattr(row, "user_role", None))


def required_role(action: Action, board: Board | None = None) -> Role:
    """The lowest role allowed `action` on `board`: a board's settings may lower it (with
    viewers_can_comment, viewers comment, and edit and delete their own comments). Without
    the board, the role the action needs on any board."""
    if action in VIEWER_COMMENT_ACTIONS and board is not None and board.viewers_can_comment:
        return Role.VIEWER
    return REQUIRED_ROLE[action]


def can(role: str | Role | None, action: Action, board: Board | None = None) -> bool:
    """True when a member with `role` may do `action` (on `board`, whose settings may
    allow more; False for non-members)."""
    member_role = as_role(role)
    return member_role is not None and member_role.rank >= required_role(action, board).rank


def require(
    role: str | Role | None,
    action: Action,
    *,
    not_found: type[ObjectDoesNotExist] = Board.DoesNotExist,
    board: Board | None = None,
) -> Role:
    """The caller's role when it allows `action` (on `board`, see can()); otherwise
    `not_found` for non-members (they must not learn the thing exists) and
    PermissionDenied for members."""
    member_role = as_role(role)
    if member_role is None:
        raise not_found(f"{not_found.__qualname__.split('.')[0]} not found.")
    if member_role.rank < required_role(action, board).rank:
        raise PermissionDenied(ROLE_REFUSED)
    return member_role


def require_role(row: Any, action: Action, board: Board | None = None) -> None:
    """PermissionDenied (the 403 page) unless the caller's role on the board of `row`
    allows `action` (on `board`, whose settings may allow more: can()). A page that shows a
    form for a write calls it before it reads the form: a refused caller must not get the
    page back with the form's errors (nor its other controls)."""
    if not can(role_of(row), action, board):
        raise PermissionDenied(ROLE_REFUSED)


def board_permissions(role: str | Role | None, board: Board | None = None) -> dict[str, bool]:
    """What a page may offer a member with `role` on `board` (the services check again)."""
    return {
        "edit_tasks": can(role, Action.TASK_CHANGE),
        "edit_lists": can(role, Action.LIST_CHANGE),
        "comment": can(role, Action.COMMENT_CREATE, board),
        "moderate": can(role, Action.COMMENT_MODERATE),
        "edit_board": can(role, Action.BOARD_UPDATE),
        "edit_labels": can(role, Action.LABEL_CHANGE),
        "manage_members": can(role, Action.MEMBER_MANAGE),
        "see_invitations": can(role, Action.INVITATION_VIEW),
        "delete_board": can(role, Action.BOARD_DELETE),
        "transfer": can(role, Action.BOARD_TRANSFER),
    }
