from typing import Any

import httpx

from ... import _operations
from ..._sending import TimeoutTypes
from ...client import AuthenticatedClient, Client, Retries
from ...models.problem import Problem
from ...types import UNSET, Response, Unset


def _get_kwargs(
    *,
    x_request_id: str | None | Unset = UNSET,
) -> dict[str, Any]:
    headers: dict[str, Any] = {}
    if not isinstance(x_request_id, Unset):
        headers["X-Request-ID"] = x_request_id

    _kwargs: dict[str, Any] = {
        "method": "get",
        "url": "/",
    }

    # A header given as None is not sent.
    _kwargs["headers"] = {name: value for name, value in headers.items() if value is not None}
    return _kwargs


def _parse_response(response: httpx.Response) -> Problem | str:
    if response.status_code == 200:
        response_200 = response.text
        return response_200

    if response.status_code in {500}:
        return _operations.problem(response)

    raise _operations.unexpected(response)


def _success(response: Response[Problem | str]) -> str:
    parsed = response.parsed
    if isinstance(parsed, Problem):
        raise _operations.problem_error(parsed, response)
    return parsed


def _sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    x_request_id: str | None | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
    retries: Retries | int | Unset = UNSET,
) -> Response[Problem | str]:
    kwargs = _get_kwargs(
        x_request_id=x_request_id,
    )
    response = client.request(timeout=timeout, retries=retries, **kwargs)
    return _operations.build(response, _parse_response)


async def _asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    x_request_id: str | None | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
    retries: Retries | int | Unset = UNSET,
) -> Response[Problem | str]:
    kwargs = _get_kwargs(
        x_request_id=x_request_id,
    )
    response = await client.arequest(timeout=timeout, retries=retries, **kwargs)
    return _operations.build(response, _parse_response)


def sync_detailed(
    *,
    client: AuthenticatedClient | Client,
    x_request_id: str | None | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
    retries: Retries | int | Unset = UNSET,
) -> Response[Problem | str]:
    """Say the server is up, and where the API's documentation is.

    Args:
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
        Response[Problem | str]
    """

    return _sync_detailed(
        client=client,
        x_request_id=x_request_id,
        timeout=timeout,
        retries=retries,
    )


def sync(
    *,
    client: AuthenticatedClient | Client,
    x_request_id: str | None | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
    retries: Retries | int | Unset = UNSET,
) -> Problem | str:
    """Say the server is up, and where the API's documentation is.

    Args:
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
        Problem | str
    """

    return _sync_detailed(
        client=client,
        x_request_id=x_request_id,
        timeout=timeout,
        retries=retries,
    ).parsed


def sync_or_raise(
    *,
    client: AuthenticatedClient | Client,
    x_request_id: str | None | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
    retries: Retries | int | Unset = UNSET,
) -> str:
    """Say the server is up, and where the API's documentation is.

    Args:
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
        str
    """

    return _success(
        _sync_detailed(
            client=client,
            x_request_id=x_request_id,
            timeout=timeout,
            retries=retries,
        )
    )


async def asyncio_detailed(
    *,
    client: AuthenticatedClient | Client,
    x_request_id: str | None | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
    retries: Retries | int | Unset = UNSET,
) -> Response[Problem | str]:
    """Say the server is up, and where the API's documentation is.

    Args:
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
        Response[Problem | str]
    """

    return await _asyncio_detailed(
        client=client,
        x_request_id=x_request_id,
        timeout=timeout,
        retries=retries,
    )


async def asyncio(
    *,
    client: AuthenticatedClient | Client,
    x_request_id: str | None | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
    retries: Retries | int | Unset = UNSET,
) -> Problem | str:
    """Say the server is up, and where the API's documentation is.

    Args:
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
        Problem | str
    """

    return (
        await _asyncio_detailed(
            client=client,
            x_request_id=x_request_id,
            timeout=timeout,
            retries=retries,
        )
    ).parsed


async def asyncio_or_raise(
    *,
    client: AuthenticatedClient | Client,
    x_request_id: str | None | Unset = UNSET,
    timeout: TimeoutTypes | Unset = UNSET,
    retries: Retries | int | Unset = UNSET,
) -> str:
    """Say the server is up, and where the API's documentation is.

    Args:
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
        str
    """

    return _success(
        await _asyncio_detailed(
            client=client,
            x_request_id=x_request_id,
            timeout=timeout,
            retries=retries,
        )
    )
