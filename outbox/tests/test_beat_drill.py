"""Two beats at once (a drill: ~20 s, run by `make drills`, not by `make test`).

The issue asks for five minutes with the reminders' schedule; one sweep a second for a
stretch proves the same thing faster: with both beats running, runs come once a second, not
twice, and when the active beat is killed the standby continues after the lock expires.
"""

import time
from pathlib import Path

import pytest

from tests.plugins.redis_server import RedisServer

from .drill_processes import Process, beat, beat_env, wait_for

pytestmark = [pytest.mark.drill, pytest.mark.django_db(transaction=True)]
BEATS_DB = 6


def sweeps_sent(redis_server: RedisServer) -> int:
    """Sweep messages beat put on the `default` queue of the drill's broker (no worker)."""
    client = redis_server.client(BEATS_DB)
    return sum(b"outbox.sweep" in message for message in client.lrange("default", 0, -1))


def test_two_beats_send_each_run_once_and_the_standby_takes_over(
    drill_env: dict[str, str], redis_server: RedisServer, tmp_path: Path, processes: list[Process]
) -> None:
    redis_server.client(BEATS_DB).flushdb()
    env = beat_env({**drill_env, "CELERY_BROKER_URL": redis_server.url(BEATS_DB)})
    beats = [beat(env, tmp_path, "beat-a"), beat(env, tmp_path, "beat-b")]
    processes.extend(beats)
    wait_for(lambda: sweeps_sent(redis_server) > 0, timeout=30, what="the first sweep")

    # Both running: one sweep a second, not two.
    started, count_at_start = time.monotonic(), sweeps_sent(redis_server)
    time.sleep(8)
    together = sweeps_sent(redis_server) - count_at_start
    elapsed = time.monotonic() - started
    # Beat's interval drifts a little past the second: fewer runs than seconds, never more.
    assert elapsed * 0.6 <= together <= elapsed + 1, (together, elapsed)
    [active] = [process for process in beats if "Acquired lock" in process.log]

    # The active one killed: the standby takes over once the lock expires (4 s), and the
    # runs go on once a second: none doubled, none lost beyond the gap.
    active.kill()
    killed_at, count_at_kill = time.monotonic(), sweeps_sent(redis_server)
    wait_for(lambda: sweeps_sent(redis_server) > count_at_kill, timeout=15, what="the standby's first sweep")
    takeover = time.monotonic() - killed_at
    time.sleep(4)
    after = sweeps_sent(redis_server) - count_at_kill
    assert after <= time.monotonic() - killed_at - takeover + 2, (after, takeover)
    assert takeover <= 4 + 2, takeover
    print(f"\ntwo beats: {together} sweeps in {elapsed:.1f}s; takeover after kill -9 in {takeover:.1f}s")
