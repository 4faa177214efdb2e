from http import HTTPStatus
from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.user import User
from ...types import UNSET, Response, Unset


def _get_kwargs(
    user_id: UUID,
    *,
    if_none_match: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(if_none_match, Unset):
        headers["If-None-Match"] = if_none_match

    if not isinstance(x_request_id, Unset):
        headers["X-Request-ID"] = x_request_id

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/people/v1/users/{user_id}".format(
            user_id=quote(str(user_id), safe=""),
        ),
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, response: httpx.Response) -> Problem | User | None:
    if response.status_code == 200:
        response_200 = User.from_dict(response.json())

        return response_200

    if response.status_code == 304:
        return None

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 404:
        response_404 = Problem.from_dict(response.json())

        return response_404

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


def _build_response(*, response: httpx.Response) -> Response[Problem | User | None]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(response=response),
    )


def _success(response: Response[Problem | User | None]) -> User | None:
    parsed = response.parsed
    if isinstance(parsed, Problem):
        raise errors.ProblemError(parsed, response.headers)
    return parsed


def sync_detailed(
    user_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    if_none_match: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> Response[Problem | User | None]:
    """Get a user by id.

     Needs an API key with the `users:read` scope once any key exists.

    Args:
        user_id (UUID):
        if_none_match (str | Unset):  Example: "1".
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server answers with a status this operation does not document.
        httpx.TransportError: If the request fails after the client's retries; httpx.TimeoutException
            if an attempt takes longer than the client's timeout.

    Returns:
        Response[Problem | User | None]
    """

    kwargs = _get_kwargs(
        user_id=user_id,
        if_none_match=if_none_match,
        x_request_id=x_request_id,
    )

    response = client.request(**kwargs)

    return _build_response(response=response)


def sync(
    user_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    if_none_match: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> Problem | User | None:
    """Get a user by id.

     Needs an API key with the `users:read` scope once any key exists.

    Args:
        user_id (UUID):
        if_none_match (str | Unset):  Example: "1".
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server answers with a status this operation does not document.
        httpx.TransportError: If the request fails after the client's retries; httpx.TimeoutException
            if an attempt takes longer than the client's timeout.

    Returns:
        Problem | User | None
    """

    return sync_detailed(
        user_id=user_id,
        client=client,
        if_none_match=if_none_match,
        x_request_id=x_request_id,
    ).parsed


def sync_or_raise(
    user_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    if_none_match: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> User | None:
    """Get a user by id.

     Needs an API key with the `users:read` scope once any key exists.

    Args:
        user_id (UUID):
        if_none_match (str | Unset):  Example: "1".
        x_request_id (str | Unset):

    Raises:
        errors.ProblemError: If the server answers with a documented problem (an error status).
        errors.UnexpectedStatus: If the server answers with a status this operation does not document.
        httpx.TransportError: If the request fails after the client's retries; httpx.TimeoutException
            if an attempt takes longer than the client's timeout.

    Returns:
        User | None
    """

    return _success(
        sync_detailed(
            user_id=user_id,
            client=client,
            if_none_match=if_none_match,
            x_request_id=x_request_id,
        )
    )


async def asyncio_detailed(
    user_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    if_none_match: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> Response[Problem | User | None]:
    """Get a user by id.

     Needs an API key with the `users:read` scope once any key exists.

    Args:
        user_id (UUID):
        if_none_match (str | Unset):  Example: "1".
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server answers with a status this operation does not document.
        httpx.TransportError: If the request fails after the client's retries; httpx.TimeoutException
            if an attempt takes longer than the client's timeout.

    Returns:
        Response[Problem | User | None]
    """

    kwargs = _get_kwargs(
        user_id=user_id,
        if_none_match=if_none_match,
        x_request_id=x_request_id,
    )

    response = await client.arequest(**kwargs)

    return _build_response(response=response)


async def asyncio(
    user_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    if_none_match: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> Problem | User | None:
    """Get a user by id.

     Needs an API key with the `users:read` scope once any key exists.

    Args:
        user_id (UUID):
        if_none_match (str | Unset):  Example: "1".
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server answers with a status this operation does not document.
        httpx.TransportError: If the request fails after the client's retries; httpx.TimeoutException
            if an attempt takes longer than the client's timeout.

    Returns:
        Problem | User | None
    """

    return (
        await asyncio_detailed(
            user_id=user_id,
            client=client,
            if_none_match=if_none_match,
            x_request_id=x_request_id,
        )
    ).parsed


async def asyncio_or_raise(
    user_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    if_none_match: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> User | None:
    """Get a user by id.

     Needs an API key with the `users:read` scope once any key exists.

    Args:
        user_id (UUID):
        if_none_match (str | Unset):  Example: "1".
        x_request_id (str | Unset):

    Raises:
        errors.ProblemError: If the server answers with a documented problem (an error status).
        errors.UnexpectedStatus: If the server answers with a status this operation does not document.
        httpx.TransportError: If the request fails after the client's retries; httpx.TimeoutException
            if an attempt takes longer than the client's timeout.

    Returns:
        User | None
    """

    return _success(
        await asyncio_detailed(
            user_id=user_id,
            client=client,
            if_none_match=if_none_match,
            x_request_id=x_request_id,
        )
    )
