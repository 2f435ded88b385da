"""pytest plugin (`-p tests.plugins.services`): the real servers the suite talks to.

Before Django's settings are loaded it starts, each on a free port in one temporary
directory: a PostgreSQL primary and a streaming replica, Redis and an SMTP server. It
exports DATABASE_URL, DATABASE_REPLICA_URLS, REDIS_URL, CELERY_BROKER_URL and EMAIL_URL,
which taskboard.settings.test reads. A Celery worker is started on first use. Everything is
stopped and deleted when pytest ends (or exits on Ctrl-C / SIGTERM); a run that was killed
outright is cleaned up by the next one. See docs/testing.md.

In the SQLite lane (TASKBOARD_TEST_LANE=sqlite, tests/plugins/lane.py) it starts only the
SMTP server, and points the settings at the embedded default: an SQLite file in the same
directory, local memory for the cache and the channel layer, the on-disk Celery broker.
"""

from __future__ import annotations

import atexit
import contextlib
import os
import shutil
import signal
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from types import FrameType
from typing import Any

import pytest

from . import lane
from .celery_worker import CeleryWorker
from .postgres import PostgresCluster, ReplicaDelay
from .processes import ServiceStartError, free_port, wait_until
from .redis_server import BROKER_DB, CACHE_DB, RedisServer
from .run_dirs import RUN_DIR_PREFIX, reap_abandoned_runs, run_root
from .smtp_server import Mailbox, SmtpServer

PROJECT_DIR = Path(__file__).resolve().parents[2]
DATABASE_NAME = "taskboard"
# The SQLite lane's database, in the run directory; the suite uses the test database
# named after it (tests/plugins/sqlite_database.py).
SQLITE_DATABASE = "taskboard.sqlite3"
# Set to 1 to keep the temporary directory (data, logs) after the run, for debugging.
KEEP_ENV = "TASKBOARD_TEST_KEEP_TMP"
# The variables the settings read; `--help` and `--collect-only` get placeholders.
_PLACEHOLDER_ENV = {
    "DATABASE_URL": f"postgres://postgres@127.0.0.1:1/{DATABASE_NAME}",
    "DATABASE_REPLICA_URLS": f"postgres://postgres@127.0.0.1:1/{DATABASE_NAME}",
    "REDIS_URL": f"redis://127.0.0.1:1/{CACHE_DB}",
    "CELERY_BROKER_URL": f"redis://127.0.0.1:1/{BROKER_DB}",
    "EMAIL_URL": "smtp://127.0.0.1:1",
}


