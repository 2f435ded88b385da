"""How the suite and the benchmarks start Debian's Chromium (never a downloaded browser)."""

import os
from typing import Any

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

# Installed in every page before its own scripts: each Content-Security-Policy violation is
# kept in the page (window.__policyViolations) and sent at once to the binding the context
# exposes, so that one just before a navigation is not lost with its page.
POLICY_VIOLATION_LISTENER_JS = """
(() => {
  window.__policyViolations = [];
  document.addEventListener("securitypolicyviolation", (event) => {
    const violation = {
      page: document.location.href,
      directive: event.effectiveDirective || event.violatedDirective,
      blocked: event.blockedURI,
      source: event.sourceFile ? `${event.sourceFile}:${event.lineNumber}:${event.columnNumber}` : "",
      sample: event.sample || "",
    };
    window.__policyViolations.push(violation);
    if (typeof window.__reportPolicyViolation === "function") window.__reportPolicyViolation(violation);
  });
})();
"""

# What Chromium says on the console when a policy refuses something or can't be parsed
# ("Applying inline style violates the following Content Security Policy directive…",
# "Error with Permissions-Policy header: Unrecognized feature…").
POLICY_CONSOLE_MARKERS = ("Content Security Policy", "Content-Security-Policy", "Permissions-Policy")


class PolicyViolations:
    """Every CSP violation (and Chromium's console complaints about the CSP or the
    Permissions-Policy) in the browser contexts it watches. `found` lists them, one line
    each; the e2e tests fail on any (tests/e2e/conftest.py), bench/page_load.py too."""

    def __init__(self) -> None:
        self.found: list[str] = []
        # Everything ever reported: a page still holds what `clear()` dropped, and
        # `collect()` must not bring it back.
        self._seen: set[str] = set()

    def watch(self, context: Any) -> None:
        context.expose_binding("__reportPolicyViolation", lambda source, violation: self._record(violation))
        context.add_init_script(POLICY_VIOLATION_LISTENER_JS)
        context.on("console", self._console)

    def collect(self, context: Any) -> None:
        """Pick up what the open pages recorded and the binding hasn't delivered yet."""
        from playwright.sync_api import Error as PlaywrightError

        for page in context.pages:
            if page.is_closed():
                continue
            try:
                pending = page.evaluate("() => window.__policyViolations || []")
            except PlaywrightError:
                # A page mid-navigation or crashed: its binding calls are all it has.
                continue
            for violation in pending:
                self._record(violation)

    def clear(self) -> None:
        self.found.clear()

    def _record(self, violation: dict[str, str]) -> None:
        line = f"{violation['page']}: {violation['directive']} refused {violation['blocked']}"
        if violation["source"]:
            line += f" (from {violation['source']})"
        if violation["sample"]:
            line += f": {violation['sample']!r}"
        self._add(line)

    def _add(self, line: str) -> None:
        if line not in self._seen:
            self._seen.add(line)
            self.found.append(line)

    def _console(self, message: Any) -> None:
        text = message.text
        if message.type in ("error", "warning") and any(marker in text for marker in POLICY_CONSOLE_MARKERS):
            where = message.page.url if message.page is not None else message.location.get("url", "")
            self._add(f"{where}: console {message.type}: {text}")
