"""board_write(): on PostgreSQL the rows a write defers are written by its closing statement."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from activity.models import Activity
from boards.models import Board, Label
from boards.tests.factories import LabelFactory, board_with_roles
from writes.board_transaction import board_write, new_board_write

pytestmark = pytest.mark.django_db

WRITES = ("INSERT", "UPDATE", "DELETE", "WITH")


def writes_in(queries: CaptureQueriesContext) -> list[str]:
    return [query["sql"] for query in queries.captured_queries if query["sql"].startswith(WRITES)]


@pytest.mark.postgresql  # writes are deferred on PostgreSQL only (taskboard/db/deferred_writes.py)
def test_deferred_rows_are_written_with_the_board_in_one_statement_as_the_write_ends() -> None:
    given = board_with_roles()
    label = LabelFactory.create(board=given.board, name="old")
    seen_inside = []

    with (
        CaptureQueriesContext(connection) as queries,
        board_write(board_id=given.board.pk, actor=given.admin) as write,
    ):
        label.name = "new"
        write.update_later(label, ["name"])
        added = Label(board=write.board, name="added", color="#00ff00")
        write.insert_later(added)
        write.record(verb="label.updated", target_id=label.pk, target_title="new", data={})
        # Reads inside the write still see the rows as they were.
        seen_inside = sorted(Label.objects.filter(board=given.board).values_list("name", flat=True))

    assert seen_inside == ["old"]
    assert sorted(Label.objects.filter(board=given.board).values_list("name", flat=True)) == ["added", "new"]
    assert not added._state.adding
    (statement,) = writes_in(queries)
    assert statement.startswith('WITH w0 AS (UPDATE "boards_label"')
    assert 'w1 AS (INSERT INTO "boards_label"' in statement
    assert 'w2 AS (INSERT INTO "activity_activity"' in statement
    assert 'UPDATE "boards_board"' in statement
    board = Board.objects.get(pk=given.board.pk)
    assert (board.version, board.event_seq) == (given.board.version + 1, 1)
    assert Activity.objects.filter(board=board).values_list("seq", "verb").get() == (1, "label.updated")


def test_a_write_that_fails_writes_none_of_its_deferred_rows() -> None:
    given = board_with_roles()
    label = LabelFactory.create(board=given.board, name="old")

    def failing_write() -> None:
        with board_write(board_id=given.board.pk, actor=given.admin) as write:
            label.name = "new"
            write.update_later(label, ["name"])
            write.insert_later(Label(board=write.board, name="added", color="#00ff00"))
            write.record(verb="label.updated", target_id=label.pk, target_title="new", data={})
            raise RuntimeError("refused")

    with pytest.raises(RuntimeError):
        failing_write()

    assert list(Label.objects.filter(board=given.board).values_list("name", flat=True)) == ["old"]
    assert Board.objects.get(pk=given.board.pk).version == given.board.version
    assert not Activity.objects.filter(board=given.board).exists()


@pytest.mark.postgresql  # writes are deferred on PostgreSQL only (taskboard/db/deferred_writes.py)
def test_deferred_rows_of_a_write_that_records_nothing_are_still_written() -> None:
    given = board_with_roles()
    label = LabelFactory.create(board=given.board, name="old")

    with (
        CaptureQueriesContext(connection) as queries,
        board_write(board_id=given.board.pk, actor=given.admin) as write,
    ):
        label.name = "new"
        write.update_later(label, ["name"])

    assert Label.objects.get(pk=label.pk).name == "new"
    assert writes_in(queries) == [
        f'UPDATE "boards_label" SET "name" = \'new\' WHERE "id" = {label.pk} '
        f'AND "board_id" = {given.board.pk}'
    ]
    assert Board.objects.get(pk=given.board.pk).version == given.board.version


def test_the_write_that_creates_a_board_writes_at_once() -> None:
    given = board_with_roles()
    write = new_board_write(board=given.board, actor=given.owner)

    write.insert_later(Label(board=given.board, name="now", color="#000000"))

    assert Label.objects.filter(board=given.board, name="now").exists()
