"""bench/api.py's scenarios: what wrk requests (a Lua script of bench/wrk/ and its
arguments), with how many connections and settings, and the targets (docs/benchmarks.md)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from api_fixture import Fixture

# What the filter scenario asks for: the caller's open high-priority tasks.
TASK_FILTER = "assignee=me&priority=high&completed=false"


# Issue 16's metrics and logs switched off (what that removes: bench/api_baseline_settings.py):
# the baseline of their cost.
BASELINE = (
    ("METRICS_ENABLED", "false"),
    ("DJANGO_SETTINGS_MODULE", "bench.api_baseline_settings"),
    ("LOG_FORMAT", "console"),
)


@dataclass(frozen=True)
class Target:
    """A goal for one scenario; `ratio_of` compares its rate with another scenario's."""

    min_rps: float | None = None
    max_p99_ms: float | None = None
    min_ratio: float | None = None
    ratio_of: str | None = None

    def describe(self) -> str:
        parts = []
        if self.min_rps is not None:
            parts.append(f"≥ {self.min_rps:,.0f} req/s")
        if self.min_ratio is not None:
            parts.append(f"≥ {self.min_ratio:.0%} of {self.ratio_of}")
        if self.max_p99_ms is not None:
            parts.append(f"p99 ≤ {self.max_p99_ms:g} ms")
        return ", ".join(parts)


@dataclass(frozen=True)
class Scenario:
    name: str
    title: str
    script: str
    args: Callable[[Fixture], list[str]]
    connections: int
    settings: tuple[tuple[str, str], ...] = ()
    target: Target | None = None
    # Run on the 200-task board as seeded: the tasks POST task added are deleted first.
    seeded_small_board: bool = False


def move_args(f: Fixture, board: dict[str, Any]) -> list[str]:
    """move.lua's arguments: any task of `board` to any of its lists, at index 0-40."""
    return [f.token, ",".join(map(str, f.list_ids(board))), ",".join(map(str, f.task_ids(board))), "40"]


def scenarios(connections: int, large_connections: int) -> list[Scenario]:
    cache_off = (("BOARD_CACHE", "false"),)
    # The metrics' and logs' cost (issue 16: at most 5 %): the same scenario once more
    # without them.
    metrics_off = BASELINE
    return [
        Scenario(
            "detail_nocache_200",
            "GET board detail, cache disabled (200 tasks)",
            "get.lua",
            lambda f: [f"/api/v1/boards/{f.small_board_id}/", f.token],
            connections,
            cache_off,
            Target(min_rps=250),
        ),
        Scenario(
            "detail_nocache_5000",
            "GET board detail, cache disabled (5,000 tasks)",
            "get.lua",
            lambda f: [f"/api/v1/boards/{f.large_board_id}/", f.token],
            large_connections,
            cache_off,
        ),
        Scenario("healthz", "GET /healthz (ceiling)", "get.lua", lambda f: ["/healthz"], connections),
        Scenario(
            "detail_warm_200",
            "GET board detail, warm (200 tasks)",
            "get.lua",
            lambda f: [f"/api/v1/boards/{f.small_board_id}/", f.token],
            connections,
            target=Target(min_rps=1000, max_p99_ms=50, min_ratio=0.35, ratio_of="healthz"),
        ),
        Scenario(
            "detail_warm_200_nometrics",
            "GET board detail, warm (200 tasks), without metrics and logs",
            "get.lua",
            lambda f: [f"/api/v1/boards/{f.small_board_id}/", f.token],
            connections,
            metrics_off,
        ),
        Scenario(
            "detail_304_200",
            "GET board detail, If-None-Match: 304 (auth + board row)",
            "get.lua",
            lambda f: [f"/api/v1/boards/{f.small_board_id}/", f.token, f.small_board_etag],
            connections,
        ),
        Scenario(
            "tasks_filtered_5000",
            f"GET board tasks ?{TASK_FILTER} (5,000 tasks, page of 50)",
            "get.lua",
            lambda f: [f"/api/v1/boards/{f.large_board_id}/tasks/?{TASK_FILTER}", f.token],
            connections,
        ),
        Scenario(
            "detail_warm_5000",
            "GET board detail, warm (5,000 tasks)",
            "get.lua",
            lambda f: [f"/api/v1/boards/{f.large_board_id}/", f.token],
            large_connections,
            target=Target(max_p99_ms=150),
        ),
        Scenario(
            "post_task",
            "POST task (200-task board)",
            "post_task.lua",
            lambda f: [f.token, str(f.small_board_id), ",".join(map(str, f.list_ids(f.small_board)))],
            connections,
            target=Target(min_rps=300, max_p99_ms=200),
        ),
        Scenario(
            "post_task_nometrics",
            "POST task (200-task board), without metrics and logs",
            "post_task.lua",
            lambda f: [f.token, str(f.small_board_id), ",".join(map(str, f.list_ids(f.small_board)))],
            connections,
            metrics_off,
        ),
        Scenario(
            "move_task",
            "POST move (200-task board)",
            "move.lua",
            lambda f: move_args(f, f.small_board),
            connections,
            target=Target(min_rps=300, max_p99_ms=200),
            seeded_small_board=True,
        ),
        # No target: moves into the tops of lists of 1,000, where gaps get used up and
        # renumbering (writes/ordering.py) happens under the board's lock. Last: it
        # reorders the 5,000-task board the reads above use.
        Scenario(
            "move_task_5000",
            "POST move (5,000-task board, into the top 40 of lists of 1,000)",
            "move.lua",
            lambda f: move_args(f, f.large_board),
            connections,
        ),
    ]
