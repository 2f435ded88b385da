"""deploy/docker/Dockerfile and deploy/compose.yaml (issue 17, "Containers and Kubernetes").

The compose file is validated against the compose specification's JSON schema, the copy the
check-jsonschema wheel ships (no network). No image is built here (CI has no Docker daemon):
deploy/docker/smoke.sh builds and runs it (docs/operations.md "Built and run for real"); the
checks below keep what that run found fixed."""

import json
import re
from importlib import resources
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
DOCKERFILE = ROOT / "deploy" / "docker" / "Dockerfile"
COMPOSE = ROOT / "deploy" / "compose.yaml"
APP_SERVICES = {"migrate", "web", "asgi", "worker-mail", "worker-reminders", "worker-default", "beat"}


def _compose() -> dict[str, Any]:
    return yaml.safe_load(COMPOSE.read_text())


def _compose_schema() -> dict[str, Any]:
    vendored = resources.files("check_jsonschema.builtin_schemas.vendor").joinpath("compose-spec.json")
    return json.loads(vendored.read_text())


def _errors(schema: dict[str, Any], document: object) -> list[str]:
    validator = jsonschema.validators.validator_for(schema)(schema)
    return [f"{'.'.join(map(str, error.path))}: {error.message}" for error in validator.iter_errors(document)]


def test_compose_file_matches_the_compose_specification() -> None:
    assert _errors(_compose_schema(), _compose()) == []


def test_the_compose_schema_rejects_a_misspelt_key() -> None:
    compose = _compose()
    compose["services"]["web"]["replica"] = 2

    assert any("replica" in error for error in _errors(_compose_schema(), compose))


def test_compose_runs_the_whole_topology_from_one_image() -> None:
    services = _compose()["services"]

    assert set(services) == APP_SERVICES | {"postgres", "redis", "nginx", "prometheus"}
    assert {services[name]["image"] for name in APP_SERVICES} == {"${TASKBOARD_IMAGE:-taskboard:dev}"}
    assert all(services[name]["build"]["dockerfile"] == "deploy/docker/Dockerfile" for name in APP_SERVICES)
    assert all(services[name]["user"] == "10001:10001" for name in APP_SERVICES)


def test_web_scales_with_the_scale_flag() -> None:
    web = _compose()["services"]["web"]

    # A fixed name or a published host port would make `--scale web=N` fail.
    assert "container_name" not in web
    assert "ports" not in web
    assert web["command"][:3] == ["gunicorn", "--config", "deploy/gunicorn.conf.py"]
    nginx = (ROOT / "deploy" / "docker" / "nginx.conf").read_text()
    assert re.search(r"server web:8000 resolve;", nginx)


def test_one_worker_per_celery_queue_and_one_beat() -> None:
    services = _compose()["services"]
    queues = {queue.name for queue in settings.CELERY_TASK_QUEUES}

    consumed = {}
    for name, service in services.items():
        command = service.get("command", [])
        if command[:4] == ["celery", "-A", "taskboard", "worker"]:
            consumed[name] = command[command.index("-Q") + 1]
    assert sorted(consumed.values()) == sorted(queues)
    assert all(name == f"worker-{queue}" for name, queue in consumed.items())
    beats = [name for name, service in services.items() if "beat" in service.get("command", [])]
    assert beats == ["beat"]


def test_migrations_run_before_the_app_starts() -> None:
    services = _compose()["services"]

    assert services["migrate"]["command"] == ["python", "manage.py", "migrate", "--noinput"]
    for name in APP_SERVICES - {"migrate"}:
        condition = services[name]["depends_on"]["migrate"]["condition"]
        assert condition == "service_completed_successfully", name


def test_compose_needs_its_secrets_from_the_environment() -> None:
    environment = _compose()["x-app"]["environment"]

    for name in ("SECRET_KEY", "JWT_SIGNING_KEY", "METRICS_TOKEN"):
        # ${NAME:?...}: compose refuses to start without it, no default secret.
        assert environment[name].startswith(f"${{{name}:?"), name


def _dockerfile_instructions() -> list[tuple[str, str]]:
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    lines = [line.strip() for line in text.splitlines() if line.strip() and not line.strip().startswith("#")]
    return [(line.split(None, 1)[0].upper(), line.split(None, 1)[1]) for line in lines]


def test_the_image_is_multi_stage_non_root_with_a_healthcheck() -> None:
    instructions = _dockerfile_instructions()
    stages = [args for op, args in instructions if op == "FROM"]

    assert len(stages) == 2
    assert stages[0].endswith("AS builder")
    assert "pip wheel" in " ".join(args for op, args in instructions if op == "RUN")
    users = [args for op, args in instructions if op == "USER"]
    assert users
    assert users[-1].split(":")[0] not in {"0", "root"}
    (healthcheck,) = [args for op, args in instructions if op == "HEALTHCHECK"]
    assert "deploy/docker/healthcheck.py" in healthcheck
    assert (ROOT / "deploy" / "docker" / "healthcheck.py").is_file()
    runs = " ".join(args for op, args in instructions if op == "RUN")
    assert "collectstatic --noinput" in runs
    (cmd,) = [args for op, args in instructions if op == "CMD"]
    assert json.loads(cmd) == [
        "gunicorn",
        "--config",
        "deploy/gunicorn.conf.py",
        "taskboard.wsgi:application",
    ]


@pytest.mark.parametrize("pattern", [".git", ".venv", ".env", "var", "staticfiles"])
def test_the_build_context_leaves_out_local_state_and_secrets(pattern: str) -> None:
    ignored = (ROOT / ".dockerignore").read_text().splitlines()

    assert pattern in ignored


def test_the_dockerfile_builds_without_docker_hub_beyond_its_base() -> None:
    # A `# syntax=` line makes BuildKit pull the frontend image from Docker Hub on every build.
    first = DOCKERFILE.read_text().splitlines()[0]

    assert not re.match(r"#\s*syntax\s*=", first)
    args = [args for op, args in _dockerfile_instructions() if op == "ARG"]
    assert any(arg.startswith("PYTHON_IMAGE=") for arg in args)


def test_the_exporters_listen_on_the_containers_address() -> None:
    # Prometheus and the kubelet's tcpSocket probe connect to the pod's address; the
    # setting's default (127.0.0.1) is for systemd hosts.
    env = " ".join(args for op, args in _dockerfile_instructions() if op == "ENV")

    assert "METRICS_BIND=0.0.0.0" in env.split()


def test_the_build_leaves_nothing_in_tmp() -> None:
    # collectstatic imports the project: with PROMETHEUS_MULTIPROC_DIR set it wrote root-owned
    # metrics files into /tmp/prometheus, and uid 10001 could not start without a /tmp mount.
    (collectstatic,) = [args for op, args in _dockerfile_instructions() if "collectstatic" in args]

    assert "env -u PROMETHEUS_MULTIPROC_DIR" in collectstatic
    assert "rm -rf /tmp/*" in collectstatic
