"""GET/POST boards/, GET/PATCH/DELETE boards/{id}/ (ETag, 304, the cache), transfer, stats."""

import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import UserFactory
from boards import services
from boards.models import Board, BoardList, Membership
from boards.tests.factories import (
    BoardFactory,
    BoardListFactory,
    BoardWithRoles,
    LabelFactory,
    MembershipFactory,
    board_with_roles,
)
from boards.tests.snapshots import board_snapshot
from tasks import services as task_services
from tasks.board_cache import board_detail_key, cache_get
from tasks.models import Task, TaskAssignee, TaskLabel
from tasks.tests.factories import TaskFactory
from tests.api.http import Api, error_of
from writes.ordering import POSITION_STEP

pytestmark = pytest.mark.django_db

# JWT user, board row (with the caller's role).
AUTH_AND_BOARD_QUERIES = 2
# lists, labels, assignees, task labels, tasks, members, and the version check.
BUILD_QUERIES = 7


@pytest.fixture
def given() -> BoardWithRoles:
    return board_with_roles(title="Launch")


def by_id(user: User) -> int:
    return user.pk


def iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


# --- GET boards/ ------------------------------------------------------------------------


def test_list_shows_only_the_callers_boards_most_recently_changed_first() -> None:
    ada = UserFactory.create()
    older = BoardFactory.create(created_by=ada, title="Older", updated_at=timezone.now() - timedelta(days=1))
    newer = BoardFactory.create(title="Newer", description="Shared")
    MembershipFactory.create(board=newer, user=ada, role="viewer")
    BoardFactory.create(created_by=ada, archived=True, title="Archived")
    BoardFactory.create(title="Someone else's")

    response = Api(ada).get("boards/")

    assert response.status_code == 200
    assert response.json() == {
        "count": 2,
        "next": None,
        "previous": None,
        "results": [
            {
                "id": newer.pk,
                "title": "Newer",
                "description": "Shared",
                "role": "viewer",
                "member_count": 2,
                "archived": False,
                "version": 1,
                "created_at": iso(newer.created_at),
                "updated_at": iso(newer.updated_at),
            },
            {
                "id": older.pk,
                "title": "Older",
                "description": "",
                "role": "owner",
                "member_count": 1,
                "archived": False,
                "version": 1,
                "created_at": iso(older.created_at),
                "updated_at": iso(older.updated_at),
            },
        ],
    }


def test_list_of_archived_boards() -> None:
    ada = UserFactory.create()
    BoardFactory.create(created_by=ada, title="Active")
    archived = BoardFactory.create(created_by=ada, archived=True, title="Archived")

    response = Api(ada).get("boards/", {"archived": "true"})

    assert [row["id"] for row in response.json()["results"]] == [archived.pk]
    assert [row["title"] for row in Api(ada).get("boards/", {"archived": "false"}).json()["results"]] == [
        "Active"
    ]


@pytest.mark.parametrize("value", ["yes", "1", "True", "all"])
def test_list_refuses_a_bad_archived_value(value: str) -> None:
    response = Api(UserFactory.create()).get("boards/", {"archived": value})

    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"archived"}


def test_list_is_paginated() -> None:
    ada = UserFactory.create()
    boards = [
        BoardFactory.create(created_by=ada, updated_at=timezone.now() - timedelta(minutes=i))
        for i in range(3)
    ]

    first = Api(ada).get("boards/", {"page_size": 2}).json()
    second = Api(ada).get("boards/", {"page_size": 2, "page": 2}).json()

    assert first["count"] == 3
    assert [row["id"] for row in first["results"]] == [boards[0].pk, boards[1].pk]
    assert first["next"] == "http://testserver/api/v1/boards/?page=2&page_size=2"
    assert [row["id"] for row in second["results"]] == [boards[2].pk]
    assert second["next"] is None


