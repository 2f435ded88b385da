"""The task pages: the card's details (dialog fragment and page), adding, moving, editing,
completing and deleting cards, comments; invalid input changes nothing."""

import re
from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client

from activity.models import Activity
from boards.models import BoardList
from boards.tests.factories import BoardListFactory, BoardWithRoles, LabelFactory, board_with_roles
from boards.tests.snapshots import board_snapshot
from tasks import services
from tasks.models import Comment, Priority, Task
from tasks.tests.factories import CommentFactory, TaskFactory
from tasks.tests.markdown_inputs import DEEPLY_NESTED, DEEPLY_NESTED_HTML

pytestmark = pytest.mark.django_db
HTMX = {"HX-Request": "true"}


def field_errors(html: str, field_id: str) -> list[str]:
    match = re.search(rf'<ul class="errorlist" id="{field_id}_error">(.*?)</ul>', html, re.S)
    return re.findall(r"<li>(.*?)</li>", match.group(1)) if match else []


def form_errors(html: str) -> list[str]:
    match = re.search(r'<ul class="errorlist nonfield"[^>]*>(.*?)</ul>', html, re.S)
    return re.findall(r"<li>(.*?)</li>", match.group(1)) if match else []


def positions(board_list: BoardList) -> list[str]:
    return list(Task.objects.filter(list=board_list).order_by("position").values_list("title", flat=True))


@pytest.fixture
def roles() -> BoardWithRoles:
    return board_with_roles(title="Launch")


def edit_data(task: Task, **changes: object) -> dict[str, object]:
    data: dict[str, object] = {
        "title": task.title,
        "description": task.description,
        "priority": task.priority_name,
        "due_at": "",
        "version": task.version,
    }
    data.update(changes)
    return data


# Reading


def test_the_task_page_works_on_its_own_url(client: Client, roles: BoardWithRoles) -> None:
    task = TaskFactory.create(list__board=roles.board, title="Write the docs")
    client.force_login(roles.member)

    page = client.get(f"/tasks/{task.pk}/")
    fragment = client.get(f"/tasks/{task.pk}/", headers=HTMX)

    assert page.status_code == 200
    assert "<!doctype html>" in page.content.decode()
    assert '<h1 class="task-detail-title">Write the docs</h1>' in page.content.decode()
    assert fragment.status_code == 200
    assert fragment.content.decode().startswith('<div id="task-detail"')


def test_a_viewer_reads_the_task_without_edit_controls(client: Client, roles: BoardWithRoles) -> None:
    task = TaskFactory.create(list__board=roles.board, title="Read only", description="**bold**")
    services.task_update(task=task, actor=roles.member, description="**bold**!")
    CommentFactory.create(task=task, author=roles.member)
    client.force_login(roles.viewer)

    html = client.get(f"/tasks/{task.pk}/").content.decode()

    assert "<strong>bold</strong>!" in html
    for control in (
        "task-form",
        "Mark complete",
        "Move to",
        "Delete this card",
        "comment-form",
        "Edit</summary>",
    ):
        assert control not in html, control


def test_a_non_member_gets_404_for_a_task(client: Client, roles: BoardWithRoles) -> None:
    task = TaskFactory.create(list__board=roles.board)
    client.force_login(roles.outsider)

    assert client.get(f"/tasks/{task.pk}/").status_code == 404
    assert client.post(f"/tasks/{task.pk}/complete/", {"completed": "1"}).status_code == 404


# Editing


