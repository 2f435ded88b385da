"""The stack drills' shared fixtures: one `make stack` in var/stack-drill/ for the whole run
(tests/drills/test_stack_*.py), the SMTP sink its mail goes to, and the load test's crowd
(bench/load/locustfile.py, bounded) in the background of every drill."""

from __future__ import annotations

import os
import socket
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from .drill_load import Crowd, SmtpSink, seed_crowd
from .stack_client import DRILL_DIR, Api, config, make


def _port_taken(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) == 0


@pytest.fixture(scope="session")
def sink() -> Iterator[SmtpSink]:
    """Up before the stack: its mail worker's EMAIL_URL (stack_client.make) points here."""
    smtp = SmtpSink(config().ports.smtp_sink).start()
    try:
        yield smtp
    finally:
        smtp.stop()


@pytest.fixture(scope="session")
def stack(sink: SmtpSink) -> Iterator[Any]:
    stack = config()
    if _port_taken(stack.ports.https) and not (DRILL_DIR / "run" / "pids" / "nginx.pid").exists():
        pytest.fail(f"127.0.0.1:{stack.ports.https} is taken: stop the other stack (make stack-down) first")
    started = time.monotonic()
    result = make("stack")
    print(f"make stack took {time.monotonic() - started:.0f}s")
    try:
        assert result.returncode == 0, result.stdout + result.stderr
        yield stack
    finally:
        make("stack-status")
        # STACK_DRILL_KEEP=1 leaves it running to look at (then: STACK_DIR=var/stack-drill make stack-reset).
        if os.environ.get("STACK_DRILL_KEEP") != "1":
            make("stack-reset")


@pytest.fixture(scope="session")
def api(stack: Any) -> Api:
    client = Api.for_stack(stack)
    client.sign_up()
    return client


@pytest.fixture(scope="session")
def crowd_seed(stack: Any, tmp_path_factory: pytest.TempPathFactory) -> Path:
    folder = tmp_path_factory.mktemp("crowd")
    return seed_crowd(stack.run / "taskboard.env", folder / "seed.json")


@pytest.fixture
def crowd(stack: Any, crowd_seed: Path) -> Iterator[Crowd]:
    """The crowd, arrived, before the drill begins; the drill calls crowd.stop() for its
    figures (or the teardown does, and prints them)."""
    running = Crowd(f"https://127.0.0.1:{stack.ports.https}", crowd_seed, crowd_seed.parent).start()
    try:
        yield running
    finally:
        running.stop()