def test_list_costs_the_same_queries_for_2_and_40_boards(django_assert_num_queries: Any) -> None:
    ada = UserFactory.create()
    api = Api(ada)
    for size in (2, 40):
        for _ in range(size - Membership.objects.filter(user=ada).count()):
            MembershipFactory.create(user=ada, role="member")
        # user, count, page
        with django_assert_num_queries(3):
            assert len(api.get("boards/").json()["results"]) == size


# --- POST boards/ -----------------------------------------------------------------------


def test_create_makes_the_caller_owner_with_the_default_lists() -> None:
    ada = UserFactory.create(name="Ada", email="ada@example.com")

    response = Api(ada).post("boards/", {"title": "  Launch ", "description": "Q3", "version": 99})

    assert response.status_code == 201
    board = Board.objects.get()
    assert response["Location"] == f"/api/v1/boards/{board.pk}/"
    assert response["ETag"] == f'"{board.pk}-1"'
    body = response.json()
    assert (body["id"], body["title"], body["description"], body["version"]) == (board.pk, "Launch", "Q3", 1)
    assert [(row["title"], row["tasks"]) for row in body["lists"]] == [
        ("To do", []),
        ("In progress", []),
        ("Done", []),
    ]
    assert body["members"] == [
        {
            "user": {"id": ada.pk, "email": "ada@example.com", "name": "Ada"},
            "role": "owner",
            "joined_at": body["members"][0]["joined_at"],
        }
    ]
    assert list(Membership.objects.values_list("user_id", "role")) == [(ada.pk, "owner")]


def test_create_with_its_own_lists() -> None:
    response = Api(UserFactory.create()).post("boards/", {"title": "Plan", "lists": ["Ideas", "Now"]})

    assert response.status_code == 201
    assert [row["title"] for row in response.json()["lists"]] == ["Ideas", "Now"]
    assert list(BoardList.objects.order_by("position").values_list("title", flat=True)) == ["Ideas", "Now"]


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"title"}),
        ({"title": ""}, {"title"}),
        ({"title": "   "}, {"title"}),
        ({"title": "x" * 201}, {"title"}),
        ({"title": 12}, {"title"}),
        ({"title": None}, {"title"}),
        ({"title": ["a"]}, {"title"}),
        ({"title": "ok", "description": "x" * 5001}, {"description"}),
        ({"title": "ok", "description": 5}, {"description"}),
        ({"title": "ok", "lists": "To do"}, {"lists"}),
        ({"title": "ok", "lists": [1, 2]}, {"lists"}),
        ({"title": "ok", "lists": [""]}, {"lists"}),
        ({"title": "ok", "lists": ["x" * 201]}, {"lists"}),
        ({"title": "ok", "lists": [f"L{i}" for i in range(21)]}, {"lists"}),
        ({"title": "bad \ud800 text"}, {"title"}),
        ({"title": "nul \x00 byte"}, {"title"}),
    ],
)
def test_create_refuses_invalid_input(body: dict[str, Any], fields: set[str]) -> None:
    response = Api(UserFactory.create()).post("boards/", body)

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "validation_error"
    assert set(error["fields"]) == fields
    assert Board.objects.count() == 0


def test_a_body_that_is_not_an_object_is_a_400() -> None:
    api = Api(UserFactory.create())

    not_json = api.client.post(
        "/api/v1/boards/", "{nope", content_type="application/json", headers=api.headers
    )
    a_list = api.post("boards/", ["title"])

    assert (not_json.status_code, a_list.status_code) == (400, 400)
    assert error_of(not_json)["code"] == "validation_error"
    assert error_of(a_list)["fields"] == {
        "non_field_errors": ["Invalid data. Expected a dictionary, but got list."]
    }
    assert Board.objects.count() == 0


# --- GET boards/{id}/ -------------------------------------------------------------------


