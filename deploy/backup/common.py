"""What the backup commands share: their settings, the database URL, running PostgreSQL's
programs (as the `postgres` user when we are root, as tests/plugins/postgres.py does: the
server refuses root, and the files the client tools write must be readable by the server
that restores them), free ports, waiting, WAL positions. Standalone: deploy/ does not
import tests/."""

from __future__ import annotations

import os
import pwd
import re
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TypeVar
from urllib.parse import unquote, urlsplit, urlunsplit

import environ
import psycopg

T = TypeVar("T")
PROJECT_DIR = Path(__file__).resolve().parents[2]
DEBIAN_LIB_DIR = Path("/usr/lib/postgresql")
# django-environ's names for PostgreSQL; libpq understands only the first two.
POSTGRES_SCHEMES = {"postgres", "postgresql", "pgsql", "psql"}
# pg_receivewal's application_name, also the name it shows in pg_stat_replication.
RECEIVER_NAME = "taskboard-wal-archive"


class BackupError(RuntimeError):
    """A step failed; the message says which and why (never a password)."""


def log(message: str) -> None:
    print(f"[backup] {message}", flush=True)


# -- settings -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Settings:
    database_url: str
    backup_dir: Path
    keep: int
    slot: str
    scratch_dir: Path | None
    reconnect: bool = True

    @property
    def wal_dir(self) -> Path:
        return self.backup_dir / "wal"

    @classmethod
    def from_environment(cls) -> Settings:
        """BACKUP_* from the environment, then the project's .env (as the settings read it)."""
        if (PROJECT_DIR / ".env").is_file():
            environ.Env.read_env(PROJECT_DIR / ".env", overwrite=False)
        env = environ.Env()
        url = env.str("BACKUP_DATABASE_URL", default="") or env.str("DATABASE_URL", default="")
        backup_dir = Path(env.str("BACKUP_DIR", default=str(PROJECT_DIR / "var" / "backups")))
        scratch = env.str("BACKUP_SCRATCH_DIR", default="")
        keep = env.int("BACKUP_KEEP", default=7)
        if keep < 1:
            raise BackupError("BACKUP_KEEP must be at least 1")
        return cls(
            database_url=url,
            backup_dir=backup_dir.resolve(),
            keep=keep,
            slot=env.str("BACKUP_SLOT", default="taskboard_backup_wal"),
            scratch_dir=Path(scratch).resolve() if scratch else None,
            reconnect=env.bool("BACKUP_RECEIVER_RECONNECT", default=True),
        )


# -- the database URL ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Database:
    """A libpq URI without its password (the password goes to the programs in PGPASSWORD,
    not on a command line that `ps` shows), and what the logs may say about it."""

    uri: str
    password: str | None
    user: str
    dbname: str
    display: str

    @classmethod
    def from_url(cls, url: str) -> Database:
        if not url:
            raise BackupError("No database: set BACKUP_DATABASE_URL (or DATABASE_URL) to the primary")
        parts = urlsplit(url)
        if parts.scheme not in POSTGRES_SCHEMES:
            raise BackupError(f"Not a PostgreSQL URL (scheme {parts.scheme!r}): backups need PostgreSQL")
        userinfo, _, hosts = parts.netloc.rpartition("@")
        user, _, _ = userinfo.partition(":")
        # Multi-host URLs (h1:5432,h2:5432) pass through untouched: libpq parses them.
        uri = urlunsplit(("postgresql", f"{user}@{hosts}" if user else hosts, parts.path, parts.query, ""))
        dbname = parts.path.lstrip("/") or "postgres"
        return cls(
            uri=uri,
            password=unquote(parts.password) if parts.password else None,
            user=unquote(parts.username) if parts.username else pwd.getpwuid(os.getuid()).pw_name,
            dbname=dbname,
            display=f"{hosts}/{dbname}",
        )

    def env(self) -> dict[str, str]:
        env = {**os.environ, "LC_ALL": "C", "LANG": "C"}
        if self.password:
            env["PGPASSWORD"] = self.password
        return env

    def connect(self, *, autocommit: bool = False) -> psycopg.Connection[Any]:
        # The password as a keyword: libpq merges it with the URI's parameters.
        conninfo = psycopg.conninfo.make_conninfo(self.uri, password=self.password, connect_timeout=10)
        return psycopg.connect(conninfo, autocommit=autocommit)


# -- PostgreSQL's programs ----------------------------------------------------------------------


