"""WebSocket clients for the live-update tests: a plain synchronous one, and `LiveClient`,
which follows the client protocol of docs/live-updates.md (track seq, resync on a gap,
reconnect with backoff after a drop and resync)."""

from __future__ import annotations

import asyncio
import json
import random
from collections.abc import Callable
from typing import Any

from websockets.asyncio.client import connect as async_connect
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import ClientConnection
from websockets.sync.client import connect as sync_connect

from .servers import AsgiServer

# Close codes after which a client must not reconnect.
FINAL_CLOSE_CODES = {4401, 4404}


def board_path(board_id: int, ticket: str | None = None) -> str:
    return f"/ws/boards/{board_id}/" + (f"?ticket={ticket}" if ticket else "")


def open_socket(
    server: AsgiServer,
    path: str,
    *,
    token: str | None = None,
    origin: str | None = None,
    cookie: str | None = None,
    request_id: str | None = None,
) -> ClientConnection:
    headers = {}
    if request_id is not None:
        headers["X-Request-ID"] = request_id
    if token is not None:
        headers["Authorization"] = f"Bearer {token}"
    if cookie is not None:
        headers["Cookie"] = cookie
    return sync_connect(
        server.ws_url + path,
        additional_headers=headers,
        origin=origin,  # type: ignore[arg-type]
        proxy=None,
        open_timeout=10,
    )


def next_frame(ws: ClientConnection, timeout: float = 10) -> dict[str, Any]:
    frame: dict[str, Any] = json.loads(ws.recv(timeout=timeout))
    return frame


def next_frame_of(ws: ClientConnection, kind: str, timeout: float = 10) -> dict[str, Any]:
    """The next frame of type `kind`, skipping others (presence arrives whenever it does)."""
    while True:
        frame = next_frame(ws, timeout)
        if frame["type"] == kind:
            return frame


def close_code(ws: ClientConnection, timeout: float = 10) -> int | None:
    """Read until the server closes; its close code. Frames before the close are ignored."""
    try:
        while True:
            ws.recv(timeout=timeout)
    except ConnectionClosed as closed:
        return closed.rcvd.code if closed.rcvd is not None else None


def refused_status(server: AsgiServer, path: str, **kwargs: Any) -> int | None:
    """The HTTP status of a refused handshake, or None when it was accepted."""
    try:
        with open_socket(server, path, **kwargs):
            return None
    except InvalidStatus as exc:
        return exc.response.status_code


class LiveClient:
    """One viewer. `applied` is the seqs it applied, in the order it applied them."""

    def __init__(self, server: Any, board_id: int, headers: Callable[[], dict[str, str]]) -> None:
        self.server = server
        self.board_id = board_id
        self.headers = headers
        self.last: int | None = None
        self.applied: list[int] = []
        self.events: dict[int, dict[str, Any]] = {}
        self.pending: dict[int, dict[str, Any]] = {}
        # The seq the last resync asked from: one request per gap, not one per event.
        self.asked_since: int | None = None
        self.connections = 0
        self.resyncs = 0
        self.close_codes: list[int | None] = []
        self.final_code: int | None = None
        self.connected = asyncio.Event()

    async def run(self, stop: asyncio.Event) -> None:
        delay = 0.05
        while not stop.is_set() and self.final_code is None:
            try:
                async with async_connect(
                    self.server.ws_url + board_path(self.board_id),
                    additional_headers=self.headers(),
                    proxy=None,
                    open_timeout=10,
                    # Through make stack's nginx (tests/drills): wss with its certificate.
                    ssl=getattr(self.server, "ssl_context", None),
                ) as ws:
                    await self._session(ws, stop)
                    delay = 0.05
            except ConnectionClosed as closed:
                code = closed.rcvd.code if closed.rcvd is not None else None
                self.close_codes.append(code)
                if code in FINAL_CLOSE_CODES:
                    self.final_code = code
            except (OSError, InvalidStatus, TimeoutError):
                pass
            self.connected.clear()
            if not stop.is_set() and self.final_code is None:
                # Exponential backoff with jitter: a restart doesn't get every client at once.
                await asyncio.sleep(delay * (0.5 + random.random()))
                delay = min(delay * 2, 1.0)

    async def _session(self, ws: Any, stop: asyncio.Event) -> None:
        hello = json.loads(await ws.recv())
        assert hello["type"] == "hello", hello
        self.connections += 1
        self.asked_since = None
        if self.last is None:
            self.last = hello["seq"]
        elif hello["seq"] > self.last:
            await self._resync(ws)
        self.connected.set()
        receiver = asyncio.ensure_future(self._receive(ws))
        stopper = asyncio.ensure_future(stop.wait())
        done, pending = await asyncio.wait({receiver, stopper}, return_when=asyncio.FIRST_COMPLETED)
        for task in pending:
            task.cancel()
        if receiver in done:
            receiver.result()  # ConnectionClosed propagates to run()

    async def _receive(self, ws: Any) -> None:
        async for raw in ws:
            frame = json.loads(raw)
            if frame["type"] == "event":
                await self._event(ws, frame)
            elif frame["type"] == "reset":
                raise AssertionError(f"unexpected reset after seq {self.last}")

    async def _event(self, ws: Any, frame: dict[str, Any]) -> None:
        assert self.last is not None
        seq = frame["seq"]
        if seq <= self.last:
            return  # already applied: a duplicate from a resync
        self.pending[seq] = frame
        while self.last + 1 in self.pending:
            self.last += 1
            self.events[self.last] = self.pending.pop(self.last)
            self.applied.append(self.last)
        if self.pending and self.asked_since != self.last:
            await self._resync(ws)

    async def _resync(self, ws: Any) -> None:
        self.asked_since = self.last
        self.resyncs += 1
        await ws.send(json.dumps({"type": "resync", "since": self.last}))


async def wait_for(predicate: Callable[[], bool], *, timeout: float, what: str) -> None:
    deadline = asyncio.get_running_loop().time() + timeout
    while not predicate():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        await asyncio.sleep(0.05)
