"""Running Prometheus' promtool (Debian package `prometheus`) from the deploy tests.

promtool is the reference parser: a rule, an alert or a dashboard query it accepts is one
Prometheus accepts. It is not optional: `make test` installs it
(deploy/local/install-system-packages.sh test), so a missing promtool fails the tests with
that instruction instead of skipping them.
"""

import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
PROMETHEUS_DIR = ROOT / "deploy" / "prometheus"
MISSING = (
    "promtool not found on PATH. It comes with the Debian package `prometheus`: "
    "`make test` installs it as root (deploy/local/install-system-packages.sh test); "
    "otherwise run `sudo apt-get install prometheus` (and `sudo systemctl disable --now prometheus` "
    "if you don't want its server running)."
)


def promtool_path() -> str:
    found = shutil.which("promtool")
    if found is None:
        pytest.fail(MISSING, pytrace=False)
    return found


def promtool(*args: str | Path, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [promtool_path(), *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=60
    )


def check_expressions(expressions: dict[str, str], folder: Path) -> subprocess.CompletedProcess[str]:
    """`promtool check rules` over each expression written as a recording rule: promtool
    parses PromQL only inside rule files. Keys become the rules' names (so an error names the
    expression): letters, digits, `_` and `:` only."""
    rules = [{"record": f"check:{name}", "expr": expr} for name, expr in expressions.items()]
    path = folder / "expressions.yml"
    path.write_text(yaml.safe_dump({"groups": [{"name": "expressions", "rules": rules}]}, sort_keys=False))
    return promtool("check", "rules", path)


def rule_name(text: str) -> str:
    return re.sub(r"[^A-Za-z0-9_]", "_", text)


def load_yaml(path: Path) -> dict:
    loaded = yaml.safe_load(path.read_text())
    assert isinstance(loaded, dict), f"{path}: not a mapping"
    return loaded


def rules_of(path: Path) -> list[dict]:
    return [rule for group in load_yaml(path)["groups"] for rule in group["rules"]]
