"""The size limits of docs/design.md ("Rules that keep it simple"): a newcomer reads a
module in one sitting. Tests, migrations and the pinned third-party files are aside."""

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
MAX_MODULE_LINES = 400
CODE_FOLDERS = [
    "accounts", "outbox", "activity", "boards", "tasks", "writes", "reminders", "live", "taskboard", "bench",
    "deploy",
]  # fmt: skip


def _modules() -> list[Path]:
    modules = []
    for folder in CODE_FOLDERS:
        for path in sorted((ROOT / folder).rglob("*.py")):
            parts = set(path.relative_to(ROOT).parts)
            if "tests" in parts or "migrations" in parts:
                continue
            modules.append(path)
    return modules


def test_the_layout_has_modules_to_check() -> None:
    assert len(_modules()) > 100


@pytest.mark.parametrize("path", _modules(), ids=lambda path: str(path.relative_to(ROOT)))
def test_no_module_is_over_400_lines(path: Path) -> None:
    lines = len(path.read_text().splitlines())

    assert lines <= MAX_MODULE_LINES, f"{path.relative_to(ROOT)} has {lines} lines"


def _domain_modules() -> list[Path]:
    """Services, selectors, the locked reads and the write machinery: their values are
    typed (dataclasses), not attributes stashed on model instances behind `type: ignore`."""
    return [
        path
        for path in _modules()
        if path.relative_to(ROOT).parts[0] == "writes"
        or path.stem in {"services", "selectors", "locked_reads"}
        or "services" in path.relative_to(ROOT).parts[:-1]
        or "selectors" in path.relative_to(ROOT).parts[:-1]
    ]


def test_there_are_domain_modules_to_check() -> None:
    assert {path.relative_to(ROOT).parts[0] for path in _domain_modules()} >= {
        "accounts",
        "boards",
        "tasks",
        "writes",
    }


@pytest.mark.parametrize("path", _domain_modules(), ids=lambda path: str(path.relative_to(ROOT)))
def test_no_type_ignore_in_the_domain(path: Path) -> None:
    ignores = [
        number for number, line in enumerate(path.read_text().splitlines(), 1) if "type: ignore" in line
    ]

    assert ignores == [], f"{path.relative_to(ROOT)}: `type: ignore` on lines {ignores}"
