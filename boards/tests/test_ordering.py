"""boards/ordering.py: the siblings a moving row is placed among, read by SQL or prefetched."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from boards.ordering import POSITION_STEP, ChildrenOf, PrefetchedSiblings, place_at_index, window_for
from boards.tests.factories import BoardListFactory, board_with_roles
from tasks import services
from tasks.models import Task
from tasks.tests.factories import TaskFactory

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
