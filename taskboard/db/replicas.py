"""Replica health and lag, measured lazily by each process on its own small connections.

No background thread: a check runs inline, in whichever thread first needs replica health
after REPLICA_CHECK_INTERVAL_SECONDS have passed (the others keep using the last result).
That survives gunicorn's fork, and an idle process costs the databases nothing.

Lag is measured against the primary's WAL position, not with
`now() - pg_last_xact_replay_timestamp()`, which after a quiet hour reports an hour of lag
for a write made a second ago. Each check samples the primary's `pg_current_wal_lsn()`;
a replica whose replay position is at or past the newest sample has no lag, otherwise the
first WAL byte it lacks was written between the two samples around its replay position.
"""

import logging
import math
import os
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import psycopg
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections

from taskboard.metrics.families import db_replica_lag

logger = logging.getLogger(__name__)

# libpq's shortest connect timeout (psycopg rounds 1 up to 2).
PROBE_CONNECT_TIMEOUT_SECONDS = 2
PROBE_STATEMENT_TIMEOUT_MS = 1000
# Enough history to tell "lagging a few seconds" from "lagging minutes"; a replica further
# behind than the oldest sample is reported as at least that far behind.
WAL_HISTORY_SAMPLES = 600
# Django-only keys of DATABASES[...]["OPTIONS"] that libpq does not understand.
_DJANGO_ONLY_OPTIONS = {
    "pool",
    "isolation_level",
    "assume_role",
    "server_side_binding",
    "prepare_threshold",
    "cursor_factory",
    "context",
}
# How long discarding a dead replica's pool waits for the pool's threads to stop.
POOL_CLOSE_TIMEOUT_SECONDS = 0.2
UNREACHABLE = "unreachable"
PRIMARY_SQL = "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '0/0')"
REPLICA_SQL = "SELECT pg_is_in_recovery(), pg_wal_lsn_diff(pg_last_wal_replay_lsn(), '0/0')"


@dataclass(frozen=True)
class ReplicaState:
    # None until the first check.
    healthy: bool | None = None
    lag_seconds: float | None = None
    # Why it is unhealthy ("" when healthy).
    reason: str = ""


class WalHistory:
    """The primary's WAL position over time: (monotonic time, lsn), oldest first."""

    def __init__(self, maxlen: int = WAL_HISTORY_SAMPLES) -> None:
        self._samples: deque[tuple[float, int]] = deque(maxlen=maxlen)

    def __len__(self) -> int:
        return len(self._samples)

    def add(self, at: float, lsn: int) -> None:
        samples = self._samples
        # A quiet primary repeats its position: keeping the first and the last sample of
        # each run is all the lag estimate needs, and the history then spans more time.
        if len(samples) >= 2 and samples[-1][1] == lsn and samples[-2][1] == lsn:
            samples[-1] = (at, lsn)
        else:
            samples.append((at, lsn))

    def lag(self, replay_lsn: int, now: float, dense_gap: float) -> float | None:
        """Seconds since the primary wrote the first WAL byte the replica has not replayed.

        Between two samples taken at most `dense_gap` apart the WAL is assumed to grow
        evenly. Across a longer gap (the process was idle) nothing is known about when the
        missing WAL was written, so the answer is the lower bound, the time since the later
        sample: right after an idle hour a fresh write then counts as fresh, and a replica
        that is really stuck crosses the lag limit at most that limit later.
        """
        if not self._samples:
            return None
        if replay_lsn >= self._samples[-1][1]:
            return 0.0
        later_at, later_lsn = self._samples[-1]
        for at, lsn in reversed(self._samples):
            if lsn <= replay_lsn:
                if later_at - at > dense_gap:
                    return max(0.0, now - later_at)
                written_at = at + (later_at - at) * (replay_lsn - lsn) / (later_lsn - lsn)
                return max(0.0, now - written_at)
            later_at, later_lsn = at, lsn
        # Behind even the oldest sample: at least this far behind.
        return max(0.0, now - later_at)


