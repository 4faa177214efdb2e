"""Rate limits on /people/v1/..., per API key (per client address without one), with the IETF fields.

flask-limiter counts; this module chooses what is counted and writes the RateLimit and
RateLimit-Policy fields of draft-ietf-httpapi-ratelimit-headers-10 instead of its X-RateLimit-*.
"""

from __future__ import annotations

import math
import time
from typing import cast

import flask
from flask_limiter import Limiter, RateLimitExceeded, RequestLimit
from limits import RateLimitItem, parse_many
from werkzeug.exceptions import TooManyRequests

from people_api.access import redis_guard
from people_api.config import API_PREFIX, Settings


def install(app: flask.Flask, settings: Settings) -> None:
    """Count requests to /people/v1/... against PEOPLE_API_RATE_LIMIT: the limiter's before_request
    hook, its 429 and the RateLimit fields.

    Install it after the before_request hook that sets `flask.g.api_key_id` (authentication): the
    limiter's own hook counts per key only if it runs after that one.
    """
    assert settings.rate_limit is not None
    storage = settings.rate_limit_storage
    limiter = Limiter(
        _client_key,
        application_limits=[settings.rate_limit],  # one budget per client across every operation
        storage_uri=storage,
        # Every wait on Redis bounded, and none while it is known not to answer. limits hands the
        # options to redis.Redis, which takes a pool; flask-limiter types them as strings and numbers.
        storage_options=(
            cast("dict[str, str | int]", {"connection_pool": redis_guard.connection_pool(storage)})
            if storage.startswith(redis_guard.SCHEMES)
            else None
        ),
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
        # Storage gone since it counted this request: the whole window is the longest a retry may wait.
        retry_after = (_seconds_until_reset(breached) if breached is not None else None) or int(
            error.limit.limit.get_expiry()
        )
        detail = f"Too many requests: at most {error.limit.limit}. Retry after {retry_after} s."
        api = app.extensions["people_api.api"]
        response: flask.Response = api.handle_http_exception(TooManyRequests(detail, retry_after=retry_after))
        return response

    def add_fields(response: flask.Response) -> flask.Response:
        evaluated = limiter.current_limits
        if not evaluated:
            return response
        response.headers["RateLimit-Policy"] = policy
        items = []
        for limit in evaluated:
            reset = _seconds_until_reset(limit)
            if reset is None:  # the storage went away after counting this request: no remainder to tell
                return response
            items.append(f'"{_name(limit.limit)}";r={limit.remaining};t={reset}')
        response.headers["RateLimit"] = ", ".join(items)
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


def _seconds_until_reset(limit: RequestLimit) -> int | None:
    """Seconds until `limit`'s window starts again (reading the storage once, then `limit.remaining`
    too), or None when the storage does not answer; never an error."""
    try:
        reset_time = limit.window.reset_time
    except Exception:  # any storage failure; flask-limiter logs the loss of its storage itself
        return None
    # At least 1: Redis keeps whole seconds, and "0" would invite a retry the window still refuses.
    return max(1, math.ceil(reset_time - time.time()))
