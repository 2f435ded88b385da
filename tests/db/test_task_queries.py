"""The task queries, generic over the models they are given (taskboard imports no app):
each read one statement on PostgreSQL, its findings returned as dataclasses."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from boards.models import BoardList, Label, Membership
from boards.tests.factories import BoardListFactory, LabelFactory, board_with_roles
from taskboard.db.task_queries import FreshTask, OwnList, SiblingsWindow, TaskQueries
from tasks.models import SEARCH_CONFIG, Task, TaskAssignee, TaskLabel, task_search_vector
from tasks.queries import TASK_QUERIES
from tasks.tests.factories import TaskFactory
from writes.ordering import POSITION_STEP

pytestmark = pytest.mark.django_db


def test_the_statements_are_built_from_the_models_given() -> None:
    again = TaskQueries(
        task=Task,
        board_list=BoardList,
        label=Label,
        membership=Membership,
        user=User,
        assignment=TaskAssignee,
        labelling=TaskLabel,
        search_config=SEARCH_CONFIG,
        search_vector=task_search_vector,
    )

    assert again.fresh_task_and_list_sql == TASK_QUERIES.fresh_task_and_list_sql
    assert f'FROM "{Task._meta.db_table}" t JOIN "{Membership._meta.db_table}" m' in again.task_for_member_sql
    assert f'FROM "{BoardList._meta.db_table}" l WHERE' in again.list_for_write_sql


def test_a_fresh_task_comes_with_its_creator_assignees_and_labels_in_one_query() -> None:
    given = board_with_roles()
    task = TaskFactory.create(list=BoardListFactory.create(board=given.board), created_by=given.owner)
    label = LabelFactory.create(board=given.board)
    task.assignees.add(given.member, through_defaults={"board_id": task.board_id})
    task.labels.add(label, through_defaults={"board_id": task.board_id})

    with CaptureQueriesContext(connection) as queries:
        fresh = TASK_QUERIES.fresh_task(task_id=task.pk, board_id=given.board.pk)
        assert fresh is not None
        assert fresh.task.created_by is not None
        assert fresh.task.created_by.name == given.owner.name

    assert len(queries) == 1
    assert fresh == FreshTask(
        fresh.task, ([[given.member.pk, given.member.name]], [[label.pk, label.name, label.color]])
    )
    assert "created_by_name" not in vars(fresh.task)
    assert TASK_QUERIES.fresh_task(task_id=task.pk, board_id=given.board.pk + 1) is None


def test_the_list_for_a_write_counts_its_tasks_with_or_without_a_wip_limit() -> None:
    # Counted under a WIP limit for its check, and everywhere for the count the write's
    # event carries (docs/api.md, the event's `lists`).
    given = board_with_roles()
    limited = BoardListFactory.create(board=given.board, wip_limit=3)
    TaskFactory.create(list=limited, position=5 * POSITION_STEP)
    free = BoardListFactory.create(board=given.board)
    TaskFactory.create_batch(2, list=free)
    empty = BoardListFactory.create(board=given.board)

    found = TASK_QUERIES.list_for_write(list_id=limited.pk, board_id=given.board.pk, for_create=True)
    unlimited = TASK_QUERIES.list_for_write(list_id=free.pk, board_id=given.board.pk)
    nothing = TASK_QUERIES.list_for_write(list_id=empty.pk, board_id=given.board.pk)

    assert found is not None
    assert (found.board_list, found.last_position, found.task_count) == (limited, 5 * POSITION_STEP, 1)
    assert found.new_task_id is not None
    assert unlimited is not None
    assert (unlimited.task_count, unlimited.new_task_id) == (2, None)
    assert nothing is not None
    assert (nothing.last_position, nothing.task_count) == (None, 0)
    assert TASK_QUERIES.list_for_write(list_id=limited.pk, board_id=given.board.pk + 1) is None


def test_a_fresh_task_comes_with_its_own_lists_count_when_asked_in_the_same_query() -> None:
    given = board_with_roles()
    home = BoardListFactory.create(board=given.board, wip_limit=4)
    task, _ = TaskFactory.create_batch(2, list=home)
    TaskFactory.create(list=BoardListFactory.create(board=given.board))

    with CaptureQueriesContext(connection) as queries:
        fresh = TASK_QUERIES.fresh_task(task_id=task.pk, board_id=given.board.pk, own_list=True)
    plain = TASK_QUERIES.fresh_task(task_id=task.pk, board_id=given.board.pk)

    assert len(queries) == 1
    assert fresh is not None
    assert fresh.own_list == OwnList(task_count=2, wip_limit=4)
    assert plain is not None
    assert plain.own_list is None


def test_the_task_and_its_target_list_with_the_siblings_window_in_one_query() -> None:
    given = board_with_roles()
    source, target = BoardListFactory.create_batch(2, board=given.board)
    moving = TaskFactory.create(list=source)
    siblings = [TaskFactory.create(list=target, position=(n + 1) * POSITION_STEP) for n in range(3)]

    with CaptureQueriesContext(connection) as queries:
        found = TASK_QUERIES.fresh_task_and_list(
            task_id=moving.pk, board_id=given.board.pk, list_id=target.pk, index=1, window=(0, 2)
        )

    assert len(queries) == 1
    assert found is not None
    assert found.task.task == moving
    assert found.target is not None
    assert (found.target.board_list, found.target.last_position) == (target, siblings[-1].position)
    assert found.window == SiblingsWindow(
        1, [siblings[0].position, siblings[1].position], siblings[-1].position
    )
    # The list it leaves, counted with it (the move's event tells its new count).
    assert found.task.own_list == OwnList(task_count=1, wip_limit=None)
    # Within its own list: nothing to tell of the list it leaves.
    within = TASK_QUERIES.fresh_task_and_list(
        task_id=siblings[0].pk, board_id=given.board.pk, list_id=target.pk, index=2, window=(1, 2)
    )
    assert within is not None
    assert within.target is not None
    assert (within.task.own_list, within.target.task_count) == (None, 3)


def test_a_task_row_for_a_member_only() -> None:
    given = board_with_roles()
    task = TaskFactory.create(list=BoardListFactory.create(board=given.board))

    row = TASK_QUERIES.task_row_for_member(user_id=given.viewer.pk, task_id=task.pk)

    assert row == task
    assert getattr(row, "user_role", None) == "viewer"
    assert TASK_QUERIES.task_row_for_member(user_id=given.outsider.pk, task_id=task.pk) is None
