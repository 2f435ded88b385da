"""`make stack`: the production topology on one machine, from Debian packages, no containers.

    python deploy/stack/stack.py up       # start (or complete) the stack; prints where things are
    python deploy/stack/stack.py down     # stop everything; the data stays
    python deploy/stack/stack.py reset    # stop and wipe var/stack/
    python deploy/stack/stack.py status   # each process, its health, Patroni's view
    python deploy/stack/stack.py render   # write the configs only (var/stack/run/)
    python deploy/stack/stack.py scale web N   # N gunicorn instances behind nginx, now

STACK_LOAD_TEST=1 (`make stack LOAD=1`) spares loopback from nginx's per-address limits, for
the load test (bench/load/); STACK_WEB_INSTANCES sets the gunicorn count `up` starts (3).

etcd + two Patroni nodes (PostgreSQL primary and a synchronous streaming replica), a
PgBouncer in front of each node, Redis, 3 gunicorn and 2 uvicorn instances, a Celery worker per
queue and one beat, nginx with TLS on https://127.0.0.1:8443 and Prometheus. Every process is
a child of no terminal: pid files in var/stack/run/pids/, logs in var/stack/log/. See
docs/operations.md "The stack on one machine".
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from pathlib import Path

from pgbouncer_route import write_routes
from stack_config import NODES, DbUser, Secrets, StackConfig, db_user, pg_bindir, which
from stack_db import patroni_yaml, pgbouncer_ini, pgbouncer_socket_dir, pgbouncer_userlist, role_change_script
from stack_procs import Proc, program, running_pid, start, stop, wait_for
from stack_status import cluster, https_ok, print_status, proc_health
from stack_topology import PYTHON, all_procs, app_tier, db_tier, front_tier, patroni_conf
from stack_web import app_environment, env_file, nginx_conf, prometheus_yml


def _write(path: Path, text: str, *, mode: int = 0o644, owner: DbUser | None = None) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)
    path.chmod(mode)
    if owner is not None and owner.switch:
        os.chown(path, owner.uid, owner.gid)


def _private_dir(path: Path, owner: DbUser) -> None:
    """A folder only the database user may enter (PostgreSQL insists on 0700 data)."""
    path.mkdir(parents=True, exist_ok=True)
    path.chmod(0o700)
    if owner.switch:
        os.chown(path, owner.uid, owner.gid)


def render(config: StackConfig) -> Secrets:
    """Writes every config of the stack under var/stack/run/ (and the folders they need)."""
    owner = db_user()
    secrets = config.secrets()
    for folder in (config.run, config.logs, config.data, config.run / "pids"):
        folder.mkdir(parents=True, exist_ok=True)
    for node, name in enumerate(NODES):
        _private_dir(config.node_dir(node), owner)
        _write(patroni_conf(config, node), patroni_yaml(config, node, secrets), mode=0o600, owner=owner)
        _write(config.run / f"on-role-change-{name}.sh", role_change_script(config, node), mode=0o755)
    _write(config.run / "pgbouncer.ini", pgbouncer_ini(config), owner=owner)
    _private_dir(pgbouncer_socket_dir(config), owner)
    _write(config.run / "pgbouncer-userlist.txt", pgbouncer_userlist(secrets), mode=0o600, owner=owner)
    # Patroni's callbacks (the database user) rewrite these; until the first one runs, the
    # primary is pg0's port (route_pgbouncer() sets the truth once Patroni has a leader).
    write_routes(config.run, nodes=[config.ports.postgres(n) for n in range(len(NODES))])
    for name in ("pgbouncer-routes.json", "pgbouncer-routes.lock", "pgbouncer-databases.ini"):
        if owner.switch:
            os.chown(config.run / name, owner.uid, owner.gid)
    for sub in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi", "logs"):
        (config.run / "nginx" / sub).mkdir(parents=True, exist_ok=True)
    _write(config.run / "nginx.conf", nginx_conf(config))
    _write(config.run / "prometheus.yml", prometheus_yml(config))
    # What this `up` was asked for, which `scale` keeps when it writes nginx.conf again.
    _write(config.run / "options.json", json.dumps({"load_test": config.load_test}))
    # The recording and alert rules of deploy/prometheus/ (issue 16), as production loads them.
    rules = config.run / "prometheus-rules"
    rules.mkdir(exist_ok=True)
    for rule_file in sorted((config.root / "deploy" / "prometheus" / "rules").glob("*.yml")):
        shutil.copyfile(rule_file, rules / rule_file.name)
    _write(config.run / "metrics-token", secrets.metrics_token, mode=0o600)
    _write(config.run / "taskboard.env", env_file(app_environment(config, secrets)), mode=0o600)
    for name in ("redis", "prometheus", "app", "tls"):
        (config.data / name).mkdir(parents=True, exist_ok=True)
    return secrets


def ensure_certificate(config: StackConfig) -> None:
    """A self-signed certificate for 127.0.0.1 and localhost, kept with the data."""
    crt, key = config.data / "tls" / "stack.crt", config.data / "tls" / "stack.key"
    if crt.exists() and key.exists():
        return
    subprocess.run(
        [
            *(which("openssl"), "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "825"),
            *("-subj", "/CN=taskboard-stack", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"),
            *("-keyout", str(key), "-out", str(crt)),
        ],
        check=True,
        capture_output=True,
    )
    key.chmod(0o600)


def check_configs(config: StackConfig) -> None:
    """nginx -t and promtool on what render() wrote: a typo stops here, not half-way up."""
    for argv in (
        [which("nginx"), "-t", "-q", "-p", str(config.run / "nginx"), "-c", str(config.run / "nginx.conf")],
        [which("promtool"), "check", "config", str(config.run / "prometheus.yml")],
    ):
        result = subprocess.run(argv, capture_output=True, text=True)
        if result.returncode != 0:
            raise SystemExit(f"{' '.join(argv)} failed:\n{result.stdout}{result.stderr}")


def _start_and_wait(config: StackConfig, procs: list[Proc], owner: DbUser, timeout: float = 90) -> None:
    for proc in procs:
        start(config, proc, owner)
    for proc in procs:
        wait_for(
            f"{proc.name} to be healthy", _healthy(config, proc), timeout, config.logs / f"{proc.name}.log"
        )


def _healthy(config: StackConfig, proc: Proc) -> Callable[[], bool]:
    return lambda: proc_health(config, proc)[0]


def _leader(config: StackConfig) -> dict[str, object] | None:
    members = cluster(config)
    return next((m for m in members if m.get("role") == "leader" and m.get("state") == "running"), None)


def _replica_streaming(config: StackConfig) -> bool:
    return any(
        m.get("role") in ("replica", "sync_standby") and m.get("state") in ("running", "streaming")
        for m in cluster(config)
    )


def set_synchronous_mode(config: StackConfig) -> None:
    """STACK_SYNC applies on every start, not only at the cluster's bootstrap."""
    body = json.dumps({"synchronous_mode": config.synchronous}).encode()
    request = urllib.request.Request(
        f"http://127.0.0.1:{config.ports.patroni(0)}/config", data=body, method="PATCH"
    )
    with urllib.request.urlopen(request, timeout=5):  # noqa: S310
        pass