def test_editing_a_task_saves_every_field(client: Client, roles: BoardWithRoles) -> None:
    task = TaskFactory.create(list__board=roles.board, title="Old")
    label = LabelFactory.create(board=roles.board)
    roles.member.timezone = "Europe/Paris"
    roles.member.save()
    client.force_login(roles.member)

    response = client.post(
        f"/tasks/{task.pk}/",
        edit_data(
            task,
            title="New",
            description="Some *markdown*",
            priority="urgent",
            due_at="2030-01-02T10:30",
            assignee_ids=[roles.member.pk, roles.viewer.pk],
            label_ids=[label.pk],
        ),
        headers=HTMX,
    )

    task.refresh_from_db()
    assert response.status_code == 200
    assert response["HX-Trigger"] == '{"taskChanged": {}}'
    assert "Saved." in response.content.decode()
    assert (task.title, task.description, task.priority) == ("New", "Some *markdown*", Priority.URGENT)
    # 10:30 in Paris (UTC+1 in January) is 09:30 UTC.
    assert task.due_at == datetime(2030, 1, 2, 9, 30, tzinfo=UTC)
    assert set(task.assignees.values_list("pk", flat=True)) == {roles.member.pk, roles.viewer.pk}
    assert list(task.labels.values_list("pk", flat=True)) == [label.pk]


@pytest.mark.parametrize(
    ("changes", "field", "errors"),
    [
        ({"title": ""}, "id_title", ["This field is required."]),
        ({"title": "x" * 201}, "id_title", ["Ensure this value has at most 200 characters (it has 201)."]),
        (
            {"priority": "critical"},
            "id_priority",
            ["Select a valid choice. critical is not one of the available choices."],
        ),
        ({"due_at": "next tuesday"}, "id_due_at", ["Enter a valid date/time."]),
        (
            {"assignee_ids": ["999999"]},
            "id_assignee_ids",
            ["Select a valid choice. 999999 is not one of the available choices."],
        ),
    ],
)
def test_invalid_edits_show_the_error_next_to_the_field_and_change_nothing(
    client: Client,
    roles: BoardWithRoles,
    changes: dict[str, object],
    field: str,
    errors: list[str],
) -> None:
    task = TaskFactory.create(list__board=roles.board, title="Keep me")
    client.force_login(roles.member)
    before = board_snapshot(roles.board.pk)

    response = client.post(f"/tasks/{task.pk}/", edit_data(task, **changes), headers=HTMX)

    assert response.status_code == 200
    assert field_errors(response.content.decode(), field) == errors
    assert board_snapshot(roles.board.pk) == before


def test_an_edit_of_a_task_changed_meanwhile_is_refused_and_shows_the_current_version(
    client: Client, roles: BoardWithRoles
) -> None:
    task = TaskFactory.create(list__board=roles.board, title="Original", description="Old words")
    stale = edit_data(task, title="Mine", description="My words")
    roles.admin.name = "Bob Admin"
    roles.admin.save()
    current = services.task_update(task=task, actor=roles.admin, title="Theirs", description="Their words")
    client.force_login(roles.member)
    before = board_snapshot(roles.board.pk)

    response = client.post(f"/tasks/{task.pk}/", stale, headers=HTMX)

    html = response.content.decode()
    assert response.status_code == 200
    assert form_errors(html) == [
        "Bob Admin changed this card while you were editing it. The form now shows the current "
        "version; your changes were not saved: make them again."
    ]
    assert re.search(r'<input type="text" name="title" value="Theirs"', html)
    assert re.search(r"<textarea[^>]*>\s*Their words</textarea>", html)
    assert f'<input type="hidden" name="version" value="{current.version}"' in html
    assert "<dt>Title</dt><dd>Mine</dd>" in html
    assert '<dd class="attempted-text">My words</dd>' in html
    assert board_snapshot(roles.board.pk) == before


def test_saving_again_after_a_lost_race_works(client: Client, roles: BoardWithRoles) -> None:
    task = TaskFactory.create(list__board=roles.board, title="Original")
    stale = edit_data(task, title="Mine")
    services.task_update(task=task, actor=roles.admin, title="Theirs")
    client.force_login(roles.member)
    html = client.post(f"/tasks/{task.pk}/", stale, headers=HTMX).content.decode()
    version = re.search(r'name="version" value="(\d+)"', html)
    assert version

    response = client.post(
        f"/tasks/{task.pk}/", edit_data(task, title="Mine after all", version=version.group(1)), headers=HTMX
    )

    assert response.status_code == 200
    assert form_errors(response.content.decode()) == []
    task.refresh_from_db()
    assert task.title == "Mine after all"


