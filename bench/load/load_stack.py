"""A local target for the load test when make stack isn't running (bench/load/run.py --local):
make stack's topology without its high availability, on free ports in a temporary folder.

PostgreSQL (production durability) and Redis (the test suite's server helpers), N gunicorn
instances (deploy/gunicorn.conf.py, sync workers, one connection each), M uvicorn instances
(pooled connections, no permessage-deflate: docs/live-updates.md), one Celery worker for
the three queues, and Debian's nginx as a user process in front: plain HTTP on a free port
(or TLS with a self-signed certificate: run.py --local-tls), least_conn upstreams with
keepalive, `/ws/` to the ASGI pool. Settings
`taskboard.settings.production`, TRUSTED_PROXY_COUNT=1 (nginx is the one hop). No Patroni,
PgBouncer or Prometheus: those cost make stack a little more CPU per request.
"""

from __future__ import annotations

import os
import shutil
import signal
import ssl
import subprocess
import sys
import urllib.request
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(PROJECT_DIR))

from tests.plugins.bench_servers import BenchServers, manage_py  # noqa: E402
from tests.plugins.processes import free_port, log_tail, wait_until  # noqa: E402

DATABASE = "taskboard_load"
_UNVERIFIED = ssl.create_default_context()
_UNVERIFIED.check_hostname = False  # our own self-signed certificate (--local-tls)
_UNVERIFIED.verify_mode = ssl.CERT_NONE
opener = urllib.request.build_opener(
    urllib.request.ProxyHandler({}), urllib.request.HTTPSHandler(context=_UNVERIFIED)
)

NGINX_CONF = """\
worker_processes 1;
{user}
pid {base}/nginx.pid;
error_log {base}/nginx-error.log warn;
events {{ worker_connections 16384; }}
worker_rlimit_nofile 40000;
http {{
    access_log off;
    client_body_temp_path {base}/nginx-tmp/body;
    proxy_temp_path {base}/nginx-tmp/proxy;
    fastcgi_temp_path {base}/nginx-tmp/fastcgi;
    uwsgi_temp_path {base}/nginx-tmp/uwsgi;
    scgi_temp_path {base}/nginx-tmp/scgi;
    gzip on;
    gzip_types application/json text/css application/javascript image/svg+xml;
    map $http_upgrade $connection_upgrade {{ default upgrade; "" close; }}
    upstream taskboard_wsgi {{ least_conn; {web} keepalive 32; }}
    upstream taskboard_asgi {{ least_conn; {asgi} }}
    server {{
        listen 127.0.0.1:{port}{tls};
        client_max_body_size 2m;
        {certificate}
        location /ws/ {{
            proxy_pass http://taskboard_asgi;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_read_timeout 1h;
        }}
        location / {{
            proxy_pass http://taskboard_wsgi;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Host $host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_next_upstream error timeout http_502;
        }}
    }}
}}
"""


