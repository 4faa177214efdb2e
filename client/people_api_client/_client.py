"""The client: where the API is, who is calling, and the connection pools every copy of it shares."""

from __future__ import annotations

import copy
import os
import ssl
import sys
from collections.abc import Mapping
from typing import Any, Self, TypedDict, Unpack

import httpx

from ._exceptions import PeopleApiError
from ._pool import Pool, one_side
from ._retries import Retries, policy
from ._sending import TimeoutTypes, send, send_async
from .types import UNSET, Unset

DEFAULT_TIMEOUT = httpx.Timeout(10.0)
DEFAULT_RETRIES = Retries()
# `people-api serve` listens here by default.
DEFAULT_URL = "http://127.0.0.1:5001"
URL_VAR = "PEOPLE_API_URL"
TOKEN_VAR = "PEOPLE_API_TOKEN"


class ClientOptions(TypedDict, total=False):
    """The keyword arguments every client takes besides its address and token."""

    timeout: TimeoutTypes | Unset
    retries: Retries | int
    headers: Mapping[str, str] | None
    cookies: Mapping[str, str] | None
    verify_ssl: str | bool | ssl.SSLContext
    follow_redirects: bool
    httpx_args: Mapping[str, Any] | None
    async_httpx_args: Mapping[str, Any] | None
    raise_on_unexpected_status: bool


def user_agent() -> str:
    """people-api-client/<version> python/<x.y> httpx/<x.y>."""
    from . import __version__

    httpx_version = ".".join(httpx.__version__.split(".")[:2])
    return f"people-api-client/{__version__} python/{sys.version_info[0]}.{sys.version_info[1]} httpx/{httpx_version}"