def test_detail_has_lists_with_their_tasks_in_order_labels_and_members(given: BoardWithRoles) -> None:
    board = given.board
    todo = BoardListFactory.create(board=board, title="To do", position=2 * POSITION_STEP)
    doing = BoardListFactory.create(board=board, title="Doing", position=POSITION_STEP, wip_limit=3)
    label = LabelFactory.create(board=board, name="bug", color="#ff0000")
    second = TaskFactory.create(
        list=todo, title="Second", position=2 * POSITION_STEP, created_by=given.member
    )
    first = TaskFactory.create(
        list=todo,
        title="First",
        position=POSITION_STEP,
        created_by=given.owner,
        due_at=datetime(2030, 1, 2, 3, 4, 5, tzinfo=UTC),
        priority=4,
    )
    first.assignees.set([given.member, given.admin], through_defaults={"board_id": first.board_id})
    first.labels.set([label], through_defaults={"board_id": first.board_id})

    response = Api(given.viewer).get(f"boards/{board.pk}/")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/json"
    assert response["ETag"] == f'"{board.pk}-1"'
    body = response.json()
    assert set(body) == {
        "id", "title", "description", "archived", "viewers_can_comment", "version", "created_at",
        "updated_at", "member_count", "lists", "labels", "members",
    }  # fmt: skip
    assert (body["id"], body["title"], body["version"], body["member_count"]) == (board.pk, "Launch", 1, 4)
    assert [(row["id"], row["title"], row["wip_limit"]) for row in body["lists"]] == [
        (doing.pk, "Doing", 3),
        (todo.pk, "To do", None),
    ]
    assert body["lists"][0]["tasks"] == []
    assert [task["id"] for task in body["lists"][1]["tasks"]] == [first.pk, second.pk]
    assert body["lists"][1]["tasks"][0] == {
        "id": first.pk,
        "board_id": board.pk,
        "list_id": todo.pk,
        "title": "First",
        "description": "",
        "position": POSITION_STEP,
        "priority": "urgent",
        "due_at": "2030-01-02T03:04:05.000000Z",
        "completed": False,
        "completed_at": None,
        "assignees": [
            {"id": user.pk, "name": user.name} for user in sorted([given.member, given.admin], key=by_id)
        ],
        "labels": [{"id": label.pk, "name": "bug", "color": "#ff0000"}],
        "created_by": {"id": given.owner.pk, "name": given.owner.name},
        "comment_count": 0,
        "version": 1,
        "created_at": iso(first.created_at),
        "updated_at": iso(first.updated_at),
    }
    assert body["labels"] == [{"id": label.pk, "name": "bug", "color": "#ff0000"}]
    assert [(m["user"]["id"], m["role"]) for m in body["members"]] == [
        (given.owner.pk, "owner"),
        (given.admin.pk, "admin"),
        (given.member.pk, "member"),
        (given.viewer.pk, "viewer"),
    ]


@pytest.mark.parametrize(
    "header",
    ['"{id}-1"', 'W/"{id}-1"', '"{id}-0", "{id}-1"', "*"],
)
def test_detail_answers_304_to_a_matching_if_none_match(
    given: BoardWithRoles, header: str, django_assert_num_queries: Any
) -> None:
    board_id = given.board.pk

    # Checked before anything of the body is built or read from the cache.
    with django_assert_num_queries(AUTH_AND_BOARD_QUERIES):
        response = Api(given.viewer).get(
            f"boards/{board_id}/", headers={"If-None-Match": header.format(id=board_id)}
        )

    assert response.status_code == 304
    assert response.content == b""
    assert response["ETag"] == f'"{board_id}-1"'
    assert cache_get(board_detail_key(given.board)) is None


@pytest.mark.parametrize("header", ['"{id}-0"', '"other"', "garbage", '"{id}-1-1"'])
def test_detail_answers_200_to_a_stale_or_foreign_if_none_match(given: BoardWithRoles, header: str) -> None:
    board_id = given.board.pk

    response = Api(given.viewer).get(
        f"boards/{board_id}/", headers={"If-None-Match": header.format(id=board_id)}
    )

    assert response.status_code == 200
    assert response.json()["id"] == board_id


