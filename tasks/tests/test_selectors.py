"""Task reads: every filter and ordering of docs/api.md, search, authorization, query budget."""

from typing import Any

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ValidationError
from django.db import connection

from accounts.tests.factories import UserFactory
from boards.models import BoardList
from boards.tests.factories import (
    BoardListFactory,
    BoardWithRoles,
    LabelFactory,
    MembershipFactory,
    board_with_roles,
)
from tasks import selectors
from tasks.models import Comment, Task
from tasks.representations import task_representation
from tasks.tests.factories import CommentFactory, TaskFactory, day, tasks_to_filter
from writes.ordering import POSITION_STEP

pytestmark = pytest.mark.django_db


@pytest.fixture
def given() -> BoardWithRoles:
    return board_with_roles()


@pytest.fixture
def lists(given: BoardWithRoles) -> tuple[BoardList, BoardList]:
    return (
        BoardListFactory.create(board=given.board, title="To do", position=POSITION_STEP),
        BoardListFactory.create(board=given.board, title="Done", position=2 * POSITION_STEP),
    )


def titles(tasks: Any) -> list[str]:
    return [task.title for task in tasks]


@pytest.fixture
def tasks(given: BoardWithRoles, lists: tuple[BoardList, BoardList]) -> dict[str, Task]:
    return tasks_to_filter(given, *lists)


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        ("position", ["Fix login", "Write report", "Deploy", "Review reports"]),
        ("due_at", ["Fix login", "Review reports", "Write report", "Deploy"]),
        ("-due_at", ["Write report", "Review reports", "Fix login", "Deploy"]),
        ("created_at", ["Deploy", "Fix login", "Write report", "Review reports"]),
        ("-created_at", ["Review reports", "Write report", "Fix login", "Deploy"]),
        ("priority", ["Deploy", "Review reports", "Write report", "Fix login"]),
        ("-priority", ["Fix login", "Write report", "Review reports", "Deploy"]),
    ],
)
def test_orderings(given: BoardWithRoles, tasks: dict[str, Task], ordering: str, expected: list[str]) -> None:
    assert titles(selectors.task_list(user=given.viewer, board=given.board, ordering=ordering)) == expected


def test_an_unknown_ordering_is_a_validation_error(given: BoardWithRoles) -> None:
    with pytest.raises(ValidationError) as raised:
        selectors.task_list(user=given.viewer, board=given.board, ordering="title")

    assert raised.value.message_dict == {"ordering": ['"title" is not a valid choice.']}


def filtered(given: BoardWithRoles, user: Any = None, **filters: Any) -> list[str]:
    return sorted(titles(selectors.task_list(user=user or given.viewer, board=given.board, **filters)))


def test_filters(given: BoardWithRoles, lists: tuple[BoardList, BoardList], tasks: dict[str, Task]) -> None:
    todo, _ = lists
    bug = tasks["Fix login"].labels.get()

    assert filtered(given, list_id=todo.pk) == ["Fix login", "Write report"]
    assert filtered(given, assignee=given.member.pk) == ["Fix login"]
    assert filtered(given, user=given.admin, assignee="me") == ["Deploy"]
    assert filtered(given, label_id=bug.pk) == ["Fix login", "Review reports"]
    assert filtered(given, priority="urgent") == ["Fix login"]
    assert filtered(given, completed=True) == ["Deploy"]
    assert filtered(given, completed=False) == ["Fix login", "Review reports", "Write report"]
    assert filtered(given, due_before=day(3)) == ["Fix login", "Review reports"]
    assert filtered(given, due_after=day(2)) == ["Review reports", "Write report"]
    assert filtered(given, due_after=day(2), due_before=day(3)) == ["Review reports"]
    assert filtered(given, label_id=bug.pk, assignee=given.member.pk, list_id=todo.pk) == ["Fix login"]


def test_an_unknown_priority_filter_is_a_validation_error(given: BoardWithRoles) -> None:
    with pytest.raises(ValidationError) as raised:
        selectors.task_list(user=given.viewer, board=given.board, priority="whenever")

    assert raised.value.message_dict == {"priority": ['"whenever" is not a valid choice.']}


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("report", ["Review reports", "Write report"]),
        ("REP", ["Review reports", "Write report"]),
        ("write rep", ["Write report"]),
        ("quarter", ["Write report"]),
        ("login", ["Fix login"]),
        ("nothing-like-this", []),
        ("'&|!:*()", ["Deploy", "Fix login", "Review reports", "Write report"]),
    ],
)
def test_search(given: BoardWithRoles, tasks: dict[str, Task], q: str, expected: list[str]) -> None:
    assert filtered(given, q=q) == expected


@pytest.mark.postgresql  # the GIN full-text index (SQLite searches with icontains)
def test_search_uses_the_gin_index_on_postgresql(given: BoardWithRoles, tasks: dict[str, Task]) -> None:
    # The search condition alone: on a table this small the planner prefers the board
    # index when it may, which says nothing about whether the GIN index matches.
    query = selectors._search(Task.objects.order_by(), "report")

    with connection.cursor() as cursor:
        cursor.execute("SET LOCAL enable_seqscan = off")
        sql, params = query.query.sql_with_params()
        cursor.execute(f"EXPLAIN {sql}", params)
        plan = "\n".join(row[0] for row in cursor.fetchall())

    assert "tasks_task_search_idx" in plan


