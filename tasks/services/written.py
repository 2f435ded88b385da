"""What a task write gives back besides the task: the task as the API shows it after the
write, the data of the write's last event, so the API answers with it instead of reading
the task again (three queries)."""

from dataclasses import dataclass
from typing import Any

from taskboard.metrics import count_on_commit
from taskboard.metrics.families import tasks_completed, tasks_created, tasks_moved
from writes import BoardWrite

from ..models import Task

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


def record_task(write: BoardWrite, verb: str, task: Task, data: dict[str, Any]) -> dict[str, Any]:
    """Record the task's event with `data`; the task's representation, which is the data
    without a renumbering's `positions` (those are the event's, not the task's)."""
    write.record(verb=verb, target_id=task.pk, target_title=task.title, data=data)
    counter = COUNTED_VERBS.get(verb)
    if counter is not None:
        count_on_commit(counter)
    return {key: value for key, value in data.items() if key != "positions"}
