"""A throwaway PostgreSQL cluster for the suite: a primary and a streaming replica, each on
its own free port in a temporary directory, listening on 127.0.0.1 only."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import psycopg

from .processes import RunAs, ServiceStartError, log_tail, wait_until

HOST = "127.0.0.1"
SUPERUSER = "postgres"
# Both servers together stay well under this: two pools per process (primary and replica),
# the Celery worker's pools and the threads some tests start.
MAX_CONNECTIONS = 200
REPLICATION_SLOT = "taskboard_tests_replica"
DEBIAN_HINT = "Install the Debian packages: apt-get install postgresql redis-server (or run `make test`)."

_TOOLS = ("initdb", "pg_ctl", "pg_basebackup", "postgres")
DEBIAN_LIB_DIR = Path("/usr/lib/postgresql")


def find_bindir() -> Path:
    """The directory holding initdb, pg_ctl, pg_basebackup and postgres."""
    candidates: list[Path] = []
    if override := os.environ.get("TASKBOARD_PG_BINDIR"):
        candidates.append(Path(override))
    if pg_config := shutil.which("pg_config"):
        result = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, check=False)
        if result.returncode == 0:
            candidates.append(Path(result.stdout.strip()))
    # Debian keeps the server binaries off PATH, one directory per major version.
    versions = [p for p in DEBIAN_LIB_DIR.glob("*/bin") if p.parent.name.isdigit()]
    candidates += sorted(versions, key=lambda p: int(p.parent.name), reverse=True)
    if initdb := shutil.which("initdb"):
        candidates.append(Path(initdb).parent)
    for bindir in candidates:
        if all((bindir / tool).is_file() for tool in _TOOLS):
            return bindir
    raise ServiceStartError(f"No PostgreSQL server binaries (initdb, pg_ctl, ...) found. {DEBIAN_HINT}")


class PostgresServer:
    """One postgres instance. `start`/`stop` may be called by tests (e.g. to take the
    replica away); `execute` is a quick autocommit query for assertions and setup."""

    host = HOST
    role = "primary"

    def __init__(self, *, name: str, bindir: Path, directory: Path, port: int, run_as: RunAs) -> None:
        self.name = name
        self.bindir = bindir
        # `directory` holds the data directory, the log and the unix socket.
        self.directory = directory
        self.data_dir = directory / "data"
        self.log_file = directory / "postgres.log"
        self.port = port
        self.run_as = run_as
        self.process: subprocess.Popen[bytes] | None = None
        # How many times the server was started: tells the plugin a test restarted it.
        self.starts = 0

    def __repr__(self) -> str:
        return f"<{type(self).__name__} {self.name} {self.host}:{self.port} {self.data_dir}>"

    # -- connection helpers ---------------------------------------------------------------

    def dsn(self, dbname: str = "postgres") -> str:
        """A libpq conninfo string for this server."""
        return f"host={self.host} port={self.port} user={SUPERUSER} dbname={dbname} connect_timeout=5"

    def url(self, dbname: str) -> str:
        return f"postgres://{SUPERUSER}@{self.host}:{self.port}/{dbname}"

    def execute(
        self, sql: str, params: Any = None, *, dbname: str = "postgres"
    ) -> list[tuple[Any, ...]] | None:
        """Run one statement in autocommit mode; the rows if it returns any, else None."""
        with psycopg.connect(self.dsn(dbname), autocommit=True) as conn, conn.cursor() as cursor:
            cursor.execute(sql, params)
            if cursor.description is None:
                return None
            return cursor.fetchall()

    # -- lifecycle ------------------------------------------------------------------------

    def _tool(self, tool: str, *args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
        argv = self.run_as.command([str(self.bindir / tool), *args])
        # The tools chdir nowhere; as the postgres user they may not read our cwd.
        result = subprocess.run(
            argv,
            cwd=self.directory.parent,
            env={**os.environ, "LC_ALL": "C", "LANG": "C"},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )
        if result.returncode != 0:
            raise ServiceStartError(
                f"{tool} failed for the {self.name} PostgreSQL server (exit {result.returncode}):\n"
                f"$ {' '.join(argv)}\n{result.stdout}{result.stderr}\n{log_tail(self.log_file)}"
            )
        return result

    def _settings(self) -> str:
        socket_dir = str(self.directory).replace("'", "''")
        return (
            "\n# Written by tests/plugins/postgres.py\n"
            f"port = {self.port}\n"
            f"listen_addresses = '{HOST}'\n"
            f"unix_socket_directories = '{socket_dir}'\n"
        )

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def start(self, timeout: float = 30) -> None:
        """Start the server and wait until it accepts connections (a replica: in recovery)."""
        if self.running:
            return
        # A child of ours (not daemonized by pg_ctl): pytest reaps it, and sees it die.
        # A session of its own, so Ctrl-C reaches only pytest, which then stops it.
        with self.log_file.open("ab") as log:
            self.process = subprocess.Popen(
                self.run_as.command([str(self.bindir / "postgres"), "-D", str(self.data_dir)]),
                cwd=self.directory.parent,
                env={**os.environ, "LC_ALL": "C", "LANG": "C"},
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.starts += 1
        try:
            wait_until(self._ready_probe, timeout=timeout, what=f"the {self.name} server to be ready")
        except (ServiceStartError, TimeoutError) as exc:
            self.stop()
            raise ServiceStartError(
                f"The {self.name} PostgreSQL server on port {self.port} did not start: {exc}\n"
                f"{log_tail(self.log_file)}"
            ) from exc

    def _ready_probe(self) -> bool | None:
        assert self.process is not None
        if self.process.poll() is not None:
            raise ServiceStartError(f"postgres exited with {self.process.returncode}")
        return True if self._ready() else None

    def _ready(self) -> bool:
        # The data directory tells our server from whoever took the port in the meantime.
        rows = self.execute("SELECT current_setting('data_directory'), pg_is_in_recovery()")
        return rows == [(str(self.data_dir), self.role == "replica")]

    def stop(self) -> None:
        """Stop at once (no checkpoint: the cluster is thrown away or restarted)."""
        if self.process is None:
            return
        if self.process.poll() is None:
            try:
                self._tool(
                    "pg_ctl", "stop", "--wait", "--silent", "-m", "immediate", "-D", str(self.data_dir)
                )
            except ServiceStartError as exc:
                print(f"tests/plugins/postgres.py: {exc}")
            try:
                self.process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


class PrimaryServer(PostgresServer):
    def init(self) -> None:
        self.directory.mkdir(mode=0o700)
        self.run_as.give(self.directory)
        self._tool(
            "initdb", "--no-sync", "-D", str(self.data_dir), "-U", SUPERUSER,
            "--auth=trust", "--encoding=UTF8", "--locale=C",
        )  # fmt: skip
        config = self._settings() + (
            f"max_connections = {MAX_CONNECTIONS}\n"
            "wal_level = replica\n"
            "max_wal_senders = 5\n"
            "max_replication_slots = 5\n"
            "hot_standby = on\n"
            "hot_standby_feedback = on\n"
            "wal_receiver_status_interval = 1s\n"
            # Replicas replay TRUNCATEs of the test flushes; a read that blocks replay is
            # cancelled soon instead of letting the replica fall 30s behind.
            "max_standby_streaming_delay = 3s\n"
            # Speed over durability: the cluster lives for one test run.
            "fsync = off\n"
            "synchronous_commit = off\n"
            "full_page_writes = off\n"
            # With asynchronous commit the WAL writer ships commits; do it often, so the
            # replica is milliseconds behind rather than a fifth of a second.
            "wal_writer_delay = 10ms\n"
            "autovacuum = off\n"
            "jit = off\n"
            "shared_buffers = 64MB\n"
            "log_line_prefix = '%m [%p] %q%u@%d '\n"
        )
        with (self.data_dir / "postgresql.conf").open("a") as conf:
            conf.write(config)
        # Trust on the loopback only, for normal and replication connections.
        (self.data_dir / "pg_hba.conf").write_text(
            "local all all trust\n"
            f"host all all {HOST}/32 trust\n"
            "local replication all trust\n"
            f"host replication all {HOST}/32 trust\n"
        )

    def create_database(self, name: str) -> None:
        if not self.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]):
            self.execute(f'CREATE DATABASE "{name}"')

    def flushed_lsn(self) -> str:
        """A WAL position at or past the commit of everything committed so far.

        With synchronous_commit=off a commit can be visible before its WAL is written, so
        pg_current_wal_lsn() alone may lag it. A synchronous commit flushes all WAL up to its
        own commit record, after which the write position covers every earlier commit. (The
        transaction must write WAL: one that only took an xid commits asynchronously anyway.)
        """
        with psycopg.connect(self.dsn()) as conn, conn.cursor() as cursor:
            cursor.execute("SET LOCAL synchronous_commit = on")
            cursor.execute("SELECT pg_logical_emit_message(true, 'taskboard-tests', 'catch-up')")
            conn.commit()
            cursor.execute("SELECT pg_current_wal_lsn()::text")
            row = cursor.fetchone()
        assert row is not None
        return str(row[0])


class ReplicaServer(PostgresServer):
    role = "replica"

    def __init__(self, *, primary: PrimaryServer, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.primary = primary
        self.apply_delay = 0.0

    def init(self) -> None:
        """Clone the primary (which must be running) and configure streaming from it."""
        self.directory.mkdir(mode=0o700)
        self.run_as.give(self.directory)
        self._tool(
            "pg_basebackup", "-h", HOST, "-p", str(self.primary.port), "-U", SUPERUSER,
            "-D", str(self.data_dir), "--write-recovery-conf", "--wal-method=stream",
            "--checkpoint=fast", "--no-sync",
            # A slot keeps the WAL a stopped replica still needs, so tests may stop it.
            "--create-slot", f"--slot={REPLICATION_SLOT}",
        )  # fmt: skip
        # The copied postgresql.conf names the primary's port and socket: later lines win.
        with (self.data_dir / "postgresql.conf").open("a") as conf:
            conf.write(self._settings() + "hot_standby = on\n")

    def in_recovery(self) -> bool:
        return self.execute("SELECT pg_is_in_recovery()") == [(True,)]

    def set_apply_delay(self, seconds: float) -> None:
        """Make the replica apply each commit `seconds` after it happened (0 removes it)."""
        millis = round(seconds * 1000)
        if millis:
            self.execute(f"ALTER SYSTEM SET recovery_min_apply_delay = '{millis}ms'")
        else:
            self.execute("ALTER SYSTEM RESET recovery_min_apply_delay")
        self.execute("SELECT pg_reload_conf()")
        # The reload is asynchronous; a new session sees the value once the postmaster
        # (and with it the startup process that applies WAL) has re-read the file.
        wait_until(
            lambda: (
                True
                if self.execute("SELECT setting FROM pg_settings WHERE name = 'recovery_min_apply_delay'")
                == [(str(millis),)]
                else None
            ),
            timeout=10,
            what=f"recovery_min_apply_delay = {millis}ms on the replica",
        )
        self.apply_delay = millis / 1000

    def wait_for_catchup(self, timeout: float = 10) -> None:
        """Wait until the replica has replayed everything committed on the primary so far."""
        target = self.primary.flushed_lsn()

        def replayed() -> bool | None:
            rows = self.execute("SELECT pg_last_wal_replay_lsn() >= %s::pg_lsn", [target])
            return True if rows == [(True,)] else None

        try:
            wait_until(replayed, timeout=timeout, what="the replica to catch up")
        except TimeoutError:
            state = self.execute("SELECT pg_last_wal_receive_lsn()::text, pg_last_wal_replay_lsn()::text")
            raise AssertionError(
                f"The replica did not replay up to {target} within {timeout:g}s "
                f"(received, replayed: {state}; apply delay {self.apply_delay:g}s)"
            ) from None


class PostgresCluster:
    """The primary and its streaming replica."""

    def __init__(self, *, base_dir: Path, primary_port: int, replica_port: int) -> None:
        bindir = find_bindir()
        run_as = RunAs()
        self.version = _major_version(bindir)
        self.primary = PrimaryServer(
            name="primary", bindir=bindir, directory=base_dir / "primary", port=primary_port, run_as=run_as
        )
        self.replica = ReplicaServer(
            name="replica",
            primary=self.primary,
            bindir=bindir,
            directory=base_dir / "replica",
            port=replica_port,
            run_as=run_as,
        )

    def start(self, *, database: str) -> None:
        """initdb, start the primary, create `database`, clone and start the replica."""
        self.primary.init()
        self.primary.start()
        self.primary.create_database(database)
        self.replica.init()
        self.replica.start()

    def stop(self) -> None:
        for server in (self.replica, self.primary):
            try:
                server.stop()
            except Exception as exc:
                print(f"tests/plugins/postgres.py: could not stop {server!r}: {exc}")


def _major_version(bindir: Path) -> str:
    result = subprocess.run([str(bindir / "postgres"), "--version"], capture_output=True, text=True)
    match = re.search(r"(\d+)(\.\d+)?", result.stdout)
    return match.group(0) if match else "?"


def stop_abandoned(data_dir: Path) -> None:
    """Stop a postmaster left running by a test run that was killed."""
    if not (data_dir / "postmaster.pid").exists():
        return
    try:
        bindir = find_bindir()
        argv = RunAs().command([str(bindir / "pg_ctl"), "stop", "-m", "immediate", "-w", "-D", str(data_dir)])
        subprocess.run(argv, cwd="/", capture_output=True, timeout=60, check=False)
    except (ServiceStartError, subprocess.TimeoutExpired) as exc:
        print(f"tests/plugins/postgres.py: could not stop abandoned server in {data_dir}: {exc}")


class ReplicaDelay:
    """Set with `replica_delay(2)` or `with replica_delay(2): ...`; always reset to no delay
    (and caught up) when the block or the test ends."""

    def __init__(self, replica: ReplicaServer) -> None:
        self.replica = replica

    def __call__(self, seconds: float) -> ReplicaDelay:
        self.replica.set_apply_delay(seconds)
        return self

    def __enter__(self) -> ReplicaDelay:
        return self

    def __exit__(self, *exc_info: object) -> None:
        self.reset()

    def reset(self) -> None:
        if self.replica.apply_delay:
            self.replica.set_apply_delay(0)
            self.replica.wait_for_catchup(timeout=30)
