"""bench/api.py --metrics-cost: what issue 16's metrics and logs cost on warm board detail and
POST task (budget: 5 %), measured two ways in one run against the same seeded stack:

1. req/s in interleaved rounds, production's settings against the baseline, both served by
   gunicorn at once (bench/api_interleaved.py);
2. CPU instructions per request, counted by callgrind in one Python process that calls the
   WSGI application directly (bench/api_instructions.py);
3. with --served-instructions N: CPU instructions per request of one gunicorn sync worker
   under callgrind, the request served over a socket (bench/api_served_instructions.py).

"Without" is scenarios.BASELINE: what it removes is listed in bench/api_baseline_settings.py.
"""

from __future__ import annotations

import argparse
import shutil
import statistics
from typing import Any

from api_fixture import Fixture, fixture, remove_posted_tasks
from api_instructions import SCENARIOS, run_callgrind
from api_interleaved import WITH, WITHOUT, Rounds, interleave, report
from api_scenarios import BASELINE, Scenario, scenarios
from api_served_instructions import count_served, served_report
from api_stack import Stack, opener

VARIANTS = {WITH: (), WITHOUT: BASELINE}


def _check_variants(stacks: dict[str, Stack]) -> None:
    """The baseline really is without: no X-Request-ID (the request-context middleware), no
    metrics folder; production's server has both."""
    for variant, stack in stacks.items():
        with opener.open(f"{stack.base_url}/healthz", timeout=10) as response:
            has_id = response.headers.get("X-Request-ID") is not None
        if has_id != (variant == WITH):
            raise RuntimeError(f"the {variant} server {'lacks' if variant == WITH else 'sends'} X-Request-ID")


def interleaved(stack: Stack, args: argparse.Namespace) -> tuple[list[Rounds], Fixture]:
    chosen: dict[str, Scenario] = {s.name: s for s in scenarios(args.connections, args.large_connections)}
    stacks = {WITH: stack, WITHOUT: stack.sibling()}
    results = []
    try:
        for variant, stack_of in stacks.items():
            stack_of.start_gunicorn(**dict(VARIANTS[variant]))
        workers = len(stack.worker_pids())
        print(
            f"gunicorn: {workers} sync workers with, {len(stacks[WITHOUT].worker_pids())} without", flush=True
        )
        _check_variants(stacks)
        fx = fixture(stack.base_url)
        for name, _ in SCENARIOS:
            print(f"  {name}: {args.rounds} rounds of {args.round_seconds:g} s each, alternating", flush=True)
            results.append(
                interleave(
                    stacks,
                    chosen[name],
                    fx,
                    rounds=args.rounds,
                    seconds=args.round_seconds,
                    warmup=args.warmup,
                    threads=args.threads,
                )
            )
    finally:
        stacks[WITHOUT].stop_gunicorn()
        stack.stop_gunicorn()
    return results, fx


def instructions(stack: Stack, fx: Fixture, args: argparse.Namespace) -> dict[str, Any]:
    """The callgrind runs, one after the other (each posts to the board the other reads)."""
    counted: dict[str, Any] = {}
    for variant, settings in VARIANTS.items():
        # Both on the board as seeded.
        remove_posted_tasks(stack, fx)
        env = stack.env(**dict(settings), PYTHONHASHSEED="0")
        env.pop("PROMETHEUS_MULTIPROC_DIR", None)
        if variant == WITH:
            # As gunicorn's workers: every value written to a memory-mapped file.
            folder = stack.base_dir / "callgrind-metrics"
            shutil.rmtree(folder, ignore_errors=True)
            folder.mkdir()
            env["PROMETHEUS_MULTIPROC_DIR"] = str(folder)
        print(
            f"  callgrind, {variant}: {args.instructions} and {2 * args.instructions} requests ...",
            flush=True,
        )
        counted[variant] = run_callgrind(
            env,
            stack.base_dir / f"callgrind-{variant}",
            requests=args.instructions,
            warmup=args.instructions_warmup,
            fx=fx,
        )
        print(f"    {counted[variant]}", flush=True)
    return counted


