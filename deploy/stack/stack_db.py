"""The database tier's configs: etcd, Patroni per node, PgBouncer per node.

Two Patroni nodes (pg0, pg1) keep their leader lock in etcd; the first to start becomes the
primary, the other streams from it. In front of each node's PostgreSQL sits a PgBouncer in
transaction mode. The app's URL names both PgBouncers and lets libpq pick the one whose server
takes writes (`target_session_attrs=read-write`); docs/operations.md says why that rather than
asking Patroni's REST API.
"""

from __future__ import annotations

import json
from pathlib import Path

from stack_config import APP_USER, DATABASE, NODES, Secrets, StackConfig, pg_bindir

# Failover timing. The leader lock expires TTL seconds after the primary's Patroni last
# renewed it; the replica then promotes within one loop. Patroni requires
# loop_wait + 2 * retry_timeout <= ttl. 20 s keeps "writes succeed again within 30 s"
# with room for a loaded 2-core machine; lower values risk failovers on a CPU stall.
TTL = 20
LOOP_WAIT = 4
RETRY_TIMEOUT = 8
PG_HBA = [
    # The socket lives in the node's own 0700 folder.
    "local all all trust",
    "host replication replicator 127.0.0.1/32 scram-sha-256",
    "host all all 127.0.0.1/32 scram-sha-256",
]


def etcd_command(config: StackConfig) -> list[str]:
    peer = f"http://127.0.0.1:{config.ports.etcd_peer}"
    client = f"http://127.0.0.1:{config.ports.etcd_client}"
    return [
        "etcd",
        "--name=stack",
        f"--data-dir={config.data / 'etcd'}",
        f"--listen-client-urls={client}",
        f"--advertise-client-urls={client}",
        f"--listen-peer-urls={peer}",
        f"--initial-advertise-peer-urls={peer}",
        f"--initial-cluster=stack={peer}",
        "--initial-cluster-state=new",
        "--initial-cluster-token=taskboard-stack",
        # A small keyspace: compact it so the data folder does not grow without bound.
        "--auto-compaction-retention=1",
        "--log-level=warn",
    ]


def patroni_config(config: StackConfig, node: int, secrets: Secrets) -> dict[str, object]:
    name = NODES[node]
    node_dir = config.node_dir(node)
    ports = config.ports
    return {
        "scope": "taskboard-stack",
        "namespace": "/taskboard/",
        "name": name,
        "log": {"level": "INFO"},
        "restapi": {
            "listen": f"127.0.0.1:{ports.patroni(node)}",
            "connect_address": f"127.0.0.1:{ports.patroni(node)}",
        },
        "etcd3": {"hosts": [f"127.0.0.1:{ports.etcd_client}"]},
        "bootstrap": {
            "dcs": {
                "ttl": TTL,
                "loop_wait": LOOP_WAIT,
                "retry_timeout": RETRY_TIMEOUT,
                "maximum_lag_on_failover": 1048576,
                # Re-applied by every `make stack` (STACK_SYNC) through the REST API.
                "synchronous_mode": config.synchronous,
                "postgresql": {
                    "use_pg_rewind": True,
                    "use_slots": True,
                    "parameters": {
                        "wal_level": "replica",
                        "hot_standby": "on",
                        "max_wal_senders": 10,
                        "max_replication_slots": 10,
                        "wal_keep_size": "128MB",
                        "max_connections": 100,
                    },
                },
            },
            "pg_hba": PG_HBA,
            "initdb": [{"encoding": "UTF8"}, {"locale": "C.UTF-8"}, "data-checksums"],
        },
        "postgresql": {
            "listen": f"127.0.0.1:{ports.postgres(node)}",
            "connect_address": f"127.0.0.1:{ports.postgres(node)}",
            "data_dir": str(node_dir / "data"),
            "bin_dir": str(pg_bindir()),
            "pgpass": str(node_dir / "pgpass"),
            "authentication": {
                "superuser": {"username": "postgres", "password": secrets.superuser_password},
                "replication": {"username": "replicator", "password": secrets.replication_password},
                # pg_rewind brings a failed primary back as a replica without a new clone.
                "rewind": {"username": "postgres", "password": secrets.superuser_password},
            },
            "parameters": {
                "unix_socket_directories": str(node_dir),
                "shared_buffers": "64MB",
                "timezone": "UTC",
                "password_encryption": "scram-sha-256",
            },
            "pg_hba": PG_HBA,
            # A role change (promotion, demotion) drops every app connection through this
            # node's PgBouncer, so libpq's read-write choice is made again (see the script).
            "callbacks": {"on_role_change": str(config.run / f"on-role-change-{name}.sh")},
        },
        "tags": {"nofailover": False, "noloadbalance": False, "clonefrom": False, "nosync": False},
    }