def test_a_viewer_cannot_edit(client: Client, roles: BoardWithRoles) -> None:
    task = TaskFactory.create(list__board=roles.board, title="Keep me")
    client.force_login(roles.viewer)
    before = board_snapshot(roles.board.pk)

    response = client.post(f"/tasks/{task.pk}/", edit_data(task, title="Hacked"))

    assert response.status_code == 403
    assert board_snapshot(roles.board.pk) == before


def test_completing_and_reopening(client: Client, roles: BoardWithRoles) -> None:
    task = TaskFactory.create(list__board=roles.board)
    client.force_login(roles.member)

    client.post(f"/tasks/{task.pk}/complete/", {"completed": "1"}, headers=HTMX)
    task.refresh_from_db()
    completed = task.completed
    response = client.post(f"/tasks/{task.pk}/complete/", {"completed": "0"}, headers=HTMX)
    task.refresh_from_db()

    assert (completed, task.completed) == (True, False)
    assert "Mark complete" in response.content.decode()


def test_deleting_a_task_goes_back_to_the_board(client: Client, roles: BoardWithRoles) -> None:
    task = TaskFactory.create(list__board=roles.board)
    client.force_login(roles.member)

    response = client.post(f"/tasks/{task.pk}/delete/")

    assert response.status_code == 303
    assert response["Location"] == f"/boards/{roles.board.pk}/"
    assert not Task.objects.filter(pk=task.pk).exists()


def test_the_markdown_preview_is_sanitized(client: Client, roles: BoardWithRoles) -> None:
    client.force_login(roles.member)

    response = client.post(
        "/tasks/preview/", {"description": "**hi** <script>alert(1)</script>"}, headers=HTMX
    )

    assert response.content.decode().strip() == "<p><strong>hi</strong> </p>"


def test_the_preview_of_deeply_nested_markdown(client: Client, roles: BoardWithRoles) -> None:
    client.force_login(roles.viewer)

    response = client.post("/tasks/preview/", {"description": DEEPLY_NESTED}, headers=HTMX)

    assert response.status_code == 200
    assert response.content.decode().strip() == DEEPLY_NESTED_HTML


def test_the_preview_renders_only_as_much_as_a_description_holds(
    client: Client, roles: BoardWithRoles
) -> None:
    client.force_login(roles.viewer)

    response = client.post("/tasks/preview/", {"description": "a" * 20000 + "*b*"}, headers=HTMX)

    assert response.content.decode().strip() == "<p>" + "a" * 20000 + "</p>"


def test_saving_and_commenting_deeply_nested_markdown(client: Client, roles: BoardWithRoles) -> None:
    task = TaskFactory.create(list__board=roles.board)
    client.force_login(roles.member)

    edited = client.post(f"/tasks/{task.pk}/", edit_data(task, description=DEEPLY_NESTED), headers=HTMX)
    commented = client.post(f"/tasks/{task.pk}/comments/", {"body": DEEPLY_NESTED}, headers=HTMX)

    assert (edited.status_code, commented.status_code) == (200, 200)
    task.refresh_from_db()
    assert (task.description, task.description_html) == (DEEPLY_NESTED, DEEPLY_NESTED_HTML)
    assert Comment.objects.get(task=task).body_html == DEEPLY_NESTED_HTML
    assert DEEPLY_NESTED_HTML in commented.content.decode()


# Adding cards


