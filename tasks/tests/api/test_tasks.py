"""Tasks over HTTP: create, read, change (If-Match / 412), move (409 at the WIP limit),
delete, the filters of boards/{id}/tasks/ and tasks/, and their query budgets."""

from datetime import UTC, datetime
from typing import Any

import pytest

from accounts.models import User
from activity.models import Notification
from boards.models import BoardList
from boards.tests.factories import (
    BoardListFactory,
    BoardWithRoles,
    LabelFactory,
    MembershipFactory,
    board_with_roles,
)
from boards.tests.snapshots import board_snapshot
from tasks.models import Priority, Task, TaskAssignee, TaskLabel
from tasks.tests.factories import TaskFactory, tasks_to_filter
from tasks.tests.markdown_inputs import DEEPLY_NESTED, DEEPLY_NESTED_HTML
from tests.api.http import Api, error_of
from writes.ordering import POSITION_STEP

pytestmark = pytest.mark.django_db


def iso(value: datetime) -> str:
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


@pytest.fixture
def given() -> BoardWithRoles:
    return board_with_roles(title="Launch")


@pytest.fixture
def lists(given: BoardWithRoles) -> tuple[BoardList, BoardList]:
    return (
        BoardListFactory.create(board=given.board, title="To do", position=POSITION_STEP),
        BoardListFactory.create(board=given.board, title="Done", position=2 * POSITION_STEP),
    )


def by_id(user: User) -> int:
    return user.pk


def titles_in(board_list: BoardList) -> list[str]:
    return list(Task.objects.filter(list=board_list).order_by("position").values_list("title", flat=True))


# --- create -----------------------------------------------------------------------------


def test_create_appends_the_task_to_its_list(
    given: BoardWithRoles, lists: tuple[BoardList, BoardList]
) -> None:
    todo, _ = lists
    TaskFactory.create(list=todo, title="Existing", position=5 * POSITION_STEP)
    bug = LabelFactory.create(board=given.board, name="bug", color="#ff0000")

    response = Api(given.member).post(
        f"boards/{given.board.pk}/tasks/",
        {
            "list_id": todo.pk,
            "title": "Write report",
            "description": "**soon**",
            "priority": "high",
            "due_at": "2030-01-02T10:00:00+02:00",
            "assignee_ids": [given.admin.pk, given.member.pk],
            "label_ids": [bug.pk],
            "comment_count": 99,
        },
    )

    assert response.status_code == 201
    task = Task.objects.get(title="Write report")
    assert response["Location"] == f"/api/v1/tasks/{task.pk}/"
    assert response["ETag"] == '"1"'
    assert response.json() == {
        "id": task.pk,
        "board_id": given.board.pk,
        "list_id": todo.pk,
        "title": "Write report",
        "description": "**soon**",
        "position": 6 * POSITION_STEP,
        "priority": "high",
        "due_at": "2030-01-02T08:00:00.000000Z",
        "completed": False,
        "completed_at": None,
        "assignees": [
            {"id": user.pk, "name": user.name} for user in sorted([given.admin, given.member], key=by_id)
        ],
        "labels": [{"id": bug.pk, "name": "bug", "color": "#ff0000"}],
        "created_by": {"id": given.member.pk, "name": given.member.name},
        "comment_count": 0,
        "version": 1,
        "created_at": iso(task.created_at),
        "updated_at": iso(task.updated_at),
    }
    assert titles_in(todo) == ["Existing", "Write report"]
    # The assignee who is not the author is notified.
    assert list(Notification.objects.values_list("user_id", "kind", "task_id")) == [
        (given.admin.pk, "assigned", task.pk)
    ]


def test_create_with_only_the_required_fields(
    given: BoardWithRoles, lists: tuple[BoardList, BoardList]
) -> None:
    response = Api(given.member).post(
        f"boards/{given.board.pk}/tasks/", {"list_id": lists[0].pk, "title": "T"}
    )

    assert response.status_code == 201
    body = response.json()
    assert (body["priority"], body["description"], body["due_at"], body["assignees"], body["labels"]) == (
        "medium",
        "",
        None,
        [],
        [],
    )


