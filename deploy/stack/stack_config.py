"""Where everything of `make stack` lives: ports, folders, secrets, binaries.

Every port is STACK_PORT_BASE (default 17000) plus a fixed offset, except nginx's, which
the issue fixes (https 8443, http 8080; STACK_HTTPS_PORT / STACK_HTTP_PORT override). The
machine's own PostgreSQL (5432) and Redis (6379) are never used.
"""

from __future__ import annotations

import json
import os
import pwd
import secrets
import shutil
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
NODES = ("pg0", "pg1")
WEB_INSTANCES = 3
ASGI_INSTANCES = 2
QUEUES = ("mail", "reminders", "default")
DATABASE = "taskboard"
APP_USER = "taskboard"


@dataclass(frozen=True)
class Ports:
    base: int = 17000
    https: int = 8443
    http: int = 8080

    @property
    def etcd_client(self) -> int:
        return self.base + 379

    @property
    def etcd_peer(self) -> int:
        return self.base + 380

    def patroni(self, node: int) -> int:
        return self.base + 8 + node

    def postgres(self, node: int) -> int:
        return self.base + 432 + node

    @property
    def pgbouncer(self) -> int:
        return self.base + 632

    @property
    def redis(self) -> int:
        return self.base + 679

    def web(self, instance: int) -> int:
        return self.base + 1 + instance

    def asgi(self, instance: int) -> int:
        return self.base + 11 + instance

    def worker_metrics(self, queue_index: int) -> int:
        return self.base + 21 + queue_index

    @property
    def beat_metrics(self) -> int:
        return self.base + 29

    @property
    def smtp_sink(self) -> int:
        """No process of the stack's: where the drills' SMTP sink listens (STACK_EMAIL_URL)."""
        return self.base + 25

    @property
    def prometheus(self) -> int:
        return self.base + 90


@dataclass(frozen=True)
class Secrets:
    secret_key: str
    jwt_signing_key: str
    metrics_token: str
    superuser_password: str
    replication_password: str
    app_password: str

    @classmethod
    def generate(cls) -> Secrets:
        def token(n: int) -> str:
            return secrets.token_urlsafe(n)

        return cls(token(48), token(36), token(24), token(18), token(18), token(18))


@dataclass(frozen=True)
class DbUser:
    """Who runs PostgreSQL, Patroni and PgBouncer: they refuse to run as root, so a root
    caller hands them to Debian's `postgres` user; anyone else runs them as themself."""

    name: str
    uid: int
    gid: int

    @property
    def switch(self) -> bool:
        return self.uid != os.geteuid()


def db_user() -> DbUser:
    entry = pwd.getpwnam("postgres") if os.geteuid() == 0 else pwd.getpwuid(os.geteuid())
    return DbUser(entry.pw_name, entry.pw_uid, entry.pw_gid)


def pg_bindir() -> Path:
    override = os.environ.get("TASKBOARD_PG_BINDIR")
    if override:
        return Path(override)
    found = sorted(
        Path("/usr/lib/postgresql").glob("*/bin/postgres"), key=lambda p: int(p.parent.parent.name)
    )
    if not found:
        raise SystemExit("No PostgreSQL server binaries: deploy/local/install-system-packages.sh stack")
    return found[-1].parent


@dataclass(frozen=True)
class StackConfig:
    root: Path = ROOT
    var: Path = ROOT / "var" / "stack"
    ports: Ports = field(default_factory=Ports)
    # Commits wait for the replica (Patroni's synchronous_mode): an acknowledged write
    # survives losing the primary. STACK_SYNC=0 for asynchronous replication.
    synchronous: bool = True
    web_workers: int = 2
    # Gunicorn instances behind nginx (`stack.py scale web N` changes the running stack).
    web_instances: int = WEB_INSTANCES
    # STACK_LOAD_TEST=1 (`make stack LOAD=1`): nginx's per-address limits spare loopback, where
    # a load test's thousands of simulated people all come from. Off by default; production
    # configs (deploy/nginx/) limit every address.
    load_test: bool = False
    # STACK_EMAIL_URL: the app's EMAIL_URL (an SMTP server; the drills start a sink). Unset,
    # mail goes to the embedded default's folder (TASKBOARD_VAR_DIR/mail/*.eml).
    email_url: str = ""

    @classmethod
    def from_environment(cls, var: Path | None = None) -> StackConfig:
        environ = os.environ
        ports = Ports(
            base=int(environ.get("STACK_PORT_BASE", "17000")),
            https=int(environ.get("STACK_HTTPS_PORT", "8443")),
            http=int(environ.get("STACK_HTTP_PORT", "8080")),
        )
        return cls(
            var=var or Path(environ.get("STACK_DIR", str(ROOT / "var" / "stack"))),
            ports=ports,
            synchronous=environ.get("STACK_SYNC", "1") not in ("0", "false", "off", "no"),
            web_workers=int(environ.get("STACK_WEB_WORKERS", "2")),
            web_instances=int(environ.get("STACK_WEB_INSTANCES", str(WEB_INSTANCES))),
            load_test=environ.get("STACK_LOAD_TEST", "0") in ("1", "true", "on", "yes"),
            email_url=environ.get("STACK_EMAIL_URL", ""),
        )

    # Folders.
    @property
    def run(self) -> Path:
        """Rendered configs and pid files (rewritten by every `make stack`)."""
        return self.var / "run"

    @property
    def logs(self) -> Path:
        return self.var / "log"

    @property
    def data(self) -> Path:
        """What `make stack-down` keeps and `make stack-reset` wipes."""
        return self.var / "data"

    def node_dir(self, node: int) -> Path:
        return self.data / NODES[node]

    @property
    def site_url(self) -> str:
        return f"https://127.0.0.1:{self.ports.https}"

    def secrets(self) -> Secrets:
        """Generated on the first `make stack`, then kept with the data (0600)."""
        path = self.data / "secrets.json"
        if path.exists():
            return Secrets(**json.loads(path.read_text()))
        generated = Secrets.generate()
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(json.dumps(generated.__dict__))
        return generated

    def database_urls(self, password: str) -> tuple[str, str]:
        """The app's primary and replica URLs: PgBouncer's two databases, which Patroni's
        callback keeps pointed at the current primary and replica (pgbouncer_route.py)."""
        base = f"postgres://{APP_USER}:{password}@127.0.0.1:{self.ports.pgbouncer}"
        return f"{base}/{DATABASE}", f"{base}/{DATABASE}_standby"


def which(name: str, *extra: str) -> str:
    for candidate in (name, *extra):
        found = shutil.which(candidate) or next(
            (str(p) for p in (Path("/usr/sbin") / candidate, Path("/sbin") / candidate) if p.exists()), None
        )
        if found:
            return found
    raise SystemExit(f"{name} not found: run deploy/local/install-system-packages.sh stack")
