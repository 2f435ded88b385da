"""CompiledRead: SQL compiled once per database, run with each call's parameters."""

import pytest
from django.db import connections

from boards.models import Label
from boards.tests.factories import BoardFactory, LabelFactory
from taskboard.db.compiled import CompiledRead

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
