"""pytest plugin (`-p tests.plugins.log_secrets`): no secret in any log line of the run.

Every record logged in the pytest process is formatted as production writes it (the JSON
line of taskboard.logs.formatting, redaction included) and kept, once per distinct line.
The log files of the processes the suite starts (the Celery worker, the uvicorn servers, the
process tests) are read at the end too. When the session ends, the run fails if any line
holds:

- a secret the run used: every password the test hasher saw (set or checked:
  taskboard.testing), every token in a link of a mail sent (reset, verification,
  unsubscribe, invitation), the settings' keys (SECRET_KEY, the JWT signing key,
  METRICS_TOKEN when set), and what a test registers with `register_secret()`;
- something shaped like a credential whatever it is: a JWT, an `Authorization` header's
  value, a `password=` with a value, a `?ticket=` (the WebSocket ticket) or `?token=` value.

Cheap by design: formatting costs microseconds a record, lines are deduplicated, and the
search at the end is one substring scan per distinct secret over the joined lines
(docs/testing.md "Secrets in the logs"). `tests/test_log_secrets.py` proves it catches leaks.
"""

from __future__ import annotations

import contextlib
import logging
import re
import threading
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import pytest

# Shorter values would match ordinary words; every secret the suite uses is longer.
MIN_SECRET_LENGTH = 8
# Letters only and shorter than this: a word, not a secret (see _is_a_word).
MAX_WORD_LENGTH = 16
PATTERNS = {
    "a JWT": re.compile(r"eyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{16,}"),
    "an Authorization header": re.compile(
        r"(?i)authorization\\?[\"']?\s*[:=]\s*\\?[\"']?(?:bearer|basic|token|jwt)\s+(?!\[redacted\])[^\s\"'\\]+"
    ),
    "a credential in a query string": re.compile(
        r"(?i)[?&;](?:ticket|token|access|refresh|password|secret|signature|sig)=(?!\[redacted\])[^&\s\"'\\]+"
    ),
    "a password=": re.compile(
        r"(?i)pass(?:word|wd)\w*\\?[\"']?\s*[=:]\s*\\?[\"']?(?!\[redacted\])[^\s\"'\\&,;}\]]+"
    ),
}
# Links in mail: the path segments and query values this long are tokens.
_LINK = re.compile(r"https?://[^\s<>\"']+")
_TOKEN_PART = re.compile(r"[A-Za-z0-9_:.-]{16,}")
_MAX_REPORTED = 20

_secrets: set[str] = set()
_lock = threading.Lock()


def _is_a_word(value: str) -> bool:
    # A test that checks a weak password is refused uses "password" or "letmeinnow": they
    # are words, and are in log lines as words ("/api/v1/auth/password-reset/").
    return value.isalpha() and len(value) < MAX_WORD_LENGTH


def register_secret(value: object) -> None:
    """A value that must never appear in a log line."""
    if isinstance(value, str) and len(value) >= MIN_SECRET_LENGTH and not _is_a_word(value):
        with _lock:
            _secrets.add(value)


def register_link_tokens(text: str) -> None:
    """The tokens in the links of a mail's text."""
    for link in _LINK.findall(text):
        path_and_query = link.split("://", 1)[1].partition("/")[2]
        for part in _TOKEN_PART.findall(path_and_query):
            register_secret(part)


def find_leaks(lines: Iterable[str], secrets: Iterable[str]) -> list[str]:
    """What is wrong with these lines: one description per finding."""
    text = "\n".join(lines)
    found = []
    for secret in sorted(set(secrets)):
        at = text.find(secret)
        if at >= 0:
            # The report shows where, not the secret itself.
            line = _line_at(text, at).replace(secret, "<secret>")
            found.append(f"a secret the run used ({len(secret)} chars) in: {line}")
    for what, pattern in PATTERNS.items():
        for match in pattern.finditer(text):
            found.append(f"{what} in: {pattern.sub('<secret>', _line_at(text, match.start()))}")
    return found


def _line_at(text: str, at: int) -> str:
    start = text.rfind("\n", 0, at) + 1
    end = text.find("\n", at)
    line = text[start : end if end >= 0 else len(text)]
    return line if len(line) <= 300 else line[:300] + "…"


