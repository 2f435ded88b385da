"""The replica monitor: health and lag of the real streaming replica, and the lag arithmetic."""

import os
import time

import pytest
from django.contrib.contenttypes.models import ContentType

from taskboard.db.replicas import ReplicaMonitor, WalHistory, get_monitor

from .urls import THING_APP

# -- the lag arithmetic, on made-up samples (time, lsn) ----------------------------------------


def history(*samples: tuple[float, int]) -> WalHistory:
    wal = WalHistory()
    for at, lsn in samples:
        wal.add(at, lsn)
    return wal


def test_a_replica_at_or_past_the_newest_sample_has_no_lag() -> None:
    wal = history((100.0, 1000), (101.0, 2000))

    assert wal.lag(2000, now=105.0, dense_gap=2.0) == 0.0
    assert wal.lag(2500, now=105.0, dense_gap=2.0) == 0.0


def test_between_close_samples_the_lag_is_interpolated() -> None:
    wal = history((100.0, 1000), (101.0, 2000), (102.0, 3000))

    # The replica has replayed up to the WAL written at 101.5.
    assert wal.lag(2500, now=104.0, dense_gap=2.0) == pytest.approx(2.5)
    assert wal.lag(2000, now=104.0, dense_gap=2.0) == pytest.approx(3.0)


def test_after_an_idle_gap_a_fresh_write_counts_as_fresh() -> None:
    # Sampled, then an hour of quiet; then a write, and the next check samples it.
    wal = history((100.0, 1000), (3700.0, 1200))

    # The naive measure would say an hour; all we know is "at least since the last sample".
    assert wal.lag(1000, now=3700.5, dense_gap=2.0) == pytest.approx(0.5)


def test_a_replica_behind_the_oldest_sample_is_at_least_that_far_behind() -> None:
    wal = history((100.0, 1000), (101.0, 2000))

    assert wal.lag(500, now=110.0, dense_gap=2.0) == pytest.approx(10.0)


def test_no_sample_means_no_lag_figure() -> None:
    assert WalHistory().lag(500, now=110.0, dense_gap=2.0) is None


def test_a_quiet_primary_keeps_the_first_and_last_sample_of_each_run() -> None:
    wal = history((100.0, 1000), (101.0, 1000), (102.0, 1000), (103.0, 1000), (104.0, 2000))

    assert len(wal) == 3
    # The first sample of the run still bounds how long the replica has been behind.
    assert wal.lag(900, now=110.0, dense_gap=2.0) == pytest.approx(10.0)
    # The last one dates the write that ended the run.
    assert wal.lag(1000, now=110.0, dense_gap=2.0) == pytest.approx(7.0)


# -- the real replica ---------------------------------------------------------------------------


def write_something() -> None:
    ContentType.objects.create(app_label=THING_APP, model=f"thing{time.monotonic_ns()}")


def checks_until(monitor: ReplicaMonitor, *, seconds: float, every: float = 0.1) -> list[float]:
    """Check the replica repeatedly for `seconds`; the lags it reported."""
    lags = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        monitor.check_now()
        lag = monitor.state("replica1").lag_seconds
        assert lag is not None
        lags.append(lag)
        time.sleep(every)
    return lags


def test_a_healthy_replica_has_no_lag(transactional_db, pg_cluster, monitor) -> None:
    pg_cluster.replica.wait_for_catchup()

    monitor.check_now()

    state = monitor.state("replica1")
    assert state.healthy is True
    # 0, or milliseconds if the primary logged something (a standby snapshot) in between.
    assert state.lag_seconds is not None
    assert 0.0 <= state.lag_seconds < 0.5
    assert state.reason == ""
    assert monitor.primary_reachable is True
    assert monitor.healthy_replicas() == ["replica1"]


def test_the_lag_shows_while_the_replica_is_delayed_and_is_gone_after_catch_up(
    transactional_db, pg_cluster, monitor, replica_delay, settings
) -> None:
    settings.REPLICA_CHECK_INTERVAL_SECONDS = 0.1
    replica_delay(2)
    monitor.check_now()

    write_something()
    delayed = checks_until(monitor, seconds=1.2)
    state_while_delayed = monitor.state("replica1")
    replica_delay.reset()  # no delay, and caught up
    monitor.check_now()

    # Over a second into a two-second delay, within the lag limit (5 s).
    assert 0.9 < max(delayed) < 2.5
    assert state_while_delayed.healthy is True
    caught_up_lag = monitor.state("replica1").lag_seconds
    assert caught_up_lag is not None
    assert 0.0 <= caught_up_lag < 0.5
    assert monitor.state("replica1").healthy is True


