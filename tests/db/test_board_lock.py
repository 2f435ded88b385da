"""The board lock: the board's row and the user's role in one query, as a LockedBoard."""

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from boards.models import Board, BoardList, Membership
from boards.tests.factories import BoardListFactory, board_with_roles
from taskboard.db.board_lock import LockedBoard, lock_board, lock_board_of
from taskboard.db.compiled import columns_of, fetch_instance_and_extra

pytestmark = pytest.mark.django_db
ALIAS = "default"


def test_the_lock_reads_the_board_and_each_users_role_in_one_query() -> None:
    given = board_with_roles()
    roles = {}
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        for name in ("owner", "viewer", "outsider"):
            locked = lock_board(Board, Membership, board_id=given.board.pk, user_id=given.user(name).pk)
            assert locked.board == given.board
            roles[name] = locked.role

    assert roles == {"owner": "owner", "viewer": "viewer", "outsider": None}
    assert len(queries) == 3
    assert all(query["sql"].endswith("FOR UPDATE OF b") for query in queries.captured_queries)
    assert "actor_role" not in vars(locked.board)


def test_the_lock_by_a_row_locks_that_rows_board() -> None:
    given = board_with_roles()
    board_list = BoardListFactory.create(board=given.board)
    with transaction.atomic():
        locked = lock_board_of(Board, Membership, of=BoardList, row_id=board_list.pk, user_id=given.member.pk)

    assert locked == LockedBoard(given.board, "member")


@pytest.mark.parametrize("row_id", [0, 2**63, 987_654_321])
def test_a_missing_row_is_the_rows_model_does_not_exist(row_id: int) -> None:
    given = board_with_roles()
    with transaction.atomic(), pytest.raises(BoardList.DoesNotExist):
        lock_board_of(Board, Membership, of=BoardList, row_id=row_id, user_id=given.owner.pk)
    with transaction.atomic(), pytest.raises(Board.DoesNotExist):
        lock_board(Board, Membership, board_id=row_id, user_id=given.owner.pk)


def test_fetch_instance_and_extra_hands_the_extra_columns_back_beside_the_instance() -> None:
    given = board_with_roles()
    sql = f'SELECT {columns_of(Board, "b")}, 7 AS seven, %s AS given FROM "boards_board" b WHERE b.id = %s'

    found = fetch_instance_and_extra(Board, sql, ["x", given.board.pk], extra=["seven", "given"], using=ALIAS)

    assert found is not None
    board, extra = found
    assert (board, extra) == (given.board, (7, "x"))
    assert "seven" not in vars(board)
