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
