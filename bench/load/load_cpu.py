"""CPU time of the target's processes by kind, from /proc (bench/load/run.py).

Only the process trees of the stack under test count (the machine is shared: other
PostgreSQL and gunicorn processes are not ours): the roots are the processes the local
target started, or those named by make stack's pid files (var/stack/run/pids/*.pid).
Each process's kind comes from its command line.

A process's CPU is utime + stime of itself plus cutime + cstime (what the children it
reaped used). Summed over a tree at two moments, the difference is the tree's CPU in
between, including processes that came and went (gunicorn recycling workers, PostgreSQL
backends): a child that exits moves its time into its parent's cutime.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

_TICKS = os.sysconf("SC_CLK_TCK")
# The first match of the command line wins; order matters (a celery worker runs python).
KINDS = (
    ("gunicorn", "gunicorn"),
    ("uvicorn", "uvicorn"),
    ("celery", "celery"),
    ("pgbouncer", "pgbouncer"),
    ("patroni", "patroni"),
    ("etcd", "etcd"),
    ("postgres", "postgres"),
    ("redis-server", "redis"),
    ("nginx", "nginx"),
    ("prometheus", "prometheus"),
    ("locust", "locust"),
)
# What serves the users (the fleet computation's sum); the rest is the bench's own.
SERVING = ("gunicorn", "uvicorn", "celery", "postgres", "pgbouncer", "redis", "nginx", "patroni", "etcd")


def kind_of(pid: int) -> str:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return "gone"
    cmdline = raw.replace(b"\0", b" ").decode(errors="replace")
    for needle, kind in KINDS:
        if needle in cmdline:
            return kind
    return "other"


def _own_and_reaped(pid: int) -> float:
    fields = Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()
    # utime, stime, cutime, cstime: fields 14-17 of stat, 12-15 after the name.
    return sum(int(value) for value in fields[11:15]) / _TICKS


def _children(pid: int) -> list[int]:
    try:
        return [int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def snapshot(roots: list[int]) -> dict[str, float]:
    """CPU seconds so far per kind, over the trees of `roots`."""
    totals: dict[str, float] = {}
    seen: set[int] = set()
    pending = list(roots)
    while pending:
        pid = pending.pop()
        if pid in seen:
            continue
        seen.add(pid)
        try:
            seconds = _own_and_reaped(pid)
        except OSError:
            continue
        kind = kind_of(pid)
        totals[kind] = totals.get(kind, 0.0) + seconds
        pending += _children(pid)
    return totals


def machine_busy_seconds() -> float:
    """CPU time every process on the machine has used (all cores), from /proc/stat."""
    fields = Path("/proc/stat").read_text().split("\n", 1)[0].split()[1:]
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(value) for value in fields[:8])
    return (user + nice + system + irq + softirq + steal) / _TICKS


def pids_from_files(folder: Path) -> list[int]:
    """The pids in make stack's pid files (those still running), and its PostgreSQL
    postmasters': Patroni starts each one detached (its parent is init, not Patroni), so
    they are roots of their own, found in <stack>/data/<node>/data/postmaster.pid."""
    pids = []
    postmasters = sorted(folder.parent.parent.glob("data/*/data/postmaster.pid"))
    for path in [*sorted(folder.glob("*.pid")), *postmasters]:
        try:
            pid = int(path.read_text().split()[0])
        except (OSError, ValueError, IndexError):
            continue
        if Path(f"/proc/{pid}").exists():
            pids.append(pid)
    return pids


@dataclass
class Usage:
    """CPU used per kind over a window, and the machine's."""

    seconds: float
    by_kind: dict[str, float]
    machine: float

    @property
    def serving(self) -> float:
        return sum(cpu for kind, cpu in self.by_kind.items() if kind in SERVING)

    @property
    def other_work(self) -> float:
        """CPU seconds the rest of the machine used (other helpers' jobs, not ours)."""
        return max(0.0, self.machine - sum(self.by_kind.values()))


class Meter:
    """Two snapshots of the same roots (and the load generator's process)."""

    def __init__(self, roots: list[int]) -> None:
        self.roots = roots
        self.started_at = 0.0
        self.first: dict[str, float] = {}
        self.machine_first = 0.0

    def start(self, now: float) -> None:
        self.started_at = now
        self.first = snapshot(self.roots)
        self.machine_first = machine_busy_seconds()

    def stop(self, now: float) -> Usage:
        last = snapshot(self.roots)
        by_kind = {
            kind: max(0.0, last.get(kind, 0.0) - self.first.get(kind, 0.0))
            for kind in set(last) | set(self.first)
            if kind != "gone"
        }
        return Usage(
            seconds=now - self.started_at,
            by_kind=by_kind,
            machine=machine_busy_seconds() - self.machine_first,
        )
