"""boards/ordering.py: ChildrenOf reads the same positions as the equivalent queryset."""

import pytest

from boards.ordering import ChildrenOf, QuerySetSiblings, place_at_index
from boards.tests.factories import BoardListFactory
from tasks.models import Task
from tasks.tests.factories import TaskFactory

pytestmark = pytest.mark.django_db


def test_children_of_reads_what_the_queryset_reads() -> None:
    todo, other = BoardListFactory.create(), BoardListFactory.create()
    tasks = [TaskFactory.create(list=todo, position=p) for p in (30, 10, 20, 40)]
    TaskFactory.create(list=other, position=15)
    moving = tasks[2]
    ours = ChildrenOf(Task, "list", todo.pk, moving.pk, using="default")
    theirs = QuerySetSiblings(Task.objects.filter(list=todo).exclude(pk=moving.pk))

    for offset, limit in [(0, 1), (0, 2), (1, 2), (2, 2), (3, 2), (9, 2)]:
        assert ours.window(offset, limit) == theirs.window(offset, limit)
    assert ours.window(0, 10) == [10, 30, 40]
    assert ours.last() == theirs.last() == 40
    assert sorted(ours.queryset().values_list("pk", flat=True)) == sorted(
        theirs.queryset().values_list("pk", flat=True)
    )


def test_children_of_an_empty_parent() -> None:
    empty = BoardListFactory.create()
    rows = ChildrenOf(Task, "list", empty.pk, 0, using="default")

    assert (rows.window(0, 2), rows.last()) == ([], None)
    assert place_at_index(rows, 3).position == place_at_index(Task.objects.filter(list=empty), 3).position


@pytest.mark.parametrize("index", [0, 1, 2, 3, 7])
def test_placing_through_children_of_matches_placing_through_a_queryset(index: int) -> None:
    todo = BoardListFactory.create()
    tasks = [TaskFactory.create(list=todo, position=p) for p in (100, 200, 300, 400)]
    moving = tasks[0]

    ours = place_at_index(ChildrenOf(Task, "list", todo.pk, moving.pk, using="default"), index)
    theirs = place_at_index(Task.objects.filter(list=todo).exclude(pk=moving.pk), index)

    assert ours == theirs