def route_pgbouncer(config: StackConfig) -> None:
    """PgBouncer's routes from Patroni's view now (the callbacks keep them current)."""
    members = cluster(config)
    leader = next(m for m in members if m.get("role") == "leader")
    replica = next((m for m in members if m.get("role") != "leader" and m.get("state") != "stopped"), None)
    write_routes(config.run, primary=int(leader["port"]))
    if replica is not None:
        write_routes(config.run, standby=int(replica["port"]))


def ensure_database(config: StackConfig, secrets: Secrets) -> None:
    """The app's role and database on the primary (idempotent; the password follows secrets)."""
    import psycopg
    from psycopg import sql

    hosts = ",".join(f"127.0.0.1:{config.ports.postgres(n)}" for n in range(len(NODES)))
    dsn = f"postgres://postgres:{secrets.superuser_password}@{hosts}/postgres?target_session_attrs=read-write"
    with psycopg.connect(dsn, autocommit=True, connect_timeout=5) as conn:
        exists = conn.execute("SELECT 1 FROM pg_roles WHERE rolname = 'taskboard'").fetchone()
        verb = "ALTER" if exists else "CREATE"
        conn.execute(
            sql.SQL(verb + " ROLE taskboard LOGIN PASSWORD {}").format(sql.Literal(secrets.app_password))
        )
        if not conn.execute("SELECT 1 FROM pg_database WHERE datname = 'taskboard'").fetchone():
            conn.execute("CREATE DATABASE taskboard OWNER taskboard")


