"""Activity numbering under concurrency, live events after commit, notifications."""

from functools import partial
from typing import Any

import pytest
from django.core.exceptions import PermissionDenied

from activity.models import Activity, Notification
from activity.services import notifications_mark_read
from activity.tests.factories import NotificationFactory
from activity.tests.listener import GroupListener
from boards import services as board_services
from boards.models import Board
from boards.tests.factories import BoardListFactory, board_with_roles
from tasks import services as task_services
from tasks.models import Task
from tasks.tests.factories import TaskFactory
from tests.threads import run_together

WRITERS = 6
WRITES_PER_WRITER = 4


@pytest.mark.django_db(transaction=True)
def test_seq_is_gap_free_and_in_commit_order_under_concurrent_writes() -> None:
    given = board_with_roles()
    todo = board_services.list_create(board_id=given.board.pk, actor=given.member, title="To do")
    # So that no new task is first already, and each move to the front is a change.
    TaskFactory.create(list=todo)
    actors = [given.owner, given.admin, given.member]

    def writer(number: int) -> None:
        actor = actors[number % len(actors)]
        for k in range(WRITES_PER_WRITER):
            task = task_services.task_create(
                board=given.board, actor=actor, list_id=todo.pk, title=f"{number}-{k}"
            )
            task_services.task_move(task=task, actor=actor, to_list_id=todo.pk, index=0)

    results = run_together(*(partial(writer, n) for n in range(WRITERS)))

    assert results == [None] * WRITERS
    total = 1 + WRITERS * WRITES_PER_WRITER * 2
    seqs = list(Activity.objects.filter(board=given.board).order_by("seq").values_list("seq", flat=True))
    assert seqs == list(range(1, total + 1))
    # Inserted under the board lock, so the insertion order is the seq order.
    by_id = list(Activity.objects.filter(board=given.board).order_by("id").values_list("seq", flat=True))
    assert by_id == seqs
    board = Board.objects.get(pk=given.board.pk)
    assert (board.event_seq, board.version) == (total, total + 1)
    positions = list(Task.objects.filter(list=todo).values_list("position", flat=True))
    assert len(positions) == len(set(positions)) == 1 + WRITERS * WRITES_PER_WRITER


def receive(listener: GroupListener) -> dict[str, Any]:
    return listener.receive()


def subscribe(board: Board) -> GroupListener:
    # Works with every channel layer (activity/tests/listener.py).
    return GroupListener(board.pk)


@pytest.mark.django_db
def test_the_event_is_published_after_commit_and_a_refused_write_publishes_none(
    django_capture_on_commit_callbacks: Any,
) -> None:
    given = board_with_roles()
    todo = BoardListFactory.create(board=given.board)
    channel = subscribe(given.board)

    with django_capture_on_commit_callbacks(execute=True) as refused, pytest.raises(PermissionDenied):
        task_services.task_create(board=given.board, actor=given.viewer, list_id=todo.pk, title="No")
    with django_capture_on_commit_callbacks(execute=True) as accepted:
        task = task_services.task_create(board=given.board, actor=given.member, list_id=todo.pk, title="Yes")

    # The accepted write's callbacks: the event's publication and the tasks-created metric.
    assert (len(refused), len(accepted)) == (0, 2)
    message = receive(channel)
    activity = Activity.objects.get(board=given.board)
    assert message == {
        "type": "board.event",
        "seq": 1,
        "verb": "task.created",
        "actor": {"id": given.member.pk, "name": given.member.name},
        "data": activity.data,
        "at": activity.created_at.strftime("%Y-%m-%dT%H:%M:%S.%fZ"),
        # The list's new count (docs/api.md, the event's `lists`).
        "lists": [{"id": todo.pk, "total": 1, "wip_limit": None, "at_limit": False}],
    }
    assert message["data"]["id"] == task.pk


@pytest.mark.django_db
def test_deleting_a_board_tells_its_group(django_capture_on_commit_callbacks: Any) -> None:
    given = board_with_roles()
    channel = subscribe(given.board)

    with django_capture_on_commit_callbacks(execute=True):
        board_services.board_delete(board_id=given.board.pk, actor=given.owner)

    assert receive(channel) == {"type": "board.deleted", "board_id": given.board.pk}


@pytest.mark.django_db
def test_notifications_mark_read_by_ids_touches_only_the_callers() -> None:
    given = board_with_roles()
    mine = NotificationFactory.create_batch(3, user=given.member, board=given.board)
    theirs = NotificationFactory.create(user=given.viewer, board=given.board)

    changed = notifications_mark_read(user=given.member, ids=[mine[0].pk, theirs.pk])

    assert changed == 1
    read = dict(Notification.objects.values_list("pk", "read"))
    assert read == {mine[0].pk: True, mine[1].pk: False, mine[2].pk: False, theirs.pk: False}


@pytest.mark.django_db
def test_notifications_mark_read_all() -> None:
    given = board_with_roles()
    NotificationFactory.create_batch(2, user=given.member, board=given.board)
    theirs = NotificationFactory.create(user=given.viewer, board=given.board)

    changed = notifications_mark_read(user=given.member, all_unread=True)

    assert changed == 2
    assert list(Notification.objects.filter(read=False).values_list("pk", flat=True)) == [theirs.pk]
