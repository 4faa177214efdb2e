from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.health import Health
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    x_request_id: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(x_request_id, Unset):
        headers["X-Request-ID"] = x_request_id

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/healthz",
    }

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, response: httpx.Response) -> Health | Problem:
    if response.status_code == 200:
        response_200 = Health.from_dict(response.json())

        return response_200

    if response.status_code == 414:
        response_414 = Problem.from_dict(response.json())

        return response_414

    if response.status_code == 431:
        response_431 = Problem.from_dict(response.json())

        return response_431

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
    x_request_id: str | Unset = UNSET,
) -> Response[Health | Problem]:
    """Answer while the process can serve HTTP, whatever the database's state.

    Args:
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server answers with a status this operation does not document.
        httpx.TransportError: If the request fails after the client's retries; httpx.TimeoutException
            if an attempt takes longer than the client's timeout.

    Returns:
        Response[Health | Problem]
    """

    kwargs = _get_kwargs(
        x_request_id=x_request_id,
    )

    response = client.request(**kwargs)

    return _build_response(response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    x_request_id: str | Unset = UNSET,
) -> Health | Problem:
    """Answer while the process can serve HTTP, whatever the database's state.

    Args:
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server answers with a status this operation does not document.
        httpx.TransportError: If the request fails after the client's retries; httpx.TimeoutException
            if an attempt takes longer than the client's timeout.

    Returns:
        Health | Problem
    """

    return sync_detailed(
        client=client,
        x_request_id=x_request_id,
    ).parsed


def sync_or_raise(
    *,
    client: AuthenticatedClient | Client,
    x_request_id: str | Unset = UNSET,
) -> Health:
    """Answer while the process can serve HTTP, whatever the database's state.

    Args:
        x_request_id (str | Unset):

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
            x_request_id=x_request_id,
        )
    )


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    x_request_id: str | Unset = UNSET,
) -> Response[Health | Problem]:
    """Answer while the process can serve HTTP, whatever the database's state.

    Args:
        x_request_id (str | Unset):

    Raises:
        errors.UnexpectedStatus: If the server answers with a status this operation does not document.
        httpx.TransportError: If the request fails after the client's retries; httpx.TimeoutException
            if an attempt takes longer than the client's timeout.

    Returns:
        Response[Health | Problem]
    """

    kwargs = _get_kwargs(
        x_request_id=x_request_id,
    )

    response = await client.arequest(**kwargs)

    return _build_response(response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    x_request_id: str | Unset = UNSET,
) -> Health | Problem:
    """Answer while the process can serve HTTP, whatever the database's state.

    Args:
        x_request_id (str | Unset):

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
            x_request_id=x_request_id,
        )
    ).parsed


async def asyncio_or_raise(
    *,
    client: AuthenticatedClient | Client,
    x_request_id: str | Unset = UNSET,
) -> Health:
    """Answer while the process can serve HTTP, whatever the database's state.

    Args:
        x_request_id (str | Unset):

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
            x_request_id=x_request_id,
        )
    )
