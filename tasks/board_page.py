"""What the board page shows: its columns with their first cards, through the filter bar.

Built on tasks.selectors.task_list (the query the API's task list runs, with the same
filters), so a filter means the same thing on the page and in the API. A board of
thousands of tasks opens quickly because each list renders only its first
CARDS_PER_LIST cards, all lists in one query (a window function ranks the tasks within
their list); the rest load on demand, a page at a time, after the last card shown.

Cards reach the template as `Card`s, everything they show worked out here: rendering a
card from a Task in the template (related managers, {% url %}, date filters) took about
two and a half times as long, and a large board page renders a hundred of them.
"""

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from typing import Any
from urllib.parse import urlencode

from django.db.models import BooleanField, Count, ExpressionWrapper, F, Q, QuerySet, Window
from django.db.models.functions import RowNumber
from django.http import QueryDict
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from boards.models import Board, BoardList
from boards.representations import list_count_representation
from tasks.models import Priority, Task
from tasks.selectors import task_list
from tasks.templatetags.task_cards import avatar_tone, due_label, due_state, initials

# A desktop column shows about ten cards; the rest of a list loads when asked for.
CARDS_PER_LIST = 20
DUE_CHOICES = {"overdue": "Overdue", "week": "Due in 7 days", "none": "No due date"}
PRIORITY_CHOICES = [member.label for member in Priority]
# What a card shows; the description stays in the database.
CARD_DEFERRED_FIELDS = ("description", "description_html")


def _is_id(value: str) -> bool:
    # isdigit() alone takes "²", which int() refuses.
    return value.isascii() and value.isdigit()


@dataclass
class BoardFilters:
    """The filter bar, read from the query string. Unknown values are ignored (a stale
    bookmark shows the whole board rather than an error page)."""

    assignee: int | str | None = None
    label: int | None = None
    priority: str | None = None
    due: str | None = None
    q: str = ""

    @classmethod
    def from_query(cls, query: QueryDict, *, label_ids: set[int], member_ids: set[int]) -> "BoardFilters":
        filters = cls(q=query.get("q", "").strip()[:200])
        assignee = query.get("assignee", "")
        if assignee == "me":
            filters.assignee = "me"
        elif _is_id(assignee) and int(assignee) in member_ids:
            filters.assignee = int(assignee)
        label = query.get("label", "")
        if _is_id(label) and int(label) in label_ids:
            filters.label = int(label)
        priority = query.get("priority", "")
        if priority in PRIORITY_CHOICES:
            filters.priority = priority
        due = query.get("due", "")
        if due in DUE_CHOICES:
            filters.due = due
        return filters

    @property
    def active(self) -> bool:
        return any((self.assignee, self.label, self.priority, self.due, self.q))

    def selector_kwargs(self, *, now: datetime) -> dict[str, Any]:
        kwargs: dict[str, Any] = {
            "assignee": self.assignee,
            "label_id": self.label,
            "priority": self.priority,
            "q": self.q or None,
        }
        if self.due == "overdue":
            kwargs.update(due_before=now, completed=False)
        elif self.due == "week":
            kwargs.update(due_after=now, due_before=now + timedelta(days=7))
        return kwargs

    def narrow(self, tasks: QuerySet[Task]) -> QuerySet[Task]:
        # "No due date" is not an API filter; it narrows the selector's result.
        return tasks.filter(due_at__isnull=True) if self.due == "none" else tasks

    def as_query(self) -> dict[str, str]:
        values = {
            "assignee": "" if self.assignee is None else str(self.assignee),
            "label": "" if self.label is None else str(self.label),
            "priority": self.priority or "",
            "due": self.due or "",
            "q": self.q,
        }
        return {key: value for key, value in values.items() if value}

    def querystring(self) -> str:
        return urlencode(self.as_query())


@dataclass(frozen=True)
class Person:
    id: int
    name: str
    initials: str
    tone: str


@dataclass(frozen=True)
class CardLabel:
    name: str
    color: str


@dataclass(frozen=True)
class Card:
    id: int
    list_id: int
    position: int
    title: str
    url: str
    completed: bool
    priority_name: str
    # High and urgent cards carry a badge.
    flagged: bool
    comment_count: int
    labels: list[CardLabel]
    assignees: list[Person]
    due_iso: str = ""
    due_label: str = ""
    due_title: str = ""
    due_state: str = ""
    has_description: bool = False

    @property
    def has_meta(self) -> bool:
        return bool(
            self.completed
            or self.due_iso
            or self.flagged
            or self.comment_count
            or self.assignees
            or self.has_description
        )


@cache
def _task_url_prefix() -> str:
    # reverse() once, not once per card: "/tasks/0/" → "/tasks/".
    return reverse("tasks:detail", args=[0]).removesuffix("0/")


def _has_description(task: Task) -> bool:
    # Cards read the annotation, not the (deferred) text; a task loaded whole has the text.
    annotated = getattr(task, "has_description", None)
    if annotated is not None:
        return bool(annotated)
    return "description" not in task.get_deferred_fields() and bool(task.description)


