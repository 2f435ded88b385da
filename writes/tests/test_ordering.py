"""writes/ordering.py: the siblings a moving row is placed among, read by SQL or prefetched;
renumbering around a used-up gap."""

import itertools
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from activity.models import Activity
from boards.models import Board, BoardList
from boards.tests.factories import BoardListFactory, BoardWithRoles, board_with_roles
from tasks import services
from tasks.models import Task
from tasks.tests.factories import TaskFactory
from writes.ordering import (
    POSITION_STEP,
    RENUMBER_WINDOW,
    ChildrenOf,
    PrefetchedSiblings,
    place_at_index,
    window_for,
)

pytestmark = pytest.mark.django_db


def test_children_of_reads_the_positions_of_the_other_rows_of_the_parent() -> None:
    todo, other = BoardListFactory.create(), BoardListFactory.create()
    tasks = [TaskFactory.create(list=todo, position=p) for p in (30, 10, 20, 40)]
    TaskFactory.create(list=other, position=15)
    moving = tasks[2]
    rows = ChildrenOf(Task, "list", todo.pk, moving.pk, using="default")

    windows = [
        rows.window(offset, limit) for offset, limit in [(0, 1), (0, 2), (1, 2), (2, 2), (3, 2), (9, 2)]
    ]

    assert windows == [[10], [10, 30], [30, 40], [40], [], []]
    assert rows.window(0, 10) == [10, 30, 40]
    assert rows.last() == 40
    assert sorted(rows.queryset().values_list("pk", flat=True)) == sorted(
        task.pk for task in tasks if task != moving
    )


def test_children_of_an_empty_parent() -> None:
    empty = BoardListFactory.create()
    rows = ChildrenOf(Task, "list", empty.pk, 0, using="default")

    assert (rows.window(0, 2), rows.last()) == ([], None)
    assert place_at_index(rows, 3).position == POSITION_STEP


@pytest.mark.parametrize(
    ("index", "position"),
    # Among 200, 300, 400 (100 moves): before the first, between neighbours, after the last.
    [(0, 200 - POSITION_STEP), (1, 250), (2, 350), (3, 400 + POSITION_STEP), (7, 400 + POSITION_STEP)],
)
def test_placing_among_children_of(index: int, position: int) -> None:
    todo = BoardListFactory.create()
    tasks = [TaskFactory.create(list=todo, position=p) for p in (100, 200, 300, 400)]

    placement = place_at_index(ChildrenOf(Task, "list", todo.pk, tasks[0].pk, using="default"), index)

    assert placement.position == position


def test_prefetched_siblings_answer_their_window_and_ask_for_any_other() -> None:
    todo = BoardListFactory.create()
    tasks = [TaskFactory.create(list=todo, position=p) for p in (100, 200, 300, 400)]
    rest = ChildrenOf(Task, "list", todo.pk, tasks[0].pk, using="default")
    prefetched = PrefetchedSiblings(rest, index=2, prefetched_window=[-1, -2], prefetched_last=-3)

    assert window_for(2) == (1, 2)
    assert prefetched.window(1, 2) == [-1, -2]  # as given: nothing was read
    assert prefetched.last() == -3
    assert prefetched.window(0, 1) == [200]  # another window: read


@pytest.mark.postgresql  # one statement reads task, list and neighbours (taskboard/db/task_queries.py)
def test_a_move_reads_its_neighbours_with_the_task() -> None:
    given = board_with_roles()
    todo = BoardListFactory.create(board=given.board)
    tasks = [TaskFactory.create(list=todo, position=p) for p in (100, 200, 300, 400)]

    with CaptureQueriesContext(connection) as queries:
        services.task_move(task=tasks[0], actor=given.member, to_list_id=todo.pk, index=2)

    assert not [q for q in queries.captured_queries if q["sql"].startswith('SELECT "position"')]
    assert list(Task.objects.filter(list=todo).order_by("position").values_list("pk", flat=True)) == [
        tasks[1].pk,
        tasks[2].pk,
        tasks[0].pk,
        tasks[3].pk,
    ]


# --- renumbering: only the rows around a used-up gap ------------------------------------


def positions_by_pk(todo: BoardList) -> dict[int, int]:
    return dict(Task.objects.filter(list=todo).values_list("pk", "position"))


def ordered_pks(todo: BoardList) -> list[int]:
    return list(Task.objects.filter(list=todo).order_by("position", "pk").values_list("pk", flat=True))


def long_list(given: BoardWithRoles, positions: list[int]) -> tuple[BoardList, list[Task]]:
    todo = BoardListFactory.create(board=given.board)
    return todo, [TaskFactory.create(list=todo, position=position) for position in positions]


