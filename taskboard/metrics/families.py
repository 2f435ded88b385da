"""Every metric family of ours (docs/operations.md "Metrics" lists them with their meaning).

The names are a contract with deploy/prometheus/ (rules, alerts), deploy/grafana/ and the
autoscalers: change one only together with them. Counters count from the process start
(Prometheus' rate() handles restarts); in multiprocess mode (PROMETHEUS_MULTIPROC_DIR) each
process writes its values to a file of its own there and /metrics adds them up, gauges as
their `multiprocess_mode` says. Scrape-time gauges (queue depth, outbox rows, active users)
are not here: taskboard.metrics.collectors computes them when /metrics is read.
"""

from prometheus_client import Counter, Gauge, Histogram

# Statements of a request take 0.1-5 ms; a slow one is worth seeing up to seconds.
QUERY_BUCKETS = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
# A board read is built in a few ms (200 tasks: ~10 ms); a big board takes longer.
BUILD_BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5)
# Tasks: a mail's SMTP round trips, a scan, an hourly purge (time limit 60 s).
TASK_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0)

# -- database ------------------------------------------------------------------------------
# taskboard_db_queries_total{alias} is this histogram's count, exported under its own name
# when /metrics is read (taskboard.metrics.collectors.WithQueryCounts).
db_query_errors = Counter(
    "taskboard_db_query_errors", "SQL statements that raised a database error, per alias.", ["alias"]
)
db_query_seconds = Histogram(
    "taskboard_db_query_seconds", "Time of each SQL statement, per alias.", ["alias"], buckets=QUERY_BUCKETS
)
db_reads_routed = Counter(
    "taskboard_db_reads_routed",
    "Reads the router sent to an alias, and why: replica, primary_after_write, "
    "replica_lagging (no healthy replica), no_replica (none configured), primary_forced.",
    ["alias", "reason"],
)
db_replica_lag = Gauge(
    "taskboard_db_replica_lag_seconds",
    "How far a replica is behind the primary, as the replica monitor last measured it.",
    ["alias"],
    multiprocess_mode="livemax",
)
db_pool_connections = Gauge(
    "taskboard_db_pool_connections",
    "The alias's connection pools over the live processes: size (max), in_use, waiting.",
    ["alias", "state"],
    multiprocess_mode="livesum",
)

# -- caches --------------------------------------------------------------------------------
board_cache_requests = Counter(
    "taskboard_board_cache_requests",
    "Board reads looked up in the board cache, per layer (memory, redis) and result (hit, miss).",
    ["layer", "result"],
)
board_cache_build_seconds = Histogram(
    "taskboard_board_cache_build_seconds",
    "Time to build a board read that the cache did not have.",
    buckets=BUILD_BUCKETS,
)
cache_errors = Counter(
    "taskboard_cache_errors", "Redis cache operations that failed and were answered as a miss (fail open)."
)

# -- live ----------------------------------------------------------------------------------
ws_open_sockets = Gauge(
    "taskboard_ws_open_sockets", "Open board sockets of the ASGI processes.", multiprocess_mode="livesum"
)
live_events_published = Counter(
    "taskboard_live_events_published", "Live events handed to the channel layer (board events)."
)
live_events_delivered = Counter("taskboard_live_events_delivered", "Live event frames sent to board sockets.")
live_events_lost = Counter(
    "taskboard_live_events_lost",
    "Live events that never reached the channel layer (publish timeout, error, full queue).",
)
live_resyncs = Counter(
    "taskboard_live_resyncs", "Resync requests answered, by kind: resync (replayed) or reset.", ["kind"]
)
live_presence_users = Gauge(
    "taskboard_live_presence_users",
    "Viewers present on boards: distinct (board, user) pairs of each ASGI process's sockets.",
    multiprocess_mode="livesum",
)

# -- jobs ----------------------------------------------------------------------------------
celery_tasks = Counter(
    "taskboard_celery_tasks",
    "Celery tasks finished, by name and state: succeeded, failed, retried.",
    ["task", "state"],
)
celery_task_seconds = Histogram(
    "taskboard_celery_task_seconds", "Run time of Celery tasks, by name.", ["task"], buckets=TASK_BUCKETS
)
reminders_sent = Counter("taskboard_reminders_sent", "Due-date reminders claimed and notified.")
mail_sent = Counter("taskboard_mail_sent", "Mails the SMTP server accepted, by kind.", ["kind"])
mail_failed = Counter(
    "taskboard_mail_failed", "Mail sends that failed (retried later, or failed for good), by kind.", ["kind"]
)
beat_last_run = Gauge(
    "taskboard_beat_last_run_timestamp_seconds",
    "When a task of the beat schedule last finished successfully (Unix time).",
    ["task"],
    multiprocess_mode="max",
)

# -- business ------------------------------------------------------------------------------
registrations = Counter("taskboard_registrations", "Accounts registered.")
logins = Counter("taskboard_logins", "Successful logins (password checked: API token, page, admin).")
login_failures = Counter("taskboard_login_failures", "Failed authentications (wrong password, bad token).")
lockouts = Counter("taskboard_lockouts", "Login limits reached: an address or account locked for a window.")
boards_created = Counter("taskboard_boards_created", "Boards created.")
tasks_created = Counter("taskboard_tasks_created", "Tasks created.")
tasks_completed = Counter("taskboard_tasks_completed", "Tasks marked complete.")
tasks_moved = Counter("taskboard_tasks_moved", "Tasks moved (to another list or position).")
