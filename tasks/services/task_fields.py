"""The checks of a task's fields that task_create and task_update share, the WIP limit, and
the Markdown rendered before a write locks the board."""

from datetime import UTC, datetime
from typing import TypeVar

from django.db.models import Model, QuerySet
from django.utils import timezone

from accounts.models import User
from boards.models import Board, BoardList, Label
from taskboard.errors import ConflictError
from taskboard.markdown_rendering import render_markdown
from writes import FieldErrors, clean_ids

from ..locked_reads import ListForWrite
from ..models import Priority

TITLE_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = 20000
COMMENT_MAX_LENGTH = 10000
MAX_ASSIGNEES = 50
MAX_LABELS = 50

# A due date outside these (both included) is a typo (a year 20255, a 1925) rather than a
# plan; the bounds also keep every value inside what the browser's date input and
# JavaScript's Date show.
DUE_AT_EARLIEST = datetime(1970, 1, 1, tzinfo=UTC)
DUE_AT_LATEST = datetime(2200, 1, 1, tzinfo=UTC)
DUE_AT_RANGE_MESSAGE = "Give a due date from 1970-01-01 to 2200-01-01 (UTC)."

WIP_LIMIT_REASON = "wip_limit"

M = TypeVar("M", bound=Model)


def clean_priority(errors: FieldErrors, value: object) -> Priority:
    if isinstance(value, str):
        try:
            return Priority.from_name(value)
        except ValueError:
            pass
    errors.add("priority", f'"{value}" is not a valid choice.')
    return Priority.MEDIUM


def render_unlocked(text: object, *, max_length: int) -> str:
    """The HTML of a Markdown text a write will store, rendered before the write locks the
    board: a long text costs its writer's time, not that of the board's other writers, who
    wait for the lock. A text the write will refuse (not a string, too long) is not
    rendered (the write's own checks report it)."""
    if not isinstance(text, str) or len(text) > max_length:
        return ""
    return render_markdown(text)


def clean_due_at(errors: FieldErrors, value: object) -> datetime | None:
    if value is None:
        return None
    if not isinstance(value, datetime):
        errors.add("due_at", "Datetime has wrong format.")
        return None
    if timezone.is_naive(value):
        errors.add("due_at", "Give the time zone (UTC: a trailing Z).")
        return None
    # Stored in UTC: PostgreSQL refuses some offsets Python accepts (e.g. -16:12).
    try:
        due = value.astimezone(UTC)
    except OverflowError:
        errors.add("due_at", DUE_AT_RANGE_MESSAGE)
        return None
    if not DUE_AT_EARLIEST <= due <= DUE_AT_LATEST:
        errors.add("due_at", DUE_AT_RANGE_MESSAGE)
        return None
    return due


def _clean_board_rows(
    errors: FieldErrors, field: str, value: object, *, rows: "QuerySet[M]", most: int, missing_message: str
) -> list[M]:
    """The rows of `rows` (those of the board) with the ids `value` lists: at most `most`,
    each one found, else errors on `field`."""
    ids = clean_ids(errors, field, value)
    if len(ids) > most:
        errors.add(field, f"Ensure this field has no more than {most} elements.")
        return []
    if not ids:
        return []
    found = list(rows.filter(pk__in=ids))
    missing = sorted(set(ids) - {row.pk for row in found})
    if missing:
        errors.add(field, f"{missing_message}: {', '.join(map(str, missing))}.")
    return found


def clean_assignees(errors: FieldErrors, board: Board, value: object) -> list[User]:
    return _clean_board_rows(
        errors,
        "assignee_ids",
        value,
        rows=User.objects.filter(memberships__board=board).only("id", "name", "email"),
        most=MAX_ASSIGNEES,
        missing_message="Not members of this board",
    )


def clean_labels(errors: FieldErrors, board: Board, value: object) -> list[Label]:
    return _clean_board_rows(
        errors,
        "label_ids",
        value,
        rows=Label.objects.filter(board=board),
        most=MAX_LABELS,
        missing_message="No labels with these ids on this board",
    )


def wip_limit_message(board_list: BoardList) -> str:
    limit = board_list.wip_limit
    return f"The list “{board_list.title}” is at its WIP limit of {limit} task{'' if limit == 1 else 's'}."


def check_wip_limit(target: ListForWrite) -> None:
    """A task may neither be moved nor added into a list at its limit."""
    limit = target.board_list.wip_limit
    if limit is None:
        return
    if target.task_count is not None and target.task_count >= limit:
        raise ConflictError(wip_limit_message(target.board_list), reason=WIP_LIMIT_REASON)