class CapturingHandler(logging.Handler):
    """Every record as production formats it, each distinct line kept once."""

    def __init__(self) -> None:
        super().__init__(level=logging.NOTSET)
        from taskboard.logs.context import ContextFilter
        from taskboard.logs.formatting import JsonFormatter

        self.addFilter(ContextFilter())
        self.setFormatter(JsonFormatter())
        self.lines: set[str] = set()

    def emit(self, record: logging.LogRecord) -> None:
        try:
            line = self.format(record)
        except Exception:
            self.handleError(record)
            return
        self.lines.add(line)


_handler_key = pytest.StashKey[CapturingHandler]()
_mails_seen_key = pytest.StashKey[set[int]]()


def _attach(handler: CapturingHandler) -> None:
    # Django's logging config (at setup, or a test reconfiguring) replaces the root's handlers.
    root = logging.getLogger()
    if handler not in root.handlers:
        root.addHandler(handler)


@pytest.hookimpl(trylast=True)
def pytest_configure(config: pytest.Config) -> None:
    with contextlib.suppress(ImportError):
        from taskboard import testing

        testing.password_listeners.append(register_secret)
    handler = CapturingHandler()
    config.stash[_handler_key] = handler
    config.stash[_mails_seen_key] = set()
    _attach(handler)


def pytest_runtest_setup(item: pytest.Item) -> None:
    handler = item.config.stash.get(_handler_key, None)
    if handler is not None:
        _attach(handler)


def pytest_runtest_teardown(item: pytest.Item) -> None:
    _register_mailed_tokens(item.config)


def _register_mailed_tokens(config: pytest.Config) -> None:
    import sys

    seen = config.stash[_mails_seen_key]
    messages: list[Any] = []
    mail = sys.modules.get("django.core.mail")
    messages += getattr(mail, "outbox", None) or []
    services = _services(config)
    if services is not None:
        messages += services.smtp.mailbox.messages
    for message in messages:
        if id(message) in seen:
            continue
        seen.add(id(message))
        register_link_tokens(_mail_text(message))


def _mail_text(message: Any) -> str:
    if hasattr(message, "message"):  # django.core.mail.EmailMessage
        return str(message.message().as_string())
    return str(message.as_string())


def _services(config: pytest.Config) -> Any:
    try:
        from tests.plugins.services import _services_key
    except ImportError:
        return None
    return config.stash.get(_services_key, None)


def _register_settings_secrets() -> None:
    import sys

    if "django.conf" not in sys.modules:
        return
    from django.conf import settings

    if not settings.configured:
        return
    register_secret(getattr(settings, "SECRET_KEY", None))
    register_secret(getattr(settings, "SIMPLE_JWT", {}).get("SIGNING_KEY"))
    register_secret(getattr(settings, "METRICS_TOKEN", None))
    register_secret(getattr(settings, "EMAIL_HOST_PASSWORD", None))
    for database in getattr(settings, "DATABASES", {}).values():
        register_secret(database.get("PASSWORD"))


def _log_files(session: pytest.Session) -> list[Path]:
    """The logs of the processes the run started: the worker's, the servers' of tests/live,
    the process tests' (all under the run directory or pytest's temporary directory)."""
    roots = []
    services = _services(session.config)
    if services is not None:
        roots.append(services.base_dir / "celery")
    factory = getattr(session.config, "_tmp_path_factory", None)
    if factory is not None:
        with contextlib.suppress(OSError):
            roots.append(factory.getbasetemp())
    files = []
    for root in roots:
        if root.is_dir():
            files += [path for path in root.rglob("*.log") if path.is_file()]
            files += [path for path in root.rglob("*.err") if path.is_file()]
    return files


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    handler = session.config.stash.get(_handler_key, None)
    if handler is None:
        return
    logging.getLogger().removeHandler(handler)
    _register_mailed_tokens(session.config)
    _register_settings_secrets()
    lines = set(handler.lines)
    for path in _log_files(session):
        lines.update(path.read_text(errors="replace").splitlines())
    with _lock:
        secrets = set(_secrets)
    leaks = find_leaks(lines, secrets)
    if not leaks:
        return
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    report = [f"{len(leaks)} secret(s) in the logs of this run (tests/plugins/log_secrets.py):"]
    report += [f"  {leak}" for leak in leaks[:_MAX_REPORTED]]
    if len(leaks) > _MAX_REPORTED:
        report.append(f"  … and {len(leaks) - _MAX_REPORTED} more")
    if reporter is not None:
        reporter.write_sep("=", "secrets in the logs", red=True)
        for line in report:
            reporter.write_line(line)
    session.exitstatus = pytest.ExitCode.TESTS_FAILED
