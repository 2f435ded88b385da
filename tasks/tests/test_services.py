"""Task and comment services against the real database."""

from datetime import UTC, datetime
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import UserFactory
from activity.models import Activity, Notification
from boards.models import Board, BoardList
from boards.tests.factories import BoardListFactory, BoardWithRoles, LabelFactory, board_with_roles
from boards.tests.snapshots import board_snapshot
from taskboard.errors import ConflictError, PreconditionFailedError
from taskboard.markdown_rendering import render_markdown
from tasks import services
from tasks.models import Comment, Priority, Task
from tasks.representations import task_representation
from tasks.services import task_fields
from tasks.tests.factories import CommentFactory, TaskFactory
from tasks.tests.markdown_inputs import DEEPLY_NESTED, DEEPLY_NESTED_HTML
from writes.ordering import POSITION_STEP

pytestmark = pytest.mark.django_db

DUE = datetime(2030, 5, 17, 9, 30, tzinfo=UTC)


def verbs(board: Board) -> list[str]:
    return list(Activity.objects.filter(board=board).order_by("seq").values_list("verb", flat=True))


def titles(board_list: BoardList) -> list[str]:
    return list(Task.objects.filter(list=board_list).order_by("position").values_list("title", flat=True))


@pytest.fixture
def given() -> BoardWithRoles:
    return board_with_roles()


@pytest.fixture
def todo(given: BoardWithRoles) -> BoardList:
    return BoardListFactory.create(board=given.board, title="To do")


# Create


def test_task_create_appends_and_records(given: BoardWithRoles, todo: BoardList) -> None:
    label = LabelFactory.create(board=given.board, name="bug", color="#ff0000")
    first = services.task_create(board=given.board, actor=given.member, list_id=todo.pk, title="First")

    task = services.task_create(
        board=given.board,
        actor=given.member,
        list_id=todo.pk,
        title="  Second  ",
        description="**bold**",
        priority="urgent",
        due_at=DUE,
        assignee_ids=[given.viewer.pk, given.member.pk],
        label_ids=[label.pk],
    )

    task.refresh_from_db()
    assert (first.position, task.position) == (POSITION_STEP, 2 * POSITION_STEP)
    assert (task.title, task.priority, task.due_at, task.version) == ("Second", Priority.URGENT, DUE, 1)
    assert task.description_html == "<p><strong>bold</strong></p>"
    assert sorted(task.assignees.values_list("pk", flat=True)) == sorted([given.viewer.pk, given.member.pk])
    assert list(task.labels.values_list("pk", flat=True)) == [label.pk]
    activity = Activity.objects.get(board=given.board, seq=2)
    assert (activity.verb, activity.target_type, activity.target_id) == ("task.created", "task", task.pk)
    assert activity.data == task_representation(Task.objects.get(pk=task.pk))
    assert activity.data["priority"] == "urgent"
    assert activity.data["due_at"] == "2030-05-17T09:30:00.000000Z"
    given.board.refresh_from_db()
    assert (given.board.version, given.board.event_seq) == (3, 2)


def test_assigning_notifies_the_assignees_but_not_the_actor(given: BoardWithRoles, todo: BoardList) -> None:
    given.member.name = "Meg"
    given.member.save()

    task = services.task_create(
        board=given.board,
        actor=given.member,
        list_id=todo.pk,
        title="Ship",
        assignee_ids=[given.member.pk, given.viewer.pk],
    )

    assert list(Notification.objects.values_list("user_id", "kind", "board_id", "task_id", "text")) == [
        (given.viewer.pk, "assigned", given.board.pk, task.pk, "Meg assigned you to “Ship”")
    ]


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"title": ""}, {"title": ["This field may not be blank."]}),
        ({"title": "   "}, {"title": ["This field may not be blank."]}),
        ({"title": "x" * 201}, {"title": ["Ensure this field has no more than 200 characters."]}),
        (
            {"description": "x" * 20001},
            {"description": ["Ensure this field has no more than 20000 characters."]},
        ),
        ({"priority": "critical"}, {"priority": ['"critical" is not a valid choice.']}),
        ({"priority": 3}, {"priority": ['"3" is not a valid choice.']}),
        ({"list_id": 999999}, {"list_id": ["No list with this id on this board."]}),
        ({"due_at": datetime(2030, 1, 1)}, {"due_at": ["Give the time zone (UTC: a trailing Z)."]}),
        ({"assignee_ids": "7"}, {"assignee_ids": ["Expected a list of ids."]}),
    ],
)
def test_task_create_validation_changes_nothing(
    given: BoardWithRoles, todo: BoardList, fields: dict[str, Any], errors: dict[str, list[str]]
) -> None:
    before = board_snapshot(given.board.pk)

    with pytest.raises(ValidationError) as raised:
        services.task_create(
            board=given.board, actor=given.member, **{"list_id": todo.pk, "title": "ok", **fields}
        )

    assert raised.value.message_dict == errors
    assert board_snapshot(given.board.pk) == before


