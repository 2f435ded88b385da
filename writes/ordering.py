"""Sparse ordering keys for lists on a board and tasks in a list.

Positions are integers spaced POSITION_STEP apart. Appending takes the last position plus
a step; a move takes the midpoint between its new neighbours, so it writes one row. Only
when two neighbours are adjacent integers is there no midpoint left (rare: it takes ~16
moves into the same gap): then the rows around the gap are spread out again, the fewest
that leave room (_renumber()), so that a list of thousands costs a few dozen rows and not
thousands, written while every other writer of the board waits. Callers hold the board's
row lock, so nobody else reads or writes these positions meanwhile.
"""

from dataclasses import dataclass, field
from typing import Literal, Protocol

from django.db.models import Model, QuerySet

from taskboard.db.sibling_positions import sibling_positions

POSITION_STEP = 1 << 16
RENUMBER_BATCH_SIZE = 500
# The rows each side of a used-up gap that a renumbering spreads out first (_renumber()).
RENUMBER_WINDOW = 16


@dataclass
class Placement:
    position: int
    # Siblings whose positions a renumbering pass changed, {pk: new position}; empty in
    # the common case.
    renumbered: dict[int, int] = field(default_factory=dict)

    def moves(self, current_position: int) -> bool:
        """Whether placing a row now at `current_position` writes anything: a renumbering
        may give the row its own position back while it moved the siblings around it."""
        return self.position != current_position or bool(self.renumbered)

    def event_positions(self) -> list[dict[str, int]]:
        """The renumbered siblings as a move's event carries them (`positions`): clients
        that order by position need them."""
        return [{"id": pk, "position": position} for pk, position in self.renumbered.items()]


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
    that moves, read with written-out SQL (taskboard/db/sibling_positions.py)."""

    model: type[Model]
    parent: str  # the ForeignKey's name, e.g. "list"
    parent_id: int
    moving_pk: int
    using: str

    def _read(self, order: Literal["ASC", "DESC"], limit: int, offset: int) -> list[int]:
        return sibling_positions(
            self.model,
            parent=self.parent,
            parent_id=self.parent_id,
            excluding_pk=self.moving_pk,
            order=order,
            limit=limit,
            offset=offset,
            using=self.using,
        )

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
    """Room for a row at `index`, where its neighbours' positions are adjacent integers.

    The rows of a window around the gap are spread evenly between the window's outer
    neighbours, which stay where they are; the window starts at RENUMBER_WINDOW rows each
    side and grows fourfold until the spread leaves at least _min_gap() between rows. A
    window that reaches an end of the list spreads POSITION_STEP apart away from that end
    (positions may go below zero), and one that takes in the whole list renumbers it
    POSITION_STEP apart from POSITION_STEP on, as a list that was never moved in.
    """
    ordered = siblings.order_by("position").values_list("pk", "position")
    size = RENUMBER_WINDOW
    while True:
        start = max(0, index - size)
        end = index + size  # the window is the ranks start .. end - 1
        rows: list[tuple[int, int]] = list(ordered[max(0, start - 1) : end + 1])
        before = rows.pop(0)[1] if start > 0 else None
        after = rows.pop()[1] if len(rows) > end - start else None
        count = len(rows) + 1  # the window's rows and the one that moves in
        if before is None and after is None:
            positions = [(rank + 1) * POSITION_STEP for rank in range(count)]
        elif before is None:
            assert after is not None
            positions = [after - (count - rank) * POSITION_STEP for rank in range(count)]
        elif after is None:
            positions = [before + (rank + 1) * POSITION_STEP for rank in range(count)]
        else:
            gap = (after - before) // (count + 1)
            if gap < _min_gap():
                size *= 4
                continue
            positions = [before + (rank + 1) * gap for rank in range(count)]
        break
    slot = index - start
    moved = positions.pop(slot)
    renumbered = {
        pk: position for (pk, old), position in zip(rows, positions, strict=True) if position != old
    }
    model = siblings.model
    model._default_manager.bulk_update(
        [model(pk=pk, position=position) for pk, position in renumbered.items()],
        ["position"],
        batch_size=RENUMBER_BATCH_SIZE,
    )
    return Placement(moved, renumbered)


def _min_gap() -> int:
    """The least spacing a renumbering leaves: room for six more midpoints between any
    two of its rows before the next renumbering there."""
    return max(1, POSITION_STEP >> 10)