def test_an_etag_goes_stale_with_any_change_on_the_board(given: BoardWithRoles) -> None:
    api = Api(given.member)
    etag = api.get(f"boards/{given.board.pk}/")["ETag"]
    board_list = BoardListFactory.create(board=given.board)

    task_services.task_create(board=given.board, actor=given.member, list_id=board_list.pk, title="New")
    response = api.get(f"boards/{given.board.pk}/", headers={"If-None-Match": etag})

    assert response.status_code == 200
    assert response["ETag"] == f'"{given.board.pk}-2"'
    assert [task["title"] for task in response.json()["lists"][0]["tasks"]] == ["New"]


# --- the cache ----------------------------------------------------------------------------


def test_a_warm_read_is_served_from_the_cache_without_building(
    given: BoardWithRoles, django_assert_num_queries: Any
) -> None:
    api = Api(given.viewer)
    cold = api.get(f"boards/{given.board.pk}/")

    with django_assert_num_queries(AUTH_AND_BOARD_QUERIES):
        warm = api.get(f"boards/{given.board.pk}/")

    assert warm.status_code == 200
    assert warm.content == cold.content
    assert cache_get(board_detail_key(given.board)) == cold.content


def test_with_the_cache_switched_off_every_read_is_built_and_nothing_is_stored(
    given: BoardWithRoles, settings: Any, django_assert_num_queries: Any
) -> None:
    api = Api(given.viewer)
    cached = api.get(f"boards/{given.board.pk}/").content
    board = Board.objects.get(pk=given.board.pk)
    settings.BOARD_CACHE = False
    TaskFactory.create(list=BoardListFactory.create(board=board), title="Behind the cache")

    # The version check of a cached build is not needed: nothing is stored under it.
    with django_assert_num_queries(AUTH_AND_BOARD_QUERIES + BUILD_QUERIES - 1):
        first = api.get(f"boards/{given.board.pk}/")
    second = api.get(f"boards/{given.board.pk}/")

    assert (first.status_code, second.status_code) == (200, 200)
    assert first.content == second.content != cached
    assert first["ETag"] == f'"{given.board.pk}-1"'
    assert [task["title"] for task in first.json()["lists"][0]["tasks"]] == ["Behind the cache"]
    assert cache_get(board_detail_key(board)) == cached


@pytest.mark.postgresql  # reads through the streaming replica
def test_a_board_built_with_compiled_queries_is_read_from_the_replica(
    transactional_db: Any, pg_cluster: Any, settings: Any
) -> None:
    """The board read's compiled queries go where the router sends reads, as querysets do."""
    from django.db import connections
    from django.test.utils import CaptureQueriesContext

    from taskboard.db.replicas import reset_monitor

    given = board_with_roles()
    board_list = BoardListFactory.create(board=given.board, title="To do")
    TaskFactory.create(list=board_list, title="On the replica")
    settings.BOARD_CACHE = False
    pg_cluster.replica.wait_for_catchup()
    reset_monitor()

    with CaptureQueriesContext(connections["replica1"]) as on_replica:
        response = Api(given.viewer).get(f"boards/{given.board.pk}/")

    reset_monitor()
    assert response.status_code == 200
    assert "replica1" in response["X-Taskboard-Read-From"]
    assert [task["title"] for task in response.json()["lists"][0]["tasks"]] == ["On the replica"]
    # The board row with the caller's role, then the build.
    assert len(on_replica) == 1 + BUILD_QUERIES - 1


