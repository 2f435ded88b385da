"""/readyz: can this process serve with what it depends on? (docs/operations.md "/readyz").

Four checks — the primary, the replicas, the cache, the broker — run at once, each in a
thread of a small per-process pool, and the answer waits for them until one deadline
(READYZ_TIMEOUT_SECONDS): a dependency that hangs (accepts the connection, never answers)
is reported as "timeout" instead of holding the request. A check still running from an
earlier request is waited for again rather than started twice, so a hung dependency holds
one thread per process, however often /readyz is asked. The answer is kept for
READYZ_CACHE_SECONDS and concurrent requests share one evaluation: /readyz costs the
dependencies at most one round of checks per process per interval.

A replica that is down or behind is reported but leaves the answer 200 (reads fall back to
the primary: taskboard/db/replicas.py); the primary, the cache or the broker not answering
makes it 503. What the checks found in detail (error texts, addresses) goes to the log, not
into the answer, which anyone who can reach the process may read.
"""

import logging
import os
import sqlite3
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor, wait
from typing import Any

import psycopg
import redis
from django.conf import settings
from django.core.cache import cache
from django.db import DEFAULT_DB_ALIAS, connections

from taskboard.db.replicas import get_monitor, probe_params

logger = logging.getLogger(__name__)

OK = "ok"
DOWN = "down"
TIMEOUT = "timeout"
LAGGING = "lagging"
DEGRADED = "degraded"
UNAVAILABLE = "unavailable"
NONE = "none"
UNKNOWN = "unknown"
# Checks whose failure makes the answer 503. Replicas only degrade it.
REQUIRED = ("primary", "cache", "broker")
# Socket timeouts of the checks' own clients: they bound how long a hung check keeps its
# thread; the answer does not wait that long (READYZ_TIMEOUT_SECONDS).
REDIS_SOCKET_TIMEOUT_SECONDS = 2.0
SQLITE_TIMEOUT_SECONDS = 2.0

Check = Callable[[], dict[str, Any]]


def _error_name(exc: BaseException) -> str:
    return type(exc).__name__


# -- the checks ---------------------------------------------------------------------------------


class _PrimaryProbe:
    """One small autocommit connection of its own (not the request pool: a pool waiting on a
    dead primary would make the check as slow as the requests), reopened after a failure."""

    def __init__(self) -> None:
        self._conn: psycopg.Connection[Any] | None = None
        self._params: dict[str, Any] | None = None

    def __call__(self) -> dict[str, Any]:
        settings_dict = connections[DEFAULT_DB_ALIAS].settings_dict
        if settings_dict["ENGINE"].endswith("sqlite3"):
            return _sqlite_check(str(settings_dict["NAME"]))
        params = probe_params(settings_dict)
        params["application_name"] = "taskboard-readyz"
        try:
            if self._conn is None or self._conn.closed or params != self._params:
                self._close()
                self._conn = psycopg.connect(**params, autocommit=True)
                self._params = params
            self._conn.execute("SELECT 1").fetchone()
        except psycopg.Error as exc:
            self._close()
            logger.warning("readyz: the primary does not answer: %s", str(exc).strip())
            return {"status": DOWN, "error": _error_name(exc)}
        return {"status": OK}

    def _close(self) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            try:
                conn.close()
            except psycopg.Error:
                logger.debug("readyz: closing the primary probe failed", exc_info=True)


def _sqlite_check(path: str) -> dict[str, Any]:
    try:
        # uri=True with mode=rw: a missing file is an error, not a new empty database.
        conn = sqlite3.connect(f"file:{path}?mode=rw", uri=True, timeout=SQLITE_TIMEOUT_SECONDS)
        try:
            conn.execute("SELECT 1").fetchone()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        logger.warning("readyz: the SQLite database does not answer: %s", exc)
        return {"status": DOWN, "error": _error_name(exc)}
    return {"status": OK}


def replicas_check() -> dict[str, Any]:
    """The replica monitor's view (checked first when a check is due): down or lagging
    replicas are skipped by reads, which go to the primary instead."""
    monitor = get_monitor()
    if not monitor.replica_aliases:
        return {"status": NONE, "replicas": {}}
    monitor.check_if_due()
    replicas: dict[str, dict[str, Any]] = {}
    for alias in monitor.replica_aliases:
        state = monitor.state(alias)
        if state.healthy:
            status = OK
        elif state.lag_seconds is not None and state.reason.startswith("lag "):
            status = LAGGING
        elif state.healthy is None:
            status = UNKNOWN  # never checked yet: the first check is running in another thread
        else:
            status = DOWN
        entry: dict[str, Any] = {"status": status}
        if state.lag_seconds is not None:
            entry["lag_seconds"] = round(state.lag_seconds, 3)
        replicas[alias] = entry
    healthy = sum(entry["status"] == OK for entry in replicas.values())
    return {"status": OK if healthy == len(replicas) else DEGRADED, "replicas": replicas}


