"""Production: every secret from the environment, secure cookies, HTTPS behind nginx."""

from django.core.exceptions import ImproperlyConfigured

from taskboard.logs.config import JSON, logging_config

from .base import *  # noqa: F403
from .base import LOG_LEVEL, SECRET_KEY, SIMPLE_JWT, env

DEBUG = False
if len(SECRET_KEY) < 50:
    raise ImproperlyConfigured("SECRET_KEY must be set to a random string of 50+ characters.")
# HS256 wants a key of at least 256 bits; a leaked SECRET_KEY must not also mint tokens.
if len(SIMPLE_JWT["SIGNING_KEY"]) < 32 or SIMPLE_JWT["SIGNING_KEY"] == SECRET_KEY:
    raise ImproperlyConfigured("JWT_SIGNING_KEY must be set (32+ characters), and differ from SECRET_KEY.")

# /metrics from no address unless set (a bearer token, or the scrapers' network).
METRICS_ALLOWED_IPS = env.list("METRICS_ALLOWED_IPS", default=[])

# nginx terminates TLS and says so in X-Forwarded-Proto.
SECURE_PROXY_SSL_HEADER = ("HTTP_X_FORWARDED_PROTO", "https")
SECURE_SSL_REDIRECT = env.bool("SECURE_SSL_REDIRECT", default=True)
# Probes and the metrics scraper talk plain HTTP inside the cluster.
SECURE_REDIRECT_EXEMPT = [r"^healthz$", r"^readyz$", r"^metrics$"]
SECURE_HSTS_SECONDS = env.int("SECURE_HSTS_SECONDS", default=60 * 60 * 24 * 365)
SECURE_HSTS_INCLUDE_SUBDOMAINS = True
SECURE_HSTS_PRELOAD = True
SECURE_CONTENT_TYPE_NOSNIFF = True
SESSION_COOKIE_SECURE = True
CSRF_COOKIE_SECURE = True
X_FRAME_OPTIONS = "DENY"

# One JSON object per line on stdout from every process kind (docs/operations.md "Logs").
LOG_FORMAT = env.str("LOG_FORMAT", default=JSON)
LOGGING = logging_config(log_format=LOG_FORMAT, level=LOG_LEVEL)
