"""Per-request (or per-task) read routing state, kept in a context variable.

Outside any scope (shell, management commands, Celery tasks) reads go to the primary:
only web requests opt into replica reads, through ReadYourWritesMiddleware.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass, field

from taskboard.metrics.database import count_read_routed


@dataclass
class ReadScope:
    # Replicas may serve this scope's reads (web requests that did not just write).
    allow_replicas: bool
    # Why reads go to the primary when replicas are not allowed (for the metrics):
    # primary_after_write (a write request, a client that just wrote), replica_lagging (a
    # replica failed mid-request), primary_forced (tasks reading back a commit).
    primary_reason: str = "primary_forced"
    # Set by the router on the first write: later reads in the scope use the primary.
    wrote: bool = False
    # The replica this scope reads from: one per scope, so two reads of a request never
    # see two different points in time.
    replica: str | None = None
    # Every replica the scope read from (the failover blames these when a read fails).
    replicas_used: set[str] = field(default_factory=set)
    # Every alias the router sent a read to, primary included (for X-Taskboard-Read-From).
    read_aliases: set[str] = field(default_factory=set)
    # (alias, reason) -> reads routed so: counted once when the scope ends, one write to the
    # metrics per kind instead of one per read (taskboard_db_reads_routed_total).
    routed: dict[tuple[str, str], int] = field(default_factory=dict)


_scope: ContextVar[ReadScope | None] = ContextVar("taskboard_read_scope", default=None)


def current_scope() -> ReadScope | None:
    return _scope.get()


@contextmanager
def read_scope(*, allow_replicas: bool, primary_reason: str = "primary_forced") -> Iterator[ReadScope]:
    scope = ReadScope(allow_replicas=allow_replicas, primary_reason=primary_reason)
    token = _scope.set(scope)
    try:
        yield scope
    finally:
        _scope.reset(token)
        for (alias, reason), reads in scope.routed.items():
            count_read_routed(alias, reason, reads)


@contextmanager
def primary_reads() -> Iterator[ReadScope]:
    """Every read inside goes to the primary (tasks reading back a write that just committed)."""
    with read_scope(allow_replicas=False) as scope:
        yield scope
