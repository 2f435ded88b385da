"""Comments over HTTP, mentions, and hostile Markdown or HTML coming back inert."""

from typing import Any

import pytest

from activity.models import Notification
from boards.tests.factories import BoardListFactory, BoardWithRoles, board_with_roles
from boards.tests.snapshots import board_snapshot
from tasks.models import Comment, Task
from tasks.tests.factories import CommentFactory, TaskFactory
from tasks.tests.markdown_inputs import DEEPLY_NESTED, DEEPLY_NESTED_HTML
from tests.api.http import Api, error_of

pytestmark = pytest.mark.django_db


@pytest.fixture
def given() -> BoardWithRoles:
    return board_with_roles(title="Launch")


@pytest.fixture
def task(given: BoardWithRoles) -> Task:
    return TaskFactory.create(list=BoardListFactory.create(board=given.board), title="Write report")


def test_comment_and_read_them_oldest_first(given: BoardWithRoles, task: Task) -> None:
    api = Api(given.member)

    first = api.post(f"tasks/{task.pk}/comments/", {"body": "**First**"})
    api.post(f"tasks/{task.pk}/comments/", {"body": "Second"})
    listed = Api(given.viewer).get(f"tasks/{task.pk}/comments/")

    assert first.status_code == 201
    comment = Comment.objects.get(body="**First**")
    assert first.json() == {
        "id": comment.pk,
        "task_id": task.pk,
        "author": {"id": given.member.pk, "name": given.member.name},
        "body": "**First**",
        "body_html": "<p><strong>First</strong></p>",
        "created_at": comment.created_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        "updated_at": comment.updated_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
    }
    assert listed.status_code == 200
    assert listed.json()["count"] == 2
    assert [row["body"] for row in listed.json()["results"]] == ["**First**", "Second"]
    assert Task.objects.get(pk=task.pk).comment_count == 2
    assert Api(given.viewer).get(f"tasks/{task.pk}/").json()["comment_count"] == 2


def test_a_deeply_nested_comment_is_rendered_to_the_nesting_bound(given: BoardWithRoles, task: Task) -> None:
    response = Api(given.member).post(f"tasks/{task.pk}/comments/", {"body": DEEPLY_NESTED})

    assert response.status_code == 201
    assert (response.json()["body"], response.json()["body_html"]) == (DEEPLY_NESTED, DEEPLY_NESTED_HTML)
    assert Comment.objects.get(task=task).body_html == DEEPLY_NESTED_HTML


def test_a_mention_of_a_member_notifies_them(given: BoardWithRoles, task: Task) -> None:
    body = f"Ask @{given.admin.email} and @{given.outsider.email}"

    response = Api(given.member).post(f"tasks/{task.pk}/comments/", {"body": body})

    assert response.status_code == 201
    assert list(Notification.objects.values_list("user_id", "kind", "task_id")) == [
        (given.admin.pk, "mention", task.pk)
    ]


@pytest.mark.parametrize(
    "body",
    [{}, {"body": ""}, {"body": "   "}, {"body": "x" * 10001}, {"body": 5}, {"body": None}, {"body": ["a"]}],
)
def test_commenting_refuses_invalid_input(given: BoardWithRoles, task: Task, body: dict[str, Any]) -> None:
    before = board_snapshot(given.board.pk)

    response = Api(given.member).post(f"tasks/{task.pk}/comments/", body)

    assert response.status_code == 400
    assert set(error_of(response)["fields"]) == {"body"}
    assert board_snapshot(given.board.pk) == before


def test_editing_and_deleting_a_comment(given: BoardWithRoles, task: Task) -> None:
    comment = CommentFactory.create(task=task, author=given.member, body="Old")
    Task.objects.filter(pk=task.pk).update(comment_count=1)

    edited = Api(given.member).patch(f"comments/{comment.pk}/", {"body": "_New_"})
    deleted = Api(given.admin).delete(f"comments/{comment.pk}/")

    assert edited.status_code == 200
    assert (edited.json()["body"], edited.json()["body_html"]) == ("_New_", "<p><em>New</em></p>")
    assert deleted.status_code == 204
    assert not Comment.objects.filter(pk=comment.pk).exists()
    assert Task.objects.get(pk=task.pk).comment_count == 0


@pytest.mark.parametrize("body", [{}, {"body": ""}, {"body": 1}])
def test_editing_refuses_invalid_input(given: BoardWithRoles, task: Task, body: dict[str, Any]) -> None:
    comment = CommentFactory.create(task=task, author=given.member)
    before = board_snapshot(given.board.pk)

    response = Api(given.member).patch(f"comments/{comment.pk}/", body)

    assert response.status_code == 400
    assert board_snapshot(given.board.pk) == before


def test_comments_of_another_board_are_not_found(given: BoardWithRoles) -> None:
    elsewhere = CommentFactory.create()

    assert Api(given.owner).patch(f"comments/{elsewhere.pk}/", {"body": "x"}).status_code == 404
    assert Api(given.owner).get(f"tasks/{elsewhere.task_id}/comments/").status_code == 404


# --- XSS ------------------------------------------------------------------------------------

XSS_PAYLOADS = [
    "<script>alert(1)</script>",
    '<img src=x onerror="alert(1)">',
    "[click](javascript:alert(1))",
    '<a href="javascript:alert(1)">click</a>',
    '<svg onload="alert(1)"></svg>',
    '<iframe src="https://evil.example"></iframe>',
    "<p style=\"background:url('javascript:alert(1)')\">x</p>",
    '<a href="jav&#x09;ascript:alert(1)">x</a>',
    "<details open ontoggle=alert(1)>",
    "<<script>script>alert(1)<</script>/script>",
]


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_hostile_comments_come_back_inert_in_body_html(
    given: BoardWithRoles, task: Task, payload: str
) -> None:
    response = Api(given.member).post(f"tasks/{task.pk}/comments/", {"body": payload})

    assert response.status_code == 201
    body = response.json()
    assert body["body"] == payload  # the Markdown as written; it is data, not HTML
    html = body["body_html"].lower()
    for dangerous in (
        "<script",
        "javascript:",
        "onerror",
        "onload",
        "ontoggle",
        "<iframe",
        "<svg",
        "style=",
        "<img",
    ):
        assert dangerous not in html, (payload, html)
    listed = Api(given.viewer).get(f"tasks/{task.pk}/comments/").json()["results"]
    assert listed[0]["body_html"] == body["body_html"]


@pytest.mark.parametrize("payload", XSS_PAYLOADS)
def test_hostile_titles_and_descriptions_are_returned_as_json_data(
    given: BoardWithRoles, payload: str
) -> None:
    board_list = BoardListFactory.create(board=given.board)

    created = Api(given.member).post(
        f"boards/{given.board.pk}/tasks/",
        {"list_id": board_list.pk, "title": payload[:200], "description": payload},
    )
    board = Api(given.viewer).get(f"boards/{given.board.pk}/")

    assert created.status_code == 201
    # JSON, never sniffed as HTML by a browser: clients put it in the page as text.
    for response in (created, board):
        assert response["Content-Type"] == "application/json"
        assert response["X-Content-Type-Options"] == "nosniff"
    [task] = board.json()["lists"][0]["tasks"]
    assert (task["title"], task["description"]) == (payload[:200], payload)
    # The HTML made from the description (for the pages) is sanitized like comments.
    html = Task.objects.get(pk=task["id"]).description_html.lower()
    for dangerous in ("<script", "javascript:", "onerror"):
        assert dangerous not in html
