"""The metric names the rules and the dashboard may use: the contract the metrics
(taskboard/metrics/), deploy/prometheus/, deploy/grafana/ and the autoscalers share, as
exposed (counters with `_total`; histograms without their `_bucket`/`_sum`/`_count`). A name
used in a rule or a panel and missing here is a typo, or a metric nobody exports."""

import re

TASKBOARD = frozenset(
    {
        # database
        "taskboard_db_queries_total",
        "taskboard_db_query_errors_total",
        "taskboard_db_query_seconds",
        "taskboard_db_reads_routed_total",
        "taskboard_db_replica_lag_seconds",
        "taskboard_db_pool_connections",
        # caches
        "taskboard_board_cache_requests_total",
        "taskboard_board_cache_build_seconds",
        "taskboard_cache_errors_total",
        # live
        "taskboard_ws_open_sockets",
        "taskboard_live_events_published_total",
        "taskboard_live_events_delivered_total",
        "taskboard_live_events_lost_total",
        "taskboard_live_resyncs_total",
        "taskboard_live_presence_users",
        # jobs
        "taskboard_celery_tasks_total",
        "taskboard_celery_task_seconds",
        "taskboard_celery_queue_depth",
        "taskboard_outbox_rows",
        "taskboard_reminders_sent_total",
        "taskboard_mail_sent_total",
        "taskboard_mail_failed_total",
        "taskboard_beat_last_run_timestamp_seconds",
        # business
        "taskboard_registrations_total",
        "taskboard_logins_total",
        "taskboard_login_failures_total",
        "taskboard_lockouts_total",
        "taskboard_boards_created_total",
        "taskboard_tasks_created_total",
        "taskboard_tasks_completed_total",
        "taskboard_tasks_moved_total",
        "taskboard_active_users",
    }
)
HISTOGRAMS = frozenset(
    {
        "taskboard_db_query_seconds",
        "taskboard_board_cache_build_seconds",
        "taskboard_celery_task_seconds",
        "django_http_requests_latency_seconds_by_view_method",
    }
)
# django-prometheus' families keep their own names (a Counter named ..._by_view_... is
# exposed with `_total` appended).
DJANGO = frozenset(
    {
        "django_http_requests_total_by_view_transport_method_total",
        "django_http_responses_total_by_status_view_method_total",
        "django_http_requests_latency_seconds_by_view_method",
        "django_http_requests_before_middlewares_total",
        "django_http_responses_before_middlewares_total",
    }
)
# The exporters' and Prometheus' own: what the rules and the dashboard read of them.
OTHERS = frozenset(
    {
        "up",
        "pg_up",
        "pg_stat_database_numbackends",
        "pg_settings_max_connections",
        "redis_up",
        "redis_connected_clients",
        "redis_memory_used_bytes",
        "nginx_up",
        "nginx_connections_active",
        "nginx_http_requests_total",
        "process_cpu_seconds_total",
        "process_resident_memory_bytes",
    }
)
KNOWN = TASKBOARD | DJANGO | OTHERS

# A metric name in PromQL: an identifier not followed by `(` (a function) and not a
# keyword, label or duration. Good enough for the expressions we write: only names with
# one of these prefixes are checked.
_NAME = re.compile(r"\b((?:taskboard|django|pg|redis|nginx|process)_[a-z0-9_]+|up)\b(?!\s*\()")


def metric_names(expr: str) -> set[str]:
    """The metric names an expression reads, with the histogram suffixes removed. Label
    values (inside quotes) and recording-rule names (with `:`) are left out."""
    unquoted = re.sub(r'"(?:[^"\\]|\\.)*"', '""', expr)
    names = set()
    for match in _NAME.finditer(unquoted):
        start = match.start()
        if start and (unquoted[start - 1] == ":" or unquoted[start - 1].isalnum()):
            continue
        end = match.end()
        if end < len(unquoted) and unquoted[end] == ":":
            continue
        name = match.group(1)
        for suffix in ("_bucket", "_sum", "_count"):
            if name.endswith(suffix) and name.removesuffix(suffix) in HISTOGRAMS:
                name = name.removesuffix(suffix)
        names.add(name)
    return names