def task_invalid_cases() -> list[Any]:
    """(body changes, fields) with placeholders for ids made in the test."""
    return [
        ({"title": ""}, {"title"}),
        ({"title": "   "}, {"title"}),
        ({"title": "x" * 201}, {"title"}),
        ({"title": 5}, {"title"}),
        ({"title": None}, {"title"}),
        ({"description": "x" * 20001}, {"description"}),
        ({"description": ["x"]}, {"description"}),
        ({"priority": "extreme"}, {"priority"}),
        ({"priority": 3}, {"priority"}),
        ({"priority": "HIGH"}, {"priority"}),
        ({"due_at": "tomorrow"}, {"due_at"}),
        ({"due_at": 1893456000}, {"due_at"}),
        ({"due_at": "2030-02-30T00:00:00Z"}, {"due_at"}),
        ({"list_id": "LIST"}, {"list_id"}),  # a string, not an id
        ({"list_id": "OTHER_BOARD_LIST"}, {"list_id"}),
        ({"list_id": 999999}, {"list_id"}),
        ({"list_id": 0}, {"list_id"}),
        ({"list_id": True}, {"list_id"}),
        ({"assignee_ids": ["OUTSIDER"]}, {"assignee_ids"}),
        ({"assignee_ids": [999999]}, {"assignee_ids"}),
        ({"assignee_ids": "MEMBER"}, {"assignee_ids"}),
        ({"assignee_ids": [True]}, {"assignee_ids"}),
        ({"assignee_ids": [{"id": 1}]}, {"assignee_ids"}),
        ({"label_ids": ["OTHER_BOARD_LABEL"]}, {"label_ids"}),
        ({"label_ids": [999999]}, {"label_ids"}),
        ({"label_ids": [2**63]}, {"label_ids"}),
        ({"label_ids": list(range(1, 52))}, {"label_ids"}),
        ({"title": "", "priority": "x", "label_ids": "1"}, {"title", "priority", "label_ids"}),
    ]


def resolve(value: Any, given: BoardWithRoles, todo: BoardList) -> Any:
    placeholders = {
        "LIST": str(todo.pk),
        "OTHER_BOARD_LIST": lambda: BoardListFactory.create().pk,
        "OUTSIDER": given.outsider.pk,
        "MEMBER": str(given.member.pk),
        "OTHER_BOARD_LABEL": lambda: LabelFactory.create().pk,
    }
    if isinstance(value, list):
        return [resolve(item, given, todo) for item in value]
    if isinstance(value, str) and value in placeholders:
        found = placeholders[value]
        return found() if callable(found) else found
    return value


@pytest.mark.parametrize(("changes", "fields"), task_invalid_cases())
def test_create_refuses_invalid_input(
    given: BoardWithRoles, lists: tuple[BoardList, BoardList], changes: dict[str, Any], fields: set[str]
) -> None:
    todo, _ = lists
    LabelFactory.create(board=given.board)
    body = {"list_id": todo.pk, "title": "T", **{k: resolve(v, given, todo) for k, v in changes.items()}}
    before = board_snapshot(given.board.pk)

    response = Api(given.member).post(f"boards/{given.board.pk}/tasks/", body)

    assert response.status_code == 400, response.content
    error = error_of(response)
    assert error["code"] == "validation_error"
    assert set(error["fields"]) == fields
    assert board_snapshot(given.board.pk) == before


def test_create_needs_the_list_and_the_title(given: BoardWithRoles) -> None:
    response = Api(given.member).post(f"boards/{given.board.pk}/tasks/", {})

    assert response.status_code == 400
    assert error_of(response)["fields"] == {
        "list_id": ["This field is required."],
        "title": ["This field is required."],
    }


# --- read -------------------------------------------------------------------------------


def test_get_a_task_with_its_version_as_etag(
    given: BoardWithRoles, lists: tuple[BoardList, BoardList]
) -> None:
    task = TaskFactory.create(list=lists[0], title="Read me", version=4)

    response = Api(given.viewer).get(f"tasks/{task.pk}/")

    assert response.status_code == 200
    assert response["ETag"] == '"4"'
    assert (response.json()["id"], response.json()["title"], response.json()["version"]) == (
        task.pk,
        "Read me",
        4,
    )


@pytest.mark.parametrize("task_id", [999999, 2**63])
def test_an_unknown_task_is_a_404(given: BoardWithRoles, task_id: int) -> None:
    assert Api(given.owner).get(f"tasks/{task_id}/").status_code == 404


