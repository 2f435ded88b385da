"""The machinery every write to a board uses, below every app that writes (docs/design.md):
the board write (lock, role, activity row, version, event on commit, deferred rows), sparse
ordering, the field checks the services share. Callers import these names from here; the
modules behind them are this package's own business.

It imports models (of boards, activity and accounts: the data layer), the permission table,
the publishing half of live, and taskboard; never a service, selector or view
(.importlinter).
"""

from writes.board_transaction import BoardWrite, board_write, new_board_write
from writes.ordering import (
    POSITION_STEP,
    ChildrenOf,
    Placement,
    PrefetchedSiblings,
    Siblings,
    append_position,
    place_at_index,
    position_after,
    window_for,
)
from writes.validation import (
    COLOR_RE,
    FieldErrors,
    clean_color,
    clean_ids,
    clean_index,
    clean_optional_text,
    clean_positive_int_or_none,
    clean_required_text,
)

__all__ = [
    "COLOR_RE",
    "POSITION_STEP",
    "BoardWrite",
    "ChildrenOf",
    "FieldErrors",
    "Placement",
    "PrefetchedSiblings",
    "Siblings",
    "append_position",
    "board_write",
    "clean_color",
    "clean_ids",
    "clean_index",
    "clean_optional_text",
    "clean_positive_int_or_none",
    "clean_required_text",
    "new_board_write",
    "place_at_index",
    "position_after",
    "window_for",
]
