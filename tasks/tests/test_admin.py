"""Tasks and comments in the admin: pages in a fixed number of queries, every write
through the services, refusals shown on the form, user content escaped."""

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.contrib.admin.models import LogEntry
from django.test import Client
from django.utils import timezone

from accounts.models import User
from accounts.tests.factories import UserFactory
from activity.models import Activity, Notification
from boards import services as board_services
from boards.models import Board, BoardList, Role
from boards.tests.admin_support import (
    ADMIN_PAGE_QUERY_BUDGET,
    admin_url,
    change_form_data,
    grow_board,
    inline_prefix,
    queries_of_get,
)
from boards.tests.snapshots import board_snapshot
from tasks import services
from tasks.models import Comment, Task

pytestmark = pytest.mark.django_db

XSS = "<script>alert('x')</script>"
XSS_ESCAPED = "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;"
DUE = datetime(2030, 5, 17, 9, 30, tzinfo=UTC)


def verbs(board: Board) -> list[str]:
    return list(Activity.objects.filter(board=board).order_by("seq").values_list("verb", flat=True))


@pytest.fixture
def bob() -> User:
    return UserFactory.create(email="bob@example.com", name="Bob")


@pytest.fixture
def board(admin_user: User, bob: User) -> Board:
    """Owned by the superuser, Bob a member, lists To do / Doing / Done."""
    board = board_services.board_create(
        actor=admin_user, title="Launch", list_titles=["To do", "Doing", "Done"]
    )
    board_services.member_add(board_id=board.pk, actor=admin_user, email=bob.email, role=Role.MEMBER)
    return board


def list_named(board: Board, title: str) -> BoardList:
    return BoardList.objects.get(board=board, title=title)


@pytest.fixture
def task(admin_user: User, board: Board) -> Task:
    return services.task_create(
        board=board, actor=admin_user, list_id=list_named(board, "To do").pk, title="Ship"
    )


# Pages and their query counts


@pytest.mark.parametrize("model", [Task, Comment], ids=lambda m: m.__name__)
@pytest.mark.parametrize("superuser_on_board", [True, False], ids=["owner", "not-a-member"])
def test_the_changelist_and_change_page_have_a_fixed_query_count(
    admin_client: Client,
    admin_user: User,
    model: type[Any],
    superuser_on_board: bool,
    django_assert_max_num_queries: Any,
) -> None:
    owner = admin_user if superuser_on_board else UserFactory.create()
    board = board_services.board_create(actor=owner, title="Measured")
    grow_board(board, owner=owner, size=1)
    watched_task = Task.objects.filter(board=board).order_by("pk").first()
    assert watched_task is not None
    obj = watched_task if model is Task else Comment.objects.filter(task=watched_task).first()
    assert obj is not None
    pages = [admin_url(model), admin_url(obj, "change")]
    small = [queries_of_get(admin_client, url) for url in pages]

    grow_board(board, owner=owner, size=3)
    for member in board.memberships.exclude(user=owner).values_list("user", flat=True)[:3]:
        services.task_update(task=watched_task, actor=owner, assignee_ids=[owner.pk, member])
        services.comment_create(task=watched_task, actor=owner, body="More")
    large = [queries_of_get(admin_client, url) for url in pages]

    assert large == small
    for url in pages:
        with django_assert_max_num_queries(ADMIN_PAGE_QUERY_BUDGET):
            assert admin_client.get(url).status_code == 200


@pytest.mark.parametrize("model", [Task, Comment], ids=lambda m: m.__name__)
def test_the_add_page_renders(admin_client: Client, board: Board, model: type[Any]) -> None:
    assert admin_client.get(admin_url(model, "add")).status_code == 200


