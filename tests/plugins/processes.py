"""Helpers shared by the server wrappers: free ports, running as the `postgres` user,
waiting, and the tails of server logs for error messages."""

from __future__ import annotations

import os
import pwd
import signal
import socket
import subprocess
import time
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

T = TypeVar("T")

# Ports handed out in this process: binding port 0 twice in a row may return the same one
# while the first server is still starting.
_given_ports: set[int] = set()


class ServiceStartError(RuntimeError):
    """A test server did not come up; the message carries the tail of its log."""


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    while True:
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            sock.bind(("127.0.0.1", 0))
            port: int = sock.getsockname()[1]
        if port not in _given_ports:
            _given_ports.add(port)
            return port


def log_tail(path: Path, lines: int = 30) -> str:
    try:
        text = path.read_text(errors="replace")
    except OSError as exc:
        return f"(no log at {path}: {exc.strerror})"
    tail = text.splitlines()[-lines:]
    return f"--- last {len(tail)} lines of {path} ---\n" + "\n".join(tail)


def wait_until(
    probe: Callable[[], T | None],
    *,
    timeout: float,
    interval: float = 0.05,
    what: str,
) -> T:
    """Call `probe` until it returns something other than None. Exceptions count as "not
    yet", except ServiceStartError: the probe saw that waiting longer is pointless."""
    deadline = time.monotonic() + timeout
    last_error: BaseException | None = None
    while True:
        try:
            result = probe()
        except ServiceStartError:
            raise
        except Exception as exc:
            last_error = exc
            result = None
        if result is not None:
            return result
        if time.monotonic() >= deadline:
            detail = f" (last error: {last_error!r})" if last_error else ""
            raise TimeoutError(f"Timed out after {timeout:g}s waiting for {what}{detail}")
        time.sleep(interval)


def terminate(process: subprocess.Popen[bytes], *, grace: float = 10) -> None:
    """SIGTERM (a warm shutdown: work in hand finishes), then SIGKILL after `grace` s."""
    if process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=grace)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class RunAs:
    """PostgreSQL refuses to run as root: as root, its tools run as the `postgres` user
    (created by Debian's postgresql package) and own the directories they write to."""

    def __init__(self) -> None:
        self.user: pwd.struct_passwd | None = None
        if os.geteuid() == 0:
            try:
                self.user = pwd.getpwnam("postgres")
            except KeyError:
                raise ServiceStartError(
                    "Running as root, but there is no `postgres` user to run PostgreSQL as. "
                    "Install the Debian package: apt-get install postgresql"
                ) from None

    def command(self, argv: list[str]) -> list[str]:
        if self.user is None:
            return argv
        return ["runuser", "-u", self.user.pw_name, "--", *argv]

    def give(self, path: Path) -> None:
        """Hand a directory we created to the user the server runs as."""
        if self.user is not None:
            os.chown(path, self.user.pw_uid, self.user.pw_gid)
