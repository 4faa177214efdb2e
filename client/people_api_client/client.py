"""The client: where the API is, how long to wait for it, and when to try a request again."""

import asyncio
import random
import ssl
import time
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from typing import Any, Self

import httpx
from attrs import define, evolve, field

# Methods HTTP defines as idempotent: sending one twice has the effect of sending it once.
IDEMPOTENT_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE"})
# Answers that say the server did nothing and the same request may succeed later.
RETRY_STATUSES = frozenset({429, 503})
# Failures that happen before a request reaches the server: always safe to send again.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
# Failures of the client itself, which the same request would meet again.
NOT_TRANSIENT = (httpx.LocalProtocolError, httpx.UnsupportedProtocol)
DEFAULT_TIMEOUT = httpx.Timeout(10.0)


@define(frozen=True)
class Retries:
    """When the client sends a request again, and how long it waits first.

    Only what is safe to repeat is repeated: a request that never reached the server; one answered
    503 or 429 (the server did nothing); and one whose connection broke after it was sent, when
    repeating it cannot do the work twice: an idempotent method (GET, PUT, DELETE), or a request
    with an Idempotency-Key (every create_user carries one while retries are on). A retried DELETE
    or conditional write whose first attempt did land answers 404 or 412, as a second one would.

    Waits double from `initial_delay` up to `max_delay`, each shortened by random jitter (to 50-100%)
    so that clients which failed together do not retry together. A longer Retry-After is honoured;
    one above `max_retry_after` ends the retries and its answer is returned at once.
    `Retries(max_retries=0)` turns retrying off.
    """

    max_retries: int = 2
    initial_delay: float = 0.5
    max_delay: float = 8.0
    max_retry_after: float = 60.0

    def wait(self, retry: int, response: httpx.Response | None = None) -> float | None:
        """Seconds to wait before retry number `retry` (1 is the first), or None to stop retrying."""
        if retry > self.max_retries:
            return None
        step = min(self.initial_delay * 2.0 ** (retry - 1), self.max_delay)
        delay = step * random.uniform(0.5, 1.0)
        asked = retry_after(response) if response is not None else None
        if asked is None:
            return delay
        return max(delay, asked) if asked <= self.max_retry_after else None


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


def _repeatable(request: httpx.Request, error: httpx.TransportError) -> bool:
    """Whether sending `request` again after `error` cannot do its work twice."""
    if isinstance(error, NOT_TRANSIENT):
        return False
    if isinstance(error, NOT_SENT):
        return True
    return request.method in IDEMPOTENT_METHODS or "Idempotency-Key" in request.headers