# --- update -----------------------------------------------------------------------------


def test_update_changes_the_given_fields(given: BoardWithRoles, lists: tuple[BoardList, BoardList]) -> None:
    task = TaskFactory.create(list=lists[0], title="Old", description="keep")
    bug = LabelFactory.create(board=given.board, name="bug")

    response = Api(given.member).patch(
        f"tasks/{task.pk}/",
        {"title": "New", "priority": "urgent", "due_at": None, "label_ids": [bug.pk], "completed": True},
    )

    assert response.status_code == 200
    assert response["ETag"] == '"2"'
    body = response.json()
    assert (body["title"], body["description"], body["priority"], body["completed"], body["version"]) == (
        "New",
        "keep",
        "urgent",
        True,
        2,
    )
    assert body["completed_at"] is not None
    assert body["labels"] == [{"id": bug.pk, "name": "bug", "color": bug.color}]
    task.refresh_from_db()
    assert (task.title, task.priority, task.completed, task.version) == ("New", Priority.URGENT, True, 2)


def test_update_with_a_deeply_nested_description(
    given: BoardWithRoles, lists: tuple[BoardList, BoardList]
) -> None:
    task = TaskFactory.create(list=lists[0], description="flat")

    response = Api(given.member).patch(f"tasks/{task.pk}/", {"description": DEEPLY_NESTED})

    assert response.status_code == 200
    assert (response.json()["description"], response.json()["version"]) == (DEEPLY_NESTED, 2)
    task.refresh_from_db()
    assert (task.description, task.description_html) == (DEEPLY_NESTED, DEEPLY_NESTED_HTML)


def test_update_with_a_new_list_appends_the_task_there(
    given: BoardWithRoles, lists: tuple[BoardList, BoardList]
) -> None:
    todo, done = lists
    TaskFactory.create(list=done, title="Already done")
    task = TaskFactory.create(list=todo, title="Finish")

    response = Api(given.member).patch(f"tasks/{task.pk}/", {"list_id": done.pk})

    assert response.status_code == 200
    assert response.json()["list_id"] == done.pk
    assert titles_in(done) == ["Already done", "Finish"]


@pytest.mark.parametrize(
    ("changes", "fields"), [*task_invalid_cases(), ({"completed": "yes"}, {"completed"})]
)
def test_update_refuses_invalid_input(
    given: BoardWithRoles, lists: tuple[BoardList, BoardList], changes: dict[str, Any], fields: set[str]
) -> None:
    todo, _ = lists
    task = TaskFactory.create(list=todo)
    body = {k: resolve(v, given, todo) for k, v in changes.items()}
    before = board_snapshot(given.board.pk)

    response = Api(given.member).patch(f"tasks/{task.pk}/", body)

    assert response.status_code == 400, response.content
    assert set(error_of(response)["fields"]) == fields
    assert board_snapshot(given.board.pk) == before


@pytest.mark.parametrize("header", ['"3"', '"1", "3"', "*", None])
def test_update_with_a_current_if_match(
    given: BoardWithRoles, lists: tuple[BoardList, BoardList], header: str | None
) -> None:
    task = TaskFactory.create(list=lists[0], version=3)

    response = Api(given.member).patch(
        f"tasks/{task.pk}/", {"title": "Changed"}, headers={"If-Match": header} if header else None
    )

    assert response.status_code == 200
    assert response.json()["version"] == 4
    assert response["ETag"] == '"4"'


@pytest.mark.parametrize("header", ['"2"', 'W/"3"', "3", '"three"', '""'])
# An invalid body too: the precondition is answered first.
@pytest.mark.parametrize("title", ["New", ""])
def test_update_with_a_stale_if_match_is_a_412(
    given: BoardWithRoles, lists: tuple[BoardList, BoardList], header: str, title: str
) -> None:
    task = TaskFactory.create(list=lists[0], title="Old", version=3)
    before = board_snapshot(given.board.pk)

    response = Api(given.member).patch(f"tasks/{task.pk}/", {"title": title}, headers={"If-Match": header})

    assert response.status_code == 412
    assert error_of(response) == {
        "code": "precondition_failed",
        "message": "The task has changed (it is at version 3): reload it.",
    }
    assert board_snapshot(given.board.pk) == before


