"""Counting on the paths every request and every SQL statement take, straight on the values
prometheus_client's metrics hold: without its checks on each call (is the family labelled,
is the amount negative, an exemplar?), which these callers pass by construction (a labelled
family's child, amounts that are counts or elapsed perf_counter() times), and without a
Python call per level. The families, names and values are the same; measured with callgrind
the calls were a fifth of the metrics' instructions on a warm board read (docs/benchmarks.md
"Metrics' cost"). Relies on prometheus_client's metric attributes (`_value`, `_sum`,
`_buckets`, `_upper_bounds`); taskboard/tests/test_metrics_multiprocess.py drives the
statement wrapper and the HTTP middleware with a fake clock and checks that they count what
prometheus_client's own observe() counts."""

from typing import Any

from prometheus_client import Counter, Histogram

# A histogram's values: its sum, its buckets' counts and their upper bounds (the last +Inf).
HistogramParts = tuple[Any, list[Any], list[float]]


def counter_value(counter: Counter) -> Any:
    """The value an unlabelled counter or a labelled one's child counts in: `.inc(amount)`."""
    return counter._value


def histogram_parts(histogram: Histogram) -> HistogramParts:
    """An unlabelled histogram's or a labelled one's child's values. `observe(amount)` on
    them, as the hot paths write it inline: `total.inc(amount)` and
    `buckets[bisect_left(bounds, amount)].inc(1)` (the first bucket whose upper bound is at
    least the amount)."""
    return histogram._sum, histogram._buckets, histogram._upper_bounds
