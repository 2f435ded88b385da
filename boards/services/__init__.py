"""Writes to boards, members, invitations, lists and labels (docs/design.md rule 1): the
public names; the modules behind them hold one kind of row each.

Each service takes ids and the acting user, and is one transaction holding the board's
row lock (writes.board_transaction): it checks the actor's role, validates, changes the rows,
records the Activity with the board's next seq and bumps the board's version; the live
event and any mail go out after the commit. A caller who is not a member of the board gets
the model's DoesNotExist (a 404 that reveals nothing), a member whose role is too low gets
PermissionDenied. Callers read nothing and authorize nothing before (they may read for
display).
"""

from .board import (
    BOARD_DESCRIPTION_MAX_LENGTH,
    DEFAULT_LABELS,
    DEFAULT_LIST_TITLES,
    MAX_LISTS_ON_CREATE,
    BoardChanges,
    board_create,
    board_delete,
    board_transfer,
    board_update,
)
from .invitations import (
    hash_invitation_token,
    invitation_accept,
    invitation_accept_url,
    invitation_mail_key,
    invitation_revoke,
)
from .labels import LabelChanges, label_create, label_delete, label_update
from .lists import ListChanges, list_create, list_delete, list_move, list_update
from .members import ASSIGNABLE_ROLES, member_add, member_remove, member_update_role

__all__ = [
    "ASSIGNABLE_ROLES",
    "BOARD_DESCRIPTION_MAX_LENGTH",
    "DEFAULT_LABELS",
    "DEFAULT_LIST_TITLES",
    "MAX_LISTS_ON_CREATE",
    "BoardChanges",
    "LabelChanges",
    "ListChanges",
    "board_create",
    "board_delete",
    "board_transfer",
    "board_update",
    "hash_invitation_token",
    "invitation_accept",
    "invitation_accept_url",
    "invitation_mail_key",
    "invitation_revoke",
    "label_create",
    "label_delete",
    "label_update",
    "list_create",
    "list_delete",
    "list_move",
    "list_update",
    "member_add",
    "member_remove",
    "member_update_role",
]