class Services:
    """Everything this run started, and how to stop it (idempotent, safe to call twice)."""

    def __init__(self, *, lane_name: str) -> None:
        self.base_dir = Path(tempfile.mkdtemp(prefix=RUN_DIR_PREFIX, dir=run_root())).resolve()
        # Marks the directory as in use; the next run deletes it once this pid is gone.
        (self.base_dir / "owner.pid").write_text(str(os.getpid()))
        if os.geteuid() == 0:
            # The postgres user must reach its own subdirectories.
            self.base_dir.chmod(0o711)
        self.postgres: PostgresCluster | None = None
        self.redis: RedisServer | None = None
        if lane_name == lane.POSTGRESQL:
            self.postgres = PostgresCluster(
                base_dir=self.base_dir, primary_port=free_port(), replica_port=free_port()
            )
            self.redis = RedisServer(directory=self.base_dir / "redis", port=free_port())
        self.smtp = SmtpServer(port=free_port())
        self.worker: CeleryWorker | None = None
        self.startup_seconds = 0.0
        self._stopped = False

    @property
    def var_dir(self) -> Path:
        """The SQLite lane's TASKBOARD_VAR_DIR: the embedded default's on-disk broker."""
        return self.base_dir / "var"

    def start(self) -> None:
        started = time.monotonic()
        self.smtp.start()
        if self.redis is not None:
            self.redis.start()
        if self.postgres is not None:
            self.postgres.start(database=DATABASE_NAME)
        else:
            # What `run_local` makes for its worker; kombu's filesystem transport doesn't.
            for folder in ("celery", "celery-processed", "celery-control"):
                (self.var_dir / folder).mkdir(parents=True)
        self.startup_seconds = time.monotonic() - started

    def environment(self) -> dict[str, str]:
        if self.postgres is None or self.redis is None:
            return lane.sqlite_environment(
                database=str(self.base_dir / SQLITE_DATABASE),
                var_dir=str(self.var_dir),
                email_url=self.smtp.url,
            )
        return {
            "DATABASE_URL": self.postgres.primary.url(DATABASE_NAME),
            "DATABASE_REPLICA_URLS": self.postgres.replica.url(DATABASE_NAME),
            "REDIS_URL": self.redis.url(CACHE_DB),
            "CELERY_BROKER_URL": self.redis.url(BROKER_DB),
            "EMAIL_URL": self.smtp.url,
        }

    def starts(self) -> dict[str, int]:
        if self.postgres is None or self.redis is None:
            return {}
        return {
            "redis": self.redis.starts,
            "primary": self.postgres.primary.starts,
            "replica": self.postgres.replica.starts,
        }

    def reset_between_tests(self) -> None:
        """Before each test: an empty Django cache (throttle counters, cached sessions)."""
        if self.redis is not None:
            self.redis.flush_cache()
            return
        from django.conf import settings

        if settings.configured:
            from django.core.cache import caches

            for cache in caches.all():
                cache.clear()

    def restore(self, starts_before: dict[str, int]) -> None:
        """After each test: bring back what the test stopped, undo a replica delay it set,
        and drop this process's connections to servers it restarted."""
        if self.postgres is None or self.redis is None:
            return
        if not self.redis.running:
            self.redis.start()
        for server in (self.postgres.primary, self.postgres.replica):
            if not server.running:
                server.start()
        if self.postgres.replica.apply_delay:
            ReplicaDelay(self.postgres.replica).reset()

        starts = self.starts()
        if starts["redis"] != starts_before["redis"]:
            _reset_broker_connections()
            if self.worker is not None and self.worker.running:
                # The worker reconnects by itself, after a pause: the next test gets it back.
                wait_until(self.worker.ping, timeout=30, interval=0.2, what="the Celery worker to reconnect")
        restarted_ports = {
            server.port
            for server in (self.postgres.primary, self.postgres.replica)
            if starts[server.name] != starts_before[server.name]
        }
        if restarted_ports:
            _close_django_pools(restarted_ports)

    def stop(self) -> None:
        # Every step is idempotent: a second call (atexit, after a Ctrl-C that cut the first
        # one short) finishes what is left.
        for name, stop in (
            ("celery worker", self.worker.stop if self.worker else None),
            ("smtp server", self.smtp.stop),
            ("redis server", self.redis.stop if self.redis else None),
            ("postgres", self.postgres.stop if self.postgres else None),
        ):
            if stop is None:
                continue
            try:
                stop()
            except Exception as exc:
                print(f"tests/plugins/services.py: could not stop the {name}: {exc}", file=sys.stderr)
        if os.environ.get(KEEP_ENV) != "1":
            shutil.rmtree(self.base_dir, ignore_errors=True)
        elif not self._stopped:
            (self.base_dir / "keep").touch()
            print(f"tests/plugins/services.py: kept {self.base_dir} ({KEEP_ENV}=1)", file=sys.stderr)
        self._stopped = True


_services_key = pytest.StashKey[Services]()


def _services(config: pytest.Config) -> Services:
    services = config.stash.get(_services_key, None)
    if services is None:
        pytest.fail("The test servers were not started (pytest ran with --help or --collect-only?)")
    return services


def _reset_broker_connections() -> None:
    """Forget the broker connections the in-process Celery app (which queues tasks and pings
    the worker) holds: after a Redis restart they are dead, and broadcasts do not retry."""
    if "taskboard" not in sys.modules:
        return
    from kombu import pools

    from taskboard import celery_app

    pools.reset()
    # What Celery does in a forked child: build new pools on next use. (Private, and not
    # in the type stubs, but the one reset Celery has.)
    celery_app._after_fork()  # type: ignore[attr-defined]
    with contextlib.suppress(AttributeError):
        celery_app.control._after_fork()  # type: ignore[attr-defined]


def _close_django_pools(ports: set[int]) -> None:
    """A pool to a restarted server may be backing off from failed reconnects: start afresh."""
    from django.conf import settings

    if not settings.configured:
        return
    from django.db import DatabaseError, connections

    for alias in connections:
        connection = connections[alias]
        if int(connection.settings_dict.get("PORT") or 0) not in ports:
            continue
        with contextlib.suppress(DatabaseError):
            connection.close()
        close_pool = getattr(connection, "close_pool", None)
        if close_pool is not None:
            close_pool()


def _raise_keyboard_interrupt(signum: int, frame: FrameType | None) -> None:
    # pytest treats KeyboardInterrupt as "stop the run", and still tears everything down.
    raise KeyboardInterrupt(f"signal {signum}")


# -- hooks ------------------------------------------------------------------------------------


@pytest.hookimpl(wrapper=True)
def pytest_load_initial_conftests(early_config: pytest.Config, parser: pytest.Parser, args: list[str]) -> Any:
    # Wraps pytest-django's implementation, which loads the settings: the servers must be
    # up and their URLs in the environment before that.
    options = parser.parse_known_args(args)
    if options.help or options.version or options.collectonly:
        for name, value in _PLACEHOLDER_ENV.items():
            os.environ.setdefault(name, value)
        return (yield)

    reap_abandoned_runs()
    try:
        services = Services(lane_name=lane.current_lane())
    except (ServiceStartError, OSError) as exc:
        raise pytest.UsageError(f"Could not prepare the test servers: {exc}") from None
    atexit.register(services.stop)
    try:
        services.start()
    except ServiceStartError as exc:
        services.stop()
        # A UsageError prints just the message (pytest.exit would add a traceback here).
        raise pytest.UsageError(f"Could not start the test servers.\n{exc}") from None
    except BaseException:
        services.stop()
        raise
    early_config.stash[_services_key] = services
    os.environ.update(services.environment())
    if signal.getsignal(signal.SIGTERM) is signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _raise_keyboard_interrupt)
    try:
        return (yield)
    except BaseException:
        services.stop()
        raise


