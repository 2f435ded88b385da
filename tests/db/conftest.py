from collections.abc import Iterator

import pytest

from taskboard.db.replicas import ReplicaMonitor, get_monitor, reset_monitor


@pytest.fixture(autouse=True)
def monitor() -> Iterator[ReplicaMonitor]:
    """This process's replica monitor, fresh for each test: a replica one test marked down
    (or saw lagging) must not change where the next test reads."""
    reset_monitor()
    yield get_monitor()
    reset_monitor()