@define
class Client:
    """A connection to the API, for the functions in `api` to use.

    Keyword arguments (the first may also be positional):

        ``base_url``: where the API is, such as "http://127.0.0.1:5001"; paths are relative to it.

        ``timeout``: an ``httpx.Timeout`` (or None for none); each attempt of a request that takes
        longer raises ``httpx.TimeoutException``. Default: 10 seconds.

        ``retries``: a `Retries` policy; default `Retries()`, two retries. ``Retries(max_retries=0)``
        turns retrying off.

        ``headers``: headers sent with every request. ``cookies``: cookies sent with every request.

        ``verify_ssl``: verify the server's certificate (a bool, a CA bundle path or an SSLContext).

        ``follow_redirects``: follow redirects; default False.

        ``httpx_args``: further arguments to the ``httpx.Client`` and ``httpx.AsyncClient``
        constructors, such as ``event_hooks`` or ``transport``.

    Use it in a ``with`` (or ``async with``) block to close its connections when done.
    """

    _base_url: str = field(alias="base_url")
    retries: Retries = field(factory=Retries, kw_only=True)
    _cookies: dict[str, str] = field(factory=dict, kw_only=True, alias="cookies")
    _headers: dict[str, str] = field(factory=dict, kw_only=True, alias="headers")
    _timeout: httpx.Timeout | None = field(default=DEFAULT_TIMEOUT, kw_only=True, alias="timeout")
    _verify_ssl: str | bool | ssl.SSLContext = field(default=True, kw_only=True, alias="verify_ssl")
    _follow_redirects: bool = field(default=False, kw_only=True, alias="follow_redirects")
    _httpx_args: dict[str, Any] = field(factory=dict, kw_only=True, alias="httpx_args")
    _client: httpx.Client | None = field(default=None, init=False)
    _async_client: httpx.AsyncClient | None = field(default=None, init=False)

    def _all_headers(self) -> dict[str, str]:
        return dict(self._headers)

    def with_headers(self, headers: dict[str, str]) -> Self:
        """A new client like this one that also sends `headers`."""
        return evolve(self, headers={**self._headers, **headers})

    def with_cookies(self, cookies: dict[str, str]) -> Self:
        """A new client like this one that also sends `cookies`."""
        return evolve(self, cookies={**self._cookies, **cookies})

    def with_timeout(self, timeout: httpx.Timeout | None) -> Self:
        """A new client like this one with another timeout."""
        return evolve(self, timeout=timeout)

    def with_retries(self, retries: Retries) -> Self:
        """A new client like this one with another retry policy."""
        return evolve(self, retries=retries)

    def set_httpx_client(self, client: httpx.Client) -> Self:
        """Use `client` for requests; it replaces every other setting except `retries`."""
        self._client = client
        return self

    def get_httpx_client(self) -> httpx.Client:
        """The underlying httpx.Client, made on first use."""
        if self._client is None:
            self._client = httpx.Client(
                base_url=self._base_url,
                cookies=self._cookies,
                headers=self._all_headers(),
                timeout=self._timeout,
                verify=self._verify_ssl,
                follow_redirects=self._follow_redirects,
                **self._httpx_args,
            )
        return self._client

    def set_async_httpx_client(self, async_client: httpx.AsyncClient) -> Self:
        """Use `async_client` for async requests; it replaces every other setting except `retries`."""
        self._async_client = async_client
        return self

    def get_async_httpx_client(self) -> httpx.AsyncClient:
        """The underlying httpx.AsyncClient, made on first use."""
        if self._async_client is None:
            self._async_client = httpx.AsyncClient(
                base_url=self._base_url,
                cookies=self._cookies,
                headers=self._all_headers(),
                timeout=self._timeout,
                verify=self._verify_ssl,
                follow_redirects=self._follow_redirects,
                **self._httpx_args,
            )
        return self._async_client

    def request(self, **kwargs: Any) -> httpx.Response:
        """Send one request (``httpx.Client.build_request`` arguments), retrying as `retries` allows."""
        client = self.get_httpx_client()
        request = client.build_request(**kwargs)
        retry = 0
        while True:
            retry += 1
            try:
                response = client.send(request)
            except httpx.TransportError as error:
                delay = self.retries.wait(retry) if _repeatable(request, error) else None
                if delay is None:
                    raise
            else:
                if response.status_code not in RETRY_STATUSES:
                    return response
                delay = self.retries.wait(retry, response)
                if delay is None:
                    return response
            time.sleep(delay)

    async def arequest(self, **kwargs: Any) -> httpx.Response:
        """`request`, asynchronously."""
        client = self.get_async_httpx_client()
        request = client.build_request(**kwargs)
        retry = 0
        while True:
            retry += 1
            try:
                response = await client.send(request)
            except httpx.TransportError as error:
                delay = self.retries.wait(retry) if _repeatable(request, error) else None
                if delay is None:
                    raise
            else:
                if response.status_code not in RETRY_STATUSES:
                    return response
                delay = self.retries.wait(retry, response)
                if delay is None:
                    return response
            await asyncio.sleep(delay)

    def __enter__(self) -> Self:
        """Open the underlying httpx.Client; you cannot enter twice (see httpx)."""
        self.get_httpx_client().__enter__()
        return self

    def __exit__(self, *args: Any, **kwargs: Any) -> None:
        """Close the underlying httpx.Client."""
        self.get_httpx_client().__exit__(*args, **kwargs)

    async def __aenter__(self) -> Self:
        """Open the underlying httpx.AsyncClient; you cannot enter twice (see httpx)."""
        await self.get_async_httpx_client().__aenter__()
        return self

    async def __aexit__(self, *args: Any, **kwargs: Any) -> None:
        """Close the underlying httpx.AsyncClient."""
        await self.get_async_httpx_client().__aexit__(*args, **kwargs)


@define
class AuthenticatedClient(Client):
    """A `Client` that sends a token with every request: ``Authorization: Bearer <token>`` by default.

    ``token``: the token. ``prefix``: the scheme before it ("Bearer"; "" for none).
    ``auth_header_name``: the header that carries it ("Authorization").
    """

    token: str = field(kw_only=True)
    prefix: str = field(default="Bearer", kw_only=True)
    auth_header_name: str = field(default="Authorization", kw_only=True)

    def _all_headers(self) -> dict[str, str]:
        credential = f"{self.prefix} {self.token}" if self.prefix else self.token
        return {**self._headers, self.auth_header_name: credential}
