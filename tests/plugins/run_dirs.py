"""The run directory each pytest run keeps its servers' data and logs in, and the cleanup of
directories whose run was killed before it could remove them (tests/plugins/services.py)."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import tempfile
from pathlib import Path

from .postgres import stop_abandoned
from .processes import pid_alive

RUN_DIR_PREFIX = "taskboard-tests-"
# Where the run directory goes; by default RAM (/dev/shm) when there is room, else $TMPDIR.
TMPDIR_ENV = "TASKBOARD_TEST_TMPDIR"
SHM_DIR = Path("/dev/shm")
SHM_MIN_FREE_BYTES = 1 << 30


def run_root() -> Path:
    if configured := os.environ.get(TMPDIR_ENV):
        return Path(configured)
    # Copying and writing a cluster on a disk costs seconds; in RAM, a tenth of that. But
    # containers often get a 64MB /dev/shm, too small for two clusters.
    try:
        stat = os.statvfs(SHM_DIR)
        if stat.f_bavail * stat.f_frsize >= SHM_MIN_FREE_BYTES and os.access(SHM_DIR, os.W_OK):
            return SHM_DIR
    except OSError:
        pass
    return Path(tempfile.gettempdir())


def reap_abandoned_runs() -> None:
    """Stop the servers of earlier runs that were killed before they could clean up."""
    roots = {Path(tempfile.gettempdir()), SHM_DIR, run_root()}
    for run_dir in (d for root in roots for d in root.glob(f"{RUN_DIR_PREFIX}*")):
        try:
            owner = int((run_dir / "owner.pid").read_text())
        except (OSError, ValueError):
            continue
        if pid_alive(owner):
            continue
        for cluster in ("replica", "primary"):
            stop_abandoned(run_dir / cluster / "data")
        for pid_file in (run_dir / "redis" / "redis.pid", run_dir / "celery" / "worker.pid"):
            _kill_if_ours(pid_file, run_dir)
        if not (run_dir / "keep").exists():
            shutil.rmtree(run_dir, ignore_errors=True)


def _kill_if_ours(pid_file: Path, run_dir: Path) -> None:
    try:
        pid = int(pid_file.read_text().strip())
        proc = Path(f"/proc/{pid}")
        cmdline = (proc / "cmdline").read_bytes().decode(errors="replace")
        cwd = str((proc / "cwd").resolve())
    except (OSError, ValueError):
        return
    # Only a process that still works in (or names) that run's directory: pids are reused.
    if cwd.startswith(str(run_dir)) or str(run_dir) in cmdline:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