def test_adding_a_card_inline_appends_it_to_its_list(client: Client, roles: BoardWithRoles) -> None:
    board_list = BoardListFactory.create(board=roles.board)
    TaskFactory.create(list=board_list, title="First")
    client.force_login(roles.member)

    response = client.post(
        f"/boards/{roles.board.pk}/tasks/new/", {"list_id": board_list.pk, "title": " Second "}, headers=HTMX
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert positions(board_list) == ["First", "Second"]
    assert f'hx-swap-oob="beforeend:#cards-{board_list.pk}"' in html
    assert re.search(rf'id="count-{board_list.pk}"[^>]*hx-swap-oob="true"', html)


def test_adding_a_card_without_a_title_shows_the_error_and_adds_nothing(
    client: Client, roles: BoardWithRoles
) -> None:
    board_list = BoardListFactory.create(board=roles.board)
    client.force_login(roles.member)
    before = board_snapshot(roles.board.pk)

    response = client.post(
        f"/boards/{roles.board.pk}/tasks/new/", {"list_id": board_list.pk, "title": ""}, headers=HTMX
    )

    assert response.status_code == 200
    assert field_errors(response.content.decode(), f"id_new_task_{board_list.pk}_title") == [
        "This field is required."
    ]
    assert board_snapshot(roles.board.pk) == before


def test_adding_a_card_into_a_full_list_shows_the_limit_in_place_and_adds_nothing(
    client: Client, roles: BoardWithRoles
) -> None:
    full = BoardListFactory.create(board=roles.board, title="Doing", wip_limit=1)
    TaskFactory.create(list=full)
    client.force_login(roles.member)
    before = board_snapshot(roles.board.pk)

    response = client.post(
        f"/boards/{roles.board.pk}/tasks/new/", {"list_id": full.pk, "title": "One more"}, headers=HTMX
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert field_errors(html, f"id_new_task_{full.pk}_title") == [
        "The list “Doing” is at its WIP limit of 1 task."
    ]
    assert 'value="One more"' in html
    assert board_snapshot(roles.board.pk) == before


# Moving cards


def test_dropping_a_card_after_another_in_another_list(client: Client, roles: BoardWithRoles) -> None:
    source, target = BoardListFactory.create_batch(2, board=roles.board)
    moving = TaskFactory.create(list=source, title="Moving")
    first = TaskFactory.create(list=target, title="A")
    TaskFactory.create(list=target, title="B")
    client.force_login(roles.member)

    response = client.post(f"/tasks/{moving.pk}/drop/", {"list_id": target.pk, "after_id": first.pk})

    assert response.status_code == 200
    assert response.json()["lists"] == [
        {"id": source.pk, "total": 0, "wip_limit": None, "at_limit": False},
        {"id": target.pk, "total": 3, "wip_limit": None, "at_limit": False},
    ]
    assert positions(target) == ["A", "Moving", "B"]


def test_dropping_a_card_where_it_is_answers_its_lists_count(client: Client, roles: BoardWithRoles) -> None:
    board_list = BoardListFactory.create(board=roles.board, wip_limit=2)
    first = TaskFactory.create(list=board_list, title="A")
    moving = TaskFactory.create(list=board_list, title="B")
    client.force_login(roles.member)

    # After A, where B is: nothing written, nothing recorded; the count is read for the answer.
    response = client.post(f"/tasks/{moving.pk}/drop/", {"list_id": board_list.pk, "after_id": first.pk})

    assert response.status_code == 200
    assert response.json()["lists"] == [{"id": board_list.pk, "total": 2, "wip_limit": 2, "at_limit": True}]
    assert not Activity.objects.filter(board=roles.board, verb="task.moved").exists()


def test_dropping_a_card_at_the_top_of_its_list(client: Client, roles: BoardWithRoles) -> None:
    board_list = BoardListFactory.create(board=roles.board)
    TaskFactory.create(list=board_list, title="A")
    moving = TaskFactory.create(list=board_list, title="B")
    client.force_login(roles.member)

    client.post(f"/tasks/{moving.pk}/drop/", {"list_id": board_list.pk, "after_id": ""})

    assert positions(board_list) == ["B", "A"]


def test_dropping_a_card_into_a_full_list_is_refused_with_a_message(
    client: Client, roles: BoardWithRoles
) -> None:
    source = BoardListFactory.create(board=roles.board)
    full = BoardListFactory.create(board=roles.board, title="Doing", wip_limit=1)
    moving = TaskFactory.create(list=source)
    TaskFactory.create(list=full)
    client.force_login(roles.member)
    before = board_snapshot(roles.board.pk)

    response = client.post(f"/tasks/{moving.pk}/drop/", {"list_id": full.pk, "after_id": ""})

    assert response.status_code == 409
    assert response.json() == {"error": {"message": "The list “Doing” is at its WIP limit of 1 task."}}
    assert board_snapshot(roles.board.pk) == before


def test_a_viewer_cannot_drop_a_card(client: Client, roles: BoardWithRoles) -> None:
    board_list = BoardListFactory.create(board=roles.board)
    TaskFactory.create(list=board_list)
    moving = TaskFactory.create(list=board_list)
    client.force_login(roles.viewer)
    before = board_snapshot(roles.board.pk)

    response = client.post(f"/tasks/{moving.pk}/drop/", {"list_id": board_list.pk, "after_id": ""})

    assert response.status_code == 403
    assert board_snapshot(roles.board.pk) == before


# The user; the service: its savepoint, the board locked with the caller's role, the
# anchor's index, the task with its list and the neighbours' positions (and both lists'
# counts, in the same statement), the watchers to notify, the write's closing statement,
# the savepoint released. The answer's counts are the ones the move's event carries: no
# board read and no count query after the write (there were two before events carried
# them). On SQLite (the embedded default) the locked reads that PostgreSQL folds into one
# statement run one by one (taskboard/db/task_queries.py), and there is no closing
# statement for the deferred rows: a budget of its own, as constant.
DROP_QUERIES = {"postgresql": 8, "sqlite": 15}


@pytest.mark.parametrize("size", [3, 30])
def test_a_drop_costs_the_same_queries_however_long_the_list(
    client: Client, roles: BoardWithRoles, size: int, django_assert_num_queries: Any
) -> None:
    source, target = BoardListFactory.create_batch(2, board=roles.board)
    moving = TaskFactory.create(list=source, title="Moving")
    cards = TaskFactory.create_batch(size, list=target)
    client.force_login(roles.member)

    with django_assert_num_queries(DROP_QUERIES[connection.vendor]):
        response = client.post(f"/tasks/{moving.pk}/drop/", {"list_id": target.pk, "after_id": cards[1].pk})

    assert response.status_code == 200
    assert positions(target)[:3] == [cards[0].title, cards[1].title, "Moving"]


def test_move_to_form_moves_a_card_to_a_position(client: Client, roles: BoardWithRoles) -> None:
    source, target = BoardListFactory.create_batch(2, board=roles.board)
    moving = TaskFactory.create(list=source, title="Moving")
    TaskFactory.create(list=target, title="A")
    TaskFactory.create(list=target, title="B")
    client.force_login(roles.member)

    form = client.get(f"/tasks/{moving.pk}/move/", headers=HTMX)
    response = client.post(f"/tasks/{moving.pk}/move/", {"list_id": target.pk, "position": "2"}, headers=HTMX)

    assert 'name="list_id"' in form.content.decode()
    assert response.status_code == 204
    assert "taskChanged" in response["HX-Trigger"]
    assert "closeDialog" in response["HX-Trigger"]
    assert positions(target) == ["A", "Moving", "B"]


def test_move_to_a_full_list_shows_the_error_and_changes_nothing(
    client: Client, roles: BoardWithRoles
) -> None:
    source = BoardListFactory.create(board=roles.board)
    full = BoardListFactory.create(board=roles.board, title="Doing", wip_limit=1)
    moving = TaskFactory.create(list=source)
    TaskFactory.create(list=full)
    client.force_login(roles.member)
    before = board_snapshot(roles.board.pk)

    response = client.post(f"/tasks/{moving.pk}/move/", {"list_id": full.pk, "position": ""}, headers=HTMX)

    assert response.status_code == 200
    assert field_errors(response.content.decode(), "id_list_id") == [
        "The list “Doing” is at its WIP limit of 1 task."
    ]
    assert board_snapshot(roles.board.pk) == before


def test_move_to_position_zero_shows_the_error_and_changes_nothing(
    client: Client, roles: BoardWithRoles
) -> None:
    board_list = BoardListFactory.create(board=roles.board)
    moving = TaskFactory.create(list=board_list)
    client.force_login(roles.member)
    before = board_snapshot(roles.board.pk)

    response = client.post(
        f"/tasks/{moving.pk}/move/", {"list_id": board_list.pk, "position": "0"}, headers=HTMX
    )

    assert field_errors(response.content.decode(), "id_position") == [
        "Ensure this value is greater than or equal to 1."
    ]
    assert board_snapshot(roles.board.pk) == before


# Comments


def test_commenting_editing_and_deleting_my_comment(client: Client, roles: BoardWithRoles) -> None:
    task = TaskFactory.create(list__board=roles.board)
    client.force_login(roles.member)

    added = client.post(f"/tasks/{task.pk}/comments/", {"body": "Looks **good**"}, headers=HTMX)
    comment = Comment.objects.get(task=task)
    edited = client.post(
        f"/comments/{comment.pk}/edit/", {f"comment-{comment.pk}-body": "Looks great"}, headers=HTMX
    )
    body_after_edit = Comment.objects.get(pk=comment.pk).body
    deleted = client.post(f"/comments/{comment.pk}/delete/", headers=HTMX)

    assert "<p>Looks <strong>good</strong></p>" in added.content.decode()
    assert "<p>Looks great</p>" in edited.content.decode()
    assert body_after_edit == "Looks great"
    assert "No comments yet." in deleted.content.decode()
    assert not Comment.objects.filter(task=task).exists()


def test_an_empty_comment_shows_the_error_and_adds_nothing(client: Client, roles: BoardWithRoles) -> None:
    task = TaskFactory.create(list__board=roles.board)
    client.force_login(roles.member)
    before = board_snapshot(roles.board.pk)

    response = client.post(f"/tasks/{task.pk}/comments/", {"body": "   "}, headers=HTMX)

    assert response.status_code == 200
    assert field_errors(response.content.decode(), "id_body") == ["This field may not be blank."]
    assert board_snapshot(roles.board.pk) == before


def test_an_empty_comment_edit_shows_the_error_and_changes_nothing(
    client: Client, roles: BoardWithRoles
) -> None:
    task = TaskFactory.create(list__board=roles.board)
    comment = CommentFactory.create(task=task, author=roles.member, body="Keep")
    client.force_login(roles.member)
    before = board_snapshot(roles.board.pk)

    response = client.post(f"/comments/{comment.pk}/edit/", {f"comment-{comment.pk}-body": ""}, headers=HTMX)

    assert field_errors(response.content.decode(), f"id_comment-{comment.pk}-body") == [
        "This field is required."
    ]
    assert board_snapshot(roles.board.pk) == before


def test_only_my_comments_have_edit_and_delete(client: Client, roles: BoardWithRoles) -> None:
    task = TaskFactory.create(list__board=roles.board)
    mine = CommentFactory.create(task=task, author=roles.member)
    theirs = CommentFactory.create(task=task, author=roles.admin)
    client.force_login(roles.member)
    before = board_snapshot(roles.board.pk)

    html = client.get(f"/tasks/{task.pk}/").content.decode()
    refused = client.post(f"/comments/{theirs.pk}/delete/", headers=HTMX)

    assert f"/comments/{mine.pk}/delete/" in html
    assert f"/comments/{theirs.pk}/delete/" not in html
    assert refused.status_code == 403
    assert board_snapshot(roles.board.pk) == before
