"""Sending one request: an X-Request-ID per attempt, the retries the policy allows, each logged."""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Callable, Mapping
from time import monotonic
from typing import Any

import httpx

from ._exceptions import REQUEST_ID, connection_error, request_id_of
from ._logs import logger
from ._retries import Retries, retry_reason

TimeoutTypes = float | httpx.Timeout | None


class Attempts:
    """The attempts at one request: their ids, what each got, and whether and when to try again."""

    def __init__(self, build: Callable[[], httpx.Request], retries: Retries) -> None:
        self.build = build
        self.retries = retries
        self.call = uuid.uuid4().hex
        self.callers_id = False
        self.number = 0
        self.started = 0.0

    def start(self) -> httpx.Request:
        """The request for the next attempt: a new one each time, with its own id."""
        self.number += 1
        self.request = request = self.build()
        # The caller's own id goes on every attempt; else each attempt gets one of ours, all sharing
        # the call's prefix ("<call>-1", "<call>-2"), so a server's logs tell attempts apart.
        if self.number == 1:
            self.callers_id = REQUEST_ID in request.headers
        if not self.callers_id:
            request.headers[REQUEST_ID] = f"{self.call}-{self.number}"
        self.started = monotonic()
        return request

    def wait_after(self, outcome: httpx.Response | httpx.RequestError) -> float | None:
        """Seconds to wait before the next attempt, or None when `outcome` is the call's last."""
        request = self.request
        if isinstance(outcome, httpx.Response):
            request_id = request_id_of(outcome)
            elapsed = (monotonic() - self.started) * 1000
            logger.debug(
                "%s %s -> %s in %.0f ms (attempt %d, request id %s)",
                request.method,
                request.url,
                f"{outcome.status_code} {outcome.reason_phrase}".rstrip(),
                elapsed,
                self.number,
                request_id,
                extra={"request_id": request_id, "attempt": self.number, "status": outcome.status_code},
            )
        else:
            request_id = request.headers.get(REQUEST_ID)
        reason = retry_reason(request, outcome)
        if reason is None:
            return None
        delay = self.retries.wait(self.number, outcome if isinstance(outcome, httpx.Response) else None)
        if delay is None:
            return None
        logger.info(
            "%s %s: %s on attempt %d of %d (request id %s); retrying in %.2f s",
            request.method,
            request.url,
            reason,
            self.number,
            self.retries.max_retries + 1,
            request_id,
            delay,
            extra={"request_id": request_id, "attempt": self.number, "reason": reason, "wait": delay},
        )
        return delay


def send(client: httpx.Client, args: Mapping[str, Any], retries: Retries) -> httpx.Response:
    """Send the request `args` describes (build_request arguments) as `retries` allows; a failure
    that gets no answer raises APIConnectionError (APITimeoutError for a timeout)."""
    attempts = Attempts(lambda: client.build_request(**args), retries)
    while True:
        request = attempts.start()
        try:
            response = client.send(request)
        except httpx.RequestError as error:
            delay = attempts.wait_after(error)
            if delay is None:
                raise connection_error(error, request) from error
        else:
            delay = attempts.wait_after(response)
            if delay is None:
                return response
        if delay > 0:
            time.sleep(delay)


async def send_async(client: httpx.AsyncClient, args: Mapping[str, Any], retries: Retries) -> httpx.Response:
    """`send`, asynchronously."""
    attempts = Attempts(lambda: client.build_request(**args), retries)
    while True:
        request = attempts.start()
        try:
            response = await client.send(request)
        except httpx.RequestError as error:
            delay = attempts.wait_after(error)
            if delay is None:
                raise connection_error(error, request) from error
        else:
            delay = attempts.wait_after(response)
            if delay is None:
                return response
        if delay > 0:
            await asyncio.sleep(delay)
