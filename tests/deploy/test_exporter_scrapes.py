"""Every Prometheus config of the project sends METRICS_TOKEN to the worker's and beat's
exporters as to the web's /metrics (they answer 404 without it: taskboard/metrics/access.py),
and the exporters listen where their scraper reaches them: deploy/docker/prometheus.yml with
deploy/compose.yaml, `make stack`'s (deploy/stack/stack_web.py) and the Kubernetes ConfigMap.
deploy/prometheus/ is checked by test_prometheus.py."""

import sys
from pathlib import Path
from typing import Any

import pytest
import yaml

from .promtool import PROMETHEUS_DIR, ROOT, load_yaml, promtool

APP_JOBS = {"web", "asgi", "worker", "beat"}
COMPOSE = ROOT / "deploy" / "compose.yaml"
COMPOSE_PROMETHEUS = ROOT / "deploy" / "docker" / "prometheus.yml"
COMPOSE_TOKEN_FILE = "/run/secrets/metrics_token"
K8S_CONFIG = ROOT / "deploy" / "k8s" / "base" / "config.yaml"


def _jobs(config: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {job["job_name"]: job for job in config["scrape_configs"]}


def test_compose_prometheus_sends_the_token_to_every_app_job() -> None:
    jobs = _jobs(load_yaml(COMPOSE_PROMETHEUS))

    assert set(jobs) >= APP_JOBS
    for name in APP_JOBS:
        assert jobs[name]["authorization"]["credentials_file"] == COMPOSE_TOKEN_FILE, name
        assert jobs[name]["authorization"].get("type", "Bearer") == "Bearer", name


def test_compose_prometheus_config_is_valid(tmp_path: Path) -> None:
    # The container's paths, pointed at a stand-in token and at the rules of the repository.
    token = tmp_path / "metrics_token"
    token.write_text("a-stand-in-token\n")
    text = COMPOSE_PROMETHEUS.read_text().replace(COMPOSE_TOKEN_FILE, str(token))
    text = text.replace("/etc/prometheus/taskboard", str(PROMETHEUS_DIR))
    config = tmp_path / "prometheus.yml"
    config.write_text(text)

    result = promtool("check", "config", config)

    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_workers_and_beat_serve_metrics_where_prometheus_scrapes_them() -> None:
    services = yaml.safe_load(COMPOSE.read_text())["services"]
    jobs = _jobs(load_yaml(COMPOSE_PROMETHEUS))
    scraped = {
        name: discovery["port"]
        for job in ("worker", "beat")
        for discovery in jobs[job]["dns_sd_configs"]
        for name in discovery["names"]
    }

    assert set(scraped) == {"worker-mail", "worker-reminders", "worker-default", "beat"}
    for name, port in scraped.items():
        environment = services[name]["environment"]
        assert int(environment["METRICS_PORT"]) == port, name
        # Another container scrapes it: not loopback (the exporter's default).
        assert environment["METRICS_BIND"] == "0.0.0.0", name


def test_kubernetes_exporters_listen_on_the_pod_address() -> None:
    # Prometheus and the kubelet's tcpSocket probes reach the pod's IP, not its loopback.
    data = yaml.safe_load(K8S_CONFIG.read_text())["data"]

    assert data["METRICS_BIND"] == "0.0.0.0"
    assert data["METRICS_PORT"] == "9808"


@pytest.fixture
def stack_web(monkeypatch: pytest.MonkeyPatch) -> Any:
    # deploy/stack/ runs as a script folder: its modules import each other by bare name.
    monkeypatch.syspath_prepend(str(ROOT / "deploy" / "stack"))
    import stack_config
    import stack_web

    yield stack_web, stack_config
    for name in ("stack_web", "stack_config", "stack_db", "stack_topology", "stack_procs"):
        sys.modules.pop(name, None)


def test_make_stack_prometheus_sends_the_token_to_every_app_job(tmp_path: Path, stack_web: Any) -> None:
    web, stack_config = stack_web
    config = stack_config.StackConfig(var=tmp_path)
    config.run.mkdir(parents=True)
    (config.run / "metrics-token").write_text("a-stand-in-token\n")
    (config.run / "prometheus-rules").mkdir()
    (config.run / "prometheus.yml").write_text(web.prometheus_yml(config))

    jobs = _jobs(load_yaml(config.run / "prometheus.yml"))
    result = promtool("check", "config", config.run / "prometheus.yml")

    for name in APP_JOBS:
        assert jobs[name]["authorization"] == {"credentials_file": str(config.run / "metrics-token")}, name
    assert result.returncode == 0, result.stdout + result.stderr
