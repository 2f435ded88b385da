"""How fast the board page of a 5,000-task board opens in headless Chromium.

Starts its own PostgreSQL (a temporary cluster, like the test suite's) unless
--database-url is given, migrates, collects the static files (hashed and compressed, as in
production), makes the demo data with its large board (`seed_demo --tasks N`: N tasks over
five lists, with labels, assignees, due dates), serves the app with gunicorn under the
production settings, and opens the board as its owner --runs times, each in a fresh browser
profile (cold cache), measuring:

- first contentful paint (the browser's paint timing);
- interactive: our script has run and drag and drop is live (a performance mark set by
  static/js/app.js), or the end of the last long task if that is later;
- time to first byte, DOMContentLoaded and load, the HTML size, the cards rendered;
- "Show more cards": the time to fetch the next cards of a list.

    .venv/bin/python bench/page_load.py --tasks 5000 --runs 15

Debian's chromium is used through Playwright (never Playwright's own browser download).
Results: docs/benchmarks.md ("Large board page load").
"""

import argparse
import json
import os
import secrets
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

PROJECT_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_DIR))

from tests.browser import CHROMIUM, CHROMIUM_ARGS, PolicyViolations  # noqa: E402  (needs the path above)

WARMUP_RUNS = 2

METRICS_JS = """() => {
  const nav = performance.getEntriesByType("navigation")[0];
  const paint = performance.getEntriesByName("first-contentful-paint")[0];
  const ready = performance.getEntriesByName("taskboard:interactive")[0];
  const longTasks = window.__longTasks || [];
  const lastLongTaskEnd = longTasks.reduce((end, t) => Math.max(end, t.startTime + t.duration), 0);
  return {
    ttfb: nav.responseStart,
    fcp: paint ? paint.startTime : null,
    dcl: nav.domContentLoadedEventEnd,
    load: nav.loadEventEnd,
    ready: ready ? ready.startTime : null,
    interactive: Math.max(ready ? ready.startTime : 0, nav.domContentLoadedEventEnd, lastLongTaskEnd),
    long_tasks: longTasks.length,
    html_bytes: nav.encodedBodySize,
    html_transfer_bytes: nav.transferSize,
    cards: document.querySelectorAll(".task-card").length,
  };
}"""
# A small page may finish loading before its first paint.
# A function, not an expression: Playwright evals an expression, which the pages' CSP refuses.
PAINTED_JS = "() => performance.getEntriesByName('first-contentful-paint').length > 0"
# Long tasks are only reported to observers that exist: register one before the page runs.
LONG_TASK_OBSERVER_JS = """
window.__longTasks = [];
new PerformanceObserver((list) => { window.__longTasks.push(...list.getEntries()); })
  .observe({ type: "longtask", buffered: true });
"""
LOAD_MORE_JS = """async (url) => {
  const started = performance.now();
  const response = await fetch(url, { headers: { "HX-Request": "true" } });
  const text = await response.text();
  return { ms: performance.now() - started, status: response.status, bytes: text.length };
}"""


def free_port() -> int:
    from tests.plugins.processes import free_port as find

    return find()


def start_postgres(base_dir: Path) -> tuple[Any, str]:
    from tests.plugins.postgres import PrimaryServer, find_bindir
    from tests.plugins.processes import RunAs

    if os.geteuid() == 0:
        base_dir.chmod(0o711)
    server = PrimaryServer(
        name="bench", bindir=find_bindir(), directory=base_dir / "postgres", port=free_port(), run_as=RunAs()
    )
    server.init()
    server.start()
    server.create_database("taskboard")
    return server, server.url("taskboard")


def environment(database_url: str, static_root: Path, port: int) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "taskboard.settings.production",
        "DATABASE_URL": database_url,
        "DATABASE_REPLICA_URLS": "",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "JWT_SIGNING_KEY": secrets.token_urlsafe(40),
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "SECURE_SSL_REDIRECT": "false",
        "SECURE_HSTS_SECONDS": "0",
        "STATIC_ROOT": str(static_root),
        "SITE_URL": f"http://127.0.0.1:{port}",
        "LOG_LEVEL": "WARNING",
        # One account (one address) stands for the whole load: request rates raised far
        # past it, so nothing answers 429 but every request is still counted (their cost
        # is in the figures).
        "API_THROTTLE_USER": "100000000/min",
        "API_THROTTLE_ANON": "100000000/min",
    }


def seed(task_count: int) -> tuple[int, str, int]:
    """The demo data with its large board (`seed_demo --tasks N`): the board's id, a
    session key of its owner, and the id of its first list."""
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command

    from accounts.models import User
    from boards.models import Board
    from tasks.management.demo_data import ALICE, large_board_title

    call_command("seed_demo", tasks=task_count, stdout=open(os.devnull, "w"))  # noqa: SIM115
    owner = User.objects.get(email=ALICE)
    board = Board.objects.get(title=large_board_title(task_count), memberships__user=owner)
    first_list = board.lists.order_by("position").first()
    assert first_list is not None
    session = SessionStore()
    session[SESSION_KEY] = str(owner.pk)
    session[BACKEND_SESSION_KEY] = "django.contrib.auth.backends.ModelBackend"
    session[HASH_SESSION_KEY] = owner.get_session_auth_hash()
    session.create()
    assert session.session_key is not None
    return board.pk, session.session_key, first_list.pk


def wait_for_http(url: str, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while True:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)


