from typing import Any

import httpx

from ... import _operations
from ..._sending import TimeoutTypes
from ...client import AuthenticatedClient, Client, Retries
from ...models.problem import Problem
from ...models.user import User
from ...models.user_create import UserCreate
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    body: UserCreate,
    idempotency_key: str | None | Unset = UNSET,
    x_request_id: str | None | Unset = UNSET,
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

    # A header given as None is not sent.
    _kwargs["headers"] = {name: value for name, value in headers.items() if value is not None}
    return _kwargs


def _parse_response(response: httpx.Response) -> Problem | User:
    if response.status_code == 201:
        response_201 = User.from_dict(response.json())

        return response_201

    if response.status_code in {400, 401, 403, 409, 413, 415, 422, 429, 500, 503}:
        return _operations.problem(response)

    raise _operations.unexpected(response)


def _success(response: Response[Problem | User]) -> User:
    parsed = response.parsed
    if isinstance(parsed, Problem):
        raise _operations.problem_error(parsed, response)
    return parsed


def _sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: UserCreate,
    idempotency_key: str | None | Unset = UNSET,
    x_request_id: str | None | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
    retries: Retries | int | Unset = UNSET,
) -> Response[Problem | User]:
    idempotency_key = _operations.idempotency_key(idempotency_key, client, retries)
    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
        x_request_id=x_request_id,
    )
    response = client.request(timeout=timeout, retries=retries, **kwargs)
    return _operations.build(response, _parse_response)


async def _asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: UserCreate,
    idempotency_key: str | None | Unset = UNSET,
    x_request_id: str | None | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
    retries: Retries | int | Unset = UNSET,
) -> Response[Problem | User]:
    idempotency_key = _operations.idempotency_key(idempotency_key, client, retries)
    kwargs = _get_kwargs(
        body=body,
        idempotency_key=idempotency_key,
        x_request_id=x_request_id,
    )
    response = await client.arequest(timeout=timeout, retries=retries, **kwargs)
    return _operations.build(response, _parse_response)


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: UserCreate,
    idempotency_key: str | None | Unset = UNSET,
    x_request_id: str | None | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
    retries: Retries | int | Unset = UNSET,
) -> Response[Problem | User]:
    """Create a user.

     Send an Idempotency-Key to make retries safe: they get the first response back.

    Needs an API key with the `users:write` scope once any key exists.

    Args:
        idempotency_key (str | Unset):  Example: 5f0c7c1e-create-ada.
        x_request_id (str | Unset):
        body (UserCreate):
        timeout: seconds (or an httpx.Timeout, or None for none) each attempt of this call may take,
            instead of the client's.
        retries: a Retries policy (or a number of retries) for this call, instead of the client's.

    Raises:
        errors.UnexpectedStatus: If the server answers with a status this operation does not document,
            or a documented success whose body is not the documented one.
        errors.APIConnectionError: If no answer came, after the client's retries;
            errors.APITimeoutError if an attempt took longer than its timeout.

    Returns:
        Response[Problem | User]
    """

    return _sync_detailed(
        client=client,
        body=body,
        idempotency_key=idempotency_key,
        x_request_id=x_request_id,
        timeout=timeout,
        retries=retries,
    )


def sync(
    *,
    client: AuthenticatedClient | Client,
    body: UserCreate,
    idempotency_key: str | None | Unset = UNSET,
    x_request_id: str | None | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
    retries: Retries | int | Unset = UNSET,
) -> Problem | User:
    """Create a user.

     Send an Idempotency-Key to make retries safe: they get the first response back.

    Needs an API key with the `users:write` scope once any key exists.

    Args:
        idempotency_key (str | Unset):  Example: 5f0c7c1e-create-ada.
        x_request_id (str | Unset):
        body (UserCreate):
        timeout: seconds (or an httpx.Timeout, or None for none) each attempt of this call may take,
            instead of the client's.
        retries: a Retries policy (or a number of retries) for this call, instead of the client's.

    Raises:
        errors.UnexpectedStatus: If the server answers with a status this operation does not document,
            or a documented success whose body is not the documented one.
        errors.APIConnectionError: If no answer came, after the client's retries;
            errors.APITimeoutError if an attempt took longer than its timeout.

    Returns:
        Problem | User
    """

    return _sync_detailed(
        client=client,
        body=body,
        idempotency_key=idempotency_key,
        x_request_id=x_request_id,
        timeout=timeout,
        retries=retries,
    ).parsed


