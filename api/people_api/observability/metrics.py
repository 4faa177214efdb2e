"""Prometheus metrics: requests and their latency by method, route and status, and /metrics, which
sums every worker process of the server.

With `metrics_dir` set (`people-api serve` sets PROMETHEUS_MULTIPROC_DIR before granian starts its
workers) each process writes its samples to files there and /metrics adds up every process's files;
without it the process counts alone. prometheus-client picks its storage when first imported, so only
code that runs after that variable is set may import this module.
"""

from __future__ import annotations

from typing import Any

import flask
from prometheus_client import CollectorRegistry, Counter, Histogram, disable_created_metrics, generate_latest
from prometheus_client.exposition import CONTENT_TYPE_PLAIN_0_0_4
from prometheus_client.multiprocess import MultiProcessCollector

from people_api.web.smorest import PeopleBlueprint

CONTENT_TYPE = CONTENT_TYPE_PLAIN_0_0_4
# From 1 ms: most requests here take a few milliseconds, and Prometheus' defaults start at 5.
BUCKETS = (0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
# Any token is a valid HTTP method; counting each one seen would let clients grow the series unboundedly.
METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
LABELS = ("method", "route", "status")


class Metrics:
    """One app's request metrics."""

    def __init__(self, directory: str | None) -> None:
        self._directory = directory
        # The *_created series exist only with one process; without them both modes expose the same.
        disable_created_metrics()  # type: ignore[no-untyped-call]  # prometheus-client leaves it unannotated
        # The app's own registry: several apps in one process (tests) never collide.
        self._registry = CollectorRegistry()
        self._requests = Counter(
            "people_api_requests", "HTTP requests answered.", LABELS, registry=self._registry
        )
        self._seconds = Histogram(
            "people_api_request_duration_seconds",
            "Time from receiving a request to handing its response to the server.",
            LABELS,
            buckets=BUCKETS,
            registry=self._registry,
        )
        # Each label set's two series, found once: prometheus-client's own lookup (label checks and a
        # lock) cost more than counting. As bounded as the labels: methods, route templates, statuses.
        self._series: dict[tuple[str, str, int], tuple[Any, Any]] = {}

    def observe(self, method: str, route: str, status: int, seconds: float) -> None:
        """Count one answered request."""
        labels = (method if method in METHODS else "other", route, status)
        series = self._series.get(labels)
        if series is None:
            named = (labels[0], route, str(status))
            series = self._series[labels] = (self._requests.labels(*named), self._seconds.labels(*named))
        series[0].inc()
        series[1].observe(seconds)

    def exposition(self) -> bytes:
        """Every sample in Prometheus' text format 0.0.4, summed over all processes when there are several."""
        if self._directory is None:
            return generate_latest(self._registry)
        merged = CollectorRegistry()
        MultiProcessCollector(merged, path=self._directory)  # type: ignore[no-untyped-call]
        return generate_latest(merged)


blp = PeopleBlueprint("metrics", __name__, description="Prometheus metrics, for the operator.")


@blp.route("/metrics", methods=["GET"])
@blp.doc(
    operationId="metrics",
    summary="Prometheus metrics of every worker process.",
    responses={
        "200": {
            "description": "people_api_requests_total and people_api_request_duration_seconds, by "
            "method, route template and status, summed over the server's worker processes.",
            "content": {CONTENT_TYPE: {"schema": {"type": "string"}}},
        }
    },
)
def metrics() -> Any:
    """Prometheus metrics of every worker process."""
    collected: Metrics = flask.current_app.extensions["people_api.observability.metrics"]
    return flask.Response(collected.exposition(), content_type=CONTENT_TYPE)