def test_two_clients_editing_the_same_version_the_second_gets_412(
    given: BoardWithRoles, lists: tuple[BoardList, BoardList]
) -> None:
    task = TaskFactory.create(list=lists[0], title="Old")
    alice, bob = Api(given.member), Api(given.admin)
    etag = alice.get(f"tasks/{task.pk}/")["ETag"]
    assert bob.get(f"tasks/{task.pk}/")["ETag"] == etag

    first = alice.patch(f"tasks/{task.pk}/", {"title": "Alice's"}, headers={"If-Match": etag})
    second = bob.patch(f"tasks/{task.pk}/", {"title": "Bob's"}, headers={"If-Match": etag})

    assert (first.status_code, second.status_code) == (200, 412)
    task.refresh_from_db()
    assert (task.title, task.version) == ("Alice's", 2)


def test_update_into_a_full_list_is_a_409(given: BoardWithRoles, lists: tuple[BoardList, BoardList]) -> None:
    todo, done = lists
    BoardList.objects.filter(pk=done.pk).update(wip_limit=1)
    TaskFactory.create(list=done)
    task = TaskFactory.create(list=todo)
    before = board_snapshot(given.board.pk)

    response = Api(given.member).patch(f"tasks/{task.pk}/", {"list_id": done.pk, "title": "Moved"})

    assert response.status_code == 409
    assert error_of(response) == {
        "code": "conflict",
        "message": "The list “Done” is at its WIP limit of 1 task.",
        "reason": "wip_limit",
    }
    assert board_snapshot(given.board.pk) == before


# --- move -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("index", "expected"),
    [(0, ["C", "A", "B"]), (1, ["A", "C", "B"]), (2, ["A", "B", "C"]), (50, ["A", "B", "C"])],
)
def test_move_within_a_list(
    given: BoardWithRoles, lists: tuple[BoardList, BoardList], index: int, expected: list[str]
) -> None:
    todo, _ = lists
    tasks = {title: TaskFactory.create(list=todo, title=title) for title in "ABC"}

    response = Api(given.member).post(f"tasks/{tasks['C'].pk}/move/", {"list_id": todo.pk, "index": index})

    assert response.status_code == 200
    assert titles_in(todo) == expected


def test_move_to_another_list(given: BoardWithRoles, lists: tuple[BoardList, BoardList]) -> None:
    todo, done = lists
    moving = TaskFactory.create(list=todo, title="Moving")
    for title in "XY":
        TaskFactory.create(list=done, title=title)

    response = Api(given.member).post(f"tasks/{moving.pk}/move/", {"list_id": done.pk, "index": 1})

    assert response.status_code == 200
    assert (response.json()["list_id"], response.json()["version"]) == (done.pk, 2)
    assert titles_in(done) == ["X", "Moving", "Y"]
    assert titles_in(todo) == []


def test_move_into_a_full_list_is_a_409_but_within_it_is_fine(
    given: BoardWithRoles, lists: tuple[BoardList, BoardList]
) -> None:
    todo, done = lists
    BoardList.objects.filter(pk=done.pk).update(wip_limit=2)
    first, second = (TaskFactory.create(list=done, title=title) for title in "AB")
    outsider_task = TaskFactory.create(list=todo)
    before = board_snapshot(given.board.pk)

    refused = Api(given.member).post(f"tasks/{outsider_task.pk}/move/", {"list_id": done.pk, "index": 0})
    assert refused.status_code == 409
    assert error_of(refused)["code"] == "conflict"
    assert board_snapshot(given.board.pk) == before

    within = Api(given.member).post(f"tasks/{second.pk}/move/", {"list_id": done.pk, "index": 0})
    assert within.status_code == 200
    assert titles_in(done) == ["B", "A"]
    assert first.pk != second.pk