def sync_or_raise(
    *,
    client: AuthenticatedClient | Client,
    body: UserCreate,
    idempotency_key: str | None | Unset = UNSET,
    x_request_id: str | None | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
    retries: Retries | int | Unset = UNSET,
) -> User:
    """Create a user.

     Send an Idempotency-Key to make retries safe: they get the first response back.

    Needs an API key with the `users:write` scope once any key exists.

    Args:
        idempotency_key (str | Unset):  Example: 5f0c7c1e-create-ada.
        x_request_id (str | Unset):
        body (UserCreate):
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
        User
    """

    return _success(
        _sync_detailed(
            client=client,
            body=body,
            idempotency_key=idempotency_key,
            x_request_id=x_request_id,
            timeout=timeout,
            retries=retries,
        )
    )


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    body: UserCreate,
    idempotency_key: str | None | Unset = UNSET,
    x_request_id: str | None | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
    retries: Retries | int | Unset = UNSET,
) -> Response[Problem | User]:
    """Create a user.

     Send an Idempotency-Key to make retries safe: they get the first response back.

    Needs an API key with the `users:write` scope once any key exists.

    Args:
        idempotency_key (str | Unset):  Example: 5f0c7c1e-create-ada.
        x_request_id (str | Unset):
        body (UserCreate):
        timeout: seconds (or an httpx.Timeout, or None for none) each attempt of this call may take,
            instead of the client's.
        retries: a Retries policy (or a number of retries) for this call, instead of the client's.

    Raises:
        errors.UnexpectedStatus: If the server answers with a status this operation does not document,
            or a documented success whose body is not the documented one.
        errors.APIConnectionError: If no answer came, after the client's retries;
            errors.APITimeoutError if an attempt took longer than its timeout.

    Returns:
        Response[Problem | User]
    """

    return await _asyncio_detailed(
        client=client,
        body=body,
        idempotency_key=idempotency_key,
        x_request_id=x_request_id,
        timeout=timeout,
        retries=retries,
    )


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    body: UserCreate,
    idempotency_key: str | None | Unset = UNSET,
    x_request_id: str | None | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
    retries: Retries | int | Unset = UNSET,
) -> Problem | User:
    """Create a user.

     Send an Idempotency-Key to make retries safe: they get the first response back.

    Needs an API key with the `users:write` scope once any key exists.

    Args:
        idempotency_key (str | Unset):  Example: 5f0c7c1e-create-ada.
        x_request_id (str | Unset):
        body (UserCreate):
        timeout: seconds (or an httpx.Timeout, or None for none) each attempt of this call may take,
            instead of the client's.
        retries: a Retries policy (or a number of retries) for this call, instead of the client's.

    Raises:
        errors.UnexpectedStatus: If the server answers with a status this operation does not document,
            or a documented success whose body is not the documented one.
        errors.APIConnectionError: If no answer came, after the client's retries;
            errors.APITimeoutError if an attempt took longer than its timeout.

    Returns:
        Problem | User
    """

    return (
        await _asyncio_detailed(
            client=client,
            body=body,
            idempotency_key=idempotency_key,
            x_request_id=x_request_id,
            timeout=timeout,
            retries=retries,
        )
    ).parsed


async def asyncio_or_raise(
    *,
    client: AuthenticatedClient | Client,
    body: UserCreate,
    idempotency_key: str | None | Unset = UNSET,
    x_request_id: str | None | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
    retries: Retries | int | Unset = UNSET,
) -> User:
    """Create a user.

     Send an Idempotency-Key to make retries safe: they get the first response back.

    Needs an API key with the `users:write` scope once any key exists.

    Args:
        idempotency_key (str | Unset):  Example: 5f0c7c1e-create-ada.
        x_request_id (str | Unset):
        body (UserCreate):
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
        User
    """

    return _success(
        await _asyncio_detailed(
            client=client,
            body=body,
            idempotency_key=idempotency_key,
            x_request_id=x_request_id,
            timeout=timeout,
            retries=retries,
        )
    )
