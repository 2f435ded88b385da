"""bench/ws_fanout.py's clients, in their own process: N sockets on one board, each event's
arrival time, reported back through a pipe."""

from __future__ import annotations

import asyncio
import json
import time
from multiprocessing.connection import Connection
from typing import Any


def client_process(ws_url: str, tokens: list[str], count: int, conn: Connection) -> None:
    try:
        import uvloop

        uvloop.install()
    except ImportError:
        pass
    asyncio.run(_clients(ws_url, tokens, count, conn))


async def _clients(ws_url: str, tokens: list[str], count: int, conn: Connection) -> None:
    from websockets.asyncio.client import connect

    receipts: list[list[tuple[int, float]]] = [[] for _ in range(count)]
    hellos = 0
    hello_seqs: set[int] = set()
    all_connected = asyncio.Event()
    stop = asyncio.Event()
    handshakes = asyncio.Semaphore(100)
    sockets: list[Any] = []
    connected = [False] * count
    failures: list[str] = []

    async def client(index: int) -> None:
        nonlocal hellos
        headers = {"Authorization": f"Bearer {tokens[index % len(tokens)]}"}
        try:
            async with handshakes:
                ws = await connect(ws_url, additional_headers=headers, proxy=None, open_timeout=120)
            sockets.append(ws)
            hello = json.loads(await ws.recv())
            assert hello["type"] == "hello", hello
            hello_seqs.add(hello["seq"])
            connected[index] = True
        except Exception as exc:
            failures.append(repr(exc))
            hellos += 1
            if hellos == count:
                all_connected.set()
            return
        hellos += 1
        if hellos == count:
            all_connected.set()
        mine = receipts[index]
        try:
            async for raw in ws:
                now = time.monotonic()
                if isinstance(raw, str) and raw.startswith('{"type": "event"'):
                    mine.append((json.loads(raw)["seq"], now))
        except Exception as exc:
            if not stop.is_set():
                failures.append(repr(exc))

    started = time.monotonic()
    tasks = [asyncio.create_task(client(n)) for n in range(count)]
    await all_connected.wait()
    conn.send(
        {
            "connected_seconds": time.monotonic() - started,
            "failures": list(failures),
            "seq": max(hello_seqs, default=0),
        }
    )
    loop = asyncio.get_running_loop()
    final_seq = await loop.run_in_executor(None, conn.recv)
    # Wait for the last event to reach every client (or give up after a minute).
    deadline = time.monotonic() + 60
    while (
        final_seq
        and time.monotonic() < deadline
        and any(
            not mine or mine[-1][0] < final_seq for mine, ws in zip(receipts, connected, strict=True) if ws
        )
    ):
        await asyncio.sleep(0.1)
    stop.set()
    conn.send({"receipts": receipts, "failures": failures})
    await asyncio.gather(*(ws.close() for ws in sockets), return_exceptions=True)
    for task in tasks:
        task.cancel()
