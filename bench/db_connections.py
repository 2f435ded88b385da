"""Requests per second of a one-row read, by the way a request gets its database connection.

Each "request" is what Django does around a view: `request_started` (which closes
connections that are too old or broken), one primary-key SELECT, `request_finished`.
Connections are configured exactly as taskboard.db.config builds them for the app:

- new connection: CONN_MAX_AGE=0 without a pool (connect and disconnect every request);
- persistent: CONN_MAX_AGE=60 with health checks (DB_POOL=false, one connection per thread);
- pool: Django's psycopg 3 pool (DB_POOL=true), health-checked when lent out.

    DATABASE_URL=postgres://user:pass@127.0.0.1:5432/dbname \\
        .venv/bin/python bench/db_connections.py --seconds 5 --threads 1,4

It creates (and drops) a table `bench_db_connections` in that database. Results: docs/database.md.
"""

import argparse
import os
import sys
import threading
import time
from pathlib import Path

import django
from django.conf import settings

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TABLE = "bench_db_connections"
ROWS = 1000
MODES = {"new connection": "new_connection", "persistent": "persistent", "pool": "pooled"}


def configure(url: str, max_threads: int) -> None:
    from taskboard.db.config import build_databases

    def primary(*, pool: bool) -> dict:
        databases = build_databases(
            primary_url=url,
            replica_urls=[],
            pool=pool,
            read_pool_size=max_threads,
            write_pool_size=max_threads,
        )
        return databases["default"]

    persistent = primary(pool=False)
    settings.configure(
        DATABASES={
            "default": persistent,
            "persistent": persistent,
            "new_connection": {**persistent, "CONN_MAX_AGE": 0},
            "pooled": primary(pool=True),
        },
        USE_TZ=True,
        INSTALLED_APPS=[],
    )
    django.setup()


def one_request(alias: str, key: int) -> None:
    from django.core.signals import request_finished, request_started
    from django.db import connections

    request_started.send(sender=None)
    with connections[alias].cursor() as cursor:
        cursor.execute(f"SELECT id, name FROM {TABLE} WHERE id = %s", [key])
        cursor.fetchone()
    request_finished.send(sender=None)


def run(alias: str, threads: int, seconds: float) -> float:
    """Requests per second over all threads."""
    counts = [0] * threads
    start = threading.Barrier(threads + 1)

    def worker(index: int) -> None:
        from django.db import connections

        start.wait()
        done = 0
        while time.monotonic() < deadline:
            one_request(alias, done % ROWS + 1)
            done += 1
        counts[index] = done
        connections.close_all()

    workers = [threading.Thread(target=worker, args=(i,)) for i in range(threads)]
    for thread in workers:
        thread.start()
    deadline = time.monotonic() + seconds
    start.wait()
    began = time.monotonic()
    for thread in workers:
        thread.join()
    return sum(counts) / (time.monotonic() - began)


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=5.0, help="per measurement")
    parser.add_argument("--threads", default="1,4", help="comma-separated thread counts")
    args = parser.parse_args()
    url = os.environ.get("DATABASE_URL", "")
    if not url.startswith(("postgres://", "postgresql://")):
        parser.error("set DATABASE_URL to a PostgreSQL database")
    thread_counts = [int(n) for n in args.threads.split(",")]
    configure(url, max(thread_counts))

    from django.db import connections

    with connections["default"].cursor() as cursor:
        cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
        cursor.execute(f"CREATE TABLE {TABLE} (id integer PRIMARY KEY, name text NOT NULL)")
        cursor.execute(f"INSERT INTO {TABLE} SELECT n, 'item ' || n FROM generate_series(1, {ROWS}) n")
    try:
        print(f"| connection | {' | '.join(f'{n} thread(s), req/s' for n in thread_counts)} |")
        print(f"|---|{'---:|' * len(thread_counts)}")
        for label, alias in MODES.items():
            rates = [run(alias, threads, args.seconds) for threads in thread_counts]
            print(f"| {label} | {' | '.join(f'{rate:,.0f}' for rate in rates)} |", flush=True)
    finally:
        with connections["default"].cursor() as cursor:
            cursor.execute(f"DROP TABLE IF EXISTS {TABLE}")
        connections["pooled"].close_pool()  # type: ignore[attr-defined]


if __name__ == "__main__":
    main()