def card(task: Task) -> Card:
    """What a card shows of `task` (its assignees and labels prefetched), in the current
    time zone."""
    due_at = task.due_at
    due = {}
    if due_at is not None:
        local = timezone.localtime(due_at)
        due = {
            "due_iso": due_at.isoformat(),
            "due_label": due_label(due_at),
            "due_title": f"Due {local:%a %b} {local.day}, {local:%Y %H:%M}",
            "due_state": due_state(due_at, task.completed),
        }
    return Card(
        id=task.pk,
        list_id=task.list_id,
        position=task.position,
        title=task.title,
        url=f"{_task_url_prefix()}{task.pk}/",
        completed=task.completed,
        priority_name=task.priority_name,
        flagged=task.priority >= Priority.HIGH,
        comment_count=task.comment_count,
        labels=[CardLabel(name=label.name, color=label.color) for label in task.labels.all()],
        assignees=[
            Person(id=user.pk, name=user.name, initials=initials(user.name), tone=avatar_tone(user.pk))
            for user in task.assignees.all()
        ],
        has_description=_has_description(task),
        **due,
    )


@dataclass
class Column:
    board_list: BoardList
    # Every task in the list (what the WIP limit counts), and those matching the filters.
    total: int
    matching: int = 0
    cards: list[Card] = field(default_factory=list)

    @property
    def has_more(self) -> bool:
        return len(self.cards) < self.matching

    @property
    def at_limit(self) -> bool:
        limit = self.board_list.wip_limit
        return limit is not None and self.total >= limit

    @property
    def after(self) -> int | None:
        """The position to load more cards after."""
        return self.cards[-1].position if self.cards else None


def list_columns(*, board: Board) -> list[Column]:
    """The board's lists in order, each with its number of tasks, no cards yet. One query."""
    lists = (
        BoardList.objects.filter(board=board).annotate(task_count=Count("tasks")).order_by("position", "id")
    )
    return [Column(board_list=board_list, total=board_list.task_count) for board_list in lists]


def _card_tasks(*, user: User, board: Board, filters: BoardFilters, **selector_kwargs: Any) -> QuerySet[Task]:
    """The board's tasks `filters` let through, loaded as cards need them: cards show
    neither the author nor the list's position, so no joins for them."""
    filter_kwargs = filters.selector_kwargs(now=timezone.now())
    tasks = task_list(user=user, board=board, **selector_kwargs, **filter_kwargs)
    return (
        filters.narrow(tasks)
        .select_related(None)
        .defer(*CARD_DEFERRED_FIELDS)
        .annotate(has_description=ExpressionWrapper(~Q(description=""), output_field=BooleanField()))
    )


def board_columns(*, user: User, board: Board, filters: BoardFilters) -> list[Column]:
    """Every list of the board with its first CARDS_PER_LIST cards matching `filters`:
    four queries, whatever the number of lists and tasks."""
    columns = {column.board_list.pk: column for column in list_columns(board=board)}
    ranked = (
        _card_tasks(user=user, board=board, filters=filters)
        .order_by("list_id", "position", "id")
        .annotate(
            list_rank=Window(RowNumber(), partition_by=[F("list_id")], order_by=[F("position"), F("id")]),
            list_matching=Window(Count("id"), partition_by=[F("list_id")]),
        )
        .filter(list_rank__lte=CARDS_PER_LIST)
    )
    for task in ranked:
        column = columns.get(task.list_id)
        if column is not None:
            column.cards.append(card(task))
            column.matching = task.list_matching
    return list(columns.values())


def list_cards_after(
    *, user: User, board: Board, board_list: BoardList, filters: BoardFilters, after: int
) -> tuple[list[Card], bool]:
    """The next cards of the list after position `after`, and whether there are more."""
    tasks = _card_tasks(user=user, board=board, filters=filters, list_id=board_list.pk)
    page = list(tasks.order_by("position", "id").filter(position__gt=after)[: CARDS_PER_LIST + 1])
    return [card(task) for task in page[:CARDS_PER_LIST]], len(page) > CARDS_PER_LIST


def board_card(*, user: User, board: Board, task_id: int, filters: BoardFilters) -> Card | None:
    """One card of the board as the page shows it, or None when the task exists but doesn't
    match `filters` (the page hides it). A task not on the board raises Task.DoesNotExist."""
    task = _card_tasks(user=user, board=board, filters=filters).filter(pk=task_id).first()
    if task is not None:
        return card(task)
    if not task_list(user=user, board=board).filter(pk=task_id).exists():
        raise Task.DoesNotExist("No such task on this board.")
    return None


def board_column(*, user: User, board: Board, board_list: BoardList, filters: BoardFilters) -> Column:
    """One list of the board with its first CARDS_PER_LIST cards matching `filters`, as
    board_columns() makes it."""
    total = Task.objects.filter(list=board_list).count()
    tasks = _card_tasks(user=user, board=board, filters=filters, list_id=board_list.pk)
    page = list(tasks.order_by("position", "id")[: CARDS_PER_LIST + 1])
    matching = tasks.count() if len(page) > CARDS_PER_LIST else len(page)
    return Column(
        board_list=board_list,
        total=total,
        matching=matching,
        cards=[card(task) for task in page[:CARDS_PER_LIST]],
    )


def list_counts(*, board: Board, list_ids: set[int] | None = None) -> list[dict[str, Any]]:
    """The number of cards of the board's lists (all of them, or `list_ids`), with their WIP
    limits: what the page's column counters show."""
    return [
        list_count_representation(
            list_id=column.board_list.pk, total=column.total, wip_limit=column.board_list.wip_limit
        )
        for column in list_columns(board=board)
        if list_ids is None or column.board_list.pk in list_ids
    ]
