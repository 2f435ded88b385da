"""bench/api.py --metrics-cost's arithmetic (bench/api_interleaved.py), checked in
milliseconds; the run itself is `bench/api.py --metrics-cost`."""

from __future__ import annotations

import math
import sys
from pathlib import Path
from types import ModuleType

import pytest

BENCH_DIR = Path(__file__).resolve().parents[2] / "bench"


@pytest.fixture(scope="module")
def interleaved() -> ModuleType:
    # The bench's modules import each other by bare name (bench/ is the script's path).
    if str(BENCH_DIR) not in sys.path:
        sys.path.insert(0, str(BENCH_DIR))
    import api_interleaved

    return api_interleaved


def test_a_rounds_cost_is_its_own_pair_and_two_rounds_cancel_the_order(interleaved: ModuleType) -> None:
    rounds = interleaved.Rounds(scenario=None)
    # Round 1 runs "with" first, round 2 "without" first; the first run of a round is 10 %
    # faster whatever it serves, and "with" costs 4 %.
    rounds.rps = {"with": [110 * 0.96, 100 * 0.96], "without": [100, 110]}

    costs = rounds.paired_costs()
    double = rounds.double_round_costs()

    assert costs == pytest.approx([1 - 1.1 * 0.96, 1 - 0.96 / 1.1])
    assert double == pytest.approx([0.04])
    assert math.isclose(interleaved.spread([3.0, 1.0, 2.0])[2], 2.0)
    assert interleaved.spread([5.0]) == (5.0,) * 5


@pytest.fixture(scope="module")
def bench_modules() -> ModuleType:
    if str(BENCH_DIR) not in sys.path:
        sys.path.insert(0, str(BENCH_DIR))
    import api_instructions

    return api_instructions


def test_a_processs_dumps_in_order_and_per_request_as_two_n_minus_n(
    bench_modules: ModuleType, tmp_path: Path
) -> None:
    # The worker's dumps (callgrind.<pid>.<n>, .10 after .9), not its exit file, not the
    # master's; each with callgrind's summary line.
    counts = {1: 5_000, 2: 1_000, 3: 1_900, 4: 7_000, 5: 3_000, 6: 5_800, 10: 1}
    for number, count in counts.items():
        (tmp_path / f"callgrind.42.{number}").write_text(f"events: Ir\nsummary: {count}\n")
    (tmp_path / "callgrind.42").write_text("summary: 99\n")
    (tmp_path / "callgrind.7.1").write_text("summary: 99\n")

    dumps = bench_modules.numbered_dumps(tmp_path, "callgrind.42")

    assert [path.name for path in dumps][-2:] == ["callgrind.42.6", "callgrind.42.10"]
    with pytest.raises(RuntimeError, match="7 dumps"):
        bench_modules.per_request([bench_modules.summary(p) for p in dumps], 10, where="here")
    figures = bench_modules.per_request([bench_modules.summary(p) for p in dumps[:6]], 10, where="here")
    # Warm-up, N = 10, 2N = 20 per scenario: (2N part - N part) / N.
    assert figures["detail_warm_200"]["per_request"] == 90
    assert figures["post_task"]["per_request"] == 280
    assert figures["post_task"]["2n_part_per_request"] == 290


def test_the_served_report_compares_with_and_without_and_the_in_process_counts(
    bench_modules: ModuleType,
) -> None:
    import api_served_instructions

    def counts(detail: float, post: float) -> dict[str, object]:
        return {
            "detail_warm_200": {"per_request": detail},
            "post_task": {"per_request": post},
            "setup": {"x_request_id": True, "statuses": {}},
        }

    served = {"with": counts(3_150_000, 7_000_000), "without": counts(3_000_000, 6_800_000)}
    in_process = {"with": counts(2_310_000, 6_500_000), "without": counts(2_200_000, 6_300_000)}

    lines = api_served_instructions.served_report(served, in_process)

    assert "| detail_warm_200 | 3,150,000 | 3,000,000 | **+5.0%** | +5.0% | 840,000 / 800,000 |" in lines
    assert "| post_task | 7,000,000 | 6,800,000 | **+2.9%** | +3.2% | 500,000 / 500,000 |" in lines
    alone = api_served_instructions.served_report(served, None)
    assert "| post_task | 7,000,000 | 6,800,000 | **+2.9%** | - | - |" in alone
