from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.health import Health
from ...models.problem import Problem
from ...types import Response


def _get_kwargs() -> dict[str, Any]:

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/healthz",
    }

    return _kwargs


def _parse_response(*, response: httpx.Response) -> Health | Problem:
    if response.status_code == 200:
        response_200 = Health.from_dict(response.json())

        return response_200

    if response.status_code == 500:
        response_500 = Problem.from_dict(response.json())

        return response_500

    raise errors.UnexpectedStatus(response.status_code, response.content)


def _build_response(*, response: httpx.Response) -> Response[Health | Problem]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(response=response),
    )


def _success(response: Response[Health | Problem]) -> Health:
    parsed = response.parsed
    if isinstance(parsed, Problem):
        raise errors.ProblemError(parsed, response.headers)
    return parsed


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
) -> Response[Health | Problem]:
    """Answer while the process can serve HTTP, whatever the database's state.

    Raises:
        errors.UnexpectedStatus: If the server answers with a status this operation does not document.
        httpx.TransportError: If the request fails after the client's retries; httpx.TimeoutException
            if an attempt takes longer than the client's timeout.

    Returns:
        Response[Health | Problem]
    """

    kwargs = _get_kwargs()

    response = client.request(**kwargs)

    return _build_response(response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
) -> Health | Problem:
    """Answer while the process can serve HTTP, whatever the database's state.

    Raises:
        errors.UnexpectedStatus: If the server answers with a status this operation does not document.
        httpx.TransportError: If the request fails after the client's retries; httpx.TimeoutException
            if an attempt takes longer than the client's timeout.

    Returns:
        Health | Problem
    """

    return sync_detailed(
        client=client,
    ).parsed


def sync_or_raise(
    *,
    client: AuthenticatedClient | Client,
) -> Health:
    """Answer while the process can serve HTTP, whatever the database's state.

    Raises:
        errors.ProblemError: If the server answers with a documented problem (an error status).
        errors.UnexpectedStatus: If the server answers with a status this operation does not document.
        httpx.TransportError: If the request fails after the client's retries; httpx.TimeoutException
            if an attempt takes longer than the client's timeout.

    Returns:
        Health
    """

    return _success(
        sync_detailed(
            client=client,
        )
    )


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
) -> Response[Health | Problem]:
    """Answer while the process can serve HTTP, whatever the database's state.

    Raises:
        errors.UnexpectedStatus: If the server answers with a status this operation does not document.
        httpx.TransportError: If the request fails after the client's retries; httpx.TimeoutException
            if an attempt takes longer than the client's timeout.

    Returns:
        Response[Health | Problem]
    """

    kwargs = _get_kwargs()

    response = await client.arequest(**kwargs)

    return _build_response(response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
) -> Health | Problem:
    """Answer while the process can serve HTTP, whatever the database's state.

    Raises:
        errors.UnexpectedStatus: If the server answers with a status this operation does not document.
        httpx.TransportError: If the request fails after the client's retries; httpx.TimeoutException
            if an attempt takes longer than the client's timeout.

    Returns:
        Health | Problem
    """

    return (
        await asyncio_detailed(
            client=client,
        )
    ).parsed


async def asyncio_or_raise(
    *,
    client: AuthenticatedClient | Client,
) -> Health:
    """Answer while the process can serve HTTP, whatever the database's state.

    Raises:
        errors.ProblemError: If the server answers with a documented problem (an error status).
        errors.UnexpectedStatus: If the server answers with a status this operation does not document.
        httpx.TransportError: If the request fails after the client's retries; httpx.TimeoutException
            if an attempt takes longer than the client's timeout.

    Returns:
        Health
    """

    return _success(
        await asyncio_detailed(
            client=client,
        )
    )
