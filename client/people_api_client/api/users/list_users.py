from typing import Any

import httpx

from ... import _operations
from ..._paging import AsyncPager, SyncPager
from ..._sending import TimeoutTypes
from ...client import AuthenticatedClient, Client, Retries
from ...models.problem import Problem
from ...models.user import User
from ...models.user_list import UserList
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    name: str | None | Unset = UNSET,
    email: str | None | Unset = UNSET,
    limit: int | None | Unset = 100,
    cursor: str | None | Unset = UNSET,
    x_request_id: str | None | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(x_request_id, Unset):
        headers["X-Request-ID"] = x_request_id

    params: dict[str, Any] = {}

    params["name"] = name

    params["email"] = email

    params["limit"] = limit

    params["cursor"] = cursor

    params = {k: v for k, v in params.items() if v is not UNSET and v is not None}

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/people/v1/users",
        "params": params,
    }

    # A header given as None is not sent.
    _kwargs["headers"] = {name: value for name, value in headers.items() if value is not None}
    return _kwargs


def _parse_response(response: httpx.Response) -> Problem | UserList:
    if response.status_code == 200:
        response_200 = UserList.from_dict(response.json())

        return response_200

    if response.status_code in {400, 401, 403, 429, 500, 503}:
        return _operations.problem(response)

    raise _operations.unexpected(response)


def _success(response: Response[Problem | UserList]) -> UserList:
    parsed = response.parsed
    if isinstance(parsed, Problem):
        raise _operations.problem_error(parsed, response)
    return parsed


def _sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    name: str | None | Unset = UNSET,
    email: str | None | Unset = UNSET,
    limit: int | None | Unset = 100,
    cursor: str | None | Unset = UNSET,
    x_request_id: str | None | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
    retries: Retries | int | Unset = UNSET,
) -> Response[Problem | UserList]:
    kwargs = _get_kwargs(
        name=name,
        email=email,
        limit=limit,
        cursor=cursor,
        x_request_id=x_request_id,
    )
    response = client.request(timeout=timeout, retries=retries, **kwargs)
    return _operations.build(response, _parse_response)


async def _asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    name: str | None | Unset = UNSET,
    email: str | None | Unset = UNSET,
    limit: int | None | Unset = 100,
    cursor: str | None | Unset = UNSET,
    x_request_id: str | None | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
    retries: Retries | int | Unset = UNSET,
) -> Response[Problem | UserList]:
    kwargs = _get_kwargs(
        name=name,
        email=email,
        limit=limit,
        cursor=cursor,
        x_request_id=x_request_id,
    )
    response = await client.arequest(timeout=timeout, retries=retries, **kwargs)
    return _operations.build(response, _parse_response)


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    name: str | None | Unset = UNSET,
    email: str | None | Unset = UNSET,
    limit: int | None | Unset = 100,
    cursor: str | None | Unset = UNSET,
    x_request_id: str | None | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
    retries: Retries | int | Unset = UNSET,
) -> Response[Problem | UserList]:
    """List users in creation order, a page at a time.

     Filters are exact: `name` compares as sent, `email` by mailbox, as uniqueness does.
    A filter that matches nobody gives an empty page, not 404.

    Needs an API key with the `users:read` scope once any key exists.

    Args:
        name (str | Unset):
        email (str | Unset):
        limit (int | Unset):  Default: 100.
        cursor (str | Unset):
        x_request_id (str | Unset):
        timeout: seconds (or an httpx.Timeout, or None for none) each attempt of this call may take,
            instead of the client's.
        retries: a Retries policy (or a number of retries) for this call, instead of the client's.

    Raises:
        errors.UnexpectedStatus: If the server answers with a status this operation does not document,
            or a documented success whose body is not the documented one.
        errors.APIConnectionError: If no answer came, after the client's retries;
            errors.APITimeoutError if an attempt took longer than its timeout.

    Returns:
        Response[Problem | UserList]
    """

    return _sync_detailed(
        client=client,
        name=name,
        email=email,
        limit=limit,
        cursor=cursor,
        x_request_id=x_request_id,
        timeout=timeout,
        retries=retries,
    )


