"""The activity feed (cursor-paginated, newest first) and notifications over HTTP."""

from typing import Any

import pytest
from django.utils import timezone

from activity.models import Activity, Notification
from activity.tests.factories import NotificationFactory
from boards import services
from boards.tests.factories import BoardListFactory, BoardWithRoles, board_with_roles
from tasks import services as task_services
from tests.api.http import Api, error_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def given() -> BoardWithRoles:
    return board_with_roles(title="Launch")


def make_activity(given: BoardWithRoles, count: int) -> None:
    board_list = BoardListFactory.create(board=given.board)
    for i in range(count):
        task_services.task_create(board=given.board, actor=given.member, list_id=board_list.pk, title=f"T{i}")


def test_the_feed_is_newest_first(given: BoardWithRoles) -> None:
    services.board_update(board_id=given.board.pk, actor=given.admin, title="Relaunch")
    make_activity(given, 1)

    response = Api(given.viewer).get(f"boards/{given.board.pk}/activity/")

    assert response.status_code == 200
    body = response.json()
    assert set(body) == {"next", "previous", "results"}
    created, updated = Activity.objects.filter(board=given.board).order_by("-seq")
    assert body["results"][1] == {
        "id": updated.pk,
        "seq": 1,
        "actor": {"id": given.admin.pk, "name": given.admin.name},
        "verb": "board.updated",
        "target": {"type": "board", "id": given.board.pk, "title": "Relaunch"},
        "data": updated.data,
        "created_at": updated.created_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    }
    assert (body["results"][0]["seq"], body["results"][0]["verb"]) == (2, "task.created")
    assert body["results"][0]["target"] == {"type": "task", "id": created.target_id, "title": "T0"}
    assert body["next"] is None


def test_the_feed_pages_with_cursors(given: BoardWithRoles) -> None:
    make_activity(given, 5)
    api = Api(given.viewer)

    seqs: list[int] = []
    response = api.get(f"boards/{given.board.pk}/activity/", {"page_size": 2})
    while True:
        body = response.json()
        seqs += [row["seq"] for row in body["results"]]
        if body["next"] is None:
            break
        response = api.client.get(body["next"], headers=api.headers)

    assert seqs == [5, 4, 3, 2, 1]


# Not base64; an offset that is no number; a direction that is no number.
@pytest.mark.parametrize("cursor", ["garbage", "bz1hYmM=", "cD0xJnI9bWF5YmU="])
def test_a_bad_cursor_is_a_400(given: BoardWithRoles, cursor: str) -> None:
    response = Api(given.viewer).get(f"boards/{given.board.pk}/activity/", {"cursor": cursor})

    assert response.status_code == 400
    assert error_of(response)["fields"] == {"cursor": ["Invalid cursor."]}


def test_the_feed_costs_the_same_queries_for_3_and_80_entries(
    given: BoardWithRoles, django_assert_num_queries: Any
) -> None:
    api = Api(given.viewer)
    for size in (3, 80):
        make_activity(given, size - Activity.objects.filter(board=given.board).count())
        # user, board, the page (with its actors)
        with django_assert_num_queries(3):
            response = api.get(f"boards/{given.board.pk}/activity/")
        assert len(response.json()["results"]) == min(size, 50)


# --- notifications ---------------------------------------------------------------------------


def test_notifications_are_the_callers_newest_first(given: BoardWithRoles) -> None:
    older = NotificationFactory.create(user=given.member, board=given.board, created_at=timezone.now())
    newer = NotificationFactory.create(user=given.member, board=given.board, kind="assigned", read=True)
    NotificationFactory.create(user=given.admin, board=given.board)

    response = Api(given.member).get("notifications/")

    assert response.status_code == 200
    assert response.json() == {
        "count": 2,
        "next": None,
        "previous": None,
        "results": [
            {
                "id": n.pk,
                "kind": n.kind,
                "board_id": given.board.pk,
                "task_id": None,
                "text": n.text,
                "read": n.read,
                "created_at": n.created_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
            }
            for n in (newer, older)
        ],
    }


def test_notifications_cost_the_same_queries_for_2_and_60(
    given: BoardWithRoles, django_assert_num_queries: Any
) -> None:
    api = Api(given.member)
    for size in (2, 60):
        for _ in range(size - Notification.objects.filter(user=given.member).count()):
            NotificationFactory.create(user=given.member, board=given.board)
        # user, count, page
        with django_assert_num_queries(3):
            assert api.get("notifications/").json()["count"] == size


def unread(user: Any) -> set[int]:
    return set(Notification.objects.filter(user=user, read=False).values_list("pk", flat=True))


def test_marking_some_read_ignores_other_peoples(given: BoardWithRoles) -> None:
    mine = [NotificationFactory.create(user=given.member, board=given.board) for _ in range(3)]
    theirs = NotificationFactory.create(user=given.admin, board=given.board)

    response = Api(given.member).post(
        "notifications/read/", {"ids": [mine[0].pk, mine[1].pk, theirs.pk, 999999]}
    )

    assert response.status_code == 204
    assert unread(given.member) == {mine[2].pk}
    assert unread(given.admin) == {theirs.pk}


def test_marking_all_read(given: BoardWithRoles) -> None:
    for _ in range(3):
        NotificationFactory.create(user=given.member, board=given.board)
    theirs = NotificationFactory.create(user=given.admin, board=given.board)

    response = Api(given.member).post("notifications/read/", {"all": True})

    assert response.status_code == 204
    assert unread(given.member) == set()
    assert unread(given.admin) == {theirs.pk}


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({}, "non_field_errors"),
        ({"all": False}, "non_field_errors"),
        ({"all": "true"}, "all"),
        ({"ids": "1"}, "ids"),
        ({"ids": [0]}, "ids"),
        ({"ids": ["1"]}, "ids"),
        ({"ids": list(range(1, 1002))}, "ids"),
    ],
)
def test_marking_read_refuses_invalid_input(given: BoardWithRoles, body: dict[str, Any], field: str) -> None:
    notification = NotificationFactory.create(user=given.member, board=given.board)

    response = Api(given.member).post("notifications/read/", body)

    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {field}
    assert unread(given.member) == {notification.pk}
