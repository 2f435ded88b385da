"""What every log record of a request, a task or a socket carries: the request id, the user
and board ids where known, the Celery task. Held in contextvars, so threads of a request
(sync_to_async copies the context) and the asyncio task of a socket each see their own, and
copied onto each record by `ContextFilter` (installed on the handlers by the logging config).
"""

import logging
import os
import re
from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from typing import Any

from django.utils.functional import SimpleLazyObject, empty

# nginx sends `$request_id` (32 hex digits); clients and other proxies send UUIDs or their
# own trace ids. Anything else — too long, or with characters that could forge a log line or
# a header — is replaced by a fresh id.
REQUEST_ID_MAX_LENGTH = 64
REQUEST_ID_PATTERN = re.compile(r"[A-Za-z0-9._:-]{1,%d}" % REQUEST_ID_MAX_LENGTH)  # noqa: UP031
REQUEST_ID_HEADER = "X-Request-ID"

request_id_var: ContextVar[str | None] = ContextVar("taskboard_request_id", default=None)
user_id_var: ContextVar[int | None] = ContextVar("taskboard_user_id", default=None)
board_id_var: ContextVar[int | None] = ContextVar("taskboard_board_id", default=None)
task_var: ContextVar[tuple[str, str] | None] = ContextVar("taskboard_task", default=None)
# The HttpRequest being served: its user is read lazily, once authentication has run.
request_var: ContextVar[Any] = ContextVar("taskboard_request", default=None)

# The fields ContextFilter sets on every record (None when unknown).
CONTEXT_FIELDS = ("request_id", "user_id", "board_id", "task_id", "task_name")


def new_request_id() -> str:
    # 32 hex digits of 16 random bytes: uuid4().hex's format at a tenth of its cost (it
    # builds a UUID object; docs/benchmarks.md "Metrics' cost").
    return os.urandom(16).hex()


def valid_request_id(value: object) -> str | None:
    if isinstance(value, str) and REQUEST_ID_PATTERN.fullmatch(value):
        return value
    return None


def request_id_from(value: object) -> str:
    """The request id a caller sent, if it is one we accept; a new one otherwise."""
    return valid_request_id(value) or new_request_id()


def current_request_id() -> str | None:
    return request_id_var.get()


@contextmanager
def bound(
    *, request_id: str | None = None, user_id: int | None = None, board_id: int | None = None
) -> Iterator[None]:
    """Set these fields (the ones not None) for the code inside, restoring them after."""
    request_token = request_id_var.set(request_id) if request_id is not None else None
    user_token = user_id_var.set(user_id) if user_id is not None else None
    board_token = board_id_var.set(board_id) if board_id is not None else None
    try:
        yield
    finally:
        if board_token is not None:
            board_id_var.reset(board_token)
        if user_token is not None:
            user_id_var.reset(user_token)
        if request_token is not None:
            request_id_var.reset(request_token)


def bind_board(board_id: int) -> None:
    """The board this request or task works on, for the rest of it (a write learns it under
    its lock; the request or task's own context ends with it)."""
    board_id_var.set(board_id)


def bind_user(user_id: int) -> None:
    user_id_var.set(user_id)


def _request_user_id(request: Any) -> int | None:
    """The authenticated user's id if authentication has already run: never a query from a
    log line. Django's middleware leaves a lazy object, DRF puts the user it found there."""
    user = request.__dict__.get("user")
    if isinstance(user, SimpleLazyObject):
        user = user._wrapped
        if user is empty:
            return None
    if user is None or not getattr(user, "is_authenticated", False):
        return None
    pk = getattr(user, "pk", None)
    return pk if isinstance(pk, int) else None


class ContextFilter(logging.Filter):
    """Copies the context onto the record (a field the record already has is kept)."""

    def filter(self, record: logging.LogRecord) -> bool:
        if getattr(record, "_taskboard_context", False):
            return True
        record._taskboard_context = True
        user_id = user_id_var.get()
        if user_id is None and (request := request_var.get()) is not None:
            user_id = _request_user_id(request)
        task = task_var.get()
        values = {
            "request_id": request_id_var.get(),
            "user_id": user_id,
            "board_id": board_id_var.get(),
            "task_id": task[0] if task else None,
            "task_name": task[1] if task else None,
        }
        for name, value in values.items():
            if getattr(record, name, None) is None:
                setattr(record, name, value)
        return True
