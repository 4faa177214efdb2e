"""Rate limits on /people/v1/..., per API key (per client address without one), with the IETF fields.

flask-limiter counts; this module chooses what is counted and writes the RateLimit and
RateLimit-Policy fields of draft-ietf-httpapi-ratelimit-headers-10 instead of its X-RateLimit-*.
"""

from __future__ import annotations

import math
import time

import flask
from flask_limiter import Limiter, RateLimitExceeded, RequestLimit
from limits import RateLimitItem, parse_many
from werkzeug.exceptions import TooManyRequests

from people_api.config import API_PREFIX, Settings

# A Redis that does not answer within this many seconds counts as down, rather than stalling requests.
STORAGE_TIMEOUT_SECONDS = 1
_REDIS_OPTIONS: dict[str, str | int] = {
    "socket_timeout": STORAGE_TIMEOUT_SECONDS,
    "socket_connect_timeout": STORAGE_TIMEOUT_SECONDS,
}


def install(app: flask.Flask, settings: Settings) -> None:
    """Count requests to /people/v1/... against PEOPLE_API_RATE_LIMIT: the limiter's before_request
    hook, its 429 and the RateLimit fields.

    Install it after the before_request hook that sets `flask.g.api_key_id` (authentication): the
    limiter's own hook counts per key only if it runs after that one.
    """
    assert settings.rate_limit is not None
    limiter = Limiter(
        _client_key,
        application_limits=[settings.rate_limit],  # one budget per client across every operation
        storage_uri=settings.rate_limit_storage,
        # A copy: flask-limiter adds to the dict it is given.
        storage_options=dict(_REDIS_OPTIONS) if settings.rate_limit_storage.startswith("redis") else None,
        key_prefix=settings.rate_limit_key_prefix,
        strategy="fixed-window",
        headers_enabled=False,  # replaced by the IETF fields below
        # Storage down (Redis unreachable): count in this process's memory until it answers again,
        # and never fail a request because of the limiter.
        in_memory_fallback_enabled=True,
        swallow_errors=True,
    )
    # Its warnings ("storage unreachable - falling back to in-memory storage") go where the app's go.
    limiter.logger = app.logger
    limiter.request_filter(_not_limited)
    limiter.init_app(app)
    policy = _policy_field(parse_many(settings.rate_limit))

    def too_many_requests(error: RateLimitExceeded) -> flask.Response:
        breached = limiter.current_limit
        retry_after = _seconds_until_reset(breached) if breached is not None else 1
        detail = f"Too many requests: at most {error.limit.limit}. Retry after {retry_after} s."
        api = app.extensions["people_api.api"]
        response: flask.Response = api.handle_http_exception(TooManyRequests(detail, retry_after=retry_after))
        return response

    def add_fields(response: flask.Response) -> flask.Response:
        evaluated = limiter.current_limits
        if not evaluated:
            return response
        response.headers["RateLimit-Policy"] = policy
        try:
            response.headers["RateLimit"] = ", ".join(
                f'"{_name(limit.limit)}";r={limit.remaining};t={_seconds_until_reset(limit)}'
                for limit in evaluated
            )
        except Exception:  # the storage went away after counting this request
            app.logger.warning("rate limit storage unreachable: RateLimit field left out", exc_info=True)
        return response

    app.register_error_handler(RateLimitExceeded, too_many_requests)
    app.after_request(add_fields)
    app.extensions["people_api.limiter"] = limiter


def _client_key() -> str:
    key_id = flask.g.get("api_key_id")
    return f"key:{key_id}" if key_id else f"addr:{flask.request.remote_addr or 'unknown'}"


def _not_limited() -> bool:
    # Probes, pages, the spec and docs stay unlimited; so do CORS preflights, which carry no key.
    return flask.request.method == "OPTIONS" or not flask.request.path.startswith(API_PREFIX)


def _name(item: RateLimitItem) -> str:
    """A policy's name: its limit, spelled as an sf-string may hold it ("100-per-1-second")."""
    return f"{item.amount}-per-{item.multiples}-{item.GRANULARITY.name}"


def _policy_field(items: list[RateLimitItem]) -> str:
    return ", ".join(f'"{_name(item)}";q={item.amount};w={item.get_expiry()}' for item in items)


def _seconds_until_reset(limit: RequestLimit) -> int:
    # At least 1: Redis keeps whole seconds, and "0" would invite a retry the window still refuses.
    return max(1, math.ceil(limit.window.reset_time - time.time()))
