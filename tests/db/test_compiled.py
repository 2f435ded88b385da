"""CompiledRead: SQL compiled once per database, run with each call's parameters."""

from datetime import UTC, datetime

import pytest
from django.db import connections

from accounts.tests.factories import UserFactory
from activity.models import Activity
from boards.models import Board, BoardList, Label
from boards.tests.factories import BoardFactory, BoardListFactory, LabelFactory
from taskboard.db.compiled import (
    CompiledRead,
    columns_of,
    fetch_instance,
    insert_instance,
    insert_values,
    update_fields,
    update_values,
)

pytestmark = pytest.mark.django_db


def test_a_compiled_read_reads_each_board_its_own_rows() -> None:
    first, second = BoardFactory.create(), BoardFactory.create()
    mine = LabelFactory.create(board=first, name="mine")
    theirs = LabelFactory.create(board=second, name="theirs")
    read = CompiledRead(
        Label, lambda board_id: Label.objects.filter(board_id=board_id).values_list("id", "name")
    )

    rows = [read.rows(first.pk), read.rows(second.pk), read.rows(first.pk)]

    assert rows == [[(mine.pk, "mine")], [(theirs.pk, "theirs")], [(mine.pk, "mine")]]
    assert len(read.sql) == 1


def test_parameters_reach_their_places_whatever_order_the_sql_takes_them_in() -> None:
    board = BoardFactory.create()
    labels = [LabelFactory.create(board=board, name=name) for name in ("a", "b", "c")]
    # The SQL takes the upper bound before the board (the filter's order), the call the other way.
    read = CompiledRead(
        Label,
        lambda board_id, below: (
            Label.objects.filter(id__lt=below, board_id=board_id).order_by("id").values_list("name")
        ),
        params=2,
    )

    assert read.rows(board.pk, labels[2].pk) == [("a",), ("b",)]
    assert read.rows(board.pk, labels[1].pk) == [("a",)]
    assert read.rows(BoardFactory.create().pk, labels[2].pk) == []


def test_a_compiled_read_refuses_a_query_with_other_parameters() -> None:
    board = BoardFactory.create()
    read = CompiledRead(
        Label, lambda board_id: Label.objects.filter(board_id=board_id, name="bug").values_list("id")
    )

    with pytest.raises(ValueError, match="only parameters"):
        read.rows(board.pk)


def test_the_wrong_number_of_arguments_is_refused() -> None:
    read = CompiledRead(Label, lambda board_id: Label.objects.filter(board_id=board_id).values_list("id"))

    with pytest.raises(TypeError):
        read.rows(1, 2)


def test_the_suite_runs_these_on_postgresql() -> None:
    # Otherwise the compiled path is never exercised and the tests above prove little.
    assert connections["default"].vendor == "postgresql"


def test_insert_instance_stores_what_save_would() -> None:
    board = BoardFactory.create()
    actor = UserFactory.create()
    at = datetime(2026, 12, 4, 9, 30, 15, 123456, tzinfo=UTC)
    data = {"id": 7, "title": "Ünïcode “quoted”", "nested": {"list": [1, None, True]}}
    inserted = Activity(
        board=board, seq=1, actor=actor, verb="task.created", target_type="task", target_id=7, data=data
    )
    saved = Activity(
        board=board, seq=2, actor=actor, verb="task.created", target_type="task", target_id=7, data=data
    )
    inserted.created_at = saved.created_at = at

    insert_instance(inserted, using="default")
    saved.save(force_insert=True)

    assert inserted.pk is not None
    assert not inserted._state.adding
    assert inserted._state.db == "default"
    columns = ["board_id", "actor_id", "verb", "target_type", "target_id", "target_title", "data"]
    stored = Activity.objects.values(*columns, "created_at")
    assert stored.get(pk=inserted.pk) == stored.get(pk=saved.pk)
    assert Activity.objects.get(pk=inserted.pk).data == data


def test_insert_instance_sets_the_primary_key_the_database_chose() -> None:
    first, second = Board(title="One"), Board(title="Two")

    insert_instance(first, using="default")
    insert_instance(second, using="default")

    assert second.pk > first.pk
    titles = Board.objects.filter(pk__in=[first.pk, second.pk]).order_by("pk").values_list("title", flat=True)
    assert list(titles) == ["One", "Two"]


def test_update_fields_writes_only_the_named_fields() -> None:
    board = BoardFactory.create(title="Before", description="Kept")
    stale = Board.objects.get(pk=board.pk)
    Board.objects.filter(pk=board.pk).update(description="Changed elsewhere")
    stale.title = "After"
    stale.version = 9
    stale.description = "Not written"

    update_fields(stale, ["title", "version"], using="default")

    fresh = Board.objects.get(pk=board.pk)
    assert (fresh.title, fresh.version, fresh.description) == ("After", 9, "Changed elsewhere")


def test_insert_values_inserts_instances_with_the_pks_they_were_given() -> None:
    with connections["default"].cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence('boards_board', 'id')) FROM generate_series(1, 2)"
        )
        first_id, second_id = (row[0] for row in cursor.fetchall())
    first, second = Board(id=first_id, title="One"), Board(id=second_id, title="Two")

    sql, params = insert_values([first, second], using="default")
    with connections["default"].cursor() as cursor:
        cursor.execute(sql, params)

    stored = Board.objects.filter(pk__in=[first_id, second_id]).order_by("pk").values_list("pk", "title")
    assert list(stored) == [(first_id, "One"), (second_id, "Two")]
    # The sequence moved past them: the next board the database numbers doesn't collide.
    assert BoardFactory.create().pk > second_id


def test_insert_values_refuses_instances_with_and_without_pks_together() -> None:
    with pytest.raises(ValueError, match="pk"):
        insert_values([Board(id=10**9, title="One"), Board(title="Two")], using="default")


def test_update_values_is_the_update_update_fields_runs() -> None:
    board = BoardFactory.create(title="Before", description="Kept")
    board.title = "After"
    board.description = "Not written"

    sql, params = update_values(board, ["title"], using="default")
    with connections["default"].cursor() as cursor:
        cursor.execute(sql, params)

    assert sql == 'UPDATE "boards_board" SET "title" = %s WHERE "id" = %s'
    assert params == ["After", board.pk]
    assert Board.objects.values_list("title", "description").get(pk=board.pk) == ("After", "Kept")


def test_fetch_instance_refuses_extra_columns_the_sql_names_otherwise() -> None:
    """SQLite's RawQuerySet names the attributes after the SQL's columns: the names must match."""
    board = BoardFactory.create()
    sql = f"SELECT {columns_of(Board, 'b')}, 1 AS one FROM boards_board b WHERE b.id = %s"

    assert fetch_instance(Board, sql, [board.pk], extra=["one"], using="default").one == 1  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="named"):
        fetch_instance(Board, sql, [board.pk], extra=["user_role"], using="default")


def test_update_values_of_a_row_that_carries_its_board_names_the_board() -> None:
    """docs/scaling.md "Past one primary": the UPDATE goes to the board's node on Citus."""
    board_list = BoardListFactory.create(title="Before")
    board_list.title = "After"

    sql, params = update_values(board_list, ["title"], using="default")
    with connections["default"].cursor() as cursor:
        cursor.execute(sql, params)

    assert sql == 'UPDATE "boards_list" SET "title" = %s WHERE "id" = %s AND "board_id" = %s'
    assert params == ["After", board_list.pk, board_list.board_id]
    assert BoardList.objects.values_list("title", flat=True).get(pk=board_list.pk) == "After"
