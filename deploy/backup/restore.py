"""`make restore-test`: restore the newest base backup into a temporary directory, replay the
archived WAL, start PostgreSQL on a free loopback port and check what came back.

Two stops on one restore:

1. up to the backup's marker (its named restore point), paused as a hot standby: the Django
   migration table is there and the main tables' row counts equal those the backup recorded;
2. on to the target (`--target-time`, or the end of the archive), then promoted: rows written
   after the backup and before the target are there, rows written after it are not.

By default (the primary reachable) the test makes its own proof of point-in-time recovery: it
writes a canary row, takes the time, writes a second canary row, waits until the WAL archive
holds both, and restores to that time (table `taskboard_backup_canary` in the app's
database, two rows per run). With `--target-time` it writes no canary but still waits for the
archive to hold everything the primary has written. `--offline` restores from the files
alone, without touching the primary, as after its loss.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

import psycopg
from psycopg import sql

from . import walarchive
from .basebackup import MIGRATIONS_TABLE, backups, make_scratch, unpack
from .common import BackupError, Database, Settings, Tools, free_port, log, parse_lsn, wait_until

CANARY_TABLE = "taskboard_backup_canary"
# pg_controldata's names of the settings a hot standby needs at least as high as the primary.
CONTROL_SETTINGS = {
    "max_connections setting": "max_connections",
    "max_worker_processes setting": "max_worker_processes",
    "max_wal_senders setting": "max_wal_senders",
    "max_prepared_xacts setting": "max_prepared_transactions",
    "max_locks_per_xact setting": "max_locks_per_transaction",
}
RESTORE_WAL_SCRIPT = """#!/bin/sh
# restore_command: a segment from the archive, else pg_receivewal's unfinished one (its
# valid records end where the receiver stopped; recovery treats the rest as the end of WAL).
src="{archive}/$1"
if [ -f "$src" ]; then exec cp "$src" "$2"; fi
if [ -f "$src.partial" ]; then exec cp "$src.partial" "$2"; fi
exit 1
"""


@dataclass
class Outcome:
    backup: str
    figures: dict[str, Any] = field(default_factory=dict)
    checks: list[tuple[str, bool, str]] = field(default_factory=list)

    def check(self, name: str, ok: bool, detail: str = "") -> None:
        self.checks.append((name, ok, detail))
        log(f"{'ok  ' if ok else 'FAIL'} {name}{': ' + detail if detail else ''}")

    @property
    def passed(self) -> bool:
        return bool(self.checks) and all(ok for _, ok, _ in self.checks)

    def as_dict(self) -> dict[str, Any]:
        return {
            "backup": self.backup,
            "passed": self.passed,
            "figures": self.figures,
            "checks": [{"name": n, "ok": ok, "detail": d} for n, ok, d in self.checks],
        }


@dataclass
class Canary:
    """The PITR proof's two rows, by label, and the moment between their commits."""

    before: str
    after: str
    target: datetime


def write_canary(db: Database, *, around_target: bool) -> tuple[Canary | None, str]:
    """Two rows around a moment, the PITR target (or, with an explicit target, one row), and
    the primary's flushed WAL position after them. Each INSERT commits on its own, and
    synchronously: once the last one returned, everything committed before is flushed, so
    the archive can be waited for up to that position."""
    run = uuid.uuid4().hex[:12]
    insert = sql.SQL("INSERT INTO {} (label) VALUES (%s)").format(sql.Identifier(CANARY_TABLE))
    with db.connect(autocommit=True) as conn:
        conn.execute("SET synchronous_commit = on")
        conn.execute(
            sql.SQL(
                "CREATE TABLE IF NOT EXISTS {} (id bigserial PRIMARY KEY, label text NOT NULL, "
                "written_at timestamptz NOT NULL DEFAULT clock_timestamp())"
            ).format(sql.Identifier(CANARY_TABLE))
        )
        canary = None
        if around_target:
            conn.execute(insert, [f"before-{run}"])
            # After the first commit returned, so later than its commit timestamp.
            canary = Canary(
                before=f"before-{run}", after=f"after-{run}", target=_one(conn, "SELECT clock_timestamp()")
            )
            conn.execute(insert, [canary.after])
        else:
            conn.execute(insert, [f"sync-{run}"])
        lsn = _one(conn, "SELECT pg_current_wal_flush_lsn()::text")
    return canary, lsn


def _one(conn: psycopg.Connection[Any], query: str, params: Any = None) -> Any:
    row = conn.execute(query, params).fetchone()
    assert row is not None
    return row[0]


