"""`make stack-status`: each process, whether it answers, and Patroni's view of the cluster."""

from __future__ import annotations

import json
import ssl
import urllib.error
import urllib.request
from typing import Any

from stack_config import NODES, StackConfig
from stack_procs import Proc, http_ok, running_pid
from stack_topology import all_procs


def tls_context(config: StackConfig) -> ssl.SSLContext:
    """Verifies nginx against the stack's own self-signed certificate."""
    return ssl.create_default_context(cafile=str(config.data / "tls" / "stack.crt"))


def https_ok(config: StackConfig, path: str) -> tuple[bool, str]:
    url = f"https://127.0.0.1:{config.ports.https}{path}"
    try:
        with urllib.request.urlopen(url, timeout=3, context=tls_context(config)) as response:
            return 200 <= response.status < 300, str(response.status)
    except urllib.error.HTTPError as error:
        return False, str(error.code)
    except (OSError, ValueError) as error:
        return False, type(error).__name__


def proc_health(config: StackConfig, proc: Proc) -> tuple[bool, str]:
    if running_pid(config, proc.name) is None:
        return False, "not running"
    if proc.health is None:
        return True, "running"
    if proc.health.startswith("https://"):
        path = "/" + proc.health.split("/", 3)[3]
        return https_ok(config, path)
    return http_ok(proc.health)


def cluster(config: StackConfig) -> list[dict[str, Any]]:
    """Patroni's members from whichever node's REST API answers ([] when none does)."""
    for node in range(len(NODES)):
        try:
            url = f"http://127.0.0.1:{config.ports.patroni(node)}/cluster"
            with urllib.request.urlopen(url, timeout=2) as response:
                members: list[dict[str, Any]] = json.load(response).get("members", [])
                return members
        except (OSError, ValueError):
            continue
    return []


def synchronous_mode(config: StackConfig) -> bool | None:
    for node in range(len(NODES)):
        try:
            url = f"http://127.0.0.1:{config.ports.patroni(node)}/config"
            with urllib.request.urlopen(url, timeout=2) as response:
                return bool(json.load(response).get("synchronous_mode", False))
        except (OSError, ValueError):
            continue
    return None


def print_status(config: StackConfig) -> int:
    """Prints the table; the exit status is 0 when every process is healthy."""
    healthy_count = 0
    procs = all_procs(config)
    print(f"{'process':<18} {'pid':>8}  {'health':<14} where")
    for proc in procs:
        pid = running_pid(config, proc.name)
        healthy, reason = proc_health(config, proc)
        healthy_count += healthy
        mark = "ok" if healthy else "DOWN"
        print(f"{proc.name:<18} {pid or '-':>8}  {mark + ' (' + reason + ')':<14} {proc.where}")
    members = cluster(config)
    print(f"\nPatroni (synchronous_mode: {synchronous_mode(config)}):")
    if not members:
        print("  no Patroni node answers")
    for member in members:
        lag = member.get("lag", "")
        print(
            f"  {member.get('name', '?'):<5} {member.get('role', '?'):<13} {member.get('state', '?'):<10}"
            f" {member.get('host', '?')}:{member.get('port', '?')}  timeline {member.get('timeline', '?')}"
            f"  lag {lag if lag != '' else '-'}"
        )
    print(
        f"\n{healthy_count}/{len(procs)} healthy. App: {config.site_url}/  "
        f"Prometheus: http://127.0.0.1:{config.ports.prometheus}/"
    )
    return 0 if healthy_count == len(procs) else 1
