"""The database tier's configs: etcd, Patroni per node, PgBouncer per node.

Two Patroni nodes (pg0, pg1) keep their leader lock in etcd; the first to start becomes the
primary, the other streams from it. In front of them one PgBouncer in transaction mode, whose
databases `taskboard` and `taskboard_standby` Patroni's role-change callback points at the
current primary and replica (pgbouncer_route.py says why not libpq's multi-host URLs).
"""

from __future__ import annotations

import json
from pathlib import Path

from stack_config import APP_USER, NODES, Secrets, StackConfig, pg_bindir

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
            # A promotion or demotion (and a start) re-points PgBouncer (pgbouncer_route.py).
            "callbacks": {
                "on_role_change": str(config.run / f"on-role-change-{name}.sh"),
                "on_start": str(config.run / f"on-role-change-{name}.sh"),
            },
        },
        "tags": {"nofailover": False, "noloadbalance": False, "clonefrom": False, "nosync": False},
    }


def patroni_yaml(config: StackConfig, node: int, secrets: Secrets) -> str:
    # JSON is YAML: no YAML library needed to write it.
    header = f"# Patroni node {NODES[node]}, written by deploy/stack/stack.py on every `make stack`.\n"
    return header + json.dumps(patroni_config(config, node, secrets), indent=2) + "\n"


def pgbouncer_socket_dir(config: StackConfig) -> Path:
    return config.run / "pgbouncer"


def pgbouncer_ini(config: StackConfig) -> str:
    ports = config.ports
    return f"""; PgBouncer of `make stack`, written by deploy/stack/stack.py.
[databases]
; taskboard (the primary) and taskboard_standby (the replica), kept current by Patroni's
; role-change callback (deploy/stack/pgbouncer_route.py).
%include {config.run / "pgbouncer-databases.ini"}

[pgbouncer]
listen_addr = 127.0.0.1
listen_port = {ports.pgbouncer}
; The admin console (user "pgbouncer") over this socket needs no password: only the
; same Unix user gets in. Patroni's callback uses it to RELOAD.
unix_socket_dir = {pgbouncer_socket_dir(config)}
auth_type = scram-sha-256
auth_file = {config.run / "pgbouncer-userlist.txt"}
; A server connection is lent for one transaction: hundreds of app connections share a
; few dozen server ones. PgBouncer 1.18 keeps no prepared statements across transactions,
; so the app runs with DB_PREPARED_STATEMENTS=false (docs/database.md).
pool_mode = transaction
max_client_conn = 1000
default_pool_size = 20
reserve_pool_size = 5
; A dead server is reported quickly (the app's request fails and its connection is
; replaced) instead of clients queueing for minutes.
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
    """Patroni runs it as `script <action> <role> <scope>`."""
    route = Path(__file__).resolve().parent / "pgbouncer_route.py"
    psql = pg_bindir() / "psql"
    return f"""#!/bin/sh
# Written by deploy/stack/stack.py: Patroni's callback for {NODES[node]}.
exec /usr/bin/python3 "{route}" "{config.run}" {config.ports.postgres(node)} "{psql}" \\
  {config.ports.pgbouncer} "$@"
"""
