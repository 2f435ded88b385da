"""Redis and the mail worker under `make stack` (issue 17), each under the load test's crowd
(conftest.py `crowd`), with the stack's mail going to the drills' SMTP sink (`sink`, whose
count per recipient and Message-ID is the truth about mail). `make drills` only.

- Redis stopped and started again: live updates resync (sockets closed by the ASGI
  processes, reconnected, the gap replayed: no event lost, none applied twice), the cache
  answers again, jobs resume, and every mail acknowledged before, during and after arrives
  exactly once.
- The mail worker killed -9 while the SMTP server holds a message it sent: exactly once as
  docs/architecture.md "Mail" defines it: at most one more copy, after the claim window
  (OUTBOX_CLAIM_TIMEOUT_SECONDS, 20 s in the drills: stack_client.DRILL_ENV), with the same
  Message-ID, and a mail queued while the worker was down arrives once.
"""

from __future__ import annotations

import asyncio
import os
import signal
import ssl
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
import redis

from tests.live.clients import LiveClient, wait_for

from .drill_load import Crowd, SmtpSink
from .stack_client import Writer, db_tier, db_user, make, primary, running_pid, start, stop, writers

pytestmark = pytest.mark.drill
VIEWERS = 4


@dataclass
class Front:
    """nginx's /ws/, for tests/live/clients.LiveClient."""

    ws_url: str
    ssl_context: ssl.SSLContext


def _invite(writer: Writer, address: str) -> int:
    """A member invited by address: no account, so 202 and an invitation mail (outbox)."""
    status, _, _ = writer.api.call(
        "POST", f"/api/v1/boards/{writer.board}/members/", {"email": address, "role": "member"}
    )
    return status


def _post_task(writer: Writer, title: str) -> int:
    path = f"/api/v1/boards/{writer.board}/tasks/"
    return writer.api.call("POST", path, {"list_id": writer.list_id, "title": title})[0]


def _phase(writer: Writer, name: str) -> tuple[list[int], str | None]:
    """Three task writes and one invitation: their statuses, and the address when invited (202)."""
    statuses = [_post_task(writer, f"{name}-{n}") for n in range(3)]
    address = f"{name}-{uuid.uuid4().hex[:10]}@example.com"
    return statuses, address if _invite(writer, address) == 202 else None


def _mail_row(stack: Any, address: str) -> tuple[str, int]:
    with primary(stack) as conn:
        row = conn.execute(
            "SELECT state, attempts FROM outbox_outboxmail WHERE to_address = %s", (address,)
        ).fetchone()
    return (row[0], row[1]) if row else ("", 0)


def _until(check: Callable[[], bool], timeout: float, what: str) -> float:
    """Seconds until `check()` held; AssertionError after `timeout`."""
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < timeout, f"timed out after {timeout}s waiting for {what}"
        time.sleep(0.2)
    return time.monotonic() - started


async def _current_seq(front: Front, board: int, headers: Callable[[], dict[str, str]]) -> int:
    """The board's latest seq: the `hello` of a new socket."""
    probe, done = LiveClient(front, board, headers), asyncio.Event()
    run = asyncio.create_task(probe.run(done))
    await wait_for(probe.connected.is_set, timeout=30, what="a probe's hello")
    done.set()
    await run
    assert probe.last is not None
    return probe.last


