"""Django REST framework, SimpleJWT and the OpenAPI schema."""

from datetime import timedelta

from .environment import env

REST_FRAMEWORK = {
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "accounts.api.authentication.AccessTokenAuthentication",
        "rest_framework.authentication.SessionAuthentication",
    ],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PARSER_CLASSES": ["taskboard.api.parsers.JSONParser"],
    "DEFAULT_METADATA_CLASS": "taskboard.api.metadata.Metadata",
    "DEFAULT_CONTENT_NEGOTIATION_CLASS": "taskboard.api.negotiation.ContentNegotiation",
    "DEFAULT_PAGINATION_CLASS": "taskboard.api.pagination.PageNumberPagination",
    "PAGE_SIZE": 50,
    "EXCEPTION_HANDLER": "taskboard.api.errors.exception_handler",
    "DEFAULT_SCHEMA_CLASS": "taskboard.api.schema.AutoSchema",
    "DATETIME_FORMAT": "%Y-%m-%dT%H:%M:%S.%fZ",
    "UNAUTHENTICATED_USER": "django.contrib.auth.models.AnonymousUser",
    # Rates come from API_THROTTLE_RATES below, read on each request (taskboard/api/throttles.py).
    "DEFAULT_THROTTLE_CLASSES": [
        "taskboard.api.throttles.UserRateThrottle",
        "taskboard.api.throttles.AnonRateThrottle",
    ],
}

JWT_SIGNING_KEY = env.str("JWT_SIGNING_KEY", default="")
SIMPLE_JWT = {
    "ACCESS_TOKEN_LIFETIME": timedelta(minutes=env.int("JWT_ACCESS_MINUTES", default=5)),
    "REFRESH_TOKEN_LIFETIME": timedelta(days=env.int("JWT_REFRESH_DAYS", default=14)),
    "ROTATE_REFRESH_TOKENS": True,
    "BLACKLIST_AFTER_ROTATION": True,
    "UPDATE_LAST_LOGIN": False,
    "ALGORITHM": "HS256",
    # Filled in by each environment: never the Django SECRET_KEY.
    "SIGNING_KEY": JWT_SIGNING_KEY,
    "AUTH_HEADER_TYPES": ("Bearer",),
    "USER_ID_FIELD": "id",
    "USER_ID_CLAIM": "user_id",
    # Access tokens carry a hash of the password: changing or resetting it kills them.
    "CHECK_REVOKE_TOKEN": True,
    "REVOKE_TOKEN_CLAIM": "hash_password",
}

SPECTACULAR_SETTINGS = {
    "TITLE": "Taskboard API",
    "DESCRIPTION": (
        "The public HTTP contract of Taskboard (see docs/api.md). Any operation may also answer 413 "
        "`payload_too_large` (a body over DATA_UPLOAD_MAX_MEMORY_SIZE, 1 MiB by default) and "
        "400 `validation_error` for a body that isn't JSON or nests deeper than 32 levels. "
        "Text fields are trimmed of surrounding whitespace (a required one left empty is a 400: "
        "may not be blank) and may not contain NUL characters or unpaired surrogates (400). A "
        "query parameter sent empty (`?q=`) is ignored, as if it were not sent."
    ),
    "VERSION": "1",
    "SERVE_INCLUDE_SCHEMA": False,
    "SWAGGER_UI_DIST": "SIDECAR",
    "SWAGGER_UI_FAVICON_HREF": "SIDECAR",
    "SCHEMA_PATH_PREFIX": "/api/v1/",
    "COMPONENT_SPLIT_REQUEST": True,
    "POSTPROCESSING_HOOKS": [
        "drf_spectacular.hooks.postprocess_schema_enums",
        "taskboard.api.schema.document_common_errors",
    ],
    # Two choice sets share the field name `role`: name them, or the schema gets hashes.
    "ENUM_NAME_OVERRIDES": {
        "BoardRoleEnum": "boards.api.serializers.ALL_ROLES",
        "AssignableRoleEnum": "boards.api.serializers.ASSIGNABLE_ROLES",
    },
}

# Failed authentications (accounts/login_limiter.py): this many per account within the
# window, then 429; per address a separate, much higher limit, so one office behind NAT is
# not locked out by one person's typos (docs/security.md "Login and request limits").
LOGIN_FAILURE_LIMIT = env.int("LOGIN_FAILURE_LIMIT", default=5)
LOGIN_ADDRESS_FAILURE_LIMIT = env.int("LOGIN_ADDRESS_FAILURE_LIMIT", default=100)
LOGIN_FAILURE_WINDOW_SECONDS = env.int("LOGIN_FAILURE_WINDOW_SECONDS", default=15 * 60)
# How many reverse proxies in front of the app append to X-Forwarded-For (nginx: 1).
TRUSTED_PROXY_COUNT = env.int("TRUSTED_PROXY_COUNT", default=0)

# Request rates (taskboard/api/throttles.py), DRF rate strings ("600/min"); empty turns one
# off. user: per account over the whole API; anon: per address for requests without
# credentials. The others are per address on one operation each. Sizing: docs/security.md.
API_THROTTLE_RATES: dict[str, str | None] = {
    "user": env.str("API_THROTTLE_USER", default="600/min") or None,
    "anon": env.str("API_THROTTLE_ANON", default="300/min") or None,
    "register": env.str("API_THROTTLE_REGISTER", default="20/hour") or None,
    "password_reset": env.str("API_THROTTLE_PASSWORD_RESET", default="20/hour") or None,
    "invite": env.str("API_THROTTLE_INVITE", default="100/hour") or None,
    "verify_resend": env.str("API_THROTTLE_VERIFY_RESEND", default="20/hour") or None,
}
