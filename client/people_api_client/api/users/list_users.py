from collections.abc import AsyncIterator, Iterator
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.user import User
from ...models.user_list import UserList
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    name: str | Unset = UNSET,
    email: str | Unset = UNSET,
    limit: int | Unset = 100,
    cursor: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
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

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, response: httpx.Response) -> Problem | UserList:
    if response.status_code == 200:
        response_200 = UserList.from_dict(response.json())

        return response_200

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 414:
        response_414 = Problem.from_dict(response.json())

        return response_414

    if response.status_code == 429:
        response_429 = Problem.from_dict(response.json())

        return response_429

    if response.status_code == 431:
        response_431 = Problem.from_dict(response.json())

        return response_431

    if response.status_code == 500:
        response_500 = Problem.from_dict(response.json())

        return response_500

    if response.status_code == 503:
        response_503 = Problem.from_dict(response.json())

        return response_503

    raise errors.UnexpectedStatus(response.status_code, response.content)


def _build_response(*, response: httpx.Response) -> Response[Problem | UserList]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(response=response),
    )


def _success(response: Response[Problem | UserList]) -> UserList:
    parsed = response.parsed
    if isinstance(parsed, Problem):
        raise errors.ProblemError(parsed, response.headers)
    return parsed


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    name: str | Unset = UNSET,
    email: str | Unset = UNSET,
    limit: int | Unset = 100,
    cursor: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> Response[Problem | UserList]:
    """List users in creation order, a page at a time.

     Filters are exact: `name` compares as sent, `email` ignores case. A filter that
    matches nobody gives an empty page, not 404.

    Needs an API key with the `users:read` scope once any key exists.

    Args:
        name (str | Unset):
        email (str | Unset):
        limit (int | Unset):  Default: 100.
        cursor (str | Unset):
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server answers with a status this operation does not document.
        httpx.TransportError: If the request fails after the client's retries; httpx.TimeoutException
            if an attempt takes longer than the client's timeout.

    Returns:
        Response[Problem | UserList]
    """

    kwargs = _get_kwargs(
        name=name,
        email=email,
        limit=limit,
        cursor=cursor,
        x_request_id=x_request_id,
    )

    response = client.request(**kwargs)

    return _build_response(response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    name: str | Unset = UNSET,
    email: str | Unset = UNSET,
    limit: int | Unset = 100,
    cursor: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> Problem | UserList:
    """List users in creation order, a page at a time.

     Filters are exact: `name` compares as sent, `email` ignores case. A filter that
    matches nobody gives an empty page, not 404.

    Needs an API key with the `users:read` scope once any key exists.

    Args:
        name (str | Unset):
        email (str | Unset):
        limit (int | Unset):  Default: 100.
        cursor (str | Unset):
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server answers with a status this operation does not document.
        httpx.TransportError: If the request fails after the client's retries; httpx.TimeoutException
            if an attempt takes longer than the client's timeout.

    Returns:
        Problem | UserList
    """

    return sync_detailed(
        client=client,
        name=name,
        email=email,
        limit=limit,
        cursor=cursor,
        x_request_id=x_request_id,
    ).parsed


def sync_or_raise(
    *,
    client: AuthenticatedClient | Client,
    name: str | Unset = UNSET,
    email: str | Unset = UNSET,
    limit: int | Unset = 100,
    cursor: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> UserList:
    """List users in creation order, a page at a time.

     Filters are exact: `name` compares as sent, `email` ignores case. A filter that
    matches nobody gives an empty page, not 404.

    Needs an API key with the `users:read` scope once any key exists.

    Args:
        name (str | Unset):
        email (str | Unset):
        limit (int | Unset):  Default: 100.
        cursor (str | Unset):
        x_request_id (str | Unset):

    Raises:
        errors.ProblemError: If the server answers with a documented problem (an error status).
        errors.UnexpectedStatus: If the server answers with a status this operation does not document.
        httpx.TransportError: If the request fails after the client's retries; httpx.TimeoutException
            if an attempt takes longer than the client's timeout.

    Returns:
        UserList
    """

    return _success(
        sync_detailed(
            client=client,
            name=name,
            email=email,
            limit=limit,
            cursor=cursor,
            x_request_id=x_request_id,
        )
    )


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    name: str | Unset = UNSET,
    email: str | Unset = UNSET,
    limit: int | Unset = 100,
    cursor: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> Response[Problem | UserList]:
    """List users in creation order, a page at a time.

     Filters are exact: `name` compares as sent, `email` ignores case. A filter that
    matches nobody gives an empty page, not 404.

    Needs an API key with the `users:read` scope once any key exists.

    Args:
        name (str | Unset):
        email (str | Unset):
        limit (int | Unset):  Default: 100.
        cursor (str | Unset):
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server answers with a status this operation does not document.
        httpx.TransportError: If the request fails after the client's retries; httpx.TimeoutException
            if an attempt takes longer than the client's timeout.

    Returns:
        Response[Problem | UserList]
    """

    kwargs = _get_kwargs(
        name=name,
        email=email,
        limit=limit,
        cursor=cursor,
        x_request_id=x_request_id,
    )

    response = await client.arequest(**kwargs)

    return _build_response(response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    name: str | Unset = UNSET,
    email: str | Unset = UNSET,
    limit: int | Unset = 100,
    cursor: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> Problem | UserList:
    """List users in creation order, a page at a time.

     Filters are exact: `name` compares as sent, `email` ignores case. A filter that
    matches nobody gives an empty page, not 404.

    Needs an API key with the `users:read` scope once any key exists.

    Args:
        name (str | Unset):
        email (str | Unset):
        limit (int | Unset):  Default: 100.
        cursor (str | Unset):
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server answers with a status this operation does not document.
        httpx.TransportError: If the request fails after the client's retries; httpx.TimeoutException
            if an attempt takes longer than the client's timeout.

    Returns:
        Problem | UserList
    """

    return (
        await asyncio_detailed(
            client=client,
            name=name,
            email=email,
            limit=limit,
            cursor=cursor,
            x_request_id=x_request_id,
        )
    ).parsed


async def asyncio_or_raise(
    *,
    client: AuthenticatedClient | Client,
    name: str | Unset = UNSET,
    email: str | Unset = UNSET,
    limit: int | Unset = 100,
    cursor: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> UserList:
    """List users in creation order, a page at a time.

     Filters are exact: `name` compares as sent, `email` ignores case. A filter that
    matches nobody gives an empty page, not 404.

    Needs an API key with the `users:read` scope once any key exists.

    Args:
        name (str | Unset):
        email (str | Unset):
        limit (int | Unset):  Default: 100.
        cursor (str | Unset):
        x_request_id (str | Unset):

    Raises:
        errors.ProblemError: If the server answers with a documented problem (an error status).
        errors.UnexpectedStatus: If the server answers with a status this operation does not document.
        httpx.TransportError: If the request fails after the client's retries; httpx.TimeoutException
            if an attempt takes longer than the client's timeout.

    Returns:
        UserList
    """

    return _success(
        await asyncio_detailed(
            client=client,
            name=name,
            email=email,
            limit=limit,
            cursor=cursor,
            x_request_id=x_request_id,
        )
    )


def sync_all(
    *,
    client: AuthenticatedClient | Client,
    name: str | Unset = UNSET,
    email: str | Unset = UNSET,
    limit: int | Unset = 100,
    x_request_id: str | Unset = UNSET,
) -> Iterator[User]:
    """Every User across all pages, fetching each page as the iteration reaches it.

    Takes the same filters as `sync`; `limit` is the page size. A page answered with a
    problem raises errors.ProblemError, and any other status errors.UnexpectedStatus.
    """

    cursor: str | Unset = UNSET
    while True:
        page = sync_or_raise(
            client=client,
            name=name,
            email=email,
            limit=limit,
            x_request_id=x_request_id,
            cursor=cursor,
        )
        yield from page.users
        if not isinstance(page.next_cursor, str):
            return
        cursor = page.next_cursor


async def asyncio_all(
    *,
    client: AuthenticatedClient | Client,
    name: str | Unset = UNSET,
    email: str | Unset = UNSET,
    limit: int | Unset = 100,
    x_request_id: str | Unset = UNSET,
) -> AsyncIterator[User]:
    """Every User across all pages, fetching each page as the iteration reaches it.

    Takes the same filters as `sync`; `limit` is the page size. A page answered with a
    problem raises errors.ProblemError, and any other status errors.UnexpectedStatus.
    """

    cursor: str | Unset = UNSET
    while True:
        page = await asyncio_or_raise(
            client=client,
            name=name,
            email=email,
            limit=limit,
            x_request_id=x_request_id,
            cursor=cursor,
        )
        for item in page.users:
            yield item
        if not isinstance(page.next_cursor, str):
            return
        cursor = page.next_cursor
