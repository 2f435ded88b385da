"""How the suite and the benchmarks start Debian's Chromium (never a downloaded browser)."""

import os

CHROMIUM = os.environ.get("TASKBOARD_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    # Root in a container has no user namespaces for the sandbox.
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    # Nothing but the pages under test: no update checks, no sync, no QUIC probes.
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-quic",
    "--disable-sync",
]