def patroni_yaml(config: StackConfig, node: int, secrets: Secrets) -> str:
    # JSON is YAML: no YAML library needed to write it.
    header = f"# Patroni node {NODES[node]}, written by deploy/stack/stack.py on every `make stack`.\n"
    return header + json.dumps(patroni_config(config, node, secrets), indent=2) + "\n"


def pgbouncer_socket_dir(config: StackConfig, node: int) -> Path:
    return config.run / f"pgbouncer-{NODES[node]}"


def pgbouncer_ini(config: StackConfig, node: int) -> str:
    ports = config.ports
    return f"""; PgBouncer in front of {NODES[node]}, written by deploy/stack/stack.py.
[databases]
{DATABASE} = host=127.0.0.1 port={ports.postgres(node)} dbname={DATABASE}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {ports.pgbouncer(node)}
; The admin console (user "pgbouncer") over this socket needs no password: only the
; same Unix user gets in. Patroni's on_role_change callback uses it.
unix_socket_dir = {pgbouncer_socket_dir(config, node)}
auth_type = scram-sha-256
auth_file = {config.run / "pgbouncer-userlist.txt"}
; A server connection is lent for one transaction: hundreds of app connections share a
; few dozen server ones. PgBouncer 1.18 keeps no prepared statements across transactions,
; so the app runs with DB_PREPARED_STATEMENTS=false (docs/database.md).
pool_mode = transaction
max_client_conn = 1000
default_pool_size = 20
reserve_pool_size = 5
; A dead server is reported quickly instead of clients queueing for minutes: libpq then
; tries the next host of the app's URL.
server_connect_timeout = 2
server_login_retry = 1
query_wait_timeout = 10
; The replica monitor sets statement_timeout through "options"; PgBouncer can't pass it on.
ignore_startup_parameters = extra_float_digits,options
server_check_delay = 5
log_connections = 0
log_disconnections = 0
stats_period = 60
"""


def pgbouncer_userlist(secrets: Secrets) -> str:
    # Plain text: PgBouncer needs it to answer SCRAM to the client and to log in to the server.
    return f'"{APP_USER}" "{secrets.app_password}"\n'


def role_change_script(config: StackConfig, node: int) -> str:
    """Patroni runs it as `script on_role_change <role> <scope>`."""
    psql = pg_bindir() / "psql"
    socket_dir = pgbouncer_socket_dir(config, node)
    port = config.ports.pgbouncer(node)
    return f"""#!/bin/sh
# Written by deploy/stack/stack.py. PgBouncer in transaction mode keeps the app's client
# connections open across a server restart: after a demotion they would keep reaching a
# read-only server. KILL closes them all (the app reconnects and libpq picks the new
# primary); RESUME lets new ones in.
echo "$(date -u +%FT%TZ) {NODES[node]} $1 -> $2: dropping PgBouncer's client connections"
"{psql}" -X -q -h "{socket_dir}" -p {port} -U pgbouncer -d pgbouncer \\
  -c "KILL {DATABASE}" -c "RESUME {DATABASE}" || true
"""
