"""Sparse ordering keys for lists on a board and tasks in a list.

Positions are integers spaced POSITION_STEP apart. Appending takes the last position plus
a step; a move takes the midpoint between its new neighbours, so it writes one row. Only
when two neighbours are adjacent integers is there no midpoint left: then the siblings are
renumbered in one pass (rare: it takes ~16 moves into the same gap). Callers hold the
board's row lock, so nobody else reads or writes these positions meanwhile.
"""

from dataclasses import dataclass, field
from typing import Protocol

from django.db import connections
from django.db.models import Model, QuerySet

POSITION_STEP = 1 << 16
RENUMBER_BATCH_SIZE = 500


@dataclass
class Placement:
    position: int
    # Siblings whose positions a renumbering pass changed, {pk: new position}; empty in
    # the common case.
    renumbered: dict[int, int] = field(default_factory=dict)


def append_position(siblings: "QuerySet[Model]") -> int:
    """The position after the last of `siblings`."""
    return position_after(siblings.order_by("-position").values_list("position", flat=True).first())


def position_after(last: int | None) -> int:
    """The position that appends after `last`, the last sibling's (None: no siblings)."""
    return POSITION_STEP if last is None else last + POSITION_STEP


class Siblings(Protocol):
    """The rows a moving row is placed among, read by position."""

    def window(self, offset: int, limit: int) -> list[int]:
        """Up to `limit` positions in order, from the `offset`-th."""
        ...

    def last(self) -> int | None: ...

    def queryset(self) -> "QuerySet[Model]":
        """The rows themselves (for renumbering)."""
        ...


@dataclass
class ChildrenOf:
    """The rows of `model` under one parent (a list's tasks, a board's lists) but the one
    that moves, read with written-out SQL: building the equivalent querysets cost a sixth
    of the CPU of a task move (docs/benchmarks.md). Table and column names come from the
    model's metadata, never from input."""

    model: type[Model]
    parent: str  # the ForeignKey's name, e.g. "list"
    parent_id: int
    moving_pk: int
    using: str

    def _read(self, order: str, limit: int, offset: int) -> list[int]:
        meta = self.model._meta
        parent_column = meta.get_field(self.parent).column  # type: ignore[union-attr]
        assert meta.pk is not None
        sql = (
            f'SELECT "position" FROM "{meta.db_table}" '  # noqa: S608
            f'WHERE "{parent_column}" = %s AND "{meta.pk.column}" <> %s '
            f'ORDER BY "position" {order} LIMIT %s OFFSET %s'
        )
        with connections[self.using].cursor() as cursor:
            cursor.execute(sql, [self.parent_id, self.moving_pk, limit, offset])
            return [row[0] for row in cursor.fetchall()]

    def window(self, offset: int, limit: int) -> list[int]:
        return self._read("ASC", limit, offset)

    def last(self) -> int | None:
        found = self._read("DESC", 1, 0)
        return found[0] if found else None

    def queryset(self) -> "QuerySet[Model]":
        manager = self.model._default_manager.using(self.using)
        return manager.filter(**{f"{self.parent}_id": self.parent_id}).exclude(pk=self.moving_pk)


@dataclass
class PrefetchedSiblings:
    """Siblings whose window for one index (see window_for) and last position were read
    already (in the statement that read the moving row); anything else is read by `rest`."""

    rest: Siblings
    index: int
    prefetched_window: list[int]
    prefetched_last: int | None

    def window(self, offset: int, limit: int) -> list[int]:
        if (offset, limit) == window_for(self.index):
            return self.prefetched_window
        return self.rest.window(offset, limit)

    def last(self) -> int | None:
        return self.prefetched_last

    def queryset(self) -> "QuerySet[Model]":
        return self.rest.queryset()


def window_for(index: int) -> tuple[int, int]:
    """(offset, limit) of the positions place_at_index() reads first for `index`."""
    return (0, 1) if index == 0 else (index - 1, 2)


def place_at_index(siblings: Siblings, index: int, *, current_position: int | None = None) -> Placement:
    """A position that puts a row at 0-based `index` among `siblings` (the other rows of
    the list or board, without the one that moves). An index past the end appends.

    `current_position` is the row's position when it stays among the same siblings: if it
    already sits at `index`, it is returned unchanged and nothing is written.
    """
    if index < 0:
        raise ValueError("index must be 0 or more")
    if index == 0:
        found = siblings.window(0, 1)
        if not found:
            return Placement(POSITION_STEP if current_position is None else current_position)
        first = found[0]
        if current_position is not None and current_position < first:
            return Placement(current_position)
        return Placement(first - POSITION_STEP)
    around = siblings.window(index - 1, 2)
    if len(around) == 2:
        before, after = around
        if current_position is not None and before < current_position < after:
            return Placement(current_position)
        if after - before > 1:
            return Placement((before + after) // 2)
        return _renumber(siblings.queryset(), index)
    last = around[0] if around else siblings.last()
    if last is None:
        return Placement(POSITION_STEP if current_position is None else current_position)
    if current_position is not None and current_position > last:
        return Placement(current_position)
    return Placement(last + POSITION_STEP)


def _renumber(siblings: "QuerySet[Model]", index: int) -> Placement:
    pks = list(siblings.order_by("position").values_list("pk", flat=True))
    renumbered = {pk: (rank + 1 + (rank >= index)) * POSITION_STEP for rank, pk in enumerate(pks)}
    model = siblings.model
    model._default_manager.bulk_update(
        [model(pk=pk, position=position) for pk, position in renumbered.items()],
        ["position"],
        batch_size=RENUMBER_BATCH_SIZE,
    )
    return Placement((index + 1) * POSITION_STEP, renumbered)
