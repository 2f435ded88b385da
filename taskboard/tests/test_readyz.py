"""/readyz: the shape of docs/api.md, each dependency really stopped or hung, and the
machinery that keeps the answer fast and cheap (taskboard/ops/readiness.py)."""

import os
import signal
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any
from unittest import mock

import pytest
from django.db import connections
from django.test import Client

from taskboard.db.replicas import reset_monitor
from taskboard.ops import readiness
from taskboard.ops.readiness import Readiness, get_readiness, reset_readiness
from tests.plugins.processes import free_port

CHECKS = {"primary", "replicas", "cache", "broker"}


@pytest.fixture(autouse=True)
def fresh_readiness(settings: Any) -> Iterator[None]:
    settings.READYZ_CACHE_SECONDS = 0
    reset_readiness()
    reset_monitor()  # replica health seen by an earlier test must not show here
    yield
    reset_readiness()
    reset_monitor()


class HangingPeer:
    """A TCP server that accepts connections and never says a word: a dependency that hangs."""

    def __init__(self) -> None:
        self.port = free_port()
        self._server = socket.create_server(("127.0.0.1", self.port))
        self._accepted: list[socket.socket] = []
        self._stopped = threading.Event()
        self._thread = threading.Thread(target=self._accept, daemon=True)
        self._thread.start()

    def _accept(self) -> None:
        self._server.settimeout(0.1)
        while not self._stopped.is_set():
            try:
                conn, _ = self._server.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            self._accepted.append(conn)

    @property
    def connections_accepted(self) -> int:
        return len(self._accepted)

    def close(self) -> None:
        self._stopped.set()
        self._thread.join()
        self._server.close()
        for conn in self._accepted:
            conn.close()


@pytest.fixture
def hanging_peer() -> Iterator[HangingPeer]:
    peer = HangingPeer()
    yield peer
    peer.close()


def readyz(client: Client) -> tuple[int, dict[str, Any]]:
    response = client.get("/readyz")
    assert response["Content-Type"] == "application/json"
    assert response["Cache-Control"].startswith("max-age=0")
    return response.status_code, response.json()


# -- all up ---------------------------------------------------------------------------------------


def test_with_everything_up_it_answers_200_ok_with_each_check(
    client: Client, db: None, pg_or_sqlite: str
) -> None:
    status, body = readyz(client)

    assert status == 200
    assert set(body) == {"status", "checks"}
    assert set(body["checks"]) == CHECKS
    assert body["status"] == "ok"
    assert body["checks"]["primary"] == {"status": "ok"}
    if pg_or_sqlite == "postgresql":
        assert body["checks"]["replicas"]["status"] == "ok"
        assert body["checks"]["replicas"]["replicas"]["replica1"]["status"] == "ok"
        assert body["checks"]["cache"] == {"status": "ok", "backend": "redis"}
        assert body["checks"]["broker"] == {"status": "ok", "transport": "redis"}
    else:
        # The embedded default: no replica, the local-memory cache, the folder broker.
        assert body["checks"]["replicas"] == {"status": "none", "replicas": {}}
        assert body["checks"]["cache"] == {"status": "ok", "backend": "locmem"}
        assert body["checks"]["broker"] == {"status": "ok", "transport": "filesystem"}


@pytest.fixture
def pg_or_sqlite() -> str:
    return connections["default"].vendor if connections["default"].vendor == "postgresql" else "sqlite"


def test_readyz_refuses_writes(client: Client) -> None:
    assert client.post("/readyz").status_code == 405


def test_a_missing_broker_folder_is_503(client: Client, settings: Any, tmp_path: Any) -> None:
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(tmp_path / "gone")}

    status, body = readyz(client)

    assert status == 503
    assert body["status"] == "unavailable"
    assert body["checks"]["broker"] == {"status": "down", "transport": "filesystem"}


# -- stopped ---------------------------------------------------------------------------------------


@pytest.mark.postgresql
def test_a_stopped_replica_is_reported_and_keeps_200(client: Client, pg_cluster: Any) -> None:
    pg_cluster.replica.stop()

    status, body = readyz(client)

    assert status == 200
    assert body["status"] == "degraded"
    assert body["checks"]["replicas"] == {"status": "degraded", "replicas": {"replica1": {"status": "down"}}}
    assert body["checks"]["primary"] == {"status": "ok"}


@pytest.mark.postgresql
def test_a_replica_behind_is_reported_as_lagging_and_keeps_200(
    client: Client, transactional_db: None, replica_delay: Any, settings: Any
) -> None:
    settings.REPLICA_CHECK_INTERVAL_SECONDS = 0.05
    settings.REPLICA_MAX_LAG_SECONDS = 0.3
    replica_delay(2)
    readyz(client)  # the monitor's first sample of the primary

    from django.contrib.contenttypes.models import ContentType

    ContentType.objects.create(app_label="readyz_test", model=f"thing{time.monotonic_ns()}")
    seen: list[dict[str, Any]] = []
    for _ in range(40):  # until the lag passes the limit: about half a second
        status, body = readyz(client)
        seen.append(body["checks"]["replicas"])
        if body["checks"]["replicas"]["status"] != "ok":
            break
        time.sleep(0.05)

    assert status == 200
    assert body["status"] == "degraded"
    replica = body["checks"]["replicas"]["replicas"]["replica1"]
    assert replica["status"] == "lagging", seen
    assert replica["lag_seconds"] > 0.3


