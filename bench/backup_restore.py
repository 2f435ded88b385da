"""`make backup` and `make restore-test` on a database of some size, for the figures in
docs/operations.md "Backups and restore" (RPO/RTO) and docs/benchmarks.md.

Starts its own PostgreSQL (durable settings: fsync, synchronous_commit, full_page_writes on)
in a temporary directory, migrates, seeds the demo with a large board (`seed_demo --tasks N`)
and adds a ballast table of `--ballast-mb` so that the base backup has a size worth timing.
Then: `python -m deploy.backup backup`, writes `--wal-mb` of WAL (updates of the tasks,
as a day of edits would), `python -m deploy.backup restore-test` (the canary PITR test,
replaying all of it), and prints the figures. Everything is stopped and deleted at the end.

    .venv/bin/python bench/backup_restore.py --tasks 5000 --ballast-mb 200 --wal-mb 256
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(PROJECT_DIR))

from tests.plugins.bench_servers import DURABLE_POSTGRES_SETTINGS  # noqa: E402
from tests.plugins.postgres import PrimaryServer, find_bindir  # noqa: E402
from tests.plugins.processes import RunAs, free_port  # noqa: E402

DATABASE = "taskboard"


def _run(argv: list[str], env: dict[str, str]) -> str:
    started = time.monotonic()
    result = subprocess.run(argv, cwd=PROJECT_DIR, env=env, capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise SystemExit(f"{' '.join(argv[:4])} failed:\n{result.stdout}{result.stderr}")
    print(f"  {' '.join(argv[1:4])}: {time.monotonic() - started:.1f}s", flush=True)
    return result.stdout


def _write_wal(server: PrimaryServer, megabytes: int) -> int:
    """Update every task's title in batches until `megabytes` of WAL are written."""
    start = server.execute("SELECT pg_current_wal_lsn()", dbname=DATABASE)
    assert start is not None
    written = 0
    while written < megabytes * 1024 * 1024:
        server.execute("UPDATE tasks_task SET title = left(title, 150) || '.'", dbname=DATABASE)
        since = "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), %s)"
        rows = server.execute(since, [start[0][0]], dbname=DATABASE)
        assert rows is not None
        written = int(rows[0][0])
    return written


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--tasks", type=int, default=5000)
    parser.add_argument("--ballast-mb", type=int, default=200)
    parser.add_argument("--wal-mb", type=int, default=256)
    args = parser.parse_args()

    base_dir = Path(tempfile.mkdtemp(prefix="taskboard-bench-backup-"))
    base_dir.chmod(0o711)  # the postgres user reaches its subdirectories
    server = PrimaryServer(
        name="bench", bindir=find_bindir(), directory=base_dir / "postgres", port=free_port(), run_as=RunAs()
    )
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "taskboard.settings.local",
        "BACKUP_DIR": str(base_dir / "backups"),
        "BACKUP_SCRATCH_DIR": str(base_dir / "scratch"),
        "BACKUP_SLOT": "taskboard_bench_backup",
    }
    try:
        server.init()
        with (server.data_dir / "postgresql.conf").open("a") as conf:
            conf.write(DURABLE_POSTGRES_SETTINGS)
        server.start()
        server.create_database(DATABASE)
        env["DATABASE_URL"] = env["BACKUP_DATABASE_URL"] = server.url(DATABASE)
        print("setting up:", flush=True)
        _run([sys.executable, "manage.py", "migrate", "--noinput"], env)
        _run([sys.executable, "manage.py", "seed_demo", "--tasks", str(args.tasks)], env)
        server.execute(
            "CREATE TABLE bench_ballast AS SELECT g AS id, repeat(md5(g::text), 3) AS body "
            "FROM generate_series(1, %s) AS g",
            [args.ballast_mb * 1024 * 1024 // 140],
            dbname=DATABASE,
        )
        size = server.execute("SELECT pg_database_size(%s)", [DATABASE])
        assert size is not None
        print(f"database: {size[0][0] / 1024 / 1024:.0f} MiB", flush=True)
        print("backup:", flush=True)
        _run([sys.executable, "-m", "deploy.backup", "backup"], env)
        wal = _write_wal(server, args.wal_mb)
        print(f"wrote {wal / 1024 / 1024:.0f} MiB of WAL after the backup", flush=True)
        print("restore test:", flush=True)
        out = _run([sys.executable, "-m", "deploy.backup", "restore-test", "--json"], env)
        outcome = json.loads(out.strip().splitlines()[-1])
        print(json.dumps(outcome["figures"], indent=2))
        print(f"restore test {'PASSED' if outcome['passed'] else 'FAILED'}")
        return 0 if outcome["passed"] else 1
    finally:
        subprocess.run(
            [sys.executable, "-m", "deploy.backup", "wal-stop"], cwd=PROJECT_DIR, env=env, check=False
        )
        server.stop()
        shutil.rmtree(base_dir, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
