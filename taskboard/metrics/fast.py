"""Counting on the paths every request and every SQL statement take, straight on the values
prometheus_client's metrics hold: without its checks on each call (is the family labelled,
is the amount negative, an exemplar?), which these callers pass by construction (a labelled
family's child, amounts that are counts or elapsed perf_counter() times), and without a
Python call per level. The families, names and values are the same; measured with callgrind
the calls were a fifth of the metrics' instructions on a warm board read (docs/benchmarks.md
"Metrics' cost"). Relies on prometheus_client's metric attributes (`_value`, `_sum`,
`_buckets`, `_upper_bounds`); taskboard/tests/test_metrics_multiprocess.py checks that the
counts are prometheus_client's."""

from bisect import bisect_left
from typing import Any

from prometheus_client import Counter, Histogram

# A histogram's values: its sum, its buckets' counts and their upper bounds (the last +Inf).
HistogramParts = tuple[Any, list[Any], list[float]]


def counter_value(counter: Counter) -> Any:
    """The value an unlabelled counter or a labelled one's child counts in: `.inc(amount)`."""
    return counter._value


def histogram_parts(histogram: Histogram) -> HistogramParts:
    """An unlabelled histogram's or a labelled one's child's values, for observe()."""
    return histogram._sum, histogram._buckets, histogram._upper_bounds


def observe(parts: HistogramParts, amount: float) -> None:
    """histogram.observe(amount): the sum, and the first bucket whose upper bound is at
    least the amount. (The hot paths write these two lines inline.)"""
    total, buckets, bounds = parts
    total.inc(amount)
    buckets[bisect_left(bounds, amount)].inc(1)
