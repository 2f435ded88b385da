"""The role matrix of docs/api.md "Roles on a board", action by action."""

import pytest
from django.core.exceptions import PermissionDenied

from boards.models import Board, BoardList
from boards.permissions import REQUIRED_ROLE, Action, can, require

ROLES = (None, "viewer", "member", "admin", "owner")

# Who may do each action, in the words of docs/api.md.
ALLOWED: dict[Action, set[str]] = {
    Action.BOARD_VIEW: {"viewer", "member", "admin", "owner"},
    Action.MEMBER_VIEW: {"viewer", "member", "admin", "owner"},
    Action.LIST_CHANGE: {"member", "admin", "owner"},
    Action.TASK_CHANGE: {"member", "admin", "owner"},
    Action.COMMENT_CREATE: {"member", "admin", "owner"},
    Action.COMMENT_CHANGE_OWN: {"member", "admin", "owner"},
    Action.BOARD_UPDATE: {"admin", "owner"},
    Action.LABEL_CHANGE: {"admin", "owner"},
    Action.MEMBER_MANAGE: {"admin", "owner"},
    Action.INVITATION_VIEW: {"admin", "owner"},
    Action.INVITATION_REVOKE: {"admin", "owner"},
    Action.COMMENT_MODERATE: {"admin", "owner"},
    Action.BOARD_DELETE: {"owner"},
    Action.BOARD_TRANSFER: {"owner"},
}


def test_every_action_is_declared() -> None:
    assert set(ALLOWED) == set(Action) == set(REQUIRED_ROLE)


@pytest.mark.parametrize("action", list(Action))
@pytest.mark.parametrize("role", ROLES)
def test_the_matrix(action: Action, role: str | None) -> None:
    allowed = role in ALLOWED[action]

    assert can(role, action) is allowed
    if allowed:
        assert require(role, action) == role
    elif role is None:
        with pytest.raises(Board.DoesNotExist):
            require(role, action)
    else:
        with pytest.raises(PermissionDenied):
            require(role, action)


def test_a_non_member_gets_the_not_found_of_the_thing_asked_for() -> None:
    with pytest.raises(BoardList.DoesNotExist):
        require(None, Action.LIST_CHANGE, not_found=BoardList.DoesNotExist)