@pytest.mark.postgresql
def test_a_stopped_primary_is_503(client: Client, pg_cluster: Any) -> None:
    pg_cluster.primary.stop()

    status, body = readyz(client)

    assert status == 503
    assert body["status"] == "unavailable"
    assert body["checks"]["primary"] == {"status": "down", "error": "OperationalError"}


@pytest.mark.redis
def test_a_stopped_redis_is_503_for_the_cache_and_the_broker(client: Client, redis_server: Any) -> None:
    redis_server.stop()

    status, body = readyz(client)

    assert status == 503
    assert body["status"] == "unavailable"
    assert body["checks"]["cache"]["status"] == "down"
    assert body["checks"]["broker"]["status"] == "down"
    assert body["checks"]["primary"] == {"status": "ok"}


# -- hung -----------------------------------------------------------------------------------------


@pytest.mark.redis
def test_a_hung_redis_is_reported_as_timeout_instead_of_holding_the_answer(
    client: Client, redis_server: Any
) -> None:
    readyz(client)  # the clients' connections are open before Redis stops answering
    os.killpg(redis_server.process.pid, signal.SIGSTOP)
    try:
        status, body = readyz(client)
    finally:
        os.killpg(redis_server.process.pid, signal.SIGCONT)

    assert status == 503
    assert body["checks"]["cache"]["status"] == "timeout"
    assert body["checks"]["broker"]["status"] == "timeout"
    assert body["checks"]["primary"] == {"status": "ok"}


@pytest.mark.postgresql
def test_a_primary_that_accepts_and_never_answers_is_a_timeout(
    client: Client, hanging_peer: HangingPeer
) -> None:
    hung = {"HOST": "127.0.0.1", "PORT": str(hanging_peer.port)}
    with mock.patch.dict(connections["default"].settings_dict, hung):
        status, body = readyz(client)

    assert hanging_peer.connections_accepted >= 1  # the probe (and the replica monitor sampling it)
    assert status == 503
    assert body["checks"]["primary"] == {"status": "timeout"}


@pytest.mark.postgresql
def test_a_replica_that_accepts_and_never_answers_is_a_timeout_and_keeps_200(
    client: Client, hanging_peer: HangingPeer
) -> None:
    hung = {"HOST": "127.0.0.1", "PORT": str(hanging_peer.port)}
    with mock.patch.dict(connections["replica1"].settings_dict, hung):
        status, body = readyz(client)

    assert status == 200
    assert body["status"] == "degraded"
    assert body["checks"]["replicas"] == {"status": "timeout"}
    assert body["checks"]["primary"] == {"status": "ok"}


def test_a_broker_that_accepts_and_never_answers_is_a_timeout(
    client: Client, db: None, settings: Any, hanging_peer: HangingPeer
) -> None:
    settings.CELERY_BROKER_URL = f"redis://127.0.0.1:{hanging_peer.port}/1"

    status, body = readyz(client)

    assert status == 503
    assert body["checks"]["broker"] == {"status": "timeout"}
    assert body["checks"]["primary"] == {"status": "ok"}


# -- the machinery -----------------------------------------------------------------------------


def _fine() -> dict[str, Any]:
    return {"status": "ok"}


def test_a_hung_check_is_waited_for_again_not_started_twice(settings: Any) -> None:
    settings.READYZ_TIMEOUT_SECONDS = 0.1
    release = threading.Event()
    calls = []

    def hanging() -> dict[str, Any]:
        calls.append(1)
        release.wait(10)
        return {"status": "ok"}

    checks = Readiness({"primary": _fine, "replicas": _fine, "cache": hanging, "broker": _fine})
    first = checks.answer()
    second = checks.answer()
    release.set()
    time.sleep(0.05)
    third = checks.answer()

    assert first == (
        503,
        {"status": "unavailable", "checks": {**first[1]["checks"], "cache": {"status": "timeout"}}},
    )
    assert second[1]["checks"]["cache"] == {"status": "timeout"}
    # One run of the hung check for the two answers; the third got its result and ran again.
    assert len(calls) == 2
    assert third == (
        200,
        {
            "status": "ok",
            "checks": {name: {"status": "ok"} for name in CHECKS},
        },
    )


def test_answers_within_the_cache_interval_share_one_round_of_checks(settings: Any) -> None:
    settings.READYZ_CACHE_SECONDS = 60
    calls = []

    def counted() -> dict[str, Any]:
        calls.append(1)
        return {"status": "ok"}

    checks = Readiness({"primary": counted, "replicas": _fine, "cache": _fine, "broker": _fine})
    answers = [checks.answer() for _ in range(5)]

    assert len(calls) == 1
    assert all(answer == answers[0] for answer in answers)


def test_a_check_that_raises_is_down_and_does_not_break_the_answer() -> None:
    def broken() -> dict[str, Any]:
        raise RuntimeError("boom")

    status, body = Readiness({"primary": _fine, "replicas": broken, "cache": _fine, "broker": _fine}).answer()

    assert status == 200
    assert body["status"] == "degraded"
    assert body["checks"]["replicas"] == {"status": "down", "error": "RuntimeError"}


def test_each_process_has_its_own_checks() -> None:
    assert get_readiness() is get_readiness()
    assert readiness._readiness == {os.getpid(): get_readiness()}