def test_a_write_never_leaves_a_stale_read_behind(given: BoardWithRoles) -> None:
    board_list = BoardListFactory.create(board=given.board, title="To do")
    api = Api(given.member)
    before = api.get(f"boards/{given.board.pk}/").json()
    assert cache_get(board_detail_key(Board.objects.get(pk=given.board.pk))) is not None

    task = task_services.task_create(
        board=given.board, actor=given.member, list_id=board_list.pk, title="One"
    )
    after_create = api.get(f"boards/{given.board.pk}/").json()
    task_services.task_update(task=task, actor=given.member, title="Renamed")
    after_rename = api.get(f"boards/{given.board.pk}/").json()
    api.patch(f"boards/{given.board.pk}/", {"title": "Relaunch"})  # member: refused, nothing changes
    services.board_update(board_id=given.board.pk, actor=given.admin, title="Relaunch")
    after_board_update = api.get(f"boards/{given.board.pk}/").json()

    assert (before["version"], before["lists"][0]["tasks"]) == (1, [])
    assert after_create["version"] == 2
    assert [t["title"] for t in after_create["lists"][0]["tasks"]] == ["One"]
    assert after_rename["version"] == 3
    assert [t["title"] for t in after_rename["lists"][0]["tasks"]] == ["Renamed"]
    assert (after_board_update["version"], after_board_update["title"]) == (4, "Relaunch")


def test_renaming_a_member_never_leaves_the_old_name_in_a_cached_board(given: BoardWithRoles) -> None:
    api = Api(given.owner)
    before = api.get(f"boards/{given.board.pk}/").json()

    renamed = Api(given.member).patch("users/me/", {"name": "Renamed Member"})
    after = api.get(f"boards/{given.board.pk}/").json()

    assert renamed.status_code == 200
    assert after["version"] == before["version"] + 1
    names = {m["user"]["id"]: m["user"]["name"] for m in after["members"]}
    assert names[given.member.pk] == "Renamed Member"


@pytest.mark.redis  # stops the Redis server
def test_with_redis_down_the_board_is_still_served(given: BoardWithRoles, redis_server: Any) -> None:
    api = Api(given.viewer)
    expected = api.get(f"boards/{given.board.pk}/").content
    redis_server.stop()

    first = api.get(f"boards/{given.board.pk}/")
    second = api.get(f"boards/{given.board.pk}/")

    assert (first.status_code, second.status_code) == (200, 200)
    assert first.content == second.content == expected


def add_tasks(
    board: Board, board_list: BoardList, count: int, *, assignees: list[Any], labels: list[Any]
) -> None:
    """`count` tasks with an assignee and a label each, written in bulk."""
    start = Task.objects.filter(list=board_list).count()
    tasks = Task.objects.bulk_create(
        Task(board=board, list=board_list, title=f"Task {i}", position=(i + 1) * POSITION_STEP)
        for i in range(start, start + count)
    )
    TaskAssignee.objects.bulk_create(
        TaskAssignee(board_id=task.board_id, task_id=task.pk, user_id=assignees[i % len(assignees)].pk)
        for i, task in enumerate(tasks)
    )
    TaskLabel.objects.bulk_create(
        TaskLabel(board_id=task.board_id, task_id=task.pk, label_id=labels[i % len(labels)].pk)
        for i, task in enumerate(tasks)
    )


def test_board_detail_costs_the_same_queries_for_10_and_5000_tasks(
    given: BoardWithRoles, django_assert_num_queries: Any
) -> None:
    board = given.board
    lists = [BoardListFactory.create(board=board) for _ in range(3)]
    labels = [LabelFactory.create(board=board) for _ in range(4)]
    api = Api(given.viewer)

    sizes = []
    for total in (10, 5000):
        add_tasks(
            board,
            lists[total % 3],
            total - Task.objects.filter(board=board).count(),
            assignees=[given.member, given.admin],
            labels=labels,
        )
        # A new version: the next read builds the board (cold), the one after is a hit.
        Board.objects.filter(pk=board.pk).update(version=total, updated_at=timezone.now())
        with django_assert_num_queries(AUTH_AND_BOARD_QUERIES + BUILD_QUERIES):
            cold = api.get(f"boards/{board.pk}/")
        with django_assert_num_queries(AUTH_AND_BOARD_QUERIES):
            warm = api.get(f"boards/{board.pk}/")
        assert cold.content == warm.content
        sizes.append(sum(len(row["tasks"]) for row in cold.json()["lists"]))

    assert sizes == [10, 5000]


