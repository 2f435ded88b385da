"""PostgreSQL and Redis for a benchmark (bench/api.py, bench/reminders.py, bench/load/): the
suite's server helpers in the benchmark's folder, on free ports, with production's durability
(the suite's own cluster turns it off: it lives for one run)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from .postgres import PrimaryServer, find_bindir
from .processes import RunAs, free_port
from .redis_server import RedisServer

DURABLE_POSTGRES_SETTINGS = (
    "\n# a benchmark: production durability\n"
    "fsync = on\n"
    "synchronous_commit = on\n"
    "full_page_writes = on\n"
    "autovacuum = on\n"
    "shared_buffers = 128MB\n"
)


PROJECT_DIR = Path(__file__).resolve().parents[2]


def manage_py(env: dict[str, str], *args: str) -> str:
    """`manage.py <args>` with a benchmark's environment; its output, or RuntimeError with it."""
    result = subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=PROJECT_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise RuntimeError(f"manage.py {' '.join(args)} failed:\n{result.stdout}{result.stderr}")
    return result.stdout


class BenchServers:
    def __init__(self, base_dir: Path, *, name: str, database: str) -> None:
        self.base_dir = base_dir
        self.database = database
        self.postgres = PrimaryServer(
            name=name, bindir=find_bindir(), directory=base_dir / "postgres", port=free_port(), run_as=RunAs()
        )
        self.redis = RedisServer(directory=base_dir / "redis", port=free_port())

    def start(self, *, durable: bool = True) -> None:
        if os.geteuid() == 0:
            self.base_dir.chmod(0o711)  # the postgres user enters its own subfolder
        self.postgres.init()
        if durable:
            with (self.postgres.data_dir / "postgresql.conf").open("a") as conf:
                conf.write(DURABLE_POSTGRES_SETTINGS)
        self.postgres.start()
        self.postgres.create_database(self.database)
        self.redis.start()

    def stop(self) -> None:
        self.redis.stop()
        self.postgres.stop()
