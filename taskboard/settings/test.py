"""The suite: real PostgreSQL primary + replica, Redis, Celery and SMTP, all started by
tests/plugins/services.py, which exports their URLs in the environment before this loads.
In the SQLite lane (docs/testing.md "Two lanes") it exports the embedded default's instead."""

from .base import *  # noqa: F403
from .base import API_THROTTLE_RATES, SIMPLE_JWT, env

DEBUG = False
SECRET_KEY = env.str("SECRET_KEY", default="test-secret-key-not-for-production")
SIMPLE_JWT["SIGNING_KEY"] = env.str("JWT_SIGNING_KEY", default="test-jwt-signing-key-0123456789abcdef")
# Argon2 at full strength would make the suite minutes slower; PBKDF2 with few rounds
# is first so new hashes are cheap, Argon2 stays to verify hashes made by it.
PASSWORD_HASHERS = [
    "taskboard.testing.FastPBKDF2PasswordHasher",
    "django.contrib.auth.hashers.Argon2PasswordHasher",
]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
# Static files from the source folders: the suite never runs collectstatic.
WHITENOISE_USE_FINDERS = True
WHITENOISE_AUTOREFRESH = True
# The suite makes thousands of requests from 127.0.0.1: request rates are off unless a test
# switches them on (taskboard/tests/test_throttles.py, with override_settings). The login
# limiter stays on; Redis is emptied before every test, so no count leaks between tests.
API_THROTTLE_RATES = dict.fromkeys(API_THROTTLE_RATES)