def test_task_create_refuses_things_of_other_boards_and_non_members(
    given: BoardWithRoles, todo: BoardList
) -> None:
    elsewhere = board_with_roles()
    other_list = BoardListFactory.create(board=elsewhere.board)
    other_label = LabelFactory.create(board=elsewhere.board)
    before = board_snapshot(given.board.pk)

    with pytest.raises(ValidationError) as raised:
        services.task_create(
            board=given.board,
            actor=given.member,
            list_id=other_list.pk,
            title="x",
            assignee_ids=[given.viewer.pk, given.outsider.pk, elsewhere.member.pk, 999999],
            label_ids=[other_label.pk],
        )

    missing = sorted([given.outsider.pk, elsewhere.member.pk, 999999])
    assert raised.value.message_dict == {
        "list_id": ["No list with this id on this board."],
        "assignee_ids": [f"Not members of this board: {', '.join(map(str, missing))}."],
        "label_ids": [f"No labels with these ids on this board: {other_label.pk}."],
    }
    assert board_snapshot(given.board.pk) == before


@pytest.mark.parametrize(("role", "error"), [("viewer", PermissionDenied), ("outsider", Board.DoesNotExist)])
def test_task_create_refused_changes_nothing(
    given: BoardWithRoles, todo: BoardList, role: str, error: type[Exception]
) -> None:
    before = board_snapshot(given.board.pk)

    with pytest.raises(error):
        services.task_create(board=given.board, actor=given.user(role), list_id=todo.pk, title="x")

    assert board_snapshot(given.board.pk) == before


# Update


def test_task_update_changes_fields_bumps_the_version_and_records(
    given: BoardWithRoles, todo: BoardList
) -> None:
    task = services.task_create(board=given.board, actor=given.member, list_id=todo.pk, title="A")

    updated = services.task_update(
        task=task,
        actor=given.admin,
        expected_versions={1},
        title="B",
        description="*hi*<script>x</script>",
        priority="low",
        due_at=DUE,
        assignee_ids=[given.viewer.pk],
    )

    task.refresh_from_db()
    assert (task.title, task.priority, task.due_at, task.version) == ("B", Priority.LOW, DUE, 2)
    assert task.description_html == "<p><em>hi</em></p>"
    assert updated.version == 2
    assert verbs(given.board) == ["task.created", "task.updated"]
    assert Activity.objects.get(board=given.board, seq=2).data["assignees"] == [
        {"id": given.viewer.pk, "name": given.viewer.name}
    ]
    # The new assignee hears of the assignment; the creator, who watches the card, of the due date.
    assert sorted(Notification.objects.values_list("user_id", "kind")) == sorted(
        [(given.viewer.pk, "assigned"), (given.member.pk, "watched_due")]
    )


def test_task_update_with_a_stale_version_fails_and_changes_nothing(
    given: BoardWithRoles, todo: BoardList
) -> None:
    task = services.task_create(board=given.board, actor=given.member, list_id=todo.pk, title="A")
    services.task_update(task=task, actor=given.member, title="B")
    before = board_snapshot(given.board.pk)

    with pytest.raises(PreconditionFailedError):
        services.task_update(task=task, actor=given.member, expected_versions={1}, title="C")

    assert board_snapshot(given.board.pk) == before


def test_task_update_without_a_change_records_nothing(given: BoardWithRoles, todo: BoardList) -> None:
    task = services.task_create(
        board=given.board, actor=given.member, list_id=todo.pk, title="A", assignee_ids=[given.viewer.pk]
    )
    before = board_snapshot(given.board.pk)

    services.task_update(
        task=task, actor=given.member, title="A", priority="medium", assignee_ids=[given.viewer.pk]
    )

    assert board_snapshot(given.board.pk) == before


