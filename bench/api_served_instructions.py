"""bench/api.py --metrics-cost --served-instructions N, part 3: CPU instructions per request
of a gunicorn sync worker serving the request, with and without issue 16's metrics and logs.

bench/api_instructions.py counts the WSGI application called in process: gunicorn's own work
per request (accepting the connection, reading and parsing the request in Python, building
the environ, writing the response, the worker's loop), the same with and without, is not in
it, so its ratio overstates the cost a served request sees. Here the whole request is
counted: gunicorn with deploy/gunicorn.conf.py and ONE sync worker runs under
`valgrind --tool=callgrind` (the master; the worker it forks after the preload is counted in
a file of its own, callgrind.<pid>); PostgreSQL, Redis and the client (this process: one
request per connection, one after the other, http.client) run outside valgrind.

The parts are the in-process run's (warm-up, N, 2N; warm board detail, then POST task), each
ended by a request to a URL only the bench's settings have (bench/api_marker_settings.py,
bench/api_marker_urls.py: production's URLconf plus one pattern after all of them): its view
collects garbage and calls os.getsid(), which callgrind's --dump-before=getsid turns into a
dump. The marker request's own work falls partly before and partly after the dump, the same
in every part, so it cancels in (2N part - N part) / N, like the rest of a part's fixed cost
(its first request, which adds its label sets to the metrics' files, is made before the
parts, without a dump).
PYTHONHASHSEED is fixed. gunicorn's timeout is raised (valgrind runs it 50-100 times slower),
and the once-a-minute write of a user's activity happens once, in the warm-up (below).
"""

from __future__ import annotations

import http.client
import json
import shutil
from collections import Counter
from pathlib import Path
from typing import Any

from api_fixture import Fixture
from api_instructions import PARTS_PER_SCENARIO, SCENARIOS, numbered_dumps, per_request, summary
from api_stack import Stack

# bench/api_marker_urls.py's MARKER_PATH (that module imports Django; this one must not).
MARKER = "/bench-callgrind-marker/"
# Seconds: a request under valgrind takes a fraction of a second, the first ones (imports,
# the connection to PostgreSQL) several.
REQUEST_TIMEOUT = 600
GUNICORN_TIMEOUT = "3600"