class Client:
    """A connection to the API, for the functions in `people_api_client.api` to use.

    Arguments (all but ``base_url`` by keyword):

        ``base_url``: where the API is, such as "http://127.0.0.1:5001"; paths are relative to it.
        ``timeout``: seconds (or an ``httpx.Timeout``, or None for none) each attempt may take before
        it raises `APITimeoutError`. Default: 10 seconds.
        ``retries``: a `Retries` policy, or a number of retries; default `Retries()`, two retries.
        ``headers``, ``cookies``: sent with every request.
        ``verify_ssl``: verify the server's certificate (a bool, a CA bundle path or an SSLContext).
        ``follow_redirects``: follow redirects; default False.
        ``httpx_args``: further arguments to ``httpx.Client`` (event hooks, a transport, limits), and to
        ``httpx.AsyncClient`` as far as they work there: sync event hooks run on both sides.
        ``async_httpx_args``: arguments for ``httpx.AsyncClient`` instead of ``httpx_args``.
        ``raise_on_unexpected_status``: accepted for upstream compatibility; an undocumented status
        always raises `UnexpectedStatus`, as a typed result cannot pretend to have understood it.

    `with_options`, `with_timeout`, `with_retries`, `with_headers` and `with_cookies` make copies that
    share this client's connection pools. Use it in a ``with`` (or ``async with``) block to close
    them when done.
    """

    def __init__(
        self,
        base_url: str,
        *,
        timeout: TimeoutTypes | Unset = UNSET,
        retries: Retries | int = DEFAULT_RETRIES,
        headers: Mapping[str, str] | None = None,
        cookies: Mapping[str, str] | None = None,
        verify_ssl: str | bool | ssl.SSLContext = True,
        follow_redirects: bool = False,
        httpx_args: Mapping[str, Any] | None = None,
        async_httpx_args: Mapping[str, Any] | None = None,
        raise_on_unexpected_status: bool = True,
    ) -> None:
        self._base_url: str = base_url
        self._timeout: httpx.Timeout | None | Unset = UNSET if isinstance(timeout, Unset) else _timeout(timeout)
        self.retries: Retries = policy(retries)
        self._headers: dict[str, str] = dict(headers or {})
        self._cookies: dict[str, str] = dict(cookies or {})
        self._verify_ssl: str | bool | ssl.SSLContext = verify_ssl
        self._follow_redirects: bool = follow_redirects
        self._httpx_args: dict[str, Any] = dict(httpx_args or {})
        self._async_httpx_args: dict[str, Any] | None = dict(async_httpx_args) if async_httpx_args is not None else None
        self.raise_on_unexpected_status: bool = raise_on_unexpected_status
        self._pool: Pool = Pool(self)

    @classmethod
    def from_env(cls, **options: Unpack[ClientOptions]) -> Client:
        """A client for the API at PEOPLE_API_URL (default http://127.0.0.1:5001): an
        `AuthenticatedClient` when PEOPLE_API_TOKEN holds a token, else a `Client`. Keyword
        arguments are those of the constructor."""
        token = os.environ.get(TOKEN_VAR, "").strip()
        base_url = os.environ.get(URL_VAR, "").strip() or DEFAULT_URL
        if token:
            return AuthenticatedClient(base_url, token, **options)
        return Client(base_url, **options)

    def __repr__(self) -> str:
        timeout = DEFAULT_TIMEOUT if isinstance(self._timeout, Unset) else self._timeout
        return f"{type(self).__name__}(base_url={self._base_url!r}, timeout={timeout!r}, retries={self.retries!r})"

    # Settings, and copies that share the connection pools

    def _credentials(self) -> dict[str, str]:
        return {}

    def _httpx_kwargs(self, *, is_async: bool) -> dict[str, Any]:
        """The arguments this client's httpx client is made with (the pool's maker calls it)."""
        extra = self._async_httpx_args if is_async and self._async_httpx_args is not None else self._httpx_args
        extra = one_side(extra, is_async=is_async)
        headers = {"User-Agent": user_agent(), **self._headers, **self._credentials(), **extra.pop("headers", {})}
        return {
            "base_url": self._base_url,
            "cookies": self._cookies,
            "timeout": DEFAULT_TIMEOUT if isinstance(self._timeout, Unset) else self._timeout,
            "verify": self._verify_ssl,
            "follow_redirects": self._follow_redirects,
            **extra,
            "headers": headers,
        }

    def _copy(self, **changes: Any) -> Self:
        clone = copy.copy(self)
        for name, value in changes.items():
            setattr(clone, name, value)
        return clone

    def with_options(
        self,
        *,
        timeout: TimeoutTypes | Unset = UNSET,
        retries: Retries | int | Unset = UNSET,
        headers: Mapping[str, str] | None = None,
    ) -> Self:
        """A copy of this client with another timeout, retry policy or more headers, sharing its
        connection pools: ``client.with_options(timeout=2.0, retries=0)``."""
        clone = self._copy()
        if not isinstance(timeout, Unset):
            clone._timeout = _timeout(timeout)
        if not isinstance(retries, Unset):
            clone.retries = policy(retries)
        if headers:
            clone._headers = {**self._headers, **headers}
        return clone

    def with_headers(self, headers: Mapping[str, str]) -> Self:
        """A copy of this client that also sends `headers`, sharing its connection pools."""
        return self._copy(_headers={**self._headers, **headers})

    def with_cookies(self, cookies: Mapping[str, str]) -> Self:
        """A copy of this client that also sends `cookies`, sharing its connection pools."""
        return self._copy(_cookies={**self._cookies, **cookies})

    def with_timeout(self, timeout: TimeoutTypes) -> Self:
        """A copy of this client with another timeout, sharing its connection pools."""
        return self._copy(_timeout=_timeout(timeout))

    def with_retries(self, retries: Retries | int) -> Self:
        """A copy of this client with another retry policy, sharing its connection pools."""
        return self._copy(retries=policy(retries))

    # The httpx clients

    def set_httpx_client(self, client: httpx.Client) -> Self:
        """Send this client's (and its copies') requests through `client`; it replaces the settings
        an httpx client holds (timeout, transport, verification), not the headers or the token."""
        self._pool.sync, self._pool.made_sync = client, False
        return self

    def get_httpx_client(self) -> httpx.Client:
        """The underlying httpx.Client, shared with every copy, made on first use."""
        return self._pool.get_sync()

    def set_async_httpx_client(self, async_client: httpx.AsyncClient) -> Self:
        """`set_httpx_client` for the async side."""
        self._pool.async_, self._pool.made_async = async_client, False
        return self

    def get_async_httpx_client(self) -> httpx.AsyncClient:
        """The underlying httpx.AsyncClient, shared with every copy, made on first use."""
        return self._pool.get_async()

    # Sending

    def _request_args(self, kwargs: Mapping[str, Any], timeout: TimeoutTypes | Unset) -> dict[str, Any]:
        """httpx.Client.build_request arguments: the operation's, with this client's headers, cookies
        and timeout (the call's own timeout first)."""
        args = dict(kwargs)
        args["headers"] = {**self._headers, **self._credentials(), **kwargs.get("headers", {})}
        if self._cookies:
            args["cookies"] = self._cookies
        chosen = self._timeout if isinstance(timeout, Unset) else _timeout(timeout)
        if not isinstance(chosen, Unset):
            args["timeout"] = chosen
        return args

    def request(
        self, *, timeout: TimeoutTypes | Unset = UNSET, retries: Retries | int | Unset = UNSET, **kwargs: Any
    ) -> httpx.Response:
        """Send one request (``httpx.Client.build_request`` arguments), retrying as `retries` allows."""
        chosen = self.retries if isinstance(retries, Unset) else policy(retries)
        return send(self.get_httpx_client(), self._request_args(kwargs, timeout), chosen)

    async def arequest(
        self, *, timeout: TimeoutTypes | Unset = UNSET, retries: Retries | int | Unset = UNSET, **kwargs: Any
    ) -> httpx.Response:
        """`request`, asynchronously."""
        chosen = self.retries if isinstance(retries, Unset) else policy(retries)
        return await send_async(self.get_async_httpx_client(), self._request_args(kwargs, timeout), chosen)

    # Closing: the pools close when the last `with` block using them ends

    def close(self) -> None:
        """Close the sync connection pool (a later call opens a new one)."""
        self._pool.close()

    async def aclose(self) -> None:
        """Close the async connection pool (a later call opens a new one)."""
        await self._pool.aclose()

    def __enter__(self) -> Self:
        self._pool.entered += 1
        return self

    def __exit__(self, *args: object) -> None:
        self._pool.entered -= 1
        if self._pool.entered == 0:
            self.close()

    async def __aenter__(self) -> Self:
        self._pool.aentered += 1
        return self

    async def __aexit__(self, *args: object) -> None:
        self._pool.aentered -= 1
        if self._pool.aentered == 0:
            await self.aclose()