def test_completing_and_reopening(given: BoardWithRoles, todo: BoardList) -> None:
    task = services.task_create(board=given.board, actor=given.member, list_id=todo.pk, title="A")

    services.task_complete(task=task, actor=given.member)
    task.refresh_from_db()
    assert (task.completed, task.completed_at is not None, task.version) == (True, True, 2)
    services.task_reopen(task=task, actor=given.member)
    task.refresh_from_db()
    assert (task.completed, task.completed_at, task.version) == (False, None, 3)
    services.task_update(task=task, actor=given.member, completed=True, title="A2")

    assert verbs(given.board) == [
        "task.created",
        "task.completed",
        "task.reopened",
        "task.updated",
        "task.completed",
    ]


def test_task_update_with_a_list_id_appends_to_that_list(given: BoardWithRoles, todo: BoardList) -> None:
    done = BoardListFactory.create(board=given.board)
    TaskFactory.create(list=done, title="Old", position=7 * POSITION_STEP)
    task = services.task_create(board=given.board, actor=given.member, list_id=todo.pk, title="A")

    services.task_update(task=task, actor=given.member, list_id=done.pk)

    task.refresh_from_db()
    assert (task.list_id, task.position) == (done.pk, 8 * POSITION_STEP)
    assert verbs(given.board)[-1] == "task.moved"


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"title": ""}, {"title": ["This field may not be blank."]}),
        ({"priority": "meh"}, {"priority": ['"meh" is not a valid choice.']}),
        ({"completed": "yes"}, {"completed": ["Must be a valid boolean."]}),
        ({"label_ids": [999999]}, {"label_ids": ["No labels with these ids on this board: 999999."]}),
        ({"list_id": 999999}, {"list_id": ["No list with this id on this board."]}),
    ],
)
def test_task_update_validation_changes_nothing(
    given: BoardWithRoles, todo: BoardList, fields: dict[str, Any], errors: dict[str, list[str]]
) -> None:
    task = services.task_create(board=given.board, actor=given.member, list_id=todo.pk, title="A")
    before = board_snapshot(given.board.pk)

    with pytest.raises(ValidationError) as raised:
        services.task_update(task=task, actor=given.member, **fields)

    assert raised.value.message_dict == errors
    assert board_snapshot(given.board.pk) == before


@pytest.mark.parametrize(("role", "error"), [("viewer", PermissionDenied), ("outsider", Task.DoesNotExist)])
def test_task_changes_refused_change_nothing(
    given: BoardWithRoles, todo: BoardList, role: str, error: type[Exception]
) -> None:
    task = services.task_create(board=given.board, actor=given.member, list_id=todo.pk, title="A")
    TaskFactory.create(list=todo)
    actor = given.user(role)
    before = board_snapshot(given.board.pk)

    with pytest.raises(error):
        services.task_update(task=task, actor=actor, title="B")
    with pytest.raises(error):
        services.task_complete(task=task, actor=actor)
    with pytest.raises(error):
        services.task_move(task=task, actor=actor, to_list_id=todo.pk, index=1)
    with pytest.raises(error):
        services.task_delete(task=task, actor=actor)

    assert board_snapshot(given.board.pk) == before


# Move


def make_tasks(board_list: BoardList, names: str) -> dict[str, Task]:
    return {
        name: TaskFactory.create(list=board_list, title=name, position=(i + 1) * POSITION_STEP)
        for i, name in enumerate(names)
    }


@pytest.mark.parametrize(
    ("moved", "index", "expected"),
    [
        ("A", 0, "ABCD"),
        ("A", 1, "BACD"),
        ("A", 3, "BCDA"),
        ("A", 50, "BCDA"),
        ("D", 0, "DABC"),
        ("C", 1, "ACBD"),
        ("B", 1, "ABCD"),
        ("D", 3, "ABCD"),
    ],
)
def test_task_move_within_a_list(
    given: BoardWithRoles, todo: BoardList, moved: str, index: int, expected: str
) -> None:
    tasks = make_tasks(todo, "ABCD")

    services.task_move(task=tasks[moved], actor=given.member, to_list_id=todo.pk, index=index)

    assert "".join(titles(todo)) == expected


def test_task_move_to_where_it_is_records_nothing(given: BoardWithRoles, todo: BoardList) -> None:
    tasks = make_tasks(todo, "ABC")
    before = board_snapshot(given.board.pk)

    services.task_move(task=tasks["B"], actor=given.member, to_list_id=todo.pk, index=1)

    assert board_snapshot(given.board.pk) == before