def _request(
    port: int, method: str, path: str, *, token: str = "", body: bytes = b""
) -> http.client.HTTPResponse:
    """One request on a connection of its own (a sync worker closes it after the response)."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=REQUEST_TIMEOUT)
    headers = {"Accept": "application/json"}
    if token:
        headers["Authorization"] = f"Bearer {token}"
    if body:
        headers["Content-Type"] = "application/json"
    try:
        connection.request(method, path, body=body or None, headers=headers)
        response = connection.getresponse()
        response.read()
        return response
    finally:
        connection.close()


def _drive(port: int, fx: Fixture, *, requests: int, warmup: int) -> Counter[str]:
    """The parts, each ended by the marker request; the statuses seen."""
    lists = fx.list_ids(fx.small_board)
    detail = f"/api/v1/boards/{fx.small_board_id}/"
    tasks = f"/api/v1/boards/{fx.small_board_id}/tasks/"
    statuses: Counter[str] = Counter()
    number = 0
    # The marker URL's first request, undumped (bench/api_marker_urls.py).
    if _request(port, "GET", MARKER + "?warm").status != 204:
        raise RuntimeError("the marker URL does not answer: not the bench's marker settings?")
    for name, expected in SCENARIOS:
        for part in PARTS_PER_SCENARIO:
            for _ in range({"warmup": warmup, "n": requests, "2n": 2 * requests}[part]):
                number += 1
                if name == "post_task":
                    # As the in-process run: bench/wrk/post_task.lua's body, the list in turn.
                    body = {
                        "list_id": lists[number % len(lists)],
                        "title": f"Bench task s-{number}",
                        "priority": "high",
                    }
                    response = _request(port, "POST", tasks, token=fx.token, body=json.dumps(body).encode())
                else:
                    response = _request(port, "GET", detail, token=fx.token)
                statuses[f"{name} {response.status}"] += 1
                if response.status != expected:
                    raise RuntimeError(f"served {name}: {response.status} (expected {expected})")
            marked = _request(port, "GET", MARKER)
            if marked.status != 204:
                raise RuntimeError(f"the marker answered {marked.status}: not the bench's marker settings?")
    return statuses


def count_served(
    stack: Stack, settings: dict[str, str], out_dir: Path, *, requests: int, warmup: int, fx: Fixture
) -> dict[str, Any]:
    """One gunicorn under callgrind with `settings` (a variant's), driven through the parts;
    its worker's instructions per request."""
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir(parents=True)
    env = {
        **settings,
        # The variant's settings module, with the marker URL added.
        "BENCH_MARKED_SETTINGS": settings.get("DJANGO_SETTINGS_MODULE", "taskboard.settings.production"),
        "DJANGO_SETTINGS_MODULE": "bench.api_marker_settings",
        "GUNICORN_WORKERS": "1",
        "GUNICORN_TIMEOUT": GUNICORN_TIMEOUT,
        "PYTHONHASHSEED": "0",
        # A signed-in user's activity is written to Redis once a minute per process
        # (accounts/active_users.py): once in some 25,000 requests at a served rate, but every
        # few hundred under valgrind, in one part and not another. After the first request,
        # never (both variants; the per-request check still runs).
        "ACTIVE_USERS_TOUCH_SECONDS": "86400",
    }
    under = (
        "valgrind",
        "--tool=callgrind",
        "--dump-before=getsid",
        f"--callgrind-out-file={out_dir / 'callgrind.%p'}",
        f"--log-file={out_dir / 'valgrind.%p.log'}",
    )
    stack.start_gunicorn_under(under, env, ready_timeout=900)
    try:
        workers = stack.worker_pids()
        if len(workers) != 1:
            raise RuntimeError(f"{len(workers)} gunicorn workers, expected 1 (--gunicorn-args?)")
        health = _request(stack.port, "GET", "/healthz")
        statuses = _drive(stack.port, fx, requests=requests, warmup=warmup)
    finally:
        stack.stop_gunicorn()
    (worker,) = workers
    figures: dict[str, Any] = {
        "setup": {"statuses": statuses, "x_request_id": health.getheader("X-Request-ID") is not None}
    }
    counts = [summary(path) for path in numbered_dumps(out_dir, f"callgrind.{worker}")]
    figures.update(per_request(counts, requests, where=f"{out_dir} (worker {worker}, getsid)"))
    return figures


def served_report(served: dict[str, Any], in_process: dict[str, Any] | None) -> list[str]:
    """The served counts' table: per request with and without, the served ratio, and
    gunicorn's share (served - in process) where the in-process counts ran too."""
    lines = [
        "| scenario | served instructions/request with | without | served cost (with / without - 1) "
        "| in-process cost | gunicorn's share (served - in process) with / without |",
        "|---|---:|---:|---:|---:|---|",
    ]
    for name, _ in SCENARIOS:
        on, off = served["with"][name]["per_request"], served["without"][name]["per_request"]
        in_cost, share = "-", "-"
        if in_process is not None:
            own_on, own_off = (
                in_process["with"][name]["per_request"],
                in_process["without"][name]["per_request"],
            )
            in_cost = f"{own_on / own_off - 1:+.1%}"
            share = f"{on - own_on:,.0f} / {off - own_off:,.0f}"
        lines.append(f"| {name} | {on:,.0f} | {off:,.0f} | **{on / off - 1:+.1%}** | {in_cost} | {share} |")
    for variant in ("with", "without"):
        setup = served[variant]["setup"]
        lines.append(
            f"\nserved, {variant}: X-Request-ID {setup['x_request_id']}, statuses {dict(setup['statuses'])}"
        )
    return lines
