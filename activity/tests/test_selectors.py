"""The activity feed and the notification list: order, scope, query budget."""

from typing import Any

import pytest
from django.db import connection

from activity import selectors
from activity.models import Activity
from activity.representations import activity_representation, notification_representation
from activity.tests.factories import NotificationFactory
from boards import services as board_services
from boards.tests.factories import board_with_roles

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("count", [3, 40])
def test_activity_list_newest_first_in_one_query(count: int, django_assert_num_queries: Any) -> None:
    given = board_with_roles()
    for i in range(count):
        board_services.board_update(board_id=given.board.pk, actor=given.admin, title=f"Title {i}")
    board_with_roles()  # another board's activity stays out

    with django_assert_num_queries(1):
        feed = [activity_representation(a) for a in selectors.activity_list(board=given.board)]

    assert [entry["seq"] for entry in feed] == list(range(count, 0, -1))
    assert feed[0] == {
        "id": feed[0]["id"],
        "seq": count,
        "actor": {"id": given.admin.pk, "name": given.admin.name},
        "verb": "board.updated",
        "target": {"type": "board", "id": given.board.pk, "title": f"Title {count - 1}"},
        "data": Activity.objects.get(board=given.board, seq=count).data,
        "created_at": feed[0]["created_at"],
    }


def test_activity_after_gives_what_a_client_missed_in_order() -> None:
    given = board_with_roles()
    for i in range(5):
        board_services.board_update(board_id=given.board.pk, actor=given.admin, title=f"Title {i}")

    missed = selectors.activity_after(board=given.board, seq=2, limit=10)

    assert [a.seq for a in missed] == [3, 4, 5]
    assert [a.seq for a in selectors.activity_after(board=given.board, seq=0, limit=2)] == [1, 2]


def test_notification_list_is_the_callers_newest_first() -> None:
    given = board_with_roles()
    older = NotificationFactory.create(user=given.member, board=given.board)
    newer = NotificationFactory.create(user=given.member, board=given.board, read=True)
    NotificationFactory.create(user=given.viewer, board=given.board)

    assert list(selectors.notification_list(user=given.member)) == [newer, older]
    assert list(selectors.notification_list(user=given.member, read=False)) == [older]
    assert selectors.unread_notification_count(user=given.member) == 1
    assert notification_representation(older) == {
        "id": older.pk,
        "kind": "mention",
        "board_id": given.board.pk,
        "task_id": None,
        "text": older.text,
        "read": False,
        "created_at": older.created_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    }


def test_a_cards_history_is_read_by_its_index_not_through_the_boards_feed() -> None:
    given = board_with_roles()
    common = {"board": given.board, "actor": given.admin, "target_type": "task", "data": {}}
    Activity.objects.bulk_create(
        Activity(seq=seq, verb="task.updated", target_id=1 + seq % 500, **common) for seq in range(1, 5001)
    )
    mine = [
        Activity.objects.create(seq=5000 + n, verb="task.updated", target_id=10_000, **common) for n in (1, 2)
    ]
    query = selectors.task_activity(board=given.board, task_id=10_000)[:20]

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE activity_activity")
        sql, params = query.query.sql_with_params()
        # PostgreSQL's EXPLAIN, SQLite's EXPLAIN QUERY PLAN (the plan in its last column).
        explain = "EXPLAIN" if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN"
        cursor.execute(f"{explain} {sql}", params)
        plan = "\n".join(str(row[-1]) for row in cursor.fetchall())

    assert [activity.pk for activity in query] == [mine[1].pk, mine[0].pk]
    assert "activity_target_idx" in plan, plan