def summarize(values: list[float]) -> dict[str, float]:
    ordered = sorted(values)
    p95 = ordered[min(len(ordered) - 1, round(0.95 * (len(ordered) - 1)))]
    return {"median": statistics.median(ordered), "p95": p95, "min": ordered[0], "max": ordered[-1]}


def measure(base_url: str, session_key: str, board_id: int, list_id: int, runs: int) -> dict[str, Any]:
    from playwright.sync_api import sync_playwright

    samples: list[dict[str, Any]] = []
    load_more: list[float] = []
    # The lightest page of the app (a form, no data), opened the same way: the floor that
    # the browser and the machine set, for comparison.
    baseline: list[dict[str, Any]] = []
    # A page that breaks under the Content-Security-Policy would be measured doing less.
    violations = PolicyViolations()
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        for run in range(WARMUP_RUNS + runs):
            context = browser.new_context(base_url=base_url, viewport={"width": 1366, "height": 900})
            context.add_cookies([{"name": "sessionid", "value": session_key, "url": base_url}])
            context.add_init_script(LONG_TASK_OBSERVER_JS)
            violations.watch(context)
            page = context.new_page()
            page.goto(f"/boards/{board_id}/", wait_until="load")
            page.wait_for_selector("html[data-ready]", state="attached")
            page.wait_for_function(PAINTED_JS)
            metrics = page.evaluate(METRICS_JS)
            more_url = page.locator(f"#more-{list_id} button").get_attribute("hx-get")
            more = page.evaluate(LOAD_MORE_JS, more_url)
            violations.collect(context)
            context.close()
            light = browser.new_context(base_url=base_url, viewport={"width": 1366, "height": 900})
            violations.watch(light)
            light_page = light.new_page()
            light_page.goto("/accounts/login/", wait_until="load")
            light_page.wait_for_function(PAINTED_JS)
            light_metrics = light_page.evaluate(METRICS_JS)
            violations.collect(light)
            light.close()
            if run >= WARMUP_RUNS:
                samples.append(metrics)
                load_more.append(more["ms"])
                baseline.append(light_metrics)
        version = browser.version
        browser.close()
    return {
        "chromium": version,
        "runs": runs,
        "cards_rendered": samples[-1]["cards"],
        "html_kib": round(samples[-1]["html_bytes"] / 1024, 1),
        "html_transfer_kib": round(samples[-1]["html_transfer_bytes"] / 1024, 1),
        "long_tasks": max(s["long_tasks"] for s in samples),
        **{
            key: summarize([s[key] for s in samples]) for key in ("ttfb", "fcp", "dcl", "load", "interactive")
        },
        "load_more": summarize(load_more),
        "baseline_login_page": {
            key: summarize([sample[key] for sample in baseline]) for key in ("ttfb", "fcp", "load")
        },
        "policy_violations": violations.found,
    }


def server_times(base_url: str, session_key: str, board_id: int, runs: int) -> dict[str, float]:
    """The board page's response time without a browser: one request at a time."""
    times = []
    for _ in range(WARMUP_RUNS + runs):
        request = urllib.request.Request(
            f"{base_url}/boards/{board_id}/", headers={"Cookie": f"sessionid={session_key}"}
        )
        started = time.perf_counter()
        with urllib.request.urlopen(request, timeout=10) as response:
            response.read()
        times.append((time.perf_counter() - started) * 1000)
    return summarize(times[WARMUP_RUNS:])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
    parser.add_argument("--database-url", help="an empty database to use instead of a temporary cluster")
    args = parser.parse_args()

    work_dir = Path(tempfile.mkdtemp(prefix="taskboard-bench-"))
    postgres = None
    gunicorn: subprocess.Popen[bytes] | None = None
    try:
        database_url = args.database_url
        if database_url is None:
            postgres, database_url = start_postgres(work_dir)
        port = free_port()
        env = environment(database_url, work_dir / "static", port)
        os.environ.update(env)
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0, interactive=False)
        call_command("collectstatic", verbosity=0, interactive=False)
        started = time.monotonic()
        board_id, session_key, list_id = seed(args.tasks)
        print(f"seeded {args.tasks} tasks in {time.monotonic() - started:.1f}s", file=sys.stderr)
        from django.db import connections

        connections.close_all()

        gunicorn = subprocess.Popen(
            [
                str(Path(sys.executable).parent / "gunicorn"),
                "taskboard.wsgi",
                "--bind",
                f"127.0.0.1:{port}",
                "--workers",
                str(args.workers),
                "--worker-class",
                "sync",
                "--log-level",
                "warning",
            ],
            cwd=PROJECT_DIR,
            env=env,
        )
        base_url = f"http://127.0.0.1:{port}"
        wait_for_http(f"{base_url}/healthz")
        load_before = os.getloadavg()[0]
        server = server_times(base_url, session_key, board_id, args.runs)
        results = measure(base_url, session_key, board_id, list_id, args.runs)
        results.update(
            server_response_ms=server,
            tasks=args.tasks,
            gunicorn_workers=args.workers,
            cpus=os.cpu_count(),
            # Other work on the machine shows in every figure: say how busy it was.
            load_average_1min={"before": load_before, "after": os.getloadavg()[0]},
        )
        print(json.dumps(results, indent=2))
        if results["policy_violations"]:
            sys.exit("The pages broke the Content-Security-Policy: the figures above are not valid.")
    finally:
        if gunicorn is not None:
            gunicorn.send_signal(signal.SIGTERM)
            gunicorn.wait(timeout=30)
        if postgres is not None:
            postgres.stop()
        shutil.rmtree(work_dir, ignore_errors=True)


if __name__ == "__main__":
    main()
