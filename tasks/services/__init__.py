"""Writes to tasks and comments (docs/design.md rule 1), by what they write:

- task_writes: create, update (its parts in task_update), complete, reopen, delete;
- task_move: the move within a list or to another one;
- comment_writes: comments;
- task_fields: the field checks and limits the task writes share; notifying: who a write
  notifies; written: what a task write gives back besides the task (WrittenTask).

Callers import these names from `tasks.services`, not from its modules. The `*_written`
variants give back a WrittenTask (the task and its representation as the write recorded
it, which the API answers with); the plain names give back the task.
"""

from .comment_writes import comment_create, comment_delete, comment_update
from .task_fields import (
    COMMENT_MAX_LENGTH,
    DESCRIPTION_MAX_LENGTH,
    DUE_AT_EARLIEST,
    DUE_AT_LATEST,
    DUE_AT_RANGE_MESSAGE,
    MAX_ASSIGNEES,
    MAX_LABELS,
    TITLE_MAX_LENGTH,
    WIP_LIMIT_REASON,
    wip_limit_message,
)
from .task_move import task_move, task_move_written
from .task_writes import (
    TaskChanges,
    stale_task_message,
    task_complete,
    task_create,
    task_create_written,
    task_delete,
    task_reopen,
    task_update,
    task_update_written,
)
from .written import MovedTask, WrittenTask

__all__ = [
    "COMMENT_MAX_LENGTH",
    "DESCRIPTION_MAX_LENGTH",
    "DUE_AT_EARLIEST",
    "DUE_AT_LATEST",
    "DUE_AT_RANGE_MESSAGE",
    "MAX_ASSIGNEES",
    "MAX_LABELS",
    "TITLE_MAX_LENGTH",
    "WIP_LIMIT_REASON",
    "MovedTask",
    "TaskChanges",
    "WrittenTask",
    "comment_create",
    "comment_delete",
    "comment_update",
    "stale_task_message",
    "task_complete",
    "task_create",
    "task_create_written",
    "task_delete",
    "task_move",
    "task_move_written",
    "task_reopen",
    "task_update",
    "task_update_written",
    "wip_limit_message",
]
