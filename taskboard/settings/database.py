"""PostgreSQL primary + streaming replicas (or SQLite when nothing is configured)."""

from taskboard.db.config import build_databases, split_database_urls

from .environment import VAR_DIR, env

DATABASE_URL = env.str("DATABASE_URL", default=f"sqlite:///{VAR_DIR / 'db.sqlite3'}")
# Comma-separated; a URL may itself name several hosts (libpq's host1:port1,host2:port2 form:
# `make stack` points both aliases at every node's PgBouncer, docs/database.md).
DATABASE_REPLICA_URLS: list[str] = split_database_urls(env.str("DATABASE_REPLICA_URLS", default=""))
DB_POOL = env.bool("DB_POOL", default=True)
DB_READ_POOL_SIZE = env.int("DB_READ_POOL_SIZE", default=15)
DB_WRITE_POOL_SIZE = env.int("DB_WRITE_POOL_SIZE", default=10)
# Server-side parameter binding and prepared statements (taskboard/db/config.py).
DB_PREPARED_STATEMENTS = env.bool("DB_PREPARED_STATEMENTS", default=True)
# A replica further behind than this is skipped until it catches up.
REPLICA_MAX_LAG_SECONDS = env.float("REPLICA_MAX_LAG_SECONDS", default=5.0)
# A client that wrote this recently reads from the primary. Longer than the tolerated
# lag, so nobody ever misses their own write (a system check enforces it).
READ_YOUR_WRITES_SECONDS = env.float("READ_YOUR_WRITES_SECONDS", default=10.0)
# How often each process asks the replicas how far behind they are.
REPLICA_CHECK_INTERVAL_SECONDS = env.float("REPLICA_CHECK_INTERVAL_SECONDS", default=1.0)

DATABASES = build_databases(
    primary_url=DATABASE_URL,
    replica_urls=DATABASE_REPLICA_URLS,
    pool=DB_POOL,
    read_pool_size=DB_READ_POOL_SIZE,
    write_pool_size=DB_WRITE_POOL_SIZE,
    prepared_statements=DB_PREPARED_STATEMENTS,
)
DATABASE_ROUTERS = ["taskboard.db.router.PrimaryReplicaRouter"]
# Reads of these apps always go to the primary: a stale session, user row or token
# blacklist on a lagging replica would let a revoked credential work again.
DATABASE_PRIMARY_ONLY_APPS = ["sessions", "token_blacklist", "accounts", "auth", "admin"]
DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
