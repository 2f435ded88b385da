"""Where web requests read, through the real primary and streaming replica."""

import time

import pytest
from asgiref.sync import async_to_sync
from django.contrib.contenttypes.models import ContentType
from django.db import connections
from django.test import Client
from django.test.utils import CaptureQueriesContext

from taskboard.db.config import REPLICA_POOL_TIMEOUT_SECONDS
from taskboard.db.replicas import PROBE_CONNECT_TIMEOUT_SECONDS

from .urls import THING_APP

pytestmark = pytest.mark.urls("tests.db.urls")

READ_FROM = "X-Taskboard-Read-From"


def thing_queries(captured: CaptureQueriesContext) -> list[str]:
    return [query["sql"] for query in captured.captured_queries if "django_content_type" in query["sql"]]


def add_thing(name: str) -> None:
    ContentType.objects.create(app_label=THING_APP, model=name)


def test_a_read_from_a_client_with_no_recent_write_goes_to_the_replica(transactional_db, pg_cluster, client):
    add_thing("existing")
    pg_cluster.replica.wait_for_catchup()

    with (
        CaptureQueriesContext(connections["replica1"]) as on_replica,
        CaptureQueriesContext(connections["default"]) as on_primary,
    ):
        response = client.get("/things/")

    assert response.status_code == 200
    assert response.json() == {"names": ["existing"]}
    assert response[READ_FROM] == "replica1"
    assert len(thing_queries(on_replica)) == 1
    assert thing_queries(on_primary) == []


def test_with_a_delayed_replica_the_writer_sees_its_write_and_others_read_the_replica(
    transactional_db, replica_delay, client
):
    replica_delay(2)

    created = client.post("/things/", {"name": "fresh"})
    with CaptureQueriesContext(connections["replica1"]) as writer_on_replica:
        mine = client.get("/things/")
    with CaptureQueriesContext(connections["replica1"]) as other_on_replica:
        theirs = Client().get("/things/")

    assert created.status_code == 201
    assert mine.json() == {"names": ["fresh"]}
    assert mine[READ_FROM] == "default"
    assert thing_queries(writer_on_replica) == []
    # The replica has not applied the insert yet, and another client reads it there.
    assert theirs.json() == {"names": []}
    assert theirs[READ_FROM] == "replica1"
    assert len(thing_queries(other_on_replica)) == 1


def test_an_api_client_echoing_the_last_write_header_reads_its_write(transactional_db, replica_delay, client):
    replica_delay(2)
    created = client.post("/things/", {"name": "fresh"})

    response = Client().get("/things/", headers={"X-Taskboard-Last-Write": created["X-Taskboard-Last-Write"]})

    assert response.json() == {"names": ["fresh"]}
    assert response[READ_FROM] == "default"


def test_a_write_sets_the_last_write_cookie_and_header(transactional_db, client, settings):
    settings.READ_YOUR_WRITES_SECONDS = 10
    before = time.time()

    response = client.post("/things/", {"name": "x"})

    after = time.time()
    cookie = response.cookies["tb_last_write"]
    assert round(before, 3) <= float(cookie.value) <= round(after, 3)
    assert response["X-Taskboard-Last-Write"] == cookie.value
    assert cookie["max-age"] == 10
    assert cookie["httponly"] is True
    assert cookie["samesite"] == "Lax"
    assert cookie["secure"] == ""
    assert cookie["path"] == "/"


def test_a_read_only_request_sets_no_last_write_cookie(transactional_db, client):
    response = client.get("/things/")

    assert "tb_last_write" not in response.cookies
    assert "X-Taskboard-Last-Write" not in response


@pytest.mark.parametrize(
    ("wrote_seconds_ago", "read_from"),
    [
        pytest.param(1, "default", id="within the window"),
        pytest.param(60, "replica1", id="before the window"),
        pytest.param(-60, "replica1", id="in the future: ignored"),
    ],
)
def test_the_last_write_cookie_pins_reads_to_the_primary_only_within_the_window(
    transactional_db, client, settings, wrote_seconds_ago, read_from
):
    settings.READ_YOUR_WRITES_SECONDS = 10
    client.cookies["tb_last_write"] = str(time.time() - wrote_seconds_ago)

    response = client.get("/things/")

    assert response[READ_FROM] == read_from


@pytest.mark.parametrize(
    ("method", "read_from"),
    [("GET", "replica1"), ("HEAD", "replica1"), ("POST", "default"), ("PUT", "default"), ("PATCH", "default"),
     ("DELETE", "default")],
)  # fmt: skip
def test_unsafe_methods_never_read_from_the_replica(transactional_db, client, method, read_from):
    with CaptureQueriesContext(connections["replica1"]) as on_replica:
        response = client.generic(method, "/things/count/")

    assert response.status_code == 200
    assert response[READ_FROM] == read_from
    assert len(thing_queries(on_replica)) == (1 if read_from == "replica1" else 0)


def test_after_a_write_the_rest_of_the_request_reads_from_the_primary(transactional_db, client):
    with CaptureQueriesContext(connections["replica1"]) as on_replica:
        response = client.get("/things/write-then-read/", {"name": "visit"})

    assert response.json() == {"names": ["visit"]}
    assert response[READ_FROM] == "default"
    assert thing_queries(on_replica) == []
    assert "tb_last_write" in response.cookies


