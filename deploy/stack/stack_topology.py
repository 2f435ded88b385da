"""Which processes `make stack` runs, in start order, with their commands and health URLs.
A command names its program; stack_procs.program() finds it when the process starts, so that
`stack.py status` needs none of them installed."""

from __future__ import annotations

import sys
from pathlib import Path

from stack_config import ASGI_INSTANCES, NODES, QUEUES, StackConfig
from stack_db import etcd_command
from stack_procs import Proc

# The project's interpreter (the venv make uses), not whatever python3 is first on PATH.
PYTHON = sys.executable


def patroni_conf(config: StackConfig, node: int) -> Path:
    return config.run / f"patroni-{NODES[node]}.yml"


def db_tier(config: StackConfig) -> list[Proc]:
    ports = config.ports
    procs = [
        Proc(
            "etcd",
            ["etcd", *etcd_command(config)[1:]],
            health=f"http://127.0.0.1:{ports.etcd_client}/health",
            where=f"http://127.0.0.1:{ports.etcd_client}",
            kind="etcd",
        )
    ]
    for node, name in enumerate(NODES):
        procs.append(
            Proc(
                f"patroni-{name}",
                ["patroni", str(patroni_conf(config, node))],
                as_db_user=True,
                # 200 while its PostgreSQL runs (primary or replica).
                health=f"http://127.0.0.1:{ports.patroni(node)}/health",
                where=f"postgres 127.0.0.1:{ports.postgres(node)}, REST http://127.0.0.1:{ports.patroni(node)}",
                kind="patroni",
            )
        )
    procs.append(
        Proc(
            "pgbouncer",
            ["pgbouncer", str(config.run / "pgbouncer.ini")],
            as_db_user=True,
            where=f"127.0.0.1:{ports.pgbouncer} (taskboard -> primary, taskboard_standby -> replica)",
            kind="pgbouncer",
        )
    )
    procs.append(
        Proc(
            "redis",
            [
                "redis-server",
                *("--bind", "127.0.0.1", "--port", str(ports.redis), "--protected-mode", "yes"),
                *("--dir", str(config.data / "redis"), "--appendonly", "yes", "--save", ""),
                *("--daemonize", "no", "--loglevel", "warning"),
            ],
            where=f"redis://127.0.0.1:{ports.redis}",
            kind="redis",
        )
    )
    return procs


def app_tier(config: StackConfig) -> list[Proc]:
    ports = config.ports
    metrics = config.run / "prometheus-multiproc"
    procs = []
    for i in range(config.web_instances):
        procs.append(
            Proc(
                f"web-{i}",
                [
                    *(PYTHON, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "taskboard.wsgi"),
                    # gunicorn's control socket, one per instance (the default is one per user).
                    *("--control-socket", str(config.run / f"gunicorn-web-{i}.ctl")),
                ],
                env={
                    "GUNICORN_BIND": f"127.0.0.1:{ports.web(i)}",
                    "GUNICORN_WORKERS": str(config.web_workers),
                    # Sync workers: one persistent connection each (docs/database.md).
                    "DB_POOL": "false",
                    "PROMETHEUS_MULTIPROC_DIR": str(metrics / f"web-{i}"),
                },
                health=f"http://127.0.0.1:{ports.web(i)}/healthz",
                where=f"http://127.0.0.1:{ports.web(i)}",
                kind="web",
            )
        )
    for i in range(ASGI_INSTANCES):
        procs.append(
            Proc(
                f"asgi-{i}",
                [
                    *(PYTHON, "-m", "uvicorn", "taskboard.asgi:application"),
                    *("--host", "127.0.0.1", "--port", str(ports.asgi(i))),
                    *("--lifespan", "off", "--no-access-log", "--proxy-headers"),
                    *("--forwarded-allow-ips", "127.0.0.1"),
                ],
                env={"DB_POOL": "true", "PROMETHEUS_MULTIPROC_DIR": str(metrics / f"asgi-{i}")},
                health=f"http://127.0.0.1:{ports.asgi(i)}/healthz",
                where=f"http://127.0.0.1:{ports.asgi(i)}",
                kind="asgi",
            )
        )
    for i, queue in enumerate(QUEUES):
        procs.append(
            Proc(
                f"worker-{queue}",
                [
                    *(
                        PYTHON,
                        "-m",
                        "celery",
                        "-A",
                        "taskboard",
                        "worker",
                        "-Q",
                        queue,
                        "-n",
                        f"{queue}@stack",
                    ),
                    # Threads, two: the machine is small and shared; a queue's backlog never
                    # delays another queue's.
                    *("--pool=threads", "--concurrency=2", "--loglevel=INFO"),
                    *("--without-gossip", "--without-mingle"),
                ],
                env={
                    "DB_POOL": "true",
                    "METRICS_PORT": str(ports.worker_metrics(i)),
                    "PROMETHEUS_MULTIPROC_DIR": str(metrics / f"worker-{queue}"),
                },
                where=f"queue {queue}, metrics :{ports.worker_metrics(i)}",
                kind="worker",
            )
        )
    procs.append(
        Proc(
            "beat",
            [PYTHON, "-m", "celery", "-A", "taskboard", "beat", "--loglevel=INFO"],
            env={
                "DB_POOL": "false",
                "METRICS_PORT": str(ports.beat_metrics),
                "PROMETHEUS_MULTIPROC_DIR": str(metrics / "beat"),
            },
            where=f"redbeat lock in Redis, metrics :{ports.beat_metrics}",
            kind="beat",
        )
    )
    return procs


def front_tier(config: StackConfig) -> list[Proc]:
    ports = config.ports
    return [
        Proc(
            "nginx",
            ["nginx", "-p", str(config.run / "nginx"), "-c", str(config.run / "nginx.conf")],
            health=f"https://127.0.0.1:{ports.https}/healthz",
            where=f"https://127.0.0.1:{ports.https} (http :{ports.http} redirects)",
            kind="nginx",
        ),
        Proc(
            "prometheus",
            [
                "prometheus",
                f"--config.file={config.run / 'prometheus.yml'}",
                f"--storage.tsdb.path={config.data / 'prometheus'}",
                f"--web.listen-address=127.0.0.1:{ports.prometheus}",
                "--storage.tsdb.retention.time=7d",
                "--log.level=warn",
            ],
            health=f"http://127.0.0.1:{ports.prometheus}/-/ready",
            where=f"http://127.0.0.1:{ports.prometheus}",
            kind="prometheus",
        ),
    ]


def all_procs(config: StackConfig) -> list[Proc]:
    return db_tier(config) + app_tier(config) + front_tier(config)