def migrate(config: StackConfig, secrets: Secrets) -> None:
    """Once per `make stack`, before any app process starts: straight to the primary (not
    through PgBouncer), the schema changes in one session."""
    hosts = ",".join(f"127.0.0.1:{config.ports.postgres(n)}" for n in range(len(NODES)))
    env = {
        **os.environ,
        **app_environment(config, secrets),
        "DATABASE_URL": f"postgres://taskboard:{secrets.app_password}@{hosts}/taskboard"
        "?target_session_attrs=read-write",
        "DATABASE_REPLICA_URLS": "",
        "DB_POOL": "false",
    }
    log = config.logs / "migrate.log"
    commands = [["migrate", "--noinput"]]
    if not _static_up_to_date(config):
        commands.append(["collectstatic", "--noinput", "-v", "0"])
    with log.open("ab") as out:
        for command in commands:
            result = subprocess.run(
                [PYTHON, "manage.py", *command],
                cwd=config.root,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
            if result.returncode != 0:
                tail = "\n".join(log.read_text(errors="replace").splitlines()[-30:])
                raise SystemExit(f"manage.py {command[0]} failed (log {log}):\n{tail}")


def _static_up_to_date(config: StackConfig) -> bool:
    """collectstatic compresses every file (whitenoise): most of a minute of CPU. Skipped when
    its manifest is newer than the project's static files and the pinned requirements (the
    packages' own static files change only with them)."""
    manifest = config.var / "static" / "staticfiles.json"
    if not manifest.exists():
        return False
    sources = [*(config.root / "static").rglob("*"), *(config.root / "requirements").glob("*.txt")]
    newest = max((path.stat().st_mtime for path in sources if path.is_file()), default=0.0)
    return manifest.stat().st_mtime > newest


def _front_configs(config: StackConfig) -> dict[str, str]:
    return {
        name: path.read_text() if path.exists() else ""
        for name, path in (
            ("nginx", config.run / "nginx.conf"),
            ("prometheus", config.run / "prometheus.yml"),
        )
    }


def up(config: StackConfig) -> None:
    # Every program there before anything starts.
    for proc in all_procs(config):
        program(proc.argv[0])
    owner = db_user()
    pg_bindir()
    before = _front_configs(config)
    secrets = render(config)
    changed = [name for name, text in _front_configs(config).items() if text != before[name]]
    ensure_certificate(config)
    check_configs(config)
    procs = {proc.name: proc for proc in db_tier(config)}
    print("Starting etcd and Patroni (PostgreSQL primary + replica)...", flush=True)
    _start_and_wait(config, [procs["etcd"]], owner, timeout=30)
    # Both at once: on a fresh cluster the first to take etcd's initialize key bootstraps and
    # the other clones it; afterwards the one with the latest data leads (after a failover that
    # may be either, and a node started alone may wait for the other).
    for name in NODES:
        start(config, procs[f"patroni-{name}"], owner)
    wait_for("a Patroni leader", lambda: _leader(config) is not None, 120, config.logs / "patroni-pg0.log")
    wait_for(
        "the replica to stream", lambda: _replica_streaming(config), 180, config.logs / "patroni-pg1.log"
    )
    set_synchronous_mode(config)
    ensure_database(config, secrets)
    route_pgbouncer(config)
    for name in ("pgbouncer", "redis"):
        start(config, procs[name], owner)
    migrate(config, secrets)
    print(f"Starting the app: {config.web_instances} gunicorn, 2 uvicorn, 3 workers, beat...", flush=True)
    _start_and_wait(config, _prepared(config, secrets, app_tier(config)), owner, timeout=120)
    reload = [name for name in changed if running_pid(config, name)]
    _start_and_wait(config, front_tier(config), owner, timeout=60)
    # Already running with another config (STACK_LOAD_TEST, STACK_WEB_INSTANCES): they reread it.
    _reload(config, reload)
    wait_for(
        f"https://127.0.0.1:{config.ports.https}/healthz through nginx",
        lambda: https_ok(config, "/healthz")[0],
        30,
    )
    print_summary(config)


def _prepared(config: StackConfig, secrets: Secrets, procs: list[Proc]) -> list[Proc]:
    """The app's environment on each process, and a fresh metrics folder for those not running
    (the files of dead processes would add up forever)."""
    environment = app_environment(config, secrets)
    for proc in procs:
        proc.env = {**environment, **proc.env}
        if running_pid(config, proc.name) is None:
            multiproc = Path(proc.env["PROMETHEUS_MULTIPROC_DIR"])
            shutil.rmtree(multiproc, ignore_errors=True)
            multiproc.mkdir(parents=True)
    return procs


def _reload(config: StackConfig, names: list[str]) -> None:
    """SIGHUP: nginx and Prometheus reread their configs without dropping a connection."""
    for name in names:
        pid = running_pid(config, name)
        if pid is not None:
            os.kill(pid, signal.SIGHUP)


def _web_pid_names(config: StackConfig) -> list[str]:
    return sorted(p.stem for p in (config.run / "pids").glob("web-*.pid"))


def scale_web(config: StackConfig, count: int) -> None:
    """N gunicorn instances on the running stack: the new ones start and turn healthy, nginx
    (and Prometheus) reload with N upstream servers, then the ones beyond N stop (SIGTERM:
    gunicorn finishes its requests; nginx no longer sends it any)."""
    if not 1 <= count <= 9:
        raise SystemExit("scale web: between 1 and 9 instances (ports base+1 .. base+9)")
    if running_pid(config, "nginx") is None:
        raise SystemExit("the stack is not running (make stack)")
    options = json.loads((config.run / "options.json").read_text())
    config = dataclasses.replace(config, web_instances=count, load_test=options["load_test"])
    web = [proc for proc in app_tier(config) if proc.kind == "web"]
    _start_and_wait(config, _prepared(config, config.secrets(), web), db_user(), timeout=120)
    _write(config.run / "nginx.conf", nginx_conf(config))
    _write(config.run / "prometheus.yml", prometheus_yml(config))
    check_configs(config)
    _reload(config, ["nginx", "prometheus"])
    # nginx's old workers finish their requests on the old upstreams; give them a moment.
    time.sleep(1)
    keep = {proc.name for proc in web}
    for name in _web_pid_names(config):
        if name not in keep and stop(config, name):
            print(f"stopped {name}")
    print(f"web: {count} gunicorn instance(s) behind nginx")


def print_summary(config: StackConfig) -> None:
    print(
        f"\nThe stack is up ({config.var}). Synchronous replication: {'on' if config.synchronous else 'off'}."
    )
    for proc in all_procs(config):
        print(f"  {proc.name:<18} {proc.where}")
    print(f"\n  App:        {config.site_url}/  (self-signed: {config.data / 'tls' / 'stack.crt'})")
    print(f"  Prometheus: http://127.0.0.1:{config.ports.prometheus}/")
    print(f"  Env file:   {config.run / 'taskboard.env'}   Logs: {config.logs}/")
    print("  make stack-status | make stack-down (keeps data) | make stack-reset (wipes it)")


def down(config: StackConfig) -> None:
    procs = all_procs(config)
    # The front first, the databases last; the replica before the leader, or a leader that
    # shuts down cleanly hands its lock to the replica, which would promote.
    leader = _leader(config) if any(p.name == "etcd" for p in procs) else None
    order = [p.name for p in procs if not p.name.startswith("patroni-") and p.name != "etcd"]
    patronis = [p.name for p in procs if p.name.startswith("patroni-")]
    if leader is not None:
        patronis.sort(key=lambda name: name == f"patroni-{leader['name']}")
    # Instances beyond the topology's (a `scale web` up) first.
    extra = [name for name in _web_pid_names(config) if name not in order]
    for name in [*extra, *reversed(order), *patronis, "etcd"]:
        if stop(config, name, timeout=40 if name.startswith("patroni-") else 20):
            print(f"stopped {name}")


def reset(config: StackConfig) -> None:
    down(config)
    shutil.rmtree(config.var, ignore_errors=True)
    print(f"wiped {config.var}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="stack.py", description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=["up", "down", "reset", "status", "render", "scale"])
    parser.add_argument("scale", nargs="*", help="scale: web N")
    parser.add_argument("--dir", type=Path, help="the stack's folder (default var/stack, or STACK_DIR)")
    args = parser.parse_args(argv)
    config = StackConfig.from_environment(var=args.dir.resolve() if args.dir else None)
    if args.command == "up":
        up(config)
    elif args.command == "down":
        down(config)
    elif args.command == "reset":
        reset(config)
    elif args.command == "scale":
        if len(args.scale) != 2 or args.scale[0] != "web" or not args.scale[1].isdigit():
            parser.error("usage: stack.py scale web N")
        scale_web(config, int(args.scale[1]))
    elif args.command == "render":
        render(config)
        print(f"configs written to {config.run}")
    else:
        return print_status(config)
    return 0


if __name__ == "__main__":
    sys.exit(main())