def test_reads_inside_atomic_never_touch_the_replica(transactional_db, client):
    with CaptureQueriesContext(connections["replica1"]) as on_replica:
        response = client.get("/things/atomic/")

    assert response.status_code == 200
    assert response[READ_FROM] == "default"
    assert thing_queries(on_replica) == []


def test_with_the_replica_stopped_reads_succeed_from_the_primary(transactional_db, pg_cluster, client):
    add_thing("kept")
    pg_cluster.replica.stop()
    try:
        started = time.monotonic()
        response = client.get("/things/")
        elapsed = time.monotonic() - started
    finally:
        pg_cluster.replica.start()

    assert response.status_code == 200
    assert response.json() == {"names": ["kept"]}
    assert response[READ_FROM] == "default"
    # Not a performance figure: a bound made of the configured timeouts, crossed only if
    # the request waited on the dead replica (a TCP timeout, a pool without a timeout).
    assert elapsed < 2 * (REPLICA_POOL_TIMEOUT_SECONDS + PROBE_CONNECT_TIMEOUT_SECONDS)


@pytest.mark.parametrize(
    ("path", "connection_returned_to_pool"),
    [
        # In production each request gives its connection back to the pool: the dead one
        # fails the pool's check and the pool times out (PoolTimeout) finding another.
        pytest.param("/things/", True, id="django view, pooled connection"),
        # The test client keeps the connection across requests: the query itself fails.
        pytest.param("/api-things/", False, id="DRF view, connection kept"),
    ],
)
def test_a_replica_dying_mid_run_costs_one_retry_on_the_primary_not_a_failed_request(
    transactional_db, pg_cluster, monitor, client, settings, path, connection_returned_to_pool
):
    # Long enough that only the failed query, not a health check, can tell the replica died.
    settings.REPLICA_CHECK_INTERVAL_SECONDS = 600
    add_thing("kept")
    pg_cluster.replica.wait_for_catchup()
    before = client.get(path)
    if connection_returned_to_pool:
        connections["replica1"].close()

    pg_cluster.replica.stop()
    try:
        started = time.monotonic()
        during = client.get(path)
        elapsed = time.monotonic() - started
        state_after_failure = monitor.state("replica1")
        after = client.get(path)
    finally:
        pg_cluster.replica.start()
    monitor.check_now()
    back = client.get(path)

    assert before[READ_FROM] == "replica1"
    assert during.status_code == 200
    assert during.json() == {"names": ["kept"]}
    assert during[READ_FROM] == "default"
    assert elapsed < 2 * (REPLICA_POOL_TIMEOUT_SECONDS + PROBE_CONNECT_TIMEOUT_SECONDS)
    assert state_after_failure.healthy is False
    assert state_after_failure.reason.startswith("query failed: ")
    assert after.status_code == 200
    assert after[READ_FROM] == "default"
    assert monitor.state("replica1").healthy is True
    assert back.status_code == 200
    assert back.json() == {"names": ["kept"]}
    assert back[READ_FROM] == "replica1"


def test_a_dead_replica_the_monitor_has_not_noticed_does_not_affect_writes(
    transactional_db, pg_cluster, client, settings
):
    settings.REPLICA_CHECK_INTERVAL_SECONDS = 600
    client.get("/things/")  # the monitor has seen the replica healthy
    pg_cluster.replica.stop()
    try:
        with CaptureQueriesContext(connections["default"]) as on_primary:
            response = client.post("/things/", {"name": "once"})
    finally:
        pg_cluster.replica.start()

    # Unsafe methods never read from a replica, so a dead one cannot fail them.
    assert response.status_code == 201
    assert len([sql for sql in thing_queries(on_primary) if sql.startswith("INSERT")]) == 1


def test_after_an_outage_the_replica_serves_again_as_soon_as_it_is_healthy(
    transactional_db, pg_cluster, monitor, client, settings
):
    settings.REPLICA_CHECK_INTERVAL_SECONDS = 600  # the test says when the monitor checks
    client.get("/things/")
    pg_cluster.replica.stop()
    try:
        # A request that held a replica connection ends: its pool finds the connection dead
        # and starts reconnecting, backing off while the server stays away.
        connections["replica1"].close()
        monitor.check_now()
        during = client.get("/things/")
        # Long enough for the backoff to grow past the pool timeout (retries at 1, 3, 7 s).
        time.sleep(3)
    finally:
        pg_cluster.replica.start()
    monitor.check_now()

    after = client.get("/things/")

    assert during[READ_FROM] == "default"
    assert after.status_code == 200
    assert after[READ_FROM] == "replica1"
    # Served by the replica at once: no pool timeout, no failover marking it down.
    assert monitor.state("replica1").healthy is True


def test_the_same_rules_hold_under_the_asgi_handler(transactional_db, async_client):
    # `make run` serves HTTP through uvicorn: the scope must survive Django's sync/async hops.
    get, post = async_to_sync(async_client.get), async_to_sync(async_client.post)

    read = get("/things/")
    created = post("/things/", {"name": "fresh"})
    reread = get("/things/")

    assert read[READ_FROM] == "replica1"
    assert created.status_code == 201
    assert "tb_last_write" in created.cookies
    assert reread.json() == {"names": ["fresh"]}
    assert reread[READ_FROM] == "default"
