"""`make stack` for real, then failure drills against it (issue 17). Slow (a few minutes):
`make drills` only. Each drill prints its figures and asserts them.

The stack runs in var/stack-drill/ (not a developer's var/stack/) on the default ports, so
nginx must be free to take 127.0.0.1:8443: a developer's own `make stack` must be down
(fixtures: conftest.py). Every drill runs under the load test's crowd (`crowd`: locust,
bounded, local), beside its own measured clients; the crowd's failures are printed per
drill, and asserted 0 for its idempotent requests (GET) where the drill asserts 0.
The Redis and mail-worker drills: test_stack_mail_drills.py.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
import uuid
from dataclasses import dataclass
from typing import Any

import pytest

from .drill_load import Crowd
from .stack_client import (
    Api,
    Load,
    Writer,
    kill_node,
    leader_and_replica,
    live_event_after_write,
    make,
    primary,
    restart,
    running_pid,
    stop,
    writers,
)
from .stack_client import cluster as patroni_cluster
from .stack_client import synchronous_mode as stack_synchronous_mode

pytestmark = pytest.mark.drill


def _titles_in_database(stack: Any, titles: list[str]) -> dict[str, int]:
    with primary(stack) as conn:
        rows = conn.execute(
            "SELECT title, count(*) FROM tasks_task WHERE title = ANY(%s) GROUP BY title", (titles,)
        ).fetchall()
    return dict(rows)


def _post_task(writer: Writer) -> tuple[int, Any]:
    title = f"t-{uuid.uuid4().hex}"
    status, _, _ = writer.api.call(
        "POST", f"/api/v1/boards/{writer.board}/tasks/", {"list_id": writer.list_id, "title": title}
    )
    return status, title


def _read_from(writer: Writer) -> tuple[int, Any]:
    status, _, headers = writer.api.call("GET", f"/api/v1/boards/{writer.board}/tasks/")
    return status, headers.get("X-Taskboard-Read-From", "")


def test_make_stack_serves_a_login_and_a_board_write_through_nginx(stack: Any, api: Api) -> None:
    status, body, headers = api.call("GET", "/healthz")
    assert (status, body) == (200, {"status": "ok"})
    assert headers.get("X-Request-ID")

    board, list_id = api.new_board()
    status, title = _post_task(Writer(api, board, list_id))
    status_read, tasks, _ = api.call("GET", f"/api/v1/boards/{board}/tasks/")

    assert status == 201
    assert status_read == 200
    assert [task["title"] for task in tasks["results"]] == [title]
    hello, event = asyncio.run(live_event_after_write(stack, Writer(api, board, list_id)))
    assert (hello["type"], event["verb"]) == ("hello", "task.created")
    members = patroni_cluster(stack)
    print("patroni:", [(m["name"], m["role"], m["state"]) for m in members])
    assert sorted(m["role"] for m in members) == ["leader", "sync_standby"]


def test_a_gunicorn_killed_with_sigkill_costs_no_idempotent_request(stack: Any, crowd: Crowd) -> None:
    users = writers(stack, 5)
    pid = running_pid(stack, "web-0")
    assert pid is not None
    reads = Load(lambda i: _read_from(users[i]), threads=4)
    writes = Load(lambda i: _post_task(users[4]), threads=1)
    with reads, writes:
        time.sleep(2)
        # The master and its workers (one process group): the instance is gone at once.
        os.killpg(pid, signal.SIGKILL)
        time.sleep(8)
    stored = _titles_in_database(stack, writes.results + [f for f in writes.failures if isinstance(f, str)])
    twice = sum(1 for count in stored.values() if count > 1)
    print(
        f"kill -9 web-0: {reads.total} reads, {reads.failed} failed {reads.statuses}; "
        f"{writes.total} writes, {writes.failed} failed {writes.statuses}, {twice} applied twice"
    )
    crowd_figures = crowd.stop()
    assert reads.failed == 0
    assert reads.total > 20
    assert crowd_figures.failures.get("GET", 0) == 0
    assert twice == 0
    assert all(title in stored for title in writes.results)
    # `make stack` starts what is missing.
    assert make("stack").returncode == 0
    assert running_pid(stack, "web-0") is not None


def test_stopping_the_replica_moves_reads_to_the_primary_and_back(stack: Any, crowd: Crowd) -> None:
    users = writers(stack, 2)
    _, replica = leader_and_replica(stack)
    assert replica is not None
    with Load(lambda i: _read_from(users[i]), threads=2) as reads:
        time.sleep(2)
        stop(stack, f"patroni-{replica}")
        stopped_at = time.monotonic()
        time.sleep(10)
        after_stop = list(reads.results[-10:])
    print(
        f"replica {replica} stopped: {reads.total} reads, {reads.failed} failed {reads.statuses}; "
        f"last ones read from: {after_stop}"
    )
    assert reads.failed == 0
    assert crowd.stop().failures.get("GET", 0) == 0
    assert after_stop
    assert all("replica" not in read_from for read_from in after_stop)

    assert make("stack").returncode == 0
    back = None
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        status, read_from = _read_from(users[0])
        if status == 200 and "replica1" in read_from:
            back = time.monotonic() - stopped_at
            break
        time.sleep(0.5)
    print(f"reads back on the replica {back and round(back, 1)}s after it was stopped (restart included)")
    assert back is not None


@pytest.mark.parametrize("name", ["pgbouncer", "etcd"])
def test_restarting_pgbouncer_or_etcd_needs_no_restart_of_the_app(
    stack: Any, crowd: Crowd, name: str
) -> None:
    users = writers(stack, 2)
    leader, _ = leader_and_replica(stack)
    reads = Load(lambda i: _read_from(users[i]), threads=2)
    writes = Load(lambda i: _post_task(users[i]), threads=2)
    with reads, writes:
        time.sleep(2)
        restart(stack, name)
        restarted_at = time.monotonic()
        time.sleep(10)
        tail = (reads.total, writes.total, reads.failed, writes.failed)
        # The app recovered by itself: the last 5 s without a failure.
        time.sleep(5)
    late_failures = (reads.failed - tail[2]) + (writes.failed - tail[3])
    last = max(filter(None, (reads.last_failure_at, writes.last_failure_at)), default=None)
    recovery = last - restarted_at if last else 0.0
    print(
        f"restart {name}: {reads.total} reads, {reads.failed} failed {reads.statuses}; "
        f"{writes.total} writes, {writes.failed} failed {writes.statuses}; "
        f"last failure {recovery:.1f}s after the restart"
    )
    crowd.stop()
    assert late_failures == 0
    assert leader_and_replica(stack)[0] == leader
    acknowledged = list(writes.results)
    assert len(_titles_in_database(stack, acknowledged)) == len(acknowledged)


@dataclass
class Failover:
    leader: str
    replica: str
    new_leader: str
    recovery: float
    acknowledged: int
    lost: int


def _kill_the_primary_under_writes(stack: Any) -> Failover:
    """kill -9 of the primary node while two users write; until writes have succeeded for
    5 s after the last failure (or a minute passed); then every acknowledged write looked up."""
    users = writers(stack, 2)
    leader, replica = leader_and_replica(stack)
    assert replica is not None
    with Load(lambda i: _post_task(users[i]), threads=2) as writes:
        time.sleep(3)
        before = writes.ok
        kill_node(stack, leader)
        killed_at = time.monotonic()
        deadline = killed_at + 60
        while time.monotonic() < deadline:
            time.sleep(0.5)
            last = writes.last_failure_at
            if last is not None and last > killed_at and time.monotonic() - last > 5:
                break
    # Writes succeed again: every write sent after this moment succeeded.
    recovery = (writes.last_failure_sent_at - killed_at) if writes.last_failure_sent_at else 0.0
    answered = (writes.last_failure_at - killed_at) if writes.last_failure_at else 0.0
    acknowledged = list(writes.results)
    stored = _titles_in_database(stack, acknowledged)
    lost = [title for title in acknowledged if title not in stored]
    result = Failover(leader, replica, leader_and_replica(stack)[0], recovery, len(acknowledged), len(lost))
    print(
        f"kill -9 primary {leader} (synchronous_mode {stack_synchronous_mode(stack)}): new primary "
        f"{result.new_leader}; {writes.total} writes ({before} before the kill), {writes.failed} failed "
        f"{writes.statuses}; every write sent {recovery:.1f}s after the kill or later succeeded "
        f"(the last failure answered at {answered:.1f}s); "
        f"{result.acknowledged} acknowledged, {result.lost} lost"
    )
    return result


def _rejoin(stack: Any, old_leader: str, env: dict[str, str] | None = None) -> None:
    """The old primary comes back as a replica (pg_rewind), and the stack is whole again."""
    assert make("stack", env).returncode == 0
    members = patroni_cluster(stack)
    print("patroni after rejoin:", [(m["name"], m["role"], m["state"]) for m in members])
    assert {m["name"]: m["role"] for m in members}[old_leader] in ("replica", "sync_standby")


def test_killing_the_primary_promotes_the_replica_and_loses_no_acknowledged_write(
    stack: Any, crowd: Crowd
) -> None:
    failover = _kill_the_primary_under_writes(stack)
    crowd.stop()

    assert failover.new_leader == failover.replica
    assert failover.recovery < 30
    assert failover.lost == 0
    _rejoin(stack, failover.leader)


def test_without_synchronous_replication_a_failover_may_lose_acknowledged_writes(
    stack: Any, crowd: Crowd
) -> None:
    # STACK_SYNC=0 turns Patroni's synchronous_mode off on the running cluster.
    assert make("stack", {"STACK_SYNC": "0"}).returncode == 0
    assert stack_synchronous_mode(stack) is False

    failover = _kill_the_primary_under_writes(stack)
    crowd.stop()

    # Measured, not bounded: what the replica had not replayed when the primary died is gone
    # (on one machine the replica is milliseconds behind, so usually none of it).
    assert failover.new_leader == failover.replica
    assert failover.recovery < 30
    _rejoin(stack, failover.leader, {"STACK_SYNC": "0"})