def test_the_add_page_offers_the_lists_of_boards_where_the_staff_user_may_add_tasks(
    admin_client: Client, admin_user: User, board: Board
) -> None:
    theirs = board_services.board_create(actor=UserFactory.create(), title="Theirs")
    viewers_owner = UserFactory.create()
    viewing = board_services.board_create(actor=viewers_owner, title="Viewing")
    board_services.member_add(
        board_id=viewing.pk, actor=viewers_owner, email=admin_user.email, role=Role.VIEWER
    )

    page = admin_client.get(admin_url(Task, "add"))

    field = page.context["adminform"].form.fields["list"]
    assert [label for _, label in field.choices][1:] == ["Launch / To do", "Launch / Doing", "Launch / Done"]
    assert theirs.pk not in {board_list.board_id for board_list in field.queryset}


def test_filters_narrow_the_task_list(admin_client: Client, admin_user: User, board: Board) -> None:
    todo = list_named(board, "To do").pk
    now = timezone.now()
    services.task_create(
        board=board, actor=admin_user, list_id=todo, title="Late", due_at=now - timedelta(days=1)
    )
    services.task_create(
        board=board, actor=admin_user, list_id=todo, title="Soon", due_at=now + timedelta(days=2)
    )
    services.task_create(board=board, actor=admin_user, list_id=todo, title="Someday", priority="urgent")

    def titles(**query: str) -> list[str]:
        response = admin_client.get(admin_url(Task), query)
        return sorted(task.title for task in response.context["cl"].result_list)

    assert titles(due="overdue") == ["Late"]
    assert titles(due="week") == ["Soon"]
    assert titles(due="none") == ["Someday"]
    assert titles(priority__exact="4") == ["Someday"]
    assert titles(q="soo") == ["Soon"]
    assert titles(board__id__exact=str(board.pk)) == ["Late", "Someday", "Soon"]


@pytest.mark.parametrize(
    ("model_name", "field_name", "term", "expected"),
    [
        ("task", "assignees", "bob", "bob@example.com"),
        ("task", "labels", "bu", "bug"),
        ("comment", "task", "shi", "Ship"),
        ("membership", "board", "laun", "Launch"),
        ("membership", "user", "bob", "bob@example.com"),
        ("label", "board", "laun", "Launch"),
    ],
)
def test_the_autocompletes_find_rows(
    admin_client: Client,
    admin_user: User,
    board: Board,
    task: Task,
    model_name: str,
    field_name: str,
    term: str,
    expected: str,
) -> None:
    board_services.label_create(board_id=board.pk, actor=admin_user, name="bug", color="#ff0000")
    app_label = "tasks" if model_name in ("task", "comment") else "boards"

    response = admin_client.get(
        "/admin/autocomplete/",
        {"app_label": app_label, "model_name": model_name, "field_name": field_name, "term": term},
    )

    assert response.status_code == 200
    assert [result["text"] for result in response.json()["results"]] == [expected]


# Tasks


def test_adding_a_task_goes_through_the_service(
    admin_client: Client, admin_user: User, board: Board, bob: User
) -> None:
    response = admin_client.post(
        admin_url(Task, "add"),
        {
            "list": list_named(board, "Doing").pk,
            "title": "Write the post",
            "description": "**draft**",
            "priority": "3",
            "due_at_0": "2030-05-17",
            "due_at_1": "09:30:00",
            "assignees": [bob.pk],
        },
    )

    assert response.status_code == 302
    task = Task.objects.get(title="Write the post")
    assert (task.list_id, task.priority_name, task.due_at, task.description_html, task.created_by_id) == (
        list_named(board, "Doing").pk,
        "high",
        DUE,
        "<p><strong>draft</strong></p>",
        admin_user.pk,
    )
    assert list(task.assignees.values_list("pk", flat=True)) == [bob.pk]
    assert verbs(board)[-1] == "task.created"
    assert list(Notification.objects.filter(user=bob).values_list("kind", "task_id")) == [
        ("assigned", task.pk)
    ]