def find_bindir() -> Path:
    """The newest PostgreSQL's programs (Debian keeps them off PATH), or TASKBOARD_PG_BINDIR."""
    candidates: list[Path] = []
    if override := os.environ.get("TASKBOARD_PG_BINDIR"):
        candidates.append(Path(override))
    versions = [p for p in DEBIAN_LIB_DIR.glob("*/bin") if p.parent.name.isdigit()]
    candidates += sorted(versions, key=lambda p: int(p.parent.name), reverse=True)
    if found := shutil.which("pg_basebackup"):
        candidates.append(Path(found).parent)
    for bindir in candidates:
        if (bindir / "pg_basebackup").is_file() and (bindir / "postgres").is_file():
            return bindir
    raise BackupError("No PostgreSQL programs found: apt-get install postgresql")


class RunAs:
    """As root, PostgreSQL's programs run as `postgres` (runuser) and own what they write."""

    def __init__(self) -> None:
        self.user: pwd.struct_passwd | None = None
        if os.geteuid() == 0:
            try:
                self.user = pwd.getpwnam("postgres")
            except KeyError:
                raise BackupError("Running as root but there is no `postgres` user to run as") from None

    def command(self, argv: list[str]) -> list[str]:
        if self.user is None:
            return argv
        return ["runuser", "-u", self.user.pw_name, "--", *argv]

    def give(self, path: Path) -> None:
        if self.user is not None:
            os.chown(path, self.user.pw_uid, self.user.pw_gid)

    def make_dir(self, path: Path) -> Path:
        """A directory only the programs' user may enter; its parents must be traversable."""
        path.mkdir(mode=0o700, parents=True, exist_ok=True)
        self.give(path)
        return path


class Tools:
    def __init__(self, bindir: Path | None = None) -> None:
        self.bindir = bindir or find_bindir()
        self.run_as = RunAs()

    def argv(self, tool: str, *args: str) -> list[str]:
        return self.run_as.command([str(self.bindir / tool), *args])

    def run(
        self, tool: str, *args: str, env: dict[str, str] | None = None, timeout: float = 3600
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            self.argv(tool, *args),
            cwd="/",  # as `postgres` we may not be allowed into the caller's directory
            env=env or {**os.environ, "LC_ALL": "C", "LANG": "C"},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            raise BackupError(f"{tool} failed (exit {result.returncode}):\n{result.stdout}{result.stderr}")
        return result

    def run_as_user(self, argv: list[str]) -> None:
        """Any program (tar) as the programs' user, so what it writes is theirs."""
        result = subprocess.run(
            self.run_as.command(argv), cwd="/", capture_output=True, text=True, check=False
        )
        if result.returncode != 0:
            raise BackupError(f"{argv[0]} failed (exit {result.returncode}): {result.stderr.strip()}")

    def major_version(self) -> int:
        result = subprocess.run([str(self.bindir / "postgres"), "--version"], capture_output=True, text=True)
        match = re.search(r"(\d+)", result.stdout)
        return int(match.group(1)) if match else 0


# -- small helpers ------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


def wait_until(probe: Callable[[], T | None], *, timeout: float, what: str, interval: float = 0.1) -> T:
    """Call `probe` until it returns something other than None; exceptions mean "not yet",
    except BackupError (the probe saw that waiting longer is pointless)."""
    deadline = time.monotonic() + timeout
    last_error: Exception | None = None
    while True:
        try:
            result = probe()
        except BackupError:
            raise
        except Exception as exc:
            last_error = exc
            result = None
        if result is not None:
            return result
        if time.monotonic() >= deadline:
            detail = f" (last error: {last_error})" if last_error else ""
            raise BackupError(f"Timed out after {timeout:g}s waiting for {what}{detail}")
        time.sleep(interval)


def parse_lsn(text: str) -> int:
    high, _, low = text.partition("/")
    return (int(high, 16) << 32) + int(low, 16)


def segment_name(timeline: int, lsn: int, segment_size: int) -> str:
    """The WAL file holding `lsn` (as XLogFileName does)."""
    segno = lsn // segment_size
    per_id = 0x100000000 // segment_size
    return f"{timeline:08X}{segno // per_id:08X}{segno % per_id:08X}"


def is_segment_file(name: str) -> bool:
    return bool(re.fullmatch(r"[0-9A-F]{24}(\.partial)?", name))


def tree_size(paths: Iterable[Path]) -> int:
    total = 0
    for path in paths:
        if path.is_file():
            total += path.stat().st_size
        elif path.is_dir():
            total += sum(p.stat().st_size for p in path.rglob("*") if p.is_file())
    return total


def human_bytes(size: float) -> str:
    for unit in ("B", "KiB", "MiB", "GiB"):
        if size < 1024 or unit == "GiB":
            return f"{size:.1f} {unit}" if unit != "B" else f"{int(size)} B"
        size /= 1024
    return f"{size:.1f} TiB"


def fail(message: str) -> int:
    print(f"[backup] FAILED: {message}", file=sys.stderr, flush=True)
    return 1
