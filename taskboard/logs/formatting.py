"""How a record becomes a line: JSON (production: one object per line on stdout) or a
readable console line (`make run`). Both redact what must never be in a log line.

A JSON line holds a fixed set of fields (docs/operations.md "Logs"), not every attribute a
record carries: django.request's records carry the request object, whose text holds the
query string, and a library's `extra` may hold anything.
"""

import logging
import re
from datetime import UTC, datetime
from typing import Any

from pythonjsonlogger.json import JsonFormatter as BaseJsonFormatter

from taskboard.logs.context import CONTEXT_FIELDS

# Attributes of a record, besides the context, that go into a JSON line when set
# (django.request's lines carry the status).
EXTRA_FIELDS = ("status_code",)

_SAFE = r"[^\s\"'\\&]"  # a value runs until whitespace, a quote, a backslash or the next parameter
REDACTIONS: tuple[tuple[re.Pattern[str], str], ...] = (
    # A JWT anywhere (an access or refresh token, a token echoed in an error).
    (re.compile(r"eyJ[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]{4,}\.[A-Za-z0-9_-]*"), "[redacted-jwt]"),
    (re.compile(r"(?i)\b(bearer)\s+[A-Za-z0-9._~+/=-]+"), r"\1 [redacted]"),
    # Basic credentials (base64): not the word "basic" in a sentence.
    (re.compile(r"\b(Basic)\s+(?=[A-Za-z0-9+/]*[0-9+/=])[A-Za-z0-9+/]+={0,2}"), r"\1 [redacted]"),
    # Query parameters that carry credentials (the WebSocket ticket, tokens, signatures).
    (
        re.compile(
            r"(?i)([?&;](?:ticket|token|access|refresh|password|secret|signature|sig|code|key)=)"
            + _SAFE
            + "*"
        ),
        r"\1[redacted]",
    ),
    # Paths whose segments are tokens (accounts/urls.py, boards/urls.py).
    (re.compile(r"(/reset/)(?!done/)[^/\s\"'\\?]+/[^/\s\"'\\?]+"), r"\1[redacted]"),
    (re.compile(r"(/verify-email/)(?!resend/)[^/\s\"'\\?]+"), r"\1[redacted]"),
    (re.compile(r"(/(?:unsubscribe|invitations)/)[^/\s\"'\\?]+"), r"\1[redacted]"),
    # password=..., "password": "...", passwd, new_password1 ...
    (
        re.compile(r"(?i)(pass(?:word|wd)\w*\\?[\"']?\s*[=:]\s*\\?[\"']?)(?!\[redacted\])" + _SAFE + "+"),
        r"\1[redacted]",
    ),
    # user:password@ in a URL (a database or broker URL in an error).
    (re.compile(r"(://[^/\s:@\"'\\]+:)[^/\s@\"'\\]+@"), r"\1[redacted]@"),
)


def redact(text: str) -> str:
    for pattern, replacement in REDACTIONS:
        text = pattern.sub(replacement, text)
    return text


def _timestamp(record: logging.LogRecord) -> str:
    return (
        datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    )


class JsonFormatter(BaseJsonFormatter):
    """One JSON object per line: timestamp, level, logger, message, the context fields and a
    few known extras when set, the traceback as `exc_info`."""

    def add_fields(
        self, log_data: dict[str, Any], record: logging.LogRecord, message_dict: dict[str, Any]
    ) -> None:
        log_data["timestamp"] = _timestamp(record)
        log_data["level"] = record.levelname
        log_data["logger"] = record.name
        log_data["message"] = record.message
        log_data["process"] = record.process
        for name in (*CONTEXT_FIELDS, *EXTRA_FIELDS):
            value = getattr(record, name, None)
            if value is not None:
                log_data[name] = value
        for name in ("exc_info", "stack_info"):
            if message_dict.get(name):
                log_data[name] = message_dict[name]

    def format(self, record: logging.LogRecord) -> str:
        return redact(super().format(record))


class ConsoleFormatter(logging.Formatter):
    """`time LEVEL logger message` and the context that is known, for people reading a
    terminal (`make run`, the suite's subprocess logs)."""

    def __init__(self) -> None:
        super().__init__("%(asctime)s %(levelname)s %(name)s %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        line = super().format(record)
        context = " ".join(
            f"{name}={value}" for name in CONTEXT_FIELDS if (value := getattr(record, name, None)) is not None
        )
        if context:
            head, newline, rest = line.partition("\n")
            line = f"{head} [{context}]{newline}{rest}"
        return redact(line)
