"""Browser tests: Debian's Chromium driven by Playwright, against pytest-django's live
server on the suite's real databases (primary and replica), Redis, Celery and SMTP.

Playwright's own browser download is never used (it can't be fetched here, and CI would
download it on every run): `executable_path` points at the system Chromium, which
`make test` installs (deploy/local/install-system-packages.sh test). Screenshots go to
test-artifacts/screenshots/ (not committed).
"""

import os
import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from tests.browser import CHROMIUM, CHROMIUM_ARGS, PolicyViolations

PROJECT_DIR = Path(__file__).resolve().parents[2]
SCREENSHOTS = PROJECT_DIR / "test-artifacts" / "screenshots"
DESKTOP = {"width": 1366, "height": 900}
PHONE = {"width": 390, "height": 844}
# Generous for CI on 2 cores; a passing run waits far less.
TIMEOUT_MS = 15_000


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath).replace(os.sep, "/"):
            item.add_marker(pytest.mark.e2e)


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "e2e: drives headless Chromium against the live server")


@pytest.fixture(autouse=True)
def _close_replica_probes() -> Iterator[None]:
    """The live server's reads go to the replica, so this process's replica monitor keeps a
    probe connection to the test database; close it, or the database can't be dropped."""
    yield
    from taskboard.db.replicas import reset_monitor

    reset_monitor()


# Package scope, not session: pytest-django runs the non-database tests after these, and
# they must not inherit Playwright's event loop or DJANGO_ALLOW_ASYNC_UNSAFE.
@pytest.fixture(scope="package")
def browser() -> Iterator[Any]:
    try:
        from playwright.sync_api import expect, sync_playwright
    except ImportError:
        pytest.fail("Playwright is not installed: pip install -r requirements/dev.txt")
    if not (os.path.exists(CHROMIUM) or shutil.which(CHROMIUM)):
        pytest.fail(f"No Chromium at {CHROMIUM}: apt-get install chromium (or set TASKBOARD_CHROMIUM)")
    # Playwright's sync API keeps an asyncio loop on this thread, which makes Django refuse
    # ORM calls from the test body (they are synchronous code, so this is safe).
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    expect.set_options(timeout=TIMEOUT_MS)
    try:
        with sync_playwright() as playwright:
            chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                yield chromium
            finally:
                chromium.close()
    finally:
        if previous is None:
            os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
        else:
            os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


@pytest.fixture(autouse=True)
def policy_violations() -> Iterator[PolicyViolations]:
    """Every page a test opens (through `new_context`) reports its Content-Security-Policy
    violations here, and Chromium's console complaints about the CSP or the
    Permissions-Policy: any one fails the test when it ends. A test that provokes one on
    purpose calls `.clear()` after checking it."""
    violations = PolicyViolations()
    yield violations
    assert violations.found == [], "Policy violations:\n" + "\n".join(violations.found)


@pytest.fixture
def new_context(
    browser: Any, live_server: Any, policy_violations: PolicyViolations
) -> Iterator[Callable[..., Any]]:
    """`new_context(user=None, viewport=DESKTOP, color_scheme="light", base_url=None)`: a
    fresh browser profile on the live server (or `base_url`), signed in as `user` when given,
    whose pages report policy violations to `policy_violations`."""
    contexts: list[Any] = []

    def make(
        user: Any = None,
        viewport: dict[str, int] = DESKTOP,
        color_scheme: str = "light",
        base_url: str | None = None,
    ) -> Any:
        base_url = base_url or live_server.url
        context = browser.new_context(
            base_url=base_url, viewport=viewport, color_scheme=color_scheme, locale="en-US"
        )
        context.set_default_timeout(TIMEOUT_MS)
        policy_violations.watch(context)
        if user is not None:
            client = Client()
            client.force_login(user)
            session = client.cookies[settings.SESSION_COOKIE_NAME].value
            context.add_cookies([{"name": settings.SESSION_COOKIE_NAME, "value": session, "url": base_url}])
        contexts.append(context)
        return context

    yield make
    for context in contexts:
        policy_violations.collect(context)
        context.close()


@pytest.fixture(scope="package")
def asgi_server(
    django_db_setup: None, pg_cluster: Any, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Any]:
    """The whole app (pages and WebSockets) under uvicorn, as `make run` serves it, on the
    test database: pytest-django's live server speaks WSGI only."""
    from django.db import connections

    from tests.live.servers import AsgiServer

    test_database = connections["default"].settings_dict["NAME"]
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "taskboard.settings.test",
        "DATABASE_URL": pg_cluster.primary.url(test_database),
        "DATABASE_REPLICA_URLS": pg_cluster.replica.url(test_database),
        "DB_READ_POOL_SIZE": "4",
        "DB_WRITE_POOL_SIZE": "4",
    }
    env.pop("PYTEST_CURRENT_TEST", None)
    env.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    server = AsgiServer(
        name="asgi-e2e", project_dir=PROJECT_DIR, log_dir=tmp_path_factory.mktemp("asgi"), env=env
    )
    server.start()
    try:
        yield server
    finally:
        server.stop()


@pytest.fixture
def screenshot() -> Callable[[Any, str], None]:
    """`screenshot(page, "board-desktop")` → test-artifacts/screenshots/board-desktop.png."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)

    def take(page: Any, name: str) -> None:
        page.screenshot(path=str(SCREENSHOTS / f"{name}.png"))

    return take


def wait_until_ready(page: Any) -> None:
    """Our script has started (drag and drop is live)."""
    page.wait_for_selector("html[data-ready]", state="attached")


def drag(page: Any, source: Any, target: Any, *, dx: float = 0, dy: float = 0) -> None:
    """Drag `source` onto `target` (offset by dx, dy from its center) with the mouse, in
    small steps, as SortableJS's pointer-based dragging expects."""
    start = source.bounding_box()
    end = target.bounding_box()
    assert start
    assert end
    x0, y0 = start["x"] + start["width"] / 2, start["y"] + min(start["height"] / 2, 12)
    x1, y1 = end["x"] + end["width"] / 2 + dx, end["y"] + end["height"] / 2 + dy
    page.mouse.move(x0, y0)
    page.mouse.down()
    page.mouse.move(x0 + 8, y0 + 8, steps=4)
    page.mouse.move(x1, y1, steps=20)
    page.mouse.move(x1, y1 + 1, steps=2)
    page.mouse.up()
