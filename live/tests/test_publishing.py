"""How a process publishes live events: one long-lived event loop and Redis connection, a
write that succeeds even when Redis is down, and no event lost to a connection that a Redis
restart killed."""

import os
import signal
from typing import Any

import pytest

from activity.models import Activity
from activity.tests.listener import GroupListener
from boards.tests.factories import BoardListFactory, board_with_roles
from live.publishing import _publisher
from tasks import services as task_services

# Every test here stops, restarts or reads the Redis server behind the channel layer.
pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.redis]


def test_writes_publish_over_the_connection_the_process_already_has(redis_server: Any) -> None:
    given = board_with_roles()
    todo = BoardListFactory.create(board=given.board)
    # The first write opens what the process keeps (publisher loop, channel layer pool).
    task_services.task_create(board=given.board, actor=given.member, list_id=todo.pk, title="first")
    publisher = _publisher()
    redis = redis_server.client()
    before = redis.info("stats")["total_connections_received"]

    for n in range(5):
        task_services.task_create(board=given.board, actor=given.member, list_id=todo.pk, title=f"t{n}")

    after = redis.info("stats")["total_connections_received"]
    assert after - before == 0
    assert _publisher() is publisher
    assert publisher.thread.is_alive()


def test_a_write_succeeds_when_redis_is_down_and_the_lost_event_is_logged(
    redis_server: Any, caplog: pytest.LogCaptureFixture, settings: Any
) -> None:
    given = board_with_roles()
    todo = BoardListFactory.create(board=given.board)
    settings.LIVE_PUBLISH_TIMEOUT_SECONDS = 0.5
    redis_server.stop()

    task = task_services.task_create(board=given.board, actor=given.member, list_id=todo.pk, title="offline")
    assert _publisher().flush(timeout=10)

    activity = Activity.objects.get(board=given.board)
    assert (activity.verb, activity.target_id, activity.seq) == ("task.created", task.pk, 1)
    assert f"Could not publish task.created to board.{given.board.pk}" in caplog.text


def test_the_first_event_after_a_redis_restart_is_delivered(
    redis_server: Any, caplog: pytest.LogCaptureFixture
) -> None:
    given = board_with_roles()
    todo = BoardListFactory.create(board=given.board)
    # The process's publishing connection exists, and dies with the restart.
    task_services.task_create(board=given.board, actor=given.member, list_id=todo.pk, title="before")
    # Sent before the restart: earlier tests' events (seed_demo's notifications among them)
    # may still be queued, and one sent while Redis is down is rightly logged as lost.
    assert _publisher().flush(timeout=10)
    redis_server.restart()
    listener = GroupListener(given.board.pk)

    task_services.task_create(board=given.board, actor=given.member, list_id=todo.pk, title="after")

    message = listener.receive()
    assert (message["verb"], message["data"]["title"]) == ("task.created", "after")
    assert "Could not publish" not in caplog.text


def test_a_write_returns_without_waiting_for_redis_and_its_event_follows(
    redis_server: Any, settings: Any
) -> None:
    given = board_with_roles()
    todo = BoardListFactory.create(board=given.board)
    task_services.task_create(board=given.board, actor=given.member, list_id=todo.pk, title="warm")
    listener = GroupListener(given.board.pk)
    settings.LIVE_PUBLISH_TIMEOUT_SECONDS = 30
    assert redis_server.process is not None
    os.kill(redis_server.process.pid, signal.SIGSTOP)  # Redis hangs: nothing answers
    try:
        task_services.task_create(board=given.board, actor=given.member, list_id=todo.pk, title="queued")
        # The write is done; its event is still on its way.
        assert not _publisher().flush(timeout=0.2)
    finally:
        os.kill(redis_server.process.pid, signal.SIGCONT)

    assert _publisher().flush(timeout=10)
    message = listener.receive()
    assert (message["verb"], message["data"]["title"]) == ("task.created", "queued")


def test_one_process_publishes_its_events_in_commit_order(redis_server: Any) -> None:
    given = board_with_roles()
    todo = BoardListFactory.create(board=given.board)
    listener = GroupListener(given.board.pk)

    for n in range(30):
        task_services.task_create(board=given.board, actor=given.member, list_id=todo.pk, title=f"t{n}")

    assert [listener.receive()["seq"] for _ in range(30)] == list(range(1, 31))