def test_a_replica_lagging_past_the_limit_is_skipped_until_it_catches_up(
    transactional_db, pg_cluster, monitor, replica_delay, settings
) -> None:
    settings.REPLICA_CHECK_INTERVAL_SECONDS = 0.1
    settings.REPLICA_MAX_LAG_SECONDS = 0.5
    replica_delay(2)
    monitor.check_now()

    write_something()
    checks_until(monitor, seconds=1.0)
    lagging = monitor.state("replica1")
    healthy_while_lagging = monitor.healthy_replicas()
    replica_delay.reset()
    monitor.check_now()

    assert lagging.healthy is False
    assert lagging.lag_seconds is not None
    assert lagging.lag_seconds > 0.5
    assert lagging.reason.startswith("lag ")
    assert healthy_while_lagging == []
    assert monitor.healthy_replicas() == ["replica1"]


def test_the_lag_right_after_an_idle_period_is_small(
    transactional_db, pg_cluster, monitor, replica_delay, settings
) -> None:
    settings.REPLICA_CHECK_INTERVAL_SECONDS = 0.1
    replica_delay(2)
    monitor.check_now()
    idle_seconds = 3.0
    time.sleep(idle_seconds)  # no check: the process is idle

    write_something()
    time.sleep(0.3)
    lags = checks_until(monitor, seconds=1.0)
    state = monitor.state("replica1")

    # Measured from the sample before the idle period, the lag would be over 3 s.
    assert lags[0] < 1.0
    assert max(lags) < idle_seconds
    # ...and it still grows while the replica stays behind.
    assert max(lags) > 0.5
    assert state.healthy is True


def test_a_stopped_replica_is_unhealthy_until_it_is_back(transactional_db, pg_cluster, monitor) -> None:
    monitor.check_now()
    pg_cluster.replica.stop()
    try:
        monitor.check_now()
        stopped = monitor.state("replica1")
    finally:
        pg_cluster.replica.start()
    monitor.check_now()

    assert stopped.healthy is False
    assert stopped.lag_seconds is None
    assert stopped.reason.startswith("unreachable: ")
    assert monitor.state("replica1").healthy is True


def test_a_server_that_is_not_in_recovery_is_not_a_healthy_replica(transactional_db) -> None:
    # The primary posing as a replica (a promoted replica, or a wrong URL).
    monitor = ReplicaMonitor(["default"])
    try:
        monitor.check_now()
        state = monitor.state("default")
    finally:
        monitor.close()

    assert state.healthy is False
    assert state.reason == "not in recovery: not a streaming replica"
    assert monitor.healthy_replicas() == []


def test_a_replica_marked_down_stays_down_until_a_later_check_passes(transactional_db, monitor) -> None:
    monitor.check_now()

    monitor.mark_down("replica1", "boom")
    marked = monitor.state("replica1")
    monitor.check_now()

    assert marked.healthy is False
    assert marked.reason == "query failed: boom"
    assert monitor.state("replica1").healthy is True


def test_the_monitor_checks_at_most_once_per_interval(transactional_db, monitor, settings) -> None:
    settings.REPLICA_CHECK_INTERVAL_SECONDS = 600
    monitor.check_if_due()
    monitor.mark_down("replica1", "boom")

    monitor.check_if_due()

    assert monitor.state("replica1").healthy is False


def test_a_forked_child_gets_its_own_monitor_and_leaves_the_parents_connections_alone(
    transactional_db, monitor
) -> None:
    monitor.check_now()  # the parent's monitor connections are open
    backends_before = monitor_backend_pids(monitor)

    pid = os.fork()
    if pid == 0:  # the child: gunicorn's worker after the fork
        child_monitor = get_monitor()
        child_monitor.check_now()
        ok = child_monitor is not monitor and child_monitor.state("replica1").healthy is True
        os._exit(0 if ok else 1)
    _, status = os.waitpid(pid, 0)
    monitor.check_now()

    assert os.waitstatus_to_exitcode(status) == 0
    # Had the child closed the inherited connections, the server would have ended those
    # sessions and the parent would have had to open new ones.
    assert monitor_backend_pids(monitor) == backends_before
    assert monitor.state("replica1").healthy is True


def monitor_backend_pids(monitor: ReplicaMonitor) -> dict[str, int]:
    # Private, for this test only: which server sessions the monitor is using.
    return {alias: probe._conn.info.backend_pid for alias, probe in monitor._probes.items()}  # type: ignore[union-attr]
