"""Settings shared by every environment. Integrations live in their own modules."""

from .api import *  # noqa: F403
from .cache import *  # noqa: F403
from .celery import *  # noqa: F403
from .database import *  # noqa: F403
from .email import *  # noqa: F403
from .environment import BASE_DIR, VAR_DIR, env
from .live import *  # noqa: F403
from .metrics import *  # noqa: F403
from .metrics import METRICS_ENABLED
from .security import *  # noqa: F403

SECRET_KEY = env.str("SECRET_KEY", default="")
DEBUG = env.bool("DEBUG", default=False)
ALLOWED_HOSTS: list[str] = env.list("ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]"])
CSRF_TRUSTED_ORIGINS: list[str] = env.list("CSRF_TRUSTED_ORIGINS", default=[])
# The envelope under /api/, a page elsewhere (Django's own page is neither).
CSRF_FAILURE_VIEW = "taskboard.views.csrf_failure"
# The largest request body (bytes) answered with anything but 413 (docs/security.md). The
# biggest legitimate one, a 20,000-character description escaped as JSON, is far below.
# Keep nginx's client_max_body_size above it, so clients get the envelope, not nginx's page.
DATA_UPLOAD_MAX_MEMORY_SIZE = env.int("DATA_UPLOAD_MAX_MEMORY_SIZE", default=1024 * 1024)

INSTALLED_APPS = [
    "taskboard.admin_apps.TaskboardAdminConfig",  # django.contrib.admin, its site logging bulk deletions
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "whitenoise.runserver_nostatic",
    "django.contrib.staticfiles",
    "rest_framework",
    "rest_framework_simplejwt.token_blacklist",
    "django_filters",
    "drf_spectacular",
    "drf_spectacular_sidecar",
    "django_htmx",
    "channels",
    "django_prometheus",
    "taskboard",
    "accounts",
    "outbox",
    "boards",
    "tasks",
    "activity",
    "reminders",
    "live",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    # The request id and the log context, for every line logged after this point.
    "taskboard.logs.middleware.RequestContextMiddleware",
    # Before WhiteNoise and every middleware that answers by itself: the policies go on
    # every response, static files and error pages included.
    "taskboard.content_security_policy.ContentSecurityPolicyMiddleware",
    "django_permissions_policy.PermissionsPolicyMiddleware",
    "whitenoise.middleware.WhiteNoiseMiddleware",
    "taskboard.request_size.RequestSizeMiddleware",
    "taskboard.api.middleware.ApiErrorMiddleware",
    "taskboard.db.middleware.ReadYourWritesMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "taskboard.lazy_messages.LazyMessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
    "django_htmx.middleware.HtmxMiddleware",
]
if METRICS_ENABLED:
    # First and last: django-prometheus' HTTP metrics, the families the rules read
    # (taskboard/metrics/http.py, docs/operations.md). The first one sets the request's log
    # context too, in RequestContextMiddleware's place; the last one calls the apps'
    # per-request hooks (accounts/active_users.py), once the view has authenticated the user.
    MIDDLEWARE = [
        "taskboard.metrics.http.BeforeMiddleware",
        *(name for name in MIDDLEWARE if name != "taskboard.logs.middleware.RequestContextMiddleware"),
        "taskboard.metrics.http.AfterMiddleware",
    ]

ROOT_URLCONF = "taskboard.urls"
WSGI_APPLICATION = "taskboard.wsgi.application"
ASGI_APPLICATION = "taskboard.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
            ],
        },
    }
]

AUTH_USER_MODEL = "accounts.User"
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"]
PASSWORD_HASHERS = [
    "django.contrib.auth.hashers.Argon2PasswordHasher",
    "django.contrib.auth.hashers.PBKDF2PasswordHasher",
]
AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]
PASSWORD_RESET_TIMEOUT = env.int("PASSWORD_RESET_TIMEOUT", default=3 * 60 * 60)
# How long the link in a verification mail works (seconds).
EMAIL_VERIFICATION_TIMEOUT = env.int("EMAIL_VERIFICATION_TIMEOUT", default=3 * 24 * 60 * 60)
# Password-reset and verification mails together: at most this many to one recipient
# address per window (accounts/mail_limits.py).
ACCOUNT_MAIL_LIMIT = env.int("ACCOUNT_MAIL_LIMIT", default=3)
ACCOUNT_MAIL_WINDOW_SECONDS = env.int("ACCOUNT_MAIL_WINDOW_SECONDS", default=60 * 60)
LOGIN_URL = "accounts:login"
LOGIN_REDIRECT_URL = "/"
LOGOUT_REDIRECT_URL = "accounts:login"

# Sessions live in the database (always read on the primary), fronted by the cache.
SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"

LANGUAGE_CODE = "en-us"
TIME_ZONE = "UTC"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATIC_ROOT = env.str("STATIC_ROOT", default=str(BASE_DIR / "staticfiles"))
STATICFILES_DIRS = [BASE_DIR / "static"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
}

# LOGGING, LOG_FORMAT, the /readyz timeouts.
from .operations import *  # noqa: E402, F403

TASKBOARD_VAR_DIR = VAR_DIR