def probe_params(settings_dict: dict[str, Any]) -> dict[str, Any]:
    """libpq parameters for a monitor connection to the database Django uses for an alias."""
    params = {
        key: value
        for key, value in settings_dict.get("OPTIONS", {}).items()
        if key not in _DJANGO_ONLY_OPTIONS
    }
    params["dbname"] = settings_dict.get("NAME") or "postgres"
    for key, name in (("USER", "user"), ("PASSWORD", "password"), ("HOST", "host"), ("PORT", "port")):
        if settings_dict.get(key):
            params[name] = settings_dict[key]
    params["connect_timeout"] = PROBE_CONNECT_TIMEOUT_SECONDS
    params["application_name"] = "taskboard-replica-monitor"
    timeout = f"-c statement_timeout={PROBE_STATEMENT_TIMEOUT_MS}"
    params["options"] = f"{params['options']} {timeout}" if params.get("options") else timeout
    return params


class _Probe:
    """One small autocommit connection to one server, reopened after any failure."""

    def __init__(self) -> None:
        self._conn: psycopg.Connection[Any] | None = None
        self._params: dict[str, Any] | None = None

    def fetchone(self, params: dict[str, Any], sql: str) -> tuple[Any, ...]:
        if self._conn is not None and (self._conn.closed or params != self._params):
            self.close()
        if self._conn is not None:
            try:
                return self._fetchone(self._conn, sql)
            except psycopg.Error:
                # Kept since the last check: the server may have restarted in between.
                self.close()
        self._conn = psycopg.connect(**params, autocommit=True)
        self._params = params
        try:
            return self._fetchone(self._conn, sql)
        except psycopg.Error:
            self.close()
            raise

    @staticmethod
    def _fetchone(conn: psycopg.Connection[Any], sql: str) -> tuple[Any, ...]:
        row = conn.execute(sql).fetchone()
        assert row is not None
        return tuple(row)

    def close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except psycopg.Error:
                logger.debug("Closing a replica monitor connection failed", exc_info=True)