@pytest.mark.parametrize(
    ("body", "fields"),
    [
        ({}, {"list_id", "index"}),
        ({"list_id": "LIST", "index": 0}, {"list_id"}),
        ({"list_id": "OTHER_BOARD_LIST", "index": 0}, {"list_id"}),
        ({"list_id": 999999, "index": 0}, {"list_id"}),
        ({"list_id": "TODO", "index": -1}, {"index"}),
        ({"list_id": "TODO", "index": "0"}, {"index"}),
        ({"list_id": "TODO", "index": 1.5}, {"index"}),
    ],
)
def test_move_refuses_invalid_input(
    given: BoardWithRoles, lists: tuple[BoardList, BoardList], body: dict[str, Any], fields: set[str]
) -> None:
    todo, _ = lists
    task = TaskFactory.create(list=todo)
    body = {k: (todo.pk if v == "TODO" else resolve(v, given, todo)) for k, v in body.items()}
    before = board_snapshot(given.board.pk)

    response = Api(given.member).post(f"tasks/{task.pk}/move/", body)

    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == fields
    assert board_snapshot(given.board.pk) == before


def test_delete(given: BoardWithRoles, lists: tuple[BoardList, BoardList]) -> None:
    task = TaskFactory.create(list=lists[0])

    response = Api(given.member).delete(f"tasks/{task.pk}/")

    assert response.status_code == 204
    assert not Task.objects.filter(pk=task.pk).exists()
    assert Api(given.member).get(f"tasks/{task.pk}/").status_code == 404


# --- filters ----------------------------------------------------------------------------


@pytest.fixture
def tasks(given: BoardWithRoles, lists: tuple[BoardList, BoardList]) -> dict[str, Task]:
    return tasks_to_filter(given, *lists)


def titles(response: Any) -> list[str]:
    assert response.status_code == 200, response.content
    return [task["title"] for task in response.json()["results"]]


@pytest.mark.parametrize(
    ("ordering", "expected"),
    [
        (None, ["Fix login", "Write report", "Deploy", "Review reports"]),
        ("position", ["Fix login", "Write report", "Deploy", "Review reports"]),
        ("due_at", ["Fix login", "Review reports", "Write report", "Deploy"]),
        ("-due_at", ["Write report", "Review reports", "Fix login", "Deploy"]),
        ("created_at", ["Deploy", "Fix login", "Write report", "Review reports"]),
        ("-created_at", ["Review reports", "Write report", "Fix login", "Deploy"]),
        ("priority", ["Deploy", "Review reports", "Write report", "Fix login"]),
        ("-priority", ["Fix login", "Write report", "Review reports", "Deploy"]),
    ],
)
def test_orderings(
    given: BoardWithRoles, tasks: dict[str, Task], ordering: str | None, expected: list[str]
) -> None:
    params = {"ordering": ordering} if ordering else {}

    assert titles(Api(given.viewer).get(f"boards/{given.board.pk}/tasks/", params)) == expected


def test_filters(given: BoardWithRoles, lists: tuple[BoardList, BoardList], tasks: dict[str, Task]) -> None:
    todo, done = lists
    bug = tasks["Fix login"].labels.get()
    api = Api(given.member)
    path = f"boards/{given.board.pk}/tasks/"

    assert titles(api.get(path, {"list": todo.pk})) == ["Fix login", "Write report"]
    assert titles(api.get(path, {"assignee": "me"})) == ["Fix login"]
    assert titles(api.get(path, {"assignee": given.admin.pk})) == ["Deploy"]
    assert titles(api.get(path, {"label": bug.pk})) == ["Fix login", "Review reports"]
    assert titles(api.get(path, {"priority": "high"})) == ["Write report"]
    assert titles(api.get(path, {"completed": "true"})) == ["Deploy"]
    assert titles(api.get(path, {"completed": "false"})) == ["Fix login", "Write report", "Review reports"]
    assert titles(api.get(path, {"due_before": "2030-01-02T00:00:00Z"})) == ["Fix login"]
    assert titles(api.get(path, {"due_after": "2030-01-02T00:00:00Z"})) == ["Write report", "Review reports"]
    # Offsets PostgreSQL itself would refuse are fine: the time is taken to UTC first.
    assert titles(api.get(path, {"due_before": "2030-01-02T16:11:00+16:12"})) == ["Fix login"]
    assert titles(api.get(path, {"q": "report"})) == ["Write report", "Review reports"]
    assert titles(api.get(path, {"q": "quarter"})) == ["Write report"]
    assert titles(api.get(path, {"list": done.pk, "label": bug.pk, "ordering": "-created_at"})) == [
        "Review reports"
    ]
    assert titles(api.get(path, {"list": "", "q": "", "unknown": "x"})) == [
        "Fix login",
        "Write report",
        "Deploy",
        "Review reports",
    ]


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"list": "abc"}, "list"),
        ({"list": "-1"}, "list"),
        ({"list": str(2**63)}, "list"),
        ({"assignee": "you"}, "assignee"),
        ({"assignee": "0"}, "assignee"),
        ({"label": "1.5"}, "label"),
        ({"priority": "extreme"}, "priority"),
        ({"priority": "HIGH"}, "priority"),
        ({"completed": "yes"}, "completed"),
        ({"completed": "1"}, "completed"),
        ({"due_before": "soon"}, "due_before"),
        ({"due_after": "2030-13-01"}, "due_after"),
        ({"due_after": "0001-01-01T00:00:00+05:00"}, "due_after"),
        ({"q": "x" * 201}, "q"),
        ({"q": "nul\x00byte"}, "q"),
        ({"ordering": "title"}, "ordering"),
        ({"ordering": "-position"}, "ordering"),
    ],
)
@pytest.mark.parametrize("path", ["board", "mine"])
def test_a_bad_filter_value_is_a_400(
    given: BoardWithRoles, params: dict[str, str], field: str, path: str
) -> None:
    url = f"boards/{given.board.pk}/tasks/" if path == "board" else "tasks/"

    response = Api(given.viewer).get(url, params)

    assert response.status_code == 400
    error = error_of(response)
    assert error["code"] == "validation_error"
    assert set(error["fields"]) == {field}