class LocalStack:
    def __init__(
        self, base_dir: Path, *, web_instances: int, web_workers: int, asgi_instances: int, tls: bool = False
    ) -> None:
        self.base_dir = base_dir
        self.tls = tls
        self.web_workers = web_workers
        self.servers = BenchServers(base_dir, name="load", database=DATABASE)
        self.postgres, self.redis = self.servers.postgres, self.servers.redis
        self.port = free_port()
        self.web_ports: list[int] = []
        self.asgi_ports = [free_port() for _ in range(asgi_instances)]
        self.web: list[subprocess.Popen[bytes]] = []
        self.others: list[subprocess.Popen[bytes]] = []
        self.nginx: subprocess.Popen[bytes] | None = None
        self.set_web_instances(web_instances, start=False)

    @property
    def url(self) -> str:
        return f"{'https' if self.tls else 'http'}://127.0.0.1:{self.port}"

    def roots(self) -> list[int]:
        """The processes whose trees are the target (for the CPU meter)."""
        pids = [process.pid for process in self.web + self.others]
        for server in (self.postgres, self.redis):
            if server.process is not None:
                pids.append(server.process.pid)
        return pids

    def env(self) -> dict[str, str]:
        return {
            **os.environ,
            "DJANGO_SETTINGS_MODULE": "taskboard.settings.production",
            "SECRET_KEY": "load-secret-key-" + "s" * 50,
            "JWT_SIGNING_KEY": "load-jwt-signing-key-" + "j" * 30,
            # Plain HTTP on the loopback: nginx here terminates no TLS.
            "SECURE_SSL_REDIRECT": "false",
            "SECURE_HSTS_SECONDS": "0",
            "ALLOWED_HOSTS": "127.0.0.1,localhost",
            "CSRF_TRUSTED_ORIGINS": self.url,
            "SITE_URL": self.url,
            "TRUSTED_PROXY_COUNT": "1",
            "DATABASE_URL": self.postgres.url(DATABASE),
            "DATABASE_REPLICA_URLS": "",
            "REDIS_URL": self.redis.url(0),
            "CELERY_BROKER_URL": self.redis.url(1),
            "STATIC_ROOT": str(self.base_dir / "static"),
            "TASKBOARD_VAR_DIR": str(self.base_dir / "var"),
            "LOG_LEVEL": "WARNING",
        }

    def start(self) -> None:
        self.servers.start()
        self.manage("migrate", "--noinput", "--verbosity", "0")
        # Production's manifest storage: pages need the hashed names.
        self.manage("collectstatic", "--noinput", "--verbosity", "0")
        for index, port in enumerate(self.asgi_ports):
            argv = [
                sys.executable, "-m", "uvicorn", "taskboard.asgi:application", "--host", "127.0.0.1",
                "--port", str(port), "--lifespan", "off", "--no-access-log", "--log-level", "warning",
                "--proxy-headers", "--forwarded-allow-ips", "127.0.0.1", "--ws-per-message-deflate", "false",
            ]  # fmt: skip
            self.others.append(self._spawn(argv, {"DB_POOL": "true"}, f"asgi-{index}.log"))
        worker = [sys.executable, "-m", "celery", "-A", "taskboard", "worker", "-Q", "default,mail,reminders"]
        worker += [
            "--pool=threads",
            "--concurrency=2",
            "--without-gossip",
            "--without-mingle",
            "-l",
            "WARNING",
        ]
        self.others.append(self._spawn(worker, {"DB_POOL": "true"}, "worker.log"))
        for port in self.asgi_ports:
            self._wait(f"http://127.0.0.1:{port}/healthz", "asgi-0.log")
        self.set_web_instances(len(self.web_ports))
        self._start_nginx()

    def set_web_instances(self, count: int, *, start: bool = True) -> None:
        """Runs `count` gunicorn instances (stopping or starting some) and points nginx at them."""
        while len(self.web_ports) < count:
            self.web_ports.append(free_port())
        self.web_ports = self.web_ports[:count]
        if not start:
            return
        for process in self.web[count:]:
            _stop(process)
        self.web = self.web[:count]
        for index in range(len(self.web), count):
            env = {"GUNICORN_BIND": f"127.0.0.1:{self.web_ports[index]}", "DB_POOL": "false"}
            env["GUNICORN_WORKERS"] = str(self.web_workers)
            argv = [sys.executable, "-m", "gunicorn", "-c", "deploy/gunicorn.conf.py", "taskboard.wsgi"]
            self.web.append(self._spawn(argv, env, f"web-{index}.log"))
            self._wait(f"http://127.0.0.1:{self.web_ports[index]}/healthz", f"web-{index}.log")
        if self.nginx is not None:
            self._write_nginx_conf()
            os.kill(self.nginx.pid, signal.SIGHUP)  # reloads the conf: the new upstreams

    def _certificate(self) -> str:
        """nginx's TLS lines: a self-signed certificate for 127.0.0.1, as make stack makes."""
        if not self.tls:
            return ""
        key, cert = self.base_dir / "tls.key", self.base_dir / "tls.crt"
        if not cert.exists():
            argv = ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2"]
            argv += ["-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"]
            subprocess.run([*argv, "-keyout", str(key), "-out", str(cert)], check=True, capture_output=True)
        return f"ssl_certificate {cert}; ssl_certificate_key {key};"

    def _write_nginx_conf(self) -> Path:
        (self.base_dir / "nginx-tmp").mkdir(exist_ok=True)
        (self.base_dir / "logs").mkdir(exist_ok=True)  # nginx opens logs/error.log before its conf
        conf = NGINX_CONF.format(
            base=self.base_dir,
            port=self.port,
            tls=" ssl" if self.tls else "",
            certificate=self._certificate(),
            user="user root;" if os.geteuid() == 0 else "",
            web=" ".join(f"server 127.0.0.1:{port};" for port in self.web_ports),
            asgi=" ".join(f"server 127.0.0.1:{port};" for port in self.asgi_ports),
        )
        path = self.base_dir / "nginx.conf"
        path.write_text(conf)
        return path

    def _start_nginx(self) -> None:
        conf = self._write_nginx_conf()
        argv = [_nginx_binary(), "-c", str(conf), "-p", str(self.base_dir), "-g", "daemon off;"]
        self.nginx = self._spawn(argv, {}, "nginx.log")
        self.others.append(self.nginx)
        self._wait(f"{self.url}/healthz", "nginx-error.log")

    def manage(self, *args: str) -> str:
        return manage_py(self.env(), *args)

    def _spawn(self, argv: list[str], env: dict[str, str], log_name: str) -> subprocess.Popen[bytes]:
        with (self.base_dir / log_name).open("ab") as log:
            return subprocess.Popen(
                argv,
                cwd=PROJECT_DIR,
                env={**self.env(), **env},
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )

    def _wait(self, url: str, log_name: str) -> None:
        def probe() -> bool | None:
            with opener.open(url, timeout=2) as response:
                return True if response.status == 200 else None

        try:
            wait_until(probe, timeout=90, interval=0.3, what=url)
        except Exception as exc:
            raise RuntimeError(f"{url} did not answer\n{log_tail(self.base_dir / log_name)}") from exc

    def stop(self) -> None:
        for process in reversed(self.others + self.web):
            _stop(process)
        self.others, self.web = [], []
        self.servers.stop()


def _nginx_binary() -> str:
    return shutil.which("nginx") or "/usr/sbin/nginx"


def _stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is not None:
        return
    os.killpg(process.pid, signal.SIGTERM)
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        os.killpg(process.pid, signal.SIGKILL)
        process.wait()
