"""Done-when of issue 16's metrics: gunicorn with several workers, uvicorn, a Celery worker
and beat as real processes; each /metrics is scraped, its families exist and move when
traffic happens, and gunicorn's counts are exact across its workers."""

from __future__ import annotations

import json
import time
import urllib.request
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import connections

from tests.live.clients import board_path, next_frame_of
from tests.plugins.processes import wait_until

from .stack import TOKEN, Stack, build_stack, gunicorn_worker_pids, kill, sample_sum

pytestmark = [pytest.mark.postgresql, pytest.mark.redis, pytest.mark.django_db(transaction=True)]
PASSWORD = "a-long-passphrase-4-tests"
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@pytest.fixture(scope="module")
def stack(
    django_db_setup: None, pg_cluster: Any, redis_server: Any, smtp_server: Any, tmp_path_factory: Any
) -> Iterator[Stack]:
    import os

    database = connections["default"].settings_dict["NAME"]
    base_env = {
        **os.environ,
        "DATABASE_URL": pg_cluster.primary.url(database),
        "DATABASE_REPLICA_URLS": pg_cluster.replica.url(database),
        "EMAIL_URL": smtp_server.url,
    }
    built = build_stack(
        directory=tmp_path_factory.mktemp("metrics-stack"), base_env=base_env, redis_url=redis_server.url()
    )
    try:
        yield built
    finally:
        built.stop()


@pytest.fixture(scope="module")
def web(stack: Stack) -> Stack:
    """gunicorn alone (seconds to start): what the default run tests."""
    if not stack.running:
        stack.start(stack.web)
    return stack


@pytest.fixture
def every_kind(stack: Stack) -> Stack:
    """gunicorn, uvicorn, the worker and beat (a drill: ~15 s to start and stop)."""
    missing = [
        server for server in (stack.web, stack.asgi, stack.worker, stack.beat) if server not in stack.running
    ]
    for server in missing:
        server.spawn()
    for server in missing:
        server.wait_ready()
    stack.running += missing
    return stack


