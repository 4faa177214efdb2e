from typing import Any, overload
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import _operations
from ..._sending import TimeoutTypes
from ...client import AuthenticatedClient, Client, Retries
from ...models.problem import Problem
from ...models.user import User
from ...types import UNSET, Response, Unset


def _get_kwargs(
    user_id: UUID,
    *,
    if_none_match: str | None | Unset = UNSET,
    x_request_id: str | None | Unset = UNSET,
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

    # A header given as None is not sent.
    _kwargs["headers"] = {name: value for name, value in headers.items() if value is not None}
    return _kwargs


def _parse_response(response: httpx.Response) -> Problem | User | None:
    if response.status_code == 200:
        response_200 = User.from_dict(response.json())

        return response_200

    if response.status_code == 304:
        return None

    if response.status_code in {401, 403, 404, 429, 500, 503}:
        return _operations.problem(response)

    raise _operations.unexpected(response)


def _success(response: Response[Problem | User | None]) -> User | None:
    parsed = response.parsed
    if isinstance(parsed, Problem):
        raise _operations.problem_error(parsed, response)
    return parsed


def _sync_detailed(
    user_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    if_none_match: str | None | Unset = UNSET,
    x_request_id: str | None | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
    retries: Retries | int | Unset = UNSET,
) -> Response[Problem | User | None]:
    kwargs = _get_kwargs(
        user_id=user_id,
        if_none_match=if_none_match,
        x_request_id=x_request_id,
    )
    response = client.request(timeout=timeout, retries=retries, **kwargs)
    return _operations.build(response, _parse_response)


async def _asyncio_detailed(
    user_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    if_none_match: str | None | Unset = UNSET,
    x_request_id: str | None | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
    retries: Retries | int | Unset = UNSET,
) -> Response[Problem | User | None]:
    kwargs = _get_kwargs(
        user_id=user_id,
        if_none_match=if_none_match,
        x_request_id=x_request_id,
    )
    response = await client.arequest(timeout=timeout, retries=retries, **kwargs)
    return _operations.build(response, _parse_response)


@overload
def sync_detailed(
    user_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    if_none_match: None | Unset = UNSET,
    x_request_id: str | None | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
    retries: Retries | int | Unset = UNSET,
) -> Response[Problem | User]: ...


@overload
def sync_detailed(
    user_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    if_none_match: str,
    x_request_id: str | None | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
    retries: Retries | int | Unset = UNSET,
) -> Response[Problem | User | None]: ...


def sync_detailed(
    user_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    if_none_match: str | None | Unset = UNSET,
    x_request_id: str | None | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
    retries: Retries | int | Unset = UNSET,
) -> Response[Problem | User | None]:
    """Get a user by id.

     Needs an API key with the `users:read` scope once any key exists.

    Args:
        user_id (UUID):
        if_none_match (str | Unset):  Example: "1".
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
        Response[Problem | User | None]
    """

    return _sync_detailed(
        user_id=user_id,
        client=client,
        if_none_match=if_none_match,
        x_request_id=x_request_id,
        timeout=timeout,
        retries=retries,
    )


@overload
def sync(
    user_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    if_none_match: None | Unset = UNSET,
    x_request_id: str | None | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
    retries: Retries | int | Unset = UNSET,
) -> Problem | User: ...


@overload
def sync(
    user_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    if_none_match: str,
    x_request_id: str | None | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
    retries: Retries | int | Unset = UNSET,
) -> Problem | User | None: ...


def sync(
    user_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    if_none_match: str | None | Unset = UNSET,
    x_request_id: str | None | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
    retries: Retries | int | Unset = UNSET,
) -> Problem | User | None:
    """Get a user by id.

     Needs an API key with the `users:read` scope once any key exists.

    Args:
        user_id (UUID):
        if_none_match (str | Unset):  Example: "1".
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
        Problem | User | None
    """

    return _sync_detailed(
        user_id=user_id,
        client=client,
        if_none_match=if_none_match,
        x_request_id=x_request_id,
        timeout=timeout,
        retries=retries,
    ).parsed


@overload
def sync_or_raise(
    user_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    if_none_match: None | Unset = UNSET,
    x_request_id: str | None | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
    retries: Retries | int | Unset = UNSET,
) -> User: ...


@overload
def sync_or_raise(
    user_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    if_none_match: str,
    x_request_id: str | None | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
    retries: Retries | int | Unset = UNSET,
) -> User | None: ...


def sync_or_raise(
    user_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    if_none_match: str | None | Unset = UNSET,
    x_request_id: str | None | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
    retries: Retries | int | Unset = UNSET,
) -> User | None:
    """Get a user by id.

     Needs an API key with the `users:read` scope once any key exists.

    Args:
        user_id (UUID):
        if_none_match (str | Unset):  Example: "1".
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
        User | None
    """

    return _success(
        _sync_detailed(
            user_id=user_id,
            client=client,
            if_none_match=if_none_match,
            x_request_id=x_request_id,
            timeout=timeout,
            retries=retries,
        )
    )


@overload
async def asyncio_detailed(
    user_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    if_none_match: None | Unset = UNSET,
    x_request_id: str | None | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
    retries: Retries | int | Unset = UNSET,
) -> Response[Problem | User]: ...


@overload
async def asyncio_detailed(
    user_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    if_none_match: str,
    x_request_id: str | None | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
    retries: Retries | int | Unset = UNSET,
) -> Response[Problem | User | None]: ...


async def asyncio_detailed(
    user_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    if_none_match: str | None | Unset = UNSET,
    x_request_id: str | None | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
    retries: Retries | int | Unset = UNSET,
) -> Response[Problem | User | None]:
    """Get a user by id.

     Needs an API key with the `users:read` scope once any key exists.

    Args:
        user_id (UUID):
        if_none_match (str | Unset):  Example: "1".
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
        Response[Problem | User | None]
    """

    return await _asyncio_detailed(
        user_id=user_id,
        client=client,
        if_none_match=if_none_match,
        x_request_id=x_request_id,
        timeout=timeout,
        retries=retries,
    )


@overload
async def asyncio(
    user_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    if_none_match: None | Unset = UNSET,
    x_request_id: str | None | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
    retries: Retries | int | Unset = UNSET,
) -> Problem | User: ...


@overload
async def asyncio(
    user_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    if_none_match: str,
    x_request_id: str | None | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
    retries: Retries | int | Unset = UNSET,
) -> Problem | User | None: ...


async def asyncio(
    user_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    if_none_match: str | None | Unset = UNSET,
    x_request_id: str | None | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
    retries: Retries | int | Unset = UNSET,
) -> Problem | User | None:
    """Get a user by id.

     Needs an API key with the `users:read` scope once any key exists.

    Args:
        user_id (UUID):
        if_none_match (str | Unset):  Example: "1".
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
        Problem | User | None
    """

    return (
        await _asyncio_detailed(
            user_id=user_id,
            client=client,
            if_none_match=if_none_match,
            x_request_id=x_request_id,
            timeout=timeout,
            retries=retries,
        )
    ).parsed


@overload
async def asyncio_or_raise(
    user_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    if_none_match: None | Unset = UNSET,
    x_request_id: str | None | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
    retries: Retries | int | Unset = UNSET,
) -> User: ...


@overload
async def asyncio_or_raise(
    user_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    if_none_match: str,
    x_request_id: str | None | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
    retries: Retries | int | Unset = UNSET,
) -> User | None: ...


async def asyncio_or_raise(
    user_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    if_none_match: str | None | Unset = UNSET,
    x_request_id: str | None | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
    retries: Retries | int | Unset = UNSET,
) -> User | None:
    """Get a user by id.

     Needs an API key with the `users:read` scope once any key exists.

    Args:
        user_id (UUID):
        if_none_match (str | Unset):  Example: "1".
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
        User | None
    """

    return _success(
        await _asyncio_detailed(
            user_id=user_id,
            client=client,
            if_none_match=if_none_match,
            x_request_id=x_request_id,
            timeout=timeout,
            retries=retries,
        )
    )