def sync(
    *,
    client: AuthenticatedClient | Client,
    name: str | None | Unset = UNSET,
    email: str | None | Unset = UNSET,
    limit: int | None | Unset = 100,
    cursor: str | None | Unset = UNSET,
    x_request_id: str | None | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
    retries: Retries | int | Unset = UNSET,
) -> Problem | UserList:
    """List users in creation order, a page at a time.

     Filters are exact: `name` compares as sent, `email` by mailbox, as uniqueness does.
    A filter that matches nobody gives an empty page, not 404.

    Needs an API key with the `users:read` scope once any key exists.

    Args:
        name (str | Unset):
        email (str | Unset):
        limit (int | Unset):  Default: 100.
        cursor (str | Unset):
        x_request_id (str | Unset):
        timeout: seconds (or an httpx.Timeout, or None for none) each attempt of this call may take,
            instead of the client's.
        retries: a Retries policy (or a number of retries) for this call, instead of the client's.

    Raises:
        errors.UnexpectedStatus: If the server answers with a status this operation does not document,
            or a documented success whose body is not the documented one.
        errors.APIConnectionError: If no answer came, after the client's retries;
            errors.APITimeoutError if an attempt took longer than its timeout.

    Returns:
        Problem | UserList
    """

    return _sync_detailed(
        client=client,
        name=name,
        email=email,
        limit=limit,
        cursor=cursor,
        x_request_id=x_request_id,
        timeout=timeout,
        retries=retries,
    ).parsed


def sync_or_raise(
    *,
    client: AuthenticatedClient | Client,
    name: str | None | Unset = UNSET,
    email: str | None | Unset = UNSET,
    limit: int | None | Unset = 100,
    cursor: str | None | Unset = UNSET,
    x_request_id: str | None | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
    retries: Retries | int | Unset = UNSET,
) -> UserList:
    """List users in creation order, a page at a time.

     Filters are exact: `name` compares as sent, `email` by mailbox, as uniqueness does.
    A filter that matches nobody gives an empty page, not 404.

    Needs an API key with the `users:read` scope once any key exists.

    Args:
        name (str | Unset):
        email (str | Unset):
        limit (int | Unset):  Default: 100.
        cursor (str | Unset):
        x_request_id (str | Unset):
        timeout: seconds (or an httpx.Timeout, or None for none) each attempt of this call may take,
            instead of the client's.
        retries: a Retries policy (or a number of retries) for this call, instead of the client's.

    Raises:
        errors.ProblemError: If the server answers with an error status the operation documents; the
            class names the status (errors.NotFoundError for a 404, ...).
        errors.UnexpectedStatus: If the server answers with a status this operation does not document,
            or a documented success whose body is not the documented one.
        errors.APIConnectionError: If no answer came, after the client's retries;
            errors.APITimeoutError if an attempt took longer than its timeout.

    Returns:
        UserList
    """

    return _success(
        _sync_detailed(
            client=client,
            name=name,
            email=email,
            limit=limit,
            cursor=cursor,
            x_request_id=x_request_id,
            timeout=timeout,
            retries=retries,
        )
    )


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    name: str | None | Unset = UNSET,
    email: str | None | Unset = UNSET,
    limit: int | None | Unset = 100,
    cursor: str | None | Unset = UNSET,
    x_request_id: str | None | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
    retries: Retries | int | Unset = UNSET,
) -> Response[Problem | UserList]:
    """List users in creation order, a page at a time.

     Filters are exact: `name` compares as sent, `email` by mailbox, as uniqueness does.
    A filter that matches nobody gives an empty page, not 404.

    Needs an API key with the `users:read` scope once any key exists.

    Args:
        name (str | Unset):
        email (str | Unset):
        limit (int | Unset):  Default: 100.
        cursor (str | Unset):
        x_request_id (str | Unset):
        timeout: seconds (or an httpx.Timeout, or None for none) each attempt of this call may take,
            instead of the client's.
        retries: a Retries policy (or a number of retries) for this call, instead of the client's.

    Raises:
        errors.UnexpectedStatus: If the server answers with a status this operation does not document,
            or a documented success whose body is not the documented one.
        errors.APIConnectionError: If no answer came, after the client's retries;
            errors.APITimeoutError if an attempt took longer than its timeout.

    Returns:
        Response[Problem | UserList]
    """

    return await _asyncio_detailed(
        client=client,
        name=name,
        email=email,
        limit=limit,
        cursor=cursor,
        x_request_id=x_request_id,
        timeout=timeout,
        retries=retries,
    )


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    name: str | None | Unset = UNSET,
    email: str | None | Unset = UNSET,
    limit: int | None | Unset = 100,
    cursor: str | None | Unset = UNSET,
    x_request_id: str | None | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
    retries: Retries | int | Unset = UNSET,
) -> Problem | UserList:
    """List users in creation order, a page at a time.

     Filters are exact: `name` compares as sent, `email` by mailbox, as uniqueness does.
    A filter that matches nobody gives an empty page, not 404.

    Needs an API key with the `users:read` scope once any key exists.

    Args:
        name (str | Unset):
        email (str | Unset):
        limit (int | Unset):  Default: 100.
        cursor (str | Unset):
        x_request_id (str | Unset):
        timeout: seconds (or an httpx.Timeout, or None for none) each attempt of this call may take,
            instead of the client's.
        retries: a Retries policy (or a number of retries) for this call, instead of the client's.

    Raises:
        errors.UnexpectedStatus: If the server answers with a status this operation does not document,
            or a documented success whose body is not the documented one.
        errors.APIConnectionError: If no answer came, after the client's retries;
            errors.APITimeoutError if an attempt took longer than its timeout.

    Returns:
        Problem | UserList
    """

    return (
        await _asyncio_detailed(
            client=client,
            name=name,
            email=email,
            limit=limit,
            cursor=cursor,
            x_request_id=x_request_id,
            timeout=timeout,
            retries=retries,
        )
    ).parsed


