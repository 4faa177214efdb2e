import uuid
from http import HTTPStatus
from typing import Any

import httpx

from ... import errors
from ...client import AuthenticatedClient, Client
from ...models.problem import Problem
from ...models.user import User
from ...models.user_create import UserCreate
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: UserCreate,
    idempotency_key: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(idempotency_key, Unset):
        headers["Idempotency-Key"] = idempotency_key

    if not isinstance(x_request_id, Unset):
        headers["X-Request-ID"] = x_request_id

    _kwargs: dict[str, Any] = {
        "method": "post",
        "url": "/people/v1/users",
    }

    _kwargs["json"] = body.to_dict()

    headers["Content-Type"] = "application/json"

    _kwargs["headers"] = headers
    return _kwargs


def _parse_response(*, response: httpx.Response) -> Problem | User:
    if response.status_code == 201:
        response_201 = User.from_dict(response.json())

        return response_201

    if response.status_code == 400:
        response_400 = Problem.from_dict(response.json())

        return response_400

    if response.status_code == 401:
        response_401 = Problem.from_dict(response.json())

        return response_401

    if response.status_code == 403:
        response_403 = Problem.from_dict(response.json())

        return response_403

    if response.status_code == 409:
        response_409 = Problem.from_dict(response.json())

        return response_409

    if response.status_code == 413:
        response_413 = Problem.from_dict(response.json())

        return response_413

    if response.status_code == 414:
        response_414 = Problem.from_dict(response.json())

        return response_414

    if response.status_code == 415:
        response_415 = Problem.from_dict(response.json())

        return response_415

    if response.status_code == 422:
        response_422 = Problem.from_dict(response.json())

        return response_422

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


def _build_response(*, response: httpx.Response) -> Response[Problem | User]:
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=_parse_response(response=response),
    )


def _success(response: Response[Problem | User]) -> User:
    parsed = response.parsed
    if isinstance(parsed, Problem):
        raise errors.ProblemError(parsed, response.headers)
    return parsed


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: UserCreate,
    idempotency_key: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> Response[Problem | User]:
    """Create a user.

     Send an Idempotency-Key to make retries safe: they get the first response back.

    Needs an API key with the `users:write` scope once any key exists.

    Args:
        idempotency_key (str | Unset):  Example: 5f0c7c1e-create-ada.
        x_request_id (str | Unset):
        body (UserCreate):

    Raises:
        errors.UnexpectedStatus: If the server answers with a status this operation does not document.
        httpx.TransportError: If the request fails after the client's retries; httpx.TimeoutException
            if an attempt takes longer than the client's timeout.

    Returns:
        Response[Problem | User]
    """

    if isinstance(idempotency_key, Unset) and client.retries.max_retries > 0:
        # A request that may be sent again must carry a key, or a retry could do its work twice.
        idempotency_key = str(uuid.uuid4())

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
        x_request_id=x_request_id,
    )

    response = client.request(**kwargs)

    return _build_response(response=response)


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: UserCreate,
    idempotency_key: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> Problem | User:
    """Create a user.

     Send an Idempotency-Key to make retries safe: they get the first response back.

    Needs an API key with the `users:write` scope once any key exists.

    Args:
        idempotency_key (str | Unset):  Example: 5f0c7c1e-create-ada.
        x_request_id (str | Unset):
        body (UserCreate):

    Raises:
        errors.UnexpectedStatus: If the server answers with a status this operation does not document.
        httpx.TransportError: If the request fails after the client's retries; httpx.TimeoutException
            if an attempt takes longer than the client's timeout.

    Returns:
        Problem | User
    """

    return sync_detailed(
        client=client,
        body=body,
        idempotency_key=idempotency_key,
        x_request_id=x_request_id,
    ).parsed


def sync_or_raise(
    *,
    client: AuthenticatedClient | Client,
    body: UserCreate,
    idempotency_key: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> User:
    """Create a user.

     Send an Idempotency-Key to make retries safe: they get the first response back.

    Needs an API key with the `users:write` scope once any key exists.

    Args:
        idempotency_key (str | Unset):  Example: 5f0c7c1e-create-ada.
        x_request_id (str | Unset):
        body (UserCreate):

    Raises:
        errors.ProblemError: If the server answers with a documented problem (an error status).
        errors.UnexpectedStatus: If the server answers with a status this operation does not document.
        httpx.TransportError: If the request fails after the client's retries; httpx.TimeoutException
            if an attempt takes longer than the client's timeout.

    Returns:
        User
    """

    return _success(
        sync_detailed(
            client=client,
            body=body,
            idempotency_key=idempotency_key,
            x_request_id=x_request_id,
        )
    )


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: UserCreate,
    idempotency_key: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> Response[Problem | User]:
    """Create a user.

     Send an Idempotency-Key to make retries safe: they get the first response back.

    Needs an API key with the `users:write` scope once any key exists.

    Args:
        idempotency_key (str | Unset):  Example: 5f0c7c1e-create-ada.
        x_request_id (str | Unset):
        body (UserCreate):

    Raises:
        errors.UnexpectedStatus: If the server answers with a status this operation does not document.
        httpx.TransportError: If the request fails after the client's retries; httpx.TimeoutException
            if an attempt takes longer than the client's timeout.

    Returns:
        Response[Problem | User]
    """

    if isinstance(idempotency_key, Unset) and client.retries.max_retries > 0:
        # A request that may be sent again must carry a key, or a retry could do its work twice.
        idempotency_key = str(uuid.uuid4())

    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
        x_request_id=x_request_id,
    )

    response = await client.arequest(**kwargs)

    return _build_response(response=response)


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: UserCreate,
    idempotency_key: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> Problem | User:
    """Create a user.

     Send an Idempotency-Key to make retries safe: they get the first response back.

    Needs an API key with the `users:write` scope once any key exists.

    Args:
        idempotency_key (str | Unset):  Example: 5f0c7c1e-create-ada.
        x_request_id (str | Unset):
        body (UserCreate):

    Raises:
        errors.UnexpectedStatus: If the server answers with a status this operation does not document.
        httpx.TransportError: If the request fails after the client's retries; httpx.TimeoutException
            if an attempt takes longer than the client's timeout.

    Returns:
        Problem | User
    """

    return (
        await asyncio_detailed(
            client=client,
            body=body,
            idempotency_key=idempotency_key,
            x_request_id=x_request_id,
        )
    ).parsed


async def asyncio_or_raise(
    *,
    client: AuthenticatedClient | Client,
    body: UserCreate,
    idempotency_key: str | Unset = UNSET,
    x_request_id: str | Unset = UNSET,
) -> User:
    """Create a user.

     Send an Idempotency-Key to make retries safe: they get the first response back.

    Needs an API key with the `users:write` scope once any key exists.

    Args:
        idempotency_key (str | Unset):  Example: 5f0c7c1e-create-ada.
        x_request_id (str | Unset):
        body (UserCreate):

    Raises:
        errors.ProblemError: If the server answers with a documented problem (an error status).
        errors.UnexpectedStatus: If the server answers with a status this operation does not document.
        httpx.TransportError: If the request fails after the client's retries; httpx.TimeoutException
            if an attempt takes longer than the client's timeout.

    Returns:
        User
    """

    return _success(
        await asyncio_detailed(
            client=client,
            body=body,
            idempotency_key=idempotency_key,
            x_request_id=x_request_id,
        )
    )
