"""CPU per request kind (bench/load/run.py --calibrate): each kind the locustfile asks for,
one request at a time from one seeded person, with the target otherwise idle, and the
CPU the target's processes used for it by process kind (load_cpu). One at a time, the
figure is what the request costs, not what waiting for a busy core costs; on a machine
shared with other work it still moves by 10-20 % (caches, the host's speed).

A mixed run can't say which request kind cost what: this can. Multiplied by how often
each kind came per user in the mixed run, it gives the fleet for a target load (run.py
prints both that and the mixed run's own CPU per user).
"""

from __future__ import annotations

import json
import secrets
import ssl
import time
import urllib.error
import urllib.request
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from load_cpu import SERVING, Meter

_CONTEXT = ssl.create_default_context()
# make stack's certificate is self-signed; only loopback targets are allowed (run.py).
_CONTEXT.check_hostname = False
_CONTEXT.verify_mode = ssl.CERT_NONE
_OPENER = urllib.request.build_opener(
    urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=_CONTEXT)
)


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args: Any, **kwargs: Any) -> None:
        return None


_OPENER.add_handler(_NoRedirect())


@dataclass
class KindCost:
    name: str
    requests: int
    ms_by_kind: dict[str, float]

    @property
    def serving_ms(self) -> float:
        return sum(ms for kind, ms in self.ms_by_kind.items() if kind in SERVING)


class Client:
    """One seeded person, both as a browser (session) and as an API client (JWT)."""

    def __init__(self, host: str, seed: dict[str, Any]) -> None:
        self.host = host
        self.seed = seed
        person = next(user for user in seed["users"] if user.get("refresh"))
        self.person = person
        self.board = seed["boards"][person["board"]]
        csrf = secrets.token_hex(16)
        self.page_headers = {"Cookie": f"sessionid={person['session']}; csrftoken={csrf}", "Origin": host}
        self.post_headers = {**self.page_headers, "X-CSRFToken": csrf}
        pair = self.send("POST", "/api/v1/auth/token/refresh/", json_body={"refresh": person["refresh"]})
        person["refresh"] = pair["refresh"]
        self.api_headers = {"Authorization": f"Bearer {pair['access']}"}

    def send(
        self,
        method: str,
        path: str,
        *,
        headers: dict[str, str] | None = None,
        form: dict[str, str] | None = None,
        json_body: Any = None,
    ) -> Any:
        data, all_headers = None, dict(headers or {})
        if form is not None:
            data = urlencode(form).encode()
            all_headers["Content-Type"] = "application/x-www-form-urlencoded"
        elif json_body is not None:
            data = json.dumps(json_body).encode()
            all_headers["Content-Type"] = "application/json"
        request = urllib.request.Request(self.host + path, data=data, headers=all_headers, method=method)
        try:
            with _OPENER.open(request, timeout=60) as response:
                body = response.read()
                if response.status not in (200, 201, 204, 304) or response.headers.get("HX-Redirect"):
                    raise RuntimeError(f"{method} {path}: {response.status}")
        except urllib.error.HTTPError as exc:
            if exc.code != 304:
                raise RuntimeError(f"{method} {path}: {exc.code}") from None
            return None
        if body and body[:1] == b"{":
            return json.loads(body)
        return None

    def kinds(self) -> dict[str, Any]:
        """Each request kind of the locustfile, as a callable that makes one request."""
        board, tasks = self.board, self.board["tasks"]
        b = board["id"]
        htmx = {**self.page_headers, "HX-Request": "true"}
        counter = iter(range(10**9))

        def task_id() -> int:
            return int(tasks[next(counter) % len(tasks)])

        def drop() -> None:
            form = {"list_id": str(board["lists"][next(counter) % 3]), "after_id": str(task_id())}
            self.send("POST", f"/tasks/{task_id()}/drop/", headers=self.post_headers, form=form)

        return {
            "fragment: counts (live)": lambda: self.send(
                "GET", f"/boards/{b}/counts/", headers={**self.page_headers, "Accept": "application/json"}
            ),
            "fragment: card (live)": lambda: self.send(
                "GET", f"/boards/{b}/cards/{task_id()}/", headers=self.page_headers
            ),
            "fragment: card dialog": lambda: self.send("GET", f"/tasks/{task_id()}/", headers=htmx),
            "fragment: columns": lambda: self.send("GET", f"/boards/{b}/?fragment=columns", headers=htmx),
            "page: board": lambda: self.send("GET", f"/boards/{b}/", headers=self.page_headers),
            "page: boards index": lambda: self.send("GET", "/boards/", headers=self.page_headers),
            "page: drop card": drop,
            "page: comment": lambda: self.send(
                "POST",
                f"/tasks/{task_id()}/comments/",
                headers={**self.post_headers, "HX-Request": "true"},
                form={"body": "Calibration comment"},
            ),
            "api: boards": lambda: self.send("GET", "/api/v1/boards/", headers=self.api_headers),
            "api: board detail": lambda: self.send("GET", f"/api/v1/boards/{b}/", headers=self.api_headers),
            "api: tasks filtered": lambda: self.send(
                "GET", f"/api/v1/boards/{b}/tasks/?assignee=me&completed=false", headers=self.api_headers
            ),
            "api: move": lambda: self.send(
                "POST",
                f"/api/v1/tasks/{task_id()}/move/",
                headers=self.api_headers,
                json_body={"list_id": board["lists"][next(counter) % 3], "index": 0},
            ),
            "api: comment": lambda: self.send(
                "POST",
                f"/api/v1/tasks/{task_id()}/comments/",
                headers=self.api_headers,
                json_body={"body": "Calibration comment"},
            ),
        }


def calibrate(host: str, seed_file: Path, roots: list[int], repeat: int) -> list[KindCost]:
    seed = json.loads(seed_file.read_text())
    client = Client(host, seed)
    # The rotated refresh token goes back into the seed (run.py's measurements use it).
    seed_file.write_text(json.dumps(seed))
    costs = []
    for name, make_request in client.kinds().items():
        for _ in range(5):  # warm: every worker's first request of a kind imports and compiles
            make_request()
        meter = Meter(roots)
        meter.start(time.monotonic())
        for _ in range(repeat):
            make_request()
        usage = meter.stop(time.monotonic())
        costs.append(
            KindCost(name, repeat, {kind: cpu * 1000 / repeat for kind, cpu in usage.by_kind.items()})
        )
    return costs


def cost_table(costs: list[KindCost]) -> list[str]:
    kinds = ("gunicorn", "postgres", "pgbouncer", "redis", "nginx", "uvicorn", "celery")
    lines = [
        "| request kind | " + " | ".join(kinds) + " | serving total (CPU ms) |",
        "|---|" + "---:|" * (len(kinds) + 1),
    ]
    for cost in costs:
        cells = " | ".join(f"{cost.ms_by_kind.get(kind, 0.0):.2f}" for kind in kinds)
        lines.append(f"| {cost.name} | {cells} | **{cost.serving_ms:.2f}** |")
    return lines