@pytest.mark.parametrize(("index", "expected"), [(0, "XAB"), (1, "AXB"), (2, "ABX"), (9, "ABX")])
def test_task_move_to_another_list(given: BoardWithRoles, todo: BoardList, index: int, expected: str) -> None:
    done = BoardListFactory.create(board=given.board)
    make_tasks(done, "AB")
    moved = TaskFactory.create(list=todo, title="X")

    result = services.task_move(task=moved, actor=given.member, to_list_id=done.pk, index=index)

    assert "".join(titles(done)) == expected
    assert titles(todo) == []
    assert (result.list_id, result.version) == (done.pk, 2)
    activity = Activity.objects.get(board=given.board)
    assert (activity.verb, activity.data["list_id"], activity.data["position"]) == (
        "task.moved",
        done.pk,
        result.position,
    )


@pytest.mark.postgresql  # the deferred WITH statement, the id from the sequence (taskboard/db/)
def test_a_create_writes_its_rows_with_the_board_in_one_statement(
    given: BoardWithRoles, todo: BoardList
) -> None:
    label = LabelFactory.create(board=given.board)

    with CaptureQueriesContext(connection) as queries:
        task = services.task_create(
            board=given.board,
            actor=given.member,
            list_id=todo.pk,
            title="New",
            assignee_ids=[given.member.pk],
            label_ids=[label.pk],
        )

    writes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith(("UPDATE", "INSERT", "WITH"))]
    # The task took its id from the sequence with its list's read; its row, its assignee and
    # label rows, the Activity and the board's new version are one statement (writes/board_transaction.py).
    assert len(writes) == 1
    assert writes[0].startswith('WITH w0 AS (INSERT INTO "tasks_task" ("id", ')
    assert f"({task.pk}, " in writes[0]
    stored = Task.objects.get(pk=task.pk)
    assert (stored.title, list(stored.assignees.all()), list(stored.labels.all())) == (
        "New",
        [given.member],
        [label],
    )
    assert Activity.objects.get(board=given.board, target_id=task.pk).data["id"] == task.pk


@pytest.mark.postgresql  # the deferred WITH statement (taskboard/db/deferred_writes.py)
def test_a_move_writes_one_task_row_however_long_the_list(given: BoardWithRoles, todo: BoardList) -> None:
    tasks = list(make_tasks(todo, "ABCDEFGHIJKLMNOPQRSTUVWXYZ").values())

    with CaptureQueriesContext(connection) as queries:
        services.task_move(task=tasks[0], actor=given.member, to_list_id=todo.pk, index=20)

    writes = [q["sql"] for q in queries.captured_queries if q["sql"].startswith(("UPDATE", "INSERT", "WITH"))]
    # The task's row, the move's Activity and the board's new version, in one statement
    # (writes/board_transaction.py).
    assert len(writes) == 1
    assert writes[0].startswith(f'WITH w0 AS (UPDATE "tasks_task" SET "list_id" = {todo.pk}, "position" = ')
    assert writes[0].count('UPDATE "tasks_task"') == 1
    assert (
        f'WHERE "id" = {tasks[0].pk} AND "board_id" = {given.board.pk}), '
        'w1 AS (INSERT INTO "activity_activity"' in writes[0]
    )
    assert 'UPDATE "boards_board"' in writes[0]


def test_a_move_into_a_gap_that_is_used_up_renumbers_the_list_once(
    given: BoardWithRoles, todo: BoardList
) -> None:
    a = TaskFactory.create(list=todo, title="A", position=10)
    TaskFactory.create(list=todo, title="B", position=11)
    TaskFactory.create(list=todo, title="C", position=12)
    moved = TaskFactory.create(list=todo, title="X", position=13)

    services.task_move(task=moved, actor=given.member, to_list_id=todo.pk, index=1)

    assert titles(todo) == ["A", "X", "B", "C"]
    assert list(Task.objects.filter(list=todo).order_by("position").values_list("position", flat=True)) == [
        POSITION_STEP,
        2 * POSITION_STEP,
        3 * POSITION_STEP,
        4 * POSITION_STEP,
    ]
    data = Activity.objects.get(board=given.board).data
    assert {"id": a.pk, "position": POSITION_STEP} in data["positions"]


