"""Watching a card (tasks.watches): who watches by default, who hears of what, the API and
the card's toggle, and what notifying many watchers costs."""

from datetime import UTC, datetime
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext

from accounts.models import User
from activity.models import Notification
from boards import services as board_services
from boards.models import BoardList
from boards.tests.factories import BoardListFactory, BoardWithRoles, MembershipFactory, board_with_roles
from tasks import services, watches
from tasks.models import Task, Watch
from tests.api.http import Api

pytestmark = pytest.mark.django_db

DUE = datetime(2030, 5, 17, 9, 30, tzinfo=UTC)


@pytest.fixture
def given() -> BoardWithRoles:
    return board_with_roles()


@pytest.fixture
def todo(given: BoardWithRoles) -> BoardList:
    return BoardListFactory.create(board=given.board, title="To do")


@pytest.fixture
def done(given: BoardWithRoles) -> BoardList:
    return BoardListFactory.create(board=given.board, title="Done")


def watcher_ids(task: Task) -> set[int]:
    return set(Watch.objects.filter(task=task).values_list("user_id", flat=True))


def notified(kind: str | None = None) -> list[tuple[int, str, str]]:
    rows = Notification.objects.order_by("user_id", "id")
    if kind is not None:
        rows = rows.filter(kind=kind)
    return list(rows.values_list("user_id", "kind", "text"))


def card(given: BoardWithRoles, todo: BoardList, **fields: Any) -> Task:
    return services.task_create(
        board=given.board, actor=given.member, list_id=todo.pk, title="Ship", **fields
    )


# --- who watches -------------------------------------------------------------------------


def test_the_creator_and_the_assignees_of_a_new_card_watch_it(given: BoardWithRoles, todo: BoardList) -> None:
    task = card(given, todo, assignee_ids=[given.admin.pk, given.member.pk])

    assert watcher_ids(task) == {given.member.pk, given.admin.pk}


def test_a_new_assignee_watches_and_an_unwatched_one_stays_so_until_assigned_again(
    given: BoardWithRoles, todo: BoardList
) -> None:
    task = card(given, todo)
    watches.task_unwatch(task=task, user=given.member)

    services.task_update(task=task, actor=given.member, assignee_ids=[given.viewer.pk])
    assert watcher_ids(task) == {given.viewer.pk}

    services.task_update(task=task, actor=given.member, assignee_ids=[given.viewer.pk, given.member.pk])
    assert watcher_ids(task) == {given.viewer.pk, given.member.pk}


def test_watch_and_unwatch_are_idempotent_and_for_members_of_any_role(
    given: BoardWithRoles, todo: BoardList
) -> None:
    task = card(given, todo)

    watches.task_watch(task=task, user=given.viewer)
    watches.task_watch(task=task.pk, user=given.viewer)
    assert watcher_ids(task) == {given.member.pk, given.viewer.pk}

    watches.task_unwatch(task=task, user=given.viewer)
    watches.task_unwatch(task=task, user=given.viewer)
    assert watcher_ids(task) == {given.member.pk}


def test_an_outsider_can_not_watch(given: BoardWithRoles, todo: BoardList) -> None:
    task = card(given, todo)

    with pytest.raises(Task.DoesNotExist):
        watches.task_watch(task=task, user=given.outsider)

    assert watcher_ids(task) == {given.member.pk}


# --- who hears of what -------------------------------------------------------------------


def test_watchers_hear_of_others_comments_but_not_of_their_own(
    given: BoardWithRoles, todo: BoardList
) -> None:
    task = card(given, todo)
    watches.task_watch(task=task, user=given.viewer)

    services.comment_create(task=task, actor=given.member, body="On it")

    assert notified() == [(given.viewer.pk, "watched_comment", f"{given.member.name} commented on “Ship”")]


def test_a_mentioned_watcher_gets_the_mention_only(given: BoardWithRoles, todo: BoardList) -> None:
    task = card(given, todo)
    watches.task_watch(task=task, user=given.viewer)
    watches.task_watch(task=task, user=given.admin)

    services.comment_create(task=task, actor=given.member, body=f"@{given.viewer.email} look")

    assert [(user, kind) for user, kind, _ in notified()] == sorted(
        [(given.admin.pk, "watched_comment"), (given.viewer.pk, "mention")]
    )


def test_watchers_hear_of_moves_to_another_list_not_of_reordering(
    given: BoardWithRoles, todo: BoardList, done: BoardList
) -> None:
    task = card(given, todo)
    card(given, todo)

    services.task_move(task=task, actor=given.admin, to_list_id=todo.pk, index=1)
    assert notified() == []

    services.task_move(task=task, actor=given.admin, to_list_id=done.pk, index=0)
    services.task_update(task=task, actor=given.admin, list_id=todo.pk)

    assert notified() == [
        (given.member.pk, "watched_move", f"{given.admin.name} moved “Ship” to Done"),
        (given.member.pk, "watched_move", f"{given.admin.name} moved “Ship” to To do"),
    ]


