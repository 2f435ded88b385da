"""/metrics answers a bearer of METRICS_TOKEN or an allowed address, and 404 to anyone else
(taskboard/metrics/views.py); nginx never passes it on."""

import re
from pathlib import Path

import pytest
from django.test import Client, override_settings

ROOT = Path(__file__).resolve().parents[2]
NGINX = ROOT / "deploy" / "nginx" / "taskboard.conf"
TOKEN = "metrics-token-0123456789abcdef"
LOOPBACK = ["127.0.0.1", "::1"]


def scrape(*, remote: str = "127.0.0.1", method: str = "get", **headers: str) -> tuple[int, str]:
    response = getattr(Client(), method)("/metrics", REMOTE_ADDR=remote, **headers)
    return response.status_code, response.content.decode(errors="replace")


def a_metrics_page(status: int, body: str) -> bool:
    return status == 200 and "# TYPE taskboard_db_queries_total counter" in body


@pytest.fixture(autouse=True)
def _database(db: None) -> None:
    """The scrape-time gauges read the database."""


@override_settings(METRICS_TOKEN=TOKEN, METRICS_ALLOWED_IPS=[])
def test_the_token_opens_it_from_any_address() -> None:
    status, body = scrape(remote="203.0.113.9", HTTP_AUTHORIZATION=f"Bearer {TOKEN}")

    assert a_metrics_page(status, body), body[:300]


@override_settings(METRICS_TOKEN=TOKEN, METRICS_ALLOWED_IPS=[])
@pytest.mark.parametrize(
    "authorization",
    [f"Bearer {TOKEN}x", f"Bearer {TOKEN[:-1]}", "Bearer ", TOKEN, f"Basic {TOKEN}", f"Token {TOKEN}"],
)
def test_a_wrong_token_is_a_404(authorization: str) -> None:
    status, body = scrape(remote="203.0.113.9", HTTP_AUTHORIZATION=authorization)

    assert status == 404
    assert "taskboard_" not in body


@override_settings(METRICS_TOKEN="", METRICS_ALLOWED_IPS=[])
def test_no_token_configured_accepts_no_token() -> None:
    status, _ = scrape(remote="203.0.113.9", HTTP_AUTHORIZATION="Bearer ")

    assert status == 404


@override_settings(METRICS_TOKEN=TOKEN, METRICS_ALLOWED_IPS=LOOPBACK)
@pytest.mark.parametrize("remote", ["127.0.0.1", "::1", "::ffff:127.0.0.1"])
def test_an_allowed_address_needs_no_token(remote: str) -> None:
    assert a_metrics_page(*scrape(remote=remote))


@override_settings(METRICS_TOKEN=TOKEN, METRICS_ALLOWED_IPS=["10.0.0.0/8"])
def test_networks_are_allowed_whole() -> None:
    assert a_metrics_page(*scrape(remote="10.2.3.4"))
    assert scrape(remote="11.2.3.4")[0] == 404


@override_settings(METRICS_TOKEN=TOKEN, METRICS_ALLOWED_IPS=LOOPBACK)
def test_another_address_is_a_404() -> None:
    status, body = scrape(remote="192.0.2.10")

    assert status == 404
    assert "taskboard_" not in body


@override_settings(METRICS_TOKEN=TOKEN, METRICS_ALLOWED_IPS=LOOPBACK, TRUSTED_PROXY_COUNT=1)
def test_a_forwarded_address_does_not_open_it() -> None:
    # Behind the trusted proxy the client is the last hop; a client that reaches the server
    # directly writes what it likes there, so the peer must be allowed too.
    forged = scrape(remote="192.0.2.10", HTTP_X_FORWARDED_FOR="127.0.0.1")
    # Through the proxy (the peer is allowed) from a client outside.
    proxied = scrape(remote="127.0.0.1", HTTP_X_FORWARDED_FOR="192.0.2.10")

    assert (forged[0], proxied[0]) == (404, 404)


@override_settings(METRICS_TOKEN=TOKEN, METRICS_ALLOWED_IPS=[])
def test_production_allows_no_address_by_default() -> None:
    assert scrape(remote="127.0.0.1")[0] == 404


@override_settings(METRICS_TOKEN=TOKEN, METRICS_ALLOWED_IPS=LOOPBACK)
def test_other_methods_are_refused_and_hidden_from_others() -> None:
    assert scrape(method="post", remote="127.0.0.1")[0] == 405
    assert scrape(method="post", remote="192.0.2.10")[0] == 404


def test_nginx_answers_metrics_itself_with_404() -> None:
    text = re.sub(r"#[^\n]*", "", NGINX.read_text())
    blocks = dict(re.findall(r"location\s+(=\s*/metrics|\S+)\s*\{(.*?)\}", text, flags=re.S))

    exact = blocks.get("= /metrics")
    assert exact is not None, "no exact `location = /metrics` block"
    # An exact match wins over every prefix location: nothing reaches the upstream.
    assert exact.split() == ["return", "404;"]
