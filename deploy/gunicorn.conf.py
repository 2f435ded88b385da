"""gunicorn for the WSGI pool (plain HTTP). WebSockets go to the uvicorn pool (nginx /ws/).

Sync workers: measured on a 2-core machine they serve a trivial Django view about six times
faster than Django's ASGI handler under uvicorn (docs/design.md "Why two servers")."""

import multiprocessing
import os

from taskboard.logs.config import gunicorn_logconfig_dict

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
# gunicorn's own lines (boot, worker timeouts, the access log when on) as JSON on stdout
# like the app's (LOG_FORMAT; json unless set: this file runs production's server).
logconfig_dict = gunicorn_logconfig_dict(os.environ.get("LOG_FORMAT", "json"))
forwarded_allow_ips = os.environ.get("FORWARDED_ALLOW_IPS", "127.0.0.1")
# nginx (deploy/nginx/taskboard.conf) is the one proxy in front of this pool and appends the
# client's address to X-Forwarded-For: the app takes that last hop as the client for its
# per-address limits (accounts/login_limiter.py). Left at 0, every client would have nginx's
# address and share one bucket. Set before the app loads (preload_app); a deployment with
# another proxy in front of nginx sets its own count. taskboard/tests/test_deploy.py checks
# that this and the nginx config agree. Bind only where nginx alone can reach this pool.
os.environ.setdefault("TRUSTED_PROXY_COUNT", "1")
