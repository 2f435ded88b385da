"""Continuous WAL archiving: pg_receivewal streams the primary's WAL into BACKUP_DIR/wal/
through a replication slot of its own.

Why pg_receivewal rather than archive_command: it needs no change to the server's
configuration (any primary a URL names, the suite's own included), it runs as a replication
client like a replica, and it receives each record as it is written instead of each 16 MiB
segment once full (`archive_command` loses up to `archive_timeout` of WAL with the primary;
pg_receivewal with --synchronous loses what the network had in flight). The slot keeps the
primary from recycling WAL the receiver has not yet stored, so a receiver that was down
resumes where it stopped; the price is disk on the primary while it is down (watch the
slot's retained bytes: `python -m deploy.backup wal-status`). The current segment is `<name>.partial`
until it is complete; the restore uses it as the last segment.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
from pathlib import Path
from typing import Any

from .common import RECEIVER_NAME, BackupError, Database, Settings, Tools, log, parse_lsn, wait_until

PID_FILE = "pg_receivewal.pid"
LOG_FILE = "pg_receivewal.log"


def _receiver_uri(db: Database) -> str:
    joiner = "&" if "?" in db.uri else "?"
    return f"{db.uri}{joiner}application_name={RECEIVER_NAME}"


def running_pid(wal_dir: Path) -> int | None:
    """The receiver's pid from the pid file, if that process is still pg_receivewal on this
    directory (a pid file left by a crash may name someone else by now)."""
    try:
        pid = int((wal_dir / PID_FILE).read_text().strip())
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
    except (OSError, ValueError):
        return None
    args = [arg.decode(errors="replace") for arg in cmdline]
    if any(arg.endswith("pg_receivewal") for arg in args) and f"--directory={wal_dir}" in args:
        return pid
    return None


def receiver_state(db: Database) -> dict[str, Any] | None:
    """pg_stat_replication's row for our receiver on the primary, or None."""
    with db.connect(autocommit=True) as conn:
        row = conn.execute(
            "SELECT pid, state, write_lsn::text, flush_lsn::text FROM pg_stat_replication "
            "WHERE application_name = %s ORDER BY backend_start DESC LIMIT 1",
            [RECEIVER_NAME],
        ).fetchone()
    if row is None:
        return None
    return {"pid": row[0], "state": row[1], "write_lsn": row[2], "flush_lsn": row[3]}


def start(settings: Settings, db: Database, tools: Tools) -> int:
    """Start the receiver unless it runs; return its pid once it streams."""
    wal_dir = settings.wal_dir
    tools.run_as.make_dir(settings.backup_dir)
    tools.run_as.make_dir(wal_dir)
    pid = running_pid(wal_dir)
    if pid is None:
        tools.run(
            "pg_receivewal", "--create-slot", "--if-not-exists", f"--slot={settings.slot}",
            f"--dbname={db.uri}", env=db.env(), timeout=60,
        )  # fmt: skip
        argv = tools.argv(
            "pg_receivewal", f"--directory={wal_dir}", f"--slot={settings.slot}",
            # Each write is flushed and acknowledged at once: the archive is as current as
            # a replica, and the restore test can wait for a position to be stored.
            "--synchronous", "--status-interval=1", "--verbose", f"--dbname={_receiver_uri(db)}",
            # Without reconnecting, the receiver ends with its primary: for throwaway ones
            # (the test suite's), so that a killed run leaves no receiver retrying forever.
            *([] if settings.reconnect else ["--no-loop"]),
        )  # fmt: skip
        with (wal_dir / LOG_FILE).open("ab") as log_file:
            # A session of its own: it outlives this command, and a stop reaches runuser and
            # pg_receivewal together.
            process = subprocess.Popen(
                argv, cwd="/", env=db.env(), stdin=subprocess.DEVNULL, stdout=log_file,
                stderr=subprocess.STDOUT, start_new_session=True,
            )  # fmt: skip
        (wal_dir / PID_FILE).write_text(f"{process.pid}\n")
        pid = process.pid
        log(f"WAL archive: pg_receivewal started (pid {pid}, slot {settings.slot}) into {wal_dir}")

        def streaming() -> bool | None:
            if process.poll() is not None:
                raise BackupError(f"pg_receivewal exited with {process.returncode}: see {wal_dir / LOG_FILE}")
            state = receiver_state(db)
            return True if state and state["state"] == "streaming" else None

        wait_until(streaming, timeout=30, what="pg_receivewal to stream")
    return pid


def stop(settings: Settings, db: Database | None, tools: Tools, *, drop_slot: bool = False) -> bool:
    """Stop the receiver (and drop its slot, so the primary stops keeping WAL for it)."""
    wal_dir = settings.wal_dir
    pid = running_pid(wal_dir)
    if pid is not None:
        os.killpg(pid, signal.SIGINT)  # pg_receivewal stops cleanly on SIGINT
        deadline = time.monotonic() + 10
        while running_pid(wal_dir) == pid and time.monotonic() < deadline:
            _reap(pid)
            time.sleep(0.05)
        if running_pid(wal_dir) == pid:
            os.killpg(pid, signal.SIGKILL)
            _reap(pid)
        log(f"WAL archive: pg_receivewal stopped (pid {pid})")
    (wal_dir / PID_FILE).unlink(missing_ok=True)
    if drop_slot and db is not None:
        argv = ("--drop-slot", f"--slot={settings.slot}", f"--dbname={db.uri}")
        # The walsender of a receiver that just stopped may hold the slot a moment longer.
        for attempt in range(20):
            try:
                tools.run("pg_receivewal", *argv, env=db.env(), timeout=30)
                break
            except BackupError:
                if attempt == 19:
                    raise
                time.sleep(0.5)
        log(f"WAL archive: slot {settings.slot} dropped")
    return pid is not None


def _reap(pid: int) -> None:
    # Our own child when started by this process (the tests): collect it, or it stays a zombie.
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)


def wait_archived(db: Database, lsn: str, *, timeout: float = 30) -> None:
    """Wait until the receiver has flushed WAL up to `lsn` to the archive."""
    target = parse_lsn(lsn)

    def stored() -> bool | None:
        state = receiver_state(db)
        if state is None:
            raise BackupError(
                "pg_receivewal is not connected to the primary: start it with `make wal-archive` "
                "(its log: BACKUP_DIR/wal/pg_receivewal.log)"
            )
        return True if state["flush_lsn"] and parse_lsn(state["flush_lsn"]) >= target else None

    wait_until(stored, timeout=timeout, what=f"the WAL archive to reach {lsn}")


def status(settings: Settings, db: Database) -> dict[str, Any]:
    wal_dir = settings.wal_dir
    files = sorted(p.name for p in wal_dir.glob("*") if p.name[:1].isalnum() and len(p.name) >= 24)
    with db.connect(autocommit=True) as conn:
        slot = conn.execute(
            "SELECT active, restart_lsn::text, "
            "pg_wal_lsn_diff(pg_current_wal_lsn(), restart_lsn)::bigint "
            "FROM pg_replication_slots WHERE slot_name = %s",
            [settings.slot],
        ).fetchone()
    return {
        "pid": running_pid(wal_dir),
        "receiver": receiver_state(db),
        "slot": None
        if slot is None
        else {"name": settings.slot, "active": slot[0], "restart_lsn": slot[1], "retained_bytes": slot[2]},
        "segments": len([f for f in files if not f.endswith(".history")]),
        "newest": files[-1] if files else None,
    }
