"""The worker's and beat's exporter (taskboard/metrics/exporter.py) applies the web's rule
(taskboard/metrics/access.py): a bearer of METRICS_TOKEN or an allowed address, else 404.
A real server on a free port, scraped over HTTP."""

import urllib.error
import urllib.request
from collections.abc import Iterator

import pytest
from django.test import override_settings
from prometheus_client import CollectorRegistry, Counter

from taskboard.metrics.exporter import start_exporter_server
from tests.plugins.processes import free_port

TOKEN = "exporter-token-0123456789abcdef"
# No proxy from the environment for requests to 127.0.0.1.
_opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))


@pytest.fixture(scope="module")
def exporter_url() -> Iterator[str]:
    registry = CollectorRegistry()
    Counter("taskboard_exporter_probe", "A family only this exporter has.", registry=registry).inc()
    port = free_port()
    httpd, thread = start_exporter_server(port, "127.0.0.1", registry)
    try:
        yield f"http://127.0.0.1:{port}/metrics"
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def scrape(url: str, authorization: str | None = None) -> tuple[int, str]:
    request = urllib.request.Request(url, headers={"Authorization": authorization} if authorization else {})
    try:
        with _opener.open(request, timeout=10) as response:
            return response.status, response.read().decode()
    except urllib.error.HTTPError as error:
        return error.code, error.read().decode()


def a_metrics_page(status: int, body: str) -> bool:
    return status == 200 and "taskboard_exporter_probe_total 1.0" in body


@pytest.mark.parametrize(
    ("authorization", "allowed_ips", "expected"),
    [
        (None, [], 404),
        (None, ["10.0.0.0/8"], 404),
        (f"Bearer {TOKEN}x", [], 404),
        (f"Bearer {TOKEN[:-1]}", [], 404),
        (f"Basic {TOKEN}", [], 404),
        (TOKEN, [], 404),
        (f"Bearer {TOKEN}", [], 200),
        (f"bearer {TOKEN}", ["10.0.0.0/8"], 200),
        (None, ["127.0.0.1"], 200),
        (None, ["127.0.0.0/8", "::1"], 200),
        ("Bearer wrong", ["127.0.0.1"], 200),
    ],
    ids=[
        "no credential",
        "no credential, another network allowed",
        "token with a byte more",
        "token with a byte less",
        "basic",
        "token without bearer",
        "right token",
        "right token, lower-case bearer",
        "allowed address",
        "allowed network",
        "allowed address, wrong token",
    ],
)
def test_the_exporter_answers_a_token_or_an_allowed_address(
    exporter_url: str, authorization: str | None, allowed_ips: list[str], expected: int
) -> None:
    with override_settings(METRICS_TOKEN=TOKEN, METRICS_ALLOWED_IPS=allowed_ips):
        status, body = scrape(exporter_url, authorization)

    assert status == expected
    if expected == 200:
        assert a_metrics_page(status, body), body[:300]
    else:
        assert "taskboard_" not in body


def test_no_token_configured_accepts_no_token(exporter_url: str) -> None:
    with override_settings(METRICS_TOKEN="", METRICS_ALLOWED_IPS=[]):
        assert scrape(exporter_url, "Bearer ")[0] == 404
        assert scrape(exporter_url)[0] == 404


def test_a_forwarded_address_does_not_open_it(exporter_url: str) -> None:
    # The peer (127.0.0.1) is not allowed: what it writes in X-Forwarded-For doesn't count.
    with override_settings(METRICS_TOKEN=TOKEN, METRICS_ALLOWED_IPS=["192.0.2.10"], TRUSTED_PROXY_COUNT=1):
        request = urllib.request.Request(exporter_url, headers={"X-Forwarded-For": "192.0.2.10"})
        with pytest.raises(urllib.error.HTTPError) as refused:
            _opener.open(request, timeout=10)

    assert refused.value.code == 404
