"""`make stack`'s configs, checked without starting anything (seconds): rendered into a
temporary folder, then handed to `nginx -t`, `patroni --validate-config` and `promtool check
config`, and read for the rules the issue sets. The bring-up itself is a drill
(tests/drills/test_stack_drills.py, `make drills`)."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
STACK = ROOT / "deploy" / "stack"
sys.path.insert(0, str(STACK))

import stack  # noqa: E402
from pgbouncer_route import write_routes  # noqa: E402
from stack_config import Ports, StackConfig  # noqa: E402

# Far from the live stack's 17000 + offsets and nginx's 8443/8080: the validators bind.
PORT_BASE = 27000


def _run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(STACK / "stack.py"), *args],
        capture_output=True,
        text=True,
        timeout=60,
        env={**_base_env(), **(env or {})},
    )


def _base_env() -> dict[str, str]:
    return {
        **os.environ,
        "STACK_PORT_BASE": str(PORT_BASE),
        "STACK_HTTPS_PORT": "27443",
        "STACK_HTTP_PORT": "27080",
    }


@pytest.fixture(scope="module")
def rendered(tmp_path_factory: pytest.TempPathFactory) -> StackConfig:
    folder = tmp_path_factory.mktemp("stack")
    result = _run("render", "--dir", str(folder))
    assert result.returncode == 0, result.stderr
    config = StackConfig(var=folder, ports=Ports(base=PORT_BASE, https=27443, http=27080))
    stack.ensure_certificate(config)
    return config


def test_every_config_is_written(rendered: StackConfig) -> None:
    names = sorted(p.name for p in rendered.run.iterdir() if p.is_file())

    assert names == [
        "metrics-token",
        "nginx.conf",
        "on-role-change-pg0.sh",
        "on-role-change-pg1.sh",
        "options.json",
        "patroni-pg0.yml",
        "patroni-pg1.yml",
        "pgbouncer-databases.ini",
        "pgbouncer-routes.json",
        "pgbouncer-routes.lock",
        "pgbouncer-userlist.txt",
        "pgbouncer.ini",
        "prometheus.yml",
        "taskboard.env",
    ]
    # Secrets only for their owner.
    for secret in ("taskboard.env", "pgbouncer-userlist.txt", "patroni-pg0.yml", "metrics-token"):
        assert (rendered.run / secret).stat().st_mode & 0o077 == 0, secret


def test_nginx_accepts_the_config(rendered: StackConfig) -> None:
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        pytest.skip("nginx is not installed (deploy/local/install-system-packages.sh stack)")
    conf = rendered.run / "nginx.conf"

    result = subprocess.run(
        [nginx, "-t", "-p", str(rendered.run / "nginx"), "-c", str(conf)], capture_output=True, text=True
    )

    assert result.returncode == 0, result.stderr


def _block(text: str, header: str) -> str:
    """The `header { ... }` block, nested braces included."""
    start = text.index(header)
    depth = 0
    for end in range(text.index("{", start), len(text)):
        depth += {"{": 1, "}": -1}.get(text[end], 0)
        if depth == 0:
            return text[start : end + 1]
    raise AssertionError(f"unclosed {header}")


def test_nginx_balances_retries_only_safe_requests_and_adds_one_hop(rendered: StackConfig) -> None:
    text = re.sub(r"#[^\n]*", "", (rendered.run / "nginx.conf").read_text())

    wsgi, asgi = _block(text, "upstream taskboard_wsgi"), _block(text, "upstream taskboard_asgi")
    assert len(re.findall(r"server 127\.0\.0\.1:\d+", wsgi)) == 3
    assert len(re.findall(r"server 127\.0\.0\.1:\d+", asgi)) == 2
    for upstream in (wsgi, asgi):
        assert "least_conn;" in upstream
        assert re.search(r"keepalive \d+;", upstream)
    retry = re.findall(r"proxy_next_upstream ([^;]*);", text)
    assert retry
    assert all("non_idempotent" not in rule for rule in retry)
    assert "listen 127.0.0.1:27443 ssl;" in text
    assert "return 301 https://$host:27443$request_uri;" in text
    # Each proxied location appends one X-Forwarded-For hop: TRUSTED_PROXY_COUNT=1.
    tls_server = text[text.index("ssl;") :]
    for header in ("location /ws/", "location /api/v1/auth/", "location / "):
        block = _block(tls_server, header)
        assert re.findall(r"proxy_set_header\s+X-Forwarded-For\s+(\S+);", block) == [
            "$proxy_add_x_forwarded_for"
        ]
        assert "proxy_set_header X-Request-ID $taskboard_request_id;" in block
    assert "limit_req zone=auth_per_ip" in _block(text, "location /api/v1/auth/")
    assert "immutable" in _block(text, "location /static/")


def _limit_exemptions(conf: Path) -> list[str]:
    block = _block(re.sub(r"#[^\n]*", "", conf.read_text()), "geo $taskboard_limit_exempt")
    return re.findall(r"^\s*(\S+) 1;", block, re.MULTILINE)


def test_nginx_limits_every_address_unless_a_load_test_asks_to_spare_loopback(
    rendered: StackConfig, tmp_path: Path
) -> None:
    text = (rendered.run / "nginx.conf").read_text()
    assert "limit_req_zone $taskboard_limit_key zone=per_ip" in text
    assert "limit_req_zone $taskboard_limit_key zone=auth_per_ip" in text
    assert _limit_exemptions(rendered.run / "nginx.conf") == []

    result = _run("render", "--dir", str(tmp_path), env={"STACK_LOAD_TEST": "1"})

    assert result.returncode == 0, result.stderr
    assert _limit_exemptions(tmp_path / "run" / "nginx.conf") == ["127.0.0.0/8", "::1"]


def test_the_web_instance_count_sets_nginx_s_and_prometheus_s_targets(tmp_path: Path) -> None:
    result = _run("render", "--dir", str(tmp_path), env={"STACK_WEB_INSTANCES": "1"})

    assert result.returncode == 0, result.stderr
    conf = re.sub(r"#[^\n]*", "", (tmp_path / "run" / "nginx.conf").read_text())
    assert re.findall(r"server (127\.0\.0\.1:\d+)", _block(conf, "upstream taskboard_wsgi")) == [
        f"127.0.0.1:{PORT_BASE + 1}"
    ]
    web_job = (tmp_path / "run" / "prometheus.yml").read_text().split("job_name: web", 1)[1]
    assert web_job.split("job_name:", 1)[0].count("127.0.0.1:") == 1


def test_scale_needs_web_and_a_count_and_a_running_stack(tmp_path: Path) -> None:
    assert _run("scale", "db", "2", "--dir", str(tmp_path)).returncode == 2
    assert _run("scale", "web", "--dir", str(tmp_path)).returncode == 2

    result = _run("scale", "web", "2", "--dir", str(tmp_path))

    assert result.returncode == 1
    assert "not running" in result.stderr


def test_patroni_accepts_the_config(rendered: StackConfig) -> None:
    patroni = shutil.which("patroni")
    if patroni is None:
        pytest.skip("patroni is not installed (deploy/local/install-system-packages.sh stack)")

    result = subprocess.run(
        [patroni, "--validate-config", str(rendered.run / "patroni-pg0.yml")], capture_output=True, text=True
    )

    # The validator assumes one machine per node: it refuses 127.0.0.1 as an address others
    # connect to, and wants etcd running. Both are the point of a one-machine stack.
    complaints = [
        line
        for line in (result.stdout + result.stderr).splitlines()
        if line.strip() and 'must not contain "127.0.0.1"' not in line and "is not reachable" not in line
    ]
    assert complaints == []


def test_patroni_replicates_synchronously_unless_told_not_to(rendered: StackConfig, tmp_path: Path) -> None:
    default = json.loads((rendered.run / "patroni-pg0.yml").read_text().split("\n", 1)[1])
    assert default["bootstrap"]["dcs"]["synchronous_mode"] is True
    assert default["postgresql"]["callbacks"]["on_role_change"].endswith("on-role-change-pg0.sh")

    result = _run("render", "--dir", str(tmp_path), env={"STACK_SYNC": "0"})

    assert result.returncode == 0, result.stderr
    off = json.loads((tmp_path / "run" / "patroni-pg1.yml").read_text().split("\n", 1)[1])
    assert off["bootstrap"]["dcs"]["synchronous_mode"] is False


def test_prometheus_accepts_the_config(rendered: StackConfig) -> None:
    promtool = shutil.which("promtool")
    if promtool is None:
        pytest.skip("promtool (Debian package prometheus) is not installed")

    result = subprocess.run(
        [promtool, "check", "config", str(rendered.run / "prometheus.yml")], capture_output=True, text=True
    )

    assert result.returncode == 0, result.stdout + result.stderr
    jobs = re.findall(r"job_name: (\w+)", (rendered.run / "prometheus.yml").read_text())
    assert jobs == ["web", "asgi", "worker", "beat", "patroni", "etcd", "prometheus"]


def test_the_app_goes_through_pgbouncer_in_transaction_mode(rendered: StackConfig) -> None:
    env = dict(
        line.split("=", 1)
        for line in (rendered.run / "taskboard.env").read_text().splitlines()
        if "=" in line
    )
    bouncer = f"127.0.0.1:{PORT_BASE + 632}"

    assert env["DATABASE_URL"].endswith(f"@{bouncer}/taskboard")
    assert env["DATABASE_REPLICA_URLS"].endswith(f"@{bouncer}/taskboard_standby")
    assert env["DB_PREPARED_STATEMENTS"] == "false"
    assert env["TRUSTED_PROXY_COUNT"] == "1"
    assert env["SITE_URL"] == "https://127.0.0.1:27443"
    assert env["DJANGO_SETTINGS_MODULE"] == "taskboard.settings.production"
    ini = (rendered.run / "pgbouncer.ini").read_text()
    assert "pool_mode = transaction" in ini
    assert f"%include {rendered.run / 'pgbouncer-databases.ini'}" in ini


def test_patroni_s_callback_points_pgbouncer_at_the_new_primary_and_replica(tmp_path: Path) -> None:
    # Until Patroni says otherwise: the first node is the primary, the other the replica.
    write_routes(tmp_path, nodes=[5001, 5002])
    assert _routes(tmp_path) == {"taskboard": 5001, "taskboard_standby": 5002}

    # pg1 is promoted (pg0 died): Patroni on pg1 runs the callback; reloading PgBouncer
    # fails here (none runs), which the callback reports and survives.
    result = subprocess.run(
        [
            *(sys.executable, str(STACK / "pgbouncer_route.py"), str(tmp_path), "5002", "/bin/false", "1"),
            *("on_role_change", "master", "taskboard-stack"),
        ],
        capture_output=True,
        text=True,
    )

    assert result.returncode == 0, result.stderr
    assert "reload failed" in result.stdout
    assert _routes(tmp_path) == {"taskboard": 5002, "taskboard_standby": 5001}
    # pg0 comes back and rejoins as a replica.
    write_routes(tmp_path, standby=5001)
    assert _routes(tmp_path) == {"taskboard": 5002, "taskboard_standby": 5001}


def _routes(run_dir: Path) -> dict[str, int]:
    lines = (run_dir / "pgbouncer-databases.ini").read_text().splitlines()
    found = [re.match(r"(\w+) = host=127.0.0.1 port=(\d+) dbname=taskboard$", line) for line in lines]
    return {match[1]: int(match[2]) for match in found if match}


def test_the_script_refuses_an_unknown_command() -> None:
    result = _run("start")

    assert result.returncode == 2
    assert "invalid choice: 'start'" in result.stderr


def test_status_of_a_stack_that_is_not_running_says_so(tmp_path: Path) -> None:
    result = _run("status", "--dir", str(tmp_path))

    assert result.returncode == 1
    assert "0/16 healthy" in result.stdout
    assert "no Patroni node answers" in result.stdout
    assert not (tmp_path / "run").exists()
