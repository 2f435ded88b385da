"""Per-request (or per-task) read routing state, kept in a context variable."""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field


@dataclass
class ReadScope:
    # Replicas may serve this scope's reads (web requests that did not just write).
    allow_replicas: bool
    # Set by the router on the first write: later reads in the scope use the primary.
    wrote: bool = False
    replicas_used: set[str] = field(default_factory=set)


_scope: ContextVar[ReadScope | None] = ContextVar("taskboard_read_scope", default=None)


def current_scope() -> ReadScope | None:
    return _scope.get()


@contextmanager
def read_scope(*, allow_replicas: bool) -> Iterator[ReadScope]:
    scope = ReadScope(allow_replicas=allow_replicas)
    token = _scope.set(scope)
    try:
        yield scope
    finally:
        _scope.reset(token)


@contextmanager
def primary_reads() -> Iterator[ReadScope]:
    with read_scope(allow_replicas=False) as scope:
        yield scope
