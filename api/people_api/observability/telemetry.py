"""What each request tells the operator: one log line and one sample of the request metrics.

Both name the route template (`/people/v1/users/<uuid:user_id>`), never the path as sent, so neither a
user id nor a query string reaches them and a fuzzer cannot grow the number of series.
"""

from __future__ import annotations

import logging
import time

import flask

from people_api.observability.metrics import Metrics

UNMATCHED = "<unmatched>"  # the route of a request no rule matched (404, and 405 too)

log = logging.getLogger("people_api.request")


# Hooks rather than the request_started/request_finished signals: blinker's checks cost more than the
# hooks. The app makes `start` its first before_request hook and `finish` its last after_request one,
# so the time spans every other step and the status is final, error handlers included.


def start() -> None:
    """Start the request's clock."""
    flask.g.request_started_at = time.perf_counter()


def finish(response: flask.Response) -> flask.Response:
    """Log the request and count it in the metrics, with its final status and duration."""
    seconds = time.perf_counter() - flask.g.request_started_at
    app = flask.current_app
    request = flask.request
    route = request.url_rule.rule if request.url_rule is not None else UNMATCHED
    metrics: Metrics = app.extensions["people_api.observability.metrics"]
    metrics.observe(request.method, route, response.status_code, seconds)
    log.info(
        "request",
        extra={
            "method": request.method,
            "route": route,
            "status": response.status_code,
            "duration_ms": round(seconds * 1000, 3),
            # Set by the API-key guard: the key's id, never its token; None when the request had none.
            "api_key_id": flask.g.get("api_key_id"),
        },
    )
    return response