class AuthenticatedClient(Client):
    """A `Client` that sends an API key with every request: ``Authorization: Bearer <token>``.

    ``token``: the key (``people-api keys create`` prints one); positional or by keyword.
    ``prefix``: the scheme before it ("Bearer"; "" for none). ``auth_header_name``: the header
    that carries it ("Authorization"). The token never appears in ``repr`` or ``str``.
    """

    def __init__(
        self,
        base_url: str,
        token: str,
        *,
        prefix: str = "Bearer",
        auth_header_name: str = "Authorization",
        timeout: TimeoutTypes | Unset = UNSET,
        retries: Retries | int = DEFAULT_RETRIES,
        headers: Mapping[str, str] | None = None,
        cookies: Mapping[str, str] | None = None,
        verify_ssl: str | bool | ssl.SSLContext = True,
        follow_redirects: bool = False,
        httpx_args: Mapping[str, Any] | None = None,
        async_httpx_args: Mapping[str, Any] | None = None,
        raise_on_unexpected_status: bool = True,
    ) -> None:
        self.token: str = token
        self.prefix: str = prefix
        self.auth_header_name: str = auth_header_name
        super().__init__(
            base_url,
            timeout=timeout,
            retries=retries,
            headers=headers,
            cookies=cookies,
            verify_ssl=verify_ssl,
            follow_redirects=follow_redirects,
            httpx_args=httpx_args,
            async_httpx_args=async_httpx_args,
            raise_on_unexpected_status=raise_on_unexpected_status,
        )

    @classmethod
    def from_env(cls, **options: Unpack[ClientOptions]) -> AuthenticatedClient:
        """An AuthenticatedClient for PEOPLE_API_URL with the token in PEOPLE_API_TOKEN, which must
        be set; raises `PeopleApiError` if it is not."""
        client = Client.from_env(**options)
        if not isinstance(client, AuthenticatedClient):
            raise PeopleApiError(f"{TOKEN_VAR} is not set: it should hold an API key (people-api keys create).")
        return client

    def __repr__(self) -> str:
        return super().__repr__()[:-1] + ", token='***')"

    def _credentials(self) -> dict[str, str]:
        return {self.auth_header_name: f"{self.prefix} {self.token}" if self.prefix else self.token}


def _timeout(value: TimeoutTypes) -> httpx.Timeout | None:
    return value if value is None or isinstance(value, httpx.Timeout) else httpx.Timeout(value)
