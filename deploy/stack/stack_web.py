"""The front and the app tier's configs: nginx, Prometheus, the app's environment file."""

from __future__ import annotations

from stack_config import ASGI_INSTANCES, QUEUES, Secrets, StackConfig

# Requests per second per client address on /api/v1/auth/ (token, register, reset...):
# beyond the app's own per-account and per-address limits, nginx turns away a flood
# before it costs a gunicorn worker.
AUTH_RATE = "5r/s"
AUTH_BURST = 20


def _upstreams(config: StackConfig) -> str:
    ports = config.ports
    web = "\n".join(
        f"    server 127.0.0.1:{ports.web(i)} max_fails=1 fail_timeout=5s;"
        for i in range(config.web_instances)
    )
    asgi = "\n".join(
        f"    server 127.0.0.1:{ports.asgi(i)} max_fails=1 fail_timeout=5s;" for i in range(ASGI_INSTANCES)
    )
    return f"""    upstream taskboard_wsgi {{
        least_conn;
{web}
        keepalive 32;
    }}
    upstream taskboard_asgi {{
        least_conn;
{asgi}
        keepalive 16;
    }}"""


# The headers every proxied location sends: one X-Forwarded-For hop (TRUSTED_PROXY_COUNT=1),
# the Host as the browser sent it (with :8443: CSRF, CSP and redirects need the port),
# the scheme (the app's SECURE_PROXY_SSL_HEADER), the request id.
_PROXY_HEADERS = """            proxy_set_header Host $http_host;
            proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
            proxy_set_header X-Forwarded-Proto $scheme;
            proxy_set_header X-Request-ID $taskboard_request_id;"""

_WSGI = f"""            proxy_pass http://taskboard_wsgi;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
{_PROXY_HEADERS}"""


def _limit_key(config: StackConfig) -> str:
    """The per-address limits' key: the client's address, or empty (nginx does not count a
    request with an empty key) for the addresses exempted. Only loopback, and only with
    STACK_LOAD_TEST=1: a load test's simulated people all come from 127.0.0.1."""
    exempt = "\n        127.0.0.0/8 1;\n        ::1 1;" if config.load_test else ""
    who = "loopback (STACK_LOAD_TEST=1)" if config.load_test else "none"
    return f"""    # Exempt from the per-address limits: {who}.
    geo $taskboard_limit_exempt {{
        default 0;{exempt}
    }}
    map $taskboard_limit_exempt $taskboard_limit_key {{ 1 ""; default $binary_remote_addr; }}"""


def nginx_conf(config: StackConfig) -> str:
    run, logs, ports = config.run, config.logs, config.ports
    static = config.var / "static"
    return f"""# nginx of `make stack`, written by deploy/stack/stack.py (a user process: its own prefix,
# pid and logs; not the system service). Same rules as deploy/nginx/taskboard.conf, plus TLS.
daemon off;
worker_processes 1;
pid {run / "nginx.pid"};
error_log {logs / "nginx.error.log"} warn;
# Each person holds a socket (a client and an upstream connection) and a keep-alive HTTP
# connection: 4,096 refused connections at 2,000 simulated people (docs/benchmarks.md).
worker_rlimit_nofile 19000;
events {{ worker_connections 16384; }}

http {{
    types_hash_max_size 2048;
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    client_body_temp_path {run / "nginx" / "client_body"};
    proxy_temp_path {run / "nginx" / "proxy"};
    fastcgi_temp_path {run / "nginx" / "fastcgi"};
    uwsgi_temp_path {run / "nginx" / "uwsgi"};
    scgi_temp_path {run / "nginx" / "scgi"};
    sendfile on;
    server_tokens off;

{_upstreams(config)}

    map $http_upgrade $connection_upgrade {{ default upgrade; "" close; }}
    # A request id from the client (or a proxy in front) is kept, otherwise nginx makes one;
    # the app logs it and nginx returns it.
    map $http_x_request_id $taskboard_request_id {{ default $http_x_request_id; "" $request_id; }}
{_limit_key(config)}
    limit_req_zone $taskboard_limit_key zone=per_ip:10m rate=50r/s;
    limit_req_zone $taskboard_limit_key zone=auth_per_ip:10m rate={AUTH_RATE};
    limit_req_status 429;
    log_format taskboard '$remote_addr - $remote_user [$time_local] "$request" $status $body_bytes_sent '
                         '"$http_referer" "$http_user_agent" rt=$request_time urt=$upstream_response_time '
                         'ua=$upstream_addr rid=$taskboard_request_id';
    access_log {logs / "nginx.access.log"} taskboard;

    server {{
        listen 127.0.0.1:{ports.http};
        server_name _;
        location / {{ return 301 https://$host:{ports.https}$request_uri; }}
    }}

    server {{
        listen 127.0.0.1:{ports.https} ssl;
        server_name _;
        ssl_certificate {config.data / "tls" / "stack.crt"};
        ssl_certificate_key {config.data / "tls" / "stack.key"};
        ssl_protocols TLSv1.2 TLSv1.3;
        ssl_session_cache shared:SSL:10m;
        client_max_body_size 2m;
        # The app returns the request id too: one header, nginx's, also on its error pages.
        proxy_hide_header X-Request-ID;
        add_header X-Request-ID $taskboard_request_id always;
        gzip on;
        gzip_proxied any;
        gzip_min_length 512;
        gzip_types application/json text/css application/javascript image/svg+xml text/plain;

        # A failed or refused upstream (a gunicorn killed, restarting) costs a safe request
        # nothing: nginx tries the next server. Never a POST/PATCH/DELETE ("non_idempotent"
        # is not set): the first server may have applied it before failing.
        proxy_next_upstream error timeout http_502 http_503;
        proxy_next_upstream_tries 3;
        proxy_next_upstream_timeout 10s;
        proxy_connect_timeout 2s;

        location /static/ {{
            alias {static}/;
            # collectstatic (whitenoise) wrote a .gz beside each file: no compressing per request.
            gzip_static on;
            # Hashed file names (ManifestStaticFilesStorage): a changed file has a new name.
            add_header Cache-Control "public, max-age=31536000, immutable";
            add_header X-Request-ID $taskboard_request_id always;
        }}

        location /ws/ {{
            proxy_pass http://taskboard_asgi;
            proxy_http_version 1.1;
            proxy_set_header Upgrade $http_upgrade;
            proxy_set_header Connection $connection_upgrade;
{_PROXY_HEADERS}
            proxy_read_timeout 1h;
        }}

        location /api/v1/auth/ {{
            limit_req zone=auth_per_ip burst={AUTH_BURST} nodelay;
{_WSGI}
        }}

        location = /nginx_status {{
            stub_status;
            allow 127.0.0.1;
            deny all;
        }}

        location / {{
            limit_req zone=per_ip burst=100 nodelay;
{_WSGI}
        }}
    }}
}}
"""