def test_my_tasks_cover_every_board_of_the_caller_and_no_other(
    given: BoardWithRoles, tasks: dict[str, Task]
) -> None:
    elsewhere = board_with_roles()
    MembershipFactory.create(board=elsewhere.board, user=given.member)
    mine_elsewhere = TaskFactory.create(
        list=BoardListFactory.create(board=elsewhere.board), title="Elsewhere"
    )
    mine_elsewhere.assignees.add(given.member, through_defaults={"board_id": mine_elsewhere.board_id})
    not_mine = TaskFactory.create(title="Not my board")
    not_mine.assignees.add(given.member, through_defaults={"board_id": not_mine.board_id})

    assert sorted(titles(selectors.task_list(user=given.member, assignee="me"))) == ["Elsewhere", "Fix login"]
    assert len(selectors.task_list(user=given.outsider)) == 0
    assert len(selectors.task_list(user=given.member)) == 5


@pytest.mark.parametrize("count", [5, 60])
def test_task_list_costs_the_same_queries_whatever_the_size(
    given: BoardWithRoles, lists: tuple[BoardList, BoardList], count: int, django_assert_num_queries: Any
) -> None:
    label = LabelFactory.create(board=given.board)
    for i in range(count):
        task = TaskFactory.create(list=lists[i % 2])
        task.assignees.add(given.member, through_defaults={"board_id": task.board_id})
        task.labels.add(label, through_defaults={"board_id": task.board_id})

    # The tasks, their assignees, their labels.
    with django_assert_num_queries(3):
        rows = [
            task_representation(task) for task in selectors.task_list(user=given.viewer, board=given.board)
        ]

    assert len(rows) == count
    assert rows[0]["assignees"] == [{"id": given.member.pk, "name": given.member.name}]


def test_task_get_for_user(given: BoardWithRoles, tasks: dict[str, Task]) -> None:
    task = tasks["Fix login"]

    fetched = selectors.task_get_for_user(user=given.viewer, task_id=task.pk)

    assert fetched.user_role == "viewer"  # type: ignore[attr-defined]
    assert task_representation(fetched)["labels"][0]["name"] == "bug"
    for user in (given.outsider, AnonymousUser(), UserFactory.create()):
        with pytest.raises(Task.DoesNotExist):
            selectors.task_get_for_user(user=user, task_id=task.pk)  # type: ignore[arg-type]


def test_task_row_get_for_user(given: BoardWithRoles, tasks: dict[str, Task]) -> None:
    task = tasks["Fix login"]

    fetched = selectors.task_row_get_for_user(user=given.member, task_id=task.pk)

    assert (fetched.pk, fetched.title, fetched.version, fetched.user_role) == (  # type: ignore[attr-defined]
        task.pk,
        "Fix login",
        task.version,
        "member",
    )
    for user, task_id in ((given.outsider, task.pk), (AnonymousUser(), task.pk), (given.member, 2**63)):
        with pytest.raises(Task.DoesNotExist):
            selectors.task_row_get_for_user(user=user, task_id=task_id)  # type: ignore[arg-type]


def test_task_detail_and_task_rows_read_as_task_representation_shows_a_task(
    given: BoardWithRoles, tasks: dict[str, Task]
) -> None:
    second_label = LabelFactory.create(board=given.board, name="aaa")
    tasks["Fix login"].labels.add(second_label, through_defaults={"board_id": tasks["Fix login"].board_id})
    tasks["Fix login"].assignees.add(
        given.admin, given.member, through_defaults={"board_id": tasks["Fix login"].board_id}
    )
    ordered = list(selectors.task_list(user=given.viewer, board=given.board))

    details = [selectors.task_detail(task_id=task.pk) for task in ordered]
    from_rows = selectors.task_row_representations(
        list(selectors.task_rows(selectors.task_list(user=given.viewer, board=given.board)))
    )

    expected = [task_representation(task) for task in ordered]
    assert details == from_rows == expected
    assert any(len(task["labels"]) == 2 and len(task["assignees"]) == 2 for task in expected)
    with pytest.raises(Task.DoesNotExist):
        selectors.task_detail(task_id=2**62)


def test_comments_oldest_first_and_not_found_for_non_members(
    given: BoardWithRoles, tasks: dict[str, Task]
) -> None:
    task = tasks["Deploy"]
    first = CommentFactory.create(task=task, created_at=day(1))
    second = CommentFactory.create(task=task, created_at=day(2))

    assert list(selectors.comment_list(task=task)) == [first, second]
    assert selectors.comment_get_for_user(user=given.viewer, comment_id=first.pk).pk == first.pk
    with pytest.raises(Comment.DoesNotExist):
        selectors.comment_get_for_user(user=given.outsider, comment_id=first.pk)
