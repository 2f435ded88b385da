"""Starting, finding and stopping the stack's processes: one pid file and one log each.

Every process runs in a session of its own (so the stack survives the shell that started it,
and a stop reaches its children), its stdout and stderr appended to var/stack/log/<name>.log.
A process is running when its pid file names a live process that started when the recorded
one did (/proc/<pid>/stat's start time: a pid reused by something else is not ours; the command
line is no test, nginx and gunicorn rewrite theirs).
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from stack_config import DbUser, StackConfig, which


@dataclass
class Proc:
    name: str
    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    # Run as the database user (PostgreSQL, Patroni, PgBouncer refuse root).
    as_db_user: bool = False
    # An HTTP URL answering 2xx when healthy (None: alive is healthy).
    health: str | None = None
    # What `make stack` prints for it.
    where: str = ""
    kind: str = ""


def program(name: str) -> str:
    """A command's program: a path as it is, a name found on PATH or in /usr/sbin (exits with
    what to install when it is not there)."""
    return name if "/" in name else which(name)


def pid_file(config: StackConfig, name: str) -> Path:
    return config.run / "pids" / f"{name}.pid"


def log_file(config: StackConfig, name: str) -> Path:
    return config.logs / f"{name}.log"


def _stat(pid: int) -> tuple[str, str]:
    """(state, start time in clock ticks since boot), or ("", "") when there is no such pid."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return "", ""
    # After the command name: state is field 3 of stat, starttime field 22.
    return fields[0], fields[19]


def running_pid(config: StackConfig, name: str) -> int | None:
    path = pid_file(config, name)
    try:
        pid_text, _, recorded = path.read_text().partition("\n")
        pid = int(pid_text)
    except (OSError, ValueError):
        return None
    state, started = _stat(pid)
    if state in ("", "Z") or started != recorded.strip():
        return None
    return pid


def start(config: StackConfig, proc: Proc, db_user: DbUser) -> int:
    existing = running_pid(config, proc.name)
    if existing:
        return existing
    log = log_file(config, proc.name)
    log.parent.mkdir(parents=True, exist_ok=True)
    pid_file(config, proc.name).parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **proc.env}
    switch = proc.as_db_user and db_user.switch
    if switch:
        env["HOME"] = str(config.var)
        env["USER"] = env["LOGNAME"] = db_user.name
    with log.open("ab") as out:
        out.write(
            f"\n--- {time.strftime('%Y-%m-%dT%H:%M:%SZ', time.gmtime())} starting {proc.name}\n".encode()
        )
        out.flush()
        child = subprocess.Popen(
            [program(proc.argv[0]), *proc.argv[1:]],
            cwd=config.root,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            user=db_user.uid if switch else None,
            group=db_user.gid if switch else None,
            extra_groups=[] if switch else None,
        )
    pid_file(config, proc.name).write_text(f"{child.pid}\n{_stat(child.pid)[1]}\n")
    return child.pid


def stop(config: StackConfig, name: str, *, timeout: float = 20.0, sig: int = signal.SIGTERM) -> bool:
    """SIGTERM to the process group, SIGKILL after `timeout`. False when it was not running."""
    pid = running_pid(config, name)
    if pid is None:
        pid_file(config, name).unlink(missing_ok=True)
        return False
    with contextlib.suppress(ProcessLookupError):
        os.killpg(pid, sig)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline and _alive(pid):
        time.sleep(0.1)
    if _alive(pid):
        with contextlib.suppress(ProcessLookupError):
            os.killpg(pid, signal.SIGKILL)
    # Reap when it is our own child; otherwise init does.
    with contextlib.suppress(ChildProcessError):
        os.waitpid(pid, os.WNOHANG)
    pid_file(config, name).unlink(missing_ok=True)
    return True


def _alive(pid: int) -> bool:
    return _stat(pid)[0] not in ("", "Z")


def http_ok(url: str, timeout: float = 2.0) -> tuple[bool, str]:
    """(healthy, short reason): a 2xx answer, or what went wrong."""
    try:
        with urllib.request.urlopen(url, timeout=timeout) as response:  # noqa: S310
            return 200 <= response.status < 300, str(response.status)
    except urllib.error.HTTPError as error:
        return False, str(error.code)
    except (OSError, ValueError) as error:
        return False, type(error).__name__


def wait_for(what: str, check: Callable[[], bool], timeout: float, log: Path | None = None) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return
        time.sleep(0.3)
    tail = ""
    if log is not None and log.exists():
        tail = "\n".join(log.read_text(errors="replace").splitlines()[-25:])
    raise SystemExit(f"Timed out after {timeout:.0f}s waiting for {what}.\n{tail}")