def prometheus_yml(config: StackConfig) -> str:
    """Scrapes every process of the stack: the app's /metrics and the worker's and beat's
    exporters with METRICS_TOKEN (issue 16), Patroni, etcd and Prometheus itself."""
    ports = config.ports

    def targets(values: list[int]) -> str:
        return "[" + ", ".join(f"'127.0.0.1:{p}'" for p in values) + "]"

    token_file = config.run / "metrics-token"
    app_jobs = [
        ("web", [ports.web(i) for i in range(config.web_instances)]),
        ("asgi", [ports.asgi(i) for i in range(ASGI_INSTANCES)]),
        ("worker", [ports.worker_metrics(i) for i in range(len(QUEUES))]),
        ("beat", [ports.beat_metrics]),
    ]
    app = "".join(
        f"""  - job_name: {job}
    authorization: {{credentials_file: '{token_file}'}}
    static_configs: [{{targets: {targets(values)}}}]
"""
        for job, values in app_jobs
    )
    return f"""# Prometheus of `make stack`, written by deploy/stack/stack.py.
global:
  scrape_interval: 15s
  evaluation_interval: 15s
  external_labels: {{stack: taskboard-local}}
rule_files: ['{config.run / "prometheus-rules"}/*.yml']
scrape_configs:
{app}  - job_name: patroni
    static_configs: [{{targets: {targets([ports.patroni(n) for n in range(2)])}}}]
  - job_name: etcd
    static_configs: [{{targets: {targets([ports.etcd_client])}}}]
  - job_name: prometheus
    static_configs: [{{targets: {targets([ports.prometheus])}}}]
"""


def app_environment(config: StackConfig, secrets: Secrets) -> dict[str, str]:
    """What every app process gets (also written to var/stack/run/taskboard.env, 0600)."""
    primary, replica = config.database_urls(secrets.app_password)
    redis = f"redis://127.0.0.1:{config.ports.redis}"
    return {
        "DJANGO_SETTINGS_MODULE": "taskboard.settings.production",
        "SECRET_KEY": secrets.secret_key,
        "JWT_SIGNING_KEY": secrets.jwt_signing_key,
        "METRICS_TOKEN": secrets.metrics_token,
        "ALLOWED_HOSTS": "127.0.0.1,localhost",
        "CSRF_TRUSTED_ORIGINS": config.site_url,
        "SITE_URL": config.site_url,
        "DATABASE_URL": primary,
        "DATABASE_REPLICA_URLS": replica,
        # PgBouncer 1.18 in transaction mode: no prepared statements (docs/database.md).
        "DB_PREPARED_STATEMENTS": "false",
        "DB_WRITE_POOL_SIZE": "4",
        "DB_READ_POOL_SIZE": "4",
        "REDIS_URL": f"{redis}/0",
        "CELERY_BROKER_URL": f"{redis}/1",
        # nginx is the one proxy and appends one X-Forwarded-For hop.
        "TRUSTED_PROXY_COUNT": "1",
        "STATIC_ROOT": str(config.var / "static"),
        "TASKBOARD_VAR_DIR": str(config.data / "app"),
        "LOG_LEVEL": "INFO",
        **({"EMAIL_URL": config.email_url} if config.email_url else {}),
    }


def env_file(environment: dict[str, str]) -> str:
    lines = ["# The app's environment under `make stack` (secrets: keep this file private)."]
    lines += [f"{key}={value}" for key, value in environment.items()]
    return "\n".join(lines) + "\n"
