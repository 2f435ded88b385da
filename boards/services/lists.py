"""Writes to a board's lists: add, rename or limit, move, delete."""

from typing import TypedDict, Unpack

from django.db import router
from django.utils import timezone

from accounts.models import User
from boards.models import BoardList
from boards.permissions import Action
from boards.representations import list_representation
from writes import (
    ChildrenOf,
    FieldErrors,
    append_position,
    board_write,
    clean_index,
    clean_positive_int_or_none,
    clean_required_text,
    place_at_index,
)

from .changes import apply_changes


def list_create(*, actor: User, board_id: int, title: str, wip_limit: int | None = None) -> BoardList:
    """Append a list to the board (member+)."""
    with board_write(board_id=board_id, actor=actor) as write:
        write.require(Action.LIST_CHANGE)
        errors = FieldErrors()
        title = clean_required_text(errors, "title", title, max_length=200)
        wip_limit = clean_positive_int_or_none(errors, "wip_limit", wip_limit)
        errors.raise_if_any()
        board_list = BoardList.objects.create(
            board=write.board,
            title=title,
            wip_limit=wip_limit,
            position=append_position(BoardList.objects.filter(board=write.board)),
        )
        write.record(
            verb="list.created",
            target_id=board_list.pk,
            target_title=board_list.title,
            data=list_representation(board_list),
        )
    return board_list


class ListChanges(TypedDict, total=False):
    title: str
    wip_limit: int | None


def list_update(*, actor: User, list_id: int, **changes: Unpack[ListChanges]) -> BoardList:
    """Rename a list or change its WIP limit (member+). Lowering the limit below the
    number of tasks in the list is allowed; it only stops more moving in."""
    with board_write(of=(BoardList, list_id), actor=actor) as write:
        write.require(Action.LIST_CHANGE, not_found=BoardList.DoesNotExist)
        current = BoardList.objects.get(pk=list_id, board=write.board)
        errors = FieldErrors()
        values: dict[str, object] = {}
        if "title" in changes:
            values["title"] = clean_required_text(errors, "title", changes["title"], max_length=200)
        if "wip_limit" in changes:
            values["wip_limit"] = clean_positive_int_or_none(errors, "wip_limit", changes["wip_limit"])
        errors.raise_if_any()
        changed = apply_changes(current, values)
        if changed:
            current.updated_at = timezone.now()
            current.save(update_fields=[*changed, "updated_at"])
            write.record(
                verb="list.updated",
                target_id=current.pk,
                target_title=current.title,
                data=list_representation(current),
            )
    return current


def list_move(*, actor: User, list_id: int, index: int) -> BoardList:
    """Move a list to 0-based `index` among the board's lists (member+)."""
    with board_write(of=(BoardList, list_id), actor=actor) as write:
        write.require(Action.LIST_CHANGE, not_found=BoardList.DoesNotExist)
        current = BoardList.objects.get(pk=list_id, board=write.board)
        errors = FieldErrors()
        index = clean_index(errors, "index", index)
        errors.raise_if_any()
        siblings = ChildrenOf(
            BoardList, "board", write.board.pk, current.pk, using=router.db_for_write(BoardList)
        )
        placement = place_at_index(siblings, index, current_position=current.position)
        if placement.moves(current.position):
            current.position = placement.position
            current.updated_at = timezone.now()
            current.save(update_fields=["position", "updated_at"])
            data = list_representation(current)
            if placement.renumbered:
                data["positions"] = placement.event_positions()
            write.record(verb="list.moved", target_id=current.pk, target_title=current.title, data=data)
    return current


def list_delete(*, actor: User, list_id: int) -> BoardList:
    """Delete a list and its tasks (member+); answers the list as it was."""
    with board_write(of=(BoardList, list_id), actor=actor) as write:
        write.require(Action.LIST_CHANGE, not_found=BoardList.DoesNotExist)
        current = BoardList.objects.get(pk=list_id, board=write.board)
        data = list_representation(current)
        current.delete()
        write.record(verb="list.deleted", target_id=data["id"], target_title=current.title, data=data)
    return current
