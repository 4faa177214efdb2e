"""/metrics in one process: requests and latency by method, route template and status."""

from __future__ import annotations

import uuid

from flask.testing import FlaskClient
from prometheus_client.parser import text_string_to_metric_families
from wire import USERS

from people_api.app import create_app
from people_api.config import Settings

REQUESTS = "people_api_requests"
SECONDS = "people_api_request_duration_seconds"


def _samples(client: FlaskClient) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    """Every sample /metrics shows, by name and sorted labels."""
    text = client.get("/metrics").get_data(as_text=True)
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def _labels(method: str, route: str, status: int) -> tuple[tuple[str, str], ...]:
    return tuple(sorted({"method": method, "route": route, "status": str(status)}.items()))


def test_metrics_are_prometheus_text_format_0_0_4(client: FlaskClient) -> None:
    """/metrics answers 200 in the text exposition format Prometheus scrapes by default."""
    response = client.get("/metrics")

    assert response.status_code == 200
    assert response.headers["Content-Type"] == "text/plain; version=0.0.4; charset=utf-8"


def test_requests_are_counted_by_method_route_template_and_status(client: FlaskClient) -> None:
    """Three lookups of different unknown users count as three under one route template and 404."""
    for _ in range(3):
        client.get(f"{USERS}/{uuid.uuid4()}")
    client.get("/healthz")

    samples = _samples(client)

    assert samples[f"{REQUESTS}_total", _labels("GET", f"{USERS}/<uuid:user_id>", 404)] == 3
    assert samples[f"{REQUESTS}_total", _labels("GET", "/healthz", 200)] == 1


def test_latency_histogram_counts_every_request(client: FlaskClient) -> None:
    """The histogram has one observation per request, every one within its +Inf bucket."""
    for _ in range(2):
        client.get("/healthz")

    samples = _samples(client)

    labels = _labels("GET", "/healthz", 200)
    assert samples[f"{SECONDS}_count", labels] == 2
    assert samples[f"{SECONDS}_bucket", (("le", "+Inf"), *labels)] == 2
    assert samples[f"{SECONDS}_sum", labels] > 0


def test_unmatched_paths_and_unknown_methods_share_bounded_labels(client: FlaskClient) -> None:
    """Random paths all count under `<unmatched>`, and methods outside HTTP's usual ones under `other`,
    so a scanner cannot grow the number of series."""
    for path in ("/a", "/b/c", "/wp-login.php"):
        client.get(path)
    client.open("/healthz", method="BREW")

    samples = _samples(client)

    assert samples[f"{REQUESTS}_total", _labels("GET", "<unmatched>", 404)] == 3
    assert samples[f"{REQUESTS}_total", _labels("other", "<unmatched>", 405)] == 1


def test_each_app_counts_only_its_own_requests(client: FlaskClient, settings: Settings) -> None:
    """Two apps in one process (as in tests) keep separate counts."""
    other = create_app(settings)
    client.get("/healthz")

    try:
        samples = _samples(other.test_client())
    finally:
        other.extensions["people_api.engine"].dispose()  # /metrics asked it whether API keys exist

    assert (f"{REQUESTS}_total", _labels("GET", "/healthz", 200)) not in samples
