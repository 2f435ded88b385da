"""What a task write gives back besides the task: the task as the API shows it after the
write, the data of the write's last event, so the API answers with it instead of reading
the task again (three queries). And the new counts of the lists a write changes, which its
event carries (docs/api.md, the event's `lists`): counted while the write holds the board's
lock, by the reads the write makes anyway (taskboard/db/task_queries.py), so they are exact
in commit order."""

from dataclasses import dataclass
from typing import Any

from boards.representations import list_count_representation
from taskboard.db.task_queries import OwnList
from taskboard.metrics import count_on_commit
from taskboard.metrics.families import tasks_completed, tasks_created, tasks_moved
from writes import BoardWrite

from ..models import Task
from ..queries import ListForWrite

# Every task write records its event here: the business counters count the events, once
# their transaction commits.
COUNTED_VERBS = {"task.created": tasks_created, "task.moved": tasks_moved, "task.completed": tasks_completed}


@dataclass(frozen=True)
class WrittenTask:
    task: Task
    # The task's representation (docs/api.md) after the write; None when the write changed
    # nothing (e.g. a move to where the task already was).
    representation: dict[str, Any] | None


@dataclass(frozen=True)
class MovedTask(WrittenTask):
    # The list the task was in before the move.
    from_list_id: int
    # The new counts of the lists the move changed, as its event carries them (None when
    # the task stayed where it was).
    lists: list[dict[str, Any]] | None = None


def list_joined(target: ListForWrite, *, added: bool = True) -> dict[str, Any]:
    """The count of the list a task was created in or moved to, after the write: one more
    than the write read (`added`: the task was not in it), or as read (a move within it)."""
    return list_count_representation(
        list_id=target.board_list.pk,
        total=target.task_count + (1 if added else 0),
        wip_limit=target.board_list.wip_limit,
    )


def list_left(list_id: int, own_list: OwnList | None) -> dict[str, Any]:
    """The count of the list a task was deleted from or moved out of, after the write."""
    assert own_list is not None, "read the task with its own list's count (fresh_task(own_list=True))"
    return list_count_representation(
        list_id=list_id, total=own_list.task_count - 1, wip_limit=own_list.wip_limit
    )


def record_task(
    write: BoardWrite,
    verb: str,
    task: Task,
    data: dict[str, Any],
    *,
    lists: list[dict[str, Any]] | None = None,
) -> dict[str, Any]:
    """Record the task's event with `data` (and the new counts of the `lists` it changed);
    the task's representation, which is the data without a renumbering's `positions` (those
    are the event's, not the task's)."""
    envelope = None if lists is None else {"lists": lists}
    write.record(verb=verb, target_id=task.pk, target_title=task.title, data=data, envelope=envelope)
    counter = COUNTED_VERBS.get(verb)
    if counter is not None:
        count_on_commit(counter)
    return {key: value for key, value in data.items() if key != "positions"}
