"""When a request is sent again, and how long the client waits first."""

from __future__ import annotations

import random
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime

import httpx
from attrs import define

# Methods HTTP defines as idempotent: sending one twice has the effect of sending it once.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# Answers that say the server did nothing and the same request may succeed later: any method.
DID_NOTHING = frozenset({429, 503})
# Answers after which the server may or may not have done the work: only requests safe to repeat.
MAY_HAVE_FAILED = frozenset({500, 502, 504})
# Failures that happen before a request reaches the server: always safe to send again.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# Failures of the client itself (a header httpx refuses, a redirect loop), which a retry would meet again.
NOT_TRANSIENT = (httpx.LocalProtocolError, httpx.UnsupportedProtocol, httpx.TooManyRedirects)


@define(frozen=True)
class Retries:
    """When the client sends a request again, and how long it waits first.

    Only what is safe to repeat is repeated: a request that never reached the server; one answered
    503 or 429 (the server did nothing); and, when repeating it cannot do the work twice, one answered
    500, 502 or 504 or whose connection broke after it was sent. Safe to repeat means an idempotent
    method (GET, PUT, DELETE) or a create with an Idempotency-Key (every create_user carries one while
    retries are on); never a PATCH.

    Waits double from `initial_delay` up to `max_delay`, each shortened by random jitter (to 50-100%)
    so that clients which failed together do not retry together. A longer Retry-After is honoured;
    one above `max_retry_after` ends the retries and its answer is returned at once.

    `Retries(max_retries=0)` turns retrying off. `sleep=False` retries the same way without waiting,
    for tests.
    """

    max_retries: int = 2
    initial_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0
    sleep: bool = True

    def wait(self, retry: int, response: httpx.Response | None = None) -> float | None:
        """Seconds to wait before retry number `retry` (1 is the first), or None to stop retrying."""
        if retry > self.max_retries:
            return None
        step = min(self.initial_delay * 2.0 ** (retry - 1), self.max_delay)
        delay = step * random.uniform(0.5, 1.0)
        asked = retry_after(response) if response is not None else None
        if asked is not None:
            if asked > self.max_retry_after:
                return None
            delay = max(delay, asked)
        return delay if self.sleep else 0.0


def policy(retries: Retries | int) -> Retries:
    """A `Retries` from either a policy or a number of retries (with the default waits)."""
    return retries if isinstance(retries, Retries) else Retries(max_retries=retries)


def retry_after(response: httpx.Response) -> float | None:
    """The response's Retry-After in seconds from now (it may be a number or an HTTP date), if any."""
    value = response.headers.get("Retry-After")
    if value is None:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


def repeatable(request: httpx.Request) -> bool:
    """Whether sending `request` twice has the effect of sending it once."""
    if request.method in IDEMPOTENT_METHODS:
        return True
    return request.method == "POST" and "Idempotency-Key" in request.headers


def retry_reason(request: httpx.Request, outcome: httpx.Response | httpx.RequestError) -> str | None:
    """Why `request` may be sent again after `outcome`, or None if it must not be."""
    if isinstance(outcome, httpx.Response):
        status = outcome.status_code
        if status in DID_NOTHING or (status in MAY_HAVE_FAILED and repeatable(request)):
            return f"{status} {outcome.reason_phrase}".rstrip()
        return None
    if isinstance(outcome, NOT_TRANSIENT):
        return None
    if isinstance(outcome, NOT_SENT) or repeatable(request):
        return f"{type(outcome).__name__}: {outcome}" if str(outcome) else type(outcome).__name__
    return None