def test_a_move_into_a_full_list_is_a_conflict(given: BoardWithRoles, todo: BoardList) -> None:
    full = BoardListFactory.create(board=given.board, wip_limit=2)
    make_tasks(full, "AB")
    moved = TaskFactory.create(list=todo)
    before = board_snapshot(given.board.pk)

    with pytest.raises(ConflictError):
        services.task_move(task=moved, actor=given.member, to_list_id=full.pk, index=0)
    with pytest.raises(ConflictError):
        services.task_update(task=moved, actor=given.member, list_id=full.pk)

    assert board_snapshot(given.board.pk) == before


def test_a_move_within_a_full_list_is_allowed(given: BoardWithRoles) -> None:
    full = BoardListFactory.create(board=given.board, wip_limit=2)
    tasks = make_tasks(full, "AB")

    services.task_move(task=tasks["B"], actor=given.member, to_list_id=full.pk, index=0)

    assert titles(full) == ["B", "A"]


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"index": -1}, {"index": ["Ensure this value is a whole number from 0 to 2147483647."]}),
        ({"index": 2**40}, {"index": ["Ensure this value is a whole number from 0 to 2147483647."]}),
        ({"to_list_id": 999999}, {"list_id": ["No list with this id on this board."]}),
    ],
)
def test_task_move_validation_changes_nothing(
    given: BoardWithRoles, todo: BoardList, fields: dict[str, Any], errors: dict[str, list[str]]
) -> None:
    task = TaskFactory.create(list=todo)
    before = board_snapshot(given.board.pk)

    with pytest.raises(ValidationError) as raised:
        services.task_move(task=task, actor=given.member, **{"to_list_id": todo.pk, "index": 0, **fields})

    assert raised.value.message_dict == errors
    assert board_snapshot(given.board.pk) == before


def test_task_move_to_a_list_of_another_board_is_a_validation_error(
    given: BoardWithRoles, todo: BoardList
) -> None:
    task = TaskFactory.create(list=todo)
    other_list = BoardListFactory.create()

    with pytest.raises(ValidationError):
        services.task_move(task=task, actor=given.member, to_list_id=other_list.pk, index=0)

    task.refresh_from_db()
    assert task.list_id == todo.pk


def test_task_delete_records_the_task_as_it_was(given: BoardWithRoles, todo: BoardList) -> None:
    task = services.task_create(board=given.board, actor=given.member, list_id=todo.pk, title="Gone")

    services.task_delete(task=task, actor=given.member)

    assert not Task.objects.filter(pk=task.pk).exists()
    activity = Activity.objects.get(board=given.board, seq=2)
    assert (activity.verb, activity.target_id, activity.target_title, activity.data["title"]) == (
        "task.deleted",
        task.pk,
        "Gone",
        "Gone",
    )


# Comments


def test_comment_create_renders_counts_and_records(given: BoardWithRoles, todo: BoardList) -> None:
    task = TaskFactory.create(list=todo)

    comment = services.comment_create(task=task, actor=given.member, body="Looks **good**")

    assert comment.body_html == "<p>Looks <strong>good</strong></p>"
    task.refresh_from_db()
    assert (task.comment_count, task.version) == (1, 1)
    activity = Activity.objects.get(board=given.board)
    assert (activity.verb, activity.target_type, activity.target_id) == (
        "comment.created",
        "comment",
        comment.pk,
    )
    assert activity.data == {
        "id": comment.pk,
        "task_id": task.pk,
        "author": {"id": given.member.pk, "name": given.member.name},
        "body": "Looks **good**",
        "body_html": "<p>Looks <strong>good</strong></p>",
        "created_at": activity.data["created_at"],
        "updated_at": activity.data["updated_at"],
    }


XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    "<img src=x onerror=alert(1)>",
    "[click](javascript:alert(1))",
    "[click](JaVaScRiPt:alert(1))",
    '<a href="javascript:alert(1)">x</a>',
    '<a href="#" onclick="alert(1)">x</a>',
    "<svg onload=alert(1)>",
    '<iframe src="javascript:alert(1)"></iframe>',
    "<div style=\"background:url('javascript:alert(1)')\">x</div>",
    '<a href="data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==">x</a>',
    "<<script>script>alert(1)<</script>/script>",
    '<form action="javascript:alert(1)"><button>x</button></form>',
]


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_xss_in_a_comment_comes_back_inert(given: BoardWithRoles, todo: BoardList, payload: str) -> None:
    task = TaskFactory.create(list=todo)

    comment = services.comment_create(task=task, actor=given.member, body=payload)

    html = comment.body_html.lower()
    for needle in (
        "<script",
        "javascript:",
        "onerror",
        "onload",
        "onclick",
        "<iframe",
        "<svg",
        "style=",
        "data:",
        "<form",
    ):
        assert needle not in html
    assert comment.body == payload


