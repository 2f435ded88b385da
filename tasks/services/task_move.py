"""Moving a task within its list or to another one: one task row written in the common
case (sparse positions, writes.ordering)."""

from django.db import router
from django.utils import timezone

from accounts.models import User
from boards.permissions import Action
from taskboard.db.ids import pk_of
from writes import (
    ChildrenOf,
    FieldErrors,
    PrefetchedSiblings,
    Siblings,
    board_write,
    clean_index,
    place_at_index,
)

from .. import watches
from ..locked_reads import fresh_task_and_list, index_after, task_data
from ..models import Task
from .task_fields import check_wip_limit
from .written import MovedTask, list_joined, list_left, record_task


def task_move(
    *, task: Task | int, actor: User, to_list_id: int, index: int = 0, after_task_id: int | None = None
) -> Task:
    """Move the task to 0-based `index` among the other tasks of list `to_list_id`
    (member+); see task_move_written()."""
    return task_move_written(
        task=task, actor=actor, to_list_id=to_list_id, index=index, after_task_id=after_task_id
    ).task


def task_move_written(
    *, task: Task | int, actor: User, to_list_id: int, index: int = 0, after_task_id: int | None = None
) -> MovedTask:
    """Move the task to 0-based `index` among the other tasks of list `to_list_id`
    (member+), or, given `after_task_id` (a card dropped under another on the page, which
    may show only some of a list's cards), right after that task, at the bottom when it is
    no longer in that list. Writes one task row in the common case. Moving into another
    list that is at its WIP limit raises ConflictError. `task` may be given by its id (the
    views read nothing before)."""
    task_id = pk_of(task)
    with board_write(of=(Task, task_id), actor=actor) as write:
        write.require(Action.TASK_CHANGE, not_found=Task.DoesNotExist)
        errors = FieldErrors()
        if after_task_id is not None:
            # Under the lock: the anchor's place is the one this write sees.
            index = index_after(list_value=to_list_id, anchor_id=after_task_id, moving_id=task_id)
        index = clean_index(errors, "index", index)
        fresh, target, window = fresh_task_and_list(write, task_id, errors, to_list_id, index)
        errors.raise_if_any()
        assert target is not None
        current = fresh.task
        from_list_id = current.list_id

        same_list = target.board_list.pk == current.list_id
        if not same_list:
            check_wip_limit(target)
        siblings: Siblings = ChildrenOf(
            Task, "list", target.board_list.pk, current.pk, using=router.db_for_write(Task)
        )
        if window is not None:
            siblings = PrefetchedSiblings(siblings, window.index, window.positions, window.last)
        placement = place_at_index(
            siblings,
            index,
            current_position=current.position if same_list else None,
        )
        if same_list and not placement.moves(current.position):
            return MovedTask(current, None, from_list_id)
        if not same_list:
            watches.notify_move(write, current, target.board_list)
        current.list = target.board_list
        current.position = placement.position
        current.version += 1
        current.updated_at = timezone.now()
        write.update_later(current, ["list", "position", "version", "updated_at"])
        data = task_data(fresh)
        if placement.renumbered:
            data["positions"] = placement.event_positions()
        # The counts the move leaves (the task was read with its own list's when it leaves it).
        lists = (
            [list_joined(target, added=False)]
            if same_list
            else [list_left(from_list_id, fresh.own_list), list_joined(target)]
        )
        representation = record_task(write, "task.moved", current, data, lists=lists)
    return MovedTask(current, representation, from_list_id, lists)