def api(stack: Stack, method: str, path: str, body: Any = None, token: str | None = None) -> tuple[int, Any]:
    data = json.dumps(body).encode() if body is not None else None
    headers = {"Content-Type": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(
        f"{stack.web.url}/api/v1/{path}", data=data, method=method, headers=headers
    )
    try:
        with _opener.open(request, timeout=30) as response:
            raw = response.read()
            return response.status, json.loads(raw) if raw else None
    except urllib.error.HTTPError as exc:
        return exc.code, None


def healthz_count(stack: Stack) -> float:
    text = stack.web.metrics()
    found = sample_sum(
        text, "django_http_requests_total_by_view_transport_method_total", view="healthz", method="GET"
    )
    return found or 0.0


def test_gunicorn_counts_exactly_the_requests_its_workers_served_even_after_one_dies(web: Stack) -> None:
    stack = web
    requests = 60
    before = healthz_count(stack)

    for _ in range(requests):
        # A new connection each time: the workers take turns accepting them.
        with _opener.open(f"{stack.web.url}/healthz", timeout=10) as response:
            assert response.status == 200

    assert healthz_count(stack) - before == requests
    metrics_dir = Path(stack.web.env["PROMETHEUS_MULTIPROC_DIR"])
    assert stack.web.process is not None
    # The master wrote files too, importing the app (preload_app); it serves nothing.
    pids = gunicorn_worker_pids(metrics_dir) - {stack.web.process.pid}
    assert len(pids) >= 2, f"one worker served everything: {pids}"

    # A worker killed outright: its counts stay in the sums, its live gauges go.
    victim = next(pid for pid in sorted(pids) if (metrics_dir / f"gauge_livesum_{pid}.db").exists())
    kill(victim)
    wait_until(
        lambda: True if not (metrics_dir / f"gauge_livesum_{victim}.db").exists() else None,
        timeout=20,
        what="gunicorn to mark the dead worker's gauges dead",
    )
    assert healthz_count(stack) - before == requests


@pytest.mark.drill
def test_every_process_kind_serves_its_families_and_they_move(every_kind: Stack) -> None:
    stack = every_kind
    from websockets.sync.client import connect

    email = "metrics@example.com"
    status, _ = api(
        stack, "POST", "auth/register/", {"email": email, "password": PASSWORD, "name": "Metrics"}
    )
    assert status == 201
    status, tokens = api(stack, "POST", "auth/token/", {"email": email, "password": PASSWORD})
    assert status == 200
    token = tokens["access"]
    _, board = api(stack, "POST", "boards/", {"title": "Measured"}, token)
    _, detail = api(stack, "GET", f"boards/{board['id']}/", token=token)
    list_id = detail["lists"][0]["id"]

    with connect(
        f"ws://127.0.0.1:{stack.asgi.port}{board_path(board['id'])}",
        additional_headers={"Authorization": f"Bearer {token}"},
        proxy=None,
        open_timeout=10,
    ) as socket:
        hello = next_frame_of(socket, "hello")
        status, _ = api(
            stack, "POST", f"boards/{board['id']}/tasks/", {"list_id": list_id, "title": "A"}, token
        )
        assert status == 201
        next_frame_of(socket, "event")
        socket.send(json.dumps({"type": "resync", "since": hello["seq"]}))
        next_frame_of(socket, "event")
        asgi = stack.asgi.metrics()
        assert sample_sum(asgi, "taskboard_ws_open_sockets") == 1
        assert sample_sum(asgi, "taskboard_live_presence_users") == 1
    assert (sample_sum(asgi, "taskboard_live_events_delivered_total") or 0) >= 1
    assert sample_sum(asgi, "taskboard_live_resyncs_total", kind="resync") == 1
    assert (sample_sum(asgi, "taskboard_db_queries_total", alias="default") or 0) > 0

    api(stack, "GET", f"boards/{board['id']}/", token=token)
    api(stack, "GET", f"boards/{board['id']}/", token=token)
    web = stack.web.metrics()
    for name in ("registrations", "logins", "boards_created", "tasks_created", "live_events_published"):
        assert (sample_sum(web, f"taskboard_{name}_total") or 0) >= 1, name
    assert (sample_sum(web, "taskboard_db_queries_total", alias="default") or 0) > 0
    assert sample_sum(web, "taskboard_db_query_seconds_count") is not None
    assert sample_sum(web, "taskboard_db_reads_routed_total") is not None
    assert (sample_sum(web, "taskboard_board_cache_requests_total", result="hit") or 0) >= 1
    assert sample_sum(web, "taskboard_db_pool_connections", alias="default", state="size") is not None
    assert (sample_sum(web, "taskboard_active_users", window="5m") or 0) >= 1
    assert sample_sum(web, "taskboard_celery_queue_depth", queue="mail") is not None
    assert sample_sum(web, "taskboard_outbox_rows", state="pending") is not None
    assert (sample_sum(web, "django_http_requests_latency_seconds_by_view_method_count") or 0) > 0

    def worker_sent_the_welcome() -> str | None:
        text = stack.worker.metrics()
        sent = sample_sum(text, "taskboard_mail_sent_total", kind="welcome")
        beat_ran = sample_sum(text, "taskboard_beat_last_run_timestamp_seconds", task="outbox.sweep")
        return text if sent and beat_ran else None

    worker = wait_until(
        worker_sent_the_welcome, timeout=30, interval=0.3, what="the worker to send and sweep"
    )
    assert (
        sample_sum(worker, "taskboard_celery_tasks_total", task="outbox.send_mail", state="succeeded") or 0
    ) >= 1
    assert sample_sum(worker, "taskboard_celery_task_seconds_count", task="outbox.sweep")
    last_sweep = sample_sum(worker, "taskboard_beat_last_run_timestamp_seconds", task="outbox.sweep")
    assert last_sweep is not None
    assert last_sweep > time.time() - 60

    beat = stack.beat.metrics()
    assert "# TYPE taskboard_beat_last_run_timestamp_seconds gauge" in beat
    assert sample_sum(beat, "process_start_time_seconds")
    # Each exporter wants the token as the web's /metrics does: without it, or with another, 404.
    for server in (stack.web, stack.asgi, stack.worker, stack.beat):
        assert server.get("/metrics", token=None)[0] == 404, server.name
        assert server.get("/metrics", token=TOKEN + "x")[0] == 404, server.name