async def asyncio_or_raise(
    *,
    client: AuthenticatedClient | Client,
    name: str | None | Unset = UNSET,
    email: str | None | Unset = UNSET,
    limit: int | None | Unset = 100,
    cursor: str | None | Unset = UNSET,
    x_request_id: str | None | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
    retries: Retries | int | Unset = UNSET,
) -> UserList:
    """List users in creation order, a page at a time.

     Filters are exact: `name` compares as sent, `email` by mailbox, as uniqueness does.
    A filter that matches nobody gives an empty page, not 404.

    Needs an API key with the `users:read` scope once any key exists.

    Args:
        name (str | Unset):
        email (str | Unset):
        limit (int | Unset):  Default: 100.
        cursor (str | Unset):
        x_request_id (str | Unset):
        timeout: seconds (or an httpx.Timeout, or None for none) each attempt of this call may take,
            instead of the client's.
        retries: a Retries policy (or a number of retries) for this call, instead of the client's.

    Raises:
        errors.ProblemError: If the server answers with an error status the operation documents; the
            class names the status (errors.NotFoundError for a 404, ...).
        errors.UnexpectedStatus: If the server answers with a status this operation does not document,
            or a documented success whose body is not the documented one.
        errors.APIConnectionError: If no answer came, after the client's retries;
            errors.APITimeoutError if an attempt took longer than its timeout.

    Returns:
        UserList
    """

    return _success(
        await _asyncio_detailed(
            client=client,
            name=name,
            email=email,
            limit=limit,
            cursor=cursor,
            x_request_id=x_request_id,
            timeout=timeout,
            retries=retries,
        )
    )


def sync_all(
    *,
    client: AuthenticatedClient | Client,
    name: str | None | Unset = UNSET,
    email: str | None | Unset = UNSET,
    limit: int | None | Unset = 100,
    cursor: str | None | Unset = UNSET,
    x_request_id: str | None | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
    retries: Retries | int | Unset = UNSET,
) -> SyncPager[User]:
    """Every User across all pages, fetching each page as the iteration reaches it.

    Takes the same arguments as `sync`; `limit` is the page size and `cursor` the page to start at
    (the first when left out). The SyncPager it returns tells where it is: after a failure, its
    `cursor` starts a new walk at the page that failed. A page answered with an error raises the
    errors.ProblemError subclass its status names, as `sync_or_raise` does.
    """

    def fetch(page_cursor: str | None) -> tuple[list[User], str | None]:
        cursor = page_cursor
        page = sync_or_raise(
            client=client,
            name=name,
            email=email,
            limit=limit,
            cursor=cursor,
            x_request_id=x_request_id,
            timeout=timeout,
            retries=retries,
        )
        return page.users, page.next_cursor

    return SyncPager(fetch, None if isinstance(cursor, Unset) else cursor)


def asyncio_all(
    *,
    client: AuthenticatedClient | Client,
    name: str | None | Unset = UNSET,
    email: str | None | Unset = UNSET,
    limit: int | None | Unset = 100,
    cursor: str | None | Unset = UNSET,
    x_request_id: str | None | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
    retries: Retries | int | Unset = UNSET,
) -> AsyncPager[User]:
    """Every User across all pages, fetching each page as the iteration reaches it.

    Takes the same arguments as `sync`; `limit` is the page size and `cursor` the page to start at
    (the first when left out). The AsyncPager it returns tells where it is: after a failure, its
    `cursor` starts a new walk at the page that failed. A page answered with an error raises the
    errors.ProblemError subclass its status names, as `sync_or_raise` does.
    """

    async def fetch(page_cursor: str | None) -> tuple[list[User], str | None]:
        cursor = page_cursor
        page = await asyncio_or_raise(
            client=client,
            name=name,
            email=email,
            limit=limit,
            cursor=cursor,
            x_request_id=x_request_id,
            timeout=timeout,
            retries=retries,
        )
        return page.users, page.next_cursor

    return AsyncPager(fetch, None if isinstance(cursor, Unset) else cursor)