def served_instructions(stack: Stack, fx: Fixture, args: argparse.Namespace) -> dict[str, Any]:
    """The served counts, one gunicorn under callgrind after the other."""
    counted: dict[str, Any] = {}
    for variant, settings in VARIANTS.items():
        remove_posted_tasks(stack, fx)
        print(
            f"  callgrind, gunicorn worker, {variant}: {args.served_instructions} and "
            f"{2 * args.served_instructions} requests ...",
            flush=True,
        )
        counted[variant] = count_served(
            stack,
            dict(settings),
            stack.base_dir / f"callgrind-served-{variant}",
            requests=args.served_instructions,
            warmup=args.instructions_warmup,
            fx=fx,
        )
        print(f"    {counted[variant]}", flush=True)
    if counted[WITH]["setup"]["x_request_id"] is not True or counted[WITHOUT]["setup"]["x_request_id"]:
        raise RuntimeError("served: X-Request-ID should be on with and off without")
    return counted


def instructions_report(counted: dict[str, Any]) -> list[str]:
    lines = [
        "| scenario | instructions/request with | without | cost (with / without - 1) | "
        "check: N part, 2N part per request (with) |",
        "|---|---:|---:|---:|---|",
    ]
    for name, _ in SCENARIOS:
        on, off = counted[WITH][name], counted[WITHOUT][name]
        lines.append(
            f"| {name} | {on['per_request']:,.0f} | {off['per_request']:,.0f} | "
            f"**{on['per_request'] / off['per_request'] - 1:+.1%}** | "
            f"{on['n_part_per_request']:,.0f}, {on['2n_part_per_request']:,.0f} |"
        )
    for variant in (WITH, WITHOUT):
        setup = counted[variant]["setup"]
        lines.append(
            f"\n{variant}: {setup['middlewares']} middlewares, X-Request-ID {setup['x_request_id']}, "
            f"values {setup['value_class']}, multiprocess folder {setup['multiprocess_dir']}"
        )
    return lines


def run(stack: Stack, args: argparse.Namespace) -> list[str]:
    """Both measurements; the report's lines."""
    lines: list[str] = []
    if args.rounds > 0:
        rounds, fx = interleaved(stack, args)
        lines += ["", "req/s, interleaved rounds (cost: 1 - with / without, each round's pair):", ""]
        lines += report(rounds)
        lines += [
            "",
            "app CPU per request, medians with / without: "
            + "; ".join(
                f"{r.scenario.name} {statistics.median(r.app_cpu_ms[WITH]):.2f} / "
                f"{statistics.median(r.app_cpu_ms[WITHOUT]):.2f} ms"
                for r in rounds
            ),
        ]
    else:
        stack.start_gunicorn()
        fx = fixture(stack.base_url)
        stack.stop_gunicorn()
    counted = None
    if args.instructions > 0:
        counted = instructions(stack, fx, args)
        lines += ["", "CPU instructions per request (callgrind, in-process WSGI, (2N - N) / N):", ""]
        lines += instructions_report(counted)
    if args.served_instructions > 0:
        served = served_instructions(stack, fx, args)
        lines += [
            "",
            "CPU instructions per served request (callgrind, gunicorn sync worker, (2N - N) / N):",
            "",
        ]
        lines += served_report(served, counted)
    return lines


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--metrics-cost",
        action="store_true",
        help="only the metrics' and logs' cost: interleaved rounds, then callgrind's instruction counts",
    )
    parser.add_argument(
        "--rounds", type=int, default=10, help="--metrics-cost: rounds per scenario (default 10; 0: none)"
    )
    parser.add_argument(
        "--round-seconds", type=float, default=5, help="--metrics-cost: seconds per run (default 5)"
    )
    parser.add_argument(
        "--instructions",
        type=int,
        default=100,
        metavar="N",
        help="--metrics-cost: callgrind counts N then 2N requests (default 100; 0: skip)",
    )
    parser.add_argument(
        "--instructions-warmup", type=int, default=50, help="requests before the counted ones"
    )
    parser.add_argument(
        "--served-instructions",
        type=int,
        default=0,
        metavar="N",
        help="--metrics-cost: callgrind counts a gunicorn worker serving N, then 2N requests (0: skip)",
    )


def valgrind_missing() -> bool:
    return shutil.which("valgrind") is None