def test_restarting_redis_resyncs_live_updates_and_loses_or_doubles_no_mail(
    stack: Any, sink: SmtpSink, crowd: Crowd
) -> None:
    [writer] = writers(stack, 1)
    front = Front(f"wss://127.0.0.1:{stack.ports.https}", writer.api.context)

    def headers() -> dict[str, str]:
        return {"Authorization": f"Bearer {writer.api.token}"}

    cache = redis.Redis(host="127.0.0.1", port=stack.ports.redis, db=0)
    redis_proc = next(proc for proc in db_tier(stack) if proc.name == "redis")
    phases: dict[str, tuple[list[int], str | None]] = {}
    timings: dict[str, float] = {}

    async def scenario() -> tuple[list[LiveClient], int, int]:
        halt = asyncio.Event()
        clients = [LiveClient(front, writer.board, headers) for _ in range(VIEWERS)]
        runs = [asyncio.create_task(client.run(halt)) for client in clients]
        await wait_for(lambda: all(c.connected.is_set() for c in clients), timeout=60, what="hellos")
        first = clients[0].last
        assert first is not None
        phases["before"] = await asyncio.to_thread(_phase, writer, "before")
        timings["keys before"] = cache.dbsize()
        await asyncio.to_thread(stop, stack, "redis")
        stopped = time.monotonic()
        phases["during"] = await asyncio.to_thread(_phase, writer, "during")
        await asyncio.to_thread(start, stack, redis_proc, db_user())
        timings["down"] = time.monotonic() - stopped
        timings["up at"] = time.monotonic()
        await asyncio.to_thread(_until, lambda: _ping(cache), 30, "Redis")
        timings["keys after start"] = cache.dbsize()
        phases["after"] = await asyncio.to_thread(_phase, writer, "after")
        final = await _current_seq(front, writer.board, headers)
        await wait_for(
            lambda: all(c.last == final and c.connected.is_set() for c in clients),
            timeout=60,
            what="catch-up",
        )
        timings["caught up"] = time.monotonic() - timings["up at"]
        halt.set()
        await asyncio.gather(*runs)
        return clients, first, final

    clients, first, final = asyncio.run(scenario())

    # The cache: answers again, and a board read fills it anew (keys are versioned).
    reads = [writer.api.call("GET", f"/api/v1/boards/{writer.board}/")[0] for _ in range(3)]
    timings["keys after reads"] = cache.dbsize()
    invited = [address for _, address in phases.values() if address]
    mail_wait = _until(lambda: all(len(sink.copies(a)) >= 1 for a in invited), 90, "every invitation mail")
    time.sleep(8)  # two more sweeps: nothing arrives twice
    copies = {address: len(sink.copies(address)) for address in invited}
    crowd_figures = crowd.stop()
    statuses = {name: statuses for name, (statuses, _) in phases.items()}
    codes = sorted({str(code) for client in clients for code in client.close_codes})
    print(
        f"Redis stopped {timings['down']:.1f}s: writes {statuses}, "
        f"invitations acknowledged {len(invited)}/3; {VIEWERS} sockets: events {first + 1}..{final}, "
        f"reconnects {[c.connections - 1 for c in clients]}, resyncs {[c.resyncs for c in clients]}, "
        f"close codes {codes}, caught up {timings['caught up']:.1f}s after the start; "
        f"cache keys {timings['keys before']} -> {timings['keys after start']} -> "
        f"{timings['keys after reads']}, reads after {reads}; "
        f"mails {copies} (all in {mail_wait:.1f}s after the catch-up)"
    )
    for client in clients:
        assert client.applied == list(range(first + 1, final + 1)), client.applied
        assert client.connections >= 2
        assert client.final_code is None
    if any(200 <= s < 300 for s in statuses["during"]):
        # Those events were never published (Redis was down): only a resync brought them.
        assert all(client.resyncs >= 1 for client in clients)
    assert all(200 <= s < 300 for s in statuses["after"])
    assert reads == [200, 200, 200]
    assert phases["before"][1]
    assert phases["after"][1]
    assert set(copies.values()) == {1}
    assert crowd_figures.requests


def _ping(client: redis.Redis) -> bool:
    try:
        return bool(client.ping())
    except redis.RedisError:
        return False


def test_a_mail_worker_killed_mid_send_sends_at_most_one_more_copy_with_the_same_message_id(
    stack: Any, sink: SmtpSink, crowd: Crowd
) -> None:
    [writer] = writers(stack, 1)
    held, meanwhile = (f"{name}-{uuid.uuid4().hex[:10]}@example.com" for name in ("held", "meanwhile"))
    sink.held.clear()
    sink.release.clear()
    sink.hold_for = {held}
    try:
        assert _invite(writer, held) == 202
        assert sink.held.wait(30), "the mail worker never reached DATA"
        pid = running_pid(stack, "worker-mail")
        assert pid is not None
        os.killpg(pid, signal.SIGKILL)  # the server has the message; the worker never saw the 250
        killed = time.monotonic()
    finally:
        sink.hold_for = set()
        sink.release.set()
    claimed = _mail_row(stack, held)
    assert _invite(writer, meanwhile) == 202  # queued while no worker takes the mail queue
    assert make("stack").returncode == 0
    restarted = time.monotonic() - killed

    _until(lambda: len(sink.copies(held)) >= 2, 90, "the copy after the claim window")
    resent = time.monotonic() - killed
    _until(lambda: _mail_row(stack, held)[0] == "sent", 30, "the mark")
    _until(lambda: len(sink.copies(meanwhile)) >= 1, 60, "the mail queued meanwhile")
    time.sleep(8)  # more sweeps: no third copy
    copies, others = sink.copies(held), sink.copies(meanwhile)
    message_ids = {copy["Message-ID"] for copy in copies}
    crowd.stop()
    print(
        f"kill -9 worker-mail mid-send: claim left {claimed}; worker back {restarted:.1f}s after the kill; "
        f"second copy {resent:.1f}s after the kill (claim window 20 s, sweep 3 s); copies {len(copies)}, "
        f"distinct Message-IDs {len(message_ids)}, row {_mail_row(stack, held)}; "
        f"mail queued meanwhile: {len(others)} copy"
    )
    assert claimed == ("sending", 1)
    assert len(copies) == 2
    assert len(message_ids) == 1
    assert _mail_row(stack, held) == ("sent", 2)
    assert len(others) == 1
