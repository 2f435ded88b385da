"""The servers started by tests/plugins/services.py are real and wired to Django."""

import smtplib
from email.message import EmailMessage

import pytest
import redis
from django.conf import settings
from django.contrib.auth.models import Group
from django.core import mail
from django.db import connections

from taskboard import celery_app
from tests.plugins import postgres
from tests.plugins.processes import ServiceStartError
from tests.plugins.redis_server import RedisServer


def test_the_primary_accepts_writes_and_the_replica_is_in_recovery(pg_cluster) -> None:
    assert pg_cluster.primary.execute("SELECT pg_is_in_recovery()") == [(False,)]
    assert pg_cluster.replica.execute("SELECT pg_is_in_recovery()") == [(True,)]
    assert pg_cluster.primary.execute(
        "SELECT count(*) FROM pg_stat_replication WHERE state = 'streaming'"
    ) == [(1,)]


def test_django_uses_the_test_database_on_both_the_primary_and_the_replica(db, pg_cluster) -> None:
    test_database = connections["default"].settings_dict["NAME"]

    assert test_database == "test_taskboard"
    assert settings.DATABASES["default"]["PORT"] == pg_cluster.primary.port
    assert settings.DATABASES["replica1"]["PORT"] == pg_cluster.replica.port
    assert settings.DATABASES["replica1"]["NAME"] == test_database
    assert settings.DATABASES["replica1"]["TEST"]["MIRROR"] is None


def test_a_db_test_reads_through_the_replica_alias(db) -> None:
    with connections["replica1"].cursor() as cursor:
        cursor.execute("SELECT pg_is_in_recovery(), current_database()")
        row = cursor.fetchone()

    assert row == (True, "test_taskboard")
    assert Group.objects.using("replica1").count() == 0


@pytest.mark.django_db
def test_a_test_with_the_django_db_mark_reads_through_the_replica_alias() -> None:
    assert Group.objects.using("replica1").count() == 0


def test_the_replica_can_be_stopped_and_started_again(pg_cluster) -> None:
    pg_cluster.replica.stop()

    assert pg_cluster.replica.running is False
    pg_cluster.replica.start()
    assert pg_cluster.replica.in_recovery() is True
    pg_cluster.primary.execute("CREATE TABLE IF NOT EXISTS after_restart (id int)")
    pg_cluster.replica.wait_for_catchup(timeout=10)
    assert pg_cluster.replica.execute("SELECT count(*) FROM after_restart") == [(0,)]
    pg_cluster.primary.execute("DROP TABLE after_restart")


def test_a_committed_row_reaches_the_replica(transactional_db, pg_cluster) -> None:
    Group.objects.using("default").create(name="replicated")

    pg_cluster.replica.wait_for_catchup(timeout=10)

    assert list(Group.objects.using("replica1").values_list("name", flat=True)) == ["replicated"]


def test_the_flush_after_a_transactional_test_reaches_the_replica_too(transactional_db, pg_cluster) -> None:
    pg_cluster.replica.wait_for_catchup(timeout=10)

    assert Group.objects.using("replica1").count() == 0


def test_a_replica_delay_holds_commits_back_until_it_is_caught_up(
    transactional_db, pg_cluster, replica_delay
) -> None:
    replica_delay(2)

    Group.objects.using("default").create(name="late")

    assert Group.objects.using("replica1").filter(name="late").exists() is False
    pg_cluster.replica.wait_for_catchup(timeout=10)
    assert Group.objects.using("replica1").filter(name="late").exists() is True


def test_the_replica_delay_is_gone_after_the_test_that_set_it(pg_cluster) -> None:
    assert pg_cluster.replica.execute("SHOW recovery_min_apply_delay") == [("0",)]
    assert pg_cluster.replica.apply_delay == 0


