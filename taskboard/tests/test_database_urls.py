"""DATABASE_REPLICA_URLS: comma-separated, and a URL may name several hosts (libpq's
host1:port1,host2:port2 form) without being cut in two."""

from taskboard.db.config import build_databases, split_database_urls


def test_urls_split_only_where_the_next_one_starts() -> None:
    value = "postgres://u:p@a:5432/db, postgres://u:p@b:6432,c:6432/db?target_session_attrs=standby"

    assert split_database_urls(value) == [
        "postgres://u:p@a:5432/db",
        "postgres://u:p@b:6432,c:6432/db?target_session_attrs=standby",
    ]
    assert split_database_urls("") == []


def test_a_multi_host_url_is_one_database_with_every_host() -> None:
    databases = build_databases(
        primary_url="postgres://u:p@a:6432,b:6432/db?target_session_attrs=read-write",
        replica_urls=split_database_urls("postgres://u:p@a:6432,b:6432/db?target_session_attrs=standby"),
        pool=False,
        read_pool_size=1,
        write_pool_size=1,
    )

    assert {
        alias: (d["HOST"], d["PORT"], d["OPTIONS"]["target_session_attrs"]) for alias, d in databases.items()
    } == {
        "default": ("a,b", "6432,6432", "read-write"),
        "replica1": ("a,b", "6432,6432", "standby"),
    }
