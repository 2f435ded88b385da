"""Counting on the paths every request and every SQL statement take, without prometheus_client's
checks on each call (is the family labelled, is the amount negative, an exemplar?), which these
callers pass by construction: a labelled family's child, amounts that are counts or elapsed
perf_counter() times. The families, names and values are the same; measured with callgrind
the checks were a fifth of the metrics' instructions on a warm board read (docs/benchmarks.md
"Metrics' cost"). Relies on prometheus_client's metric attributes (`_value`, `_sum`,
`_buckets`, `_upper_bounds`); taskboard/tests/test_metrics_multiprocess.py checks them."""

from bisect import bisect_left

from prometheus_client import Counter, Histogram


def add(counter: Counter, amount: float = 1.0) -> None:
    """counter.inc(amount) for an unlabelled counter or a labelled one's child."""
    counter._value.inc(amount)


def observe(histogram: Histogram, amount: float) -> None:
    """histogram.observe(amount) for an unlabelled histogram or a labelled one's child:
    the first bucket whose upper bound is at least the amount (the last is +Inf)."""
    histogram._sum.inc(amount)
    histogram._buckets[bisect_left(histogram._upper_bounds, amount)].inc(1)