def test_an_assignee_who_is_not_a_member_is_refused_on_the_form(admin_client: Client, board: Board) -> None:
    stranger = UserFactory.create()
    before = board_snapshot(board.pk)

    response = admin_client.post(
        admin_url(Task, "add"),
        {"list": list_named(board, "To do").pk, "title": "T", "priority": "2", "assignees": [stranger.pk]},
    )

    assert response.status_code == 200
    assert response.context["adminform"].form.errors == {
        "assignees": [f"Not members of this board: {stranger.pk}."]
    }
    assert response.context["adminform"].form["title"].value() == "T"
    assert board_snapshot(board.pk) == before
    assert LogEntry.objects.count() == 0


def test_a_task_edit_records_activity_and_bumps_the_versions(
    admin_client: Client, admin_user: User, board: Board, task: Task, bob: User
) -> None:
    board_version = Board.objects.get(pk=board.pk).version
    page = admin_client.get(admin_url(task, "change"))
    data = change_form_data(page)
    data.update(title="Ship it", priority="4", completed="on", assignees=[str(bob.pk)])

    response = admin_client.post(admin_url(task, "change"), data)

    assert response.status_code == 302
    task.refresh_from_db()
    assert (task.title, task.priority_name, task.completed, task.version) == ("Ship it", "urgent", True, 2)
    assert list(task.assignees.values_list("pk", flat=True)) == [bob.pk]
    assert Board.objects.get(pk=board.pk).version == board_version + 1
    assert verbs(board)[-2:] == ["task.updated", "task.completed"]
    assert Activity.objects.filter(board=board).order_by("-seq").first().actor_id == admin_user.pk  # type: ignore[union-attr]


def test_another_list_moves_the_task_to_its_end(
    admin_client: Client, admin_user: User, board: Board, task: Task
) -> None:
    doing = list_named(board, "Doing")
    services.task_create(board=board, actor=admin_user, list_id=doing.pk, title="Already there")
    page = admin_client.get(admin_url(task, "change"))
    data = change_form_data(page)
    data["list"] = str(doing.pk)

    response = admin_client.post(admin_url(task, "change"), data)

    assert response.status_code == 302
    assert list(Task.objects.filter(list=doing).order_by("position").values_list("title", flat=True)) == [
        "Already there",
        "Ship",
    ]
    assert verbs(board)[-1] == "task.moved"


def test_a_move_into_a_full_list_is_refused_on_the_form(
    admin_client: Client, admin_user: User, board: Board, task: Task
) -> None:
    doing = list_named(board, "Doing")
    board_services.list_update(list_id=doing.pk, actor=admin_user, wip_limit=1)
    services.task_create(board=board, actor=admin_user, list_id=doing.pk, title="Already there")
    page = admin_client.get(admin_url(task, "change"))
    data = change_form_data(page)
    data.update(list=str(doing.pk), title="Renamed too")
    before = board_snapshot(board.pk)

    response = admin_client.post(admin_url(task, "change"), data)

    assert response.status_code == 200
    assert response.context["adminform"].form.non_field_errors() == [
        "The list “Doing” is at its WIP limit of 1 task."
    ]
    assert board_snapshot(board.pk) == before


def test_a_member_may_edit_tasks_but_not_someone_elses_comment(
    admin_client: Client, admin_user: User
) -> None:
    owner = UserFactory.create()
    board = board_services.board_create(actor=owner, title="Theirs")
    board_services.member_add(board_id=board.pk, actor=owner, email=admin_user.email, role=Role.MEMBER)
    todo = BoardList.objects.filter(board=board).first()
    assert todo is not None
    task = services.task_create(board=board, actor=owner, list_id=todo.pk, title="T")
    theirs = services.comment_create(task=task, actor=owner, body="Mine")
    mine = services.comment_create(task=task, actor=admin_user, body="Also mine")
    before = board_snapshot(board.pk)

    task_page = admin_client.get(admin_url(task, "change"))
    their_page = admin_client.get(admin_url(theirs, "change"))
    my_page = admin_client.get(admin_url(mine, "change"))
    refused = admin_client.post(admin_url(theirs, "change"), {"body": "Edited"})

    assert task_page.context["title"] == "Change task"
    assert their_page.context["title"] == "View comment"
    assert my_page.context["title"] == "Change comment"
    assert refused.status_code == 403
    assert board_snapshot(board.pk) == before


