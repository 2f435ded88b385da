"""The request id travels with the Celery tasks a request queues: a message header set when
the task is published, and the context set around the task's run in the worker. A task
queued by a task carries it on. Connected in taskboard/celery.py."""

from typing import Any

from celery import Task

from taskboard.logs.context import board_id_var, request_id_var, task_var, user_id_var, valid_request_id

HEADER = "request_id"


def carry_request_id(headers: dict[str, Any] | None = None, **kwargs: Any) -> None:
    """before_task_publish: the current request id into the message's headers."""
    request_id = request_id_var.get()
    if request_id and headers is not None:
        headers.setdefault(HEADER, request_id)


def enter_task(task_id: str | None = None, task: Task | None = None, **kwargs: Any) -> None:
    """task_prerun: the task's log context (the request id it came with, its id and name)."""
    request_id = valid_request_id(getattr(task.request, HEADER, None)) if task is not None else None
    request_id_var.set(request_id)
    task_var.set((task_id or "", task.name if task is not None else ""))
    user_id_var.set(None)
    board_id_var.set(None)


def leave_task(**kwargs: Any) -> None:
    """task_postrun: a worker thread runs the next task with a clean context."""
    request_id_var.set(None)
    task_var.set(None)
    user_id_var.set(None)
    board_id_var.set(None)