def cache_check() -> dict[str, Any]:
    """Redis answers PING (the cache swallows Redis errors, so it is asked directly); the
    local-memory cache of the embedded default is always there."""
    raw_client = getattr(getattr(cache, "client", None), "get_client", None)
    if raw_client is None:
        backend = "locmem" if "locmem" in settings.CACHES["default"]["BACKEND"] else "other"
        return {"status": OK, "backend": backend}
    try:
        raw_client(write=True).ping()
    except (redis.RedisError, OSError) as exc:
        logger.warning("readyz: the cache (Redis) does not answer: %s", exc)
        return {"status": DOWN, "backend": "redis", "error": _error_name(exc)}
    return {"status": OK, "backend": "redis"}


class _BrokerCheck:
    """Redis (the production broker) answers PING; the embedded default's folder broker is
    a writable folder. Other transports: a kombu connection."""

    def __init__(self) -> None:
        self._clients: dict[str, redis.Redis] = {}

    def __call__(self) -> dict[str, Any]:
        url = str(settings.CELERY_BROKER_URL)
        if url.startswith("filesystem://"):
            folder = str(settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("data_folder_in", ""))
            if folder and os.path.isdir(folder) and os.access(folder, os.W_OK):
                return {"status": OK, "transport": "filesystem"}
            logger.warning("readyz: the broker folder %s is missing or not writable", folder)
            return {"status": DOWN, "transport": "filesystem"}
        if url.startswith(("redis://", "rediss://", "unix://")):
            return self._redis(url)
        return self._kombu(url)

    def _redis(self, url: str) -> dict[str, Any]:
        client = self._clients.get(url)
        if client is None:
            client = redis.Redis.from_url(
                url,
                socket_connect_timeout=REDIS_SOCKET_TIMEOUT_SECONDS,
                socket_timeout=REDIS_SOCKET_TIMEOUT_SECONDS,
            )
            self._clients[url] = client
        try:
            client.ping()
        except (redis.RedisError, OSError) as exc:
            logger.warning("readyz: the broker (Redis) does not answer: %s", exc)
            return {"status": DOWN, "transport": "redis", "error": _error_name(exc)}
        return {"status": OK, "transport": "redis"}

    @staticmethod
    def _kombu(url: str) -> dict[str, Any]:
        from kombu import Connection

        transport = url.split("://", 1)[0]
        try:
            with Connection(url, connect_timeout=REDIS_SOCKET_TIMEOUT_SECONDS) as conn:
                conn.ensure_connection(max_retries=1)
        except Exception as exc:
            logger.warning("readyz: the broker does not answer: %s", _error_name(exc))
            return {"status": DOWN, "transport": transport, "error": _error_name(exc)}
        return {"status": OK, "transport": transport}


# -- running them ---------------------------------------------------------------------------------


class Readiness:
    """The checks of one process, run concurrently under a deadline, the answer cached."""

    def __init__(self, checks: dict[str, Check]) -> None:
        self.checks = checks
        self._executor = ThreadPoolExecutor(max_workers=len(checks), thread_name_prefix="readyz")
        self._pending: dict[str, Future[dict[str, Any]]] = {}
        self._lock = threading.Lock()
        self._answer: tuple[float, int, dict[str, Any]] | None = None

    def answer(self) -> tuple[int, dict[str, Any]]:
        """(HTTP status, body). Concurrent callers wait for one evaluation and share it."""
        with self._lock:
            now = time.monotonic()
            if self._answer is not None and now < self._answer[0]:
                return self._answer[1], self._answer[2]
            status, body = self._evaluate()
            self._answer = (time.monotonic() + float(settings.READYZ_CACHE_SECONDS), status, body)
            return status, body

    def _evaluate(self) -> tuple[int, dict[str, Any]]:
        futures = {name: self._future(name) for name in self.checks}
        wait(futures.values(), timeout=float(settings.READYZ_TIMEOUT_SECONDS))
        results: dict[str, dict[str, Any]] = {}
        for name, future in futures.items():
            if not future.done():
                logger.warning("readyz: the %s check did not answer in time", name)
                results[name] = {"status": TIMEOUT}
                continue
            self._pending.pop(name, None)
            try:
                results[name] = future.result()
            except Exception as exc:
                logger.exception("readyz: the %s check failed", name)
                results[name] = {"status": DOWN, "error": _error_name(exc)}
        if any(results[name]["status"] != OK for name in REQUIRED):
            return 503, {"status": UNAVAILABLE, "checks": results}
        overall = OK if results["replicas"]["status"] in (OK, NONE) else DEGRADED
        return 200, {"status": overall, "checks": results}

    def _future(self, name: str) -> Future[dict[str, Any]]:
        pending = self._pending.get(name)
        if pending is not None and not pending.done():
            return pending  # still running since an earlier request: wait for it again
        future = self._executor.submit(self.checks[name])
        self._pending[name] = future
        return future


def default_checks() -> dict[str, Check]:
    return {
        "primary": _PrimaryProbe(),
        "replicas": replicas_check,
        "cache": cache_check,
        "broker": _BrokerCheck(),
    }


# One per process: a forked gunicorn worker builds its own (threads don't survive a fork).
_readiness: dict[int, Readiness] = {}


def get_readiness() -> Readiness:
    pid = os.getpid()
    readiness = _readiness.get(pid)
    if readiness is None:
        readiness = _readiness.setdefault(pid, Readiness(default_checks()))
    return readiness


def reset_readiness() -> None:
    """Forget this process's checks and cached answer (tests)."""
    _readiness.pop(os.getpid(), None)