@pytest.fixture
def rendering_depths(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """How many transactions were open each time a service rendered Markdown, relative to
    the test's own: 0 is outside the board write (the transaction holding the board's
    lock). The real renderer still runs."""
    outside = len(connection.atomic_blocks)
    depths: list[int] = []

    def render_noting_depth(text: str) -> str:
        depths.append(len(connection.atomic_blocks) - outside)
        return render_markdown(text)

    # The services render through tasks.services.task_fields.render_unlocked.
    monkeypatch.setattr(task_fields, "render_markdown", render_noting_depth)
    return depths


def test_markdown_is_rendered_before_the_board_is_locked(
    given: BoardWithRoles, todo: BoardList, rendering_depths: list[int]
) -> None:
    task = services.task_create(
        board=given.board, actor=given.member, list_id=todo.pk, title="T", description="*one*"
    )
    services.task_update(task=task, actor=given.member, description="*two*")
    comment = services.comment_create(task=task, actor=given.member, body="*three*")
    services.comment_update(comment=comment, actor=given.member, body="*four*")

    assert rendering_depths == [0, 0, 0, 0]
    task.refresh_from_db()
    comment.refresh_from_db()
    assert (task.description_html, comment.body_html) == ("<p><em>two</em></p>", "<p><em>four</em></p>")


def test_a_text_too_long_to_store_is_refused_without_being_rendered(
    given: BoardWithRoles, todo: BoardList, rendering_depths: list[int]
) -> None:
    task = TaskFactory.create(list=todo, description="kept")
    before = board_snapshot(given.board.pk)

    with pytest.raises(ValidationError) as description_error:
        services.task_update(task=task, actor=given.member, description="[" * 20001)
    with pytest.raises(ValidationError) as body_error:
        services.comment_create(task=task, actor=given.member, body="[" * 10001)

    assert rendering_depths == []
    assert description_error.value.message_dict == {
        "description": ["Ensure this field has no more than 20000 characters."]
    }
    assert body_error.value.message_dict == {"body": ["Ensure this field has no more than 10000 characters."]}
    assert board_snapshot(given.board.pk) == before


def test_deeply_nested_markdown_is_stored_rendered_to_the_nesting_bound(
    given: BoardWithRoles, todo: BoardList
) -> None:
    task = services.task_create(
        board=given.board, actor=given.member, list_id=todo.pk, title="T", description=DEEPLY_NESTED
    )
    comment = services.comment_create(task=task, actor=given.member, body=DEEPLY_NESTED)

    assert (task.description_html, comment.body_html) == (DEEPLY_NESTED_HTML, DEEPLY_NESTED_HTML)


def test_links_get_a_safe_rel(given: BoardWithRoles, todo: BoardList) -> None:
    task = TaskFactory.create(list=todo)

    comment = services.comment_create(task=task, actor=given.member, body="[site](https://example.com)")

    assert (
        comment.body_html
        == '<p><a href="https://example.com" rel="noopener noreferrer nofollow">site</a></p>'
    )


def test_mentions_notify_board_members_only(given: BoardWithRoles, todo: BoardList) -> None:
    given.member.name = "Meg"
    given.member.save()
    task = TaskFactory.create(list=todo, title="Ship")
    body = (
        f"@{given.viewer.email.upper()} and @{given.admin.email}, not @{given.outsider.email}, "
        f"not me @{given.member.email}, nor someone@{given.owner.email}"
    )

    services.comment_create(task=task, actor=given.member, body=body)

    notified = Notification.objects.order_by("user_id").values_list("user_id", "kind", "task_id", "text")
    assert list(notified) == sorted(
        [
            (given.viewer.pk, "mention", task.pk, "Meg mentioned you on “Ship”"),
            (given.admin.pk, "mention", task.pk, "Meg mentioned you on “Ship”"),
        ]
    )


def test_editing_a_comment_notifies_only_newly_mentioned_members(
    given: BoardWithRoles, todo: BoardList
) -> None:
    task = TaskFactory.create(list=todo)
    comment = services.comment_create(task=task, actor=given.member, body=f"@{given.viewer.email}")

    services.comment_update(
        comment=comment, actor=given.member, body=f"@{given.viewer.email} @{given.admin.email}"
    )

    assert sorted(Notification.objects.values_list("user_id", flat=True)) == sorted(
        [given.viewer.pk, given.admin.pk]
    )
    comment.refresh_from_db()
    assert comment.body == f"@{given.viewer.email} @{given.admin.email}"
    assert verbs(given.board) == ["comment.created", "comment.updated"]


@pytest.mark.parametrize("role", ["member", "admin", "owner"])
def test_a_comment_is_edited_and_deleted_by_its_author_or_an_admin(
    given: BoardWithRoles, todo: BoardList, role: str
) -> None:
    task = TaskFactory.create(list=todo)
    comment = services.comment_create(task=task, actor=given.member, body="mine")

    services.comment_update(comment=comment, actor=given.user(role), body="edited")
    services.comment_delete(comment=comment, actor=given.user(role))

    assert not Comment.objects.exists()
    task.refresh_from_db()
    assert task.comment_count == 0
    assert verbs(given.board) == ["comment.created", "comment.updated", "comment.deleted"]


@pytest.mark.parametrize(
    ("role", "error"), [("viewer", PermissionDenied), ("outsider", Comment.DoesNotExist)]
)
def test_others_may_not_change_a_comment(
    given: BoardWithRoles, todo: BoardList, role: str, error: type[Exception]
) -> None:
    task = TaskFactory.create(list=todo)
    comment = services.comment_create(task=task, actor=given.admin, body="admin's")
    other_member = UserFactory.create()
    given.board.memberships.create(user=other_member, role="member")
    before = board_snapshot(given.board.pk)

    with pytest.raises(error):
        services.comment_update(comment=comment, actor=given.user(role), body="x")
    with pytest.raises(error):
        services.comment_delete(comment=comment, actor=given.user(role))
    with pytest.raises(PermissionDenied):
        services.comment_update(comment=comment, actor=other_member, body="x")

    assert board_snapshot(given.board.pk) == before


def test_a_viewer_may_not_comment_nor_edit_an_old_comment_of_theirs(
    given: BoardWithRoles, todo: BoardList
) -> None:
    task = TaskFactory.create(list=todo)
    old = CommentFactory.create(task=task, author=given.viewer)
    before = board_snapshot(given.board.pk)

    with pytest.raises(PermissionDenied):
        services.comment_create(task=task, actor=given.viewer, body="x")
    with pytest.raises(PermissionDenied):
        services.comment_update(comment=old, actor=given.viewer, body="x")

    assert board_snapshot(given.board.pk) == before


@pytest.mark.parametrize(
    ("body", "errors"),
    [
        ("", {"body": ["This field may not be blank."]}),
        ("  \n ", {"body": ["This field may not be blank."]}),
        ("x" * 10001, {"body": ["Ensure this field has no more than 10000 characters."]}),
    ],
)
def test_comment_validation_changes_nothing(
    given: BoardWithRoles, todo: BoardList, body: str, errors: dict[str, list[str]]
) -> None:
    task = TaskFactory.create(list=todo)
    comment = CommentFactory.create(task=task, author=given.member)
    before = board_snapshot(given.board.pk)

    with pytest.raises(ValidationError) as created:
        services.comment_create(task=task, actor=given.member, body=body)
    with pytest.raises(ValidationError) as updated:
        services.comment_update(comment=comment, actor=given.member, body=body)

    assert created.value.message_dict == errors
    assert updated.value.message_dict == errors
    assert board_snapshot(given.board.pk) == before


def test_task_create_stores_due_at_in_utc_whatever_the_offset(given: BoardWithRoles, todo: BoardList) -> None:
    from datetime import timedelta, timezone

    odd_offset = timezone(-timedelta(hours=16, minutes=12))
    due = datetime(2027, 1, 2, 3, 4, tzinfo=odd_offset)

    task = services.task_create(board=given.board, actor=given.member, list_id=todo.pk, title="T", due_at=due)

    task.refresh_from_db()
    assert task.due_at == due
    assert task.due_at.utcoffset() == timedelta(0)