def used_up_gap_after(rank: int, *, rows: int = 200) -> list[int]:
    """Positions a step apart, but no integer left between ranks `rank` and `rank` + 1."""
    positions = [(n + 1) * POSITION_STEP for n in range(rows)]
    positions[rank + 1] = positions[rank] + 1
    return positions


@dataclass
class Moved:
    board: Board
    tasks: list[Task]
    before: dict[int, int]
    after: dict[int, int]
    moving_position: int

    @property
    def changed(self) -> set[int]:
        return {pk for pk in self.before if self.after[pk] != self.before[pk]}


def move_in(positions: list[int], index: int) -> Moved:
    """A task of another list moved to `index` of a list of tasks at `positions`, the list's
    order checked."""
    given = board_with_roles()
    todo, tasks = long_list(given, positions)
    moving = TaskFactory.create(list=BoardListFactory.create(board=given.board))
    before = positions_by_pk(todo)

    services.task_move(task=moving, actor=given.member, to_list_id=todo.pk, index=index)

    assert ordered_pks(todo) == [*(t.pk for t in tasks[:index]), moving.pk, *(t.pk for t in tasks[index:])]
    after = positions_by_pk(todo)
    return Moved(given.board, tasks, before, after, after.pop(moving.pk))


def test_a_used_up_gap_in_a_long_list_renumbers_only_the_rows_around_it() -> None:
    moved = move_in(used_up_gap_after(99), 100)

    assert 0 < len(moved.changed) <= 2 * RENUMBER_WINDOW
    assert moved.changed <= {task.pk for task in moved.tasks[100 - RENUMBER_WINDOW : 100 + RENUMBER_WINDOW]}
    spread = sorted([moved.moving_position, *(moved.after[pk] for pk in moved.changed)])
    assert min(b - a for a, b in itertools.pairwise(spread)) >= POSITION_STEP >> 10
    data = Activity.objects.get(board=moved.board, verb="task.moved").data
    assert {item["id"] for item in data["positions"]} == moved.changed


def test_a_used_up_gap_near_the_top_spreads_the_rows_above_it_downwards() -> None:
    positions = used_up_gap_after(0)
    moved = move_in(positions, 1)

    tasks, after = moved.tasks, moved.after
    # The window reaches the top: its rows move below the first row outside it, which stays.
    assert after[tasks[1 + RENUMBER_WINDOW].pk] == positions[1 + RENUMBER_WINDOW]
    assert after[tasks[-1].pk] == positions[-1]
    assert after[tasks[RENUMBER_WINDOW].pk] == positions[1 + RENUMBER_WINDOW] - POSITION_STEP


def test_a_used_up_gap_near_the_end_spreads_the_rows_below_it_upwards() -> None:
    positions = used_up_gap_after(197)
    moved = move_in(positions, 198)

    tasks, after = moved.tasks, moved.after
    # The window reaches the end: its rows move up from the last row outside it, which stays.
    start = 198 - RENUMBER_WINDOW
    assert after[tasks[start - 1].pk] == positions[start - 1]
    assert after[tasks[start].pk] == positions[start - 1] + POSITION_STEP
    assert after[tasks[-1].pk] == positions[start - 1] + (200 - start + 1) * POSITION_STEP


def test_the_window_grows_until_it_leaves_room() -> None:
    # Ranks 100-199 are consecutive integers: a window of 16 each side has no room.
    positions = [(rank + 1) * POSITION_STEP for rank in range(100)]
    positions += [positions[-1] + 1 + rank for rank in range(100)]
    positions += [positions[-1] + (rank + 1) * POSITION_STEP for rank in range(100)]
    moved = move_in(positions, 150)

    assert 2 * RENUMBER_WINDOW < len(moved.changed) <= 8 * RENUMBER_WINDOW
    assert (moved.after[moved.tasks[0].pk], moved.after[moved.tasks[-1].pk]) == (positions[0], positions[-1])


def test_a_renumbering_that_gives_the_task_its_own_position_back_is_still_a_move() -> None:
    given = board_with_roles()
    todo, tasks = long_list(given, [10, 11, 12, 2 * POSITION_STEP])
    version = Board.objects.get(pk=given.board.pk).version

    # The short list is renumbered a step apart from one step on: the moving task lands where it was.
    moved = services.task_move(task=tasks[3], actor=given.member, to_list_id=todo.pk, index=1)

    assert moved.position == 2 * POSITION_STEP
    assert ordered_pks(todo) == [tasks[0].pk, tasks[3].pk, tasks[1].pk, tasks[2].pk]
    assert Board.objects.get(pk=given.board.pk).version == version + 1
    assert Activity.objects.filter(board=given.board, verb="task.moved").count() == 1