class ReplicaMonitor:
    """Health and lag of each replica alias, as seen by this process."""

    def __init__(self, replica_aliases: Sequence[str], primary_alias: str = DEFAULT_DB_ALIAS) -> None:
        self.primary_alias = primary_alias
        self.replica_aliases = tuple(replica_aliases)
        self.primary_reachable: bool | None = None
        self._history = WalHistory()
        self._probes = {alias: _Probe() for alias in (primary_alias, *self.replica_aliases)}
        self._states = {alias: ReplicaState() for alias in self.replica_aliases}
        # monotonic time each alias was last marked down by a failed query.
        self._marked_down_at: dict[str, float] = {}
        self._next_check_at = 0.0
        self._check_lock = threading.Lock()
        self._state_lock = threading.Lock()

    @classmethod
    def from_settings(cls) -> "ReplicaMonitor":
        return cls([alias for alias in settings.DATABASES if alias != DEFAULT_DB_ALIAS])

    def state(self, alias: str) -> ReplicaState:
        return self._states[alias]

    def healthy_replicas(self) -> list[str]:
        """The replicas a read may use now (checking them first when a check is due)."""
        if not self.replica_aliases:
            return []
        self.check_if_due()
        return [alias for alias in self.replica_aliases if self._states[alias].healthy]

    def check_if_due(self) -> None:
        if time.monotonic() < self._next_check_at:
            return
        # One thread checks; the others go on with the last result instead of queueing.
        if not self._check_lock.acquire(blocking=False):
            return
        try:
            if time.monotonic() >= self._next_check_at:
                self._check()
        finally:
            self._check_lock.release()

    def check_now(self) -> None:
        """Check every replica now (waiting for a check another thread is running)."""
        with self._check_lock:
            self._check()

    def mark_down(self, alias: str, reason: str) -> None:
        """A query on the replica failed: skip it until a check started after now passes."""
        with self._state_lock:
            self._marked_down_at[alias] = time.monotonic()
            previous = self._states[alias]
            self._states[alias] = ReplicaState(
                healthy=False, lag_seconds=previous.lag_seconds, reason=f"query failed: {reason}"
            )
        logger.warning("Replica %s marked down after a failed query: %s", alias, reason)
        discard_pool(alias)

    def close(self) -> None:
        for probe in self._probes.values():
            probe.close()

    def _check(self) -> None:
        if not self.replica_aliases:
            return
        started = time.monotonic()
        interval = float(settings.REPLICA_CHECK_INTERVAL_SECONDS)
        self._next_check_at = started + interval
        self._sample_primary()
        for alias in self.replica_aliases:
            state = self._check_replica(alias, dense_gap=2 * interval)
            with self._state_lock:
                # A failed query that happened while this check ran wins over its result.
                if self._marked_down_at.get(alias, -math.inf) > started:
                    continue
                previous = self._states[alias]
                self._states[alias] = state
            if state.lag_seconds is not None:
                db_replica_lag.labels(alias).set(state.lag_seconds)
            if state.reason.startswith(UNREACHABLE):
                discard_pool(alias)
            if state.healthy != previous.healthy:
                if state.healthy:
                    logger.info("Replica %s is healthy (lag %.3f s)", alias, state.lag_seconds or 0.0)
                else:
                    logger.warning("Replica %s is unhealthy: %s", alias, state.reason)

    def _sample_primary(self) -> None:
        at = time.monotonic()
        try:
            (lsn,) = self._probes[self.primary_alias].fetchone(self._params(self.primary_alias), PRIMARY_SQL)
        except psycopg.Error as exc:
            if self.primary_reachable is not False:
                logger.warning("Replica monitor cannot reach the primary: %s", exc)
            self.primary_reachable = False
            return
        self.primary_reachable = True
        self._history.add(at, int(lsn))

    def _check_replica(self, alias: str, *, dense_gap: float) -> ReplicaState:
        try:
            in_recovery, replay_lsn = self._probes[alias].fetchone(self._params(alias), REPLICA_SQL)
        except psycopg.Error as exc:
            return ReplicaState(healthy=False, reason=f"{UNREACHABLE}: {str(exc).strip()}")
        if not in_recovery or replay_lsn is None:
            return ReplicaState(healthy=False, reason="not in recovery: not a streaming replica")
        lag = self._history.lag(int(replay_lsn), time.monotonic(), dense_gap)
        max_lag = float(settings.REPLICA_MAX_LAG_SECONDS)
        if lag is not None and lag > max_lag:
            return ReplicaState(
                healthy=False, lag_seconds=lag, reason=f"lag {lag:.1f} s exceeds {max_lag:g} s"
            )
        # Lag unknown means the primary is unreachable: serving reads is then the best we can do.
        return ReplicaState(healthy=True, lag_seconds=lag)

    def _params(self, alias: str) -> dict[str, Any]:
        # Read at each check: the test runner renames databases after startup.
        return probe_params(connections[alias].settings_dict)


def discard_pool(alias: str) -> None:
    """Throw away the psycopg pool of a replica that went away.

    psycopg_pool retries a dead server with exponential backoff, so the old pool could
    take minutes to reconnect once the replica is back; a request that needs the replica
    then builds a fresh pool, which connects at once. Connections lent out are closed
    when given back. (Not Django's close_pool(): two threads may discard at once.)
    """
    pools: dict[str, Any] = getattr(connections[alias], "_connection_pools", {})
    pool = pools.pop(alias, None)
    if pool is not None:
        pool.close(timeout=POOL_CLOSE_TIMEOUT_SECONDS)


# One monitor per process. A forked child builds its own and leaves its parent's untouched
# (and referenced): closing inherited connections would end the parent's sessions too.
_monitors: dict[int, ReplicaMonitor] = {}


def get_monitor() -> ReplicaMonitor:
    pid = os.getpid()
    monitor = _monitors.get(pid)
    if monitor is None:
        monitor = _monitors.setdefault(pid, ReplicaMonitor.from_settings())
    return monitor


def reset_monitor() -> None:
    """Forget this process's health data (tests; a settings change)."""
    monitor = _monitors.pop(os.getpid(), None)
    if monitor is not None:
        monitor.close()