def test_watchers_hear_of_due_date_changes_not_of_other_edits(given: BoardWithRoles, todo: BoardList) -> None:
    task = card(given, todo)

    services.task_update(task=task, actor=given.admin, title="Ship it", description="now")
    assert notified() == []

    services.task_update(task=task, actor=given.admin, due_at=DUE)
    services.task_update(task=task, actor=given.admin, due_at=None)

    assert notified() == [
        (given.member.pk, "watched_due", f"{given.admin.name} changed the due date of “Ship it”"),
        (given.member.pk, "watched_due", f"{given.admin.name} removed the due date of “Ship it”"),
    ]


def test_unwatching_stops_the_notifications(given: BoardWithRoles, todo: BoardList) -> None:
    task = card(given, todo)
    watches.task_unwatch(task=task, user=given.member)

    services.comment_create(task=task, actor=given.admin, body="Hello?")
    services.task_update(task=task, actor=given.admin, due_at=DUE)

    assert notified() == []


def test_a_removed_member_who_watched_hears_nothing(given: BoardWithRoles, todo: BoardList) -> None:
    task = card(given, todo)
    watches.task_watch(task=task, user=given.viewer)
    board_services.member_remove(board_id=given.board.pk, actor=given.owner, user_id=given.viewer.pk)

    services.comment_create(task=task, actor=given.admin, body="Hello?")

    assert notified() == [(given.member.pk, "watched_comment", f"{given.admin.name} commented on “Ship”")]


def test_notifying_many_watchers_costs_what_notifying_one_does(
    given: BoardWithRoles, todo: BoardList
) -> None:
    def comment_queries(watcher_count: int) -> int:
        task = card(given, todo)
        for _ in range(watcher_count):
            watches.task_watch(task=task, user=MembershipFactory.create(board=given.board).user)
        with CaptureQueriesContext(connection) as queries:
            services.comment_create(task=task, actor=given.admin, body="Status?")
        return len(queries)

    one = comment_queries(1)
    many = comment_queries(30)

    assert many == one
    assert Notification.objects.filter(kind="watched_comment").count() == 2 + 31


# --- the API ----------------------------------------------------------------------------


def test_the_api_puts_reads_and_deletes_the_callers_watch(given: BoardWithRoles, todo: BoardList) -> None:
    task = card(given, todo)
    api = Api(given.viewer)

    assert api.get(f"tasks/{task.pk}/watch/").json() == {"watching": False}
    assert api.request("PUT", f"tasks/{task.pk}/watch/").status_code == 204
    assert api.get(f"tasks/{task.pk}/watch/").json() == {"watching": True}
    assert Api(given.member).get(f"tasks/{task.pk}/watch/").json() == {"watching": True}
    assert api.delete(f"tasks/{task.pk}/watch/").status_code == 204
    assert api.get(f"tasks/{task.pk}/watch/").json() == {"watching": False}


def test_the_shared_task_representation_says_nothing_of_watching(
    given: BoardWithRoles, todo: BoardList
) -> None:
    task = card(given, todo)

    body = Api(given.member).get(f"tasks/{task.pk}/").json()

    assert "watching" not in body


# --- the card's toggle -------------------------------------------------------------------


def page_client(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_card_dialog_toggles_watching_for_a_viewer(given: BoardWithRoles, todo: BoardList) -> None:
    task = card(given, todo)
    client = page_client(given.viewer)
    htmx = {"HX-Request": "true"}

    dialog = client.get(f"/tasks/{task.pk}/", headers=htmx).content.decode()
    assert ">Watch</button>" in dialog

    watched = client.post(f"/tasks/{task.pk}/watch/", {"watching": "1"}, headers=htmx).content.decode()
    assert ">Unwatch</button>" in watched
    assert "You're watching this card." in watched
    assert ">Unwatch</button>" in client.get(f"/tasks/{task.pk}/", headers=htmx).content.decode()

    unwatched = client.post(f"/tasks/{task.pk}/watch/", {"watching": "0"})
    assert unwatched.status_code == 303
    assert unwatched["Location"] == f"/tasks/{task.pk}/"
    assert watcher_ids(task) == {given.member.pk}


def test_an_outsider_posting_the_toggle_gets_404_and_nothing_changes(
    given: BoardWithRoles, todo: BoardList
) -> None:
    task = card(given, todo)

    response = page_client(given.outsider).post(f"/tasks/{task.pk}/watch/", {"watching": "1"})

    assert response.status_code == 404
    assert watcher_ids(task) == {given.member.pk}
