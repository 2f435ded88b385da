"""The logging configuration of every process kind, from LOG_FORMAT and LOG_LEVEL.

Django's LOGGING (taskboard/settings/operations.py) comes from `logging_config()`; gunicorn's
own (deploy/gunicorn.conf.py) from `gunicorn_logconfig_dict()`, since gunicorn configures its
loggers before it loads the app; the Celery worker and beat keep Django's (taskboard/celery.py
tells Celery not to install its own). Pure data: gunicorn's config imports this without Django.
"""

import logging
import logging.config
from typing import Any

JSON = "json"
CONSOLE = "console"
FORMATS = (JSON, CONSOLE)
_FORMATTERS = {
    JSON: {"()": "taskboard.logs.formatting.JsonFormatter"},
    CONSOLE: {"()": "taskboard.logs.formatting.ConsoleFormatter"},
}
# The servers' own loggers: in JSON they write through our handler, not theirs.
SERVER_LOGGERS = ("uvicorn", "uvicorn.error", "uvicorn.access", "gunicorn.error", "gunicorn.access")


def _handler(log_format: str) -> dict[str, Any]:
    return {
        "class": "logging.StreamHandler",
        "formatter": log_format,
        "filters": ["context"],
        # JSON lines for the collector on stdout; console lines where they always went.
        "stream": "ext://sys.stdout" if log_format == JSON else "ext://sys.stderr",
    }


def logging_config(*, log_format: str, level: str) -> dict[str, Any]:
    if log_format not in FORMATS:
        raise ValueError(f"LOG_FORMAT must be one of {', '.join(FORMATS)}, not {log_format!r}")
    loggers: dict[str, Any] = {
        "django.db.backends": {"level": "INFO"},
        # An expected 403/404 is one line, not a traceback.
        "django.request": {"filters": ["client_errors_without_traceback"]},
    }
    if log_format == JSON:
        for name in SERVER_LOGGERS:
            loggers[name] = {"handlers": ["console"], "level": "INFO", "propagate": False}
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {log_format: _FORMATTERS[log_format]},
        "filters": {
            "context": {"()": "taskboard.logs.context.ContextFilter"},
            "client_errors_without_traceback": {"()": "taskboard.request_log.ClientErrorsWithoutTraceback"},
        },
        "handlers": {"console": _handler(log_format)},
        "root": {"handlers": ["console"], "level": level},
        "loggers": loggers,
    }


def gunicorn_logconfig_dict(log_format: str) -> dict[str, Any]:
    """gunicorn's `logconfig_dict`: its error and access logs in our format (empty for the
    console format: gunicorn's own lines are readable as they are)."""
    if log_format != JSON:
        return {}
    config = logging_config(log_format=JSON, level="INFO")
    config["loggers"] = {
        name: {"handlers": ["console"], "level": "INFO", "propagate": False}
        for name in ("gunicorn.error", "gunicorn.access")
    }
    return config


def configure(config: dict[str, Any]) -> None:
    """LOGGING_CONFIG: Django's dictConfig, and in JSON Python's warnings through logging too
    (py.warnings), so that they are JSON lines rather than raw text on stderr.

    uvicorn's `--no-access-log` empties `uvicorn.access` (no handler, no propagation) before
    it imports the app, so before this runs: the config above would give it our handler back
    and log every request, the image's healthcheck every 15 s among them (found running the
    image, docs/operations.md "Containers and Kubernetes"). A logger switched off that way
    stays off."""
    access = logging.getLogger("uvicorn.access")
    access_log_off = not access.handlers and not access.propagate
    logging.config.dictConfig(config)
    if access_log_off:
        access.handlers = []
        access.propagate = False
    json_output = any(handler.get("formatter") == JSON for handler in config.get("handlers", {}).values())
    logging.captureWarnings(json_output)
