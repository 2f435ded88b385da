"""gunicorn for the WSGI pool (plain HTTP). WebSockets go to the uvicorn pool (nginx /ws/).

Sync workers: measured on a 2-core machine they serve a trivial Django view about six times
faster than Django's ASGI handler under uvicorn (docs/design.md "Why two servers")."""

import multiprocessing
import os
import shutil
import tempfile
from pathlib import Path
from typing import Any

from gunicorn import glogging

bind = os.environ.get("GUNICORN_BIND", "0.0.0.0:8000")
workers = int(os.environ.get("GUNICORN_WORKERS", multiprocessing.cpu_count() * 2 + 1))
worker_class = "sync"
# Recycle workers now and then so a slow leak can't grow without bound.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "5000"))
max_requests_jitter = 500
# Import the app once in the master and fork workers from it: a recycled worker otherwise
# spends about a second of CPU importing Django again, and p99 spikes to 0.5-1.8 s
# (docs/benchmarks.md). Everything that holds a connection or a thread (DB pools, the
# replica monitor, the live-event publisher) is created lazily per process id.
preload_app = True
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 30
keepalive = 5
# nginx in front logs every request (with the upstream's time): a second access log here
# cost about 11 % of the CPU of a trivial request (docs/benchmarks.md). Set
# GUNICORN_ACCESS_LOG=- (stdout) or a path when running gunicorn without nginx.
accesslog = os.environ.get("GUNICORN_ACCESS_LOG") or None


class AccessLogOnlyWhenAsked(glogging.Logger):
    """gunicorn turns its access log on whenever a logconfig_dict is given (below), whatever
    `accesslog` says: measured with bench/api.py, that put a JSON line per request back and
    cost 6.6 % of a worker's samples on a warm board read. Only GUNICORN_ACCESS_LOG turns it
    on here. (`_compute_access_log_enabled` is gunicorn's own hook for this decision;
    taskboard/tests/test_deploy.py checks it still exists and that no line is written.)"""

    def _compute_access_log_enabled(self) -> bool:
        return bool(self.cfg.accesslog)


logger_class = AccessLogOnlyWhenAsked
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# nginx (deploy/nginx/taskboard.conf) is the one proxy in front of this pool and appends the
# client's address to X-Forwarded-For: the app takes that last hop as the client for its
# per-address limits (accounts/login_limiter.py). Left at 0, every client would have nginx's
# address and share one bucket. Set before the app loads (preload_app); a deployment with
# another proxy in front of nginx sets its own count. taskboard/tests/test_deploy.py checks
# that this and the nginx config agree. Bind only where nginx alone can reach this pool.
os.environ.setdefault("TRUSTED_PROXY_COUNT", "1")

# Metrics (taskboard/metrics/, docs/operations.md "Metrics"): the workers write their values
# to files in PROMETHEUS_MULTIPROC_DIR and /metrics, answered by any one worker, adds up all
# of them. It must be set before the app is imported (prometheus_client reads it then, and
# preload_app imports the app before gunicorn's on_starting hook runs): a folder of this
# master's own when the environment names none, removed when it exits.
# METRICS_ENABLED=false (bench/api.py's baseline) leaves it unset: no metrics at all.
_own_metrics_dir = None
_metrics_enabled = os.environ.get("METRICS_ENABLED", "true").lower() not in ("false", "0", "no", "off")
if _metrics_enabled and not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
    _own_metrics_dir = str(Path(tempfile.gettempdir()) / f"taskboard-gunicorn-metrics-{os.getpid()}")
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = _own_metrics_dir
# Emptied on start, before the app writes anything: a previous master's files would add its
# counts to ours. Once per master: gunicorn reads this file again on a reload (HUP), when the
# running workers' files must stay.
if os.environ.get("PROMETHEUS_MULTIPROC_DIR") and os.environ.get("TASKBOARD_METRICS_DIR_OF") != str(
    os.getpid()
):
    os.environ["TASKBOARD_METRICS_DIR_OF"] = str(os.getpid())
    # (taskboard.metrics creates the folder when it is missing.)
    for _leftover in Path(os.environ["PROMETHEUS_MULTIPROC_DIR"]).glob("*.db"):
        _leftover.unlink(missing_ok=True)

# Only now anything of the project: importing `taskboard` loads its Celery app and with it
# taskboard.metrics, which reads PROMETHEUS_MULTIPROC_DIR once, at import (set just above).
from taskboard.logs.config import gunicorn_logconfig_dict  # noqa: E402

# gunicorn's own lines (boot, worker timeouts, the access log when asked for) as JSON on
# stdout like the app's (LOG_FORMAT; json unless set: this file runs production's server).
logconfig_dict = gunicorn_logconfig_dict(os.environ.get("LOG_FORMAT", "json"))


def child_exit(server: Any, worker: Any) -> None:
    """A worker ended (recycled after max_requests, killed, crashed): its live gauges go;
    its counters stay in the sums, as counters must."""
    if not os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        return
    from prometheus_client import multiprocess

    multiprocess.mark_process_dead(worker.pid)


def on_exit(server: Any) -> None:
    if _own_metrics_dir is not None:
        shutil.rmtree(_own_metrics_dir, ignore_errors=True)


# gunicorn 27's control socket defaults to one path per user ($HOME/.gunicorn/gunicorn.ctl):
# several instances on one machine (make stack, the tests) would take it from each other.
# Off unless GUNICORN_CONTROL_SOCKET names a path; signals (HUP, TERM, TTIN) still work.
if os.environ.get("GUNICORN_CONTROL_SOCKET"):
    control_socket = os.environ["GUNICORN_CONTROL_SOCKET"]
else:
    control_socket_disable = True
