"""Sparse ordering keys for lists on a board and tasks in a list.

Positions are integers spaced POSITION_STEP apart. Appending takes the last position plus
a step; a move takes the midpoint between its new neighbours, so it writes one row. Only
when two neighbours are adjacent integers is there no midpoint left: then the siblings are
renumbered in one pass (rare: it takes ~16 moves into the same gap). Callers hold the
board's row lock, so nobody else reads or writes these positions meanwhile.
"""

from dataclasses import dataclass, field

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


def place_at_index(
    siblings: "QuerySet[Model]", index: int, *, current_position: int | None = None
) -> Placement:
    """A position that puts a row at 0-based `index` among `siblings` (the other rows of
    the list or board, without the one that moves). An index past the end appends.

    `current_position` is the row's position when it stays among the same siblings: if it
    already sits at `index`, it is returned unchanged and nothing is written.
    """
    if index < 0:
        raise ValueError("index must be 0 or more")
    positions = siblings.order_by("position").values_list("position", flat=True)
    if index == 0:
        first = positions.first()
        if first is None:
            return Placement(POSITION_STEP if current_position is None else current_position)
        if current_position is not None and current_position < first:
            return Placement(current_position)
        return Placement(first - POSITION_STEP)
    around = list(positions[index - 1 : index + 1])
    if len(around) == 2:
        before, after = around
        if current_position is not None and before < current_position < after:
            return Placement(current_position)
        if after - before > 1:
            return Placement((before + after) // 2)
        return _renumber(siblings, index)
    last = around[0] if around else siblings.order_by("-position").values_list("position", flat=True).first()
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
