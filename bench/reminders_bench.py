"""Due-date reminders at volume (issue 15; docs/benchmarks.md "Reminders"); run through
bench/reminders.py.

    .venv/bin/python bench/reminders.py                      # or: make bench-reminders

Starts PostgreSQL (production's durability settings) and Redis in a temporary directory and
an SMTP server in this process, all on free ports; migrates; then

1. **The scan**, in this process: for 10,000 and for 100,000 tasks due within the same
   minute (among --background tasks not due), the read of the whole window alone and
   beat's scan (chunk after chunk: read, claim, notifications, outbox mails) timed, each in
   a transaction rolled back, with the due-date index and without it (dropped inside the
   transaction; beat's whole scan without it only at 10,000), and EXPLAIN ANALYZE of a
   chunk's read at the window's start and at its middle.
2. **The send**: 10,000 tasks due within one minute across 2,000 people, one Celery worker
   started as production starts it (`celery -A taskboard worker`: the prefork pool, one
   child per core), `reminders.scan` queued as beat queues it; the time until the SMTP
   server has every reminder, and each reminder's count there (by Message-ID, derived
   from the mail's key): each must be exactly 1.

Prints JSON; exits 1 when a reminder is missing or doubled, or the send took over --limit
seconds.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path
from typing import Any

from reminders_stack import Stack

SEND_TASK = "reminders.scan"


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--tasks", type=int, default=10_000, help="tasks due in the send run")
    parser.add_argument("--users", type=int, default=2_000, help="people in the send run")
    parser.add_argument("--scan-sizes", default="10000,100000", help="due tasks of the scan timings")
    parser.add_argument("--background", type=int, default=200_000, help="tasks not due, on the same boards")
    parser.add_argument("--limit", type=float, default=60.0, help="seconds the send may take")
    parser.add_argument("--skip-scan", action="store_true", help="only the send run")
    parser.add_argument("--skip-send", action="store_true", help="only the scan timings")
    parser.add_argument("--committed-scan", action="store_true", help="chunks committed, not rolled back")
    parser.add_argument("--worker-log", type=Path, help="copy the worker's log here")
    return parser.parse_args()


def setup_django(stack: Stack) -> None:
    os.environ.update(stack.env())
    import django

    django.setup()


def scan_timings(
    sizes: list[int], users_per_task: float, *, committed: bool, stack: Stack
) -> list[dict[str, Any]]:
    import reminders_data as data
    from django.utils import timezone

    results = []
    for size in sizes:
        now = timezone.now()
        people = data.seed_people(tag=f"scan{size}", count=max(1, int(size * users_per_task)))
        seeded = data.seed_tasks(
            people=people,
            count=size,
            due=data.due_within_one_minute(now + timedelta(minutes=30)),
            tag=f"s{size}",
        )
        data.analyze()
        entry: dict[str, Any] = {"due_tasks": size, "people": len(people)}
        for without_index in (True, False):
            # Beat's whole scan without the index only at the smaller size (it is minutes).
            full = (not without_index or size <= 10_000) and not committed
            measured = data.measure_scan(now=timezone.now(), without_index=without_index, full_scan=full)
            print(
                f"\n--- {size} due, {'without' if without_index else 'with'} the index ---", file=sys.stderr
            )
            for plan in ("first_chunk_plan", "middle_chunk_plan"):
                print(f"{plan}:\n{measured.pop(plan)}", file=sys.stderr)
            entry["without_index" if without_index else "with_index"] = measured
        if committed:
            entry["with_index"].update(data.measure_committed_scan(now=timezone.now()))
            stack.redis.client(1).flushdb()  # the committed chunks' send tasks: no worker ran
        results.append(entry)
        print(json.dumps(entry), file=sys.stderr)
        data.delete_due(seeded.task_ids)
    return results


def send_run(stack: Stack, *, tasks: int, users: int, limit: float) -> dict[str, Any]:
    import reminders_data as data
    from django.utils import timezone

    from taskboard import celery_app

    people = data.seed_people(tag="send", count=users)
    seeded = data.seed_tasks(
        people=people,
        count=tasks,
        due=data.due_within_one_minute(timezone.now() + timedelta(minutes=30)),
        tag="x",
    )
    data.analyze()
    stack.smtp.reset()
    stack.start_worker()
    cpu_before = stack.cpu_seconds()
    started = time.monotonic()
    celery_app.send_task(SEND_TASK)  # as beat queues it: by name, routed to `reminders`
    expected = seeded.expected_message_ids
    deadline = started + max(limit * 3, 120)
    while stack.smtp.total < len(expected) and time.monotonic() < deadline:
        time.sleep(0.05)
    elapsed = time.monotonic() - started
    cpu = {part: round(used - cpu_before[part], 1) for part, used in stack.cpu_seconds().items()}
    time.sleep(5)  # a doubled send would show by now (every task ran)
    counts = stack.smtp.counts
    log = stack.worker_log.read_text(errors="replace")
    scan_lines = [line for line in log.splitlines() if "reminders.scan[" in line and "succeeded in" in line]
    result = {
        "tasks": tasks,
        "people": users,
        "worker_concurrency": os.cpu_count(),
        "seconds_to_last_reminder": round(elapsed, 2),
        "received": stack.smtp.total,
        "distinct": len(counts),
        "missing": len(expected - set(counts)),
        "doubled": sum(1 for count in counts.values() if count > 1),
        "unexpected": len(set(counts) - expected),
        "scan_task": scan_lines[-1].split("succeeded in", 1)[1].split(":")[0].strip() if scan_lines else None,
        "within_limit": elapsed <= limit,
        # CPU the send used, all parts on this machine together: over 2 cores, the wall
        # time it needs when nothing else runs.
        "cpu_seconds": cpu,
        "cpu_seconds_total": round(sum(cpu.values()), 1),
    }
    return result


def main() -> int:
    args = parse_args()
    # Stopped with SIGTERM: the servers are still stopped and the directory removed.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(1))
    with tempfile.TemporaryDirectory(prefix="taskboard-bench-reminders-") as tmp:
        stack = Stack(Path(tmp))
        try:
            stack.start()
            stack.manage("migrate", "--noinput")
            setup_django(stack)
            import reminders_data as data
            from django.utils import timezone

            report: dict[str, Any] = {"cpus": os.cpu_count(), "load_at_start": os.getloadavg()}
            if args.background:
                now = timezone.now()
                owners = data.seed_people(tag="bg", count=max(1, args.background // 50))
                data.seed_tasks(people=owners, count=args.background, due=data.not_due(now), tag="bg")
            report["background_tasks"] = args.background
            if not args.skip_scan:
                sizes = [int(size) for size in args.scan_sizes.split(",") if size]
                report["scan"] = scan_timings(
                    sizes, users_per_task=args.users / args.tasks, committed=args.committed_scan, stack=stack
                )
            ok = True
            if not args.skip_send:
                report["send"] = send = send_run(stack, tasks=args.tasks, users=args.users, limit=args.limit)
                ok = send["within_limit"] and not (send["missing"] or send["doubled"] or send["unexpected"])
            report["load_at_end"] = os.getloadavg()
            if args.worker_log and stack.worker_log.exists():
                args.worker_log.write_bytes(stack.worker_log.read_bytes())
            print(json.dumps(report, indent=2))
            return 0 if ok else 1
        finally:
            stack.stop()


if __name__ == "__main__":
    sys.exit(main())
