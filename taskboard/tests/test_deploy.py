"""The shipped deployment (deploy/) tells the app how many proxies stand in front of it,
and that number matches the nginx config: the per-address limits see real clients."""

import logging
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from django.http import HttpRequest
from django.test import override_settings

from taskboard import client_address

ROOT = Path(__file__).resolve().parents[2]
NGINX = ROOT / "deploy" / "nginx" / "taskboard.conf"
GUNICORN = ROOT / "deploy" / "gunicorn.conf.py"
STRONG_SECRET = "s" * 20 + "-Kq8vN3pX7wZ2rT5yB9mF4hJ6cL1dG0aE"


def _locations_proxying_to(upstream: str) -> list[str]:
    text = re.sub(r"#[^\n]*", "", NGINX.read_text())
    blocks = re.findall(r"location\s+\S+\s*\{(.*?)\}", text, flags=re.S)
    return [block for block in blocks if f"proxy_pass http://{upstream};" in block]


def test_nginx_adds_exactly_one_forwarded_hop_for_the_wsgi_pool() -> None:
    locations = _locations_proxying_to("taskboard_wsgi")

    assert locations, "no location proxies to the WSGI pool"
    for block in locations:
        headers = re.findall(r"proxy_set_header\s+X-Forwarded-For\s+(\S+);", block, flags=re.I)
        # One header, appended by this one proxy: the client is the last hop.
        assert headers == ["$proxy_add_x_forwarded_for"], block


def test_the_gunicorn_config_makes_the_app_trust_that_one_proxy() -> None:
    env = {k: v for k, v in os.environ.items() if k != "TRUSTED_PROXY_COUNT"}
    env.update(
        DJANGO_SETTINGS_MODULE="taskboard.settings.production",
        SECRET_KEY=STRONG_SECRET,
        JWT_SIGNING_KEY="another-" + STRONG_SECRET,
        # No metrics folder left behind by a gunicorn config that never starts gunicorn.
        METRICS_ENABLED="false",
    )
    script = (
        f"import runpy; runpy.run_path({str(GUNICORN)!r}); "
        "import django; django.setup(); "
        "from django.conf import settings; print(settings.TRUSTED_PROXY_COUNT)"
    )

    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stderr
    # deploy/ ships one proxy, nginx, which appends one hop (the test above).
    assert int(result.stdout.strip()) == 1


