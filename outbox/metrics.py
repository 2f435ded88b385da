"""taskboard_outbox_rows{state}: the outbox's rows by state, counted when /metrics is read
(registered in OutboxConfig.ready). Two index scans (outbox/models.py)."""

from collections.abc import Iterator

from prometheus_client.core import GaugeMetricFamily
from prometheus_client.metrics_core import Metric

from .selectors import mail_counts_by_state


def collect_outbox_rows() -> Iterator[Metric]:
    family = GaugeMetricFamily(
        "taskboard_outbox_rows",
        "Outbox mails by state (pending, sending, failed), at scrape time.",
        labels=["state"],
    )
    for state, rows in mail_counts_by_state().items():
        family.add_metric([state], rows)
    yield family
