"""Points PgBouncer at the current primary and replica; Patroni runs it on every role change.

    pgbouncer_route.py RUN_DIR NODE_PORT PSQL on_role_change|on_start|on_stop ROLE SCOPE

(Patroni appends the last three.) PgBouncer has two databases: `taskboard` (the primary) and
`taskboard_standby` (the replica). A node that becomes the primary routes `taskboard` to
itself; one that becomes or starts as a replica routes `taskboard_standby` to itself. The
routes are written to pgbouncer-databases.ini (which pgbouncer.ini includes) and PgBouncer is
told to RELOAD: its server connections to the old target close once their transaction ends,
and the next transaction goes to the new one. The app's own connections to PgBouncer stay
open: a failover needs no reconnect by the app.

Why not libpq's multi-host URL with target_session_attrs=read-write, one PgBouncer per node:
PgBouncer hands each client the server parameters it cached when it first logged in to its
server, `in_hot_standby` and `default_transaction_read_only` among them. libpq trusts those,
so a PgBouncer whose node died (or was demoted) still looks like a writable primary, and the
app kept choosing it: the failover drill saw a minute of errors instead of 20 s.

Standard library only: it runs under the system python3, as the database user.
"""

from __future__ import annotations

import fcntl
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

PRIMARY_ROLES = {"master", "primary", "promoted"}
REPLICA_ROLES = {"replica", "standby_leader", "sync_standby"}


def databases_ini(routes: dict[str, Any]) -> str:
    lines = ["; Written by deploy/stack/pgbouncer_route.py (Patroni's role-change callback)."]
    lines.append(f"taskboard = host=127.0.0.1 port={routes['primary']} dbname=taskboard")
    lines.append(f"taskboard_standby = host=127.0.0.1 port={routes['standby']} dbname=taskboard")
    return "\n".join(lines) + "\n"


def write_routes(
    run_dir: Path, *, primary: int | None = None, standby: int | None = None, nodes: list[int] | None = None
) -> dict[str, Any]:
    """Updates the routes given (under a lock: both nodes' callbacks may run at once)."""
    with (run_dir / "pgbouncer-routes.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        state_file = run_dir / "pgbouncer-routes.json"
        routes: dict[str, Any] = json.loads(state_file.read_text()) if state_file.exists() else {}
        if nodes is not None:
            routes["nodes"] = nodes
        known = [int(port) for port in routes.get("nodes", [])]
        if primary is not None:
            routes["primary"] = primary
            # The node that took over no longer serves as the replica: the other one will.
            if routes.get("standby") in (None, primary):
                routes["standby"] = next((port for port in known if port != primary), primary)
        if standby is not None:
            routes["standby"] = standby
            if routes.get("primary") in (None, standby):
                routes["primary"] = next((port for port in known if port != standby), standby)
        if known:
            routes.setdefault("primary", known[0])
            routes.setdefault("standby", known[-1])
        state_file.write_text(json.dumps(routes))
        (run_dir / "pgbouncer-databases.ini").write_text(databases_ini(routes))
        return routes


def reload(run_dir: Path, psql: str, port: int) -> bool:
    """RELOAD over the admin socket (user "pgbouncer": no password for the same Unix user)."""
    socket_dir = str(run_dir / "pgbouncer")
    result = subprocess.run(
        [
            psql,
            "-X",
            "-q",
            "-h",
            socket_dir,
            "-p",
            str(port),
            "-U",
            "pgbouncer",
            "-d",
            "pgbouncer",
            "-c",
            "RELOAD",
        ],
        capture_output=True,
        text=True,
        timeout=10,
    )
    return result.returncode == 0


def main(argv: list[str]) -> int:
    run_dir, node_port, psql, bouncer_port = Path(argv[0]), int(argv[1]), argv[2], int(argv[3])
    action, role = argv[4], argv[5] if len(argv) > 5 else ""
    if action == "on_stop":
        return 0
    if role in PRIMARY_ROLES:
        routes = write_routes(run_dir, primary=node_port)
    elif role in REPLICA_ROLES:
        routes = write_routes(run_dir, standby=node_port)
    else:
        return 0
    reloaded = reload(run_dir, psql, bouncer_port)
    outcome = "reloaded" if reloaded else "reload failed"
    print(f"pgbouncer_route: {action} {role} on :{node_port} -> {routes} ({outcome})")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