def test_deleting_tasks_in_bulk_goes_through_the_service(
    admin_client: Client, admin_user: User, board: Board, task: Task
) -> None:
    other = services.task_create(board=board, actor=admin_user, list_id=task.list_id, title="Other")

    confirmation = admin_client.post(
        admin_url(Task), {"action": "delete_selected", "_selected_action": [task.pk, other.pk]}
    )
    response = admin_client.post(
        admin_url(Task), {"action": "delete_selected", "_selected_action": [task.pk, other.pk], "post": "yes"}
    )

    assert confirmation.status_code == 200
    assert dict(confirmation.context["model_count"]) == {"tasks": 2}
    assert response.status_code == 302
    assert Task.objects.filter(board=board).exists() is False
    assert verbs(board)[-2:] == ["task.deleted", "task.deleted"]


# Comments


def test_the_comment_inline_adds_edits_and_deletes_through_the_services(
    admin_client: Client, admin_user: User, board: Board, task: Task, bob: User
) -> None:
    first = services.comment_create(task=task, actor=admin_user, body="First")
    second = services.comment_create(task=task, actor=admin_user, body="Second")
    page = admin_client.get(admin_url(task, "change"))
    data = change_form_data(page)
    comments = inline_prefix(page, Comment)
    # Rows: First, Second, then one empty row for a new comment.
    data[f"{comments}-0-body"] = "First, *edited*"
    data[f"{comments}-1-DELETE"] = "on"
    data[f"{comments}-2-body"] = "Over to you @bob@example.com"

    response = admin_client.post(admin_url(task, "change"), data)

    assert response.status_code == 302
    assert list(Comment.objects.filter(task=task).order_by("id").values_list("body", "body_html")) == [
        ("First, *edited*", "<p>First, <em>edited</em></p>"),
        (
            "Over to you @bob@example.com",
            '<p>Over to you <span class="mention" title="bob@example.com">@Bob</span></p>',
        ),
    ]
    assert Comment.objects.filter(pk=second.pk).exists() is False
    assert verbs(board)[-3:] == ["comment.deleted", "comment.updated", "comment.created"]
    assert list(Notification.objects.filter(user=bob).values_list("kind", flat=True)) == ["mention"]
    task.refresh_from_db()
    assert task.comment_count == 2
    assert first.pk in Comment.objects.values_list("pk", flat=True)


def test_adding_a_comment(admin_client: Client, admin_user: User, board: Board, task: Task) -> None:
    response = admin_client.post(admin_url(Comment, "add"), {"task": task.pk, "body": "Looks good"})

    assert response.status_code == 302
    comment = Comment.objects.get()
    assert (comment.author_id, comment.body_html) == (admin_user.pk, "<p>Looks good</p>")
    assert verbs(board)[-1] == "comment.created"


# XSS


def test_user_content_is_escaped(admin_client: Client, admin_user: User, board: Board) -> None:
    task = services.task_create(
        board=board,
        actor=admin_user,
        list_id=list_named(board, "To do").pk,
        title=XSS,
        description=f"{XSS}\n\n<img src=x onerror=alert(1)>",
    )
    comment = services.comment_create(task=task, actor=admin_user, body=f"{XSS} [link](javascript:alert(1))")

    pages = [
        admin_client.get(url).content.decode()
        for url in (
            admin_url(Task),
            admin_url(task, "change"),
            admin_url(task, "delete"),
            admin_url(Comment),
            admin_url(comment, "change"),
        )
    ]

    for html in pages:
        assert XSS not in html
        assert "onerror=alert(1)>" not in html
        assert 'href="javascript:' not in html
    assert all(XSS_ESCAPED in html for html in pages)
