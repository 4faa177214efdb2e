from typing import Any
from urllib.parse import quote
from uuid import UUID

import httpx

from ... import _operations
from ..._sending import TimeoutTypes
from ...client import AuthenticatedClient, Client, Retries
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    user_id: UUID,
    *,
    if_match: str | None | Unset = UNSET,
    x_request_id: str | None | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(if_match, Unset):
        headers["If-Match"] = if_match

    if not isinstance(x_request_id, Unset):
        headers["X-Request-ID"] = x_request_id

    _kwargs: dict[str, Any] = {
        "method": "delete",
        "url": "/people/v1/users/{user_id}".format(
            user_id=quote(str(user_id), safe=""),
        ),
    }

    # A header given as None is not sent.
    _kwargs["headers"] = {name: value for name, value in headers.items() if value is not None}
    return _kwargs


def _parse_response(response: httpx.Response) -> Problem | None:
    if response.status_code == 204:
        return None

    if response.status_code in {401, 403, 404, 412, 429, 500, 503}:
        return _operations.problem(response)

    raise _operations.unexpected(response)


def _success(response: Response[Problem | None]) -> None:
    parsed = response.parsed
    if isinstance(parsed, Problem):
        raise _operations.problem_error(parsed, response)
    return parsed


def _sync_detailed(
    user_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    if_match: str | None | Unset = UNSET,
    x_request_id: str | None | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
    retries: Retries | int | Unset = UNSET,
) -> Response[Problem | None]:
    kwargs = _get_kwargs(
        user_id=user_id,
        if_match=if_match,
        x_request_id=x_request_id,
    )
    response = client.request(timeout=timeout, retries=retries, **kwargs)
    return _operations.build(response, _parse_response)


async def _asyncio_detailed(
    user_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    if_match: str | None | Unset = UNSET,
    x_request_id: str | None | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
    retries: Retries | int | Unset = UNSET,
) -> Response[Problem | None]:
    kwargs = _get_kwargs(
        user_id=user_id,
        if_match=if_match,
        x_request_id=x_request_id,
    )
    response = await client.arequest(timeout=timeout, retries=retries, **kwargs)
    return _operations.build(response, _parse_response)


def sync_detailed(
    user_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    if_match: str | None | Unset = UNSET,
    x_request_id: str | None | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
    retries: Retries | int | Unset = UNSET,
) -> Response[Problem | None]:
    """Delete a user.

     Needs an API key with the `users:write` scope once any key exists.

    Args:
        user_id (UUID):
        if_match (str | Unset):  Example: "1".
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
        Response[Problem | None]
    """

    return _sync_detailed(
        user_id=user_id,
        client=client,
        if_match=if_match,
        x_request_id=x_request_id,
        timeout=timeout,
        retries=retries,
    )


def sync(
    user_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    if_match: str | None | Unset = UNSET,
    x_request_id: str | None | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
    retries: Retries | int | Unset = UNSET,
) -> Problem | None:
    """Delete a user.

     Needs an API key with the `users:write` scope once any key exists.

    Args:
        user_id (UUID):
        if_match (str | Unset):  Example: "1".
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
        Problem | None
    """

    return _sync_detailed(
        user_id=user_id,
        client=client,
        if_match=if_match,
        x_request_id=x_request_id,
        timeout=timeout,
        retries=retries,
    ).parsed


def sync_or_raise(
    user_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    if_match: str | None | Unset = UNSET,
    x_request_id: str | None | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
    retries: Retries | int | Unset = UNSET,
) -> None:
    """Delete a user.

     Needs an API key with the `users:write` scope once any key exists.

    Args:
        user_id (UUID):
        if_match (str | Unset):  Example: "1".
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
        None
    """

    return _success(
        _sync_detailed(
            user_id=user_id,
            client=client,
            if_match=if_match,
            x_request_id=x_request_id,
            timeout=timeout,
            retries=retries,
        )
    )


async def asyncio_detailed(
    user_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    if_match: str | None | Unset = UNSET,
    x_request_id: str | None | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
    retries: Retries | int | Unset = UNSET,
) -> Response[Problem | None]:
    """Delete a user.

     Needs an API key with the `users:write` scope once any key exists.

    Args:
        user_id (UUID):
        if_match (str | Unset):  Example: "1".
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
        Response[Problem | None]
    """

    return await _asyncio_detailed(
        user_id=user_id,
        client=client,
        if_match=if_match,
        x_request_id=x_request_id,
        timeout=timeout,
        retries=retries,
    )


async def asyncio(
    user_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    if_match: str | None | Unset = UNSET,
    x_request_id: str | None | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
    retries: Retries | int | Unset = UNSET,
) -> Problem | None:
    """Delete a user.

     Needs an API key with the `users:write` scope once any key exists.

    Args:
        user_id (UUID):
        if_match (str | Unset):  Example: "1".
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
        Problem | None
    """

    return (
        await _asyncio_detailed(
            user_id=user_id,
            client=client,
            if_match=if_match,
            x_request_id=x_request_id,
            timeout=timeout,
            retries=retries,
        )
    ).parsed


async def asyncio_or_raise(
    user_id: UUID,
    *,
    client: AuthenticatedClient | Client,
    if_match: str | None | Unset = UNSET,
    x_request_id: str | None | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
    retries: Retries | int | Unset = UNSET,
) -> None:
    """Delete a user.

     Needs an API key with the `users:write` scope once any key exists.

    Args:
        user_id (UUID):
        if_match (str | Unset):  Example: "1".
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
        None
    """

    return _success(
        await _asyncio_detailed(
            user_id=user_id,
            client=client,
            if_match=if_match,
            x_request_id=x_request_id,
            timeout=timeout,
            retries=retries,
        )
    )
