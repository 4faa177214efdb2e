"""What an operator sees of a real `people-api serve`: X-Request-ID through the generated client, /metrics
summing two workers, and every line on stderr, granian's included, as JSON."""

from __future__ import annotations

import collections
import json
from pathlib import Path

import httpx
from conftest import serving
from prometheus_client.parser import text_string_to_metric_families

from people_api_client import Client
from people_api_client.api.health import health
from people_api_client.api.metrics import metrics

REQUESTS = 40


def _healthz_count(metrics_text: str) -> float:
    """people_api_requests_total of GET /healthz answered 200."""
    wanted = {"method": "GET", "route": "/healthz", "status": "200"}
    for family in text_string_to_metric_families(metrics_text):
        for sample in family.samples:
            if sample.name == "people_api_requests_total" and sample.labels == wanted:
                return sample.value
    return 0.0


def test_two_workers_metrics_add_up_and_every_log_line_is_json(database_url: str, tmp_path: Path) -> None:
    """N requests spread over both workers (each on a new connection) count N in /metrics, whichever
    worker answers the scrape; the server's stderr holds one JSON request line per request, both
    workers' among them."""
    log = tmp_path / "serve.log"
    with serving(database_url, "--workers", "2", log=log) as server:
        for _ in range(REQUESTS):
            assert httpx.get(f"{server.url}/healthz").status_code == 200
        scrapes = [httpx.get(f"{server.url}/metrics") for _ in range(6)]

    assert {_healthz_count(scrape.text) for scrape in scrapes} == {REQUESTS}
    lines = [json.loads(text) for text in log.read_text(encoding="utf-8").splitlines()]
    served = collections.Counter(
        line["process"]
        for line in lines
        if line["logger"] == "people_api.request" and line["route"] == "/healthz"
    )
    assert sum(served.values()) == REQUESTS
    assert len(served) == 2, f"one worker answered every request: {served}"
    assert any(line["logger"] == "_granian" and line["event"].startswith("Listening at") for line in lines)


def test_client_sends_a_request_id_and_reads_the_metrics(api_client: Client) -> None:
    """The client's x_request_id comes back in X-Request-ID; /metrics is Prometheus text it returns as str."""
    health.sync_or_raise(client=api_client)

    response = metrics.sync_detailed(client=api_client, x_request_id="contract-7")

    assert (response.status_code, response.headers["X-Request-ID"]) == (200, "contract-7")
    assert response.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"
    assert isinstance(response.parsed, str)
    assert "# TYPE people_api_requests_total counter" in response.parsed