class RestoredServer:
    """The restored cluster: our own postgresql.conf and pg_hba.conf (the backup's may name
    other ports, paths, libraries or a primary), trust on the local socket only."""

    def __init__(self, scratch: Path, tools: Tools, db_user: str, db_name: str) -> None:
        self.scratch = scratch
        self.data = scratch / "data"
        self.tools = tools
        self.port = free_port()
        self.log_file = scratch / "postgres.log"
        self.user = db_user
        self.dbname = db_name
        self.process: subprocess.Popen[bytes] | None = None

    def prepare(self, wal_dir: Path) -> None:
        script = self.scratch / "restore_wal.sh"
        script.write_text(RESTORE_WAL_SCRIPT.format(archive=wal_dir))
        script.chmod(0o755)
        for name in ("postgresql.auto.conf", "standby.signal", "postmaster.pid", "postmaster.opts"):
            if (self.data / name).exists():
                # Kept aside for a human; not read by the server.
                shutil.move(self.data / name, self.scratch / f"backup-{name}")
        (self.data / "pg_hba.conf").write_text("local all all trust\n")
        if not (self.data / "pg_ident.conf").exists():
            (self.data / "pg_ident.conf").write_text("")
        (self.data / "recovery.signal").write_text("")
        for name in ("pg_hba.conf", "pg_ident.conf", "recovery.signal"):
            self.tools.run_as.give(self.data / name)

    def configure(self, recovery: dict[str, str]) -> None:
        control = self.tools.run("pg_controldata", str(self.data)).stdout
        lines = [
            f"port = {self.port}",
            "listen_addresses = ''",  # the local socket only: nothing outside reaches it
            f"unix_socket_directories = '{self.scratch}'",
            "archive_mode = off",
            "hot_standby = on",
            # A throwaway copy: replay needs no durability, and fsync would measure the disk.
            "fsync = off",
            "shared_buffers = 128MB",
            "log_line_prefix = '%m [%p] '",
            f'restore_command = \'{self.scratch}/restore_wal.sh "%f" "%p"\'',
        ]
        for key, setting in CONTROL_SETTINGS.items():
            if match := re.search(rf"^{re.escape(key)}:\s+(\d+)", control, re.MULTILINE):
                lines.append(f"{setting} = {match.group(1)}")
        lines += [f"{key} = '{value}'" for key, value in recovery.items()]
        conf = self.data / "postgresql.conf"
        conf.write_text("# Written by deploy/backup/restore.py\n" + "\n".join(lines) + "\n")
        self.tools.run_as.give(conf)

    def start(self) -> None:
        with self.log_file.open("ab") as log_file:
            self.process = subprocess.Popen(
                self.tools.argv("postgres", "-D", str(self.data)),
                cwd="/", stdin=subprocess.DEVNULL, stdout=log_file, stderr=subprocess.STDOUT,
                env={**os.environ, "LC_ALL": "C", "LANG": "C"}, start_new_session=True,
            )  # fmt: skip

    def query(self, statement: str | sql.Composed, params: Any = None) -> list[tuple[Any, ...]]:
        self._check_alive()
        conninfo = (
            f"host={self.scratch} port={self.port} user={self.user} dbname={self.dbname} connect_timeout=5"
        )
        with psycopg.connect(conninfo, autocommit=True) as conn:
            return conn.execute(statement, params).fetchall()

    def _check_alive(self) -> None:
        if self.process is not None and self.process.poll() is not None:
            raise BackupError(f"the restored server exited ({self.process.returncode}):\n{self.log_tail()}")

    def wait(self, state: str, timeout: float) -> None:
        """`paused` (at a recovery target, in recovery) or `promoted` (out of recovery)."""

        def reached() -> bool | None:
            in_recovery, pause = self.query(
                "SELECT pg_is_in_recovery(), "
                "CASE WHEN pg_is_in_recovery() THEN pg_get_wal_replay_pause_state() END"
            )[0]
            if state == "paused":
                return True if in_recovery and pause == "paused" else None
            return True if not in_recovery else None

        wait_until(reached, timeout=timeout, what=f"the restored server to be {state}", interval=0.05)

    def stop(self) -> None:
        if self.process is None:
            return
        if self.process.poll() is None:
            try:
                self.tools.run("pg_ctl", "stop", "--wait", "--silent", "-m", "fast", "-D", str(self.data))
            except BackupError as exc:
                log(f"pg_ctl stop: {exc}")
            try:
                self.process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def log_tail(self, lines: int = 25) -> str:
        try:
            return "\n".join(self.log_file.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def redo_done_lsn(self) -> str | None:
        found = re.findall(r"redo done at ([0-9A-F]+/[0-9A-F]+)", self.log_file.read_text(errors="replace"))
        return found[-1] if found else None


def run(
    settings: Settings,
    db: Database | None,
    tools: Tools,
    *,
    target_time: datetime | None = None,
    expect_rows: tuple[str, ...] = (),
    expect_no_rows: tuple[str, ...] = (),
    keep_scratch: bool = False,
    timeout: float = 600,
) -> Outcome:
    complete = backups(settings)
    if not complete:
        raise BackupError(f"no complete backup in {settings.backup_dir}: run `make backup` first")
    probe: Canary | None = None
    if db is not None:
        # Everything written so far (the canary, the rows an explicit target is about) must
        # be in the archive before the restore reads it.
        probe, lsn = write_canary(db, around_target=target_time is None)
        if probe is not None:
            target_time = probe.target
            log(f"canary rows written around {target_time.isoformat()}")
        walarchive.wait_archived(db, lsn)
        log(f"the WAL archive holds the primary's WAL up to {lsn}")
    backup_dir, info = choose_backup(complete, target_time)
    outcome = Outcome(backup=backup_dir.name)
    scratch = make_scratch(settings, tools, "restore")
    # The backup's own user and database: they exist in the restored cluster.
    server = RestoredServer(scratch, tools, info["user"], info["dbname"])
    try:
        _restore(outcome, server, backup_dir, info, settings, tools, target_time, timeout)
        if probe is not None:
            labels = sql.SQL("SELECT label FROM {} WHERE label IN (%s, %s)").format(
                sql.Identifier(CANARY_TABLE)
            )
            rows = {row[0] for row in server.query(labels, [probe.before, probe.after])}
            outcome.check(
                "PITR: the row written before the target is there", probe.before in rows, probe.before
            )
            outcome.check(
                "PITR: the row written after the target is not", probe.after not in rows, probe.after
            )
        for query in expect_rows:
            outcome.check("expected rows", bool(server.query(query)), query)
        for query in expect_no_rows:
            outcome.check("expected no rows", not server.query(query), query)
    except (BackupError, psycopg.Error) as exc:
        outcome.check("restore", False, f"{exc}\n--- the restored server's log ---\n{server.log_tail()}")
    finally:
        server.stop()
        if keep_scratch:
            log(f"kept {scratch}")
        else:
            shutil.rmtree(scratch, ignore_errors=True)
    return outcome


def choose_backup(
    complete: list[tuple[Path, dict[str, Any]]], target: datetime | None
) -> tuple[Path, dict[str, Any]]:
    """The newest backup, or for a target the newest that can reach it: its marker before the
    target (both stops), else one that started before it (replay straight to the target)."""
    if target is None:
        return complete[-1]
    for key in ("time", None):
        for backup_dir, info in reversed(complete):
            moment = info["marker"]["time"] if key else info["started_at"]
            if datetime.fromisoformat(moment) < target:
                return backup_dir, info
    raise BackupError(f"every backup is newer than the target {target.isoformat()}")


def _restore(
    outcome: Outcome,
    server: RestoredServer,
    backup_dir: Path,
    info: dict[str, Any],
    settings: Settings,
    tools: Tools,
    target_time: datetime | None,
    timeout: float,
) -> None:
    figures = outcome.figures
    figures["backup_size_bytes"] = info["size_bytes"]
    figures["backup_seconds"] = info["seconds"]
    started = time.monotonic()
    unpack(backup_dir, server.data, tools)
    tools.run(
        "pg_verifybackup", "--quiet", f"--manifest-path={backup_dir / 'backup_manifest'}", str(server.data)
    )
    figures["restore_seconds"] = round(time.monotonic() - started, 2)
    outcome.check("the restored files match the backup manifest", True, "pg_verifybackup")
    server.prepare(settings.wal_dir)

    marker = info["marker"]
    replay = 0.0
    if target_time is None or target_time > datetime.fromisoformat(marker["time"]):
        server.configure({"recovery_target_name": marker["restore_point"], "recovery_target_action": "pause"})
        started = time.monotonic()
        server.start()
        server.wait("paused", timeout)
        replay += time.monotonic() - started
        outcome.check("consistent at the backup's marker", True, marker["restore_point"])
        _check_marker(outcome, server, marker)
        server.stop()
    else:
        outcome.check("marker counts", True, "skipped: the target is before the backup's marker")
    recovery = {"recovery_target_action": "promote"}
    if target_time is not None:
        recovery["recovery_target_time"] = target_time.isoformat()
    server.configure(recovery)
    started = time.monotonic()
    server.start()
    server.wait("promoted", timeout)
    replay += time.monotonic() - started
    end = server.redo_done_lsn() or server.query("SELECT pg_current_wal_lsn()::text")[0][0]
    figures["replay_seconds"] = round(replay, 2)
    figures["wal_bytes_replayed"] = parse_lsn(end) - parse_lsn(info["start_lsn"])
    figures["replayed_to"] = end
    figures["target"] = target_time.isoformat() if target_time else "end of the archive"
    outcome.check("promoted after replay", True, f"redo done at {end}")


def _check_marker(outcome: Outcome, server: RestoredServer, marker: dict[str, Any]) -> None:
    migrations = server.query(_count(MIGRATIONS_TABLE))[0][0] if marker["migrations"] is not None else None
    outcome.check(
        "the Django migration table is there",
        marker["migrations"] is not None and migrations == marker["migrations"],
        f"{migrations} migrations applied (backup: {marker['migrations']})",
    )
    for table, expected in marker["counts"].items():
        if expected is None:
            outcome.check(f"{table} rows", False, "the table did not exist at the backup")
            continue
        count = server.query(_count(table))[0][0]
        outcome.check(f"{table} rows", count == expected, f"{count} (backup recorded {expected})")


def _count(table: str) -> sql.Composed:
    return sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))