def pytest_configure(config: pytest.Config) -> None:
    if config.pluginmanager.hasplugin("django"):
        from . import django_databases, sqlite_database

        # Registered now, after pytest-django: the later plugin's fixtures win.
        if lane.current_lane() == lane.SQLITE:
            config.pluginmanager.register(sqlite_database, "taskboard_sqlite_database")
        else:
            config.pluginmanager.register(django_databases, "taskboard_django_databases")


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    lane.deselect_server_only(config, items)


def pytest_report_header(config: pytest.Config) -> list[str]:
    services = config.stash.get(_services_key, None)
    if services is None:
        return []
    cluster, redis_server = services.postgres, services.redis
    if cluster is None or redis_server is None:
        return [
            f"SQLite lane ({lane.LANE_ENV}={lane.SQLITE}): the embedded default in {services.base_dir}: "
            f"SQLite, local-memory cache and channel layer, on-disk Celery broker; "
            f"smtp {services.smtp.host}:{services.smtp.port}",
        ]
    return [
        f"test servers ({services.startup_seconds:.1f}s to start) in {services.base_dir}:",
        f"  postgres {cluster.version} primary {cluster.primary.host}:{cluster.primary.port}, "
        f"replica {cluster.replica.host}:{cluster.replica.port}; "
        f"redis {redis_server.host}:{redis_server.port}; smtp {services.smtp.host}:{services.smtp.port}",
    ]


def pytest_unconfigure(config: pytest.Config) -> None:
    services = config.stash.get(_services_key, None)
    if services is not None:
        services.stop()
        if signal.getsignal(signal.SIGTERM) is _raise_keyboard_interrupt:
            signal.signal(signal.SIGTERM, signal.SIG_DFL)


# -- fixtures ---------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def pg_cluster(pytestconfig: pytest.Config) -> PostgresCluster:
    """The PostgreSQL primary (`.primary`) and its streaming replica (`.replica`)."""
    cluster = _services(pytestconfig).postgres
    if cluster is None:
        lane.not_in_this_lane("PostgreSQL", "postgresql")
    return cluster


@pytest.fixture
def replica_delay(pg_cluster: PostgresCluster) -> Iterator[ReplicaDelay]:
    """`replica_delay(2)`: the replica applies commits 2s late until the test ends."""
    delay = ReplicaDelay(pg_cluster.replica)
    try:
        yield delay
    finally:
        delay.reset()


@pytest.fixture(scope="session")
def redis_server(pytestconfig: pytest.Config) -> RedisServer:
    server = _services(pytestconfig).redis
    if server is None:
        lane.not_in_this_lane("Redis", "redis")
    return server


@pytest.fixture(scope="session")
def smtp_server(pytestconfig: pytest.Config) -> SmtpServer:
    return _services(pytestconfig).smtp


@pytest.fixture
def mailbox(smtp_server: SmtpServer) -> Mailbox:
    """The messages the SMTP server received during this test."""
    smtp_server.mailbox.clear()
    return smtp_server.mailbox


@pytest.fixture(scope="session")
def celery_worker(pytestconfig: pytest.Config, django_db_setup: None) -> Iterator[CeleryWorker]:
    """A real `celery worker` on the test database. Tests using it need `transactional_db`:
    the worker sees only committed rows, and on_commit callbacks (which queue tasks) run only
    on a real commit."""
    from django.db import connections

    services = _services(pytestconfig)
    test_database = connections["default"].settings_dict["NAME"]
    # The worker does not run under pytest-django, so it is pointed at the test database.
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "taskboard.settings.test"}
    if services.postgres is None:
        env["DATABASE_URL"] = f"sqlite:///{test_database}"
    else:
        env["DATABASE_URL"] = services.postgres.primary.url(test_database)
        env["DATABASE_REPLICA_URLS"] = services.postgres.replica.url(test_database)
    env.pop("PYTEST_CURRENT_TEST", None)
    worker = CeleryWorker(project_dir=PROJECT_DIR, directory=services.base_dir / "celery", env=env)
    services.worker = worker
    worker.start()
    yield worker
    worker.stop()


@pytest.fixture(autouse=True)
def _fresh_services(pytestconfig: pytest.Config) -> Iterator[None]:
    """An empty Django cache for every test (throttle counters, cached sessions), and
    afterwards every server back up, in case the test stopped one."""
    services = pytestconfig.stash.get(_services_key, None)
    if services is None:
        yield
        return
    services.reset_between_tests()
    starts_before = services.starts()
    yield
    services.restore(starts_before)