def test_the_gunicorn_config_leaves_an_explicit_count_alone() -> None:
    # METRICS_ENABLED=false: no metrics folder left behind by a config that never starts gunicorn.
    env = {**os.environ, "TRUSTED_PROXY_COUNT": "2", "METRICS_ENABLED": "false"}
    script = f"import os, runpy; runpy.run_path({str(GUNICORN)!r}); print(os.environ['TRUSTED_PROXY_COUNT'])"

    result = subprocess.run(
        [sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60
    )

    assert result.stdout.strip() == "2"


@override_settings(TRUSTED_PROXY_COUNT=0)
def test_a_forwarded_request_without_a_trusted_proxy_is_warned_about_once(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    monkeypatch.setattr(client_address, "_forwarded_ignored_warned", False)
    request = HttpRequest()
    request.META.update(REMOTE_ADDR="10.0.0.1", HTTP_X_FORWARDED_FOR="203.0.113.7")

    with caplog.at_level(logging.WARNING, logger="taskboard.client_address"):
        addresses = [client_address.client_address(request) for _ in range(3)]

    assert addresses == ["10.0.0.1"] * 3
    warnings = [
        record.getMessage() for record in caplog.records if "TRUSTED_PROXY_COUNT is 0" in record.getMessage()
    ]
    assert len(warnings) == 1


def test_nginx_passes_one_request_id_to_both_pools_and_logs_it() -> None:
    text = re.sub(r"#[^\n]*", "", NGINX.read_text())
    # The client's (or an outer proxy's) id when it sent one, else nginx's own.
    [mapping] = re.findall(r"map\s+\$http_x_request_id\s+\$(\w+)\s*\{(.*?)\}", text, flags=re.S)
    variable, cases = mapping
    assert re.search(r'""\s+\$request_id;', cases)
    assert re.search(r"default\s+\$http_x_request_id;", cases)

    for upstream in ("taskboard_wsgi", "taskboard_asgi"):
        for block in _locations_proxying_to(upstream):
            headers = re.findall(r"proxy_set_header\s+X-Request-ID\s+(\S+);", block, flags=re.I)
            assert headers == [f"${variable}"], block
    log_format = re.search(r"log_format\s+taskboard(.*?);", text, flags=re.S)
    assert log_format is not None
    assert f"rid=${variable}" in log_format.group(1)
    # No query string in the access log: the WebSocket ticket travels there.
    assert "$request " not in log_format.group(1)
    assert "$request_uri" not in log_format.group(1)


DOCKER_NGINX = ROOT / "deploy" / "docker" / "nginx.conf"
FORWARDED = ("Host", "X-Forwarded-For", "X-Forwarded-Proto", "X-Request-ID")


@pytest.mark.parametrize("config", [NGINX, DOCKER_NGINX], ids=["deploy/nginx", "deploy/docker"])
def test_every_proxied_location_forwards_the_client_and_the_request_id(config: Path) -> None:
    # nginx gives a location the server's proxy_set_header lines only when the location sets
    # none itself: each location that sets any must set these too.
    text = re.sub(r"#[^\n]*", "", config.read_text())
    blocks = [
        block for block in re.findall(r"location\s+[^{]*\{(.*?)\}", text, flags=re.S) if "proxy_pass" in block
    ]

    assert blocks
    for block in blocks:
        set_here = re.findall(r"proxy_set_header\s+(\S+)\s", block)
        if set_here:
            assert set(FORWARDED) <= set(set_here), block


@pytest.mark.parametrize(("access_log", "enabled"), [(None, False), ("-", True)])
def test_gunicorns_access_log_is_on_only_when_asked_for_in_json_too(
    access_log: str | None, enabled: bool
) -> None:
    # A logconfig_dict (the JSON lines) turns gunicorn's access log on by itself; the
    # config's logger class keeps it to GUNICORN_ACCESS_LOG (a line per request cost 6.6 %).
    env = {**os.environ, "LOG_FORMAT": "json", "METRICS_ENABLED": "false"}
    env.pop("GUNICORN_ACCESS_LOG", None)
    if access_log:
        env["GUNICORN_ACCESS_LOG"] = access_log
    script = (
        "import runpy; from gunicorn.config import Config; "
        f"conf = runpy.run_path({str(GUNICORN)!r}); cfg = Config(); "
        "[cfg.set(k, conf[k]) for k in ('accesslog', 'logconfig_dict', 'logger_class')]; "
        "assert conf['logconfig_dict']; "
        "print(cfg.logger_class(cfg).access_log_enabled)"
    )

    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == str(enabled)


def test_the_gunicorn_config_sets_up_multiprocess_metrics_before_the_project_is_imported() -> None:
    # taskboard.metrics reads PROMETHEUS_MULTIPROC_DIR once, when `taskboard` is first
    # imported: a config that imported the project before setting it left every worker
    # counting in its own memory and /metrics answering 500 (no such folder).
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("PROMETHEUS_MULTIPROC_DIR", "TASKBOARD_METRICS_DIR_OF")
    }
    env.update(LOG_FORMAT="json", METRICS_ENABLED="true")
    script = (
        "import os, runpy; conf = runpy.run_path(" + repr(str(GUNICORN)) + "); "
        "from prometheus_client import values; import taskboard.metrics; "
        "folder = os.environ['PROMETHEUS_MULTIPROC_DIR']; "
        "print(os.path.isdir(folder), values.ValueClass.__name__); conf['on_exit'](None)"
    )

    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, env=env, capture_output=True, text=True, timeout=60
    )

    assert result.returncode == 0, result.stderr
    assert result.stdout.split() == ["True", "DeferredValue"]
