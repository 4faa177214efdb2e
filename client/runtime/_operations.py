"""What the generated operation modules share: turning an answer into what a function returns or
raises, and the Idempotency-Key a retried create needs."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, TypeVar

import httpx

from ._exceptions import (
    STATUS_ERRORS,
    PeopleApiError,
    ProblemError,
    UnexpectedStatus,
    quoted,
    request_id_of,
    status_phrase,
)
from ._retries import Retries, policy
from .models.problem import Problem
from .types import UNSET, Response, Unset

if TYPE_CHECKING:
    from ._client import Client

T = TypeVar("T")
# What a generated model's from_dict raises for JSON of another shape.
SHAPE_ERRORS = (ValueError, KeyError, TypeError, AttributeError)


def problem(response: httpx.Response) -> Problem:
    """The answer's problem: its body when that is one, else a problem made from its status and
    body (a proxy's HTML 503 page), so an error status never fails to parse."""
    try:
        parsed = Problem.from_dict(response.json())
    except SHAPE_ERRORS:
        pass
    else:
        if all(isinstance(value, str) for value in (parsed.title, parsed.detail)) and isinstance(parsed.status, int):
            return parsed
    content_type = response.headers.get("Content-Type", "no Content-Type")
    body = (
        f"{len(response.content)} bytes of {content_type}: {quoted(response.content)}" if response.content else "empty"
    )
    return Problem(
        type_="about:blank",
        status=response.status_code,
        title=status_phrase(response.status_code) or f"Status {response.status_code}",
        detail=f"The answer is not a problem document; its body is {body}",
    )


def unexpected(response: httpx.Response, reason: str | None = None) -> UnexpectedStatus:
    """The exception for an answer the operation does not document."""
    return UnexpectedStatus(
        response.status_code,
        response.content,
        headers=response.headers,
        request_id=request_id_of(response),
        reason=reason,
    )


def build(response: httpx.Response, parse: Callable[[httpx.Response], T]) -> Response[T]:
    """The typed `Response` for `response`; a documented status whose body `parse` cannot read (a
    truncated JSON body, an HTML page) raises UnexpectedStatus, as an undocumented status does."""
    try:
        parsed = parse(response)
    except PeopleApiError:
        raise
    except SHAPE_ERRORS as error:
        reason = f"the body is not the documented one ({type(error).__name__}: {error})"
        raise unexpected(response, reason) from error
    return Response(
        status_code=HTTPStatus(response.status_code),
        content=response.content,
        headers=response.headers,
        parsed=parsed,
        request_id=request_id_of(response),
    )


def problem_error(problem: Problem, response: Response[Any]) -> ProblemError:
    """The exception for a documented error answer: the class its status names, else ProblemError."""
    kind = STATUS_ERRORS.get(response.status_code, ProblemError)
    return kind(problem, response.headers, body=response.content, request_id=response.request_id)


def idempotency_key(given: str | None | Unset, client: Client, retries: Retries | int | Unset) -> str | Unset:
    """The caller's key, else one made up when the call may be retried: a create that may be sent
    twice must carry a key, or a retry could create twice."""
    if isinstance(given, str):
        return given
    chosen = client.retries if isinstance(retries, Unset) else policy(retries)
    return str(uuid.uuid4()) if chosen.max_retries > 0 else UNSET
