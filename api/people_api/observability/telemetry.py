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


def init_app(app: flask.Flask, metrics: Metrics) -> None:
    """Time every request of `app`; log and count it once its response is final."""
    app.extensions["people_api.observability.metrics"] = metrics
    # The first before_request hook, and the last after_request one (Flask runs those in reverse), so
    # the time spans every other hook and the status is final, error handlers included. Hooks rather
    # than the request_started/request_finished signals: blinker's checks cost more than the hooks.
    app.before_request_funcs.setdefault(None, []).insert(0, _start)
    app.after_request_funcs.setdefault(None, []).insert(0, _finish)


def _start() -> None:
    flask.g.request_started_at = time.perf_counter()


def _finish(response: flask.Response) -> flask.Response:
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