def test_a_build_that_races_a_write_is_not_cached_under_the_old_version(
    given: BoardWithRoles, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The parts of the board are read in several queries: when a write commits meanwhile,
    the version check after them notices, and the board is built again."""
    from tasks import board_cache

    board_list = BoardListFactory.create(board=given.board, title="To do")
    board = Board.objects.get(pk=given.board.pk)
    real_board_detail = board_cache.board_detail
    calls: list[int] = []

    def board_detail_with_a_write_in_between(*, board: Board) -> dict[str, Any]:
        payload = real_board_detail(board=board)
        if not calls:
            task_services.task_create(board=board, actor=given.member, list_id=board_list.pk, title="Raced")
        calls.append(board.version)
        return payload

    monkeypatch.setattr(board_cache, "board_detail", board_detail_with_a_write_in_between)

    detail = board_cache.board_detail_body(board=board)

    assert calls == [1, 2]
    assert detail.version == 2
    assert [t["title"] for t in json.loads(detail.body)["lists"][0]["tasks"]] == ["Raced"]
    assert cache_get(board_detail_key(board)) is None
    assert cache_get(board_detail_key(Board.objects.get(pk=board.pk))) == detail.body


# --- PATCH, DELETE boards/{id}/ -----------------------------------------------------------


def test_update_changes_the_given_fields(given: BoardWithRoles) -> None:
    response = Api(given.admin).patch(
        f"boards/{given.board.pk}/", {"title": "Relaunch", "archived": True, "id": 5}
    )

    assert response.status_code == 200
    assert response["ETag"] == f'"{given.board.pk}-2"'
    body = response.json()
    assert (body["title"], body["description"], body["archived"], body["version"]) == (
        "Relaunch",
        "",
        True,
        2,
    )
    board = Board.objects.get(pk=given.board.pk)
    assert (board.title, board.archived, board.version) == ("Relaunch", True, 2)


def test_an_empty_update_changes_nothing(given: BoardWithRoles) -> None:
    before = board_snapshot(given.board.pk)

    response = Api(given.admin).patch(f"boards/{given.board.pk}/", {})

    assert response.status_code == 200
    assert response.json()["version"] == 1
    assert board_snapshot(given.board.pk) == before


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({"title": ""}, {"title"}),
        ({"title": "x" * 201}, {"title"}),
        ({"title": None}, {"title"}),
        ({"description": "x" * 5001}, {"description"}),
        ({"archived": "yes"}, {"archived"}),
        ({"archived": 1}, {"archived"}),
        ({"archived": None}, {"archived"}),
        ({"title": 3, "archived": "no"}, {"title", "archived"}),
        ({"viewers_can_comment": "yes"}, {"viewers_can_comment"}),
        ({"viewers_can_comment": None}, {"viewers_can_comment"}),
    ],
)
def test_update_refuses_invalid_input(given: BoardWithRoles, body: dict[str, Any], fields: set[str]) -> None:
    before = board_snapshot(given.board.pk)

    response = Api(given.owner).patch(f"boards/{given.board.pk}/", body)

    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == fields
    assert board_snapshot(given.board.pk) == before


def test_a_non_member_gets_404_even_for_an_invalid_body(given: BoardWithRoles) -> None:
    before = board_snapshot(given.board.pk)

    response = Api(given.outsider).patch(f"boards/{given.board.pk}/", {"title": ""})
    viewer = Api(given.viewer).patch(f"boards/{given.board.pk}/", {"title": ""})

    assert (response.status_code, viewer.status_code) == (404, 403)
    assert board_snapshot(given.board.pk) == before


def test_delete_removes_the_board_with_everything_on_it(given: BoardWithRoles) -> None:
    task = TaskFactory.create(list=BoardListFactory.create(board=given.board))

    response = Api(given.owner).delete(f"boards/{given.board.pk}/")

    assert response.status_code == 204
    assert response.content == b""
    assert not Board.objects.filter(pk=given.board.pk).exists()
    assert not Task.objects.filter(pk=task.pk).exists()
    assert Api(given.owner).get(f"boards/{given.board.pk}/").status_code == 404


@pytest.mark.parametrize("board_id", [999999, 2**63, 10**30])
def test_an_unknown_board_is_a_404(board_id: int) -> None:
    response = Api(UserFactory.create()).get(f"boards/{board_id}/")

    assert response.status_code == 404
    assert error_of(response)["code"] == "not_found"


# --- transfer ---------------------------------------------------------------------------


def test_transfer_makes_the_member_owner_and_the_old_owner_admin(given: BoardWithRoles) -> None:
    response = Api(given.owner).post(f"boards/{given.board.pk}/transfer/", {"user_id": given.viewer.pk})

    assert response.status_code == 200
    roles = {row["user"]["id"]: row["role"] for row in response.json()}
    assert roles == {
        given.owner.pk: "admin",
        given.admin.pk: "admin",
        given.member.pk: "member",
        given.viewer.pk: "owner",
    }
    assert dict(Membership.objects.filter(board=given.board).values_list("user_id", "role")) == roles


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"user_id": "2"},
        {"user_id": True},
        {"user_id": 0},
        {"user_id": 2**63},
        {"user_id": "outsider"},
        {"user_id": "owner"},
    ],
)
def test_transfer_refuses_invalid_targets(given: BoardWithRoles, body: dict[str, Any]) -> None:
    if body.get("user_id") in ("outsider", "owner"):
        body = {"user_id": given.user(body["user_id"]).pk}
    before = board_snapshot(given.board.pk)

    response = Api(given.owner).post(f"boards/{given.board.pk}/transfer/", body)

    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"user_id"}
    assert board_snapshot(given.board.pk) == before


# --- stats ------------------------------------------------------------------------------


def test_stats(given: BoardWithRoles) -> None:
    todo = BoardListFactory.create(board=given.board, title="To do")
    done = BoardListFactory.create(board=given.board, title="Done")
    overdue = TaskFactory.create(list=todo, due_at=timezone.now() - timedelta(days=1))
    overdue.assignees.set([given.member], through_defaults={"board_id": overdue.board_id})
    later = TaskFactory.create(list=todo, due_at=timezone.now() + timedelta(days=1))
    later.assignees.set([given.member], through_defaults={"board_id": later.board_id})
    TaskFactory.create(list=done, completed=True, due_at=timezone.now() - timedelta(days=1))

    response = Api(given.viewer).get(f"boards/{given.board.pk}/stats/")

    assert response.status_code == 200
    assert response.json() == {
        "tasks_total": 3,
        "tasks_completed": 1,
        "tasks_overdue": 1,
        "by_list": [
            {"list_id": todo.pk, "title": "To do", "count": 2},
            {"list_id": done.pk, "title": "Done", "count": 1},
        ],
        "by_assignee": [{"user_id": given.member.pk, "count": 2}],
    }


def test_session_authentication_works_with_csrf(given: BoardWithRoles) -> None:
    browser = Client(enforce_csrf_checks=True)
    browser.get("/accounts/login/")  # the page sets the CSRF cookie, as a browser gets it
    token = browser.cookies["csrftoken"].value
    browser.force_login(given.admin)

    read = browser.get(f"/api/v1/boards/{given.board.pk}/")
    without_token = browser.patch(
        f"/api/v1/boards/{given.board.pk}/", {"title": "X"}, content_type="application/json"
    )
    with_token = browser.patch(
        f"/api/v1/boards/{given.board.pk}/",
        {"title": "X"},
        content_type="application/json",
        headers={"X-CSRFToken": token},
    )

    assert read.status_code == 200
    assert without_token.status_code == 403
    assert error_of(without_token)["code"] == "permission_denied"
    assert with_token.status_code == 200
    assert Board.objects.get(pk=given.board.pk).title == "X"