def test_django_send_mail_over_smtp_arrives_in_the_mailbox(smtp_server, mailbox) -> None:
    # pytest-django swaps EMAIL_BACKEND for locmem; the SMTP backend talks to the server.
    connection = mail.get_connection(
        "django.core.mail.backends.smtp.EmailBackend", host=smtp_server.host, port=smtp_server.port
    )

    sent = mail.send_mail(
        "Welcome",
        "Hello Ada,\nwelcome aboard.",
        "Taskboard <noreply@taskboard.local>",
        ["ada@example.com"],
        connection=connection,
    )

    assert sent == 1
    [message] = mailbox.wait_for(1)
    assert message["Subject"] == "Welcome"
    assert message["To"] == "ada@example.com"
    assert message.envelope_from == "noreply@taskboard.local"
    assert message.envelope_to == ["ada@example.com"]
    assert mailbox.body(message) == "Hello Ada,\nwelcome aboard."


def test_the_mailbox_keeps_bcc_recipients_in_the_envelope(smtp_server, mailbox) -> None:
    message = EmailMessage()
    message["Subject"] = "Digest"
    message["From"] = "noreply@taskboard.local"
    message["To"] = "ada@example.com"
    message.set_content("Two tasks are due.")

    with smtplib.SMTP(smtp_server.host, smtp_server.port) as client:
        client.send_message(message, to_addrs=["ada@example.com", "grace@example.com"])

    [received] = mailbox.wait_for(1)
    assert received.envelope_to == ["ada@example.com", "grace@example.com"]
    assert mailbox.body(received) == "Two tasks are due."


def test_waiting_for_mail_that_never_comes_fails_with_what_did_arrive(mailbox) -> None:
    with pytest.raises(AssertionError, match=r"Expected 1 message\(s\) within 0.1s, got 0"):
        mailbox.wait_for(1, timeout=0.1)


def test_redis_answers_and_the_cache_uses_it(redis_server, settings) -> None:
    client = redis.Redis.from_url(redis_server.url())

    assert client.ping() is True
    assert redis_server.url(0) == settings.CACHES["default"]["LOCATION"]
    assert redis_server.url(1) == settings.CELERY_BROKER_URL


def test_each_test_starts_with_an_empty_cache_part_one(redis_server) -> None:
    from django.core.cache import cache

    cache.set("leak", "from part one")

    assert cache.get("leak") == "from part one"


def test_each_test_starts_with_an_empty_cache_part_two(redis_server) -> None:
    from django.core.cache import cache

    assert cache.get("leak") is None


@pytest.mark.celery
def test_the_celery_worker_answers_a_ping(celery_worker) -> None:
    replies = celery_app.control.ping(destination=[celery_worker.name], timeout=5)

    assert replies == [{celery_worker.name: {"ok": "pong"}}]
    assert celery_worker.env["DATABASE_URL"].endswith("/test_taskboard")
    assert celery_worker.env["DATABASE_REPLICA_URLS"].endswith("/test_taskboard")


def test_redis_restarts_on_the_same_port(redis_server) -> None:
    port = redis_server.port

    redis_server.restart()

    assert redis_server.port == port
    assert redis.Redis.from_url(redis_server.url()).ping() is True


@pytest.mark.celery
def test_the_celery_worker_answers_again_after_the_test_that_restarted_redis(celery_worker) -> None:
    replies = celery_app.control.ping(destination=[celery_worker.name], timeout=5)

    assert replies == [{celery_worker.name: {"ok": "pong"}}]


def test_a_server_that_cannot_start_reports_the_end_of_its_log(redis_server, tmp_path) -> None:
    clash = RedisServer(directory=tmp_path / "redis", port=redis_server.port)

    with pytest.raises(ServiceStartError, match=r"(?s)did not start.*last .* lines of .*redis.log.*in use"):
        clash.start(timeout=10)

    assert clash.running is False


def test_missing_postgresql_binaries_name_the_debian_packages(monkeypatch, tmp_path) -> None:
    monkeypatch.delenv("TASKBOARD_PG_BINDIR", raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(postgres, "DEBIAN_LIB_DIR", tmp_path)

    with pytest.raises(ServiceStartError, match=r"apt-get install postgresql redis-server"):
        postgres.find_bindir()
