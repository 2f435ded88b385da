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
# The HttpRequest being served: its user and board are read lazily, when a line is logged
# (the user once authentication has run, the board once the URL is resolved).
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


def enter_request(request_id_header: object, request: Any) -> str:
    """A request starts: its id (the caller's if we accept it, a new one otherwise) and the
    request itself, from which a log line reads its user and board (ContextFilter). Two
    context variables set per request, not four: each set is a copy of the context's
    mapping and a token (docs/benchmarks.md "Metrics' cost")."""
    request_id = (request_id_header is not None and valid_request_id(request_id_header)) or new_request_id()
    request_id_var.set(request_id)
    request_var.set(request)
    return request_id


def leave_request(**kwargs: Any) -> None:
    """A request has ended (Django's request_finished, after it logged a 4xx or 5xx): a
    sync worker's thread keeps its context between requests, and a line logged between two
    must not carry the last one's id. The user and the board were set only if a write or a
    socket learnt them (bind_board, bind_user)."""
    request_id_var.set(None)
    request_var.set(None)
    if user_id_var.get() is not None:
        user_id_var.set(None)
    if board_id_var.get() is not None:
        board_id_var.set(None)


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


def _request_board_id(request: Any) -> int | None:
    """The board the request's URL names (`<int:board_id>`), once Django has resolved it."""
    match = getattr(request, "resolver_match", None)
    if match is None:
        return None
    board_id = match.kwargs.get("board_id")
    return board_id if isinstance(board_id, int) else None


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
        user_id, board_id = user_id_var.get(), board_id_var.get()
        request = request_var.get()
        if request is not None:
            # Read from the request when a line is logged, not set on every request.
            if user_id is None:
                user_id = _request_user_id(request)
            if board_id is None:
                board_id = _request_board_id(request)
        task = task_var.get()
        values = {
            "request_id": request_id_var.get(),
            "user_id": user_id,
            "board_id": board_id,
            "task_id": task[0] if task else None,
            "task_name": task[1] if task else None,
        }
        for name, value in values.items():
            if getattr(record, name, None) is None:
                setattr(record, name, value)
        return True
