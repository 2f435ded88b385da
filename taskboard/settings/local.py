"""The embedded default for `make run`: SQLite, local memory, in-memory channel layer."""

from taskboard.site_address import local_address

from .base import *  # noqa: F403
from .base import SIMPLE_JWT, TASKBOARD_VAR_DIR, env

DEBUG = env.bool("DEBUG", default=True)
# Development-only keys; production refuses to start without real ones.
SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-secret-key-change-me")
SIMPLE_JWT["SIGNING_KEY"] = env.str("JWT_SIGNING_KEY", default="dev-only-insecure-jwt-signing-key-change-me")
# `make run` passes HOST and PORT; run_local serves there, and links in mail point there
# unless SITE_URL names another address (a proxy, a tunnel, another machine's name).
RUN_HOST = env.str("HOST", default="127.0.0.1")
RUN_PORT = env.int("PORT", default=8000)
if not env.str("SITE_URL", default=""):
    SITE_URL = local_address(RUN_HOST, RUN_PORT)
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}

# The SQLite file, the mail folder and the broker folder live here.
TASKBOARD_VAR_DIR.mkdir(parents=True, exist_ok=True)
(TASKBOARD_VAR_DIR / "celery").mkdir(exist_ok=True)
# Static files straight from the source folders, no collectstatic needed.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = DEBUG
# SQLite can't create the deferrable unique constraints on positions (PostgreSQL enforces
# them); the board row lock keeps positions consistent there.
SILENCED_SYSTEM_CHECKS = ["models.W038"]
