"""The image's HEALTHCHECK: one script for every process kind of the one image.

web and asgi (TASKBOARD_PROCESS unset, `web` or `asgi`): GET /healthz on $PORT, the cheap
liveness view that touches no dependency; a dependency down must not restart the process.
worker and beat: their Prometheus exporter answers on $METRICS_PORT (a TCP connect is
enough: the exporter is a thread of the process, so it answers while the process lives).
Exit 0 healthy, 1 not. Only the standard library: the check runs every few seconds.
"""

import http.client
import os
import socket
import sys


def _http_ok(port: int) -> bool:
    # Host: localhost is in every deployment's ALLOWED_HOSTS (deploy/compose.yaml, deploy/k8s);
    # the container's own address is not.
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
    try:
        connection.request("GET", "/healthz", headers={"Host": "localhost"})
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


def _tcp_ok(port: int) -> bool:
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=2):
            return True
    except OSError:
        return False


def main() -> int:
    kind = os.environ.get("TASKBOARD_PROCESS", "web")
    if kind in {"web", "asgi"}:
        return 0 if _http_ok(int(os.environ.get("PORT", "8000"))) else 1
    metrics_port = os.environ.get("METRICS_PORT")
    if not metrics_port:
        return 0
    return 0 if _tcp_ok(int(metrics_port)) else 1


if __name__ == "__main__":
    sys.exit(main())
