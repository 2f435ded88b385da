"""The embedded default for `make run`: SQLite, local memory, in-memory channel layer."""

from .base import *  # noqa: F403
from .base import SIMPLE_JWT, TASKBOARD_VAR_DIR, env

DEBUG = env.bool("DEBUG", default=True)
# Development-only keys; production refuses to start without real ones.
SECRET_KEY = env.str("SECRET_KEY", default="dev-only-insecure-secret-key-change-me")
SIMPLE_JWT["SIGNING_KEY"] = env.str("JWT_SIGNING_KEY", default="dev-only-insecure-jwt-signing-key-change-me")
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