def test_my_tasks_cover_every_board_of_the_caller_and_no_other(
    given: BoardWithRoles, tasks: dict[str, Task]
) -> None:
    mine_elsewhere = board_with_roles()
    MembershipFactory.create(board=mine_elsewhere.board, user=given.member, role="viewer")
    elsewhere = TaskFactory.create(
        list=BoardListFactory.create(board=mine_elsewhere.board), title="Elsewhere"
    )
    elsewhere.assignees.add(given.member, through_defaults={"board_id": elsewhere.board_id})
    TaskFactory.create(title="Not my board")
    api = Api(given.member)

    assert sorted(titles(api.get("tasks/", {"ordering": "created_at"}))) == sorted([*tasks, "Elsewhere"])
    assert titles(api.get("tasks/", {"assignee": "me", "ordering": "-created_at"})) == [
        "Fix login",
        "Elsewhere",
    ]
    assert titles(Api(given.outsider).get("tasks/")) == []


def add_tasks(board_list: BoardList, count: int, given: BoardWithRoles) -> None:
    label = LabelFactory.create(board=board_list.board)
    made = Task.objects.bulk_create(
        Task(board=board_list.board, list=board_list, title=f"Bulk {i}", position=(i + 10) * POSITION_STEP)
        for i in range(Task.objects.filter(list=board_list).count(), count)
    )
    TaskAssignee.objects.bulk_create(
        TaskAssignee(board_id=task.board_id, task_id=task.pk, user_id=given.member.pk) for task in made
    )
    TaskLabel.objects.bulk_create(
        TaskLabel(board_id=task.board_id, task_id=task.pk, label_id=label.pk) for task in made
    )


# user, board, count, page, assignees, labels
BOARD_TASKS_QUERIES = 6
# user, count, page, assignees, labels
MY_TASKS_QUERIES = 5


@pytest.mark.parametrize(("path", "queries"), [("board", BOARD_TASKS_QUERIES), ("mine", MY_TASKS_QUERIES)])
def test_task_lists_cost_the_same_queries_for_3_and_300_tasks(
    given: BoardWithRoles,
    lists: tuple[BoardList, BoardList],
    path: str,
    queries: int,
    django_assert_num_queries: Any,
) -> None:
    url = f"boards/{given.board.pk}/tasks/" if path == "board" else "tasks/"
    api = Api(given.member)
    for size in (3, 300):
        add_tasks(lists[0], size, given)
        with django_assert_num_queries(queries):
            response = api.get(url, {"assignee": "me", "page_size": 200, "ordering": "due_at"})
        assert response.json()["count"] == size
        assert len(response.json()["results"]) == min(size, 200)
        assert all(
            task["assignees"] == [{"id": given.member.pk, "name": given.member.name}]
            for task in response.json()["results"]
        )
