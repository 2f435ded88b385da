"""The load test's people's shared parts (bench/load/locustfile.py): the seed, who takes
which seeded person, the board socket and its delivery measurement, and the hooks that
tell bench/load/run.py where the window starts and what was measured."""

from __future__ import annotations

import contextlib
import itertools
import json
import os
import ssl
import time
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

import gevent

# Importing locust monkey-patches the standard library for gevent; websocket-client, imported
# after it, then uses the patched sockets (a blocking recv() yields to the other greenlets).
import locust
import websocket
from locust import between, events

SEED: dict[str, Any] = {"boards": [], "users": []}
if os.environ.get("LOAD_SEED_FILE"):
    with open(os.environ["LOAD_SEED_FILE"]) as seed_file:
        SEED = json.load(seed_file)

# Each simulated person takes the next seeded user; API clients take the next one with a
# refresh token (a refresh token used by two clients would revoke its family).
_people = itertools.count()
_api_people = itertools.count()
# The refresh token each API client holds now (rotation replaced the seeded one): written
# out at the end, so that the next run starts from these.
LATEST_REFRESH: dict[str, str] = {}
WS_RECONNECT_SECONDS = 2.0
# Multiplies every think time (run.py --think-scale): 0.5 is twice as busy a crowd.
THINK_SCALE = float(os.environ.get("LOAD_THINK_SCALE", "1"))


def think(low: float, high: float) -> Any:
    return between(low * THINK_SCALE, high * THINK_SCALE)


ACCESS_REFRESH_SECONDS = 240
DELIVERY = "delivery"


def _mark(name: str) -> None:
    """Tells bench/load/run.py where the measured window starts and ends (its CPU meter)."""
    folder = os.environ.get("LOAD_MARK_DIR")
    if folder:
        with open(os.path.join(folder, name), "w") as mark:
            mark.write(str(time.time()))


@events.spawning_complete.add_listener
def _spawned(**kwargs: Any) -> None:
    # Everyone has arrived, but the last arrivals' pages may still wait in a queue: the
    # window starts LOAD_SETTLE_SECONDS later, with the statistics reset then.
    gevent.spawn(_settle, float(os.environ.get("LOAD_SETTLE_SECONDS", "0")))


def _settle(seconds: float) -> None:
    gevent.sleep(seconds)
    if _environment is not None:
        _environment.stats.reset_all()
    _mark("spawned")


_environment: Any = None


@events.init.add_listener
def _init(environment: Any, **kwargs: Any) -> None:
    global _environment
    _environment = environment


@events.quit.add_listener
def _write_stats(**kwargs: Any) -> None:
    """Every request kind's counts and response-time histogram, and the errors, for
    bench/load/run.py (locust's own CSV may miss the last seconds)."""
    folder = os.environ.get("LOAD_MARK_DIR")
    if not folder or _environment is None:
        return
    stats = _environment.stats
    entries = [
        {
            "kind": entry.method,
            "name": entry.name,
            "requests": entry.num_requests,
            "failures": entry.num_failures,
            "max": entry.max_response_time,
            "response_times": entry.response_times,
        }
        for entry in stats.entries.values()
    ]
    errors = [
        {
            "kind": error.method,
            "name": error.name,
            "error": str(error.error),
            "occurrences": error.occurrences,
        }
        for error in stats.errors.values()
    ]
    with open(os.path.join(folder, "stats.json"), "w") as out:
        json.dump({"entries": entries, "errors": errors, "refresh": LATEST_REFRESH}, out)


def next_person() -> dict[str, Any]:
    users = SEED["users"]
    if not users:
        raise locust.exception.StopUser("no seed file (LOAD_SEED_FILE)")
    return dict(users[next(_people) % len(users)])


def next_api_person() -> dict[str, Any]:
    holders = [user for user in SEED["users"] if user.get("refresh")]
    index = next(_api_people)
    if index >= len(holders):
        raise locust.exception.StopUser("more API clients than seeded refresh tokens")
    return dict(holders[index])


def fire(kind: str, name: str, started: float, *, length: int = 0, error: Exception | None = None) -> None:
    events.request.fire(
        request_type=kind,
        name=name,
        response_time=(time.time() - started) * 1000,
        response_length=length,
        exception=error,
        context={},
    )


def delivery_ms(frame: dict[str, Any]) -> float | None:
    at = frame.get("at")
    if not isinstance(at, str):
        return None
    return max(0.0, (time.time() - datetime.fromisoformat(at).timestamp()) * 1000)


class BoardSocket:
    """A board page's socket, read in a greenlet of its own."""

    def __init__(self, user: Any) -> None:
        # A BoardPageUser (locustfile.py): its host, board, cookie and on_event().
        self.user = user
        self.ws: websocket.WebSocket | None = None
        self.reader: gevent.Greenlet | None = None

    @property
    def open(self) -> bool:
        return self.ws is not None and self.ws.connected

    def connect(self) -> None:
        user = self.user
        parts = urlsplit(str(user.host))
        scheme = "wss" if parts.scheme == "https" else "ws"
        url = f"{scheme}://{parts.netloc}/ws/boards/{user.board['id']}/"
        started = time.time()
        try:
            ws = websocket.create_connection(
                url,
                header=[f"Cookie: {user.cookie}"],
                origin=f"{parts.scheme}://{parts.netloc}",
                sslopt={"cert_reqs": ssl.CERT_NONE, "check_hostname": False},
                timeout=60,
                enable_multithread=False,
                suppress_origin=False,
            )
            hello = json.loads(ws.recv())
            if hello.get("type") != "hello":
                raise RuntimeError(f"first frame {hello.get('type')!r}, not hello")
        except Exception as exc:
            fire("WS", "connect", started, error=exc)
            return
        fire("WS", "connect", started)
        ws.settimeout(None)
        self.ws = ws
        self.reader = gevent.spawn(self._read, ws)

    def _read(self, ws: websocket.WebSocket) -> None:
        while True:
            try:
                raw = ws.recv()
            except Exception as exc:
                if self.ws is ws:
                    fire("WS", "closed by the server", time.time(), error=exc)
                    self.ws = None
                return
            if not raw:
                continue
            frame = json.loads(raw)
            if frame.get("type") != "event":
                continue
            latency = delivery_ms(frame)
            if latency is not None:
                events.request.fire(
                    request_type="WS",
                    name=DELIVERY,
                    response_time=latency,
                    response_length=len(raw),
                    exception=None,
                    context={},
                )
            self.user.on_event(frame)

    def close(self) -> None:
        ws, self.ws = self.ws, None
        if ws is not None:
            # The server may have closed it already.
            with contextlib.suppress(Exception):
                ws.close(timeout=1)
        if self.reader is not None:
            self.reader.kill(block=False)
