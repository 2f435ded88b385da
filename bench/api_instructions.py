"""bench/api.py --metrics-cost, part 2: CPU instructions per request with and without issue 16's
metrics and logs, counted by valgrind's callgrind (deterministic: whatever else the machine
does, the count is the same).

`count_instructions()` (in bench/api.py's process) runs this file as a script under
`valgrind --tool=callgrind`, once with production's settings and once with the baseline
(scenarios.BASELINE), against the bench's PostgreSQL and Redis (they run outside valgrind;
only this Python process is counted, not its children). The script sets Django up, builds
the WSGI environ gunicorn would and calls the WSGI application (taskboard.wsgi, the whole
middleware stack) directly: warm board detail, then POST task, each `warmup` times, then N
times, then 2N times. Between the parts it calls os.getppid(), which nothing else in the
process calls: callgrind's --dump-before=getppid writes the count of each part to a file of
its own. Per request: (count of the 2N part - count of the N part) / N, so whatever a part
costs once (the marker, a full garbage collection at its end) cancels. PYTHONHASHSEED is
fixed: the same run counts the same.

gunicorn's own work per request (parsing, the socket) is the same with and without and is not
counted here, so the ratio overstates the cost a server sees: a conservative bound.
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import os
import re
import shutil
import subprocess
import sys
from collections import Counter
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any, cast

from api_stack import PROJECT_DIR

# The parts of a run, in order, each ended by a marker (a dump).
SCENARIOS = (("detail_warm_200", 200), ("post_task", 201))
PARTS_PER_SCENARIO = ("warmup", "n", "2n")


# -- the script, under valgrind -----------------------------------------------------------------


def _environ(method: str, path: str, token: str, body: bytes = b"") -> dict[str, Any]:
    """What gunicorn's sync worker hands the application for wrk's request."""
    environ: dict[str, Any] = {
        "wsgi.version": (1, 0),
        "wsgi.url_scheme": "http",
        "wsgi.input": io.BytesIO(body),
        "wsgi.errors": sys.stderr,
        "wsgi.multithread": False,
        "wsgi.multiprocess": True,
        "wsgi.run_once": False,
        "SERVER_SOFTWARE": "gunicorn",
        "REQUEST_METHOD": method,
        "QUERY_STRING": "",
        "RAW_URI": path,
        "SERVER_PROTOCOL": "HTTP/1.1",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_AUTHORIZATION": f"Bearer {token}",
        "HTTP_ACCEPT": "application/json",
        "REMOTE_ADDR": "127.0.0.1",
        "REMOTE_PORT": "40000",
        "SERVER_NAME": "127.0.0.1",
        "SERVER_PORT": "80",
        "SCRIPT_NAME": "",
        "PATH_INFO": path,
    }
    if body:
        environ["CONTENT_TYPE"] = "application/json"
        environ["CONTENT_LENGTH"] = str(len(body))
    return environ


def _requests(args: argparse.Namespace) -> dict[str, Callable[[int], dict[str, Any]]]:
    lists = [int(x) for x in args.lists.split(",")]
    detail_path = f"/api/v1/boards/{args.board}/"
    tasks_path = f"/api/v1/boards/{args.board}/tasks/"

    def post(number: int) -> dict[str, Any]:
        # As bench/wrk/post_task.lua, the list taken in turn rather than at random.
        body = {"list_id": lists[number % len(lists)], "title": f"Bench task c-{number}", "priority": "high"}
        return _environ("POST", tasks_path, args.token, json.dumps(body).encode())

    return {
        "detail_warm_200": lambda number: _environ("GET", detail_path, args.token),
        "post_task": post,
    }


def _drive(args: argparse.Namespace) -> None:
    from taskboard.wsgi import application  # Django's setup, as gunicorn's preload does

    statuses: Counter[str] = Counter()
    status = [""]
    header_names: set[str] = set()

    def start_response(line: str, headers: list[tuple[str, str]], exc_info: Any = None) -> None:
        status[0] = line
        header_names.update(name.lower() for name, _ in headers)

    def call(environ: dict[str, Any]) -> None:
        response: Iterable[bytes] = application(environ, cast(Any, start_response))
        b"".join(response)
        response.close()  # type: ignore[attr-defined]  # request_finished, as gunicorn does

    made = _requests(args)
    number = 0
    for name, expected in SCENARIOS:
        for part in PARTS_PER_SCENARIO:
            count = {"warmup": args.warmup, "n": args.requests, "2n": 2 * args.requests}[part]
            for _ in range(count):
                number += 1
                call(made[name](number))
                statuses[f"{name} {status[0]}"] += 1
                if not status[0].startswith(str(expected)):
                    sys.exit(f"{name}: {status[0]} (expected {expected})")
            # Each part ends with a full collection, so that the next starts from the same
            # state whatever the garbage collector's counters were (a full collection is
            # millions of instructions: one more in the N part than in the 2N part would
            # skew the difference); both parts then count one, and it cancels.
            gc.collect()
            os.getppid()  # the marker: callgrind dumps the part's count here
    from django.conf import settings
    from prometheus_client import values

    # What this run had: the check that "without" is without (bench/api_baseline_settings.py).
    setup = {
        "statuses": statuses,
        "middlewares": len(settings.MIDDLEWARE),
        "x_request_id": "x-request-id" in header_names,
        "value_class": values.ValueClass.__name__,
        "multiprocess_dir": bool(os.environ.get("PROMETHEUS_MULTIPROC_DIR")),
    }
    print("SETUP " + json.dumps(setup), flush=True)


# -- the counts, in bench/api.py's process ------------------------------------------------------


def summary(path: Path) -> int:
    """The instructions a callgrind dump counted (its `summary:` line)."""
    match = re.search(r"^summary:\s+(\d+)", path.read_text(errors="replace"), re.MULTILINE)
    if match is None:
        raise RuntimeError(f"no summary line in {path}")
    return int(match.group(1))


def run_callgrind(
    env: dict[str, str], out_dir: Path, *, requests: int, warmup: int, fx: Any
) -> dict[str, Any]:
    """One valgrind run of the script; the instructions of each part, per request."""
    shutil.rmtree(out_dir, ignore_errors=True)
    out_dir.mkdir(parents=True)
    argv = [
        "valgrind",
        "--tool=callgrind",
        "--dump-before=getppid",
        f"--callgrind-out-file={out_dir / 'callgrind.out'}",
        f"--log-file={out_dir / 'valgrind.log'}",
        sys.executable,
        str(Path(__file__).resolve()),
        f"--requests={requests}",
        f"--warmup={warmup}",
        f"--token={fx.token}",
        f"--board={fx.small_board_id}",
        f"--lists={','.join(map(str, fx.list_ids(fx.small_board)))}",
    ]
    result = subprocess.run(argv, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise RuntimeError(
            f"callgrind run failed ({result.returncode}):\n{result.stdout}{result.stderr[-3000:]}"
        )
    setup = json.loads(result.stdout.split("SETUP ", 1)[1])
    dumps = numbered_dumps(out_dir, "callgrind.out")
    figures: dict[str, Any] = {"setup": setup}
    figures.update(per_request([summary(path) for path in dumps], requests, where=f"{out_dir} (getppid)"))
    return figures


def numbered_dumps(out_dir: Path, prefix: str) -> list[Path]:
    """A process's dumps, `prefix`.1, `prefix`.2, ... in the order callgrind wrote them (not
    `prefix` itself: what the process counted after its last dump, written when it exits)."""
    dumps = [path for path in out_dir.glob(f"{prefix}.*") if path.name[len(prefix) + 1 :].isdigit()]
    return sorted(dumps, key=lambda path: int(path.name[len(prefix) + 1 :]))


def per_request(counts: list[int], requests: int, *, where: str) -> dict[str, dict[str, float]]:
    """Each scenario's instructions per request from the counts of its parts (warm-up, N, 2N,
    in SCENARIOS' order): (2N part - N part) / N, and the parts' own averages (a check)."""
    expected = len(SCENARIOS) * len(PARTS_PER_SCENARIO)
    if len(counts) != expected:
        raise RuntimeError(
            f"{len(counts)} dumps in {where}, expected {expected}: the marker called elsewhere?"
        )
    figures = {}
    for index, (name, _) in enumerate(SCENARIOS):
        _warm, once, twice = counts[index * 3 : index * 3 + 3]
        figures[name] = {
            "per_request": (twice - once) / requests,
            "n_part_per_request": once / requests,
            "2n_part_per_request": twice / (2 * requests),
        }
    return figures


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--requests", type=int, required=True, help="N")
    parser.add_argument("--warmup", type=int, default=50)
    parser.add_argument("--token", required=True)
    parser.add_argument("--board", type=int, required=True)
    parser.add_argument("--lists", required=True, help="the board's list ids, comma-separated")
    return parser


if __name__ == "__main__":
    _drive(_parser().parse_args())
